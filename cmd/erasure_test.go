package cmd

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/parquettest"
)

// TestForgetUsernameOnlyShopeeBuyer forgets a Shopee buyer known to the
// dataset only by a marketplace username, then imports the same export
// again: in every --pii mode, none of their orders comes back and the
// summary says how many were left out.
func TestForgetUsernameOnlyShopeeBuyer(t *testing.T) {
	export := filepath.Join("..", "testdata", "exports", "Order.all.20240101_20261031.xlsx")
	for _, mode := range []string{"clear", "hash", "drop"} {
		t.Run(mode, func(t *testing.T) {
			t.Setenv("ORDERHIST_PII_KEY", "a-test-key-of-32-bytes-0123456789")
			out := filepath.Join(t.TempDir(), "data")
			if r := run(t, t.Context(), "import", "--pii", mode, "--out", out, export); r.code != 0 {
				t.Fatalf("import: %d %s", r.code, r.stderr)
			}
			// A customer whose every identity is a marketplace user.
			kinds := map[string]map[string]bool{}
			for _, id := range parquettest.ReadGlob(t, filepath.Join(out, "identities", "*.parquet")).Records {
				c := id["customer_id"].(string)
				if kinds[c] == nil {
					kinds[c] = map[string]bool{}
				}
				kinds[c][id["kind"].(string)] = true
			}
			customer := ""
			for c, k := range kinds {
				if len(k) == 1 && k["marketplace_user"] && (customer == "" || c < customer) {
					customer = c
				}
			}
			if customer == "" {
				t.Fatal("the export has no buyer known by username only")
			}
			orderIDs := func() map[string]bool {
				ids := map[string]bool{}
				for _, o := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
					if o["customer_id"] == customer {
						ids[o["order_id"].(string)] = true
					}
				}
				return ids
			}
			erased := orderIDs()
			if len(erased) == 0 {
				t.Fatalf("customer %s has no order", customer)
			}
			if r := run(t, t.Context(), "forget", "--pii", mode, "--out", out, "--customer", customer); r.code != 0 {
				t.Fatalf("forget: %d %s", r.code, r.stderr)
			}
			before := readManifest(t, out).Tables["orders"].Rows

			r := run(t, t.Context(), "import", "--pii", mode, "--out", out, export)
			if r.code != 0 {
				t.Fatalf("re-import: %d %s", r.code, r.stderr)
			}
			if n := readManifest(t, out).Tables["orders"].Rows; n != before {
				t.Errorf("re-import: %d orders, %d before it; the erased buyer's came back", n, before)
			}
			for _, o := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
				if erased[o["order_id"].(string)] {
					t.Errorf("erased order %s came back", o["order_id"])
				}
			}
			if !strings.Contains(r.stdout, "erased:") {
				t.Errorf("the summary does not say orders were left out:\n%s", r.stdout)
			}
		})
	}
}

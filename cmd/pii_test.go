package cmd

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/parquettest"
)

// personal are the test buyers' identifiers as they appear in the inputs
// and as they are normalized.
var personal = []string{"12345678909", "98765432100", "123.456.789-09", "maria.silva@example.com", "Maria.Silva@Example.com",
	"joao@example.com", "+5511987654321", "11987654321", "+5521998765432", "21998765432", "Maria da Silva", "João Souza",
	"Rua das Flores", "Av. Brasil"}

// groupsOf describes the customers of a dataset by what they hold, not
// by their ids: order ids per customer, sorted.
func groupsOf(t *testing.T, out string) []string {
	t.Helper()
	byCustomer := map[string][]string{}
	for _, o := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
		id := o["customer_id"].(string)
		byCustomer[id] = append(byCustomer[id], o["order_id"].(string))
	}
	var groups []string
	for _, g := range byCustomer {
		slices.Sort(g)
		groups = append(groups, strings.Join(g, ","))
	}
	slices.Sort(groups)
	return groups
}

func TestPIIHashLeavesNothingInClear(t *testing.T) {
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	clear := filepath.Join(t.TempDir(), "clear")
	if r := run(t, t.Context(), "import", "--out", clear, a, s); r.code != 0 {
		t.Fatal(r.stderr)
	}
	want := groupsOf(t, clear)

	for _, mode := range []string{"hash", "drop"} {
		t.Run(mode, func(t *testing.T) {
			t.Setenv("ORDERHIST_PII_KEY", "a-test-key-of-32-bytes-0123456789")
			out := filepath.Join(t.TempDir(), "data")
			r := run(t, t.Context(), "import", "--pii", mode, "--log-format", "json", "--out", out, a, s)
			if r.code != 0 {
				t.Fatalf("code %d %s", r.code, r.stderr)
			}
			dump := allTables(t, out) + r.stdout + r.stderr
			for _, p := range personal {
				if strings.Contains(dump, p) {
					t.Errorf("%q is in the dataset or the logs", p)
				}
			}
			if got := groupsOf(t, out); !slices.Equal(got, want) {
				t.Fatalf("customers differ from a clear run:\n got %v\nwant %v", got, want)
			}
			ids := customerIDs(t, out)
			// The next run reads hashed orders back: customers keep their
			// ids and their orders.
			if r := run(t, t.Context(), "import", "--pii", mode, "--out", out, a, s); r.code != 0 {
				t.Fatalf("second run: %d %s", r.code, r.stderr)
			}
			if got := groupsOf(t, out); !slices.Equal(got, want) {
				t.Fatalf("after a second run customers differ:\n got %v\nwant %v", got, want)
			}
			for order, id := range customerIDs(t, out) {
				if ids[order] != id {
					t.Errorf("order %s moved from customer %s to %s", order, ids[order], id)
				}
			}
			if strings.Contains(allTables(t, out), "12345678909") {
				t.Error("a second run wrote a CPF in clear")
			}
			// Forgetting works on the hashed dataset.
			if r := run(t, t.Context(), "forget", "--pii", mode, "--out", out, "--document", "123.456.789-09"); r.code != 0 {
				t.Fatalf("forget: %d %s", r.code, r.stderr)
			}
			if n := readManifest(t, out).Tables["orders"].Rows; n != 2 {
				t.Errorf("%d orders after forgetting the buyer of 2 of 4", n)
			}
		})
	}
}

func TestPIIModeAndKeyAreChecked(t *testing.T) {
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	out := filepath.Join(t.TempDir(), "data")
	t.Setenv("ORDERHIST_PII_KEY", "")
	if r := run(t, t.Context(), "import", "--pii", "hash", "--out", out, a); r.code != exitUsage || !strings.Contains(r.stderr, "ORDERHIST_PII_KEY") {
		t.Fatalf("hash without a key: %d %s", r.code, r.stderr)
	}
	t.Setenv("ORDERHIST_PII_KEY", "first-key-0123456789abcdef")
	if r := run(t, t.Context(), "import", "--pii", "hash", "--out", out, a); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, t.Context(), "import", "--out", out, a); r.code != exitUsage || !strings.Contains(r.stderr, "--pii hash") {
		t.Fatalf("clear run on a hashed dataset: %d %s", r.code, r.stderr)
	}
	t.Setenv("ORDERHIST_PII_KEY", "other-key-0123456789abcdef")
	r := run(t, t.Context(), "import", "--pii", "hash", "--out", out, a)
	if r.code != exitUsage || !strings.Contains(r.stderr, "not the key") || strings.Contains(r.stderr, "other-key") {
		t.Fatalf("another key: %d %s", r.code, r.stderr)
	}
}

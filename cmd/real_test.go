package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/parquettest"
)

// realDir is the folder of pseudonymized real exports kept beside the
// repository; tests that need it skip when it is absent.
func realDir(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "shared", "real"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real exports not available: %v", err)
	}
	return p
}

// TestRealCrossChannelBuyers imports the real Mercado Livre report with the
// real Shopee Order.toship: its README says 3 CPFs appear in both, and each
// must be one customer on both channels.
func TestRealCrossChannelBuyers(t *testing.T) {
	dir := realDir(t, "seller-a-ml-shopee-tiktok")
	ml := filepath.Join(dir, "20260311_Vendas_BR_Mercado_Libre_y_Mercado_Shops_2026-03-11_08-18hs_767713367.xlsx")
	toship := filepath.Join(dir, "Order.toship.20260213_20260315.xlsx")
	out := filepath.Join(t.TempDir(), "data")
	if r := run(t, t.Context(), "import", "--out", out, ml, toship); r.code != 0 {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	customers := parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records
	both := 0
	for _, c := range customers {
		if ch, _ := c["channels"].([]any); len(ch) == 2 && ch[0] == "mercadolivre" && ch[1] == "shopee" {
			both++
			if c["document"] == nil {
				t.Errorf("cross-channel customer %s has no document", c["customer_id"])
			}
		}
	}
	if both != 3 {
		t.Errorf("%d customers on both Mercado Livre and Shopee, want the README's 3", both)
	}

	// 16568694622 is the CPF of one of them: on Mercado Livre under one
	// name, on Shopee under another. explain finds them by it, however
	// it is typed.
	for _, q := range []string{"16568694622", "165.686.946-22"} {
		r := run(t, t.Context(), "explain", "--out", out, q)
		if r.code != 0 {
			t.Fatalf("explain %s: code %d\n%s\n%s", q, r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"on cpf/cnpj", "mercadolivre", "shopee", "cpf *********22"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("explain %s lacks %q:\n%s", q, want, r.stdout)
			}
		}
	}
	// A first name two buyers share lists them both and exits 5.
	r := run(t, t.Context(), "explain", "--out", out, "sabrina")
	if r.code != exitAmbiguous || !strings.Contains(r.stdout, "2 customers match") {
		t.Errorf("explain sabrina: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestRealShopeePairEitherOrder imports Shopee's Order.toship (buyers in
// clear) and Order.all (buyers masked) in both orders: the datasets must be
// identical, and each of the 55 usernames found in both files must be one
// customer carrying the CPF and name only Order.toship shows.
func TestRealShopeePairEitherOrder(t *testing.T) {
	dir := realDir(t, "seller-a-ml-shopee-tiktok")
	all := filepath.Join(dir, "Order.all.20260201_20260228_part_2_of_3.xlsx")
	toship := filepath.Join(dir, "Order.toship.20260213_20260315.xlsx")
	outA := filepath.Join(t.TempDir(), "a")
	outB := filepath.Join(t.TempDir(), "b")
	if r := run(t, t.Context(), "import", "--out", outA, toship, all); r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	if r := run(t, t.Context(), "import", "--out", outB, all, toship); r.code != 0 {
		t.Fatalf("code %d\n%s", r.code, r.stderr)
	}
	for _, table := range []string{"orders/*", "order_items/*", "customers", "identities"} {
		a := parquettest.ReadGlob(t, filepath.Join(outA, table, "*.parquet"))
		b := parquettest.ReadGlob(t, filepath.Join(outB, table, "*.parquet"))
		if !bytes.Equal(a.JSONL, b.JSONL) {
			t.Errorf("table %s differs with the import order", table)
		}
	}

	orders := parquettest.ReadGlob(t, filepath.Join(outA, "orders", "*", "*.parquet")).Records
	files := map[string]map[string]bool{} // username → files
	custOf := map[string]map[string]bool{}
	for _, o := range orders {
		u, _ := o["buyer_ref"].(string)
		if u == "" {
			continue
		}
		if files[u] == nil {
			files[u], custOf[u] = map[string]bool{}, map[string]bool{}
		}
		files[u][filepath.Base(o["source_file"].(string))] = true
		custOf[u][o["customer_id"].(string)] = true
	}
	customers := map[string]map[string]any{}
	for _, c := range parquettest.ReadGlob(t, filepath.Join(outA, "customers", "*.parquet")).Records {
		customers[c["customer_id"].(string)] = c
	}
	shared := 0
	for u, fs := range files {
		if len(fs) < 2 {
			continue
		}
		shared++
		if len(custOf[u]) != 1 {
			t.Errorf("username %s: %d customers, want 1", u, len(custOf[u]))
			continue
		}
		for id := range custOf[u] {
			c := customers[id]
			if c["document"] == nil || c["name"] == nil {
				t.Errorf("username %s: customer %s lacks the CPF or name Order.toship shows", u, id)
			}
		}
	}
	if shared != 55 {
		t.Errorf("%d usernames in both files, want the README's 55", shared)
	}
}

// TestRealImportExitsOK imports every real export: values Excel mangled
// are dropped with a warning, and the run that committed them exits 0.
func TestRealImportExitsOK(t *testing.T) {
	dir := realDir(t)
	r := run(t, t.Context(), "import", "--out", filepath.Join(t.TempDir(), "data"), dir)
	if r.code != exitOK {
		t.Fatalf("code %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

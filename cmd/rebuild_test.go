package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/normalize"
)

// TestRebuild: rebuild recovers a dataset whose resolver state was damaged
// without changing a row, says so, and a later import gives what an
// import into a dataset never damaged gives.
func TestRebuild(t *testing.T) {
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	out := filepath.Join(t.TempDir(), "data")
	clean := filepath.Join(t.TempDir(), "clean")
	for _, dir := range []string{out, clean} {
		if r := run(t, t.Context(), "import", "--out", dir, a); r.code != 0 {
			t.Fatalf("import: %d %s", r.code, r.stderr)
		}
	}
	before := allTables(t, out)
	stateDir := filepath.Join(out, dataset.ResolverStateDir)
	states, _ := filepath.Glob(filepath.Join(stateDir, "*.state"))
	if len(states) == 0 {
		t.Fatal("the import wrote no resolver state")
	}
	for _, p := range states {
		if err := os.WriteFile(p, []byte("damaged"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	r := run(t, t.Context(), "rebuild", "--out", out)
	if r.code != 0 {
		t.Fatalf("rebuild: %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "no month was rewritten") {
		t.Errorf("rebuild of a consistent dataset says:\n%s", r.stdout)
	}
	if after := allTables(t, out); after != before {
		t.Errorf("rebuild changed the tables:\n%s\nwas\n%s", after, before)
	}
	m := readManifest(t, out)
	ds, err := dataset.OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	ix := dataset.LoadStateIndex(ds, "clear", "")
	if months := len(m.Tables["orders"].Files); len(ix.Months) != months {
		t.Fatalf("after rebuild the resolver state describes %d months of %d", len(ix.Months), months)
	}
	for month, sm := range ix.Months {
		if err := dataset.ReadState(t.Context(), out, sm, func(*normalize.Order, string) error { return nil }); err != nil {
			t.Errorf("state of %s after rebuild: %v", month, err)
		}
	}

	for _, dir := range []string{out, clean} {
		if r := run(t, t.Context(), "import", "--out", dir, s); r.code != 0 {
			t.Fatalf("import: %d %s", r.code, r.stderr)
		}
	}
	if got, want := allTables(t, out), allTables(t, clean); got != want {
		t.Errorf("an import after rebuild gives\n%s\nwant\n%s", got, want)
	}

	if r := run(t, t.Context(), "rebuild", "--out", filepath.Join(t.TempDir(), "none")); r.code == 0 || !strings.Contains(r.stderr, "holds no dataset") {
		t.Errorf("rebuild of a folder without a dataset: %d %q", r.code, r.stderr)
	}
}

// TestResolverStateHashed: under --pii hash the resolver state holds no
// clear personal value, as the orders table holds none.
func TestResolverStateHashed(t *testing.T) {
	t.Setenv("ORDERHIST_PII_KEY", "a-test-key-of-32-bytes-0123456789")
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	out := filepath.Join(t.TempDir(), "data")
	if r := run(t, t.Context(), "import", "--pii", "hash", "--out", out, a, s); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	ds, err := dataset.OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	m := readManifest(t, out)
	ix := dataset.LoadStateIndex(ds, m.PII, m.PIIKeyCheck)
	if len(ix.Months) == 0 {
		t.Fatal("no resolver state under --pii hash")
	}
	var b strings.Builder
	for _, sm := range ix.Months {
		err := dataset.ReadState(t.Context(), out, sm, func(o *normalize.Order, customer string) error {
			b.WriteString(o.Buyer.Name + o.Buyer.Document + o.Buyer.Email + o.Buyer.Phone + o.Buyer.Ref + o.Ship.Street + o.Ship.RecipientName + o.Ship.RecipientPhone + "\n")
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, personal := range []string{"12345678909", "98765432100", "maria.silva@example.com", "+5511987654321", "Maria da Silva", "Rua das Flores", "João Souza"} {
		if strings.Contains(b.String(), personal) {
			t.Errorf("%q is in the resolver state in clear", personal)
		}
	}
}

package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

// allTables dumps every table of a dataset through arrow-go.
func allTables(t *testing.T, out string) string {
	t.Helper()
	var b strings.Builder
	for _, g := range []string{"orders/*/*", "order_items/*/*", "customers/*", "identities/*", "customer_merges/*", "rejects/*"} {
		b.Write(parquettest.ReadGlob(t, filepath.Join(out, g+".parquet")).JSONL)
	}
	return b.String()
}

func TestForget(t *testing.T) {
	for _, keep := range []bool{true, false} {
		name := "remove orders"
		if keep {
			name = "keep orders"
		}
		t.Run(name, func(t *testing.T) {
			in := t.TempDir()
			out := filepath.Join(t.TempDir(), "data")
			a := writeFile(t, in, "amazon.tsv", amazonTSV)
			s := writeFile(t, in, "shopify.csv", shopifyCSV)
			if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
				t.Fatalf("import: %d %s", r.code, r.stderr)
			}
			args := []string{"forget", "--out", out, "--document", "123.456.789-09"}
			if keep {
				args = append(args, "--keep-orders")
			}
			r := run(t, t.Context(), args...)
			if r.code != 0 {
				t.Fatalf("forget: %d %s", r.code, r.stderr)
			}
			dump := allTables(t, out)
			for _, personal := range []string{"12345678909", "maria.silva@example.com", "+5511987654321", "Maria da Silva", "Rua das Flores"} {
				if strings.Contains(dump, personal) {
					t.Errorf("%q is still in the dataset", personal)
				}
			}
			m := readManifest(t, out)
			want := int64(2)
			if keep {
				want = 4
			}
			if m.Tables["orders"].Rows != want || len(m.Erasures) != 1 {
				t.Fatalf("%d orders (want %d), %d erasures", m.Tables["orders"].Rows, want, len(m.Erasures))
			}
			if strings.Contains(string(m.Erasures[0]), "123") {
				t.Errorf("the manifest's erasure record holds the document: %s", m.Erasures[0])
			}
			if st, err := os.Stat(filepath.Join(out, dataset.StateDir, "erasures.json")); err != nil || st.Mode().Perm() != 0o600 {
				t.Fatalf("erasures not remembered privately: %v %v", st, err)
			}
			if r := run(t, t.Context(), "forget", "--out", out, "--document", "123.456.789-09"); r.code != exitFailed {
				t.Errorf("forgetting twice: code %d", r.code)
			}
			// An old export imported again does not bring the person back.
			if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
				t.Fatalf("re-import: %d %s", r.code, r.stderr)
			}
			dump = allTables(t, out)
			for _, personal := range []string{"12345678909", "maria.silva@example.com", "Maria da Silva"} {
				if strings.Contains(dump, personal) {
					t.Errorf("re-import brought %q back", personal)
				}
			}
			if n := readManifest(t, out).Tables["orders"].Rows; n != want {
				t.Errorf("after re-import: %d orders, want %d", n, want)
			}
		})
	}
}

package cmd

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orderhist/orderhist/dataset"
)

// checkManifestFiles checks that every file the manifest lists is there
// with its size and sha256, and that nothing else is left in the folder.
func checkManifestFiles(t *testing.T, out string) {
	t.Helper()
	m := readManifest(t, out)
	for table, tf := range m.Tables {
		for _, f := range tf.Files {
			b, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Errorf("%s: %v", table, err)
				continue
			}
			if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Bytes {
				t.Errorf("%s: %d bytes, sha256 %x; the manifest says %d, %s", f.Path, len(b), sum, f.Bytes, f.SHA256)
			}
		}
	}
	ds, err := dataset.OpenReadOnly(out)
	if err != nil {
		t.Fatal(err)
	}
	if left, err := ds.Leftovers(); err != nil || len(left) > 0 {
		t.Errorf("leftovers after the runs: %v %v", left, err)
	}
}

// TestExplainDuringImports runs explain in a loop while imports commit: it
// must never fail, and must leave every run's files as the run wrote them.
func TestExplainDuringImports(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	if r := run(t, t.Context(), "import", "--out", out, a); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	id := customerIDs(t, out)["701-0000001-0000001"]

	const imports = 6
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	explained := 0
	go func() {
		defer wg.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			r := run(t, t.Context(), "explain", "--out", out, id)
			if r.code != 0 || !strings.Contains(r.stdout, "customer "+id) {
				t.Errorf("explain during an import: code %d\n%s%s", r.code, r.stdout, r.stderr)
				return
			}
			explained++
		}
	}()
	for i := range imports {
		// Each run brings a new order, so the month, customers and
		// identities are rewritten and the old files removed.
		csv := strings.ReplaceAll(shopifyCSV, "#1002", fmt.Sprintf("#2%03d", i))
		f := writeFile(t, in, fmt.Sprintf("shopify-%d.csv", i), csv)
		if r := run(t, t.Context(), "import", "--out", out, f); r.code != 0 {
			t.Errorf("import %d: %d %s", i, r.code, r.stderr)
		}
	}
	close(done)
	wg.Wait()
	if explained == 0 {
		t.Error("explain never ran during the imports")
	}
	checkManifestFiles(t, out)
}

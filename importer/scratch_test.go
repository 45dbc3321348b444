package importer

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/internal/pii"
)

// TestScratchHoldsNoClearPersonalData reads every scratch file while a run
// is at its peak (every order merged and spooled) and looks for a buyer's
// e-mail, name and phone in clear, under each --pii mode: the spools are
// encrypted, so none may be found.
func TestScratchHoldsNoClearPersonalData(t *testing.T) {
	src := filepath.Join(t.TempDir(), "orders_export_1.csv")
	shopifyRows(t, src, 40, nil)
	personal := [][]byte{[]byte("mariasantos@hotmail.com"), []byte("Maria dos Santos"), []byte("5567968402363")}
	raw, _ := os.ReadFile(src)
	for _, p := range personal {
		if !bytes.Contains(raw, p) {
			t.Fatalf("the export lacks %q: the test looks for nothing", p)
		}
	}
	for _, mode := range []pii.Mode{pii.Clear, pii.Hash, pii.Drop} {
		t.Run(string(mode), func(t *testing.T) {
			protect, err := pii.New(string(mode), "a-test-key-of-32-bytes-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			for round := range 2 { // the second run also spools the dataset's copy
				scanned := 0
				importFiles(t, dir, Options{PII: protect, BeforeResolve: func() error {
					files, _ := filepath.Glob(filepath.Join(dir, ".spool-*", "*"))
					for _, f := range files {
						b, err := os.ReadFile(f)
						if err != nil {
							t.Error(err)
							continue
						}
						scanned += len(b)
						for _, p := range personal {
							if bytes.Contains(b, p) {
								t.Errorf("round %d: scratch file %s holds %q in clear", round, filepath.Base(f), p)
							}
						}
					}
					return nil
				}}, []File{{Path: src, Account: "main"}})
				if scanned == 0 {
					t.Fatalf("round %d: no scratch data to scan", round)
				}
			}
		})
	}
}

package importer

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/xlsxbomb"
)

// TestBombWorkbookRefusedRestCommits imports a 300-million-entry shared
// string bomb beside the bundled exports: the bomb fails with a reason that
// names the file and the limit, and everything else commits.
func TestBombWorkbookRefusedRestCommits(t *testing.T) {
	bomb := filepath.Join(t.TempDir(), "Order.all.20260201_20260228.xlsx")
	if err := xlsxbomb.Write(bomb, 300_000_000, xlsxbomb.Empty); err != nil {
		t.Fatal(err)
	}
	files := append(exportFiles(t), File{Path: bomb, Account: "main"})
	dir := t.TempDir()
	st, ins := importFiles(t, dir, Options{}, files)
	failed := 0
	for _, in := range ins {
		if !in.Failed() {
			continue
		}
		failed++
		if in.Path != bomb {
			t.Errorf("%s failed: %v", in.Path, in.Err)
			continue
		}
		if msg := in.Err.Error(); !strings.Contains(msg, filepath.Base(bomb)) || !strings.Contains(msg, "packed size") {
			t.Errorf("the refusal does not name the file and the limit: %s", msg)
		}
	}
	if failed != 1 {
		t.Errorf("%d inputs failed, want the bomb alone", failed)
	}
	if st.Orders == 0 {
		t.Error("nothing committed beside the bomb")
	}
}

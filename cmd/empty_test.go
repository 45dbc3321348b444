package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

// TestSyncHeaderOnlyFirstExport: a nightly sync whose first export holds no
// order succeeds, creates a dataset whose tables are there (empty, with
// their schemas), and remembers the file, so the next night has nothing new.
func TestSyncHeaderOnlyFirstExport(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	out := filepath.Join(dir, "data")
	t.Setenv("OH_TEST_DROP", drop)
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - name: amazon-drop\n    connector: amazon\n    files: ${OH_TEST_DROP}/*.tsv\n")
	writeFile(t, drop, "empty.tsv", strings.SplitN(amazonTSV, "\n", 2)[0]+"\n")

	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatalf("first sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := readManifest(t, out)
	for _, table := range dataset.Tables() {
		tf := m.Tables[table.Name]
		if len(tf.Files) == 0 || tf.Rows != 0 {
			t.Errorf("table %s: %+v, want an empty file", table.Name, tf)
		}
	}
	// Every table reads as a Parquet file with its columns.
	orders := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet"))
	if len(orders.Records) != 0 {
		t.Errorf("%d orders from a header-only export", len(orders.Records))
	}
	if _, err := os.Stat(filepath.Join(out, dataset.StateDir, "sources", "amazon-drop.json")); err != nil {
		t.Fatalf("the source's state was not saved: %v", err)
	}
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "nothing new") {
		t.Fatalf("second sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// The first export with orders fills the same dataset.
	writeFile(t, drop, "week1.tsv", amazonTSV)
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatalf("third sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if m := readManifest(t, out); m.Tables["orders"].Rows != 2 {
		t.Errorf("%d orders after the first export with orders", m.Tables["orders"].Rows)
	}
}

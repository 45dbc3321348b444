package importer

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/internal/parquettest"
)

var fixedNow = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)

// exportFiles lists the bundled demo exports.
func exportFiles(t *testing.T) []File {
	t.Helper()
	dir := filepath.Join("..", "testdata", "exports")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".csv" || ext == ".tsv" || ext == ".xlsx") {
			files = append(files, File{Path: filepath.Join(dir, e.Name()), Account: "main"})
		}
	}
	if len(files) == 0 {
		t.Fatal("no bundled exports")
	}
	return files
}

// importFiles runs one import of files into dir and returns its stats.
func importFiles(t *testing.T, dir string, o Options, files []File) (*Stats, []*Input) {
	t.Helper()
	o.Now = func() time.Time { return fixedNow }
	r, err := Open(t.Context(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ins, err := r.ReadFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	st, err := r.Commit("import test")
	if err != nil {
		t.Fatal(err)
	}
	return st, ins
}

func TestImportBundledExports(t *testing.T) {
	dir := t.TempDir()
	files := exportFiles(t)
	st, ins := importFiles(t, dir, Options{}, files)
	for _, in := range ins {
		if in.Failed() {
			t.Errorf("%s: %v", in.Path, in.Err)
		}
		if in.SHA256 == "" || in.Match.Connector == "" || in.Rows == 0 {
			t.Errorf("%s: sha %q, connector %q, %d rows", in.Path, in.SHA256, in.Match.Connector, in.Rows)
		}
	}
	// The figures make demo prints (README's quick start).
	if st.Orders != 960 || st.Months != 35 || st.Customers != 234 || st.NewOrders != 960 || st.KeptMonths != 0 {
		t.Errorf("first import: %+v", *st)
	}
	// A second import of the same files changes no order and keeps every
	// month's files as they are.
	st, _ = importFiles(t, dir, Options{}, files)
	if st.Orders != 960 || st.NewOrders != 0 || st.Updated != 0 || st.Unchanged != 960 || st.KeptMonths != int64(st.Months) {
		t.Errorf("second import: %+v", *st)
	}
}

// TestMergeInPartsMatchesWholeMonths merges every month in many parts and
// checks that the dataset holds the same rows as when each month is merged
// whole, on a first import and on a re-import over the dataset.
func TestMergeInPartsMatchesWholeMonths(t *testing.T) {
	files := exportFiles(t)
	whole := filepath.Join(t.TempDir(), "whole")
	parts := filepath.Join(t.TempDir(), "parts")
	for _, out := range []string{whole, whole, parts, parts} {
		var o Options
		if out == parts {
			o.PartBytes = 1 << 10 // a few dozen orders a part
		}
		importFiles(t, out, o, files)
	}
	for _, table := range []string{"orders/*", "order_items/*", "customers", "identities", "customer_merges"} {
		got := sortedLines(parquettest.ReadGlob(t, filepath.Join(parts, table, "*.parquet")).JSONL)
		want := sortedLines(parquettest.ReadGlob(t, filepath.Join(whole, table, "*.parquet")).JSONL)
		if len(want) == 0 && table != "customer_merges" {
			t.Fatalf("%s: no rows", table)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %d rows merged in parts differ from %d merged whole", table, len(got), len(want))
		}
	}
}

var ingestedAt = regexp.MustCompile(`"ingested_at":"[^"]*"`)

// sortedLines is a table's rows without ingested_at, in sorted order.
func sortedLines(jsonl []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(jsonl), "\n") {
		if l != "" {
			lines = append(lines, ingestedAt.ReplaceAllString(l, ""))
		}
	}
	slices.Sort(lines)
	return lines
}

package importer

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/testgen"
)

// generated writes exports of one population's orders placed in
// [from, to) and returns them as a run's files.
func generated(t *testing.T, seed int64, lines int, from, to time.Time) []File {
	t.Helper()
	dir := t.TempDir()
	_, err := testgen.Generate(testgen.Config{
		Seed: seed, People: 120, Lines: lines, Noise: "default", From: from, To: to, OutDir: dir,
		Layouts: []string{testgen.LayoutAmazon, testgen.LayoutShopify, testgen.LayoutMercadoLivre, testgen.LayoutShopeeAll, testgen.LayoutTikTok},
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		switch e.Name() {
		case testgen.ManifestFile, testgen.TruthFile, testgen.MappingFile:
			continue
		}
		files = append(files, File{Path: filepath.Join(dir, e.Name()), Account: testgen.Account})
	}
	return files
}

func day(y int, m time.Month) time.Time { return time.Date(y, m, 1, 12, 0, 0, 0, time.UTC) }

// TestUntouchedMonthsMatchMerged runs the same imports twice: once the way
// runs go, where the months no input reaches are read straight into the
// resolver and kept or rewritten from the dataset, and once merging every
// month of the dataset again. Both datasets must hold the same rows, and
// the runs must report the same figures. The later imports reach a few
// months only, and their buyers' earlier orders lie in months they do not
// reach, so customers merge and untouched months are rewritten.
func TestUntouchedMonthsMatchMerged(t *testing.T) {
	history := generated(t, 7, 500, day(2024, 1), day(2025, 7))
	recent := generated(t, 7, 100, day(2025, 7), day(2025, 9))
	// Another sample of the same people, over a few old months.
	late := generated(t, 8, 80, day(2024, 6), day(2024, 8))
	runs := [][]File{history, recent, late}

	for _, mode := range []pii.Mode{pii.Clear, pii.Hash} {
		t.Run(string(mode), func(t *testing.T) {
			protect, err := pii.New(string(mode), "a-test-key-of-32-bytes-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			direct := filepath.Join(t.TempDir(), "direct")
			merged := filepath.Join(t.TempDir(), "merged")
			var rewritten int64
			for i, files := range runs {
				got, _ := importFiles(t, direct, Options{PII: protect}, files)
				want, _ := importFiles(t, merged, Options{PII: protect, mergeEveryMonth: true}, files)
				if *got != *want {
					t.Errorf("run %d: figures\n got %+v\nwant %+v", i, *got, *want)
				}
				if i > 0 {
					if got.KeptMonths == 0 {
						t.Errorf("run %d kept no month", i)
					}
					rewritten += int64(got.Months) - got.KeptMonths
					t.Logf("run %d: %d months, %d kept, %d merges", i, got.Months, got.KeptMonths, got.Merges)
				}
				for _, table := range []string{"orders/*", "order_items/*", "customers", "identities", "customer_merges", "customer_links"} {
					g := sortedLines(parquettest.ReadGlob(t, filepath.Join(direct, table, "*.parquet")).JSONL)
					w := sortedLines(parquettest.ReadGlob(t, filepath.Join(merged, table, "*.parquet")).JSONL)
					if !slices.Equal(g, w) {
						t.Errorf("run %d, %s: %d rows differ from %d with every month merged", i, table, len(g), len(w))
					}
				}
			}
			if rewritten == 0 {
				t.Error("no run rewrote a month: the test does not reach the rewrite of untouched months")
			}
		})
	}
}

// TestUntouchedMonthDamaged fails a run whose input does not reach a month
// whose file is damaged and that has no resolver state, so its tables are
// read: the months read ahead stop, the error names the file, and the
// dataset stays as it was.
func TestUntouchedMonthDamaged(t *testing.T) {
	dir := t.TempDir()
	importFiles(t, dir, Options{}, generated(t, 7, 300, day(2024, 1), day(2024, 7)))
	if err := os.RemoveAll(filepath.Join(dir, dataset.ResolverStateDir)); err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	before := ds.Manifest()
	var damaged string
	for _, f := range before.Tables["orders"].Files {
		if strings.Contains(f.Path, "ordered_month=2024-02/") {
			damaged = f.Path
		}
	}
	if damaged == "" {
		t.Fatal("no orders file of 2024-02")
	}
	if err := os.WriteFile(filepath.Join(dir, damaged), []byte("PAR1 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	recent := generated(t, 7, 60, day(2024, 9), day(2024, 10))
	o := Options{Now: func() time.Time { return fixedNow }}
	r, err := Open(t.Context(), dir, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFiles(recent); err != nil {
		t.Fatal(err)
	}
	_, err = r.Commit("import test")
	r.Close()
	if err == nil || !strings.Contains(err.Error(), damaged) {
		t.Fatalf("commit over a damaged month: %v, want an error naming %s", err, damaged)
	}
	after, err := dataset.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if after.RunID != before.RunID {
		t.Errorf("a failed run committed %s", after.RunID)
	}
}

package dataset_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

// BenchmarkIcebergShareOfImport imports the export files under
// $ORDERHIST_BENCH_IMPORT (bench/run.sh generates amazon-1m) into a new
// dataset and reports the Iceberg commits' share of the import's wall time:
// the span from the data files' move to the manifest's rename, which holds
// the Iceberg metadata of every table and the manifest itself. With
// $ORDERHIST_BENCH_NIGHTLY (amazon-2k) it then imports that into the same
// dataset, as a nightly run, and reports that span and the bytes of
// Iceberg metadata the nightly commit wrote.
//
//	ORDERHIST_BENCH_IMPORT=~/.cache/orderhist-bench/amazon-1m \
//	ORDERHIST_BENCH_NIGHTLY=~/.cache/orderhist-bench/amazon-2k \
//	go test -run '^$' -bench IcebergShare -benchtime 1x ./dataset/
func BenchmarkIcebergShareOfImport(b *testing.B) {
	base := os.Getenv("ORDERHIST_BENCH_IMPORT")
	if base == "" {
		b.Skip("set ORDERHIST_BENCH_IMPORT to a folder of exports (bench/run.sh generates amazon-1m)")
	}
	nightly := os.Getenv("ORDERHIST_BENCH_NIGHTLY")
	var span time.Time
	var iceberg time.Duration
	dataset.TestHookAfterMove = func() bool { span = time.Now(); return false }
	dataset.TestHookAfterManifest = func() bool { iceberg = time.Since(span); return false }
	b.Cleanup(func() { dataset.TestHookAfterMove, dataset.TestHookAfterManifest = nil, nil })

	for b.Loop() {
		out := filepath.Join(b.TempDir(), "data")
		start := time.Now()
		importFolder(b, out, base)
		total := time.Since(start)
		b.ReportMetric(iceberg.Seconds(), "iceberg-s")
		b.ReportMetric(total.Seconds(), "import-s")
		b.ReportMetric(100*iceberg.Seconds()/total.Seconds(), "iceberg-%")
		if nightly == "" {
			continue
		}
		before := metadataFiles(b, out)
		start = time.Now()
		importFolder(b, out, nightly)
		total = time.Since(start)
		var written int64
		for p, size := range metadataFiles(b, out) {
			if _, ok := before[p]; !ok {
				written += size
			}
		}
		b.ReportMetric(iceberg.Seconds(), "nightly-iceberg-s")
		b.ReportMetric(total.Seconds(), "nightly-s")
		b.ReportMetric(float64(written), "nightly-metadata-B")
		m, err := dataset.ReadManifest(out)
		if err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(m.Tables[dataset.TableOrders].Iceberg.Metadata)))
		if err != nil {
			b.Fatal(err)
		}
		var meta struct {
			Current   int64 `json:"current-snapshot-id"`
			Snapshots []struct {
				ID      int64             `json:"snapshot-id"`
				Summary map[string]string `json:"summary"`
			} `json:"snapshots"`
		}
		if err := json.Unmarshal(data, &meta); err != nil {
			b.Fatal(err)
		}
		for _, snap := range meta.Snapshots {
			if snap.ID == meta.Current {
				b.Logf("nightly orders snapshot: %s files deleted, %s added, %s in the table",
					snap.Summary["deleted-data-files"], snap.Summary["added-data-files"], snap.Summary["total-data-files"])
			}
		}
	}
}

func importFolder(b *testing.B, out, folder string) {
	b.Helper()
	var files []importer.File
	filepath.WalkDir(folder, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && slices.Contains([]string{".tsv", ".csv", ".xlsx"}, filepath.Ext(d.Name())) {
			files = append(files, importer.File{Path: p})
		}
		return err
	})
	r, err := importer.Open(context.Background(), out, importer.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	inputs, err := r.ReadFiles(files)
	if err != nil {
		b.Fatal(err)
	}
	for _, in := range inputs {
		if in.Failed() {
			b.Fatal(in.Err)
		}
	}
	if _, err := r.Commit("bench"); err != nil {
		b.Fatal(err)
	}
}

// metadataFiles lists the files of every table's metadata folder.
func metadataFiles(b *testing.B, out string) map[string]int64 {
	b.Helper()
	files := map[string]int64{}
	matches, _ := filepath.Glob(filepath.Join(out, "*", "metadata", "*"))
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil {
			files[m] = fi.Size()
		}
	}
	return files
}

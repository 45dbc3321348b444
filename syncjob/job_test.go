package syncjob

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

var fixedNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

// copyExport copies one of the bundled exports to dir under name.
func copyExport(t *testing.T, export, dir, name string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "exports", export))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// syncOnce loads the configuration, runs the job and commits, as
// `orderhist sync` does, with the log as JSON lines in logs.
func syncOnce(t *testing.T, cfgPath string, logs *bytes.Buffer) (*Job, *importer.Stats) {
	t.Helper()
	cfg, err := Load(cfgPath, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(logs, nil))
	run, err := importer.Open(t.Context(), cfg.Out, importer.Options{Now: func() time.Time { return fixedNow }, Logger: log, GCPercent: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	job := New(run, cfg, log)
	if err := job.Read(); err != nil {
		t.Fatal(err)
	}
	stats, err := job.Commit("sync " + cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	return job, stats
}

// logLines parses the JSON log, one object a line.
func logLines(t *testing.T, logs *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// TestJobRelativeToConfigFolder runs a sync from another working
// directory, as cron does: the dataset, the exports and the mapping file
// named relative to the configuration are found beside it, and nothing is
// created where the job runs.
func TestJobRelativeToConfigFolder(t *testing.T) {
	root := t.TempDir()
	etc := filepath.Join(root, "etc")
	copyExport(t, "amazon_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL.tsv", filepath.Join(etc, "drop"), "week1.tsv")
	copyExport(t, "pedidos_ptbr.csv", filepath.Join(etc, "erp"), "pedidos.csv")
	copyExport(t, "pedidos_ptbr.mapping.yaml", filepath.Join(etc, "maps"), "erp.yaml")
	cfg := writeConfig(t, etc, `out: data
sources:
  - {name: amazon-drop, connector: amazon, files: "drop/*.tsv"}
  - {name: erp, connector: csv, files: "erp/*.csv", options: {mapping: maps/erp.yaml}}
`)
	cwd := filepath.Join(root, "cron")
	os.MkdirAll(cwd, 0o755)
	t.Chdir(cwd)

	var logs bytes.Buffer
	job, stats := syncOnce(t, cfg, &logs)
	if stats == nil || stats.Orders == 0 {
		t.Fatalf("nothing committed: %+v\n%s", stats, logs.String())
	}
	for _, sr := range job.Sources {
		if sr.Failed() || sr.NoFiles || len(sr.Inputs) != 1 {
			t.Errorf("source %s: failed %v, no files %v, %d inputs, err %v", sr.Config.Name, sr.Failed(), sr.NoFiles, len(sr.Inputs), sr.Err)
		}
		st, err := dataset.LoadSourceState(filepath.Join(etc, "data"), sr.Config.Name)
		if err != nil || len(st.Files) != 1 {
			t.Errorf("source %s: state %+v, %v", sr.Config.Name, st, err)
		}
	}
	if _, err := os.Stat(filepath.Join(etc, "data", dataset.ManifestName)); err != nil {
		t.Errorf("the dataset is not beside the configuration: %v", err)
	}
	if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
		t.Errorf("the job created %d entries in the working directory", len(entries))
	}

	// Run again: every file is known, nothing is committed.
	logs.Reset()
	job, stats = syncOnce(t, cfg, &logs)
	if stats != nil {
		t.Errorf("a second sync with nothing new committed %+v", stats)
	}
	for _, sr := range job.Sources {
		if sr.Unchanged != 1 || len(sr.Inputs) != 0 {
			t.Errorf("source %s: %d unchanged, %d inputs on the second sync", sr.Config.Name, sr.Unchanged, len(sr.Inputs))
		}
	}
}

// TestJobNoFilesIsAWarning: a pattern that matches no file (or only
// folders) is neither ok nor a failure: the source says so, the log warns
// with status "no files", and the other sources are committed.
func TestJobNoFilesIsAWarning(t *testing.T) {
	dir := t.TempDir()
	copyExport(t, "amazon_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL.tsv", filepath.Join(dir, "drop"), "a.tsv")
	os.MkdirAll(filepath.Join(dir, "folders", "x.csv"), 0o755)
	cfg := writeConfig(t, dir, `out: data
sources:
  - {name: good, connector: amazon, files: "drop/*.tsv"}
  - {name: typo, connector: shopify, files: "dorp/*.csv"}
  - {name: only-folders, connector: shopify, files: "folders/*.csv"}
`)
	var logs bytes.Buffer
	job, stats := syncOnce(t, cfg, &logs)
	if stats == nil || stats.Orders == 0 {
		t.Fatalf("the good source was not committed: %+v", stats)
	}
	if job.Failed() != 0 {
		t.Errorf("%d sources failed; a pattern matching nothing is a warning", job.Failed())
	}
	want := map[string]bool{"good": false, "typo": true, "only-folders": true}
	for _, sr := range job.Sources {
		if sr.NoFiles != want[sr.Config.Name] {
			t.Errorf("source %s: NoFiles %v", sr.Config.Name, sr.NoFiles)
		}
	}
	warned := map[string]bool{}
	for _, l := range logLines(t, &logs) {
		if l["level"] == "WARN" && l["status"] == StatusNoFiles {
			warned[l["source"].(string)] = true
			if !strings.Contains(l["files"].(string), filepath.Join(dir, "")) {
				t.Errorf("the warning does not show the resolved pattern: %v", l)
			}
		}
	}
	if !warned["typo"] || !warned["only-folders"] || warned["good"] {
		t.Errorf("no-files warnings for %v, want typo and only-folders\n%s", warned, logs.String())
	}
}

package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestUnknownOptionExit2: a misspelt --option is refused before anything
// is read or created, naming the valid ones.
func TestUnknownOptionExit2(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "shopify.csv", shopifyCSV)
	out := filepath.Join(dir, "data")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"import", "--out", out, "--connector", "shopify", "--option", "timezon=America/Manaus", f},
			"unknown option timezon for connector shopify; valid: timezone"},
		{[]string{"import", "--out", out, "--option", "timezon=America/Manaus", f},
			"unknown option timezon: no connector takes it; valid: mapping (csv), timezone (shopify)"},
		{[]string{"detect", "--connector", "shopify", "--option", "timezon=UTC", f},
			"unknown option timezon for connector shopify"},
	} {
		r := run(t, t.Context(), tc.args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: code %d (want 2), stderr %q (want %q)", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused import created the dataset folder")
	}
	r := run(t, t.Context(), "import", "--out", out, "--connector", "shopify", "--option", "timezone=America/Manaus", f)
	if r.code != 0 {
		t.Fatalf("a valid option: code %d\n%s", r.code, r.stderr)
	}
}

// TestOutURLRefused: a URL that is not a valid s3:// location is refused
// (exit 2), as JSON when asked, and no folder named after it is created.
func TestOutURLRefused(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "shopify.csv", shopifyCSV)
	t.Chdir(dir)
	for u, says := range map[string]string{
		"s3://Bad_Bucket/x":     "bucket",
		"gs://bucket/x":         "the scheme must be s3://",
		"https://example.com/x": "not a bucket location",
	} {
		r := run(t, t.Context(), "import", "--log-format", "json", "--out", u, f)
		var line map[string]any
		if r.code != exitUsage || json.Unmarshal([]byte(r.stderr), &line) != nil ||
			!strings.Contains(line["msg"].(string), says) {
			t.Errorf("--out %s: code %d, stderr %q", u, r.code, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("a refused --out created %d entries", len(entries)-1)
	}
}

// TestSyncNoFilesStatus: a files pattern that matches nothing is a warning
// with a status of its own, in the summary and the JSON log, and the run
// exits 0 with the other sources committed.
func TestSyncNoFilesStatus(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.tsv", amazonTSV)
	cfg := writeConfig(t, dir, "out: data\nsources:\n  - {name: a, connector: amazon, files: \"*.tsv\"}\n  - {name: typo, connector: shopify, files: \"exprots/*.csv\"}\n")
	r := run(t, t.Context(), "sync", "--log-format", "json", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("code %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`typo\s+shopify\s+0\s+0\s+0\s+0\s+0\s+0\s+0\s+no files`).MatchString(r.stdout) {
		t.Errorf("summary:\n%s", r.stdout)
	}
	if readManifest(t, filepath.Join(dir, "data")).Tables["orders"].Rows != 2 {
		t.Error("the other source was not committed beside the configuration")
	}
	warned := false
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not JSON: %q", l)
		}
		warned = warned || (m["level"] == "WARN" && m["source"] == "typo" && m["status"] == "no files")
	}
	if !warned {
		t.Errorf("no warning for the pattern that matched nothing:\n%s", r.stderr)
	}
}

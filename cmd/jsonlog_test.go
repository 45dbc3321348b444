package cmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
)

// jsonLines parses stderr as one JSON object a line, failing on any other.
func jsonLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for i, line := range strings.Split(strings.TrimRight(stderr, "\n"), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("stderr line %d is not JSON: %v\n%s", i+1, err, line)
		}
		out = append(out, m)
	}
	return out
}

func findEvent(events []map[string]any, msg string) map[string]any {
	for _, e := range events {
		if e["msg"] == msg {
			return e
		}
	}
	return nil
}

func TestJSONLogsThroughout(t *testing.T) {
	in := t.TempDir()
	p := writeFile(t, in, "amazon.tsv", amazonTSV)
	locked := filepath.Join(t.TempDir(), "data")
	lock, err := dataset.TakeLock(locked, "orderhist sync", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()

	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		errorMsg string // an ERROR event must contain it; "" wants none
		runEnd   bool
	}{
		{"import", []string{"import", "--out", filepath.Join(t.TempDir(), "data"), p}, exitOK, "", true},
		{"lock conflict", []string{"import", "--out", locked, p}, exitLocked, "orderhist sync", true},
		{"unknown flag", []string{"import", "--bogus", p}, exitUsage, "bogus", false},
		{"unknown command", []string{"imprt", p}, exitUsage, "imprt", false},
		{"bad flag value", []string{"import", "--fail-on", "often", p}, exitUsage, "--fail-on", false},
		{"missing file", []string{"import", "--out", filepath.Join(t.TempDir(), "data"), filepath.Join(in, "nope.csv")}, exitUsage, "nope.csv", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, t.Context(), append([]string{"--log-format", "json"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("code %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			events := jsonLines(t, r.stderr)
			var errEvent map[string]any
			for _, e := range events {
				if e["level"] == "ERROR" {
					errEvent = e
				}
			}
			switch {
			case tc.errorMsg == "" && errEvent != nil:
				t.Errorf("unexpected error event %v", errEvent)
			case tc.errorMsg != "" && (errEvent == nil || !strings.Contains(errEvent["msg"].(string), tc.errorMsg)):
				t.Errorf("no error event naming %q in %v", tc.errorMsg, events)
			case errEvent != nil && errEvent["exit_code"] != float64(tc.code):
				t.Errorf("error event exit_code %v, want %d", errEvent["exit_code"], tc.code)
			}
			end := findEvent(events, "run end")
			if !tc.runEnd {
				if end != nil {
					t.Errorf("run end for a command line that never ran: %v", end)
				}
				return
			}
			start := findEvent(events, "run start")
			if start == nil || end == nil {
				t.Fatalf("run start %v, run end %v", start, end)
			}
			if end["command"] != "import" || end["exit_code"] != float64(tc.code) || end["duration_ms"] == nil {
				t.Errorf("run end %v", end)
			}
			if srcs, _ := end["sources"].([]any); len(srcs) != 1 {
				t.Errorf("run end sources %v", end["sources"])
			}
			if tc.code == exitOK && (end["run_id"] == nil || end["orders"] == nil) {
				t.Errorf("run end lacks run id or counts: %v", end)
			}
		})
	}
}

// TestRunEventsOfSyncAndForget: a sync with nothing new and a forget log
// their run start and run end as JSON, the end with the run id and
// counts, and so does each of them finding the dataset locked. Nothing on
// stderr is anything but JSON: no progress is drawn when it is not a
// terminal.
func TestRunEventsOfSyncAndForget(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	drop := filepath.Join(dir, "drop")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, drop, "week1.tsv", amazonTSV)
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - name: amazon-drop\n    connector: amazon\n    files: "+filepath.ToSlash(drop)+"/*.tsv\n")
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != exitOK {
		t.Fatalf("first sync: code %d\n%s", r.code, r.stderr)
	}
	locked := filepath.Join(dir, "locked")
	if r := run(t, t.Context(), "import", "--out", locked, filepath.Join(drop, "week1.tsv")); r.code != exitOK {
		t.Fatalf("import: code %d\n%s", r.code, r.stderr)
	}
	lock, err := dataset.TakeLock(locked, "orderhist import", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()

	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		command string
		counts  []string // in the run end event
	}{
		{"sync with nothing new", []string{"sync", "--config", cfg}, exitOK, "sync", []string{"run_id", "source_count"}},
		{"sync locked", []string{"sync", "--config", cfg, "--out", locked}, exitLocked, "sync", nil},
		{"forget", []string{"forget", "--out", out, "--document", "123.456.789-09"}, exitOK, "forget", []string{"run_id", "customers", "orders_removed", "orders_anonymized"}},
		{"forget locked", []string{"forget", "--out", locked, "--document", "123.456.789-09"}, exitLocked, "forget", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, t.Context(), append([]string{"--log-format", "json"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("code %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			if strings.Contains(r.stderr, "\r") {
				t.Errorf("progress drawn on a stderr that is not a terminal: %q", r.stderr)
			}
			events := jsonLines(t, r.stderr)
			start, end := findEvent(events, "run start"), findEvent(events, "run end")
			if start == nil || end == nil {
				t.Fatalf("run start %v, run end %v in %v", start, end, events)
			}
			if start["command"] != tc.command || end["command"] != tc.command || end["exit_code"] != float64(tc.code) || end["duration_ms"] == nil {
				t.Errorf("run start %v, run end %v", start, end)
			}
			if tc.command == "sync" {
				// sync names its sources once its configuration is read,
				// and logs what each did.
				if fmt.Sprint(start["sources"]) != "[amazon-drop]" || fmt.Sprint(end["sources"]) != "[amazon-drop]" {
					t.Errorf("sync's run start and end name sources %v and %v, want [amazon-drop]", start["sources"], end["sources"])
				}
				if tc.code == exitOK {
					if done := findEvent(events, "source done"); done == nil || done["source"] != "amazon-drop" || done["status"] != "ok" || done["files_unchanged"] != float64(1) {
						t.Errorf("source done event %v", done)
					}
				}
			}
			for _, k := range tc.counts {
				if end[k] == nil {
					t.Errorf("run end lacks %s: %v", k, end)
				}
			}
			if tc.code == exitLocked {
				errEvent := findEvent(events, end["msg"].(string))
				for _, e := range events {
					if e["level"] == "ERROR" {
						errEvent = e
					}
				}
				if errEvent["error_class"] != "locked" || !strings.Contains(errEvent["msg"].(string), "orderhist import") {
					t.Errorf("lock conflict event %v", errEvent)
				}
			}
		})
	}
}

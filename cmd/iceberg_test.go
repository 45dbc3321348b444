package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/orderhist/orderhist/dataset"
)

// icebergSnapshots reads the snapshot ids the metadata of a table, as the
// manifest names it, keeps, and its current one.
func icebergSnapshots(t *testing.T, out, table string) (kept []int64, current int64) {
	t.Helper()
	m, err := dataset.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	ref := m.Tables[table].Iceberg
	if ref == nil {
		t.Fatalf("%s: the manifest names no Iceberg snapshot", table)
	}
	hint, err := os.ReadFile(filepath.Join(out, table, "metadata", "version-hint.text"))
	if err != nil || strings.TrimSpace(string(hint)) != filepath.Base(ref.Metadata)[1:len(filepath.Base(ref.Metadata))-len(".metadata.json")] {
		t.Errorf("%s: version-hint.text %q (%v) does not name %s", table, hint, err, ref.Metadata)
	}
	data, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(ref.Metadata)))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		FormatVersion     int   `json:"format-version"`
		CurrentSnapshotID int64 `json:"current-snapshot-id"`
		Snapshots         []struct {
			SnapshotID int64             `json:"snapshot-id"`
			Summary    map[string]string `json:"summary"`
		} `json:"snapshots"`
	}
	if err := json.Unmarshal(data, &meta); err != nil {
		t.Fatal(err)
	}
	if meta.FormatVersion != 2 || meta.CurrentSnapshotID != ref.SnapshotID {
		t.Errorf("%s: format %d, current snapshot %d, manifest names %d", table, meta.FormatVersion, meta.CurrentSnapshotID, ref.SnapshotID)
	}
	for _, s := range meta.Snapshots {
		kept = append(kept, s.SnapshotID)
		// A table the last run left unchanged keeps an earlier run's
		// snapshot; every snapshot names the run that made it.
		if s.Summary["orderhist.run_id"] == "" {
			t.Errorf("%s: snapshot %d names no run: %v", table, s.SnapshotID, s.Summary)
		}
	}
	return kept, meta.CurrentSnapshotID
}

func TestImportSnapshotRetention(t *testing.T) {
	in := t.TempDir()
	files := []string{
		writeFile(t, in, "amazon.tsv", amazonTSV),
		writeFile(t, in, "shopify.csv", shopifyCSV),
		// A re-export with one price edited: the orders table changes again.
		writeFile(t, in, "amazon-edit.tsv", strings.Replace(amazonTSV, "\t29.90\t", "\t31.90\t", 1)),
	}
	week := []string{"--snapshot-retention", "7d"}
	zero := []string{"--snapshot-retention", "0"}

	tests := []struct {
		name      string
		retention [][]string // the flags of each import, in turn
		want      int        // snapshots of orders kept after the last import
		recorded  string     // the manifest's snapshot_retention after it
	}{
		{"default keeps the current snapshot", [][]string{nil, nil, nil}, 1, ""},
		{"a week keeps them all", [][]string{week, week, week}, 3, "168h0m0s"},
		// A run that says nothing keeps what the dataset is kept with: a
		// plain import after nightly syncs must not expire their history.
		{"unset keeps the dataset's retention", [][]string{week, nil, nil}, 3, "168h0m0s"},
		{"an explicit 0 expires them", [][]string{week, nil, zero}, 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "data")
			for i, file := range files {
				args := append([]string{"import", "--out", out}, tt.retention[i]...)
				if r := run(t, t.Context(), append(args, file)...); r.code != 0 {
					t.Fatalf("import %s: %d %s", file, r.code, r.stderr)
				}
			}
			m := readManifest(t, out)
			if m.SnapshotRetention != tt.recorded {
				t.Errorf("manifest snapshot_retention %q, want %q", m.SnapshotRetention, tt.recorded)
			}
			for _, table := range []string{"orders", "order_items", "customers", "identities", "customer_merges", "rejects", "customer_links"} {
				kept, current := icebergSnapshots(t, out, table)
				if current != m.Tables[table].Iceberg.SnapshotID {
					t.Errorf("%s: current snapshot %d, the manifest names %d", table, current, m.Tables[table].Iceberg.SnapshotID)
				}
				if table == "orders" && len(kept) != tt.want {
					t.Errorf("orders keeps %d snapshots, want %d", len(kept), tt.want)
				}
			}
		})
	}
}

func TestSnapshotRetentionFlagErrors(t *testing.T) {
	for _, v := range []string{"-1h", "a week", "1.5d"} {
		r := run(t, t.Context(), "import", "--out", filepath.Join(t.TempDir(), "data"), "--snapshot-retention", v, "x.csv")
		if r.code != exitUsage || !strings.Contains(r.stderr, "--snapshot-retention") {
			t.Errorf("--snapshot-retention %s: exit %d, %q; want %d naming the flag", v, r.code, r.stderr, exitUsage)
		}
	}
}

// TestKilledDuringIcebergCommit kills an import with SIGKILL at every step
// of its commit: after the data files' move, after each table's Iceberg
// metadata, after the manifest. The next run repairs before anything else:
// every table's version-hint.text then names the metadata version the
// manifest names, whose snapshot holds the manifest's files, and nothing the
// killed run wrote remains unless the manifest names it.
func TestKilledDuringIcebergCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	tables := []string{"orders", "order_items", "customers", "identities", "customer_merges", "rejects", "customer_links"}
	points := []string{"after-move"}
	for _, tb := range tables {
		points = append(points, "after-iceberg:"+tb)
	}
	points = append(points, "after-manifest")
	for _, point := range points {
		t.Run(point, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "data")
			if r := run(t, t.Context(), "import", "--out", out, a); r.code != 0 {
				t.Fatalf("first import: %d %s", r.code, r.stderr)
			}
			before := readManifest(t, out)
			id := customerIDs(t, out)["701-0000001-0000001"]
			child := childCommand(t, "import", "--out", out, "--quiet", a, s)
			child.Env = append(child.Env, "ORDERHIST_CHILD_KILL="+point)
			err := child.Run()
			if ws, ok := child.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("the child was not killed at %s: %v", point, err)
			}
			committed := readManifest(t, out).RunID != before.RunID
			if committed != (point == "after-manifest") {
				t.Fatalf("killed %s: the manifest is %s's", point, readManifest(t, out).RunID)
			}
			// A read-only command still reads a whole dataset.
			if r := run(t, t.Context(), "explain", "--out", out, id); r.code != 0 {
				t.Errorf("explain after the kill: %d %s", r.code, r.stderr)
			}
			checkConsistent(t, out) // opens under no lock: the repair
			for _, tb := range tables {
				icebergSnapshots(t, out, tb)
			}
			checkManifestFiles(t, out)
			if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
				t.Fatalf("import after the kill: %d %s", r.code, r.stderr)
			}
			for _, tb := range tables {
				icebergSnapshots(t, out, tb)
			}
			checkManifestFiles(t, out)
		})
	}
}

// TestForgetWithKeptSnapshots: snapshots kept for time travel hold the
// person too; forget expires them and deletes their files, even when
// --snapshot-retention asks to keep them.
func TestForgetWithKeptSnapshots(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	for _, files := range [][]string{{a}, {a, s}} {
		args := append([]string{"import", "--out", out, "--snapshot-retention", "7d"}, files...)
		if r := run(t, t.Context(), args...); r.code != 0 {
			t.Fatalf("import: %d %s", r.code, r.stderr)
		}
	}
	if kept, _ := icebergSnapshots(t, out, "customers"); len(kept) != 2 {
		t.Fatalf("customers keeps %d snapshots before forget, want 2", len(kept))
	}
	r := run(t, t.Context(), "forget", "--out", out, "--snapshot-retention", "7d", "--document", "123.456.789-09")
	if r.code != 0 {
		t.Fatalf("forget: %d %s", r.code, r.stderr)
	}
	// Every Parquet file in the folder, whatever snapshot used it.
	dump := allTables(t, out)
	for _, personal := range []string{"12345678909", "maria.silva@example.com", "+5511987654321", "Maria da Silva"} {
		if strings.Contains(dump, personal) {
			t.Errorf("%q is still in a file of the dataset folder", personal)
		}
	}
	for _, table := range []string{"orders", "order_items", "customers", "identities", "customer_merges", "rejects", "customer_links"} {
		if kept, _ := icebergSnapshots(t, out, table); len(kept) != 1 {
			t.Errorf("%s keeps %d snapshots after forget, want 1", table, len(kept))
		}
	}
	checkManifestFiles(t, out)
}

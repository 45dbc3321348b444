package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"

	"github.com/orderhist/orderhist/internal/pii"
)

// checkIceberg checks that every table of the committed dataset in dir is
// the Iceberg table its manifest names: version-hint.text names the
// manifest's metadata version, whose current snapshot is the manifest's
// snapshot and holds exactly the manifest's files, and the metadata folder
// holds nothing no kept snapshot uses.
func checkIceberg(t *testing.T, dir string) {
	t.Helper()
	checkIcebergAt(t, dir, "")
}

// checkIcebergAt is checkIceberg for a dataset opened at location.
func checkIcebergAt(t *testing.T, dir, location string) {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := newLocator(dir, location)
	if err != nil {
		t.Fatal(err)
	}
	for _, td := range tableDefs {
		tf := m.Tables[td.name]
		ref := tf.Iceberg
		if ref == nil {
			t.Errorf("%s: the manifest names no iceberg snapshot", td.name)
			continue
		}
		meta := readMeta(t, dir, td.name)
		hint, err := os.ReadFile(filepath.Join(dir, td.name, "metadata", "version-hint.text"))
		if err != nil || strings.TrimSpace(string(hint)) != strconv.Itoa(ref.Version) {
			t.Errorf("%s: version-hint.text %q (%v), want %d", td.name, hint, err, ref.Version)
		}
		if meta.Version() != 2 {
			t.Errorf("%s: format version %d", td.name, meta.Version())
		}
		snap := meta.CurrentSnapshot()
		if snap == nil || snap.SnapshotID != ref.SnapshotID {
			t.Errorf("%s: current snapshot %v, manifest names %d", td.name, snap, ref.SnapshotID)
			continue
		}
		got, err := snapshotFiles(locatorFS{loc.sub(td.name)}, snap)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]bool{}
		for _, f := range tf.Files {
			want[loc.url(f.Path)] = true
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: snapshot files %v, manifest files %v", td.name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(want)))
		}
		if n, _ := strconv.ParseInt(snap.Summary.Properties["total-records"], 10, 64); n != tf.Rows {
			t.Errorf("%s: total-records %d, manifest rows %d", td.name, n, tf.Rows)
		}
		if snap.Summary.Properties[SnapshotRunIDKey] == "" {
			t.Errorf("%s: snapshot summary without %s: %v", td.name, SnapshotRunIDKey, snap.Summary.Properties)
		}
		kept, err := keptFiles(loc, td.name, meta)
		if err != nil {
			t.Fatal(err)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, td.name, "metadata"))
		for _, e := range entries {
			switch {
			case e.Name() == "version-hint.text", e.Name() == filepath.Base(ref.Metadata):
			case kept.meta[td.name+"/metadata/"+e.Name()]:
			default:
				t.Errorf("%s: metadata folder holds %s, which nothing uses", td.name, e.Name())
			}
		}
	}
}

func readMeta(t *testing.T, dir, tableName string) table.Metadata {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	meta, err := loadIceberg(dir, tableName, m.Tables[tableName].Iceberg)
	if err != nil {
		t.Fatal(err)
	}
	return meta
}

func TestIcebergSchema(t *testing.T) {
	tests := []struct {
		table, column string
		typ           iceberg.Type
		required      bool
	}{
		{TableOrders, "order_id", iceberg.PrimitiveTypes.String, true},
		{TableOrders, "pack_id", iceberg.PrimitiveTypes.String, false},
		{TableOrders, "ordered_at", iceberg.PrimitiveTypes.TimestampTz, false},
		{TableOrders, "ingested_at", iceberg.PrimitiveTypes.TimestampTz, true},
		{TableOrders, "order_total", iceberg.DecimalTypeOf(18, 2), false},
		{TableOrders, "installments", iceberg.PrimitiveTypes.Int32, false},
		{TableOrders, "source_row", iceberg.PrimitiveTypes.Int64, false},
		{TableOrderItems, "line_no", iceberg.PrimitiveTypes.Int32, true},
		{TableCustomers, "total_spent", iceberg.DecimalTypeOf(18, 2), true},
		{TableCustomers, "avg_days_between_orders", iceberg.PrimitiveTypes.Float64, false},
		{TableMerges, "merged_at", iceberg.PrimitiveTypes.TimestampTz, true},
		{TableLinks, "weight", iceberg.PrimitiveTypes.Float64, true},
		{TableRejects, "reason", iceberg.PrimitiveTypes.String, true},
	}
	for _, tt := range tests {
		t.Run(tt.table+"."+tt.column, func(t *testing.T) {
			sc, err := IcebergSchema(tt.table)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := sc.FindFieldByName(tt.column)
			if !ok {
				t.Fatalf("no column %s in %s", tt.column, sc)
			}
			if !f.Type.Equals(tt.typ) || f.Required != tt.required {
				t.Errorf("%s: %s required=%v, want %s required=%v", tt.column, f.Type, f.Required, tt.typ, tt.required)
			}
		})
	}
	sc, err := IcebergSchema(TableCustomers)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := sc.FindFieldByName("channels")
	if l, ok := f.Type.(*iceberg.ListType); !ok || !l.Element.Equals(iceberg.PrimitiveTypes.String) {
		t.Errorf("channels: %s, want list<string>", f.Type)
	}
	// The columns are the Parquet columns, in order.
	for _, ts := range Tables() {
		sc, _ := IcebergSchema(ts.Name)
		var names []string
		for _, f := range sc.Fields() {
			names = append(names, f.Name)
		}
		var want []string
		for _, c := range ts.Columns {
			want = append(want, c.Name)
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s: iceberg columns %v, parquet columns %v", ts.Name, names, want)
		}
	}
}

func TestIcebergSnapshots(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	m1 := commitRun(t, ds, "run-1", 30)
	checkIceberg(t, dir)
	m2 := commitRun(t, ds, "run-2", 40)
	checkIceberg(t, dir)
	for _, td := range tableDefs {
		r1, r2 := m1.Tables[td.name].Iceberg, m2.Tables[td.name].Iceberg
		if r2.Version != r1.Version+1 || r2.SnapshotID == r1.SnapshotID {
			t.Errorf("%s: run-2 committed %+v after %+v, want the next version and a new snapshot", td.name, r2, r1)
		}
		meta := readMeta(t, dir, td.name)
		snap := meta.CurrentSnapshot()
		if got := snap.Summary.Properties[SnapshotRunIDKey]; got != "run-2" {
			t.Errorf("%s: snapshot run id %q", td.name, got)
		}
		// Retention 0: only the current snapshot is kept, and the old
		// version's files are gone.
		if n := len(meta.Snapshots()); n != 1 {
			t.Errorf("%s: %d snapshots kept, want 1", td.name, n)
		}
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(r1.Metadata))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: %s still there: %v", td.name, r1.Metadata, err)
		}
	}
	// The files on disk are exactly the manifest's, as before Iceberg.
	left, err := ds.Leftovers()
	if err != nil || len(left) != 0 {
		t.Errorf("leftovers after a clean commit: %v %v", left, err)
	}
}

// TestIcebergKillAtEveryStep kills a commit at every step, in a dataset
// whose metadata names its folder and in one that names a bucket
// location, and checks that the next Open leaves the dataset as the last
// commit left it (killed before the manifest) or as the new commit made it
// (killed after), with every table's Iceberg metadata naming the
// manifest's files, and that the next run commits.
func TestIcebergKillAtEveryStep(t *testing.T) {
	t.Cleanup(resetKillHooks)
	for _, at := range []struct {
		name, location string
		orders         []OrderRow
	}{
		{"folder", "", benchOrders(50)},
		{"bucket location", testLocation, twoMonths(50)},
	} {
		for _, st := range killSteps(false) {
			t.Run(at.name+"/"+st.name, func(t *testing.T) {
				dir := t.TempDir()
				ds, err := openDatasetAt(dir, at.location, nil)
				if err != nil {
					t.Fatal(err)
				}
				commitRun(t, ds, "run-1", 10)
				before := snapshot(t, dir)

				st.set()
				tx := ds.Begin("run-2")
				writeRun(t, tx, at.orders)
				err = tx.Commit(testManifest())
				resetKillHooks()
				if !errors.Is(err, errSimulatedCrash) {
					t.Fatalf("Commit: %v", err)
				}

				ds2, err := openDatasetAt(dir, at.location, nil)
				if err != nil {
					t.Fatal(err)
				}
				wantRun := "run-1"
				if st.after {
					wantRun = "run-2"
				} else if after := snapshot(t, dir); !slices.Equal(before, after) {
					t.Errorf("after recovery:\n%v\nwant:\n%v", after, before)
				}
				if got := ds2.Manifest().RunID; got != wantRun {
					t.Errorf("manifest of %s, want %s", got, wantRun)
				}
				checkIcebergAt(t, dir, at.location)
				if left, err := ds2.Leftovers(); err != nil || len(left) != 0 {
					t.Errorf("leftovers after recovery: %v %v", left, err)
				}
				commitRun(t, ds2, "run-3", 20)
				checkIcebergAt(t, dir, at.location)
				if at.location != "" {
					checkNamesUnder(t, dir, at.location)
				}
			})
		}
	}
}

// TestIcebergNightly is the nightly run: two months of orders and
// order_items change, every other partition and table is kept. Each of the
// two tables gets one snapshot that replaces two files; the new manifests
// hold those four entries and nothing of the history; the kept tables get
// no new version.
func TestIcebergNightly(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Two years of orders, a file per month, then a few nightly runs that
	// rewrite the last two months.
	orders := benchOrders(24 * 200)
	for i := range orders {
		at := time.Date(2024, time.Month(1+i%24), 1+i%28, 12, 0, 0, 0, time.UTC)
		orders[i].OrderedAt = &at
	}
	tx := ds.Begin("run-0")
	writeRun(t, tx, orders)
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	var nightly []int64
	for night := 1; night <= 3; night++ {
		prev := ds.Manifest()
		runID := fmt.Sprintf("night-%d", night)
		tx := ds.Begin(runID)
		changed := map[string][]OrderRow{}
		for _, o := range orders {
			if p := partitionOf(o); p == "ordered_month=2025-11" || p == "ordered_month=2025-12" {
				changed[p] = append(changed[p], o)
			}
		}
		for p := range prev.Tables[TableOrders].Files {
			part := strings.Split(prev.Tables[TableOrders].Files[p].Path, "/")[1]
			if changed[part] == nil {
				for _, tb := range []string{TableOrders, TableOrderItems} {
					if err := tx.KeepPartition(tb, part); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		for part, rows := range changed {
			writeFile(t, tx, TableOrders, part, rows)
			writeFile(t, tx, TableOrderItems, part, []ItemRow{{Source: "x", OrderID: "1", LineNo: 1, CustomerID: "c", Status: "paid"}})
		}
		for _, tb := range []string{TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
			if err := tx.Keep(tb); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Commit(testManifest()); err != nil {
			t.Fatal(err)
		}
		checkIceberg(t, dir)
		now := ds.Manifest()
		for _, tb := range []string{TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
			if *now.Tables[tb].Iceberg != *prev.Tables[tb].Iceberg {
				t.Errorf("night %d: kept table %s got a new version: %+v", night, tb, now.Tables[tb].Iceberg)
			}
		}
		for _, tb := range []string{TableOrders, TableOrderItems} {
			meta := readMeta(t, dir, tb)
			snap := meta.CurrentSnapshot()
			p := snap.Summary.Properties
			if p["added-data-files"] != "2" || p["deleted-data-files"] != "2" || p[SnapshotRunIDKey] != runID {
				t.Errorf("night %d: %s summary %v, want 2 files added, 2 deleted", night, tb, p)
			}
			// Entries this snapshot wrote, in the manifests it added.
			manifests, err := snap.Manifests(icebergio.LocalFS{})
			if err != nil {
				t.Fatal(err)
			}
			written, bytes := 0, int64(0)
			for _, mf := range manifests {
				if mf.SnapshotID() != snap.SnapshotID {
					continue
				}
				entries, err := mf.FetchEntries(icebergio.LocalFS{}, false)
				if err != nil {
					t.Fatal(err)
				}
				written += len(entries)
				bytes += mf.Length()
			}
			if tb == TableOrders {
				nightly = append(nightly, int64(written), bytes)
			}
			// After the first night, which splits the initial import's
			// manifest, a night writes the two new files and the two
			// replaced ones, whatever the history holds.
			if night > 1 && written != 4 {
				t.Errorf("night %d: %s: the snapshot wrote %d manifest entries, want 4", night, tb, written)
			}
		}
	}
	t.Logf("orders, per night: manifest entries written and their bytes: %v", nightly)
}

func commitSession(t *testing.T, dir string, ret Retention, orders []OrderRow) *Manifest {
	t.Helper()
	s := openTestSession(t, dir)
	defer s.Close()
	s.SetRetention(ret)
	writeRun(t, s.Tx, orders)
	if err := s.Tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	return s.Dataset.Manifest()
}

// openTestSession opens a session on dir with --pii clear.
func openTestSession(t *testing.T, dir string) *Session {
	t.Helper()
	p, err := pii.New("clear", "")
	if err != nil {
		t.Fatal(err)
	}
	s, err := OpenSession(dir, "test", time.Now(), p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// snapshotOrders reads the orders of every snapshot the orders table keeps,
// by snapshot id.
func snapshotOrders(t *testing.T, dir string) map[int64][]OrderRow {
	t.Helper()
	out := map[int64][]OrderRow{}
	loc, err := newLocator(filepath.Join(dir, TableOrders), "")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range readMeta(t, dir, TableOrders).Snapshots() {
		files, err := snapshotFiles(locatorFS{loc}, &s)
		if err != nil {
			t.Fatalf("snapshot %d: %v", s.SnapshotID, err)
		}
		for f := range files {
			p, err := loc.path(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ReadFile(t.Context(), p, make([]OrderRow, 256), func(rows []OrderRow) error {
				out[s.SnapshotID] = append(out[s.SnapshotID], rows...)
				return nil
			})
			if err != nil {
				t.Fatalf("snapshot %d: %v", s.SnapshotID, err)
			}
		}
	}
	return out
}

func TestIcebergRetention(t *testing.T) {
	dir := t.TempDir()
	hour := Retention{Set: true, Keep: time.Hour}
	m1 := commitSession(t, dir, hour, benchOrders(30))
	commitSession(t, dir, hour, benchOrders(60))
	checkIceberg(t, dir)
	// Both snapshots are kept, and a recovery keeps the files of the older
	// one although the manifest no longer lists them.
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	checkIceberg(t, dir)
	byID := snapshotOrders(t, dir)
	if len(byID) != 2 {
		t.Fatalf("%d snapshots of orders kept, want 2", len(byID))
	}
	if got := len(byID[m1.Tables[TableOrders].Iceberg.SnapshotID]); got != 30 {
		t.Errorf("time travel to the first run: %d orders, want 30", got)
	}
	for _, f := range m1.Tables[TableOrders].Files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path))); err != nil {
			t.Errorf("a file of a kept snapshot is gone: %v", err)
		}
	}
	// Once older than the retention, they expire with the next commit and
	// their files go.
	time.Sleep(20 * time.Millisecond)
	commitSession(t, dir, Retention{Set: true, Keep: 10 * time.Millisecond}, benchOrders(10))
	checkIceberg(t, dir)
	if n := len(readMeta(t, dir, TableOrders).Snapshots()); n != 1 {
		t.Errorf("%d snapshots after expiry, want 1", n)
	}
	for _, f := range m1.Tables[TableOrders].Files {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Path))); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a file of an expired snapshot is still there: %v", err)
		}
	}
	if left, err := OpenReadOnly(dir); err != nil {
		t.Fatal(err)
	} else if l, err := left.Leftovers(); err != nil || len(l) != 0 {
		t.Errorf("leftovers: %v %v", l, err)
	}
}

// TestRetentionIsTheDatasets: a commit that sets no retention keeps the one
// the dataset records, and a forget records it unchanged while it expires
// every older snapshot.
func TestRetentionIsTheDatasets(t *testing.T) {
	dir := t.TempDir()
	commitSession(t, dir, Retention{Set: true, Keep: time.Hour}, benchOrders(30))
	m := commitSession(t, dir, Retention{}, benchOrders(40))
	if m.SnapshotRetention != "1h0m0s" {
		t.Errorf("snapshot_retention %q after a run that set none, want 1h0m0s", m.SnapshotRetention)
	}
	if n := len(readMeta(t, dir, TableOrders).Snapshots()); n != 2 {
		t.Errorf("%d snapshots kept, want 2", n)
	}
	m = commitSession(t, dir, Retention{ExpireAll: true}, benchOrders(50))
	if m.SnapshotRetention != "1h0m0s" {
		t.Errorf("snapshot_retention %q after an erasure, want 1h0m0s kept", m.SnapshotRetention)
	}
	if n := len(readMeta(t, dir, TableOrders).Snapshots()); n != 1 {
		t.Errorf("%d snapshots after an erasure, want 1", n)
	}
	m = commitSession(t, dir, Retention{Set: true}, benchOrders(60))
	if m.SnapshotRetention != "" {
		t.Errorf("snapshot_retention %q after an explicit 0, want none", m.SnapshotRetention)
	}
}

// TestRetentionEditedManifest: a retention the manifest records but that
// cannot be read stops the commit, naming the manifest, before anything
// is published.
func TestRetentionEditedManifest(t *testing.T) {
	dir := t.TempDir()
	commitSession(t, dir, Retention{Set: true, Keep: time.Hour}, benchOrders(30))
	path := filepath.Join(dir, ManifestName)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `"snapshot_retention": "1h0m0s"`, `"snapshot_retention": "a while"`, 1)
	if edited == string(data) {
		t.Fatal("the manifest records no snapshot_retention")
	}
	if err := os.WriteFile(path, []byte(edited), 0o640); err != nil {
		t.Fatal(err)
	}
	s := openTestSession(t, dir)
	defer s.Close()
	writeRun(t, s.Tx, benchOrders(40))
	err = s.Tx.Commit(testManifest())
	if err == nil || !strings.Contains(err.Error(), "snapshot_retention") {
		t.Fatalf("commit over an unreadable snapshot_retention: %v, want an error naming it", err)
	}
	if got, _ := os.ReadFile(path); string(got) != edited {
		t.Error("the manifest changed")
	}
}

// TestForgetReachesKeptSnapshots: with older snapshots kept for time travel,
// an erasure leaves none that still holds the person.
func TestForgetReachesKeptSnapshots(t *testing.T) {
	dir := t.TempDir()
	week := Retention{Set: true, Keep: 7 * 24 * time.Hour}
	commitSession(t, dir, week, benchOrders(30))
	commitSession(t, dir, week, benchOrders(45))
	const erased = "c_0000002"
	held := 0
	for _, rows := range snapshotOrders(t, dir) {
		for _, r := range rows {
			if r.CustomerID == erased {
				held++
			}
		}
	}
	if held == 0 {
		t.Fatal("the person is in no snapshot before the erasure")
	}
	p, _ := pii.New("clear", "")
	if _, err := Forget(t.Context(), dir, Erasure{Kind: "customer", Value: erased}, time.Now(), p); err != nil {
		t.Fatal(err)
	}
	checkIceberg(t, dir)
	for _, td := range tableDefs {
		if n := len(readMeta(t, dir, td.name).Snapshots()); n != 1 {
			t.Errorf("%s: %d snapshots after the erasure, want 1", td.name, n)
		}
	}
	for id, rows := range snapshotOrders(t, dir) {
		for _, r := range rows {
			if r.CustomerID == erased {
				t.Errorf("snapshot %d still holds order %s of the erased customer", id, r.OrderID)
			}
		}
	}
	// Nothing on disk holds them either: no file but the manifest's.
	ds, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if l, err := ds.Leftovers(); err != nil || len(l) != 0 {
		t.Errorf("leftovers: %v %v", l, err)
	}
	for _, s := range snapshot(t, dir) {
		f := strings.Fields(s)[0]
		if strings.HasSuffix(f, ".parquet") && !listedIn(ds.Manifest())[f] {
			t.Errorf("%s is on disk and in no manifest", f)
		}
	}
}

func TestParseRetention(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		bad  bool
	}{
		{in: "0"},
		{in: "0s"},
		{in: "36h", want: 36 * time.Hour},
		{in: "90m", want: 90 * time.Minute},
		{in: "30d", want: 30 * 24 * time.Hour},
		{in: " 7d ", want: 7 * 24 * time.Hour},
		{in: "0d"},
		{in: "-1h", bad: true},
		{in: "d", bad: true},
		{in: "1.5d", bad: true},
		{in: "-3d", bad: true},
		{in: "99999999999999999999d", bad: true},
		{in: "36501d", bad: true},
		{in: "thirty days", bad: true},
		{in: "", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseRetention(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseRetention(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func FuzzParseRetention(f *testing.F) {
	for _, s := range []string{"0", "30d", "36h", "-1h", "1.5d", "9999999999d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseRetention(s)
		if err == nil && d < 0 {
			t.Errorf("ParseRetention(%q) = %v, a negative retention", s, d)
		}
		if err != nil && d != 0 {
			t.Errorf("ParseRetention(%q) = %v with error %v", s, d, err)
		}
	})
}

// stripIceberg makes dir look like a dataset written before its tables were
// Iceberg tables: no metadata folders, a manifest that names no snapshot.
func stripIceberg(t *testing.T, dir string) {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for name, tf := range m.Tables {
		tf.Iceberg = nil
		m.Tables[name] = tf
		if err := os.RemoveAll(filepath.Join(dir, name, "metadata")); err != nil {
			t.Fatal(err)
		}
	}
	writeManifest(t, dir, m)
}

func writeManifest(t *testing.T, dir string, m *Manifest) {
	t.Helper()
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), data, 0o640); err != nil {
		t.Fatal(err)
	}
}

// TestIcebergUpgrade: the first run on a dataset from before the Iceberg
// tables creates every table, those it keeps unchanged too.
func TestIcebergUpgrade(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 20)
	stripIceberg(t, dir)
	ds, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitKeepingAll(t, ds, "run-2")
	checkIceberg(t, dir)
}

// TestIcebergBadManifest: a manifest whose Iceberg reference was edited to
// point elsewhere, or names metadata that cannot be read, stops Open before
// it removes anything.
func TestIcebergBadManifest(t *testing.T) {
	tests := []struct {
		name string
		edit func(dir string, m *Manifest)
		want string
	}{
		{"path outside the table", func(_ string, m *Manifest) {
			tf := m.Tables[TableOrders]
			tf.Iceberg = &IcebergRef{SnapshotID: 1, Version: 1, Metadata: "../../etc/v1.metadata.json"}
			m.Tables[TableOrders] = tf
		}, "bad iceberg metadata"},
		{"another table's metadata", func(_ string, m *Manifest) {
			tf := m.Tables[TableOrders]
			tf.Iceberg = &IcebergRef{SnapshotID: 1, Version: 1, Metadata: "customers/metadata/v1.metadata.json"}
			m.Tables[TableOrders] = tf
		}, "bad iceberg metadata"},
		{"version and file disagree", func(_ string, m *Manifest) {
			tf := m.Tables[TableOrders]
			tf.Iceberg.Version = 7
			m.Tables[TableOrders] = tf
		}, "bad iceberg metadata"},
		{"metadata missing", func(_ string, m *Manifest) {
			tf := m.Tables[TableOrders]
			tf.Iceberg = &IcebergRef{SnapshotID: 1, Version: 9, Metadata: "orders/metadata/v9.metadata.json"}
			m.Tables[TableOrders] = tf
		}, "v9.metadata.json"},
		{"metadata edited by hand", func(dir string, m *Manifest) {
			p := filepath.Join(dir, filepath.FromSlash(m.Tables[TableOrders].Iceberg.Metadata))
			if err := os.WriteFile(p, []byte(`{"format-version": 2, "table-uuid": "not json`), 0o640); err != nil {
				panic(err)
			}
		}, "orders"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			ds, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			commitRun(t, ds, "run-1", 10)
			// A leftover a repair would remove, had Open gone on.
			stray := filepath.Join(dir, TableCustomers, "part-stray.parquet")
			if err := os.WriteFile(stray, []byte("x"), 0o640); err != nil {
				t.Fatal(err)
			}
			m, _ := ReadManifest(dir)
			tt.edit(dir, m)
			writeManifest(t, dir, m)
			before := snapshot(t, dir)
			_, err = Open(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open: %v, want an error about %q", err, tt.want)
			}
			if after := snapshot(t, dir); !slices.Equal(before, after) {
				t.Errorf("a failed Open changed the folder")
			}
		})
	}
}

// TestIcebergMovedFolder: the metadata names files by absolute path, so
// after the dataset folder moves the next commit starts each table's
// history anew where the files now are; the repair before it deletes no
// data file.
func TestIcebergMovedFolder(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a")
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 10)
	moved := filepath.Join(root, "b")
	if err := os.Rename(dir, moved); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, moved)
	ds, err = Open(moved)
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, moved); !slices.Equal(before, after) {
		t.Errorf("the repair of a moved dataset changed it:\n%v\nwant:\n%v", after, before)
	}
	commitKeepingAll(t, ds, "run-2")
	checkIceberg(t, moved)
	abs, _ := filepath.Abs(moved)
	if loc := readMeta(t, moved, TableOrders).Location(); loc != filepath.ToSlash(filepath.Join(abs, TableOrders)) {
		t.Errorf("location %s after the move", loc)
	}
}

type evolveV1 struct {
	ID   string `parquet:"id"`
	Name string `parquet:"name,optional"`
}

type evolveV2 struct {
	ID    string   `parquet:"id"`
	Name  string   `parquet:"name,optional"`
	Tags  []string `parquet:"tags,list"`
	Score *int64   `parquet:"score,optional,decimal(2:18)"`
}

// TestIcebergSchemaEvolution: columns a later row type adds are added to the
// table's schema, and to its name mapping, by name; files written before
// them stay in the table.
func TestIcebergSchemaEvolution(t *testing.T) {
	abs := t.TempDir()
	const name = "evolve_test"
	t.Cleanup(func() {
		icebergSchemaMu.Lock()
		delete(icebergSchemas, name)
		icebergSchemaMu.Unlock()
	})
	if err := os.MkdirAll(filepath.Join(abs, name), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := parquet.WriteFile(filepath.Join(abs, name, "part-1.parquet"), []evolveV1{{ID: "1", Name: "a"}}); err != nil {
		t.Fatal(err)
	}
	td1 := &tableDef{name: name, rowType: reflect.TypeFor[evolveV1]()}
	files := []FileEntry{{Path: name + "/part-1.parquet"}}
	loc, err := newLocator(abs, "")
	if err != nil {
		t.Fatal(err)
	}
	c1, err := commitIceberg(t.Context(), loc, td1, nil, files, "r1", Retention{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}

	icebergSchemaMu.Lock()
	delete(icebergSchemas, name)
	icebergSchemaMu.Unlock()
	if err := parquet.WriteFile(filepath.Join(abs, name, "part-2.parquet"), []evolveV2{{ID: "2", Tags: []string{"x"}, Score: ptr(int64(150))}}); err != nil {
		t.Fatal(err)
	}
	td2 := &tableDef{name: name, rowType: reflect.TypeFor[evolveV2]()}
	files = append(files, FileEntry{Path: name + "/part-2.parquet"})
	c2, err := commitIceberg(t.Context(), loc, td2, c1.ref, files, "r2", Retention{}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	meta := c2.cat.meta
	sc := meta.CurrentSchema()
	for _, col := range []string{"id", "name", "tags", "score"} {
		if _, ok := sc.FindFieldByName(col); !ok {
			t.Errorf("schema lacks %s after the evolution: %s", col, sc)
		}
	}
	mapping := meta.Properties()[table.DefaultNameMappingKey]
	for _, col := range []string{`"tags"`, `"score"`, `"element"`} {
		if !strings.Contains(mapping, col) {
			t.Errorf("name mapping lacks %s: %s", col, mapping)
		}
	}
	got, err := snapshotFiles(locatorFS{loc.sub(name)}, meta.CurrentSnapshot())
	if err != nil || len(got) != 2 {
		t.Errorf("snapshot files %v %v, want both", got, err)
	}
}

func TestWriteExclusive(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "v1.metadata.json")
	if err := writeExclusive(p, []byte("first")); err != nil {
		t.Fatal(err)
	}
	// The name is taken: a second writer of the version fails and the
	// first one's bytes stay.
	if err := writeExclusive(p, []byte("second")); !errors.Is(err, os.ErrExist) {
		t.Errorf("second write: %v, want an error saying it exists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "first" {
		t.Errorf("the metadata file holds %q", b)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"v1.metadata.json"}) {
		t.Errorf("folder holds %v", got)
	}
}

// commitKeepingAll commits a run that changes no table.
func commitKeepingAll(t *testing.T, ds *Dataset, runID string) {
	t.Helper()
	tx := ds.Begin(runID)
	for _, td := range tableDefs {
		if err := tx.Keep(td.name); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
}

// killStep is one step of a commit a test kills it after.
type killStep struct {
	name  string
	after bool // the kill comes after the commit point
	set   func()
}

// killSteps lists every step of a commit, the catalog's among them when
// withCatalog says so.
func killSteps(withCatalog bool) []killStep {
	steps := []killStep{{name: "after move", set: func() { TestHookAfterMove = func() bool { return true } }}}
	for _, td := range tableDefs {
		steps = append(steps, killStep{name: "after iceberg " + td.name, set: func() {
			TestHookAfterIceberg = func(table string) bool { return table == td.name }
		}})
	}
	if withCatalog {
		steps = append(steps, killStep{name: "after catalog", after: true, set: func() { TestHookAfterCatalog = func() bool { return true } }})
	}
	return append(steps, killStep{name: "after manifest", after: true, set: func() { TestHookAfterManifest = func() bool { return true } }})
}

func resetKillHooks() {
	TestHookAfterMove, TestHookAfterIceberg, TestHookAfterCatalog, TestHookAfterManifest = nil, nil, nil, nil
}

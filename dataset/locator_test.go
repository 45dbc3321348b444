package dataset

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/iceberg-go/table"
)

func TestCheckLocationBase(t *testing.T) {
	for _, tc := range []struct {
		location, want string // want "" means refused
	}{
		{"s3://bucket/prefix", "s3://bucket/prefix"},
		{"s3://bucket/prefix/", "s3://bucket/prefix"},
		{"s3://bucket", "s3://bucket"},
		{"gs://bucket/a/b", "gs://bucket/a/b"},
		{"s3://bucket/São Paulo", "s3://bucket/São Paulo"},
		{"", ""},
		{"bucket/prefix", ""},
		{"/srv/orderhist", ""},
		{"s3://", ""},
		{"s3:///prefix", ""},
		{"s3://bucket/a/../b", ""},
		{"s3://bucket/a/./b", ""},
		{"s3://bucket/a//b", ""},
		{"s3://bucket/a?versionId=1", ""},
		{"s3://bucket/a#frag", ""},
		{"s3://key:secret@bucket/a", ""},
		{"s3://bucket/a%2F..", ""},
		{`s3://bucket/a\..\b`, ""},
		{"s3://bucket/a\x00b", ""},
	} {
		got, err := checkLocationBase(tc.location)
		if tc.want == "" {
			if err == nil {
				t.Errorf("checkLocationBase(%q) = %q, want an error", tc.location, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("checkLocationBase(%q) = %q, %v, want %q", tc.location, got, err, tc.want)
		}
	}
}

// TestLocatorFS: names under the table's location are the files under its
// folder, and every other name is refused by every operation before it
// touches anything, whatever the location base.
func TestLocatorFS(t *testing.T) {
	root := t.TempDir()
	outside := filepath.Join(root, "outside")
	secret := filepath.Join(outside, "secret.avro")
	if err := os.MkdirAll(outside, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(secret, []byte("not yours"), 0o600); err != nil {
		t.Fatal(err)
	}
	slashSecret := filepath.ToSlash(secret)

	for _, base := range []string{"", "s3://bucket/prefix/ds"} {
		t.Run("base="+base, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "my data") // a space: iceberg-go escapes it
			dl, err := newLocator(dir, base)
			if err != nil {
				t.Fatal(err)
			}
			tl := dl.sub(TableOrders)
			fsys := locatorFS{tl}
			escaped := tl.base
			if tl.escaped != "" {
				escaped = tl.escaped
			}

			// Under the base: LocalFS on the table folder's file, in
			// either spelling.
			name := tl.url("metadata/a.avro")
			if err := fsys.WriteFile(name, []byte("abc")); err != nil {
				t.Fatal(err)
			}
			if b, err := os.ReadFile(filepath.Join(dir, TableOrders, "metadata", "a.avro")); err != nil || string(b) != "abc" {
				t.Fatalf("WriteFile(%s) wrote %q, %v", name, b, err)
			}
			if b, err := fsys.ReadFile(escaped + "/metadata/a.avro"); err != nil || string(b) != "abc" {
				t.Errorf("ReadFile of the escaped name: %q, %v", b, err)
			}
			w, err := fsys.Create(tl.url("ordered_month=2026-01/b.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte("de"))
			w.Close()
			f, err := fsys.Open(tl.url("ordered_month=2026-01/b.parquet"))
			if err != nil {
				t.Fatal(err)
			}
			if st, err := f.Stat(); err != nil || st.Size() != 2 {
				t.Errorf("Open then Stat: %v, %v", st, err)
			}
			f.Close()
			if err := fsys.Remove(name); err != nil {
				t.Fatal(err)
			}
			if _, err := fsys.Stat(name); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("Stat after Remove: %v", err)
			}

			hostile := []string{
				slashSecret,
				"s3://other-bucket/prefix/ds/orders/metadata/a.avro",
				"s3://bucket/prefix/ds-evil/orders/metadata/a.avro",
				"s3://bucket/prefix/ds/customers/metadata/a.avro",
				"S3://bucket/prefix/ds/orders/metadata/a.avro",
				"../../outside/secret.avro",
				"orders/metadata/a.avro",
				"/etc/passwd",
				"file://" + slashSecret,
				tl.base,
				tl.base + "/",
				tl.base + "/.",
				tl.base + "/..",
				tl.base + "/metadata/../../customers/x.parquet",
				tl.base + "/../../../../../../../.." + slashSecret,
				tl.base + "//etc/passwd",
				tl.base + "/./metadata/a.avro",
				tl.base + `/metadata\..\..\..\outside\secret.avro`,
				tl.base + "/metadata/a.avro:stream",
				tl.base + "/metadata/a\x00.avro",
				escaped + "/%2e%2e/%2e%2e/outside/secret.avro",
				escaped + "/metadata/%2e%2e%2f%2e%2e%2f%2e%2e/outside/secret.avro",
				escaped + "/%zz",
			}
			if base == "" {
				// The folder's own files under another table, and the
				// folder named by its local path when the base is a URL.
				hostile = append(hostile, filepath.ToSlash(filepath.Join(dir, TableCustomers, "x.parquet")))
			} else {
				hostile = append(hostile, filepath.ToSlash(filepath.Join(dir, TableOrders, "metadata", "a.avro")))
			}
			for _, name := range hostile {
				ops := map[string]error{}
				_, ops["open"] = fsys.Open(name)
				_, ops["read"] = fsys.ReadFile(name)
				_, ops["stat"] = fsys.Stat(name)
				_, ops["create"] = fsys.Create(name)
				ops["write"] = fsys.WriteFile(name, []byte("x"))
				ops["remove"] = fsys.Remove(name)
				for op, err := range ops {
					var pe *fs.PathError
					if !errors.Is(err, errOutsideLocation) || !errors.As(err, &pe) || pe.Path != name || pe.Op != op {
						t.Errorf("%s %q: %v, want a refusal naming it", op, name, err)
					}
				}
			}
			if b, err := os.ReadFile(secret); err != nil || string(b) != "not yours" {
				t.Fatalf("the file outside the folder: %q, %v", b, err)
			}
			if got := names(t, outside); !slices.Equal(got, []string{"secret.avro"}) {
				t.Errorf("outside folder holds %v", got)
			}
			if got := names(t, dir); !slices.Equal(got, []string{"orders/", "orders/metadata/", "orders/ordered_month=2026-01/", "orders/ordered_month=2026-01/b.parquet"}) {
				t.Errorf("dataset folder holds %v", got)
			}
		})
	}
}

const testLocation = "s3://bucket/prefix/ds"

// twoMonths is n orders, the first half in January 2026, the rest in
// February.
func twoMonths(n int) []OrderRow {
	rows := benchOrders(n)
	for i := n / 2; i < n; i++ {
		at := rows[i].OrderedAt.AddDate(0, 1, 0)
		rows[i].OrderedAt, rows[i].UpdatedAt = &at, &at
	}
	return rows
}

// replaceFebruary commits a run that rewrites February's orders and keeps
// everything else.
func replaceFebruary(t *testing.T, ds *Dataset, runID string, ret Retention, orders []OrderRow) {
	t.Helper()
	tx := ds.Begin(runID)
	defer tx.Rollback()
	tx.SetRetention(ret)
	var feb []OrderRow
	for _, o := range orders {
		if partitionOf(o) == "ordered_month=2026-02" {
			feb = append(feb, o)
		}
	}
	writeFile(t, tx, TableOrders, "ordered_month=2026-02", feb)
	writeFile(t, tx, TableOrderItems, "ordered_month=2026-02", []ItemRow{{Source: "x", OrderID: "1", LineNo: 1, CustomerID: "c", Status: "paid"}})
	for _, tb := range []string{TableOrders, TableOrderItems} {
		if err := tx.KeepPartition(tb, "ordered_month=2026-01"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tb := range []string{TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
		if err := tx.Keep(tb); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
}

// checkNamesUnder checks that the Iceberg metadata of every table of the
// dataset in dir names only files under base, in its JSON and in every
// manifest list and manifest its snapshots read, and that no metadata
// byte holds the folder's local path.
func checkNamesUnder(t *testing.T, dir, base string) {
	t.Helper()
	loc, err := newLocator(dir, base)
	if err != nil {
		t.Fatal(err)
	}
	under := func(what, name string) {
		t.Helper()
		if !strings.HasPrefix(name, base+"/") {
			t.Errorf("%s %q is not under %s", what, name, base)
		}
	}
	for _, td := range tableDefs {
		meta := readMeta(t, dir, td.name)
		if want := base + "/" + td.name; meta.Location() != want {
			t.Errorf("%s: location %q, want %q", td.name, meta.Location(), want)
		}
		for e := range meta.PreviousFiles() {
			under(td.name+" metadata-log", e.MetadataFile)
		}
		fsys := locatorFS{loc.sub(td.name)}
		for _, s := range meta.Snapshots() {
			under(td.name+" manifest-list", s.ManifestList)
			manifests, err := s.Manifests(fsys)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range manifests {
				under(td.name+" manifest_path", m.FilePath())
				entries, err := m.FetchEntries(fsys, false)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range entries {
					under(td.name+" file_path", e.DataFile().FilePath())
				}
			}
		}
		entries, err := os.ReadDir(filepath.Join(dir, td.name, icebergMetadataDir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, td.name, icebergMetadataDir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Contains(b, []byte(filepath.ToSlash(loc.dir))) || bytes.Contains(b, []byte(loc.dir)) {
				t.Errorf("%s/metadata/%s holds the local path %s", td.name, e.Name(), loc.dir)
			}
		}
	}
}

// TestIcebergAtLocation: a dataset opened at a bucket location names every
// file in the bucket while its bytes stay in the folder; reopened at the
// same location it continues each table's history, reopened at another it
// starts a new one, as a moved folder does.
func TestIcebergAtLocation(t *testing.T) {
	hour := Retention{Set: true, Keep: time.Hour}
	orders := twoMonths(60)

	// setup commits two runs at testLocation, the second replacing
	// February, and returns the folder and the last manifest.
	setup := func(t *testing.T) (string, *Manifest) {
		dir := t.TempDir()
		ds, err := openDatasetAt(dir, testLocation, nil)
		if err != nil {
			t.Fatal(err)
		}
		tx := ds.Begin("run-1")
		tx.SetRetention(hour)
		writeRun(t, tx, orders)
		if err := tx.Commit(testManifest()); err != nil {
			t.Fatal(err)
		}
		m1 := ds.Manifest()
		replaceFebruary(t, ds, "run-2", Retention{}, orders[:50])
		m2 := ds.Manifest()
		checkIcebergAt(t, dir, testLocation)
		checkNamesUnder(t, dir, testLocation)
		for _, tb := range []string{TableOrders, TableOrderItems} {
			r1, r2 := m1.Tables[tb].Iceberg, m2.Tables[tb].Iceberg
			if r2.Version != r1.Version+1 {
				t.Errorf("%s: run-2 committed version %d after %d", tb, r2.Version, r1.Version)
			}
			meta := readMeta(t, dir, tb)
			if n := len(meta.Snapshots()); n != 2 {
				t.Errorf("%s: %d snapshots, want both runs' (retention 1h)", tb, n)
			}
			p := meta.CurrentSnapshot().Summary.Properties
			if p["added-data-files"] != "1" || p["deleted-data-files"] != "1" {
				t.Errorf("%s: run-2 summary %v, want February's file replaced", tb, p)
			}
			if got := slices.Collect(meta.PreviousFiles()); len(got) != 1 || got[0].MetadataFile != testLocation+"/"+r1.Metadata {
				t.Errorf("%s: metadata-log %v, want %s", tb, got, testLocation+"/"+r1.Metadata)
			}
		}
		return dir, m2
	}

	t.Run("same location continues", func(t *testing.T) {
		dir, m2 := setup(t)
		before := snapshot(t, dir)
		ds, err := openDatasetAt(dir, testLocation+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if after := snapshot(t, dir); !slices.Equal(before, after) {
			t.Errorf("reopening changed the folder:\n%v\nwant:\n%v", after, before)
		}
		replaceFebruary(t, ds, "run-3", Retention{}, orders)
		m3 := ds.Manifest()
		checkIcebergAt(t, dir, testLocation)
		checkNamesUnder(t, dir, testLocation)
		for _, tb := range []string{TableOrders, TableOrderItems} {
			if got, want := m3.Tables[tb].Iceberg.Version, m2.Tables[tb].Iceberg.Version+1; got != want {
				t.Errorf("%s: version %d, want %d", tb, got, want)
			}
			if n := len(readMeta(t, dir, tb).Snapshots()); n != 3 {
				t.Errorf("%s: %d snapshots, want 3 (retention 1h)", tb, n)
			}
		}
		if left, err := ds.Leftovers(); err != nil || len(left) != 0 {
			t.Errorf("leftovers: %v %v", left, err)
		}
	})

	for _, other := range []string{"s3://bucket/elsewhere", ""} {
		t.Run("other location "+other, func(t *testing.T) {
			dir, m2 := setup(t)
			before := snapshot(t, dir)
			ds, err := openDatasetAt(dir, other, nil)
			if err != nil {
				t.Fatal(err)
			}
			if after := snapshot(t, dir); !slices.Equal(before, after) {
				t.Errorf("the repair at another location changed the folder:\n%v\nwant:\n%v", after, before)
			}
			commitKeepingAll(t, ds, "run-3")
			m3 := ds.Manifest()
			checkIcebergAt(t, dir, other)
			base := other
			if base == "" {
				base = filepath.ToSlash(ds.abs)
			} else {
				checkNamesUnder(t, dir, base)
			}
			for _, td := range tableDefs {
				if got, want := m3.Tables[td.name].Iceberg.Version, m2.Tables[td.name].Iceberg.Version+1; got != want {
					t.Errorf("%s: version %d, want %d", td.name, got, want)
				}
				meta := readMeta(t, dir, td.name)
				if log := slices.Collect(meta.PreviousFiles()); meta.Location() != base+"/"+td.name || len(meta.Snapshots()) != 1 || len(log) != 0 {
					t.Errorf("%s: location %s, %d snapshots, log %v: want a new history at %s", td.name, meta.Location(), len(meta.Snapshots()), log, base)
				}
				b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(m3.Tables[td.name].Iceberg.Metadata)))
				if err != nil || bytes.Contains(b, []byte(testLocation)) {
					t.Errorf("%s: the new metadata still names %s (%v)", td.name, testLocation, err)
				}
			}
			if left, err := ds.Leftovers(); err != nil || len(left) != 0 {
				t.Errorf("leftovers: %v %v", left, err)
			}
		})
	}
}

// TestIcebergMetadataNamesOutside: metadata edited to name a manifest list
// outside the table's location stops recovery with an error naming the
// table and the name, before anything is read there or removed anywhere.
// The name outside is a real copy of the manifest list, so recovery
// would succeed had it read it.
func TestIcebergMetadataNamesOutside(t *testing.T) {
	for _, base := range []string{"", testLocation} {
		dir := t.TempDir()
		ds, err := openDatasetAt(dir, base, nil)
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 10)
		commitRun(t, ds, "run-2", 10) // a leftover-free second version
		ref := ds.Manifest().Tables[TableOrders].Iceberg
		metaPath := filepath.Join(dir, filepath.FromSlash(ref.Metadata))
		orig, err := os.ReadFile(metaPath)
		if err != nil {
			t.Fatal(err)
		}
		list := readMeta(t, dir, TableOrders).CurrentSnapshot().ManifestList
		tl := ds.loc.sub(TableOrders)
		listPath, err := tl.path(list)
		if err != nil {
			t.Fatal(err)
		}
		outside := t.TempDir()
		copyPath := filepath.Join(outside, filepath.Base(listPath))
		data, err := os.ReadFile(listPath)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(copyPath, data, 0o600); err != nil {
			t.Fatal(err)
		}
		// A stray file no manifest lists, which a recovery that went on
		// would remove.
		stray := filepath.Join(dir, TableOrders, "ordered_month=2026-01", "part-stray-0001.parquet")
		if err := os.WriteFile(stray, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}

		for _, bad := range []string{
			filepath.ToSlash(copyPath),
			"file://" + filepath.ToSlash(copyPath),
			"s3://other-bucket/prefix/ds/orders/metadata/" + filepath.Base(listPath),
			tl.base + "/../../../../../../../.." + filepath.ToSlash(copyPath),
			"../../../../../../../.." + filepath.ToSlash(copyPath),
			"../" + TableCustomers + "/metadata/" + filepath.Base(listPath),
		} {
			t.Run(base+" "+bad, func(t *testing.T) {
				var meta map[string]any
				if err := json.Unmarshal(orig, &meta); err != nil {
					t.Fatal(err)
				}
				for _, s := range meta["snapshots"].([]any) {
					s.(map[string]any)["manifest-list"] = bad
				}
				edited, err := json.Marshal(meta)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := table.ParseMetadataBytes(edited); err != nil {
					t.Fatalf("the edited metadata does not parse: %v", err)
				}
				if err := os.WriteFile(metaPath, edited, 0o600); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.WriteFile(metaPath, orig, 0o600) })
				before, outBefore := snapshot(t, dir), snapshot(t, outside)

				_, err = openDatasetAt(dir, base, nil)
				if err == nil || !strings.Contains(err.Error(), "table "+TableOrders) || !strings.Contains(err.Error(), bad) || !errors.Is(err, errOutsideLocation) {
					t.Fatalf("Open: %v, want a refusal naming table %s and %s", err, TableOrders, bad)
				}
				if after := snapshot(t, dir); !slices.Equal(before, after) {
					t.Errorf("the failed Open changed the folder:\n%v\nwant:\n%v", after, before)
				}
				if after := snapshot(t, outside); !slices.Equal(outBefore, after) {
					t.Errorf("the failed Open changed the folder outside:\n%v\nwant:\n%v", after, outBefore)
				}
			})
		}
		// With the metadata as it was, recovery goes on.
		if _, err := openDatasetAt(dir, base, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(stray); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the stray file is still there after recovery: %v", err)
		}
	}
}

// TestIcebergEscapedFolder: iceberg-go names manifests in the escaped
// spelling of a folder whose path has a space or an accent; they are
// written in the folder all the same, never beside it. A dataset an older
// version wrote with its manifests beside the folder opens without reading
// them and starts a new history at its next commit.
func TestIcebergEscapedFolder(t *testing.T) {
	for _, name := range []string{"my data", "Relatórios São Paulo"} {
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			dir := filepath.Join(root, name)
			ds, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			commitRun(t, ds, "run-1", 10)
			m2 := commitRun(t, ds, "run-2", 20)
			checkIceberg(t, dir)
			if got := names(t, root); !slices.Contains(got, name+"/") || slices.ContainsFunc(got, func(n string) bool { return !strings.HasPrefix(n, name+"/") }) {
				t.Fatalf("files beside the dataset folder: %v", got)
			}

			// As an older version left it: every manifest list and
			// manifest in a folder named by the escaped path.
			loc, err := newLocator(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			if loc.escaped == "" {
				t.Fatalf("%s: no escaped spelling", loc.base)
			}
			sibling := filepath.FromSlash(loc.escaped)
			for _, td := range tableDefs {
				from := filepath.Join(dir, td.name, icebergMetadataDir)
				to := filepath.Join(sibling, td.name, icebergMetadataDir)
				if err := os.MkdirAll(to, 0o750); err != nil {
					t.Fatal(err)
				}
				entries, _ := os.ReadDir(from)
				for _, e := range entries {
					if strings.HasSuffix(e.Name(), ".avro") {
						if err := os.Rename(filepath.Join(from, e.Name()), filepath.Join(to, e.Name())); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
			before, siblingBefore := snapshot(t, dir), snapshot(t, sibling)
			ds, err = Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if after := snapshot(t, dir); !slices.Equal(before, after) {
				t.Errorf("the repair changed the folder:\n%v\nwant:\n%v", after, before)
			}
			commitKeepingAll(t, ds, "run-3")
			checkIceberg(t, dir)
			m3 := ds.Manifest()
			for _, td := range tableDefs {
				if got, want := m3.Tables[td.name].Iceberg.Version, m2.Tables[td.name].Iceberg.Version+1; got != want {
					t.Errorf("%s: version %d, want %d", td.name, got, want)
				}
				if n := len(readMeta(t, dir, td.name).Snapshots()); n != 1 {
					t.Errorf("%s: %d snapshots, want a new history", td.name, n)
				}
			}
			if after := snapshot(t, sibling); !slices.Equal(siblingBefore, after) {
				t.Errorf("the folder beside the dataset changed:\n%v\nwant:\n%v", after, siblingBefore)
			}
		})
	}
}

// TestIcebergOtherLocationUnreadableHistory: a history that cannot be read
// where the folder now is does not stop a dataset opened at another
// location; its next commit starts a new one.
func TestIcebergOtherLocationUnreadableHistory(t *testing.T) {
	dir := t.TempDir()
	ds, err := openDatasetAt(dir, testLocation, nil)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 10)
	meta := filepath.Join(dir, TableOrders, icebergMetadataDir)
	entries, _ := os.ReadDir(meta)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".avro") {
			os.Remove(filepath.Join(meta, e.Name()))
		}
	}
	if _, err := openDatasetAt(dir, testLocation, nil); err == nil || !strings.Contains(err.Error(), "table "+TableOrders) {
		t.Errorf("Open at the same location with the manifests gone: %v, want an error naming the table", err)
	}
	ds, err = openDatasetAt(dir, "s3://bucket/elsewhere", nil)
	if err != nil {
		t.Fatal(err)
	}
	commitKeepingAll(t, ds, "run-2")
	checkIcebergAt(t, dir, "s3://bucket/elsewhere")
	checkNamesUnder(t, dir, "s3://bucket/elsewhere")
}

// FuzzLocatorRel: whatever a metadata file names, a name the locator
// accepts is a file inside the table's folder, and it is the name the
// locator gives that file.
func FuzzLocatorRel(f *testing.F) {
	for _, s := range []string{
		"s3://bucket/prefix/ds/orders/metadata/snap-1.avro",
		"/tmp/my data/orders/ordered_month=2026-01/part-r-0001.parquet",
		"/tmp/my%20data/orders/metadata/a.avro",
		"/tmp/my%20data/orders/%2e%2e/x",
		"s3://bucket/prefix/ds/orders/../x",
		"s3://bucket/prefix/ds/orders/a\\b",
	} {
		f.Add(s)
	}
	root := f.TempDir()
	locs := []locator{}
	for _, base := range []string{"", "s3://bucket/prefix/ds"} {
		l, err := newLocator(filepath.Join(root, "my data"), base)
		if err != nil {
			f.Fatal(err)
		}
		locs = append(locs, l.sub(TableOrders))
	}
	f.Fuzz(func(t *testing.T, name string) {
		for _, l := range locs {
			rel, err := l.rel(name)
			if err != nil {
				if !errors.Is(err, errOutsideLocation) {
					t.Fatalf("rel(%q): %v", name, err)
				}
				continue
			}
			p, err := l.path(name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := filepath.Rel(l.dir, p)
			if err != nil || r == "." || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) || filepath.IsAbs(r) {
				t.Fatalf("%q maps to %s, outside %s", name, p, l.dir)
			}
			if back, err := l.rel(l.url(rel)); err != nil || back != rel {
				t.Fatalf("%q: rel %q, the locator's own name for it gives %q, %v", name, rel, back, err)
			}
		}
	})
}

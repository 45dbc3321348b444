package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// snapshot is every file under dir with a hash of its content, so two
// snapshots are equal only if the dataset is byte-for-byte the same.
func snapshot(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum := sha256.Sum256(b)
		out = append(out, filepath.ToSlash(rel)+" "+hex.EncodeToString(sum[:8]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func partitionOf(r OrderRow) string {
	if r.OrderedAt == nil {
		return OrderedMonth(time.Time{})
	}
	return OrderedMonth(*r.OrderedAt)
}

func writeFile[T any](t testing.TB, tx *Tx, table, partition string, rows []T) *ParquetFile[T] {
	t.Helper()
	pf, err := CreateTable[T](tx, table, partition)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := pf.Commit(); err != nil {
		t.Fatal(err)
	}
	return pf
}

// writeRun writes a complete dataset from orders into tx, one file per
// partition, without committing the transaction.
func writeRun(t testing.TB, tx *Tx, orders []OrderRow) {
	t.Helper()
	byMonth := map[string][]OrderRow{}
	for _, o := range orders {
		byMonth[partitionOf(o)] = append(byMonth[partitionOf(o)], o)
	}
	for part, rows := range byMonth {
		writeFile(t, tx, TableOrders, part, rows)
		var items []ItemRow
		for _, o := range rows {
			items = append(items, ItemRow{Source: o.Source, Account: o.Account, OrderID: o.OrderID, LineNo: 1,
				CustomerID: o.CustomerID, OrderedAt: o.OrderedAt, Quantity: 1, LineTotal: o.OrderTotal, Status: o.Status})
		}
		writeFile(t, tx, TableOrderItems, part, items)
	}
	writeFile(t, tx, TableCustomers, "", fixtureCustomers())
	writeFile(t, tx, TableIdentities, "", fixtureIdentities())
	writeFile(t, tx, TableMerges, "", fixtureMerges())
	writeFile(t, tx, TableRejects, "", []RejectRow{}) // an empty table is a file with no rows
	writeFile(t, tx, TableLinks, "", fixtureLinks())
}

func testManifest() Manifest {
	return Manifest{
		OrderhistVersion: "v0.0.0-test",
		Command:          "import",
		Inputs:           []Input{{File: "vendas.xlsx", SHA256: strings.Repeat("ab", 32), Size: 1234, Rows: 3, Connector: "mercadolivre", Layout: "v2"}},
		AsOf:             "2026-03-01",
		PII:              "clear",
	}
}

// commitRun writes and commits a run of n generated orders.
func commitRun(t testing.TB, ds *Dataset, runID string, n int) *Manifest {
	t.Helper()
	tx := ds.Begin(runID)
	defer tx.Rollback()
	writeRun(t, tx, benchOrders(n))
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	return ds.Manifest()
}

func TestDatasetCommit(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ds.Manifest() != nil {
		t.Fatal("a new dataset has no manifest")
	}
	tx := ds.Begin("run-1")
	orders, _ := fixtureOrderRows()
	writeRun(t, tx, orders)
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	if !tx.Committed() {
		t.Error("Committed() = false after Commit")
	}
	if err := tx.Rollback(); err != nil {
		t.Errorf("Rollback after Commit: %v", err)
	}

	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 1 || m.RunID != "run-1" || m.Command != "import" || m.CreatedAt.IsZero() || m.Erasures == nil {
		t.Errorf("manifest header: %+v", m)
	}
	if len(m.Tables) != len(Tables()) {
		t.Errorf("manifest has %d tables, want %d", len(m.Tables), len(Tables()))
	}
	wantOrders := map[string]bool{
		"orders/ordered_month=2026-02/":                    true,
		"orders/ordered_month=2026-03/":                    true,
		"orders/ordered_month=__HIVE_DEFAULT_PARTITION__/": true,
	}
	var listed []string
	for name, tf := range m.Tables {
		var sum int64
		for _, f := range tf.Files {
			listed = append(listed, f.Path)
			sum += f.Rows
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(b)
			if hex.EncodeToString(h[:]) != f.SHA256 {
				t.Errorf("%s: manifest sha256 %s does not match the file", f.Path, f.SHA256)
			}
			if int64(len(b)) != f.Bytes {
				t.Errorf("%s: manifest bytes %d, file has %d", f.Path, f.Bytes, len(b))
			}
			if n := readWithArrow(t, filepath.Join(dir, filepath.FromSlash(f.Path))).rdr.NumRows(); n != f.Rows {
				t.Errorf("%s: manifest rows %d, file has %d", f.Path, f.Rows, n)
			}
			if name == TableOrders {
				delete(wantOrders, f.Path[:strings.LastIndex(f.Path, "/")+1])
			}
		}
		if sum != tf.Rows {
			t.Errorf("table %s: rows %d, files add up to %d", name, tf.Rows, sum)
		}
	}
	if len(wantOrders) != 0 {
		t.Errorf("missing order partitions %v", wantOrders)
	}
	if m.Tables[TableOrders].Rows != 3 || m.Tables[TableOrderItems].Rows != 3 || m.Tables[TableRejects].Rows != 0 {
		t.Errorf("row counts: %+v", m.Tables)
	}
	// The folder holds exactly the listed files and the manifest.
	var onDisk []string
	for _, s := range snapshot(t, dir) {
		if f := strings.Fields(s)[0]; !strings.Contains(f, "/"+icebergMetadataDir+"/") {
			onDisk = append(onDisk, f)
		}
	}
	checkIceberg(t, dir)
	slices.Sort(listed)
	want := append(listed, ManifestName)
	slices.Sort(want)
	if !slices.Equal(onDisk, want) {
		t.Errorf("files on disk:\n%v\nwant:\n%v", onDisk, want)
	}
}

func TestDatasetRollback(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 10)
	before := snapshot(t, dir)

	tx := ds.Begin("run-2")
	writeRun(t, tx, benchOrders(20))
	open, err := CreateTable[OrderRow](tx, TableOrders, "ordered_month=2027-01")
	if err != nil {
		t.Fatal(err)
	}
	if err := open.Write(benchOrders(5)); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("Rollback changed the dataset:\nbefore %v\nafter  %v", before, after)
	}
	if err := tx.Commit(testManifest()); !errors.Is(err, ErrTxDone) {
		t.Errorf("Commit after Rollback: %v", err)
	}
	// The dataset is free for the next run.
	commitRun(t, ds, "run-3", 10)
}

func TestDatasetReplace(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tx := ds.Begin("run-1")
	orders, _ := fixtureOrderRows()
	writeRun(t, tx, orders)
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	old := ds.Manifest()

	erasure := json.RawMessage(`{"kind":"cpf","at":"2026-03-02"}`)
	m := testManifest()
	m.Erasures = []json.RawMessage{erasure}
	tx = ds.Begin("run-2")
	writeRun(t, tx, benchOrders(30))
	if err := tx.Commit(m); err != nil {
		t.Fatal(err)
	}
	for _, tf := range old.Tables {
		for _, f := range tf.Files {
			if _, err := os.Stat(filepath.Join(dir, f.Path)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("old file %s still there", f.Path)
			}
		}
	}
	for _, n := range names(t, dir) {
		if strings.Contains(n, "2026-02") || strings.Contains(n, "staging") {
			t.Errorf("left behind: %s", n)
		}
	}
	if got := ds.Manifest().Tables[TableOrders].Rows; got != 30 {
		t.Errorf("orders rows %d, want 30", got)
	}

	// Erasures carry over when the caller does not set them.
	commitRun(t, ds, "run-3", 5)
	if e := ds.Manifest().Erasures; len(e) != 1 || string(e[0]) != string(erasure) {
		t.Errorf("erasures not carried over: %s", e)
	}
}

func TestDatasetKeep(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	first := commitRun(t, ds, "run-1", 10)

	tx := ds.Begin("run-2")
	writeFile(t, tx, TableOrders, "ordered_month=2026-01", benchOrders(4))
	if err := tx.Commit(testManifest()); err == nil || !strings.Contains(err.Error(), "order_items, customers, identities, customer_merges, rejects, customer_links") {
		t.Fatalf("forgetting tables: err = %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}

	tx = ds.Begin("run-3")
	writeFile(t, tx, TableOrders, "ordered_month=2026-01", benchOrders(4))
	for _, table := range []string{TableOrderItems, TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
		if err := tx.Keep(table); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := CreateTable[CustomerRow](tx, TableCustomers, ""); err == nil {
		t.Error("writing a kept table must fail")
	}
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	now := ds.Manifest()
	if !slices.Equal(now.Tables[TableCustomers].Files, first.Tables[TableCustomers].Files) {
		t.Errorf("kept table changed: %v", now.Tables[TableCustomers])
	}
	for _, f := range now.Tables[TableCustomers].Files {
		if _, err := os.Stat(filepath.Join(dir, f.Path)); err != nil {
			t.Errorf("kept file: %v", err)
		}
	}
	if now.Tables[TableOrders].Rows != 4 {
		t.Errorf("orders %+v", now.Tables[TableOrders])
	}

	empty, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := empty.Begin("r").Keep(TableOrders); err == nil {
		t.Error("keeping a table the dataset does not have must fail")
	}
}

func TestDatasetCrashBeforeManifest(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	old := commitRun(t, ds, "run-1", 10)
	before := snapshot(t, dir)

	TestHookAfterMove = func() bool { return true }
	t.Cleanup(func() { TestHookAfterMove = nil })
	tx := ds.Begin("run-2")
	writeRun(t, tx, benchOrders(50))
	if err := tx.Commit(testManifest()); !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("Commit: %v", err)
	}
	TestHookAfterMove = nil
	// The "dead" process left run-2's files in the table folders.
	var stray int
	for _, n := range names(t, dir) {
		if strings.Contains(n, "part-run-2-") && !strings.HasPrefix(n, ".staging") {
			stray++
		}
	}
	if stray == 0 {
		t.Fatal("the crash hook ran before any file was moved")
	}

	// A read-only open sees the old manifest, says the folder needs
	// repair, and changes nothing; no transaction can begin on it.
	killed := snapshot(t, dir)
	ro, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := ro.Manifest(); got.RunID != old.RunID {
		t.Errorf("read-only open: manifest of %s, want %s", got.RunID, old.RunID)
	}
	left, err := ro.Leftovers()
	if err != nil || len(left) != stray+1 { // the moved files and the staging folder
		t.Errorf("leftovers: %d %v, want %d", len(left), err, stray+1)
	}
	if err := ro.Begin("run-3").Keep(TableOrders); err == nil {
		t.Error("a transaction began on a read-only dataset")
	}
	if after := snapshot(t, dir); !slices.Equal(killed, after) {
		t.Errorf("a read-only open changed the folder:\n%v\nwant:\n%v", after, killed)
	}

	ds2, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("after recovery:\n%v\nwant:\n%v", after, before)
	}
	if got := ds2.Manifest(); got.RunID != old.RunID || got.Tables[TableOrders].Rows != old.Tables[TableOrders].Rows {
		t.Errorf("manifest changed: %+v", got)
	}
}

func TestDatasetCommitFailureUndoesMoves(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 10)
	before := snapshot(t, dir)

	tx := ds.Begin("run-2")
	writeRun(t, tx, benchOrders(10))
	// The sixth file (rejects) finds its target taken, after five files
	// have been moved: all five must go back out.
	collide := filepath.Join(dir, TableRejects, "part-run-2-0006.parquet")
	if err := os.WriteFile(collide, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(testManifest()); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("Commit over an existing file: %v", err)
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	os.Remove(collide)
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("failed Commit changed the dataset:\nbefore %v\nafter  %v", before, after)
	}
}

func TestDatasetErrors(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", "../x", "a/b", ".hidden", strings.Repeat("x", 200)} {
		if _, err := CreateTable[OrderRow](ds.Begin(id), TableOrders, "ordered_month=2026-01"); err == nil {
			t.Errorf("run id %q accepted", id)
		}
	}
	tx := ds.Begin("run-1")
	if err := ds.Begin("run-x").Commit(Manifest{}); err == nil || !strings.Contains(err.Error(), "has not finished") {
		t.Errorf("second open transaction: %v", err)
	}
	for _, c := range []struct {
		table, part string
		create      func(*Tx, string, string) error
	}{
		{"nope", "", func(tx *Tx, a, b string) error { _, err := CreateTable[OrderRow](tx, a, b); return err }},
		{TableCustomers, "", func(tx *Tx, a, b string) error { _, err := CreateTable[OrderRow](tx, a, b); return err }},
		{TableOrders, "", func(tx *Tx, a, b string) error { _, err := CreateTable[OrderRow](tx, a, b); return err }},
		{TableOrders, "month=2026-01", func(tx *Tx, a, b string) error { _, err := CreateTable[OrderRow](tx, a, b); return err }},
		{TableOrders, "ordered_month=../x", func(tx *Tx, a, b string) error { _, err := CreateTable[OrderRow](tx, a, b); return err }},
		{TableCustomers, "x=1", func(tx *Tx, a, b string) error { _, err := CreateTable[CustomerRow](tx, a, b); return err }},
	} {
		if err := c.create(tx, c.table, c.part); err == nil {
			t.Errorf("CreateTable(%q, %q) accepted", c.table, c.part)
		}
	}

	writeRun(t, tx, benchOrders(3))
	pending, err := CreateTable[RejectRow](tx, TableRejects, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(testManifest()); err == nil || !strings.Contains(err.Error(), "was not committed") {
		t.Errorf("Commit with an open file: %v", err)
	}
	if ds.Manifest() != nil {
		t.Error("a failed Commit published a manifest")
	}
	if err := tx.Commit(testManifest()); err == nil {
		t.Error("Commit after a failed Commit must fail")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := pending.Write(nil); !errors.Is(err, ErrFileClosed) {
		t.Errorf("Rollback must abort open files: %v", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("left after Rollback: %v", got)
	}

	commitRun(t, ds, "run-2", 3)
	if _, err := CreateTable[OrderRow](ds.Begin("run-2"), TableOrders, "ordered_month=2026-01"); err == nil {
		t.Error("reusing the committed run id must fail")
	}
}

func TestOpenRemovesGarbage(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "run-1", 10)
	before := snapshot(t, dir)

	keep := map[string]string{
		"_state/cursors.json":          "{}",
		"_state/.lock.tmp-1":           "",
		"notes.txt":                    "mine",
		"orders/README.txt":            "mine",
		"elsewhere/part-x.parquet":     "not a table folder",
		"elsewhere/.x.parquet.tmp-abc": "",
	}
	garbage := map[string]string{
		"._manifest.json.tmp-abc": "{",
		".staging-run-0/orders/ordered_month=2026-01/part-run-0-0001.parquet": "PAR1",
		"orders/ordered_month=2030-01/part-run-9-0001.parquet":                "PAR1",
		"orders/ordered_month=2026-01/part-run-9-0002.parquet":                "PAR1",
		"customers/.part-run-9-0003.parquet.tmp-xyz":                          "PAR1",
	}
	for _, files := range []map[string]string{keep, garbage} {
		for p, content := range files {
			full := filepath.Join(dir, filepath.FromSlash(p))
			if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	after := snapshot(t, dir)
	var left []string
	for _, s := range after {
		p := strings.Fields(s)[0]
		if _, ok := keep[p]; ok {
			continue
		}
		left = append(left, s)
	}
	if !slices.Equal(left, before) {
		t.Errorf("after Open:\n%v\nwant the committed files:\n%v", left, before)
	}
	for p := range keep {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("Open removed %s, which is not its to remove", p)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "orders", "ordered_month=2030-01")); !errors.Is(err, os.ErrNotExist) {
		t.Error("empty partition folder left behind")
	}
}

func TestOpenBadManifest(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":   `{"version": 1, "tables": {`,
		"newer":       `{"version": 99}`,
		"escape":      `{"version": 1, "tables": {"orders": {"files": [{"path": "../../etc/passwd.parquet"}]}}}`,
		"other table": `{"version": 1, "tables": {"orders": {"files": [{"path": "customers/x.parquet"}]}}}`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			stray := filepath.Join(dir, "orders", "part-x.parquet")
			os.MkdirAll(filepath.Dir(stray), 0o755)
			os.WriteFile(stray, []byte("PAR1"), 0o644)
			os.WriteFile(filepath.Join(dir, ManifestName), []byte(content), 0o644)
			if _, err := Open(dir); err == nil {
				t.Fatal("Open accepted a bad manifest")
			}
			if _, err := os.Stat(stray); err != nil {
				t.Error("Open removed files although it could not read the manifest")
			}
		})
	}
}

func TestReadTable(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := ReadTable(ctx, ds, TableOrders, func([]OrderRow) error { t.Fatal("rows in an empty dataset"); return nil }); err != nil {
		t.Fatal(err)
	}

	want := benchOrders(10_000)
	// Spread over two partitions so ReadTable crosses files.
	for i := range want[:3000] {
		at := want[i].OrderedAt.AddDate(0, 1, 0)
		want[i].OrderedAt = &at
	}
	tx := ds.Begin("run-1")
	writeRun(t, tx, want)
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}

	// A new transaction is open while reading, as during a re-import.
	tx = ds.Begin("run-2")
	defer tx.Rollback()
	writeFile(t, tx, TableOrders, "ordered_month=2026-05", benchOrders(7))

	var got []OrderRow
	err = ReadTable(ctx, ds, TableOrders, func(rows []OrderRow) error {
		got = append(got, rows...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d rows, wrote %d", len(got), len(want))
	}
	key := func(r OrderRow) string { return r.OrderID }
	slices.SortFunc(got, func(a, b OrderRow) int { return strings.Compare(key(a), key(b)) })
	slices.SortFunc(want, func(a, b OrderRow) int { return strings.Compare(key(a), key(b)) })
	for i := range want {
		g, w := got[i], want[i]
		if g.OrderID != w.OrderID || !g.OrderedAt.Equal(*w.OrderedAt) || *g.OrderTotal != *w.OrderTotal ||
			g.Discount != nil || g.PackID != "" || g.BuyerEmail != w.BuyerEmail || !g.IngestedAt.Equal(w.IngestedAt) {
			t.Fatalf("row %d:\n got %+v\nwant %+v", i, g, w)
		}
	}

	// A struct with a few of the columns reads just those.
	type slim struct {
		OrderID    string `parquet:"order_id"`
		CustomerID string `parquet:"customer_id"`
	}
	var n int
	if err := ReadTable(ctx, ds, TableOrders, func(rows []slim) error {
		for _, r := range rows {
			if r.OrderID == "" || r.CustomerID == "" {
				t.Fatalf("empty projection %+v", r)
			}
		}
		n += len(rows)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Errorf("projection read %d rows", n)
	}

	stop := errors.New("stop")
	if err := ReadTable(ctx, ds, TableOrders, func([]OrderRow) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("callback error: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := ReadTable(cctx, ds, TableOrders, func([]OrderRow) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}

	// A damaged file fails the read instead of crashing the process.
	f := ds.Manifest().Tables[TableCustomers].Files[0]
	if err := os.WriteFile(filepath.Join(dir, f.Path), []byte("PAR1 not really"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := ReadTable(ctx, ds, TableCustomers, func([]CustomerRow) error { return nil }); err == nil {
		t.Error("reading a damaged file succeeded")
	}
}

// TestReadPartition reads one month of a partitioned table and counts the
// rows of each, leaving out a partition whose file holds no row.
func TestReadPartition(t *testing.T) {
	ds, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got := ds.PartitionRows(TableOrders); len(got) != 0 {
		t.Errorf("an empty dataset has partitions %v", got)
	}
	rows := benchOrders(5000)
	for i := range rows[:1200] {
		at := rows[i].OrderedAt.AddDate(0, 1, 0)
		rows[i].OrderedAt = &at
	}
	want := map[string]int64{}
	for _, r := range rows {
		want[partitionOf(r)]++
	}
	tx := ds.Begin("run-1")
	writeRun(t, tx, rows)
	writeFile(t, tx, TableOrders, MonthPartition(HiveNullPartition), []OrderRow{})
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	if got := ds.PartitionRows(TableOrders); !maps.Equal(got, want) || len(got) < 2 {
		t.Errorf("partition rows %v, want %v", got, want)
	}
	for part, n := range want {
		var got int64
		err := ReadPartition(ctx, ds, TableOrders, part, func(rs []OrderRow) error {
			for i := range rs {
				if p := OrderedMonth(*rs[i].OrderedAt); p != part {
					t.Fatalf("reading %s gave a row of %s", part, p)
				}
			}
			got += int64(len(rs))
			return nil
		})
		if err != nil || got != n {
			t.Errorf("%s: read %d rows (%v), want %d", part, got, err, n)
		}
		var items int64
		if err := ReadPartition(ctx, ds, TableOrderItems, part, func(rs []ItemRow) error { items += int64(len(rs)); return nil }); err != nil || items != n {
			t.Errorf("%s: read %d lines (%v), want %d", part, items, err, n)
		}
	}
	// A prefix of a partition's name is not the partition.
	for part := range want {
		if err := ReadPartition(ctx, ds, TableOrders, part[:len(part)-1], func([]OrderRow) error { t.Fatal("rows of a partition that does not exist"); return nil }); err != nil {
			t.Error(err)
		}
	}
	if err := ReadPartition(ctx, ds, TableOrders, "", func([]OrderRow) error { return nil }); err == nil {
		t.Error("reading no partition succeeded")
	}
}

func TestPartitionMonth(t *testing.T) {
	for _, tc := range []struct {
		in, month string
		ok        bool
	}{
		{"ordered_month=2026-02", "2026-02", true},
		{MonthPartition(HiveNullPartition), HiveNullPartition, true},
		{"ordered_month=", "", false},
		{"month=2026-02", "", false},
		{"", "", false},
	} {
		m, ok := PartitionMonth(tc.in)
		if m != tc.month || ok != tc.ok {
			t.Errorf("PartitionMonth(%q) = %q, %v", tc.in, m, ok)
		}
		if ok && MonthPartition(m) != tc.in {
			t.Errorf("MonthPartition(%q) = %q, want %q", m, MonthPartition(m), tc.in)
		}
	}
}

// TestKeepPartition carries an untouched partition into the next manifest
// byte for byte while another is rewritten.
func TestKeepPartition(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	write := func(tx *Tx, part string, n int) {
		t.Helper()
		f, err := CreateTable[OrderRow](tx, TableOrders, part)
		if err != nil {
			t.Fatal(err)
		}
		rows := make([]OrderRow, n)
		for i := range rows {
			rows[i] = OrderRow{Source: "amazon", Account: "main", OrderID: part + "-" + string(rune('a'+i)), CustomerID: "c", Status: "paid"}
		}
		if err := f.Write(rows); err != nil {
			t.Fatal(err)
		}
		if err := f.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	keepOthers := func(tx *Tx) {
		for _, tb := range []string{TableOrderItems, TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
			if ds.Manifest() == nil {
				if err := writeEmpty(tx, tb); err != nil {
					t.Fatal(err)
				}
			} else if err := tx.Keep(tb); err != nil {
				t.Fatal(err)
			}
		}
	}
	tx := ds.Begin("run1")
	write(tx, "ordered_month=2026-01", 2)
	write(tx, "ordered_month=2026-02", 3)
	keepOthers(tx)
	if err := tx.Commit(Manifest{Version: 1, RunID: "run1"}); err != nil {
		t.Fatal(err)
	}
	first := ds.Manifest().Tables[TableOrders].Files

	tx = ds.Begin("run2")
	if err := tx.KeepPartition(TableOrders, "ordered_month=2026-01"); err != nil {
		t.Fatal(err)
	}
	if _, err := CreateTable[OrderRow](tx, TableOrders, "ordered_month=2026-01"); err == nil {
		t.Fatal("a kept partition was written too")
	}
	write(tx, "ordered_month=2026-02", 4)
	keepOthers(tx)
	if err := tx.Commit(Manifest{Version: 1, RunID: "run2"}); err != nil {
		t.Fatal(err)
	}
	m := ds.Manifest()
	if m.Tables[TableOrders].Rows != 6 || len(m.Tables[TableOrders].Files) != 2 {
		t.Fatalf("orders: %+v", m.Tables[TableOrders])
	}
	if m.Tables[TableOrders].Files[0] != first[0] {
		t.Fatalf("kept partition changed: %+v vs %+v", m.Tables[TableOrders].Files[0], first[0])
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(first[0].Path))); err != nil {
		t.Fatalf("kept file deleted: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(first[1].Path))); err == nil {
		t.Fatal("the rewritten partition's old file is still there")
	}
}

func writeEmpty(tx *Tx, table string) error {
	var err error
	switch table {
	case TableOrderItems:
		var f *ParquetFile[ItemRow]
		if f, err = CreateTable[ItemRow](tx, table, "ordered_month=2026-01"); err == nil {
			err = f.Commit()
		}
	case TableCustomers:
		var f *ParquetFile[CustomerRow]
		if f, err = CreateTable[CustomerRow](tx, table, ""); err == nil {
			err = f.Commit()
		}
	case TableIdentities:
		var f *ParquetFile[IdentityRow]
		if f, err = CreateTable[IdentityRow](tx, table, ""); err == nil {
			err = f.Commit()
		}
	case TableMerges:
		var f *ParquetFile[MergeRow]
		if f, err = CreateTable[MergeRow](tx, table, ""); err == nil {
			err = f.Commit()
		}
	case TableRejects:
		var f *ParquetFile[RejectRow]
		if f, err = CreateTable[RejectRow](tx, table, ""); err == nil {
			err = f.Commit()
		}
	case TableLinks:
		var f *ParquetFile[LinkRow]
		if f, err = CreateTable[LinkRow](tx, table, ""); err == nil {
			err = f.Commit()
		}
	}
	return err
}

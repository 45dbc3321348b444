package dataset

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/iceberg-go"
	sqlcat "github.com/apache/iceberg-go/catalog/sql"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/orderhist/orderhist/internal/pgtest"
)

// catalogRow is one iceberg_tables row as the engines read it.
type catalogRow struct {
	typ, location string
	previous      sql.NullString
}

func catalogRows(t *testing.T, uri, name, namespace string) map[string]catalogRow {
	t.Helper()
	db, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name, iceberg_type, metadata_location, previous_metadata_location
		FROM iceberg_tables WHERE catalog_name = $1 AND table_namespace = $2`, name, namespace)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]catalogRow{}
	for rows.Next() {
		var tbl string
		var r catalogRow
		if err := rows.Scan(&tbl, &r.typ, &r.location, &r.previous); err != nil {
			t.Fatal(err)
		}
		out[tbl] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func execSQL(t *testing.T, uri, q string, args ...any) {
	t.Helper()
	db, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func openCatalog(t *testing.T, cfg CatalogConfig) *SQLCatalog {
	t.Helper()
	cat, err := OpenSQLCatalog(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	return cat
}

// checkCatalog checks that the catalog names, for every table, the
// metadata file the manifest names.
func checkCatalog(t *testing.T, dir, uri string, cfg CatalogConfig) map[string]catalogRow {
	t.Helper()
	return checkCatalogAt(t, dir, "", uri, cfg)
}

// checkCatalogAt is checkCatalog for a dataset opened at location.
func checkCatalogAt(t *testing.T, dir, location, uri string, cfg CatalogConfig) map[string]catalogRow {
	t.Helper()
	m, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	loc, err := newLocator(dir, location)
	if err != nil {
		t.Fatal(err)
	}
	rows := catalogRows(t, uri, cfg.Name, cfg.Namespace)
	if len(rows) != len(tableDefs) {
		t.Errorf("catalog has %d tables, want %d: %v", len(rows), len(tableDefs), rows)
	}
	for _, td := range tableDefs {
		ref := m.Tables[td.name].Iceberg
		if ref == nil {
			t.Fatalf("manifest names no iceberg metadata for %s", td.name)
		}
		want := metadataLocation(loc, ref)
		if r := rows[td.name]; r.location != want || r.typ != "TABLE" {
			t.Errorf("catalog row of %s = %+v, want TABLE at %s", td.name, r, want)
		}
	}
	return rows
}

// TestSQLCatalog runs against a real PostgreSQL 15; every subtest has a
// namespace of its own.
func TestSQLCatalog(t *testing.T) {
	pg := pgtest.Start(t)
	uri := pg.URI(pg.Database)
	ns := 0
	config := func() CatalogConfig {
		ns++
		return CatalogConfig{URI: uri, Name: "lake", Namespace: fmt.Sprintf("orderhist_%d", ns)}
	}

	t.Run("commit and nightly", func(t *testing.T) {
		cfg := config()
		dir := t.TempDir()
		ds, err := OpenWithCatalog(dir, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		m1 := commitRun(t, ds, "run-1", 30)
		first := checkCatalog(t, dir, uri, cfg)
		for name, r := range first {
			if r.previous.Valid {
				t.Errorf("%s: previous_metadata_location %q on registration", name, r.previous.String)
			}
		}
		m2 := commitRun(t, ds, "run-2", 60)
		second := checkCatalog(t, dir, uri, cfg)
		for _, td := range tableDefs {
			if m1.Tables[td.name].Iceberg.Version == m2.Tables[td.name].Iceberg.Version {
				continue
			}
			if got := second[td.name].previous.String; got != first[td.name].location {
				t.Errorf("%s: previous_metadata_location %q, want %q", td.name, got, first[td.name].location)
			}
		}
		checkIceberg(t, dir)

		// An engine's view: iceberg-go's own SQL catalog loads each
		// table at the snapshot the manifest names.
		db, err := sql.Open("pgx", uri)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		eng, err := sqlcat.NewCatalog(cfg.Name, db, sqlcat.Postgres, iceberg.Properties{})
		if err != nil {
			t.Fatal(err)
		}
		idents := map[string]bool{}
		for id, err := range eng.ListTables(context.Background(), []string{cfg.Namespace}) {
			if err != nil {
				t.Fatal(err)
			}
			idents[strings.Join(id, ".")] = true
		}
		for _, td := range tableDefs {
			if !idents[cfg.Namespace+"."+td.name] {
				t.Errorf("ListTables lacks %s: %v", td.name, idents)
			}
			tbl, err := eng.LoadTable(context.Background(), []string{cfg.Namespace, td.name})
			if err != nil {
				t.Fatalf("LoadTable %s: %v", td.name, err)
			}
			snap := tbl.CurrentSnapshot()
			if snap == nil || snap.SnapshotID != m2.Tables[td.name].Iceberg.SnapshotID {
				t.Errorf("%s: engine reads snapshot %v, manifest names %d", td.name, snap, m2.Tables[td.name].Iceberg.SnapshotID)
			}
		}
	})

	t.Run("a dataset in a catalog needs it", func(t *testing.T) {
		cfg := config()
		dir := t.TempDir()
		ds, err := OpenWithCatalog(dir, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 10)
		if ref := ds.Manifest().Catalog; ref == nil || ref.Name != cfg.Name || ref.Namespace != cfg.Namespace {
			t.Fatalf("manifest names catalog %+v, want %s %s", ref, cfg.Name, cfg.Namespace)
		}
		before := snapshot(t, dir)
		if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "committed in the SQL catalog lake, namespace "+cfg.Namespace) {
			t.Errorf("Open without the catalog: %v", err)
		}
		other := config()
		if _, err := OpenWithCatalog(dir, openCatalog(t, other)); err == nil || !strings.Contains(err.Error(), "not in lake, namespace "+other.Namespace) {
			t.Errorf("Open with another namespace: %v", err)
		}
		if rows := catalogRows(t, uri, other.Name, other.Namespace); len(rows) != 0 {
			t.Errorf("a refused namespace got rows: %v", rows)
		}
		if got := snapshot(t, dir); !slices.Equal(got, before) {
			t.Errorf("a refused open changed the dataset")
		}
	})

	t.Run("kill at every step", func(t *testing.T) {
		steps := killSteps(true)
		reset := resetKillHooks
		t.Cleanup(reset)
		for _, st := range steps {
			for _, location := range []string{"", "s3://bucket/prefix"} {
				killAtStep(t, st, location, config(), uri)
			}
		}
	})

	t.Run("a dataset in a bucket", func(t *testing.T) {
		cfg := config()
		dir := t.TempDir()
		const bucket = "s3://bucket/prefix"
		ds, err := openDatasetAt(dir, bucket, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 30)
		commitRun(t, ds, "run-2", 40)
		rows := catalogRows(t, uri, cfg.Name, cfg.Namespace)
		for _, td := range tableDefs {
			want := catalogRow{
				typ:      "TABLE",
				location: bucket + "/" + td.name + "/metadata/v2.metadata.json",
				previous: sql.NullString{String: bucket + "/" + td.name + "/metadata/v1.metadata.json", Valid: true},
			}
			if rows[td.name] != want {
				t.Errorf("catalog row of %s = %+v, want %+v", td.name, rows[td.name], want)
			}
		}
		checkIcebergAt(t, dir, bucket)
		checkNamesUnder(t, dir, bucket)

		// The same working copy opened as a local dataset would move the
		// catalog's tables out of the bucket: refused, nothing changed.
		before := snapshot(t, dir)
		if _, err := OpenWithCatalog(dir, openCatalog(t, cfg)); !errors.Is(err, ErrCatalogConflict) || !strings.Contains(err.Error(), bucket+"/") {
			t.Errorf("OpenWithCatalog at the local location: %v, want a conflict naming %s", err, bucket)
		}
		if after := snapshot(t, dir); !slices.Equal(before, after) {
			t.Errorf("the refused Open changed the folder")
		}
		if got := catalogRows(t, uri, cfg.Name, cfg.Namespace); fmt.Sprint(got) != fmt.Sprint(rows) {
			t.Errorf("the refused Open changed the catalog:\n%v\nwant:\n%v", got, rows)
		}
		if _, err := openDatasetAt(dir, bucket, openCatalog(t, cfg)); err != nil {
			t.Errorf("reopening at the bucket: %v", err)
		}
	})

	t.Run("another writer", func(t *testing.T) {
		cfg := config()
		dir := t.TempDir()
		ds, err := OpenWithCatalog(dir, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 10)
		rows := catalogRows(t, uri, cfg.Name, cfg.Namespace)
		before := snapshot(t, dir)

		// Another writer moves orders after this run read the catalog:
		// the whole commit fails, no table moves, the manifest stays.
		execSQL(t, uri, `UPDATE iceberg_tables SET metadata_location = '/elsewhere/orders/metadata/v9.metadata.json'
			WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = 'orders'`, cfg.Name, cfg.Namespace)
		tx := ds.Begin("run-2")
		writeRun(t, tx, benchOrders(40))
		err = tx.Commit(testManifest())
		tx.Rollback()
		if !errors.Is(err, ErrCatalogConflict) || !strings.Contains(err.Error(), "orders") || !strings.Contains(err.Error(), "nothing was committed") {
			t.Fatalf("Commit after another writer: %v", err)
		}
		if got := ds.Manifest().RunID; got != "run-1" {
			t.Errorf("manifest of %s after a refused commit", got)
		}
		after := catalogRows(t, uri, cfg.Name, cfg.Namespace)
		for _, td := range tableDefs {
			if td.name != "orders" && after[td.name] != rows[td.name] {
				t.Errorf("%s moved in a refused commit: %+v, was %+v", td.name, after[td.name], rows[td.name])
			}
		}
		if got := snapshot(t, dir); !slices.Equal(got, before) {
			t.Errorf("dataset after a refused commit:\n%v\nwant:\n%v", got, before)
		}

		// The next run refuses to start while the catalog disagrees.
		if _, err := OpenWithCatalog(dir, openCatalog(t, cfg)); !errors.Is(err, ErrCatalogConflict) || !strings.Contains(err.Error(), "/elsewhere/orders") {
			t.Errorf("Open with a changed catalog entry: %v", err)
		}

		// A second dataset in the same namespace is another writer too.
		if _, err := OpenWithCatalog(t.TempDir(), openCatalog(t, cfg)); !errors.Is(err, ErrCatalogConflict) {
			t.Errorf("Open of another dataset in the namespace: %v", err)
		}

		// Put back, the dataset commits again.
		execSQL(t, uri, `UPDATE iceberg_tables SET metadata_location = $3
			WHERE catalog_name = $1 AND table_namespace = $2 AND table_name = 'orders'`, cfg.Name, cfg.Namespace, rows["orders"].location)
		ds2, err := OpenWithCatalog(dir, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds2, "run-3", 20)
		checkCatalog(t, dir, uri, cfg)
	})

	t.Run("an existing dataset is registered", func(t *testing.T) {
		cfg := config()
		dir := t.TempDir()
		ds, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 10)
		ds2, err := OpenWithCatalog(dir, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		if rows := catalogRows(t, uri, cfg.Name, cfg.Namespace); len(rows) != 0 {
			t.Errorf("catalog rows before the first commit through it: %v", rows)
		}
		commitRun(t, ds2, "run-2", 20)
		checkCatalog(t, dir, uri, cfg)
	})

	t.Run("connection errors never show the password", func(t *testing.T) {
		wrong := *pg
		wrong.Password = "not-the-password-3Kd"
		closed := *pg
		closed.Port = 1 // nothing listens on loopback port 1
		for _, tc := range []struct {
			name, uri, secret string
			want              []string
		}{
			{"wrong password", wrong.URI("postgres"), wrong.Password, []string{"127.0.0.1", "/postgres", "cannot connect", "password authentication failed"}},
			{"unreachable", closed.URI("orders_db"), pg.Password, []string{"127.0.0.1:1", "/orders_db", "cannot connect"}},
			{"not a uri", "postgres://orderhist:" + pg.Password + "@[::1", pg.Password, []string{"not a URI"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := OpenSQLCatalog(context.Background(), CatalogConfig{URI: tc.uri, Namespace: "orderhist"})
				if err == nil {
					t.Fatal("no error")
				}
				msg := err.Error()
				if strings.Contains(msg, tc.secret) {
					t.Errorf("error shows the password: %s", msg)
				}
				for _, w := range tc.want {
					if !strings.Contains(msg, w) {
						t.Errorf("error %q lacks %q", msg, w)
					}
				}
			})
		}
	})
}

// killAtStep kills a commit through the catalog of a dataset opened at
// location at step st, and checks that the next Open rolls it back or
// finishes it as the catalog says.
func killAtStep(t *testing.T, st killStep, location string, cfg CatalogConfig, uri string) {
	t.Run(st.name+" "+location, func(t *testing.T) {
		dir := t.TempDir()
		ds, err := openDatasetAt(dir, location, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		commitRun(t, ds, "run-1", 10)
		before := snapshot(t, dir)
		rowsBefore := catalogRows(t, uri, cfg.Name, cfg.Namespace)

		st.set()
		tx := ds.Begin("run-2")
		writeRun(t, tx, benchOrders(50))
		err = tx.Commit(testManifest())
		resetKillHooks()
		if !errors.Is(err, errSimulatedCrash) {
			t.Fatalf("Commit: %v", err)
		}
		if st.name == "after catalog" {
			// Without the catalog nobody can tell whether the
			// commit happened: Open refuses to guess.
			if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "catalog") {
				t.Errorf("Open without the catalog after a commit in doubt: %v", err)
			}
		}

		ds2, err := openDatasetAt(dir, location, openCatalog(t, cfg))
		if err != nil {
			t.Fatal(err)
		}
		wantRun := "run-1"
		if st.after {
			wantRun = "run-2"
		} else {
			if after := snapshot(t, dir); !slices.Equal(before, after) {
				t.Errorf("after recovery:\n%v\nwant:\n%v", after, before)
			}
			if rows := catalogRows(t, uri, cfg.Name, cfg.Namespace); fmt.Sprint(rows) != fmt.Sprint(rowsBefore) {
				t.Errorf("catalog after a run killed before its commit:\n%v\nwant:\n%v", rows, rowsBefore)
			}
		}
		if got := ds2.Manifest().RunID; got != wantRun {
			t.Errorf("manifest of %s, want %s", got, wantRun)
		}
		checkCatalogAt(t, dir, location, uri, cfg)
		checkIcebergAt(t, dir, location)
		if left, err := ds2.Leftovers(); err != nil || len(left) != 0 {
			t.Errorf("leftovers after recovery: %v %v", left, err)
		}
		commitRun(t, ds2, "run-3", 20)
		checkCatalogAt(t, dir, location, uri, cfg)
		checkIcebergAt(t, dir, location)
	})
}

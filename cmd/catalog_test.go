package cmd

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/pgtest"
)

// catalogLocations reads iceberg_tables as an engine's JDBC catalog does.
func catalogLocations(t *testing.T, uri, name, namespace string) (cur, prev map[string]string) {
	t.Helper()
	db, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT table_name, metadata_location, coalesce(previous_metadata_location, '')
		FROM iceberg_tables WHERE catalog_name = $1 AND table_namespace = $2 AND iceberg_type = 'TABLE'`, name, namespace)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cur, prev = map[string]string{}, map[string]string{}
	for rows.Next() {
		var tbl, loc, p string
		if err := rows.Scan(&tbl, &loc, &p); err != nil {
			t.Fatal(err)
		}
		cur[tbl], prev[tbl] = loc, p
	}
	return cur, prev
}

// manifestLocations is where the manifest says each table's metadata is,
// as the catalog must hold it: an absolute path.
func manifestLocations(t *testing.T, out string) map[string]string {
	t.Helper()
	abs, err := filepath.Abs(out)
	if err != nil {
		t.Fatal(err)
	}
	locs := map[string]string{}
	for name, tf := range readManifest(t, out).Tables {
		if tf.Iceberg == nil {
			t.Fatalf("manifest names no iceberg metadata for %s", name)
		}
		p := filepath.Join(abs, filepath.FromSlash(tf.Iceberg.Metadata))
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		locs[name] = filepath.ToSlash(p)
	}
	return locs
}

func sameLocations(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: catalog has %d tables, manifest %d:\n%v\n%v", what, len(got), len(want), got, want)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: catalog names %q for %s, manifest %q", what, got[name], name, w)
		}
	}
}

// TestSyncWithCatalog is a nightly sync that commits through the SQL
// catalog against a real PostgreSQL: after each run the catalog rows point
// at the metadata the manifest names, and the second run's rows remember
// the first run's as previous_metadata_location.
func TestSyncWithCatalog(t *testing.T) {
	pg := pgtest.Start(t)
	uri := pg.URI(pg.Database)
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	out := filepath.Join(dir, "data")
	t.Setenv("OH_TEST_DROP", drop)
	t.Setenv("OH_CATALOG_URI", uri)
	cfg := writeConfig(t, dir, "out: "+out+"\ncatalog:\n  type: sql\n  uri: ${OH_CATALOG_URI}\n  namespace: shop\nsources:\n  - name: amazon-drop\n    connector: amazon\n    account: loja\n    files: ${OH_TEST_DROP}/*.tsv\n")

	writeFile(t, drop, "week1.tsv", amazonTSV)
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatalf("first sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	first, _ := catalogLocations(t, uri, dataset.DefaultCatalogName, "shop")
	sameLocations(t, "first sync", first, manifestLocations(t, out))

	lines := strings.SplitN(amazonTSV, "\n", 2)
	writeFile(t, drop, "week2.tsv", lines[0]+"\n"+strings.ReplaceAll(strings.ReplaceAll(lines[1], "701-0000002-0000002", "701-0000003-0000003"), "701-0000001-0000001", "701-0000004-0000004"))
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatalf("second sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	second, prev := catalogLocations(t, uri, dataset.DefaultCatalogName, "shop")
	sameLocations(t, "second sync", second, manifestLocations(t, out))
	if second["orders"] == first["orders"] || prev["orders"] != first["orders"] {
		t.Errorf("orders: catalog %q (previous %q), first sync's %q", second["orders"], prev["orders"], first["orders"])
	}
	if n := readManifest(t, out).Tables["orders"].Rows; n != 4 {
		t.Errorf("orders after the second sync: %d, want 4", n)
	}

	// Another writer moves a table: the next run commits nothing, exit 1.
	db, err := sql.Open("pgx", uri)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE iceberg_tables SET metadata_location = '/elsewhere/v7.metadata.json' WHERE table_namespace = 'shop' AND table_name = 'customers'`); err != nil {
		t.Fatal(err)
	}
	before := readManifest(t, out)
	writeFile(t, drop, "week3.tsv", lines[0]+"\n"+strings.ReplaceAll(lines[1], "701-0000002-0000002", "701-0000005-0000005"))
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != exitFailed || !strings.Contains(r.stderr, "changed by another writer") || !strings.Contains(r.stderr, "customers") {
		t.Fatalf("sync after another writer: code %d (want 1)\n%s", r.code, r.stderr)
	}
	if after := readManifest(t, out); after.RunID != before.RunID {
		t.Errorf("a refused run committed %s", after.RunID)
	}
}

// TestImportWithCatalogKilledAfterCatalogCommit kills an import with
// SIGKILL right after the catalog commit, before the manifest: the catalog
// is the commit point, so the next run finishes that commit.
func TestImportWithCatalogKilledAfterCatalogCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	pg := pgtest.Start(t)
	uri := pg.URI(pg.Database)
	t.Setenv("ORDERHIST_CATALOG_URI", uri)
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	small := writeFile(t, in, "amazon.tsv", amazonTSV)
	big := bigAmazonFile(t, in, 300)
	if r := run(t, t.Context(), "import", "--out", out, small); r.code != 0 {
		t.Fatalf("first import: %d %s", r.code, r.stderr)
	}
	first := readManifest(t, out)

	child := childCommand(t, "import", "--out", out, "--quiet", small, big)
	child.Env = append(child.Env, "ORDERHIST_CHILD_KILL=after-catalog")
	if err := child.Run(); err == nil {
		t.Fatal("the child was not killed")
	}
	if m := readManifest(t, out); m.RunID != first.RunID {
		t.Fatalf("the manifest moved before the kill: %s", m.RunID)
	}
	committed, _ := catalogLocations(t, uri, dataset.DefaultCatalogName, "orderhist")

	// Without the catalog, nobody can say whether the killed run
	// committed: the run refuses, naming the catalog.
	t.Setenv("ORDERHIST_CATALOG_URI", "")
	if r := run(t, t.Context(), "import", "--out", out, small); r.code != exitFailed || !strings.Contains(r.stderr, "catalog") {
		t.Fatalf("import without the catalog after a kill: %d %s", r.code, r.stderr)
	}
	t.Setenv("ORDERHIST_CATALOG_URI", uri)
	if r := run(t, t.Context(), "import", "--out", out, small); r.code != 0 {
		t.Fatalf("import after the kill: %d %s", r.code, r.stderr)
	}
	m := readManifest(t, out)
	if n := m.Tables["orders"].Rows; n != 302 {
		t.Errorf("orders after recovery: %d, want 302 (the killed run's commit kept)", n)
	}
	cur, prev := catalogLocations(t, uri, dataset.DefaultCatalogName, "orderhist")
	sameLocations(t, "after recovery", cur, manifestLocations(t, out))
	for name := range cur {
		if cur[name] != committed[name] && prev[name] != committed[name] {
			t.Errorf("%s: the killed run's commit %q is neither current nor previous", name, committed[name])
		}
	}
	cat, err := dataset.OpenSQLCatalog(t.Context(), dataset.CatalogConfig{URI: uri, Namespace: "orderhist"})
	if err != nil {
		t.Fatal(err)
	}
	ds, err := dataset.OpenWithCatalog(out, cat)
	cat.Close()
	if err != nil {
		t.Fatal(err)
	}
	if left, err := ds.Leftovers(); err != nil || len(left) != 0 {
		t.Errorf("leftovers after recovery: %v %v", left, err)
	}

	// forget commits through the catalog too: erased from every table an
	// engine reads through it.
	if r := run(t, t.Context(), "forget", "--out", out, "--document", "123.456.789-09"); r.code != 0 {
		t.Fatalf("forget: %d %s", r.code, r.stderr)
	}
	cur, _ = catalogLocations(t, uri, dataset.DefaultCatalogName, "orderhist")
	sameLocations(t, "after forget", cur, manifestLocations(t, out))
	if readManifest(t, out).Command != "forget" {
		t.Error("forget did not commit")
	}
}

// TestCatalogErrors: a bad catalog setting is exit 2 before anything is
// created; a wrong password or an unreachable database is exit 1 naming
// the host and database, never the password, with nothing committed.
func TestCatalogErrors(t *testing.T) {
	in := t.TempDir()
	small := writeFile(t, in, "amazon.tsv", amazonTSV)
	out := filepath.Join(t.TempDir(), "data")
	for _, bad := range []string{"mysql://u:hunter2@db/x", "postgres://u:hunter2@db:5432", "postgres://u:hunter2@db:port/x"} {
		r := run(t, t.Context(), "import", "--out", out, "--catalog-uri", bad, small)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--catalog-uri") || strings.Contains(r.stderr, "hunter2") {
			t.Errorf("--catalog-uri %s: code %d (want 2) %s", bad, r.code, r.stderr)
		}
	}
	if r := run(t, t.Context(), "import", "--out", out, "--catalog-uri", "postgres://u:p@db/x", "--catalog-namespace", "a b", small); r.code != exitUsage {
		t.Errorf("--catalog-namespace 'a b': code %d (want 2) %s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused catalog setting created the dataset folder")
	}

	pg := pgtest.Start(t)
	wrong := *pg
	wrong.Password = "wrong-pw-9Lz"
	closed := *pg
	closed.Port = 1
	for _, tc := range []struct{ name, uri, secret, where string }{
		{"wrong password", wrong.URI("postgres"), wrong.Password, "127.0.0.1"},
		{"unreachable", closed.URI("lake"), pg.Password, "127.0.0.1:1/lake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("ORDERHIST_CATALOG_URI", tc.uri)
			r := run(t, t.Context(), "import", "--out", out, small)
			if r.code != exitFailed || !strings.Contains(r.stderr, tc.where) || !strings.Contains(r.stderr, "cannot connect") {
				t.Errorf("code %d (want 1), stderr %q (want %q)", r.code, r.stderr, tc.where)
			}
			if strings.Contains(r.stderr+r.stdout, tc.secret) {
				t.Errorf("the password appeared: %s", r.stderr)
			}
			if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); err == nil {
				t.Error("a run that could not reach its catalog committed")
			}
		})
	}
}

package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	return writeFile(t, dir, "orderhist.yaml", body)
}

// TestSyncConfigErrorsExit2 runs a bad configuration end to end: exit 2,
// the key named, no secret shown and no dataset created. syncjob tests
// each configuration error itself.
func TestSyncConfigErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("OH_TEST_SECRET", "s3cret")
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown key", "sources:\n  - name: a\n    connector: amazon\n    files: x/*.tsv\n    lookbak: 3d\n", "unknown key lookbak; valid: name, connector"},
		{"files and api", "sources:\n  - name: a\n    connector: amazon\n    files: x\n    api:\n      client_id: ${OH_TEST_SECRET}\n", "not both"},
		{"bad catalog", "catalog: {type: sql, uri: \"postgres://u:${OH_TEST_SECRET}@db:5432\", namespace: shop}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: uri names no host or no database"},
		{"catalog type", "catalog: {type: glue, uri: \"postgres://u:${OH_TEST_SECRET}@db/x\", namespace: shop}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "the only catalog type is sql"},
		{"object storage", "out: gs://bucket/x\nsources:\n  - {name: a, connector: amazon, files: x}\n", "the scheme must be s3://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, dir, "c.yaml", tc.yaml)
			r := run(t, t.Context(), "sync", "--config", cfg)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("code %d (want 2), stderr %q (want %q)", r.code, r.stderr, tc.want)
			}
			if strings.Contains(r.stderr, "s3cret") {
				t.Fatal("a secret from the environment appeared in an error")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Fatalf("a refused configuration created %d entries beside it", len(entries)-1)
			}
		})
	}
}

func TestSyncReadsOnlyNewFilesAndUpdatesOrders(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	out := filepath.Join(dir, "data")
	t.Setenv("OH_TEST_DROP", drop)
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - name: amazon-drop\n    connector: amazon\n    account: loja\n    files: ${OH_TEST_DROP}/*.tsv\n")
	writeFile(t, drop, "week1.tsv", amazonTSV)

	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "amazon-drop") {
		t.Fatalf("first sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	first := readManifest(t, out)
	if first.Tables["orders"].Rows != 2 {
		t.Fatalf("%d orders after the first sync", first.Tables["orders"].Rows)
	}
	if st, err := os.Stat(filepath.Join(out, dataset.StateDir, "sources", "amazon-drop"+".json")); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("state file: %v %v", st, err)
	}

	// Nothing new, even under another name: nothing changes.
	writeFile(t, drop, "week1-copy.tsv", amazonTSV)
	r = run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "nothing new") {
		t.Fatalf("second sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if again := readManifest(t, out); again.RunID != first.RunID {
		t.Fatalf("a sync with nothing new committed run %s", again.RunID)
	}

	// An overlapping export where an order moved on: updated, not doubled.
	week2 := strings.ReplaceAll(amazonTSV, "2026-02-12T13:01:44+00:00\tShipped", "2026-02-20T10:00:00+00:00\tShipped - Delivered to Buyer")
	writeFile(t, drop, "week2.tsv", week2)
	r = run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "1 updated") {
		t.Fatalf("third sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Per source: 1 file read, 2 unchanged, 3 rows, 2 orders, 0 new, 1 updated.
	if !regexp.MustCompile(`amazon-drop\s+amazon\s+1\s+2\s+3\s+2\s+0\s+1\s+0\s+ok`).MatchString(r.stdout) {
		t.Errorf("per-source summary:\n%s", r.stdout)
	}
	orders := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records
	if len(orders) != 2 {
		t.Fatalf("%d orders after an overlapping export, want 2", len(orders))
	}
	for _, o := range orders {
		if o["order_id"] == "701-0000001-0000001" && (o["status"] != "delivered" || o["account"] != "loja") {
			t.Errorf("order not updated: %v", o)
		}
	}
}

func TestSyncFailedSourceExit4AndRetried(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	bad := filepath.Join(dir, "bad")
	os.MkdirAll(good, 0o755)
	os.MkdirAll(bad, 0o755)
	writeFile(t, good, "a.tsv", amazonTSV)
	broken := writeFile(t, bad, "orders.csv", "PK\x03\x04 not a workbook")
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - {name: good, connector: amazon, files: "+good+"/*.tsv}\n  - {name: bad, connector: shopify, files: "+bad+"/*.csv}\n")
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != exitPartial || !strings.Contains(r.stdout, "FAILED") {
		t.Fatalf("code %d (want 4)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if readManifest(t, out).Tables["orders"].Rows != 2 {
		t.Fatal("the good source was not committed")
	}
	if _, err := os.Stat(filepath.Join(out, dataset.StateDir, "sources", "bad"+".json")); err == nil {
		t.Fatal("the failed source's file was recorded as read")
	}
	// Fixed: the next run reads it.
	os.WriteFile(broken, []byte(shopifyCSV), 0o644)
	r = run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || readManifest(t, out).Tables["orders"].Rows != 4 {
		t.Fatalf("after the fix: code %d, %d orders\n%s", r.code, readManifest(t, out).Tables["orders"].Rows, r.stdout)
	}
}

func TestSyncLockedExit75(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - {name: a, connector: amazon, files: "+dir+"/*.tsv}\n")
	lock, err := dataset.TakeLock(out, "orderhist import", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Unlock()
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != exitLocked || !strings.Contains(r.stderr, "orderhist import") {
		t.Fatalf("code %d, stderr %q", r.code, r.stderr)
	}
}

func TestSyncConfigFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	writeFile(t, dir, "a.tsv", amazonTSV)
	cfg := writeFile(t, dir, "elsewhere.yaml", "out: "+out+"\nsources:\n  - {name: a, connector: amazon, files: "+dir+"/*.tsv}\n")
	t.Setenv("ORDERHIST_CONFIG", cfg)
	if r := run(t, t.Context(), "sync"); r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	if readManifest(t, out).Tables["orders"].Rows != 2 {
		t.Fatal("no orders")
	}
}

// TestConcurrentSyncs starts two syncs of one dataset at once: one commits,
// the other exits 75 (or, if it started after, finds nothing new), and the
// dataset is whole either way.
func TestConcurrentSyncs(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	bigAmazonFile(t, drop, 5000)
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - {name: a, connector: amazon, files: "+drop+"/*.tsv}\n")
	a := childCommand(t, "sync", "--quiet", "--config", cfg)
	b := childCommand(t, "sync", "--quiet", "--config", cfg)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	codes := []int{exitCodeOf(a.Wait()), exitCodeOf(b.Wait())}
	ok, locked := 0, 0
	for _, c := range codes {
		switch c {
		case 0:
			ok++
		case exitLocked:
			locked++
		default:
			t.Fatalf("exit codes %v", codes)
		}
	}
	if ok == 0 {
		t.Fatalf("exit codes %v: no sync committed", codes)
	}
	checkConsistent(t, out)
	if n := readManifest(t, out).Tables["orders"].Rows; n != 5000 {
		t.Fatalf("%d orders, want 5000 (codes %v)", n, codes)
	}
	t.Logf("exit codes %v", codes)
}

func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(interface{ ExitCode() int }); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestSyncRewritesOnlyTouchedMonths adds orders of one month: the other
// month's files stay byte for byte, and the rewritten month holds both.
func TestSyncRewritesOnlyTouchedMonths(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - {name: a, connector: amazon, files: "+drop+"/*.tsv}\n")
	writeFile(t, drop, "first.tsv", amazonTSV) // orders in 2026-02 and 2026-03
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatal(r.stderr)
	}
	before := map[string]string{}
	for _, tb := range []string{"orders", "order_items"} {
		for _, f := range readManifest(t, out).Tables[tb].Files {
			before[f.Path] = f.SHA256
		}
	}
	// A new order in 2026-03 only, from a new person.
	march := strings.SplitN(amazonTSV, "\n", 2)[0] + "\n" +
		"701-0000003-0000003\t\t2026-03-15T10:00:00+00:00\t2026-03-15T11:00:00+00:00\tShipped\tMerchant\tAmazon.com.br\t\tStandard\tCaneca\tSKU-C\tB0C\tShipped\t1\tBRL\t20.00\t\t5.00\t\t\t\t\t\tRecife\tPE\t50000-000\tBR\t\t11144477735\tfalse\t\t\n"
	writeFile(t, drop, "second.tsv", march)
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 || !strings.Contains(r.stdout, "(1 rewritten, 1 unchanged)") {
		t.Fatalf("code %d\n%s", r.code, r.stdout)
	}
	m := readManifest(t, out)
	if m.Tables["orders"].Rows != 3 {
		t.Fatalf("%d orders", m.Tables["orders"].Rows)
	}
	for _, tb := range []string{"orders", "order_items"} {
		for _, f := range m.Tables[tb].Files {
			_, existed := before[f.Path]
			feb := strings.Contains(f.Path, "ordered_month=2026-02/")
			if feb && (!existed || before[f.Path] != f.SHA256) {
				t.Errorf("%s: the untouched month was rewritten", f.Path)
			}
			if !feb && existed {
				t.Errorf("%s: the touched month was not rewritten", f.Path)
			}
		}
	}
	checkConsistent(t, out)
}

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/lease"
	"github.com/orderhist/orderhist/backend/s3"
	"github.com/orderhist/orderhist/backend/s3/s3test"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

// s3Dataset starts versitygw, points the AWS variables and the working
// copies (XDG_CACHE_HOME) at the test's, and returns a dataset location.
func s3Dataset(t *testing.T) (*s3test.Server, string) {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	return srv, "s3://" + srv.Bucket(t) + "/shop/orderhist"
}

// bucketStore opens the store at location, with the test's variables.
func bucketStore(t *testing.T, location string) (context.Context, *s3.Store) {
	t.Helper()
	ctx := s3test.Context(t)
	store, err := s3.Open(ctx, location, s3.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, store
}

// committedOrders reads the orders the bucket's committed manifest lists,
// through a fresh readers' copy.
func committedOrders(t *testing.T, location string) (*dataset.Manifest, parquettest.File) {
	t.Helper()
	dir, done, err := dataset.ReadCopy(context.Background(), location, dataset.RemoteOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	m := readManifest(t, dir)
	checkConsistent(t, dir)
	return m, parquettest.ReadGlob(t, filepath.Join(dir, "orders", "*", "*.parquet"))
}

func TestImportToS3(t *testing.T) {
	_, location := s3Dataset(t)
	in := t.TempDir()
	amazon := writeFile(t, in, "amazon.tsv", amazonTSV)
	shopify := writeFile(t, in, "shopify.csv", shopifyCSV)

	for _, files := range [][]string{{amazon}, {shopify}} {
		r := run(t, t.Context(), append([]string{"import", "--out", location}, files...)...)
		if r.code != 0 {
			t.Fatalf("import %v: %d\n%s\n%s", files, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, location) {
			t.Errorf("the summary does not name %s:\n%s", location, r.stdout)
		}
	}
	local := filepath.Join(t.TempDir(), "data")
	for _, f := range []string{amazon, shopify} {
		if r := run(t, t.Context(), "import", "--out", local, f); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	m, got := committedOrders(t, location)
	want := parquettest.ReadGlob(t, filepath.Join(local, "orders", "*", "*.parquet"))
	if m.Tables["orders"].Rows != 4 || !bytes.Equal(stripVolatile(got.JSONL), stripVolatile(want.JSONL)) {
		t.Errorf("the bucket's orders differ from a local import's:\n%s\nwant\n%s", got.JSONL, want.JSONL)
	}

	// Read-only commands read the bucket.
	r := run(t, t.Context(), "export", "customers", "--out", location, "--format", "csv", "--output", filepath.Join(in, "customers.csv"))
	if r.code != 0 {
		t.Fatalf("export: %d %s", r.code, r.stderr)
	}
	if data, err := os.ReadFile(filepath.Join(in, "customers.csv")); err != nil || !bytes.Contains(data, []byte("Maria")) {
		t.Errorf("export from the bucket: %v\n%s", err, data)
	}
	if r := run(t, t.Context(), "explain", "--out", location, "joao@example.com"); r.code != 0 || !strings.Contains(r.stdout, "shopify") {
		t.Errorf("explain from the bucket: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	page := filepath.Join(in, "report.html")
	if r := run(t, t.Context(), "report", "--out", location, "--output", page); r.code != 0 {
		t.Errorf("report from the bucket: %d\n%s", r.code, r.stderr)
	} else if data, _ := os.ReadFile(page); !bytes.Contains(data, []byte("<html")) {
		t.Error("the report from the bucket is not a page")
	}
	if r := run(t, t.Context(), "schema", "--format", "duckdb", "--out", location); r.code != 0 || !strings.Contains(r.stdout, "read_parquet('"+location+"/orders/") {
		t.Errorf("schema --format duckdb: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, t.Context(), "rebuild", "--out", location); r.code != 0 {
		t.Errorf("rebuild in the bucket: %d\n%s", r.code, r.stderr)
	}
	if r := run(t, t.Context(), "forget", "--out", location, "--email", "joao@example.com"); r.code != 0 {
		t.Errorf("forget in the bucket: %d\n%s", r.code, r.stderr)
	}
	if m, _ := committedOrders(t, location); m.Tables["orders"].Rows != 3 {
		t.Errorf("after forget the bucket has %d orders, want 3", m.Tables["orders"].Rows)
	}
}

func TestSyncToS3(t *testing.T) {
	srv, location := s3Dataset(t)
	// The endpoint comes from the s3: block, not the environment.
	t.Setenv("AWS_ENDPOINT_URL_S3", "")
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	writeFile(t, drop, "week1.tsv", amazonTSV)
	cfg := writeConfig(t, dir, "out: "+location+"\ns3:\n  endpoint: "+srv.Endpoint+"\n  work_dir: ./work\nsources:\n  - {name: a, connector: amazon, files: "+drop+"/*.tsv}\n")
	for i := range 2 {
		if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
			t.Fatalf("sync %d: %d\n%s\n%s", i, r.code, r.stdout, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "work")); err != nil {
		t.Errorf("the working copy is not under work_dir: %v", err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", srv.Endpoint)
	m, _ := committedOrders(t, location)
	if m.Tables["orders"].Rows != 2 || !strings.HasPrefix(m.Command, "sync") {
		t.Errorf("the bucket holds %d orders of %q", m.Tables["orders"].Rows, m.Command)
	}
	ctx, store := bucketStore(t, location)
	if _, _, err := store.Open(ctx, "_state/sources/a.json"); err != nil {
		t.Errorf("the source state is not in the bucket: %v", err)
	}
}

// TestS3BadLocations: each mistake exits 2 with a message that names what
// to fix and never a secret, and writes nothing. An endpoint that does not
// answer is a failure (1), as a network that is down for the night is.
func TestS3BadLocations(t *testing.T) {
	srv, location := s3Dataset(t)
	f := writeFile(t, t.TempDir(), "amazon.tsv", amazonTSV)
	ctx, store := bucketStore(t, location)
	foreign := "s3://" + srv.Bucket(t) + "/reports"
	_, fstore := bucketStore(t, foreign)
	if _, err := backend.PutBytes(ctx, fstore, "2026/sales.csv", []byte("a,b\n"), backend.Cond{}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, out, says string
		code            int
		env             map[string]string
	}{
		{"missing bucket", "s3://no-such-bucket/x", "no-such-bucket", exitUsage, nil},
		{"no credentials", location, "AWS_ACCESS_KEY_ID", exitUsage, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}},
		{"wrong secret", location, "AWS_SECRET_ACCESS_KEY", exitUsage, map[string]string{"AWS_SECRET_ACCESS_KEY": "wrong-secret-value-123"}},
		{"not a dataset", foreign, "2026/sales.csv", exitUsage, nil},
		{"unreachable endpoint", location, "cannot reach the S3 endpoint http://127.0.0.1:1", exitFailed, map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			r := run(t, t.Context(), "import", "--out", tc.out, f)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.says) {
				t.Errorf("code %d (want %d), stderr %q (want %q)", r.code, tc.code, r.stderr, tc.says)
			}
			if strings.Contains(r.stderr, srv.SecretKey) || strings.Contains(r.stderr, "wrong-secret-value-123") {
				t.Errorf("the message quotes a secret: %s", r.stderr)
			}
		})
	}
	var n int
	store.List(ctx, "", func(backend.Info) error { n++; return nil })
	if n != 0 {
		t.Errorf("refused runs wrote %d objects", n)
	}
}

// TestS3Locked: a run that finds the lease held by a live run elsewhere
// exits 75 and names it.
func TestS3Locked(t *testing.T) {
	_, location := s3Dataset(t)
	f := writeFile(t, t.TempDir(), "amazon.tsv", amazonTSV)
	ctx, store := bucketStore(t, location)
	now := time.Now()
	h, _ := json.Marshal(lease.Holder{Host: "other-machine", PID: 4242, Command: "orderhist sync", Started: now, Expires: now.Add(time.Hour), ID: "x"})
	if _, err := backend.PutBytes(ctx, store, lease.DefaultKey, h, backend.Cond{IfNoneMatch: true}); err != nil {
		t.Fatal(err)
	}
	r := run(t, t.Context(), "import", "--out", location, f)
	if r.code != exitLocked || !strings.Contains(r.stderr, "other-machine") {
		t.Fatalf("code %d (want 75), stderr %q", r.code, r.stderr)
	}
}

// TestKilledImportToS3 kills imports into a bucket with SIGKILL, at random
// instants and once right before the manifest is written (every file of
// the run is in the bucket then), and checks after each kill that readers
// see the last committed dataset whole, then that a final run leaves the
// bucket exactly as a clean run would.
func TestKilledImportToS3(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	_, location := s3Dataset(t)
	in := t.TempDir()
	small := writeFile(t, in, "amazon.tsv", amazonTSV)
	big := bigAmazonFile(t, in, 20000)
	if r := run(t, t.Context(), "import", "--out", location, small); r.code != 0 {
		t.Fatalf("first import: %d %s", r.code, r.stderr)
	}
	first, _ := committedOrders(t, location)
	rng := rand.New(rand.NewPCG(5, 6))
	killed := 0
	for i := range 6 {
		child := childCommand(t, "import", "--out", location, "--quiet", small, big)
		if i == 0 {
			child.Env = append(child.Env, "ORDERHIST_CHILD_KILL=before-remote-commit")
		}
		if err := child.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- child.Wait() }()
		delay := time.Duration(200+rng.IntN(3000)) * time.Millisecond
		if i == 0 {
			delay = time.Hour // the hook kills it
		}
		select {
		case <-time.After(delay):
			child.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		case err := <-done:
			if i == 0 {
				killed++
			}
			t.Logf("run %d ended before the kill at %v (%v)", i, delay, err)
		}
		m, _ := committedOrders(t, location)
		if m.RunID != first.RunID && m.Tables["orders"].Rows != 20002 {
			t.Fatalf("after kill %d: a manifest with %d orders", i, m.Tables["orders"].Rows)
		}
		if i == 0 && m.RunID != first.RunID {
			t.Fatal("a run killed before its manifest was written committed")
		}
	}
	if killed == 0 {
		t.Fatal("no run was killed midway")
	}
	if r := run(t, t.Context(), "import", "--out", location, small, big); r.code != 0 {
		t.Fatalf("completing run: %d %s", r.code, r.stderr)
	}
	clean := filepath.Join(t.TempDir(), "clean")
	for _, files := range [][]string{{small}, {small, big}} {
		if r := run(t, t.Context(), append([]string{"import", "--out", clean}, files...)...); r.code != 0 {
			t.Fatal(r.stderr)
		}
	}
	_, got := committedOrders(t, location)
	want := parquettest.ReadGlob(t, filepath.Join(clean, "orders", "*", "*.parquet"))
	if len(got.Records) != 20002 || !bytes.Equal(stripVolatile(got.JSONL), stripVolatile(want.JSONL)) {
		t.Fatalf("after kills and a completing run: %d orders, differing from a clean run's %d", len(got.Records), len(want.Records))
	}
	// Nothing a killed run uploaded is left: every object is the
	// committed dataset's.
	dir, release, err := dataset.ReadCopy(context.Background(), location, dataset.RemoteOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	ds, err := dataset.OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left, err := ds.Leftovers(); err != nil || len(left) != 0 {
		t.Errorf("the bucket holds objects of killed runs: %v %v", left, err)
	}
	ctx, store := bucketStore(t, location)
	if ab, ok := any(store).(backend.UploadLister); ok {
		if ups, err := ab.ListIncompleteUploads(ctx, ""); err != nil || len(ups) != 0 {
			t.Errorf("incomplete uploads left: %v %v", ups, err)
		}
	}
}

// TestConcurrentImportsToS3: an import started while another holds the
// bucket's lease exits 75 at once, naming the holder, and never commits;
// its rerun then commits on top.
func TestConcurrentImportsToS3(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	_, location := s3Dataset(t)
	in := t.TempDir()
	small := writeFile(t, in, "amazon.tsv", amazonTSV)
	big := bigAmazonFile(t, in, 20000)
	a := childCommand(t, "import", "--out", location, "--quiet", small, big)
	b := childCommand(t, "import", "--out", location, "--quiet", small)
	var errA, errB bytes.Buffer
	a.Stderr, b.Stderr = &errA, &errB
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	doneA := make(chan error, 1)
	go func() { doneA <- a.Wait() }()
	// The second run starts once the first holds the lease.
	ctx, store := bucketStore(t, location)
	for held := false; !held; {
		select {
		case err := <-doneA:
			t.Fatalf("the first run ended before it was seen holding the lease: %v\n%s", err, errA.String())
		case <-time.After(20 * time.Millisecond):
			_, err := store.Stat(ctx, lease.DefaultKey)
			held = err == nil
		}
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	codeOf := func(err error) int {
		if err == nil {
			return 0
		}
		if ee, ok := err.(interface{ ExitCode() int }); ok {
			return ee.ExitCode()
		}
		t.Fatal(err)
		return -1
	}
	cb := codeOf(b.Wait())
	ca := codeOf(<-doneA)
	if ca != 0 || cb != exitLocked {
		t.Fatalf("exit codes %d and %d, want 0 and 75\n%s\n%s", ca, cb, errA.String(), errB.String())
	}
	if !strings.Contains(errB.String(), "orderhist import") {
		t.Errorf("the locked run does not name the holder: %s", errB.String())
	}
	if r := run(t, t.Context(), "import", "--out", location, small, big); r.code != 0 {
		t.Fatalf("rerun: %d %s", r.code, r.stderr)
	}
	if m, got := committedOrders(t, location); m.Tables["orders"].Rows != 20002 || len(got.Records) != 20002 {
		t.Errorf("after both runs and a rerun the bucket has %d orders, want 20002", m.Tables["orders"].Rows)
	}
}

package dataset

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// names lists dir's entries, recursively, as slash paths.
func names(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if d.IsDir() {
			rel += "/"
		}
		out = append(out, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestAtomicFileCommit(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.txt")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := CreateAtomic(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Fatalf("before Commit the old content must stay, got %q", b)
	}
	if got := names(t, dir); len(got) != 2 || !isTempName(got[0]) {
		t.Fatalf("want a.txt and one temp file, got %v", got)
	}
	if err := a.Commit(); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Fatalf("after Commit got %q", b)
	}
	if st, _ := os.Stat(p); st.Mode().Perm()&0o077 != 0 {
		t.Errorf("mode %v, want no group/other bits", st.Mode())
	}
	if got := names(t, dir); !slices.Equal(got, []string{"a.txt"}) {
		t.Errorf("leftovers: %v", got)
	}
	if err := a.Abort(); err != nil {
		t.Errorf("Abort after Commit: %v", err)
	}
	if _, err := a.Write([]byte("x")); !errors.Is(err, ErrFileClosed) {
		t.Errorf("Write after Commit: %v", err)
	}
	if err := a.Commit(); !errors.Is(err, ErrFileClosed) {
		t.Errorf("second Commit: %v", err)
	}
}

func TestAtomicFileAbort(t *testing.T) {
	dir := t.TempDir()
	a, err := CreateAtomic(filepath.Join(dir, "a.txt"), 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Write([]byte("partial")); err != nil {
		t.Fatal(err)
	}
	if err := a.Abort(); err != nil {
		t.Fatal(err)
	}
	if err := a.Abort(); err != nil {
		t.Errorf("second Abort: %v", err)
	}
	if err := a.Commit(); !errors.Is(err, ErrFileClosed) {
		t.Errorf("Commit after Abort: %v", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("Abort left %v", got)
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "m.json")
	for _, s := range []string{"one", "two"} {
		if err := WriteFileAtomic(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Errorf("got %q, want %q", b, s)
		}
	}
	if got := names(t, dir); !slices.Equal(got, []string{"m.json"}) {
		t.Errorf("leftovers: %v", got)
	}
	if err := WriteFileAtomic(filepath.Join(dir, "missing", "x"), nil, 0o644); err == nil {
		t.Error("writing into a missing folder must fail")
	}
}

func TestParquetFileAbortAfterPartialWrite(t *testing.T) {
	dir := t.TempDir()
	pf, err := NewParquetFile[OrderRow](filepath.Join(dir, "o.parquet"), WithMaxRowsPerRowGroup(100))
	if err != nil {
		t.Fatal(err)
	}
	rows := benchOrders(1000)
	if err := pf.Write(rows); err != nil {
		t.Fatal(err)
	}
	if pf.Size() == 0 {
		t.Fatal("full row groups should have reached the temp file")
	}
	if err := pf.Abort(); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("Abort left %v", got)
	}
	if err := pf.Write(rows); !errors.Is(err, ErrFileClosed) {
		t.Errorf("Write after Abort: %v", err)
	}
	if err := pf.Commit(); !errors.Is(err, ErrFileClosed) {
		t.Errorf("Commit after Abort: %v", err)
	}
}

// A disk that fails mid-file: the error sticks, Commit reports it and
// nothing appears.
func TestParquetFileWriteError(t *testing.T) {
	dir := t.TempDir()
	pf, err := NewParquetFile[OrderRow](filepath.Join(dir, "o.parquet"), WithMaxRowsPerRowGroup(100))
	if err != nil {
		t.Fatal(err)
	}
	pf.af.f.Close() // every later write to the temp file fails
	var werr error
	for range 20 {
		if werr = pf.Write(benchOrders(500)); werr != nil {
			break
		}
	}
	if werr == nil {
		t.Fatal("writes to a closed file succeeded")
	}
	if err := pf.Write(benchOrders(1)); err == nil {
		t.Error("the write error must stick")
	}
	if err := pf.Commit(); err == nil {
		t.Fatal("Commit after a write error succeeded")
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("failed file left %v", got)
	}
}

func TestParquetFilePanicsBecomeErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := NewParquetFile[OrderRow](filepath.Join(dir, "a.parquet"), func(c *fileConfig) {
		c.extra = append(c.extra, parquet.PageBufferSize(-1))
	})
	if !errors.Is(err, errPanic) {
		t.Errorf("invalid writer option: err = %v, want a recovered panic", err)
	}
	type bad struct {
		C chan int
	}
	if _, err := NewParquetFile[bad](filepath.Join(dir, "b.parquet")); !errors.Is(err, errPanic) {
		t.Errorf("unsupported row type: err = %v, want a recovered panic", err)
	}
	if got := names(t, dir); len(got) != 0 {
		t.Errorf("failed constructors left %v", got)
	}
}

func TestParquetFileEmpty(t *testing.T) {
	p := filepath.Join(t.TempDir(), "empty.parquet")
	pf, err := NewParquetFile[OrderRow](p)
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Commit(); err != nil {
		t.Fatal(err)
	}
	af := readWithArrow(t, p)
	if n := af.rdr.NumRows(); n != 0 {
		t.Errorf("%d rows", n)
	}
	if got, want := len(af.schema.Fields()), len(Tables()[0].Columns); got != want {
		t.Errorf("empty file has %d columns, want %d", got, want)
	}
	if pf.SHA256() == "" || pf.Size() == 0 {
		t.Errorf("sha256 %q size %d", pf.SHA256(), pf.Size())
	}
}

const helperEnv = "ORDERHIST_TEST_HELPER_WRITER"

// TestHelperWriter is not a test: TestKill* run the test binary again with
// helperEnv set, and this writes a never-ending Parquet file slowly until it
// is killed. The value is "file:<path>" or "tx:<dataset dir>".
func TestHelperWriter(t *testing.T) {
	mode, arg, ok := strings.Cut(os.Getenv(helperEnv), ":")
	if !ok {
		t.Skip("helper process for TestKillDuringWrite")
	}
	var pf *ParquetFile[OrderRow]
	var err error
	switch mode {
	case "file":
		pf, err = NewParquetFile[OrderRow](arg, WithMaxRowsPerRowGroup(500))
	case "tx":
		var ds *Dataset
		if ds, err = Open(arg); err != nil {
			break
		}
		tx := ds.Begin("crashing-run")
		var cf *ParquetFile[CustomerRow]
		if cf, err = CreateTable[CustomerRow](tx, TableCustomers, ""); err != nil {
			break
		}
		if err = cf.Write(fixtureCustomers()); err != nil {
			break
		}
		if err = cf.Commit(); err != nil {
			break
		}
		pf, err = CreateTable[OrderRow](tx, TableOrders, "ordered_month=2026-01", WithMaxRowsPerRowGroup(500))
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(2)
	}
	rows := benchOrders(500)
	ready := false
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if err := pf.Write(rows); err != nil {
			fmt.Println("error:", err)
			os.Exit(2)
		}
		if !ready && pf.Size() > 0 {
			fmt.Println("ready")
			ready = true
		}
		time.Sleep(5 * time.Millisecond)
	}
	os.Exit(3) // never reached when the parent kills us
}

// startHelper runs TestHelperWriter in a child process and returns once it
// has put bytes on disk.
func startHelper(t *testing.T, spec string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$")
	cmd.Env = append(os.Environ(), helperEnv+"="+spec)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case l := <-lines:
		if l != "ready" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("helper: %s", l)
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("helper never started writing")
	}
	go func() {
		for range lines {
		}
	}()
	return cmd
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil { // SIGKILL: no deferred cleanup runs
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatal("helper exited cleanly; it was meant to be killed mid-write")
	}
}

func TestKillDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dir := t.TempDir()
	part := filepath.Join(dir, TableOrders, "ordered_month=2026-01")
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(part, "part-x.parquet")
	cmd := startHelper(t, "file:"+final)
	time.Sleep(50 * time.Millisecond)
	kill(t, cmd)

	if _, err := os.Stat(final); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("final file exists after a kill mid-write (stat err %v)", err)
	}
	left := names(t, part)
	if len(left) != 1 || !isTempName(left[0]) {
		t.Fatalf("want exactly one temp file, got %v", left)
	}
	if st, _ := os.Stat(filepath.Join(part, left[0])); st == nil || st.Size() == 0 {
		t.Fatalf("the temp file should hold the partial write")
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if got := names(t, dir); !slices.Equal(got, []string{"orders/"}) {
		t.Errorf("after Open: %v", got)
	}
}

func TestKillDuringTransaction(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a subprocess")
	}
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	commitRun(t, ds, "first-run", 3)
	before := snapshot(t, dir)

	cmd := startHelper(t, "tx:"+dir)
	time.Sleep(50 * time.Millisecond)
	kill(t, cmd)

	var staging []string
	for _, n := range names(t, dir) {
		if strings.HasPrefix(n, ".staging-crashing-run/") && isTempName(filepath.Base(n)) {
			staging = append(staging, n)
		}
	}
	if len(staging) != 1 {
		t.Fatalf("want the killed run's temp file in staging, got %v", names(t, dir))
	}
	if _, err := Open(dir); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, dir); !slices.Equal(before, after) {
		t.Errorf("dataset changed by a killed run:\nbefore %v\nafter  %v", before, after)
	}
}

package cmd

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

// TestMain lets the test binary act as the orderhist binary, so a test can
// run it as a child process and kill it.
func TestMain(m *testing.M) {
	if args := os.Getenv("ORDERHIST_CHILD_ARGS"); args != "" {
		die := func() bool {
			if self, err := os.FindProcess(os.Getpid()); err == nil {
				self.Kill() // SIGKILL where there are signals
			}
			select {}
		}
		switch kill := os.Getenv("ORDERHIST_CHILD_KILL"); {
		case kill == "after-move":
			dataset.TestHookAfterMove = die
		case strings.HasPrefix(kill, "after-iceberg:"):
			table := strings.TrimPrefix(kill, "after-iceberg:")
			dataset.TestHookAfterIceberg = func(t string) bool { return t == table && die() }
		case kill == "after-manifest":
			dataset.TestHookAfterManifest = die
		case kill == "after-catalog":
			dataset.TestHookAfterCatalog = die
		case kill == "before-remote-commit":
			dataset.TestHookBeforeRemoteCommit = die
		}
		os.Exit(Main(context.Background(), strings.Split(args, "\x1f"), os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

// bigAmazonFile writes an All Orders flat file of n orders spread over 24
// months, large enough that an import takes a while to kill.
func bigAmazonFile(t *testing.T, dir string, n int) string {
	t.Helper()
	var b bytes.Buffer
	b.WriteString(strings.SplitN(amazonTSV, "\n", 2)[0] + "\n")
	start := time.Date(2024, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i%730) * 24 * time.Hour).Format(time.RFC3339)
		fmt.Fprintf(&b, "701-%07d-%07d\t\t%s\t%s\tShipped\tMerchant\tAmazon.com.br\t\tStandard\tProduto %d\tSKU-%d\tB0%08d\tShipped\t1\tBRL\t%d.90\t\t10.00\t\t\t\t\t\tSão Paulo\tSP\t01001-000\tBR\t\t\tfalse\t\t\n",
			i, i, at, at, i%50, i%50, i%50, 10+i%90)
	}
	return writeFile(t, dir, "big.tsv", b.String())
}

// TestKilledImportLeavesDatasetConsistent kills an import at random points
// with SIGKILL, and checks after each kill that the dataset is exactly the
// last committed one (every listed file present with its sha256, nothing
// else), then that a final run completes it as a clean run would.
func TestKilledImportLeavesDatasetConsistent(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	small := writeFile(t, in, "amazon.tsv", amazonTSV)
	big := bigAmazonFile(t, in, 20000)
	if r := run(t, t.Context(), "import", "--out", out, small); r.code != 0 {
		t.Fatalf("first import: %d %s", r.code, r.stderr)
	}
	before := readManifest(t, out)
	rng := rand.New(rand.NewPCG(1, 2))
	killed := 0
	for i := range 8 {
		cmd := childCommand(t, "import", "--out", out, "--quiet", small, big)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		delay := time.Duration(20+rng.IntN(1500)) * time.Millisecond
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-time.After(delay):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			killed++
		case err := <-done:
			t.Logf("run %d finished before the kill at %v (%v)", i, delay, err)
		}
		checkConsistent(t, out)
		m := readManifest(t, out)
		if m.RunID != before.RunID && m.Tables["orders"].Rows != 20002 {
			t.Fatalf("after kill %d: a new manifest with %d orders", i, m.Tables["orders"].Rows)
		}
		if m.RunID != before.RunID {
			// That run committed: start the next round from scratch.
			os.RemoveAll(out)
			if r := run(t, t.Context(), "import", "--out", out, small); r.code != 0 {
				t.Fatal(r.stderr)
			}
			before = readManifest(t, out)
		}
	}
	if killed == 0 {
		t.Fatal("no run was killed midway; the input is too small for this machine")
	}
	if r := run(t, t.Context(), "import", "--out", out, small, big); r.code != 0 {
		t.Fatalf("completing run: %d %s", r.code, r.stderr)
	}
	clean := filepath.Join(t.TempDir(), "clean")
	if r := run(t, t.Context(), "import", "--out", clean, small); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := run(t, t.Context(), "import", "--out", clean, small, big); r.code != 0 {
		t.Fatal(r.stderr)
	}
	got := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet"))
	want := parquettest.ReadGlob(t, filepath.Join(clean, "orders", "*", "*.parquet"))
	if len(got.Records) != 20002 || !bytes.Equal(stripVolatile(got.JSONL), stripVolatile(want.JSONL)) {
		t.Fatalf("after kills and a completing run: %d orders, differing from a clean run's %d", len(got.Records), len(want.Records))
	}
}

// TestKilledBetweenMovesAndManifest kills an import at the one instant a
// globbing reader sees old and new files side by side: its files are in
// the table folders, the manifest still lists the old ones. A read-only
// command then still reads the committed dataset, says the folder needs
// repair and changes nothing; the next run that takes the lock rolls the
// killed commit back before anything else.
func TestKilledBetweenMovesAndManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	if r := run(t, t.Context(), "import", "--out", out, a); r.code != 0 {
		t.Fatalf("first import: %d %s", r.code, r.stderr)
	}
	before := readManifest(t, out)
	id := customerIDs(t, out)["701-0000001-0000001"]

	child := childCommand(t, "import", "--out", out, "--quiet", a, s)
	child.Env = append(child.Env, "ORDERHIST_CHILD_KILL=after-move")
	err := child.Run()
	if ws, ok := child.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the child was not killed at the commit: %v", err)
	}
	// What a globbing reader sees now: both runs' orders files.
	globbed, _ := filepath.Glob(filepath.Join(out, "orders", "*", "*.parquet"))
	if len(globbed) <= len(before.Tables["orders"].Files) {
		t.Fatalf("the kill left %d orders files, the manifest lists %d: the hook ran before the moves", len(globbed), len(before.Tables["orders"].Files))
	}

	killed := treeSums(t, out)
	r := run(t, t.Context(), "explain", "--out", out, id)
	if r.code != 0 || !strings.Contains(r.stdout, "customer "+id) {
		t.Fatalf("explain after the kill: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "was killed") {
		t.Errorf("explain does not say the dataset needs repair:\n%s", r.stderr)
	}
	if got := treeSums(t, out); !maps.Equal(got, killed) {
		t.Errorf("explain changed the dataset folder after the kill")
	}
	if m := readManifest(t, out); m.RunID != before.RunID {
		t.Fatalf("the killed run committed: %s", m.RunID)
	}

	// The next run repairs first, then imports as a clean run would.
	if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
		t.Fatalf("import after the kill: %d %s", r.code, r.stderr)
	}
	checkManifestFiles(t, out)
	if r := run(t, t.Context(), "explain", "--out", out, id); r.code != 0 || r.stderr != "" {
		t.Errorf("explain after the repair: %d %s", r.code, r.stderr)
	}
}

// treeSums maps every file under dir (but _state) to its sha256.
func treeSums(t *testing.T, dir string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == dataset.StateDir {
				return filepath.SkipDir
			}
			sums[p] = "dir"
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		sums[p] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sums
}

// stripVolatile drops ingested_at, which differs between two runs.
func stripVolatile(jsonl []byte) []byte {
	lines := bytes.Split(jsonl, []byte("\n"))
	for i, l := range lines {
		if j := bytes.Index(l, []byte(`,"ingested_at":`)); j >= 0 {
			lines[i] = l[:j]
		}
	}
	return bytes.Join(lines, []byte("\n"))
}

func childCommand(t *testing.T, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "ORDERHIST_CHILD_ARGS="+strings.Join(args, "\x1f"))
	return cmd
}

// checkConsistent asserts the dataset folder holds exactly what its
// manifest lists, byte for byte, once orphans of a dead run are swept by
// the next Open.
func checkConsistent(t *testing.T, dir string) {
	t.Helper()
	ds, err := dataset.Open(dir)
	if err != nil {
		t.Fatalf("open after kill: %v", err)
	}
	m := ds.Manifest()
	if m == nil {
		t.Fatal("no manifest after kill")
	}
	listed := map[string]bool{}
	for table, tf := range m.Tables {
		for _, f := range tf.Files {
			listed[filepath.FromSlash(f.Path)] = true
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatalf("table %s: listed file missing: %v", table, err)
			}
			sum := sha256.Sum256(b)
			if hex.EncodeToString(sum[:]) != f.SHA256 {
				t.Fatalf("table %s: %s does not match its sha256", table, f.Path)
			}
		}
	}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".parquet") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		if !listed[rel] && !strings.HasPrefix(rel, ".") {
			t.Errorf("unlisted file after recovery: %s", rel)
		}
		return nil
	})
}

// TestKilledSyncCompletes kills a sync at random points, then lets one run
// to the end: the dataset must equal a clean sync's, with no order lost or
// doubled, and the state must say the file was read.
func TestKilledSyncCompletes(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	os.MkdirAll(drop, 0o755)
	bigAmazonFile(t, drop, 15000)
	writeFile(t, drop, "small.tsv", amazonTSV)
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - {name: a, connector: amazon, files: "+drop+"/*.tsv}\n")
	rng := rand.New(rand.NewPCG(3, 4))
	for range 6 {
		c := childCommand(t, "sync", "--quiet", "--config", cfg)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(20+rng.IntN(1200)) * time.Millisecond)
		c.Process.Signal(syscall.SIGKILL)
		c.Wait()
		if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); err == nil {
			checkConsistent(t, out)
		}
	}
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 {
		t.Fatalf("completing sync: %d %s", r.code, r.stderr)
	}
	clean := filepath.Join(dir, "clean")
	cleanCfg := writeFile(t, dir, "clean.yaml", "out: "+clean+"\nsources:\n  - {name: a, connector: amazon, files: "+drop+"/*.tsv}\n")
	if r := run(t, t.Context(), "sync", "--config", cleanCfg); r.code != 0 {
		t.Fatal(r.stderr)
	}
	got := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet"))
	want := parquettest.ReadGlob(t, filepath.Join(clean, "orders", "*", "*.parquet"))
	if len(got.Records) != 15002 || !bytes.Equal(stripVolatile(got.JSONL), stripVolatile(want.JSONL)) {
		t.Fatalf("after kills: %d orders, differing from a clean sync's %d", len(got.Records), len(want.Records))
	}
	st, err := dataset.LoadSourceState(out, "a")
	if err != nil || len(st.Files) != 2 {
		t.Fatalf("state after completion: %+v %v", st, err)
	}
	if r := run(t, t.Context(), "sync", "--config", cfg); r.code != 0 || !strings.Contains(r.stdout, "nothing new") {
		t.Fatalf("a further sync is not a no-op: %d\n%s", r.code, r.stdout)
	}
}

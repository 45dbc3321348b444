package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/lease"
	"github.com/orderhist/orderhist/backend/s3"
	"github.com/orderhist/orderhist/backend/s3/s3test"
	"github.com/orderhist/orderhist/internal/pgtest"
	"github.com/orderhist/orderhist/internal/pii"
)

// remoteDataset starts versitygw and returns the location of a dataset in
// a new bucket of it.
func remoteDataset(t *testing.T) string {
	t.Helper()
	srv := s3test.Start(t)
	srv.Env(t)
	return "s3://" + srv.Bucket(t) + "/shop/orderhist"
}

func openRemoteSession(t *testing.T, location, workDir string) (*Session, error) {
	t.Helper()
	p, err := pii.New("clear", "")
	if err != nil {
		t.Fatal(err)
	}
	return OpenSession(location, "test", time.Now(), p, WithRemote(RemoteOptions{WorkDir: workDir}))
}

func mustRemoteSession(t *testing.T, location, workDir string) *Session {
	t.Helper()
	s, err := openRemoteSession(t, location, workDir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// die drops a session's locks the way a killed process loses them, and
// sends nothing.
func die(s *Session) {
	s.mirror.broken = true
	s.mirror.release()
	s.lock.Unlock()
}

// bucketObjects lists the dataset's objects with a digest of each.
func bucketObjects(t *testing.T, location string) map[string]string {
	t.Helper()
	ctx := s3test.Context(t)
	store, err := s3.Open(ctx, location, s3.Config{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	err = store.List(ctx, "", func(info backend.Info) error {
		data, _, err := backend.ReadAll(ctx, store, info.Key)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		got[info.Key] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// copyFiles lists a working copy's dataset files the way bucketObjects
// lists the bucket.
func copyFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		key := filepath.ToSlash(rel)
		if !mirrored(key) {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		got[key] = hex.EncodeToString(sum[:8])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkBucketIsCopy checks that the bucket holds exactly the working
// copy's files, byte for byte, and no lease.
func checkBucketIsCopy(t *testing.T, location, dir string) {
	t.Helper()
	bucket, local := bucketObjects(t, location), copyFiles(t, dir)
	if !maps.Equal(bucket, local) {
		var diff []string
		for k, v := range bucket {
			if local[k] != v {
				diff = append(diff, "bucket "+k)
			}
		}
		for k, v := range local {
			if bucket[k] != v {
				diff = append(diff, "copy "+k)
			}
		}
		slices.Sort(diff)
		t.Fatalf("bucket and working copy differ: %v", diff)
	}
	if _, ok := bucket[lease.DefaultKey]; ok {
		t.Error("the lease is still in the bucket")
	}
	if _, ok := bucket[ManifestName]; !ok {
		t.Error("no manifest in the bucket")
	}
}

// readRemote reads the committed dataset through a fresh readers' copy and
// returns its run id and order count. clean says that the bucket must hold
// nothing but the committed dataset: no run was killed or failed since the
// last run that finished.
func readRemote(t *testing.T, location string, clean bool) (runID string, orders int) {
	t.Helper()
	dir, done, err := ReadCopy(context.Background(), location, RemoteOptions{WorkDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	ds, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	if left, err := ds.Leftovers(); err != nil || clean && len(left) != 0 {
		t.Errorf("the bucket holds files of no commit: %v %v", left, err)
	}
	err = ReadTable(context.Background(), ds, TableOrders, func(rows []OrderRow) error {
		orders += len(rows)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ds.Manifest().RunID, orders
}

func commitRemote(t *testing.T, location, workDir string, n int) string {
	t.Helper()
	s := mustRemoteSession(t, location, workDir)
	defer s.Close()
	writeRun(t, s.Tx, benchOrders(n))
	if err := s.Tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	return s.RunID
}

func TestRemoteRoundTrip(t *testing.T) {
	location := remoteDataset(t)
	work1, work2 := t.TempDir(), t.TempDir()

	run1 := commitRemote(t, location, work1, 10)
	copy1, _ := WorkingCopy(location, work1)
	checkBucketIsCopy(t, location, filepath.Join(copy1, mirrorDataDir))
	if got, n := readRemote(t, location, true); got != run1 || n != 10 {
		t.Fatalf("read run %s with %d orders, want %s with 10", got, n, run1)
	}

	// Another machine: a fresh copy, which replaces the months.
	run2 := commitRemote(t, location, work2, 50)
	copy2, _ := WorkingCopy(location, work2)
	checkBucketIsCopy(t, location, filepath.Join(copy2, mirrorDataDir))
	if got, n := readRemote(t, location, true); got != run2 || n != 50 {
		t.Fatalf("read run %s with %d orders, want %s with 50", got, n, run2)
	}

	// Back on the first machine: its copy is behind and catches up.
	s := mustRemoteSession(t, location, work1)
	if got := s.Dataset.Manifest().RunID; got != run2 {
		t.Errorf("the first copy opened at run %s, want %s", got, run2)
	}
	b := bucketObjects(t, location)
	delete(b, lease.DefaultKey) // the open session's
	if c := copyFiles(t, s.Dataset.Dir()); !maps.Equal(c, b) {
		t.Errorf("the first copy did not catch up with the bucket:\ncopy   %v\nbucket %v", c, b)
	}
	s.Close()
}

func TestRemoteKillAtEveryStep(t *testing.T) {
	location := remoteDataset(t)
	steps := append(killSteps(false), killStep{name: "after upload", set: func() { TestHookBeforeRemoteCommit = func() bool { return true } }})
	reset := func() { resetKillHooks(); TestHookBeforeRemoteCommit = nil }
	t.Cleanup(reset)

	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			work := t.TempDir()
			prefix := location + "/" + strings.ReplaceAll(st.name, " ", "-")
			commitRemote(t, prefix, work, 10)
			before := bucketObjects(t, prefix)

			s := mustRemoteSession(t, prefix, work)
			st.set()
			writeRun(t, s.Tx, benchOrders(50))
			err := s.Tx.Commit(testManifest())
			reset()
			if !errors.Is(err, errSimulatedCrash) {
				t.Fatalf("Commit: %v", err)
			}
			killedRun := s.RunID
			die(s)

			// Readers see the last commit whole, whatever the step.
			wantRun, wantOrders := "", 10
			if st.after {
				wantRun, wantOrders = killedRun, 50
			}
			gotRun, n := readRemote(t, prefix, false)
			if n != wantOrders || (wantRun != "" && gotRun != wantRun) {
				t.Fatalf("after the kill readers see run %s with %d orders, want %d orders", gotRun, n, wantOrders)
			}

			// The next run, on this machine or (odd steps) on another,
			// repairs the bucket before anything else.
			if i%2 == 1 {
				work = t.TempDir()
			}
			s2 := mustRemoteSession(t, prefix, work)
			dir := s2.Dataset.Dir()
			s2.Close()
			checkBucketIsCopy(t, prefix, dir)
			if !st.after && !maps.Equal(bucketObjects(t, prefix), before) {
				t.Error("the bucket after recovery differs from the bucket before the killed run")
			}
			run3 := commitRemote(t, prefix, work, 20)
			if got, n := readRemote(t, prefix, true); got != run3 || n != 20 {
				t.Errorf("after recovery and a commit: run %s with %d orders", got, n)
			}
		})
	}
}

func TestRemoteSecondRunIsLockedOut(t *testing.T) {
	location := remoteDataset(t)
	s := mustRemoteSession(t, location, t.TempDir())
	defer s.Close()
	_, err := openRemoteSession(t, location, t.TempDir())
	var le *lease.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second run: %v, want a *lease.LockedError", err)
	}
	if le.Holder.Command != "test" {
		t.Errorf("holder %+v", le.Holder)
	}
}

// TestRemoteLostLease: a run whose lease was taken over while it worked
// (here: removed by hand) must not commit over the run that took it.
func TestRemoteLostLease(t *testing.T) {
	location := remoteDataset(t)
	commitRemote(t, location, t.TempDir(), 10)

	slow := mustRemoteSession(t, location, t.TempDir())
	writeRun(t, slow.Tx, benchOrders(30))
	ctx := s3test.Context(t)
	store, err := s3.Open(ctx, location, s3.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Delete(ctx, lease.DefaultKey); err != nil {
		t.Fatal(err)
	}
	winner := commitRemote(t, location, t.TempDir(), 20)
	winnerObjects := bucketObjects(t, location)

	err = slow.Tx.Commit(testManifest())
	if !errors.Is(err, backend.ErrPreconditionFailed) && !errors.Is(err, lease.ErrLost) {
		t.Fatalf("the slow run's commit: %v, want a failed precondition or a lost lease", err)
	}
	if slow.Tx.Committed() {
		t.Error("the slow run says it committed")
	}
	slow.Close()
	if got, n := readRemote(t, location, false); got != winner || n != 20 {
		t.Errorf("readers see run %s with %d orders, want the winner %s with 20", got, n, winner)
	}
	after := bucketObjects(t, location)
	for k, v := range winnerObjects {
		if after[k] != v {
			t.Errorf("the slow run changed or removed %s", k)
		}
	}
	// What the slow run uploaded before its commit failed goes with the
	// next run.
	s := mustRemoteSession(t, location, t.TempDir())
	s.Close()
	if got, _ := readRemote(t, location, true); got != winner {
		t.Errorf("after the next run readers see run %s", got)
	}
}

// TestRemoteKeepsSavedToken: a token a run saved and could not send (the
// run was killed) is not replaced by the bucket's older one.
func TestRemoteKeepsSavedToken(t *testing.T) {
	location := remoteDataset(t)
	work := t.TempDir()
	commitRemote(t, location, work, 5)
	s := mustRemoteSession(t, location, work)
	tok := filepath.Join(s.Dataset.Dir(), StateDir, "tokens", "shop.json")
	if err := os.MkdirAll(filepath.Dir(tok), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tok, []byte(`{"refresh":"new"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	die(s)

	s = mustRemoteSession(t, location, work)
	if data, err := os.ReadFile(tok); err != nil || string(data) != `{"refresh":"new"}` {
		t.Fatalf("token after the next pull: %q %v", data, err)
	}
	s.Close()
	if _, ok := bucketObjects(t, location)[StateDir+"/tokens/shop.json"]; !ok {
		t.Error("the token did not reach the bucket")
	}
}

func TestRemoteRefusesForeignPrefix(t *testing.T) {
	location := remoteDataset(t)
	ctx := s3test.Context(t)
	store, err := s3.Open(ctx, location, s3.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.PutBytes(ctx, store, "reports/2026.csv", []byte("a,b\n"), backend.Cond{}); err != nil {
		t.Fatal(err)
	}
	_, err = openRemoteSession(t, location, t.TempDir())
	var nd *NotDatasetError
	if !errors.As(err, &nd) || !errors.Is(err, backend.ErrConfig) || nd.Key != "reports/2026.csv" {
		t.Fatalf("open over a foreign prefix: %v", err)
	}
	if got := bucketObjects(t, location); len(got) != 1 {
		t.Errorf("the bucket now holds %v", slices.Sorted(maps.Keys(got)))
	}
}

// TestRemoteWithCatalog: the catalog names metadata in the bucket, every
// object it names is there when it is committed, and a run killed between
// the catalog commit and the bucket's manifest is finished by the next run,
// on another machine.
func TestRemoteWithCatalog(t *testing.T) {
	location := remoteDataset(t)
	pg := pgtest.Start(t)
	cfg := CatalogConfig{URI: pg.URI(pg.Database), Name: "lake", Namespace: "shop"}
	p, err := pii.New("clear", "")
	if err != nil {
		t.Fatal(err)
	}
	open := func(work string) *Session {
		t.Helper()
		s, err := OpenSession(location, "test", time.Now(), p, WithRemote(RemoteOptions{WorkDir: work}), WithCatalog(cfg))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	checkRows := func() {
		t.Helper()
		objects := bucketObjects(t, location)
		rows := catalogRows(t, cfg.URI, cfg.Name, cfg.Namespace)
		if len(rows) != len(tableDefs) {
			t.Fatalf("catalog has %d tables", len(rows))
		}
		for name, r := range rows {
			key, ok := strings.CutPrefix(r.location, location+"/")
			if !ok {
				t.Errorf("table %s: the catalog names %s, outside %s", name, r.location, location)
				continue
			}
			if _, ok := objects[key]; !ok {
				t.Errorf("table %s: the catalog names %s, which the bucket lacks", name, r.location)
			}
		}
	}

	s := open(t.TempDir())
	writeRun(t, s.Tx, benchOrders(10))
	if err := s.Tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	checkRows()

	t.Cleanup(resetKillHooks)
	s = open(t.TempDir())
	writeRun(t, s.Tx, benchOrders(40))
	TestHookAfterCatalog = func() bool { return true }
	err = s.Tx.Commit(testManifest())
	resetKillHooks()
	if !errors.Is(err, errSimulatedCrash) {
		t.Fatalf("Commit: %v", err)
	}
	killed := s.RunID
	die(s)
	s.catalog.Close()
	checkRows()

	s = open(t.TempDir())
	if got := s.Dataset.Manifest().RunID; got != killed {
		t.Errorf("the next run opened at %s, want the killed run %s rolled forward", got, killed)
	}
	dir := s.Dataset.Dir()
	s.Close()
	checkBucketIsCopy(t, location, dir)
	if got, n := readRemote(t, location, true); got != killed || n != 40 {
		t.Errorf("readers see run %s with %d orders", got, n)
	}
	checkRows()
}

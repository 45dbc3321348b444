package local

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/backendtest"
)

// killChildEnv makes the test binary the child of TestKillDuringWrite: it
// writes into the folder the variable names until it is killed.
const killChildEnv = "ORDERHIST_TEST_KILL_CHILD_DIR"

const killKey = "orders/killed.parquet"

// raceChildEnv makes the test binary a racer of TestRaceProcesses.
const raceChildEnv = "ORDERHIST_TEST_RACE_CHILD_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(killChildEnv); dir != "" {
		os.Exit(killChild(dir))
	}
	if dir := os.Getenv(raceChildEnv); dir != "" {
		os.Exit(raceChild(dir))
	}
	os.Exit(m.Run())
}

const killBytes = 3 << 20

func killChild(dir string) int {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = s.Put(context.Background(), killKey, &backendtest.Stalled{N: killBytes}, backend.Cond{IfNoneMatch: true})
	fmt.Fprintln(os.Stderr, "put returned:", err)
	return 1
}

// TestKillDuringWrite kills a process with SIGKILL in the middle of a
// write: no object appears, the temp file is listed as an incomplete
// upload, and AbortIncompleteUploads removes it.
func TestKillDuringWrite(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+dir)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child never wrote %d bytes; its output:\n%s", killBytes, out.String())
		}
		ups, err := s.ListIncompleteUploads(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) == 1 {
			if fi, err := os.Stat(s.path(ups[0].ID)); err == nil && fi.Size() == killBytes {
				break
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	backendtest.CheckKilledUpload(t, ctx, s, killKey)
}

package local

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/backend"
)

const raceRounds = 200

// raceChild tries to create race/N for every round N, create-only, and
// replace race/N's first version if-match, and prints what it won.
func raceChild(dir string) int {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	me := os.Getpid()
	ctx := context.Background()
	for n := range raceRounds {
		key := fmt.Sprintf("race/%d", n)
		_, err := backend.PutBytes(ctx, s, key, []byte(fmt.Sprint(me)), backend.Cond{IfNoneMatch: true})
		switch {
		case err == nil:
			fmt.Printf("created %d\n", n)
		case !errors.Is(err, backend.ErrPreconditionFailed):
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return 0
}

// TestRaceProcesses races processes, not goroutines, for the same keys:
// the file lock must hold between them. Every key is created by exactly
// one of them, and holds that one's content.
func TestRaceProcesses(t *testing.T) {
	dir := t.TempDir()
	const racers = 3
	cmds := make([]*exec.Cmd, racers)
	outs := make([]*bytes.Buffer, racers)
	for i := range racers {
		outs[i] = &bytes.Buffer{}
		cmds[i] = exec.Command(os.Args[0], "-test.run=^$")
		cmds[i].Env = append(os.Environ(), raceChildEnv+"="+dir)
		cmds[i].Stdout = outs[i]
		cmds[i].Stderr = os.Stderr
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	winner := map[int]int{} // round → pid
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("racer %d: %v", i, err)
		}
		sc := bufio.NewScanner(outs[i])
		for sc.Scan() {
			var n int
			if _, err := fmt.Sscanf(sc.Text(), "created %d", &n); err != nil {
				t.Fatalf("racer said %q", sc.Text())
			}
			if p, ok := winner[n]; ok {
				t.Errorf("race/%d created by two processes, %d and %d", n, p, c.Process.Pid)
			}
			winner[n] = c.Process.Pid
		}
	}
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for n := range raceRounds {
		data, _, err := backend.ReadAll(context.Background(), s, fmt.Sprintf("race/%d", n))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimSpace(string(data)); got != fmt.Sprint(winner[n]) {
			t.Errorf("race/%d holds %q, but pid %d reported the win", n, got, winner[n])
		}
	}
}

func TestPrivatePerm(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes")
	}
	dir := t.TempDir()
	s, err := Open(dir, Options{Perm: 0o600})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backend.PutBytes(context.Background(), s, "_state/tokens/x.json", []byte("{}"), backend.Cond{}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{"_state": 0o700, "_state/tokens": 0o700, "_state/tokens/x.json": 0o600} {
		fi, err := os.Stat(s.path(p))
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s has mode %v, want at most %v", p, got, want)
		}
	}
}

package dataset

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// StateDir is the dataset's private folder, relative to the dataset
// folder: the lock, source cursors, API tokens, keys and erasures.
const StateDir = "_state"

// Lock is an exclusive lock on the dataset: flock(2) on Unix, LockFileEx on
// Windows (through gofrs/flock, which keeps the per-OS calls in one place).
// The OS drops it when the holder dies, however it dies, so a lock left by a
// killed run never blocks the next one. The holder's details live in a file
// of their own because Windows forbids other handles to read a locked range;
// they are only for the message another run prints.
type Lock struct {
	fl     *flock.Flock
	holder string
}

// holderName is the file beside the lock that names the run holding it.
const holderName = "lock.holder"

type lockHolder struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Command string    `json:"command"`
	Since   time.Time `json:"since"`
}

// LockedError is returned by TakeLock when another run holds the lock.
type LockedError struct {
	// Holder describes the run that holds it, for the message.
	Holder string
}

func (e *LockedError) Error() string {
	return "another orderhist run holds the dataset: " + e.Holder
}

// TakeLock takes the lock on the dataset in dir for command, or returns a
// *LockedError naming the run that holds it.
func TakeLock(dir, command string, now time.Time) (*Lock, error) {
	sd := filepath.Join(dir, StateDir)
	if err := os.MkdirAll(sd, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", sd, err)
	}
	// MkdirAll leaves an existing folder's mode alone; _state holds secrets.
	if err := os.Chmod(sd, 0o700); err != nil {
		return nil, err
	}
	p := filepath.Join(sd, "lock")
	fl := flock.New(p, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	hp := filepath.Join(sd, holderName)
	if !ok {
		return nil, &LockedError{Holder: describeHolder(hp)}
	}
	host, _ := os.Hostname()
	h := lockHolder{PID: os.Getpid(), Host: host, Command: command, Since: now.UTC()}
	b, _ := json.Marshal(h)
	// Best effort: the lock holds without the description.
	_ = os.WriteFile(hp, append(b, '\n'), 0o600)
	return &Lock{fl: fl, holder: hp}, nil
}

func describeHolder(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(holder unknown)"
	}
	var h lockHolder
	if json.Unmarshal([]byte(strings.TrimSpace(string(b))), &h) != nil || h.PID == 0 {
		return "(holder unknown)"
	}
	return fmt.Sprintf("%q, pid %d on %s, since %s", h.Command, h.PID, h.Host, h.Since.Format(time.RFC3339))
}

// Unlock releases the lock. The lock file stays: removing it would let a
// third run lock a new file while a second still waits on the old one.
func (l *Lock) Unlock() error {
	if l == nil || l.fl == nil {
		return nil
	}
	// Emptied while still held, so the description never outlives the run.
	_ = os.Truncate(l.holder, 0)
	err := l.fl.Unlock()
	l.fl = nil
	return err
}

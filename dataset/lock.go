package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// StateDir is the dataset's private folder, relative to the dataset
// folder: the lock, source cursors, API tokens, keys and erasures.
const StateDir = "_state"

// Lock is an exclusive advisory lock on the dataset. The kernel
// drops it when the holder dies, however it dies, so a lock left by a killed
// run never blocks the next one; the holder's details in the file are only
// for the message another run prints.
type Lock struct {
	f *os.File
}

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
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", p, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, &LockedError{Holder: describeHolder(p)}
		}
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	host, _ := os.Hostname()
	h := lockHolder{PID: os.Getpid(), Host: host, Command: command, Since: now.UTC()}
	b, _ := json.Marshal(h)
	if err := f.Truncate(0); err == nil {
		f.WriteAt(append(b, '\n'), 0)
	}
	return &Lock{f: f}, nil
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

// Unlock releases the lock. The file stays: removing it would let a third
// run lock a new file while a second still waits on the old one.
func (l *Lock) Unlock() error {
	if l == nil || l.f == nil {
		return nil
	}
	l.f.Truncate(0)
	err := l.f.Close()
	l.f = nil
	return err
}

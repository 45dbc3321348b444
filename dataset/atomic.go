package dataset

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
)

// ErrFileClosed is returned when an AtomicFile or ParquetFile is used after
// Commit or Abort.
var ErrFileClosed = errors.New("file already committed or aborted")

// tempMarker separates a final name from the random suffix of its temp file.
// Open relies on it to recognise leftovers of a crashed run.
const tempMarker = ".tmp-"

// AtomicFile is a file that appears at its path whole or not at all: bytes go
// to a hidden temp file in the same folder (so the final rename cannot cross
// file systems), and Commit renames it into place only after it is on disk.
// A crash before Commit leaves only the temp file, which Open removes.
//
// An AtomicFile is not safe for concurrent use.
type AtomicFile struct {
	f         *os.File
	path      string
	tmp       string
	committed bool
	aborted   bool
}

// CreateAtomic starts writing path. perm applies, less the umask, as it does
// for os.WriteFile.
func CreateAtomic(path string, perm os.FileMode) (*AtomicFile, error) {
	dir, base := filepath.Split(path)
	if base == "" {
		return nil, fmt.Errorf("create %s: not a file name", path)
	}
	// O_EXCL with our own random names, rather than os.CreateTemp, so that
	// perm goes through the umask like any other file the user creates.
	for range 100 {
		tmp := filepath.Join(dir, "."+base+tempMarker+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("create %s: %w", path, err)
		}
		return &AtomicFile{f: f, path: path, tmp: tmp}, nil
	}
	return nil, fmt.Errorf("create %s: no free temp file name", path)
}

// Name returns the path the file will have after Commit.
func (a *AtomicFile) Name() string { return a.path }

func (a *AtomicFile) Write(p []byte) (int, error) {
	if a.committed || a.aborted {
		return 0, ErrFileClosed
	}
	return a.f.Write(p)
}

// Commit makes the file visible at its path. On error before the rename the
// temp file is removed and nothing appears.
func (a *AtomicFile) Commit() error {
	_, err := a.commit()
	return err
}

// commit reports whether the rename happened, because a failure to sync the
// folder afterwards leaves the new file visible and callers that treat the
// rename as their commit point must know.
func (a *AtomicFile) commit() (renamed bool, err error) {
	if a.committed || a.aborted {
		return false, ErrFileClosed
	}
	defer func() {
		if !renamed {
			a.aborted = true
			_ = a.f.Close()
			_ = os.Remove(a.tmp)
		}
	}()
	if err := a.f.Sync(); err != nil {
		return false, fmt.Errorf("sync %s: %w", a.path, err)
	}
	if err := a.f.Close(); err != nil {
		return false, fmt.Errorf("close %s: %w", a.path, err)
	}
	if err := os.Rename(a.tmp, a.path); err != nil {
		return false, fmt.Errorf("commit %s: %w", a.path, err)
	}
	a.committed = true
	if err := syncDir(filepath.Dir(a.path)); err != nil {
		return true, fmt.Errorf("commit %s: %w", a.path, err)
	}
	return true, nil
}

// Abort discards what was written. It is a no-op after Commit or Abort, so it
// can be deferred unconditionally.
func (a *AtomicFile) Abort() error {
	if a.committed || a.aborted {
		return nil
	}
	a.aborted = true
	cerr := a.f.Close()
	if err := os.Remove(a.tmp); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("abort %s: %w", a.path, err)
	}
	if cerr != nil && !errors.Is(cerr, os.ErrClosed) {
		return fmt.Errorf("abort %s: %w", a.path, cerr)
	}
	return nil
}

// WriteFileAtomic is os.WriteFile with AtomicFile's guarantee.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	_, err := writeFileAtomic(path, data, perm)
	return err
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) (renamed bool, err error) {
	a, err := CreateAtomic(path, perm)
	if err != nil {
		return false, err
	}
	if _, err := a.Write(data); err != nil {
		_ = a.Abort()
		return false, fmt.Errorf("write %s: %w", path, err)
	}
	return a.commit()
}

// isTempName reports whether name is a temp file made by CreateAtomic.
func isTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name, tempMarker)
}

// syncDir makes a rename or a new entry in dir durable; without it a power
// loss can undo a rename that already returned.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		// Windows cannot open a folder for syncing; NTFS journals renames.
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	err = d.Sync()
	cerr := d.Close()
	// Some file systems (network, FUSE) refuse fsync on folders; there is
	// nothing better to do there than to go on.
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	if cerr != nil {
		return fmt.Errorf("sync folder %s: %w", dir, cerr)
	}
	return nil
}

// Package local is the backend.Backend of a folder on a local or mounted
// file system.
//
// An object is a file at the key's path under the folder. A Put writes a
// temp file beside its target (".NAME.tmp-RANDOM"), fsyncs it, and renames
// it into place, then fsyncs the folder, so an object appears whole or not
// at all, even after a power loss.
//
// Conditional writes must hold between processes, not only goroutines: two
// runs of the CLI on one dataset are two processes. The check of the
// condition and the rename that follows are therefore made under an OS lock
// on one file in the folder (.backend.lock, flock on Unix and LockFileEx on
// Windows through gofrs/flock); bodies are written before the lock is taken,
// so it is held for a stat and a rename only. Deletes take it as well, or a
// delete could slip between an If-Match check and its rename.
//
// ETags are the file's modification time in nanoseconds and its size. A
// rename-replace under the lock always gives the new file a modification
// time later than the one it replaces (bumped when the clock or the file
// system's time resolution would give the same), so a replaced object never
// keeps its ETag, and ETags need neither a hash of every byte nor a
// sidecar file.
package local

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/orderhist/orderhist/backend"
)

// LockName is the file, at the top of the folder, that conditional writes
// lock. It is the one key a local store refuses that S3 would take.
const LockName = ".backend.lock"

// Options tune a Store.
type Options struct {
	// Perm is the mode of new files, less the umask; 0 means 0o644. New
	// folders get the same mode plus search bits where it has read bits,
	// so 0o600 gives 0o700 folders, as _state needs.
	Perm fs.FileMode
}

// Store is a folder as a backend.Backend.
type Store struct {
	root    string
	perm    fs.FileMode
	dirPerm fs.FileMode

	mu sync.Mutex // flock is per handle; this orders the goroutines of one process
	fl *flock.Flock
}

var (
	_ backend.Backend       = (*Store)(nil)
	_ backend.UploadLister  = (*Store)(nil)
	_ backend.UploadAborter = (*Store)(nil)

	_ backend.ConditionalDeleter = (*Store)(nil)
)

// Open returns the store of the folder dir, which must exist.
func Open(dir string, o Options) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, &backend.Error{Op: "open", Location: dir, Err: err}
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, &backend.Error{Op: "open", Location: abs, Err: backend.ErrNoBucket}
	case err != nil:
		return nil, &backend.Error{Op: "open", Location: abs, Err: err}
	case !fi.IsDir():
		return nil, &backend.Error{Op: "open", Location: abs, Err: errors.New("not a folder")}
	}
	perm := o.Perm
	if perm == 0 {
		perm = 0o644
	}
	dirPerm := perm | (perm&0o444)>>2
	return &Store{
		root: abs, perm: perm, dirPerm: dirPerm,
		fl: flock.New(filepath.Join(abs, LockName), flock.SetPermissions(0o600)),
	}, nil
}

// Location is the folder's absolute path.
func (s *Store) Location() string { return s.root }

func (s *Store) fail(op, key string, err error) error {
	// The OS error repeats the full path, which the message already names.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
		switch {
		case errors.Is(err, fs.ErrNotExist):
			err = backend.ErrNotExist
		case errors.Is(err, fs.ErrPermission):
			err = backend.ErrPermission
		}
	}
	return &backend.Error{Op: op, Location: s.root, Key: key, Err: err}
}

func (s *Store) checkKey(op, key string) error {
	if err := backend.CheckKey(key); err != nil {
		return &backend.Error{Op: op, Location: s.root, Key: key, Err: err}
	}
	if key == LockName {
		return &backend.Error{Op: op, Location: s.root, Key: key,
			Err: fmt.Errorf("%w: %s is the local store's lock file", backend.ErrInvalidKey, LockName)}
	}
	return nil
}

func (s *Store) path(key string) string { return filepath.Join(s.root, filepath.FromSlash(key)) }

func etag(fi fs.FileInfo) string {
	return strconv.FormatInt(fi.ModTime().UnixNano(), 36) + "-" + strconv.FormatInt(fi.Size(), 36)
}

func info(key string, fi fs.FileInfo) backend.Info {
	return backend.Info{Key: key, Size: fi.Size(), ETag: etag(fi), ModTime: fi.ModTime()}
}

// Stat implements backend.Backend.
func (s *Store) Stat(ctx context.Context, key string) (backend.Info, error) {
	if err := s.checkKey("stat", key); err != nil {
		return backend.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return backend.Info{}, s.fail("stat", key, err)
	}
	fi, err := os.Stat(s.path(key))
	if err == nil && !fi.Mode().IsRegular() {
		err = backend.ErrNotExist // a folder is a key prefix, not an object
	}
	if err != nil {
		return backend.Info{}, s.fail("stat", key, err)
	}
	return info(key, fi), nil
}

// Open implements backend.Backend.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, backend.Info, error) {
	return s.OpenRange(ctx, key, 0, -1)
}

// OpenRange implements backend.Backend.
func (s *Store) OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, backend.Info, error) {
	if err := s.checkKey("read", key); err != nil {
		return nil, backend.Info{}, err
	}
	if offset < 0 {
		return nil, backend.Info{}, s.fail("read", key, fmt.Errorf("negative offset %d", offset))
	}
	if err := ctx.Err(); err != nil {
		return nil, backend.Info{}, s.fail("read", key, err)
	}
	f, err := os.Open(s.path(key))
	if err != nil {
		return nil, backend.Info{}, s.fail("read", key, err)
	}
	// The handle's own stat: a rename-replace after Open gives the path a
	// new file, but this handle still reads the version this Info names.
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = backend.ErrNotExist
	}
	if err != nil {
		f.Close()
		return nil, backend.Info{}, s.fail("read", key, err)
	}
	in := info(key, fi)
	if offset == 0 && length < 0 {
		return &ctxFile{ctx: ctx, f: f, r: f}, in, nil
	}
	if offset > in.Size {
		offset = in.Size
	}
	if length < 0 || offset+length > in.Size {
		length = in.Size - offset
	}
	return &ctxFile{ctx: ctx, f: f, r: io.NewSectionReader(f, offset, length)}, in, nil
}

// ctxFile stops reading when the context that opened it ends, as an S3
// body does.
type ctxFile struct {
	ctx context.Context
	f   *os.File
	r   io.Reader
}

func (c *ctxFile) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (c *ctxFile) Close() error { return c.f.Close() }

// Put implements backend.Backend.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, cond backend.Cond) (backend.Info, error) {
	if err := s.checkKey("write", key); err != nil {
		return backend.Info{}, err
	}
	target := s.path(key)
	f, tmp, err := s.createTemp(target)
	if err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	renamed := false
	defer func() {
		if !renamed {
			f.Close()
			os.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: r})
	if err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	if err := f.Sync(); err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	if err := f.Close(); err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	defer unlock()
	// A context cancelled while the body was copied or the lock awaited
	// must not publish the object: the caller has given up on it.
	if err := ctx.Err(); err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	cur, err := os.Lstat(target)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return backend.Info{}, s.fail("write", key, err)
	}
	if exists && !cur.Mode().IsRegular() {
		return backend.Info{}, s.fail("write", key, errors.New("a folder or special file has this name"))
	}
	switch {
	case cond.IfNoneMatch && exists:
		return backend.Info{}, s.fail("write", key, fmt.Errorf("%w: the object already exists", backend.ErrPreconditionFailed))
	case cond.IfMatch != "" && !exists:
		return backend.Info{}, s.fail("write", key, fmt.Errorf("%w: the object does not exist", backend.ErrPreconditionFailed))
	case cond.IfMatch != "" && etag(cur) != cond.IfMatch:
		return backend.Info{}, s.fail("write", key, fmt.Errorf("%w: the object has changed", backend.ErrPreconditionFailed))
	}
	if exists {
		if err := laterModTime(tmp, cur.ModTime()); err != nil {
			return backend.Info{}, s.fail("write", key, err)
		}
	}
	if err := os.Rename(tmp, target); err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	renamed = true
	if err := syncDir(filepath.Dir(target)); err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	fi, err := os.Stat(target)
	if err != nil {
		return backend.Info{}, s.fail("write", key, err)
	}
	if fi.Size() != n {
		return backend.Info{}, s.fail("write", key, fmt.Errorf("wrote %d bytes, the file has %d", n, fi.Size()))
	}
	return info(key, fi), nil
}

// laterModTime makes tmp's modification time later than prev, the time of
// the file it will replace, so that the two never share an ETag. It reads
// the time back because file systems round it (to 100 ns on NTFS, to
// seconds on some).
func laterModTime(tmp string, prev time.Time) error {
	fi, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	t := fi.ModTime()
	for step := time.Microsecond; !t.After(prev); step *= 10 {
		if step > 10*time.Second {
			return fmt.Errorf("cannot give %s a modification time after %s", tmp, prev)
		}
		want := prev.Add(step)
		if err := os.Chtimes(tmp, time.Time{}, want); err != nil {
			return err
		}
		if fi, err = os.Stat(tmp); err != nil {
			return err
		}
		t = fi.ModTime()
	}
	return nil
}

// createTemp creates the temp file for target, and its folder. A Delete
// that removes the emptied folder between the two is answered by making
// it again.
func (s *Store) createTemp(target string) (*os.File, string, error) {
	dir, base := filepath.Split(target)
	for range 100 {
		if err := os.MkdirAll(dir, s.dirPerm); err != nil {
			return nil, "", err
		}
		tmp := filepath.Join(dir, "."+base+backend.TempMarker+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, s.perm)
		if errors.Is(err, fs.ErrExist) || errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return f, tmp, nil
	}
	return nil, "", errors.New("no free temp file name")
}

// lock takes the store's lock: the in-process mutex, then the file lock
// that other processes take.
func (s *Store) lock(ctx context.Context) (func(), error) {
	s.mu.Lock()
	ok, err := s.fl.TryLockContext(ctx, 2*time.Millisecond)
	if err != nil || !ok {
		s.mu.Unlock()
		if err == nil {
			err = ctx.Err()
		}
		return nil, fmt.Errorf("lock %s: %w", LockName, err)
	}
	return func() {
		_ = s.fl.Unlock()
		s.mu.Unlock()
	}, nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Delete implements backend.Backend. Folders it empties are removed up to
// the store's root, as S3 has no folders to leave behind.
func (s *Store) Delete(ctx context.Context, key string) error {
	return s.delete(ctx, key, "")
}

// DeleteIfMatch implements backend.ConditionalDeleter.
func (s *Store) DeleteIfMatch(ctx context.Context, key, etag string) error {
	if etag == "" {
		return &backend.Error{Op: "delete", Location: s.root, Key: key, Err: errors.New("no ETag to match")}
	}
	return s.delete(ctx, key, etag)
}

func (s *Store) delete(ctx context.Context, key, ifMatch string) error {
	if err := s.checkKey("delete", key); err != nil {
		return err
	}
	unlock, err := s.lock(ctx)
	if err != nil {
		return s.fail("delete", key, err)
	}
	defer unlock()
	p := s.path(key)
	fi, err := os.Lstat(p)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("delete", key, err)
	}
	exists := err == nil && fi.Mode().IsRegular() // a folder is a prefix of other keys, not an object
	switch {
	case !exists:
		return nil
	case ifMatch != "" && etag(fi) != ifMatch:
		return s.fail("delete", key, fmt.Errorf("%w: the object has changed", backend.ErrPreconditionFailed))
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("delete", key, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return s.fail("delete", key, err)
	}
	for dir := filepath.Dir(p); dir != s.root && strings.HasPrefix(dir, s.root); dir = filepath.Dir(dir) {
		if os.Remove(dir) != nil {
			break // not empty, or not ours to remove
		}
	}
	return nil
}

// List implements backend.Backend.
func (s *Store) List(ctx context.Context, prefix string, fn func(backend.Info) error) error {
	var found []backend.Info
	err := s.walk(ctx, prefix, func(key, name string, fi fs.FileInfo) {
		if !backend.IsTempName(name) && key != LockName {
			found = append(found, info(key, fi))
		}
	})
	if err != nil {
		return err
	}
	slices.SortFunc(found, func(a, b backend.Info) int { return strings.Compare(a.Key, b.Key) })
	for _, in := range found {
		if err := ctx.Err(); err != nil {
			return s.fail("list", prefix, err)
		}
		if err := fn(in); err != nil {
			return err
		}
	}
	return nil
}

// walk calls fn for every regular file whose key starts with prefix,
// temp files included, visiting only the folders that can hold one.
func (s *Store) walk(ctx context.Context, prefix string, fn func(key, name string, fi fs.FileInfo)) error {
	if err := backend.CheckPrefix(prefix); err != nil {
		return &backend.Error{Op: "list", Location: s.root, Key: prefix, Err: err}
	}
	start := s.root
	if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
		start = s.path(prefix[:i])
	}
	err := filepath.WalkDir(start, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // nothing under the prefix, or removed while listed
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.root, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if p == start || strings.HasPrefix(key+"/", prefix) || strings.HasPrefix(prefix, key+"/") {
				return nil
			}
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		fn(key, path.Base(key), fi)
		return nil
	})
	if err != nil {
		return s.fail("list", prefix, err)
	}
	return nil
}

// ListIncompleteUploads returns the temp files under prefix: writes in
// progress, or left by a process that died before it renamed them. Key is
// the object each would have become, ID the temp file's key, Initiated its
// last write.
func (s *Store) ListIncompleteUploads(ctx context.Context, prefix string) ([]backend.Upload, error) {
	var ups []backend.Upload
	err := s.walk(ctx, prefix, func(key, name string, fi fs.FileInfo) {
		if !backend.IsTempName(name) {
			return
		}
		final := name[1:strings.LastIndex(name, backend.TempMarker)]
		ups = append(ups, backend.Upload{Key: path.Join(path.Dir(key), final), ID: key, Initiated: fi.ModTime()})
	})
	slices.SortFunc(ups, func(a, b backend.Upload) int { return strings.Compare(a.ID, b.ID) })
	return ups, err
}

// AbortIncompleteUploads removes the temp files under prefix that were
// last written more than olderThan ago.
func (s *Store) AbortIncompleteUploads(ctx context.Context, prefix string, olderThan time.Duration) ([]backend.Upload, error) {
	ups, err := s.ListIncompleteUploads(ctx, prefix)
	if err != nil {
		return nil, err
	}
	return backend.AbortOlder(ups, olderThan, func(u backend.Upload) error {
		if err := os.Remove(s.path(u.ID)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return s.fail("abort upload", u.Key, err)
		}
		return nil
	})
}

// syncDir makes a rename or removal in dir durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // Windows cannot open a folder to sync it; NTFS journals renames.
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	cerr := d.Close()
	// Some file systems (network, FUSE) refuse fsync on folders.
	if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return cerr
}

// Package backend is the storage a dataset is written through: a local
// folder or an S3 bucket, behind one small interface.
//
// Object storage has no rename, so the commit protocol a local dataset runs
// with renames (temp file, rename into place, rename of the manifest) cannot
// be carried over as it is. What object storage does offer, and what this
// interface therefore offers for every store, is the conditional write:
//
//   - create-only (Cond{IfNoneMatch: true}, S3's "If-None-Match: *"): the
//     write succeeds only if no object has the key. Two runs that race to
//     take a lock or to write metadata version N+1 cannot both win.
//   - replace-if-unchanged (Cond{IfMatch: etag}, S3's "If-Match"): the
//     write succeeds only if the object still has the version the caller
//     read. A commit that read manifest version E replaces it only if
//     nobody replaced it in between.
//
// A failed condition is an error that matches ErrPreconditionFailed with
// errors.Is, whatever the store.
//
// # Design
//
// The shape is restic's backends and rclone's remotes: the core interface
// (Backend) is what every store must do; what only some stores have is a
// one-method interface of its own (UploadLister, UploadAborter,
// ConditionalDeleter), found by a type assertion; and one conformance
// suite (package backendtest) runs every implementation through the same
// table of cases, so the dataset can rely on the documented behaviour and
// not on one store's habits. Keys are always slash-separated and relative
// to the store's root (an S3 prefix or a folder); CheckKey says which keys
// are valid, and both stores refuse the same ones.
//
// Writes stream: Put reads its body once, from an io.Reader, and never
// holds more than a bounded number of parts in memory (the S3 store sends
// large bodies as a multipart upload). Create wraps Put in an io.Writer
// with Commit and Abort, the shape the Parquet writers need.
//
// # How the dataset uses it
//
// The dataset (package dataset, remote.go) works on a local working copy
// and publishes it to the store; the operations it relies on are these:
//
//   - The lock: lease.Acquire takes a lease object (_state/lock) with a
//     create-only Put, renews it with Put(IfMatch: its own ETag) and takes
//     over an expired one with Put(IfMatch: the stale ETag), so two takers
//     of a stale lease cannot both win; Release deletes it with
//     ConditionalDeleter.DeleteIfMatch where the store has it. A
//     *lease.LockedError is the CLI's exit 75.
//   - Bringing the copy up to date: List gives every object with its ETag;
//     Open reads the ones whose ETag the copy does not have, and the Info
//     it returns is that of the bytes read. UploadAborter removes the parts
//     of multipart uploads a killed run never finished (they are not
//     objects, so List does not show them, but they are billed).
//   - Publishing a commit: every new file with a create-only Put (its name
//     carries the run id, or it is the next Iceberg metadata version, so a
//     taken key means another writer); then the manifest with
//     Put(IfMatch: the ETag the run started from), the commit point, which
//     a run that lost its lease cannot pass; then the objects replaced in
//     place with Put(IfMatch) and the removed ones with DeleteIfMatch.
//     Nothing is staged under another name and renamed: S3 would copy
//     every byte again.
package backend

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"
	"unicode/utf8"
)

// Backend is a store of objects addressed by key. Implementations are safe
// for concurrent use by several goroutines and, for the conditional writes,
// by several processes.
type Backend interface {
	// Location names the store's root for messages, such as
	// "s3://bucket/prefix" or a folder path. It never holds a secret.
	Location() string

	// Stat returns what is known of the object without reading it. A
	// missing object is an error matching ErrNotExist.
	Stat(ctx context.Context, key string) (Info, error)

	// Open reads the whole object. The Info is that of the version being
	// read, so its ETag can be given to a later Put's Cond.IfMatch.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)

	// OpenRange reads length bytes from offset, or to the end when length
	// is negative. A range that runs past the end stops at the end; an
	// offset at or past the end reads nothing. Info.Size is the size of the
	// whole object.
	OpenRange(ctx context.Context, key string, offset, length int64) (io.ReadCloser, Info, error)

	// Put writes the object from r, replacing any object under key unless
	// cond says otherwise. The object appears whole or not at all: a Put
	// that fails, or whose context is cancelled, leaves the earlier object
	// (or none) in place. If cond fails, the error matches
	// ErrPreconditionFailed and nothing changes. The returned Info has the
	// new ETag and size; its ModTime may be zero.
	Put(ctx context.Context, key string, r io.Reader, cond Cond) (Info, error)

	// Delete removes the object. Deleting a missing object is not an
	// error, as on S3, so a retried cleanup does not fail.
	Delete(ctx context.Context, key string) error

	// List calls fn for every object whose key starts with prefix, in
	// byte order of the keys. A prefix is a plain string prefix, not a
	// folder: "orders/a" matches "orders/a/b" and "orders/ab". An error
	// from fn stops the listing and is returned.
	List(ctx context.Context, prefix string, fn func(Info) error) error
}

// Info describes one object.
type Info struct {
	Key  string
	Size int64
	// ETag identifies the object's content version: it changes whenever
	// the object is replaced. It is opaque: compare it, never parse it.
	ETag    string
	ModTime time.Time
}

// Cond makes a Put conditional. The zero Cond writes unconditionally.
type Cond struct {
	// IfNoneMatch: write only if no object has the key (create-only).
	IfNoneMatch bool
	// IfMatch: write only if the object exists and its ETag is this one.
	IfMatch string
}

func (c Cond) String() string {
	switch {
	case c.IfNoneMatch:
		return "create-only"
	case c.IfMatch != "":
		return "if-match " + c.IfMatch
	}
	return "unconditional"
}

// Upload is a multipart upload that was started and neither completed nor
// aborted, typically by a run that was killed while writing a large file.
type Upload struct {
	Key       string
	ID        string
	Initiated time.Time
}

// UploadLister is implemented by stores that keep the parts of unfinished
// uploads, which are not objects and so are not in List.
type UploadLister interface {
	ListIncompleteUploads(ctx context.Context, prefix string) ([]Upload, error)
}

// UploadAborter is implemented by stores that keep the parts of unfinished
// uploads. AbortIncompleteUploads discards those under prefix that were
// started more than olderThan ago and returns them. Only a caller that holds
// the dataset's lock may pass a small olderThan: an upload of a running
// writer looks exactly like a dead one.
type UploadAborter interface {
	AbortIncompleteUploads(ctx context.Context, prefix string, olderThan time.Duration) ([]Upload, error)
}

// ConditionalDeleter is implemented by stores that can delete an object
// only while it is the version the caller knows (S3's DeleteObject with
// If-Match). If the object has changed, the error matches
// ErrPreconditionFailed and nothing is deleted; if it is gone, the result
// is nil, as for Delete (S3 servers differ on the status they give, and
// there is nothing left to protect). A holder of the dataset's
// lease releases it this way where the store can, so a release can never
// remove a lease another run has taken over.
type ConditionalDeleter interface {
	DeleteIfMatch(ctx context.Context, key, etag string) error
}

var (
	// ErrNotExist: no object has the key.
	ErrNotExist = fs.ErrNotExist
	// ErrPreconditionFailed: a conditional Put found the key taken
	// (IfNoneMatch) or changed or gone (IfMatch).
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrPermission: the store refused the credentials or the operation.
	ErrPermission = fs.ErrPermission
	// ErrNoBucket: the bucket (or the root folder) does not exist.
	ErrNoBucket = errors.New("the bucket or folder does not exist")
	// ErrInvalidKey: a key that CheckKey refuses.
	ErrInvalidKey = errors.New("invalid key")
	// ErrConfig marks the errors of opening a store that the user must
	// fix in the configuration or the environment: a malformed location,
	// missing or refused credentials, a missing bucket. A command maps it
	// to its usage exit code; every other error is a failure of the run.
	ErrConfig = errors.New("storage configuration error")
)

// Error is the error every implementation returns for a failed operation:
// it names the operation, the store and the key, and wraps the cause, which
// is one of the Err* values above where one applies.
type Error struct {
	Op       string // "read", "stat", "write", "delete", "list"
	Location string // Backend.Location()
	Key      string
	Err      error
}

func (e *Error) Error() string {
	return e.Op + " " + Join(e.Location, e.Key) + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Join is how messages show a key in a store: location and key separated
// by a slash.
func Join(location, key string) string {
	switch {
	case key == "":
		return location
	case location == "" || strings.HasSuffix(location, "/"):
		return location + key
	}
	return location + "/" + key
}

// MaxKeyLen is S3's limit on a key's length in bytes, prefix included;
// stores check the key alone against it, the S3 store the full key.
const MaxKeyLen = 1024

// CheckKey reports whether key is a valid object key: slash-separated
// segments, none empty, "." or "..", no backslash, no control character,
// valid UTF-8, at most MaxKeyLen bytes, and no segment that looks like a
// temp file (".NAME.tmp-..."), which a local store uses for writes in
// progress. The same rules on every store mean a key that works on a local
// folder works on S3 and the other way round, and that no key can reach
// outside a local store's folder.
func CheckKey(key string) error {
	if err := checkPath(key, false); err != nil {
		return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, err)
	}
	return nil
}

// CheckPrefix is CheckKey for a List prefix: it may be empty, end in a
// slash, or end in the middle of a segment.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	if err := checkPath(prefix, true); err != nil {
		return fmt.Errorf("%w prefix %q: %s", ErrInvalidKey, prefix, err)
	}
	return nil
}

func checkPath(p string, prefix bool) error {
	switch {
	case p == "":
		return errors.New("empty")
	case len(p) > MaxKeyLen:
		return fmt.Errorf("longer than %d bytes", MaxKeyLen)
	case !utf8.ValidString(p):
		return errors.New("not valid UTF-8")
	case strings.HasPrefix(p, "/"):
		return errors.New("starts with a slash")
	case strings.ContainsRune(p, '\\'):
		return errors.New("has a backslash")
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return errors.New("has a control character")
		}
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		if last && prefix {
			// The tail of a prefix may be a partial segment, or empty
			// after a trailing slash; only ".." could climb out.
			if s == ".." || s == "." {
				return errors.New(`has a "." or ".." segment`)
			}
			continue
		}
		switch s {
		case "":
			return errors.New("has an empty segment")
		case ".", "..":
			return errors.New(`has a "." or ".." segment`)
		}
		if IsTempName(s) {
			return errors.New("has a segment named like a temp file (.NAME.tmp-...)")
		}
	}
	return nil
}

// TempMarker separates a final name from the random suffix of the temp file
// a local store writes it through: ".NAME.tmp-RANDOM". The dataset's own
// temp files have the same shape, so its crash recovery and the local
// store's AbortIncompleteUploads recognise each other's leftovers.
const TempMarker = ".tmp-"

// IsTempName reports whether a file name (one segment) is a temp file name.
func IsTempName(name string) bool {
	return strings.HasPrefix(name, ".") && strings.Contains(name[1:], TempMarker)
}

// ReadAll reads a whole object and returns the Info of the version read.
func ReadAll(ctx context.Context, b Backend, key string) ([]byte, Info, error) {
	rc, info, err := b.Open(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, Info{}, &Error{Op: "read", Location: b.Location(), Key: key, Err: err}
	}
	return data, info, nil
}

// PutBytes writes data as the object key.
func PutBytes(ctx context.Context, b Backend, key string, data []byte, cond Cond) (Info, error) {
	return b.Put(ctx, key, bytes.NewReader(data), cond)
}

// AbortOlder calls abort for each upload initiated more than olderThan
// ago, in order, and returns those it aborted; it stops at the first
// error. Every store's AbortIncompleteUploads shares this rule.
func AbortOlder(ups []Upload, olderThan time.Duration, abort func(Upload) error) ([]Upload, error) {
	cutoff := time.Now().Add(-olderThan)
	var aborted []Upload
	for _, u := range ups {
		if u.Initiated.After(cutoff) {
			continue
		}
		if err := abort(u); err != nil {
			return aborted, err
		}
		aborted = append(aborted, u)
	}
	return aborted, nil
}

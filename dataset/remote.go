package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/lease"
	"github.com/orderhist/orderhist/backend/s3"
)

// A dataset in object storage (--out s3://BUCKET/PREFIX) holds the same
// objects, under the same keys, as a dataset folder holds files. A run works
// on a local working copy of it and publishes what it changed with
// conditional writes; nothing is renamed in the bucket, because S3 has no
// rename and a copy would send every byte again.
//
// Why a working copy rather than reads and writes straight to the bucket:
// the commit protocol, crash recovery, the Iceberg commits and every reader
// of the dataset work on files, and are tested as such; the copy lets all
// of them run unchanged, and a working copy kept between runs (in the user's
// cache folder) means a nightly run downloads only what changed since the
// last one. The bucket is always the truth: the copy is checked against it
// at the start of every run and may be deleted at any time.
//
// A run, under the lease (_state/lock in the bucket, see package lease):
//
//  1. pull: makes the copy equal to the bucket. Objects the copy does not
//     hold as they are in the bucket (by ETag, and by the size and
//     modification time the copy's file had when it was fetched or sent)
//     are downloaded; files the bucket does not hold are removed from the
//     copy. Incomplete multipart uploads of a killed run are aborted.
//  2. The dataset is opened on the copy, which repairs what a killed run
//     left (crash recovery, as for a folder), and the run does its work.
//  3. push, at the commit: every file the copy holds and the bucket does
//     not is uploaded create-only (If-None-Match: *): data files carry the
//     run id in their names and Iceberg metadata versions are new, so an
//     object already under the key means another writer. Then the new
//     _manifest.json is written with If-Match on the ETag the pull saw
//     (create-only for a first commit): this write is the commit point.
//     A run that lost its lease while it worked fails here, and nothing of
//     it is visible. Then the objects the commit replaced in place
//     (version hints, _state files) are written with If-Match, and the
//     objects the commit removed are deleted.
//
// A run killed anywhere leaves the last committed manifest in the bucket,
// and with it every file it names; what the killed run uploaded besides is
// removed by the next run (its pull brings it into the copy, recovery
// removes it there, and its push deletes it from the bucket). With a SQL
// catalog, the new files and _manifest.pending.json are uploaded before the
// catalog commit, so the catalog never names an object that is not there.
//
// Keys that start with a dot in any segment (staging and scratch folders,
// temp files) and the lock files are the run's own and never leave the
// copy.

// RemoteOptions say how to reach a dataset in object storage.
type RemoteOptions struct {
	// S3 is the s3: block of the configuration.
	S3 s3.Config
	// WorkDir is the folder that holds the working copies; "" means
	// orderhist's folder in the user's cache folder.
	WorkDir string
	// NoPIDCheck: see lease.Options.
	NoPIDCheck bool
}

// WithRemote says how to reach the dataset when OpenSession is given an
// s3:// location.
func WithRemote(o RemoteOptions) SessionOption {
	return func(so *sessionOptions) { so.remote = &o }
}

// IsRemote reports whether location names object storage rather than a
// folder.
func IsRemote(location string) bool { return s3.IsURL(location) }

// WorkingCopy is the folder that holds the working copy of the dataset at
// location: one folder per location under workDir, named by a hash of the
// location so any bucket and prefix make a valid folder name.
func WorkingCopy(location, workDir string) (string, error) {
	if workDir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("working copy of %s: no cache folder (set XDG_CACHE_HOME, or work_dir in the s3: block): %w", location, err)
		}
		workDir = filepath.Join(cache, "orderhist", "datasets")
	}
	sum := sha256.Sum256([]byte(location))
	return filepath.Join(workDir, hex.EncodeToString(sum[:8])), nil
}

// mirror is a working copy and the bucket it copies.
type mirror struct {
	store backend.Backend
	// root holds the copy: the dataset folder (dir) and the record.
	root string
	dir  string
	rec  *mirrorRecord
	// lease is held by a writing run; nil for readers.
	lease *lease.Lease
	// broken is set once a push failed before the commit point: the copy
	// holds what the bucket does not, and nothing more may be sent.
	broken bool
	mu     sync.Mutex
}

// mirrorRecord is what the copy knows of the bucket: for each key, the ETag
// of the object and the size and modification time of the copy's file when
// it matched that object. A file whose size or time differs was changed in
// the copy since.
type mirrorRecord struct {
	Location string                 `json:"location"`
	Objects  map[string]mirrorEntry `json:"objects"`
}

type mirrorEntry struct {
	ETag    string `json:"etag"`
	Size    int64  `json:"size"`
	ModTime int64  `json:"mtime_ns"`
}

const (
	mirrorRecordName = "remote.json"
	mirrorDataDir    = "dataset"
	// transfers is how many objects move at once; each S3 upload also
	// sends up to s3.Config.Concurrency parts at once.
	transfers = 4
)

// openMirror connects to the bucket and prepares the working copy's
// folder: the writers' copy, or the readers' beside it, so that a report
// never waits for a nightly run on the same machine.
func openMirror(ctx context.Context, location string, o RemoteOptions, readers bool) (*mirror, error) {
	store, err := s3.Open(ctx, location, o.S3)
	if err != nil {
		return nil, err
	}
	root, err := WorkingCopy(store.Location(), o.WorkDir)
	if err != nil {
		return nil, err
	}
	if readers {
		root += "-read"
	}
	m := &mirror{store: store, root: root, dir: filepath.Join(root, mirrorDataDir)}
	if err := os.MkdirAll(m.dir, dirPerm); err != nil {
		return nil, fmt.Errorf("working copy of %s: %w", store.Location(), err)
	}
	return m, nil
}

func (m *mirror) loadRecord() *mirrorRecord {
	rec := &mirrorRecord{Location: m.store.Location(), Objects: map[string]mirrorEntry{}}
	data, err := os.ReadFile(filepath.Join(m.root, mirrorRecordName))
	if err != nil {
		return rec
	}
	var r mirrorRecord
	// A record that cannot be read, or that is another location's, only
	// costs downloads: every file is then fetched again.
	if json.Unmarshal(data, &r) != nil || r.Location != rec.Location || r.Objects == nil {
		return rec
	}
	return &r
}

func (m *mirror) saveRecord() error {
	m.mu.Lock()
	data, err := json.Marshal(m.rec)
	m.mu.Unlock()
	if err != nil {
		return err
	}
	return WriteFileAtomic(filepath.Join(m.root, mirrorRecordName), data, 0o600)
}

func (m *mirror) record(key, path string, info backend.Info) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	m.mu.Lock()
	m.rec.Objects[key] = mirrorEntry{ETag: info.ETag, Size: fi.Size(), ModTime: fi.ModTime().UnixNano()}
	m.mu.Unlock()
	return nil
}

// mirrored reports whether key belongs in the bucket: not a lock file, and
// no segment is a run's own (staging, scratch, temp files).
func mirrored(key string) bool {
	switch key {
	case lease.DefaultKey, StateDir + "/" + holderName:
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if strings.HasPrefix(seg, ".") || seg == "" {
			return false
		}
	}
	return backend.CheckKey(key) == nil
}

// localFiles lists the copy's files that belong in the bucket, by key.
func (m *mirror) localFiles() (map[string]fs.FileInfo, error) {
	files := map[string]fs.FileInfo{}
	err := filepath.WalkDir(m.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if p == m.dir {
			return nil
		}
		rel, err := filepath.Rel(m.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !mirrored(key) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		files[key] = fi
		return nil
	})
	return files, err
}

// current reports whether the copy's file is the object the record names.
func (m *mirror) current(key string, fi fs.FileInfo) (mirrorEntry, bool) {
	m.mu.Lock()
	e, ok := m.rec.Objects[key]
	m.mu.Unlock()
	return e, ok && fi != nil && e.Size == fi.Size() && e.ModTime == fi.ModTime().UnixNano()
}

// keepLocal says which files a run saves in the copy the moment it learns
// them, outside any commit: API tokens, which a marketplace may invalidate
// the moment it hands out their successor. A killed run's token is sent by
// the next run rather than replaced by the bucket's older one.
func keepLocal(key string) bool {
	return strings.HasPrefix(key, StateDir+"/tokens/")
}

// filePerm is the mode a fetched file gets: _state holds secrets.
func filePerm(key string) os.FileMode {
	if strings.HasPrefix(key, StateDir+"/") {
		return 0o600
	}
	return manifestPermission
}

// pull makes the copy equal to the bucket (step 1 of the package's remote
// protocol). A writer, under the lease, also aborts the incomplete uploads
// a killed run left.
func (m *mirror) pull(ctx context.Context) error {
	m.rec = m.loadRecord()
	if m.lease != nil {
		if ab, ok := m.store.(backend.UploadAborter); ok {
			if _, err := ab.AbortIncompleteUploads(ctx, "", 0); err != nil {
				return err
			}
		}
	}
	local, err := m.localFiles()
	if err != nil {
		return fmt.Errorf("working copy %s: %w", m.dir, err)
	}
	remote := map[string]backend.Info{}
	var fetch []backend.Info
	err = m.store.List(ctx, "", func(info backend.Info) error {
		if !mirrored(info.Key) {
			return nil
		}
		remote[info.Key] = info
		e, same := m.current(info.Key, local[info.Key])
		switch {
		case same && e.ETag == info.ETag:
		case !same && local[info.Key] != nil && e.ETag == info.ETag && keepLocal(info.Key):
			// Changed in the copy by a run that could not send it, and
			// unchanged in the bucket: the copy's is the newer.
		default:
			fetch = append(fetch, info)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := checkDatasetKeys(m.store.Location(), remote); err != nil {
		return err
	}
	for key := range local {
		if _, ok := remote[key]; !ok {
			if keepLocal(key) && !m.has(key) {
				continue
			}
			if err := os.Remove(filepath.Join(m.dir, filepath.FromSlash(key))); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("working copy: %w", err)
			}
		}
	}
	m.mu.Lock()
	for key := range m.rec.Objects {
		if _, ok := remote[key]; !ok {
			delete(m.rec.Objects, key)
		}
	}
	m.mu.Unlock()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(transfers)
	for _, info := range fetch {
		g.Go(func() error { return m.fetch(gctx, info.Key) })
	}
	err = g.Wait()
	if serr := m.saveRecord(); err == nil {
		err = serr
	}
	return err
}

// NotDatasetError says that a location holds objects but no dataset.
type NotDatasetError struct {
	Location, Key string
}

func (e *NotDatasetError) Error() string {
	return fmt.Sprintf("%s holds %s, which is not part of an orderhist dataset, and no %s: choose an empty prefix or the prefix of an orderhist dataset", e.Location, e.Key, ManifestName)
}

// Is makes a NotDatasetError a configuration error: the user must name
// another location.
func (e *NotDatasetError) Is(target error) bool { return target == backend.ErrConfig }

// checkDatasetKeys refuses a location without a manifest that holds
// objects a dataset would not: writing there would mix the dataset with
// someone else's files. A first run that was killed before its commit
// leaves only table files and _state, which the next run may clean up.
func checkDatasetKeys(location string, objects map[string]backend.Info) error {
	if _, ok := objects[ManifestName]; ok {
		return nil
	}
	for _, key := range slices.Sorted(maps.Keys(objects)) {
		first, _, _ := strings.Cut(key, "/")
		if _, isTable := lookupTable(first); isTable || first == StateDir || key == pendingManifestName {
			continue
		}
		return &NotDatasetError{Location: location, Key: key}
	}
	return nil
}

// fetch downloads one object into the copy, whole or not at all.
func (m *mirror) fetch(ctx context.Context, key string) error {
	p := filepath.Join(m.dir, filepath.FromSlash(key))
	if err := os.MkdirAll(filepath.Dir(p), dirPerm); err != nil {
		return err
	}
	rc, info, err := m.store.Open(ctx, key)
	if errors.Is(err, backend.ErrNotExist) {
		// Deleted since it was listed: the next listing decides.
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	af, err := CreateAtomic(p, filePerm(key))
	if err != nil {
		return err
	}
	n, err := io.Copy(af, rc)
	if err == nil && n != info.Size {
		err = fmt.Errorf("%s: read %d bytes of %d", backend.Join(m.store.Location(), key), n, info.Size)
	}
	if err != nil {
		af.Abort()
		return err
	}
	if err := af.Commit(); err != nil {
		return err
	}
	return m.record(key, p, info)
}

// send uploads one file of the copy under cond.
func (m *mirror) send(ctx context.Context, key string, cond backend.Cond) error {
	p := filepath.Join(m.dir, filepath.FromSlash(key))
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := m.store.Put(ctx, key, f, cond)
	if err != nil {
		return err
	}
	return m.record(key, p, info)
}

// sendAll uploads the copy's files keys, but the manifest (whose write is
// the commit point, on its own), a few at a time.
func (m *mirror) sendAll(ctx context.Context, keys []string, cond func(key string) backend.Cond) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(transfers)
	for _, key := range keys {
		if key == ManifestName {
			continue
		}
		c := cond(key)
		g.Go(func() error { return m.send(gctx, key, c) })
	}
	return g.Wait()
}

// changes compares the copy with the record: files the bucket lacks,
// files changed in the copy, and objects whose files the copy removed.
func (m *mirror) changes() (added, changed, removed []string, err error) {
	local, err := m.localFiles()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("working copy %s: %w", m.dir, err)
	}
	for key, fi := range local {
		m.mu.Lock()
		_, known := m.rec.Objects[key]
		m.mu.Unlock()
		switch _, same := m.current(key, fi); {
		case !known:
			added = append(added, key)
		case !same:
			changed = append(changed, key)
		}
	}
	m.mu.Lock()
	for key := range m.rec.Objects {
		if _, ok := local[key]; !ok {
			removed = append(removed, key)
		}
	}
	m.mu.Unlock()
	slices.Sort(added)
	slices.Sort(changed)
	slices.Sort(removed)
	return added, changed, removed, nil
}

// usable fails once the copy may hold what the bucket must not get, or the
// lease is gone.
func (m *mirror) usable() error {
	if m.broken {
		return fmt.Errorf("%s: an earlier upload of this run failed", m.store.Location())
	}
	if m.lease != nil {
		if err := m.lease.Check(); err != nil {
			return fmt.Errorf("%s: %w", m.store.Location(), err)
		}
	}
	return nil
}

// pushAdded uploads, create-only, every file the bucket does not hold yet
// except the manifest: what a commit adds, before its commit point.
func (m *mirror) pushAdded(ctx context.Context) error {
	added, _, _, err := m.changes()
	if err != nil {
		return err
	}
	return m.sendAdded(ctx, added)
}

// sendAdded uploads the added files create-only (a taken key means another
// writer); a failure stops the session's uploads.
func (m *mirror) sendAdded(ctx context.Context, added []string) error {
	if err := m.usable(); err != nil {
		return err
	}
	err := m.sendAll(ctx, added, func(string) backend.Cond { return backend.Cond{IfNoneMatch: true} })
	if serr := m.saveRecord(); err == nil {
		err = serr
	}
	if err != nil {
		m.broken = true
	}
	return err
}

// TestHookBeforeRemoteCommit, for tests only, runs after a commit's files
// are in the bucket and before its manifest is. Returning true stops the
// commit as if the process had died.
var TestHookBeforeRemoteCommit func() (crash bool)

// commitManifest is the commit point: it writes data as the bucket's
// manifest if the manifest is still the one the pull saw, then as the
// copy's.
func (m *mirror) commitManifest(ctx context.Context, data []byte) error {
	if err := m.usable(); err != nil {
		return err
	}
	if TestHookBeforeRemoteCommit != nil && TestHookBeforeRemoteCommit() {
		m.broken = true
		return errSimulatedCrash
	}
	cond := backend.Cond{IfNoneMatch: true}
	m.mu.Lock()
	if e, ok := m.rec.Objects[ManifestName]; ok {
		cond = backend.Cond{IfMatch: e.ETag}
	}
	m.mu.Unlock()
	info, err := backend.PutBytes(ctx, m.store, ManifestName, data, cond)
	if err != nil {
		m.broken = true
		if errors.Is(err, backend.ErrPreconditionFailed) {
			return fmt.Errorf("%s: another run committed since this one started; nothing of this run was committed: %w", m.store.Location(), err)
		}
		return err
	}
	p := filepath.Join(m.dir, ManifestName)
	if _, err := writeFileAtomic(p, data, manifestPermission); err != nil {
		// The bucket has the commit; the copy catches up at the next
		// pull, which finds its manifest older than the record says.
		m.mu.Lock()
		m.rec.Objects[ManifestName] = mirrorEntry{ETag: info.ETag, Size: -1}
		m.mu.Unlock()
		_ = m.saveRecord()
		return nil
	}
	if err := m.record(ManifestName, p, info); err != nil {
		return err
	}
	return m.saveRecord()
}

// push sends everything the copy changed since the record, in the order
// that keeps the bucket readable at every step: added files, the manifest
// (conditional, the commit point when it changed), files replaced in
// place, then deletions.
func (m *mirror) push(ctx context.Context) error {
	added, changed, removed, err := m.changes()
	if err != nil {
		return err
	}
	if err := m.sendAdded(ctx, added); err != nil {
		return err
	}
	if slices.Contains(added, ManifestName) || slices.Contains(changed, ManifestName) {
		data, err := os.ReadFile(filepath.Join(m.dir, ManifestName))
		if err != nil {
			return err
		}
		if err := m.commitManifest(ctx, data); err != nil {
			return err
		}
	}
	if err := m.usable(); err != nil {
		return err
	}
	err = m.sendAll(ctx, changed, func(key string) backend.Cond {
		m.mu.Lock()
		defer m.mu.Unlock()
		return backend.Cond{IfMatch: m.rec.Objects[key].ETag}
	})
	if err == nil {
		err = m.deleteAll(ctx, removed)
	}
	if serr := m.saveRecord(); err == nil {
		err = serr
	}
	return err
}

func (m *mirror) has(key string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.rec.Objects[key]
	return ok
}

// deleteAll removes objects the copy removed, each only if it is still the
// version the record names where the store can check that.
func (m *mirror) deleteAll(ctx context.Context, keys []string) error {
	cd, conditional := m.store.(backend.ConditionalDeleter)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(transfers)
	for _, key := range keys {
		m.mu.Lock()
		etag := m.rec.Objects[key].ETag
		m.mu.Unlock()
		g.Go(func() error {
			var err error
			if conditional {
				err = cd.DeleteIfMatch(gctx, key, etag)
			} else {
				err = m.store.Delete(gctx, key)
			}
			if err != nil && !errors.Is(err, backend.ErrNotExist) {
				return err
			}
			m.mu.Lock()
			delete(m.rec.Objects, key)
			m.mu.Unlock()
			return nil
		})
	}
	return g.Wait()
}

// release gives the lease back.
func (m *mirror) release() {
	if m.lease != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = m.lease.Release(ctx)
	}
}

// ReadCopy brings the dataset committed at location into the readers'
// working copy and returns its folder, for the commands that only read
// (report, export, explain, schema): they then read it as they read a
// dataset folder. It takes no lease: a commit that runs meanwhile is
// noticed by the manifest's ETag changing under the download, which is
// then done again. done releases the copy.
func ReadCopy(ctx context.Context, location string, o RemoteOptions) (dir string, done func(), err error) {
	m, err := openMirror(ctx, location, o, true)
	if err != nil {
		return "", nil, err
	}
	store := m.store
	// Two readers of one location on one machine share the copy; the
	// second waits for nothing and says who has it.
	lock, err := TakeLock(m.dir, "orderhist (reading "+store.Location()+")", time.Now())
	if err != nil {
		return "", nil, err
	}
	for try := 0; ; try++ {
		before, _ := store.Stat(ctx, ManifestName)
		if err := m.pull(ctx); err != nil {
			lock.Unlock()
			return "", nil, fmt.Errorf("fetch the dataset %s: %w", store.Location(), err)
		}
		after, _ := store.Stat(ctx, ManifestName)
		if before.ETag == after.ETag {
			break
		}
		if try == 4 {
			lock.Unlock()
			return "", nil, fmt.Errorf("fetch the dataset %s: it changed under every one of 5 downloads (a run is committing often); try again", store.Location())
		}
	}
	return m.dir, func() { lock.Unlock() }, nil
}

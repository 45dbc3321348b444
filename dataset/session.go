package dataset

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"time"

	"github.com/orderhist/orderhist/backend/lease"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/version"
)

// Session is one run's hold on the dataset: its lock, the dataset as the
// run found it, the transaction the run writes, and a scratch folder.
// Every change a run makes to the dataset folder goes through one.
type Session struct {
	Dataset *Dataset
	Tx      *Tx
	RunID   string
	// Now is when the run started, in UTC.
	Now time.Time
	// Scratch is the run's scratch folder, removed by Close.
	Scratch   string
	lock      *Lock
	retention Retention
	catalog   *SQLCatalog
	// mirror is set for a dataset in object storage: the run works on
	// its working copy (Dataset.Dir) under its lease.
	mirror *mirror
}

// SessionOption changes how OpenSession opens the dataset.
type SessionOption func(*sessionOptions)

type sessionOptions struct {
	catalog *CatalogConfig
	remote  *RemoteOptions
}

// WithCatalog commits the session's transactions through the SQL catalog
// cfg names: the catalog commit is the commit point (see the package
// documentation). The session connects after taking the lock and closes
// the connection in Close.
func WithCatalog(cfg CatalogConfig) SessionOption {
	return func(o *sessionOptions) { o.catalog = &cfg }
}

// NewRunID names a run started at now: its time, and a random suffix so
// two runs in one second differ.
func NewRunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// OpenSession creates the dataset folder dir if needed, takes its lock for
// command, repairs what a killed run left (Open, and its scratch folders),
// refuses a --pii mode or key the dataset was not written with, and
// begins a transaction. Close undoes what was not committed.
func OpenSession(dir, command string, now time.Time, p *pii.Protector, opts ...SessionOption) (*Session, error) {
	var o sessionOptions
	for _, opt := range opts {
		opt(&o)
	}
	now = now.UTC()
	ctx := context.Background()
	location := ""
	var mir *mirror
	if IsRemote(dir) {
		if o.remote == nil {
			o.remote = &RemoteOptions{}
		}
		var err error
		if mir, err = openMirror(ctx, dir, *o.remote, false); err != nil {
			return nil, err
		}
		location, dir = mir.store.Location(), mir.dir
	}
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("create the dataset folder: %w", err)
	}
	lock, err := TakeLock(dir, command, now)
	if err != nil {
		return nil, err
	}
	var cat *SQLCatalog
	fail := func(err error) (*Session, error) {
		if cat != nil {
			cat.Close()
		}
		if mir != nil {
			mir.release()
		}
		lock.Unlock()
		return nil, err
	}
	if mir != nil {
		if mir.lease, err = lease.Acquire(ctx, mir.store, lease.DefaultKey, lease.Options{Command: command, NoPIDCheck: o.remote.NoPIDCheck}); err != nil {
			return fail(err)
		}
		if err := mir.pull(ctx); err != nil {
			return fail(fmt.Errorf("fetch the dataset %s: %w", location, err))
		}
	}
	if o.catalog != nil {
		if cat, err = OpenSQLCatalog(ctx, *o.catalog); err != nil {
			return fail(err)
		}
	}
	ds, err := openDatasetAt(dir, location, cat)
	if err != nil {
		return fail(fmt.Errorf("open the dataset %s: %w", cmp.Or(location, dir), err))
	}
	ds.mirror = mir
	if err := CheckPII(dir, ds.Manifest(), p); err != nil {
		return fail(err)
	}
	s := &Session{Dataset: ds, RunID: NewRunID(now), Now: now, lock: lock, catalog: cat, mirror: mir}
	s.Tx = ds.Begin(s.RunID)
	if s.Scratch, err = Scratch(dir); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Location is where the dataset lives: its folder, or its s3:// URL.
func (s *Session) Location() string {
	if s.mirror != nil {
		return s.mirror.store.Location()
	}
	return s.Dataset.Dir()
}

// FileOptions are the options of every file the session writes: the
// program's version and the run's id in the Parquet metadata.
func (s *Session) FileOptions() []Option {
	v, c := version.Get()
	return []Option{WithVersion(v, c), WithKeyValue("orderhist.run_id", s.RunID)}
}

// SetRetention sets which older Iceberg snapshots the session's commits
// keep (see Retention); by default only the current one.
func (s *Session) SetRetention(r Retention) {
	s.retention = r
	s.Tx.SetRetention(r)
}

// Close rolls back what was not committed, removes the scratch folder and
// releases the lock.
func (s *Session) Close() {
	s.Tx.Rollback()
	if s.Scratch != "" {
		os.RemoveAll(s.Scratch)
	}
	if s.catalog != nil {
		s.catalog.Close()
	}
	if s.mirror != nil {
		// What the run saved outside its commits (source state, tokens,
		// erasures) and what recovery repaired; the next run sends what
		// this cannot.
		_ = s.mirror.push(context.Background())
		s.mirror.release()
	}
	s.lock.Unlock()
}

// Next begins a new transaction once the session's transaction has
// committed, for a run that commits more than once (sync's checkpoints
// during a long API pull). The new transaction gets a run id of its own:
// file names carry it, so no file of the earlier commit is replaced. The
// lock and the scratch folder stay.
func (s *Session) Next() error {
	if !s.Tx.Committed() {
		return fmt.Errorf("begin the next transaction: run %s has not committed", s.RunID)
	}
	s.RunID = NewRunID(s.Now)
	s.Tx = s.Dataset.Begin(s.RunID)
	s.Tx.SetRetention(s.retention)
	return s.Tx.usable()
}

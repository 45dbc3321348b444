// Package dataset owns everything inside the dataset folder: the Parquet
// tables and their row types, the manifest, the commit protocol and crash
// recovery, and the private folder _state/ (the lock, sync's source state,
// API tokens, the identity and erasure keys, the erasures). Every change a
// run makes goes through a Session: its lock, its transaction and its
// scratch folder.
//
// It is also the one place that maps a canonical normalize.Order to its rows
// and back (OrderRows, OrderFromRow, LineFromRow), with one month rule
// (Month: an order without a date goes to the Hive null partition), and
// that applies --pii to rows (ProtectOrder and friends).
//
// # Layout
//
//	_manifest.json                     the commit point: every file of the dataset
//	orders/ordered_month=YYYY-MM/      one row per order (Hive partitions)
//	order_items/ordered_month=YYYY-MM/ one row per order line
//	customers/ identities/ customer_merges/ rejects/
//	customer_links/                    links made on scored name and address
//	TABLE/metadata/                    the table's Iceberg metadata (below)
//	_state/lock                        held by the running run (flock)
//	_state/sources/NAME.json           what sync read of each source
//	_state/tokens/NAME.json            API tokens (0600)
//	_state/identity.key                identity hashing key under --pii drop
//	_state/erasure.key, erasures.json  buyers who asked to be forgotten
//	_state/resolver/                   each month's orders as identity resolution reads them (resolverstate.go)
//	.spool-*/                          a run's scratch folder
//	.staging-<run id>/                 a run's files before they are committed
//
// # Commit protocol
//
// A run either changes the dataset as a whole or leaves it as it was, and a
// Parquet file is never visible half-written:
//
//  1. Every file of a run is written under DIR/.staging-<run id>/ through an
//     AtomicFile (temp file, fsync, rename, fsync of the folder).
//  2. Tx.Commit moves the staged files to their table folders. Their names
//     carry the run id, so they never replace a file of an earlier run.
//  3. Every table gets its next Iceberg metadata version (see Iceberg
//     tables), written exclusively; version-hint.text still names the old
//     one.
//  4. _manifest.json is replaced atomically. This rename is the commit point:
//     the manifest lists exactly the files of the dataset, and names each
//     table's Iceberg metadata version and snapshot.
//  5. Each changed table's version-hint.text is pointed at its new version.
//  6. What no longer belongs to the dataset is deleted as recovery would
//     (below): files no manifest lists and no kept snapshot uses, Iceberg
//     versions and manifests nothing reads, the staging folder, empty
//     partition folders.
//
// A glob reader that lists the folder between steps 2 and 6 can see both
// the old and the new files of a table; readers that need a consistent view
// read the files the manifest lists, or the Iceberg snapshots it names.
//
// # Iceberg tables
//
// Every table is also an Apache Iceberg table (format v2) in the file-system
// layout that Spark, DuckDB's iceberg_scan and other Iceberg libraries read
// without a catalog: TABLE/metadata/vN.metadata.json, the manifest lists and
// manifests beside it, and TABLE/metadata/version-hint.text holding N. The
// data files are the Parquet files above, registered where they are. The
// metadata names every file under the dataset's location: the folder's
// absolute path, as the layout requires, or the bucket URL of a dataset
// that lives in object storage (s3://bucket/prefix/orders/...), whose run
// reads and writes a local working copy that is then published to the
// bucket, where readers must find the files by those names. Metadata that
// names another location than the one the dataset is opened at (a moved
// folder, a working copy opened for another bucket) starts a new Iceberg
// history at the next commit. The names are mapped to the folder by one
// IO that refuses any other name, so a hand-edited metadata file cannot
// make a commit or recovery read or delete anything outside the folder.
//
// The tables are unpartitioned in Iceberg terms. ordered_month is a Hive
// folder, not a column of the files, and an identity partition on a column
// the files lack is filled in from metadata by some readers and not by
// others. Each data file holds one UTC month of ordered_at, and the
// manifests record every file's ordered_at bounds, so a filter on ordered_at
// skips the other months' files as a month(ordered_at) partition would,
// without partition values to infer from each file's statistics and a spec
// to keep in step with the folders.
//
// Our files carry no Parquet field ids. The Iceberg schema is derived from
// the row types the way arrow-go reads the files (TIMESTAMP micros UTC is
// timestamptz, DECIMAL(18,2) is decimal(18,2), optional columns are
// optional, lists are lists), and schema.name-mapping.default maps the
// files' column names to its field ids, which is how Iceberg readers read
// files written without ids. A column added to a row type is added to the
// table's schema by name (older files read it as null).
//
// A run commits one snapshot per table whose files changed, with the run
// id in the summary (orderhist.run_id). Replacing months is one overwrite
// snapshot that deletes the replaced files and adds the new ones; the
// manifests it writes hold those entries (and, once, the split of a
// manifest that held a replaced file), not the whole history.
//
// iceberg-go builds the snapshots, manifests and metadata, but the commit
// of the metadata file is ours (fileCatalog) rather than its Hadoop
// catalog's: that catalog updates version-hint.text as part of the commit,
// while here the dataset manifest is the commit point for all tables at
// once, so the hint may only move after it; and a killed run must be rolled
// back to the version the manifest names, which the catalog's own cleanup
// of old versions could remove. The next version is written exclusively
// (a hard link that fails when the name is taken), the local form of the
// conditional write an object store offers.
//
// Retention (Tx.SetRetention) keeps replaced snapshots, and the files they
// use, for time travel until they are older than its duration; the default
// keeps only the current snapshot, so the table folders hold exactly the
// manifest's files and read_parquet globs stay exact. An erasure expires
// every older snapshot, so time travel never brings an erased person back.
//
// # A shared catalog
//
// With a SQL catalog (OpenWithCatalog, WithCatalog), the tables are also
// registered in Iceberg's SQL (JDBC) catalog in PostgreSQL, the
// iceberg_tables rows that Spark's, Trino's and Flink's JDBC catalogs read
// (metadata_location names the metadata file under the dataset's
// location, where the engines read it), and the catalog commit is the
// commit point instead of step 4:
//
//	4a. the new manifest is written to _manifest.pending.json;
//	4b. one database transaction moves every table's row to its new
//	    metadata file, each UPDATE a compare-and-swap on the metadata
//	    location the dataset last committed (an INSERT with ON CONFLICT DO
//	    NOTHING for a table not registered yet), and fails as a whole when
//	    any row is not what the dataset expects (ErrCatalogConflict);
//	4c. _manifest.pending.json replaces _manifest.json.
//
// iceberg-go's SQL catalog commits one table at a time (CommitTable), which
// would let an engine see one table of a run beside another of the previous
// run, and a failure halfway leave the catalog mixed. The rows are
// therefore written here, in the schema iceberg-go creates (its NewCatalog
// creates the tables when missing, so the schema stays the JDBC catalog's
// V1 schema, iceberg_type 'TABLE' included) and with the updates its own
// CommitTable makes, only all in one transaction.
//
// Recovery under the lock asks the catalog first: with a pending manifest,
// a catalog that holds its metadata for every table means the killed run
// committed, and the pending manifest becomes the manifest (rolled
// forward); a catalog that still agrees with the manifest means it did not,
// and the pending manifest goes (rolled back); anything else is another
// writer and Open fails without changing anything. A run whose COMMIT
// returned an error leaves everything in place for that same decision. Open
// without a catalog refuses a dataset with a pending manifest: only the
// catalog knows whether it committed. A catalog row naming metadata other
// than the manifest's is refused the same way, a table without a row is
// registered by the next commit. The manifest records the catalog's name
// and namespace (Manifest.Catalog), and Open refuses a dataset committed in
// a catalog when it is not given that catalog, so no run moves the folder
// without the catalog.
//
// # Crash recovery
//
// Open repairs what a crashed run leaves behind, whatever step it died in:
// it removes temp files (".<name>.tmp-<random>") in the dataset folder and
// its table folders, staging folders (".staging-*"), every *.parquet file
// under a table folder that the current manifest does not list and no kept
// Iceberg snapshot uses, which is how a run that died between steps 2 and 4
// looks, and in each table's metadata folder every metadata version but the
// one the manifest names and every manifest file no kept snapshot uses
// (rolled back); then it points version-hint.text at the version the
// manifest names, which finishes a run that died between steps 4 and 5
// (rolled forward). A manifest that cannot be read, or that names metadata
// that cannot be read, stops Open before anything is removed. Open never looks inside _state/ or
// any folder that is not a table, and it assumes that no other process
// writes the dataset at the same time: only OpenSession calls it, right
// after taking the dataset's lock, so a killed commit is rolled back (files
// moved but no new manifest) or finished (new manifest, old files still
// there) before the next run does anything else.
//
// # Object storage
//
// A dataset in S3 (OpenSession with an s3:// location) is the same objects
// under the same keys. A run works on a local working copy of it under a
// lease in the bucket, and the commit point is a conditional write of the
// bucket's manifest; see remote.go for the protocol and why.
//
// Commands that only read use OpenReadOnly (or ReadCommitted): it reads the
// manifest and nothing else, never repairs, and Leftovers tells whether the
// folder holds files of a commit that is running or was killed.
package dataset

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// ManifestName is the dataset's manifest file, relative to its folder.
const ManifestName = "_manifest.json"

const (
	stagingPrefix      = ".staging-"
	dirPerm            = 0o750
	manifestPermission = 0o640
)

// Manifest describes a committed dataset. Tables lists every file of the
// dataset; a file in a table folder that it does not list is not part of the
// dataset.
type Manifest struct {
	Version          int                   `json:"version"`
	RunID            string                `json:"run_id"`
	CreatedAt        time.Time             `json:"created_at"`
	OrderhistVersion string                `json:"orderhist_version"`
	Command          string                `json:"command"`
	Inputs           []Input               `json:"inputs"`
	Tables           map[string]TableFiles `json:"tables"`
	AsOf             string                `json:"as_of"` // YYYY-MM-DD
	PII              string                `json:"pii"`
	// PIIKeyCheck tells whether a later run hashes with the same key
	// (--pii hash), without revealing it.
	PIIKeyCheck string `json:"pii_key_check,omitempty"`
	// Erasures records data-subject erasures (LGPD) applied to the dataset.
	// Entries are kept opaque here so the feature that writes them owns
	// their shape; Commit carries them over when the caller leaves this nil.
	Erasures []json.RawMessage `json:"erasures"`
	// SnapshotRetention is how long replaced Iceberg snapshots are kept
	// (a Go duration), as the last run that set it chose; empty keeps
	// only the current snapshot. Runs that do not set a retention keep
	// this one (see Retention).
	SnapshotRetention string `json:"snapshot_retention,omitempty"`
	// Catalog names the SQL catalog the tables are committed in, when they
	// are: a later run must commit through it too.
	Catalog *CatalogRef `json:"catalog,omitempty"`
}

// CatalogRef names the SQL catalog a dataset's tables are committed in,
// without its connection URI (which holds a password).
type CatalogRef struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
}

// Input is one source a run read.
type Input struct {
	File      string `json:"file"`
	SHA256    string `json:"sha256"`
	Size      int64  `json:"size"`
	Rows      int64  `json:"rows"`
	Rejected  int64  `json:"rejected"`
	Connector string `json:"connector"`
	Layout    string `json:"layout"`
}

// TableFiles lists the files of one table.
type TableFiles struct {
	Files []FileEntry `json:"files"`
	Rows  int64       `json:"rows"`
	// Iceberg names the table's Iceberg snapshot whose data files are
	// Files. Manifests written before the tables were Iceberg tables have
	// none; the next commit creates them.
	Iceberg *IcebergRef `json:"iceberg,omitempty"`
}

// FileEntry is one Parquet file of the dataset.
type FileEntry struct {
	Path   string `json:"path"` // relative to the dataset folder, with forward slashes
	Rows   int64  `json:"rows"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

func (m *Manifest) clone() *Manifest {
	if m == nil {
		return nil
	}
	c := *m
	c.Inputs = slices.Clone(m.Inputs)
	c.Erasures = slices.Clone(m.Erasures)
	if m.Catalog != nil {
		ref := *m.Catalog
		c.Catalog = &ref
	}
	c.Tables = make(map[string]TableFiles, len(m.Tables))
	for k, v := range m.Tables {
		v.Files = slices.Clone(v.Files)
		c.Tables[k] = v
	}
	return &c
}

// ReadManifest reads dir's manifest. When there is none the error wraps
// fs.ErrNotExist.
func ReadManifest(dir string) (*Manifest, error) {
	return readManifestFile(filepath.Join(dir, ManifestName))
}

func readManifestFile(p string) (*Manifest, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", p, err)
	}
	if m.Version < 1 || m.Version > SchemaVersion {
		return nil, fmt.Errorf("read manifest %s: format version %d, this orderhist reads version %d", p, m.Version, SchemaVersion)
	}
	for name, t := range m.Tables {
		for _, f := range t.Files {
			if err := checkRelPath(name, f.Path); err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", p, err)
			}
		}
		if t.Iceberg != nil {
			if err := t.Iceberg.check(name); err != nil {
				return nil, fmt.Errorf("read manifest %s: %w", p, err)
			}
		}
	}
	return &m, nil
}

// checkRelPath rejects manifest paths that would reach outside their table,
// so a damaged or hand-edited manifest cannot make Commit delete other files.
func checkRelPath(table, rel string) error {
	clean := path.Clean(rel)
	// A clean path under "table/" cannot climb out with "..".
	if clean != rel || !strings.HasPrefix(rel, table+"/") || !strings.HasSuffix(rel, ".parquet") {
		return fmt.Errorf("table %s: bad file path %q", table, rel)
	}
	return nil
}

// Dataset is an open dataset folder.
type Dataset struct {
	dir string
	// abs is dir as an absolute path.
	abs string
	// loc is where the Iceberg metadata (and the SQL catalog) says the
	// files are: dir's absolute path, or the bucket URL of a dataset whose
	// dir is the working copy of one in object storage.
	loc locator
	// readOnly datasets come from OpenReadOnly: no transaction may begin.
	readOnly bool

	mu       sync.Mutex
	manifest *Manifest // nil until the first commit
	tx       *Tx       // the open transaction, if any

	// cat, when set, is the SQL catalog the tables are committed in, and
	// catLocs what it held for them when last read or committed.
	cat     *SQLCatalog
	catLocs map[string]string

	// mirror, when set, is the bucket this folder is the working copy of
	// (remote.go): the commit point is the bucket's manifest.
	mirror *mirror
}

// Open opens (creating it if needed) the dataset in dir and cleans up after
// a crashed run, as the package documentation describes.
func Open(dir string) (*Dataset, error) {
	return openDataset(dir, nil)
}

// OpenWithCatalog is Open for a dataset whose tables are committed in the
// SQL catalog cat: a commit that a killed run left in doubt is finished or
// rolled back as the catalog says, and Open fails when the catalog names
// metadata this dataset did not commit.
func OpenWithCatalog(dir string, cat *SQLCatalog) (*Dataset, error) {
	return openDataset(dir, cat)
}

func openDataset(dir string, cat *SQLCatalog) (*Dataset, error) {
	return openDatasetAt(dir, "", cat)
}

// openDatasetAt opens the dataset whose files are in dir and whose Iceberg
// metadata names them under location, such as s3://bucket/prefix for a
// dataset that lives in object storage and dir the working copy of; ""
// is dir's absolute path. A dataset committed at another location starts
// a new Iceberg history at its next commit, as a moved folder does.
func openDatasetAt(dir, location string, cat *SQLCatalog) (*Dataset, error) {
	if err := os.MkdirAll(dir, dirPerm); err != nil {
		return nil, fmt.Errorf("open dataset: %w", err)
	}
	m, err := ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	loc, err := newLocator(dir, location)
	if err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	ds := &Dataset{dir: dir, abs: loc.dir, loc: loc, manifest: m, cat: cat}
	if err := ds.resolveCatalog(); err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	if err := ds.recover(); err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	return ds, nil
}

// Dir returns the dataset folder.
func (ds *Dataset) Dir() string { return ds.dir }

// Manifest returns a copy of the current manifest, or nil before the first
// commit.
func (ds *Dataset) Manifest() *Manifest {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.manifest.clone()
}

// listedIn returns the set of file paths m lists.
func listedIn(m *Manifest) map[string]bool {
	set := map[string]bool{}
	if m != nil {
		for _, t := range m.Tables {
			for _, f := range t.Files {
				set[f.Path] = true
			}
		}
	}
	return set
}

func (ds *Dataset) recover() error {
	left, dirs, err := ds.leftovers()
	if err != nil {
		return err
	}
	for _, l := range left {
		if err := os.RemoveAll(filepath.Join(ds.dir, filepath.FromSlash(l.Path))); err != nil {
			return fmt.Errorf("remove %s: %w", l.What, err)
		}
	}
	pruneEmpty(dirs)
	// A run killed after the manifest named new versions and before it
	// pointed the tables' version hints at them is finished here.
	if ds.manifest != nil {
		for _, td := range tableDefs {
			if ref := ds.manifest.Tables[td.name].Iceberg; ref != nil {
				if err := writeVersionHint(ds.abs, td.name, ref.Version); err != nil {
					return fmt.Errorf("table %s: %w", td.name, err)
				}
			}
		}
	}
	return nil
}

// Leftover is something in the dataset folder that the manifest does not
// account for: what a run that is committing, or one that was killed,
// leaves beside the committed files.
type Leftover struct {
	Path string // relative to the dataset folder, with forward slashes
	// What is "staging folder", "temp file", "file not in manifest",
	// "iceberg metadata not in manifest" or "iceberg manifest no snapshot
	// uses".
	What string
}

// leftovers lists what recovery removes, without removing anything, and
// the table partition folders it walked (deepest last), which recovery
// removes when they are left empty.
func (ds *Dataset) leftovers() (left []Leftover, dirs []string, err error) {
	entries, err := os.ReadDir(ds.dir)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir() && strings.HasPrefix(name, stagingPrefix):
			left = append(left, Leftover{Path: name, What: "staging folder"})
		case e.Type().IsRegular() && isTempName(name):
			left = append(left, Leftover{Path: name, What: "temp file"})
		}
	}
	listed := listedIn(ds.manifest)
	for _, td := range tableDefs {
		root := filepath.Join(ds.dir, td.name)
		var ref *IcebergRef
		if ds.manifest != nil {
			ref = ds.manifest.Tables[td.name].Iceberg
		}
		ice, err := readIcebergState(ds.loc, td.name, ref)
		if err != nil && ds.readOnly {
			// A commit may have finished while we looked and removed
			// what our manifest named; a read-only open only reports,
			// so it judges nothing of this table rather than fail.
			ice, err = &icebergState{ref: ref, moved: true, refs: &icebergRefs{}}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		metaDir := filepath.Join(root, icebergMetadataDir)
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					// The table folder does not exist yet, or a partition
					// was removed by a commit while it was walked.
					return nil
				}
				return err
			}
			if d.IsDir() {
				if p != root {
					dirs = append(dirs, p)
				}
				return nil
			}
			if !d.Type().IsRegular() {
				return nil
			}
			rel, err := filepath.Rel(ds.dir, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			kept := ice.refs.data[rel]
			switch {
			case isTempName(d.Name()):
				left = append(left, Leftover{Path: rel, What: "temp file"})
			case filepath.Dir(p) == metaDir:
				if what := ice.metadataLeftover(rel, d.Name()); what != "" {
					left = append(left, Leftover{Path: rel, What: what})
				}
			case strings.HasSuffix(d.Name(), ".parquet") && !listed[rel] && !kept:
				left = append(left, Leftover{Path: rel, What: "file not in manifest"})
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return left, dirs, nil
}

// pruneEmpty removes the folders that are empty, deepest first. A folder that
// is not empty stays, with no error: it holds something we did not write.
func pruneEmpty(dirs []string) {
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, d := range dirs {
		_ = os.Remove(d)
	}
}

// Tx is a run's change to the dataset. Nothing it writes is visible until
// Commit; Rollback, or a crash, leaves the dataset as it was.
//
// The new manifest describes the whole dataset, so Commit needs every table
// to be either written in the transaction (an empty table is a file with no
// rows) or explicitly kept with Keep. A table that is forgotten is an error
// rather than silently dropped or silently stale.
//
// CreateTable and Keep may be called from several goroutines; each
// ParquetFile belongs to the goroutine that writes it.
type Tx struct {
	ds      *Dataset
	runID   string
	staging string

	mu    sync.Mutex
	err   error // from Begin: every later call returns it
	files []*stagedFile
	keep  map[string]bool
	// keepParts holds "table/partition/" prefixes kept from the manifest.
	keepParts map[string]bool
	seq       int
	retention Retention
	state     txState
	commit    bool // passed the commit point
}

type txState int

const (
	txOpen txState = iota
	txFailed
	txDone
)

// ErrTxDone is returned when a transaction is used after Commit, Rollback or
// a failed Commit.
var ErrTxDone = errors.New("transaction already finished")

type stagedFile struct {
	table  string
	rel    string // final path relative to the dataset folder, slash-separated
	staged string
	file   tableFile
}

// tableFile is the part of ParquetFile[T] a transaction needs, without T.
type tableFile interface {
	committed() bool
	aborted() bool
	Rows() int64
	Size() int64
	SHA256() string
	Abort() error
}

var runIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`)

// Begin starts a transaction. runID names the staging folder and the new
// files, so it must be unique per run and safe in a file name
// ([A-Za-z0-9_.-]). Errors (a bad run id, another open transaction) are
// returned by the first call on the transaction.
func (ds *Dataset) Begin(runID string) *Tx {
	tx := &Tx{ds: ds, runID: runID, staging: filepath.Join(ds.dir, stagingPrefix+runID), keep: map[string]bool{}}
	ds.mu.Lock()
	defer ds.mu.Unlock()
	switch {
	case ds.readOnly:
		tx.err = fmt.Errorf("begin %s: the dataset was opened read-only", runID)
	case !runIDPattern.MatchString(runID):
		tx.err = fmt.Errorf("begin: run id %q: use 1-128 letters, digits, '_', '.' or '-'", runID)
	case ds.tx != nil:
		tx.err = fmt.Errorf("begin %s: run %s has not finished", runID, ds.tx.runID)
	case ds.manifest != nil && ds.manifest.RunID == runID:
		tx.err = fmt.Errorf("begin %s: the dataset was already committed by a run with this id", runID)
	default:
		ds.tx = tx
	}
	if tx.err != nil {
		tx.state = txFailed
	}
	return tx
}

// RunID returns the transaction's run id.
func (tx *Tx) RunID() string { return tx.runID }

// Committed reports whether Commit got past its commit point, so the new
// manifest is in place even if Commit returned an error afterwards.
func (tx *Tx) Committed() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.commit
}

func (tx *Tx) usable() error {
	if tx.err != nil {
		return tx.err
	}
	if tx.state != txOpen {
		return ErrTxDone
	}
	return nil
}

// SetRetention sets which older Iceberg snapshots the commit keeps; the
// zero Retention keeps only the current one.
func (tx *Tx) SetRetention(r Retention) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	tx.retention = r
}

// Keep carries table's files from the current manifest into the new one
// unchanged.
func (tx *Tx) Keep(table string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.usable(); err != nil {
		return err
	}
	if _, ok := lookupTable(table); !ok {
		return fmt.Errorf("keep %s: no such table", table)
	}
	for _, sf := range tx.files {
		if sf.table == table {
			return fmt.Errorf("keep %s: the table is written in this run", table)
		}
	}
	m := tx.ds.Manifest()
	if m == nil || m.Tables[table].Files == nil {
		return fmt.Errorf("keep %s: the dataset has no such table yet", table)
	}
	tx.keep[table] = true
	return nil
}

// KeepPartition carries one partition of a partitioned table from the
// current manifest into the new one unchanged, so a run rewrites only the
// partitions its data touches and the others keep their bytes.
func (tx *Tx) KeepPartition(table, partition string) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.usable(); err != nil {
		return err
	}
	td, ok := lookupTable(table)
	if !ok {
		return fmt.Errorf("keep %s/%s: no such table", table, partition)
	}
	if err := checkPartition(td, partition); err != nil || partition == "" {
		return fmt.Errorf("keep %s/%s: not a partition of the table", table, partition)
	}
	prefix := table + "/" + partition + "/"
	for _, sf := range tx.files {
		if strings.HasPrefix(sf.rel, prefix) {
			return fmt.Errorf("keep %s/%s: the partition is written in this run", table, partition)
		}
	}
	if tx.keepParts == nil {
		tx.keepParts = map[string]bool{}
	}
	tx.keepParts[prefix] = true
	return nil
}

var partitionValue = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// CreateTable starts a new file of table in the transaction. partition is ""
// for unpartitioned tables and "ordered_month=YYYY-MM" (see OrderedMonth) for
// orders and order_items. T must be the table's row type. A table may have
// any number of files, in one partition or many; commit each file before
// committing the transaction.
func CreateTable[T any](tx *Tx, table, partition string, opts ...Option) (*ParquetFile[T], error) {
	td, ok := lookupTable(table)
	if !ok {
		return nil, fmt.Errorf("create table %s: no such table", table)
	}
	if rt := reflect.TypeFor[T](); rt != td.rowType {
		return nil, fmt.Errorf("create table %s: rows are %s, not %s", table, td.rowType, rt)
	}
	if err := checkPartition(td, partition); err != nil {
		return nil, fmt.Errorf("create table %s: %w", table, err)
	}

	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.usable(); err != nil {
		return nil, err
	}
	if tx.keep[table] {
		return nil, fmt.Errorf("create table %s: the table is kept in this run", table)
	}
	if tx.keepParts[table+"/"+partition+"/"] {
		return nil, fmt.Errorf("create table %s: partition %s is kept in this run", table, partition)
	}
	if len(tx.files) == 0 {
		// Mkdir, not MkdirAll: an existing staging folder means another
		// process is using this run id.
		if err := os.Mkdir(tx.staging, dirPerm); err != nil {
			return nil, fmt.Errorf("create table %s: staging folder: %w", table, err)
		}
	}
	tx.seq++
	name := fmt.Sprintf("part-%s-%04d.parquet", tx.runID, tx.seq)
	rel := path.Join(table, partition, name)
	staged := filepath.Join(tx.staging, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(staged), dirPerm); err != nil {
		return nil, fmt.Errorf("create table %s: %w", table, err)
	}
	fopts := append([]Option{
		WithKeyValue("orderhist.table", table),
		WithKeyValue("orderhist.run_id", tx.runID),
		WithKeyValue("orderhist.schema_version", fmt.Sprint(SchemaVersion)),
	}, opts...)
	pf, err := NewParquetFile[T](staged, fopts...)
	if err != nil {
		return nil, fmt.Errorf("create table %s: %w", table, err)
	}
	tx.files = append(tx.files, &stagedFile{table: table, rel: rel, staged: staged, file: pf})
	return pf, nil
}

func checkPartition(td *tableDef, partition string) error {
	if td.partitionedBy == "" {
		if partition != "" {
			return fmt.Errorf("partition %q: the table is not partitioned", partition)
		}
		return nil
	}
	key, value, ok := strings.Cut(partition, "=")
	if !ok || key != td.partitionedBy || !partitionValue.MatchString(value) {
		return fmt.Errorf("partition %q: want %s=<value>", partition, td.partitionedBy)
	}
	return nil
}

// TestHookAfterMove, for tests only, runs in Commit after the files are in
// their table folders and before the manifest is written: the instant where
// a kill leaves a globbing reader old and new files side by side. Returning
// true makes Commit stop there as if the process had died; a test that runs
// orderhist as a child process kills it there for real.
var TestHookAfterMove func() (crash bool)

// TestHookAfterIceberg, for tests only, runs in Commit after the Iceberg
// metadata of a table is written, before the next table's and before the
// manifest: a kill there leaves tables whose newest metadata version no
// manifest names. Returning true stops Commit as if the process had died.
var TestHookAfterIceberg func(table string) (crash bool)

// TestHookAfterManifest, for tests only, runs in Commit right after the
// commit point, before the tables' version hints name the new metadata
// versions. Returning true stops Commit as if the process had died.
var TestHookAfterManifest func() (crash bool)

var errSimulatedCrash = errors.New("simulated crash")

// Commit publishes the transaction: it moves the staged files into the
// dataset and writes the manifest. m supplies the run's description (command,
// inputs, as_of, pii, ...); Commit fills in version, run_id, tables and, when
// they are unset, created_at and erasures (carried over). On error before the
// commit point the dataset is as it was; call Rollback to remove the staging
// folder.
func (tx *Tx) Commit(m Manifest) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if err := tx.usable(); err != nil {
		return err
	}
	ds := tx.ds
	prev := ds.Manifest()

	tables, err := tx.newTables(prev)
	if err != nil {
		return err
	}
	tx.state = txFailed
	now := time.Now().UTC()
	// A commit the catalog refused leaves nothing behind: once the undo
	// below has run, the manifests and snapshots it wrote go as recovery
	// would remove them (this runs last).
	refused := false
	defer func() {
		if refused {
			_ = ds.recover()
		}
	}()

	// Move the files. Until the manifest names them they are garbage that
	// Open would delete, so a failure here undoes the moves itself.
	var moved []string
	defer func() {
		if !tx.commit {
			for _, p := range moved {
				_ = os.Remove(p)
			}
		}
	}()
	syncDirs := map[string]bool{ds.dir: true}
	for _, sf := range tx.committedFiles() {
		target := filepath.Join(ds.dir, filepath.FromSlash(sf.rel))
		dir := filepath.Dir(target)
		if err := os.MkdirAll(dir, dirPerm); err != nil {
			return fmt.Errorf("commit %s: %w", tx.runID, err)
		}
		if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("commit %s: %s already exists", tx.runID, sf.rel)
		}
		if err := os.Rename(sf.staged, target); err != nil {
			return fmt.Errorf("commit %s: %w", tx.runID, err)
		}
		moved = append(moved, target)
		syncDirs[dir] = true
		syncDirs[filepath.Join(ds.dir, sf.table)] = true
	}
	for _, d := range slices.Sorted(maps.Keys(syncDirs)) {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("commit %s: %w", tx.runID, err)
		}
	}
	if TestHookAfterMove != nil && TestHookAfterMove() {
		moved = nil
		return errSimulatedCrash
	}

	// Every table gets its next Iceberg version, naming the files the new
	// manifest lists. No version hint moves yet: until the manifest names
	// these versions they are garbage that Open (or the undo below) removes.
	ret, err := tx.retention.resolve(prev)
	if err != nil {
		return fmt.Errorf("commit %s: %w", tx.runID, err)
	}
	var commits []*icebergCommit
	crashed := false
	defer func() {
		if !tx.commit && !crashed {
			for _, c := range commits {
				removeAll(c.cat.written)
			}
		}
	}()
	for _, td := range tableDefs {
		t := tables[td.name]
		var prevRef *IcebergRef
		if prev != nil {
			prevRef = prev.Tables[td.name].Iceberg
		}
		t.Iceberg = prevRef
		c, err := commitIceberg(context.Background(), ds.loc, &td, prevRef, t.Files, tx.runID, ret, now)
		if err != nil {
			return fmt.Errorf("commit %s: %w", tx.runID, err)
		}
		if c != nil {
			commits = append(commits, c)
			t.Iceberg = c.ref
		}
		tables[td.name] = t
		if TestHookAfterIceberg != nil && TestHookAfterIceberg(td.name) {
			moved, crashed = nil, true
			return errSimulatedCrash
		}
	}

	m.Version = SchemaVersion
	m.RunID = tx.runID
	m.Catalog = nil
	if ds.cat != nil {
		m.Catalog = &CatalogRef{Name: ds.cat.name, Namespace: ds.cat.namespace}
	}
	m.Tables = tables
	m.SnapshotRetention = ret.manifestValue()
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now
	}
	if m.Inputs == nil {
		m.Inputs = []Input{}
	}
	if m.Erasures == nil {
		m.Erasures = []json.RawMessage{}
		if prev != nil && prev.Erasures != nil {
			m.Erasures = prev.Erasures
		}
	}
	data, err := json.MarshalIndent(&m, "", "  ")
	if err != nil {
		return fmt.Errorf("commit %s: manifest: %w", tx.runID, err)
	}
	var renamed bool
	if ds.cat != nil {
		renamed, err = tx.commitThroughCatalog(tables, append(data, '\n'))
		if errors.Is(err, errCommitInDoubt) || errors.Is(err, errSimulatedCrash) {
			// The next Open asks the catalog whether this commit
			// happened; until then nothing of it may go.
			moved, crashed = nil, true
		} else if err != nil && !renamed {
			refused = true
		}
	} else if ds.mirror != nil {
		if err = ds.mirror.pushAdded(context.Background()); err == nil {
			err = ds.mirror.commitManifest(context.Background(), append(data, '\n'))
			renamed = err == nil
		}
	} else {
		renamed, err = writeFileAtomic(filepath.Join(ds.dir, ManifestName), append(data, '\n'), manifestPermission)
	}
	if renamed {
		tx.commit = true
		tx.state = txDone
		ds.mu.Lock()
		ds.manifest = m.clone()
		ds.tx = nil
		ds.mu.Unlock()
	}
	if err != nil {
		// Renamed but not synced: the new manifest may not survive a power
		// loss, so the old files stay for it; the next Open removes them
		// once the new manifest is known to be the one on disk.
		return fmt.Errorf("commit %s: %w", tx.runID, err)
	}

	// Past the commit point nothing may fail the run: what is not done
	// now is done by the next Open.
	if TestHookAfterManifest != nil && TestHookAfterManifest() {
		return errSimulatedCrash
	}
	for _, c := range commits {
		_ = writeVersionHint(ds.abs, c.table, c.ref.Version)
	}
	// What no longer belongs to the dataset goes as recovery would remove
	// it: the files the manifest no longer lists and no kept snapshot
	// uses, Iceberg versions and manifests nothing reads, the staging
	// folder, empty partitions.
	_ = ds.recover()
	if ds.mirror != nil {
		// The hints and the removals reach the bucket now; what fails
		// here the session's Close or the next run sends.
		_ = ds.mirror.push(context.Background())
	}
	return nil
}

// newTables checks that every table is accounted for and builds the new
// manifest's table list.
func (tx *Tx) newTables(prev *Manifest) (map[string]TableFiles, error) {
	for _, sf := range tx.files {
		if !sf.file.committed() && !sf.file.aborted() {
			return nil, fmt.Errorf("commit %s: %s was not committed", tx.runID, sf.rel)
		}
	}
	tables := map[string]TableFiles{}
	for _, sf := range tx.committedFiles() {
		t := tables[sf.table]
		t.Files = append(t.Files, FileEntry{Path: sf.rel, Rows: sf.file.Rows(), Bytes: sf.file.Size(), SHA256: sf.file.SHA256()})
		t.Rows += sf.file.Rows()
		tables[sf.table] = t
	}
	if prev != nil && len(tx.keepParts) > 0 {
		for name, tf := range prev.Tables {
			for _, f := range tf.Files {
				dir := f.Path[:strings.LastIndexByte(f.Path, '/')+1]
				if tx.keepParts[dir] {
					t := tables[name]
					t.Files = append(t.Files, f)
					t.Rows += f.Rows
					tables[name] = t
				}
			}
		}
	}
	var missing []string
	for _, td := range tableDefs {
		_, written := tables[td.name]
		switch {
		case written:
		case tx.keep[td.name]:
			tables[td.name] = prev.Tables[td.name]
		default:
			missing = append(missing, td.name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("commit %s: tables neither written nor kept: %s", tx.runID, strings.Join(missing, ", "))
	}
	for name, t := range tables {
		t.Files = slices.Clone(t.Files)
		slices.SortFunc(t.Files, func(a, b FileEntry) int { return cmp.Compare(a.Path, b.Path) })
		tables[name] = t
	}
	return tables, nil
}

func (tx *Tx) committedFiles() []*stagedFile {
	var out []*stagedFile
	for _, sf := range tx.files {
		if sf.file.committed() {
			out = append(out, sf)
		}
	}
	return out
}

// Rollback abandons the transaction: open files are aborted and the staging
// folder removed. It is a no-op after a successful Commit, so it can be
// deferred right after Begin.
func (tx *Tx) Rollback() error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.commit || tx.state == txDone {
		return nil
	}
	var errs []error
	for _, sf := range tx.files {
		if err := sf.file.Abort(); err != nil {
			errs = append(errs, err)
		}
	}
	if tx.err == nil {
		if err := os.RemoveAll(tx.staging); err != nil {
			errs = append(errs, fmt.Errorf("rollback %s: %w", tx.runID, err))
		}
	}
	tx.state = txDone
	tx.ds.mu.Lock()
	if tx.ds.tx == tx {
		tx.ds.tx = nil
	}
	tx.ds.mu.Unlock()
	return errors.Join(errs...)
}

// HasPartition reports whether the current manifest lists files of a
// partition of a table.
func (ds *Dataset) HasPartition(table, partition string) bool {
	m := ds.Manifest()
	if m == nil {
		return false
	}
	prefix := table + "/" + partition + "/"
	for _, f := range m.Tables[table].Files {
		if strings.HasPrefix(f.Path, prefix) {
			return true
		}
	}
	return false
}

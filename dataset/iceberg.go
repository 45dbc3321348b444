package dataset

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/iceberg-go"
	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
	"github.com/parquet-go/parquet-go"
)

// Iceberg names. The layout is the one every Iceberg library reads without a
// catalog (Hadoop tables): TABLE/metadata/vN.metadata.json and
// TABLE/metadata/version-hint.text holding N.
const (
	icebergMetadataDir = "metadata"
	versionHintName    = "version-hint.text"
	// SnapshotRunIDKey is the snapshot summary property that names the run
	// (the manifest's run_id) that committed a snapshot.
	SnapshotRunIDKey = "orderhist.run_id"
)

// IcebergRef names the Iceberg snapshot of a table that a manifest commits:
// the manifest's tables together are a consistent cut across the Iceberg
// tables.
type IcebergRef struct {
	SnapshotID int64 `json:"snapshot_id"`
	// Metadata is the table's metadata file, relative to the dataset
	// folder: TABLE/metadata/vVERSION.metadata.json.
	Metadata string `json:"metadata"`
	Version  int    `json:"version"`
}

var metadataFileName = regexp.MustCompile(`^v([1-9][0-9]{0,8})\.metadata\.json$`)

func metadataRel(tableName string, version int) string {
	return path.Join(tableName, icebergMetadataDir, fmt.Sprintf("v%d.metadata.json", version))
}

// check rejects a reference that does not name a metadata file of its own
// table, so a damaged or hand-edited manifest cannot point recovery at
// other files.
func (r *IcebergRef) check(tableName string) error {
	if r.Version < 1 || r.Metadata != metadataRel(tableName, r.Version) {
		return fmt.Errorf("table %s: bad iceberg metadata %q (version %d)", tableName, r.Metadata, r.Version)
	}
	return nil
}

// Retention says which older snapshots a commit keeps for time travel.
//
// The dataset remembers the retention it was last committed with
// (Manifest.SnapshotRetention), and a commit whose Retention is not Set
// keeps that one: a plain import after nightly syncs with a 30-day
// retention must not expire the month of history those syncs kept. The
// zero Retention therefore changes nothing; only an explicit setting, 0
// included, does.
type Retention struct {
	// Keep is how long a replaced snapshot stays; 0 keeps only the current
	// snapshot, and files no snapshot references are deleted right after
	// the commit. It counts only when Set.
	Keep time.Duration
	// Set says that Keep was chosen for this run and becomes the dataset's
	// retention; otherwise the commit keeps the dataset's own.
	Set bool
	// ExpireAll drops every snapshot but the current one whatever Keep
	// says, in every table, as an erasure must.
	ExpireAll bool
}

// resolve turns a retention that is not Set into the one prev records.
func (r Retention) resolve(prev *Manifest) (Retention, error) {
	if r.Set {
		return r, nil
	}
	r.Keep = 0
	if prev != nil && prev.SnapshotRetention != "" {
		d, err := ParseRetention(prev.SnapshotRetention)
		if err != nil {
			return r, fmt.Errorf("%s: snapshot_retention %w", ManifestName, err)
		}
		r.Keep = d
	}
	r.Set = true
	return r, nil
}

// manifestValue is how the manifest records the retention: empty for 0.
func (r Retention) manifestValue() string {
	if r.Keep == 0 {
		return ""
	}
	return r.Keep.String()
}

func (r Retention) keep() time.Duration {
	if r.ExpireAll {
		return 0
	}
	return r.Keep
}

var (
	icebergSchemaMu sync.Mutex
	icebergSchemas  = map[string]*iceberg.Schema{}
)

// icebergSchema is a table's Iceberg schema, derived from its row type the
// way every reader sees the files: the Parquet schema parquet-go writes for
// the row type, read by arrow-go and converted with fresh field ids. Our
// files carry no field ids; the table's default name mapping
// (schema.name-mapping.default) maps their column names to these ids.
func icebergSchema(td *tableDef) (*iceberg.Schema, error) {
	icebergSchemaMu.Lock()
	defer icebergSchemaMu.Unlock()
	if sc, ok := icebergSchemas[td.name]; ok {
		return sc, nil
	}
	var buf bytes.Buffer
	w := parquet.NewWriter(&buf, parquet.SchemaOf(reflect.New(td.rowType).Interface()))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("iceberg schema of %s: %w", td.name, err)
	}
	rdr, err := file.NewParquetReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return nil, fmt.Errorf("iceberg schema of %s: %w", td.name, err)
	}
	defer rdr.Close()
	asc, err := pqarrow.FromParquet(rdr.MetaData().Schema, &pqarrow.ArrowReadProperties{}, nil)
	if err != nil {
		return nil, fmt.Errorf("iceberg schema of %s: %w", td.name, err)
	}
	sc, err := table.ArrowSchemaToIcebergWithFreshIDs(asc, false)
	if err != nil {
		return nil, fmt.Errorf("iceberg schema of %s: %w", td.name, err)
	}
	icebergSchemas[td.name] = sc
	return sc, nil
}

// IcebergSchema returns the Iceberg schema of a table.
func IcebergSchema(tableName string) (*iceberg.Schema, error) {
	td, ok := lookupTable(tableName)
	if !ok {
		return nil, fmt.Errorf("no table %s", tableName)
	}
	return icebergSchema(td)
}

// fileCatalog commits one table's metadata in the file-system layout. It is
// our own rather than iceberg-go's Hadoop catalog because the dataset's
// manifest, not the table, is the commit point: the catalog writes the next
// vN.metadata.json exclusively (a hard link that fails when the name is
// taken, the file-system form of a conditional put) but leaves
// version-hint.text alone, which Tx.Commit writes only after the manifest
// names the new version; and it never deletes an older version, which a
// killed run must be able to roll back to.
type fileCatalog struct {
	loc      locator // the table's folder and location
	meta     table.Metadata
	metaPath string // the metadata file's name under loc; "" before the first version
	version  int
	// written lists the metadata files this catalog wrote (local paths),
	// for the undo of a failed commit.
	written []string
	// Snapshots other than the current one that are keep old at now are
	// expired by the commit.
	keep time.Duration
	now  time.Time
}

func (c *fileCatalog) LoadTable(context.Context, table.Identifier) (*table.Table, error) {
	return table.New(table.Identifier{filepath.Base(c.loc.dir)}, c.meta, c.metaPath, c.io, c), nil
}

func (c *fileCatalog) io(context.Context) (icebergio.IO, error) { return locatorFS{c.loc}, nil }

func (c *fileCatalog) CommitTable(_ context.Context, ident table.Identifier, reqs []table.Requirement, updates []table.Update) (table.Metadata, string, error) {
	for _, r := range reqs {
		if err := r.Validate(c.meta); err != nil {
			return nil, "", err
		}
	}
	updated, err := table.UpdateTableMetadata(c.meta, updates, c.metaPath)
	if err != nil {
		return nil, "", err
	}
	if ids := c.expired(updated); len(ids) > 0 {
		if updated, err = table.UpdateTableMetadata(updated, []table.Update{table.NewRemoveSnapshotsUpdate(ids, false)}, ""); err != nil {
			return nil, "", err
		}
	}
	data, err := json.Marshal(updated)
	if err != nil {
		return nil, "", err
	}
	next := c.version + 1
	rel := path.Join(icebergMetadataDir, fmt.Sprintf("v%d.metadata.json", next))
	p := filepath.Join(c.loc.dir, filepath.FromSlash(rel))
	if err := writeExclusive(p, data); err != nil {
		return nil, "", fmt.Errorf("%w: %w", table.ErrCommitFailed, err)
	}
	c.written = append(c.written, p)
	c.meta, c.metaPath, c.version = updated, c.loc.url(rel), next
	return updated, c.metaPath, nil
}

// expired lists the snapshots of meta that retention no longer keeps. It is
// ours rather than iceberg-go's ExpireSnapshots, which ages snapshots on a
// millisecond clock and so keeps one committed in the same millisecond as
// the current one, where retention 0 must keep the current snapshot only.
func (c *fileCatalog) expired(meta table.Metadata) []int64 {
	cur := meta.CurrentSnapshot()
	var ids []int64
	for _, s := range meta.Snapshots() {
		if cur != nil && s.SnapshotID == cur.SnapshotID {
			continue
		}
		if c.now.Sub(time.UnixMilli(s.TimestampMs)) >= c.keep {
			ids = append(ids, s.SnapshotID)
		}
	}
	return ids
}

// writeExclusive writes data to p, whole, only if p does not exist yet.
func writeExclusive(p string, data []byte) error {
	af, err := CreateAtomic(p+".new", manifestPermission)
	if err != nil {
		return err
	}
	if _, err := af.Write(data); err != nil {
		af.Abort()
		return err
	}
	if err := af.Commit(); err != nil {
		return err
	}
	defer os.Remove(p + ".new")
	if err := os.Link(p+".new", p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// A file system without hard links (FAT, some network shares):
		// the dataset's lock already keeps other writers out, so a
		// check and a rename stand in for the exclusive link.
		if _, serr := os.Lstat(p); serr == nil {
			return fmt.Errorf("%s: %w", p, fs.ErrExist)
		}
		if err := os.Rename(p+".new", p); err != nil {
			return err
		}
	}
	return syncDir(filepath.Dir(p))
}

// loadIceberg reads the metadata a manifest names for a table.
func loadIceberg(dsDir, tableName string, ref *IcebergRef) (table.Metadata, error) {
	p := filepath.Join(dsDir, filepath.FromSlash(ref.Metadata))
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", tableName, err)
	}
	meta, err := table.ParseMetadataBytes(data)
	if err != nil {
		return nil, fmt.Errorf("table %s: %s: %w", tableName, p, err)
	}
	return meta, nil
}

// icebergCommit is one table's Iceberg commit inside Tx.Commit.
type icebergCommit struct {
	table string
	cat   *fileCatalog
	ref   *IcebergRef
}

// commitIceberg writes the next Iceberg version of a table whose files in the
// new manifest are files: one snapshot that removes the files the previous
// snapshot had and files lacks and adds the new ones (nothing else is
// rewritten, so the metadata written follows the change, not the history),
// and expires the snapshots retention no longer keeps. It returns nil when
// the table has nothing to commit.
func commitIceberg(ctx context.Context, dsLoc locator, td *tableDef, prev *IcebergRef, files []FileEntry, runID string, ret Retention, now time.Time) (*icebergCommit, error) {
	want, err := icebergSchema(td)
	if err != nil {
		return nil, err
	}
	cat := &fileCatalog{loc: dsLoc.sub(td.name), keep: ret.keep(), now: now}
	loc := cat.loc.base
	current := map[string]bool{}
	if prev != nil {
		meta, err := loadIceberg(dsLoc.dir, td.name, prev)
		if err != nil {
			return nil, err
		}
		if meta.Location() != loc || cat.loc.outsideHistory(meta) {
			// The dataset folder was moved, or now lives at another
			// location: the old metadata names files where they no
			// longer are. The table starts a new history, numbered
			// after the old one, which recovery then removes.
			cat.version = prev.Version
			prev = nil
		} else {
			cat.meta, cat.version = meta, prev.Version
			cat.metaPath = dsLoc.url(prev.Metadata)
			if s := meta.CurrentSnapshot(); s != nil {
				current, err = snapshotFiles(locatorFS{cat.loc}, s)
				if err != nil {
					return nil, fmt.Errorf("table %s: %w", td.name, err)
				}
			}
		}
	}
	if prev == nil {
		mapping, err := json.Marshal(want.NameMapping())
		if err != nil {
			return nil, err
		}
		meta, err := table.NewMetadata(want, iceberg.UnpartitionedSpec, table.UnsortedSortOrder, loc, iceberg.Properties{
			table.PropertyFormatVersion:               "2",
			table.DefaultNameMappingKey:               string(mapping),
			table.MetadataDeleteAfterCommitEnabledKey: "false",
			"write.parquet.compression-codec":         "zstd",
		})
		if err != nil {
			return nil, fmt.Errorf("table %s: %w", td.name, err)
		}
		cat.meta = meta
		if err := os.MkdirAll(filepath.Join(cat.loc.dir, icebergMetadataDir), dirPerm); err != nil {
			return nil, err
		}
	}

	var add, del []string
	listed := map[string]bool{}
	for _, f := range files {
		p := dsLoc.url(f.Path)
		listed[p] = true
		if !current[p] {
			add = append(add, p)
		}
	}
	for p := range current {
		if !listed[p] {
			del = append(del, p)
		}
	}
	slices.Sort(del)

	tbl, _ := cat.LoadTable(ctx, nil)
	txn := tbl.NewTransaction()
	changed := false
	if missing := missingColumns(cat.meta.CurrentSchema(), want); len(missing) > 0 {
		// Columns added to the row type after the table was created:
		// older files read them as null.
		if err := txn.UpdateSchema(true, false).UnionByNameWith(want).Commit(); err != nil {
			return nil, fmt.Errorf("table %s: add columns %s: %w", td.name, strings.Join(missing, ", "), err)
		}
		staged, err := txn.StagedTable()
		if err != nil {
			return nil, err
		}
		mapping, err := json.Marshal(staged.Schema().NameMapping())
		if err != nil {
			return nil, err
		}
		if err := txn.SetProperties(iceberg.Properties{table.DefaultNameMappingKey: string(mapping)}); err != nil {
			return nil, err
		}
		changed = true
	}
	props := iceberg.Properties{SnapshotRunIDKey: runID}
	switch {
	case len(add) == 0 && len(del) == 0:
	case len(del) == 0:
		if err := txn.AddFiles(ctx, add, props, false); err != nil {
			return nil, fmt.Errorf("table %s: add files: %w", td.name, err)
		}
		changed = true
	default:
		if err := txn.ReplaceDataFiles(ctx, del, add, props); err != nil {
			return nil, fmt.Errorf("table %s: replace files: %w", td.name, err)
		}
		changed = true
	}
	var snap *table.Snapshot
	switch {
	case changed:
		committed, err := txn.Commit(ctx)
		if err != nil {
			removeAll(cat.written)
			return nil, fmt.Errorf("table %s: iceberg commit: %w", td.name, err)
		}
		snap = committed.CurrentSnapshot()
	case len(cat.expired(cat.meta)) > 0:
		// Nothing changed but snapshots retention no longer keeps: a
		// version that only expires them.
		meta, _, err := cat.CommitTable(ctx, nil, nil, nil)
		if err != nil {
			removeAll(cat.written)
			return nil, fmt.Errorf("table %s: expire snapshots: %w", td.name, err)
		}
		snap = meta.CurrentSnapshot()
	default:
		return nil, nil
	}
	if snap == nil {
		removeAll(cat.written)
		return nil, fmt.Errorf("table %s: iceberg commit left no snapshot", td.name)
	}
	return &icebergCommit{
		table: td.name,
		cat:   cat,
		ref:   &IcebergRef{SnapshotID: snap.SnapshotID, Metadata: metadataRel(td.name, cat.version), Version: cat.version},
	}, nil
}

func missingColumns(have, want *iceberg.Schema) []string {
	var out []string
	for _, f := range want.Fields() {
		if _, ok := have.FindFieldByName(f.Name); !ok {
			out = append(out, f.Name)
		}
	}
	return out
}

func removeAll(paths []string) {
	for _, p := range paths {
		_ = os.Remove(p)
	}
}

// snapshotFiles returns the data files a snapshot holds, named as the
// metadata names them.
func snapshotFiles(fsys icebergio.IO, s *table.Snapshot) (map[string]bool, error) {
	out := map[string]bool{}
	manifests, err := s.Manifests(fsys)
	if err != nil {
		return nil, err
	}
	for _, m := range manifests {
		entries, err := m.FetchEntries(fsys, true)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			out[e.DataFile().FilePath()] = true
		}
	}
	return out, nil
}

// icebergRefs is what every snapshot a table keeps references: its data
// files and its manifest and manifest-list files.
type icebergRefs struct {
	data, meta map[string]bool // slash paths relative to the dataset folder
}

// keptFiles lists the files the snapshots of a table's metadata use. Every
// name must be under the table's location: one that is not (a hand-edited
// or foreign metadata file) is an error, never a file read or kept
// outside the dataset folder.
func keptFiles(dsLoc locator, tableName string, meta table.Metadata) (*icebergRefs, error) {
	refs := &icebergRefs{data: map[string]bool{}, meta: map[string]bool{}}
	tl := dsLoc.sub(tableName)
	fsys := locatorFS{tl}
	rel := func(what, name string) (string, error) {
		r, err := tl.rel(name)
		if err != nil {
			return "", fmt.Errorf("%s %s: %w", what, name, err)
		}
		return tableName + "/" + r, nil
	}
	for _, s := range meta.Snapshots() {
		list, err := rel("manifest list", s.ManifestList)
		if err != nil {
			return nil, err
		}
		refs.meta[list] = true
		manifests, err := s.Manifests(fsys)
		if err != nil {
			return nil, err
		}
		for _, m := range manifests {
			mrel, err := rel("manifest", m.FilePath())
			if err != nil {
				return nil, err
			}
			if refs.meta[mrel] {
				continue
			}
			refs.meta[mrel] = true
			entries, err := m.FetchEntries(fsys, true)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				drel, err := rel("data file", e.DataFile().FilePath())
				if err != nil {
					return nil, err
				}
				refs.data[drel] = true
			}
		}
	}
	return refs, nil
}

// writeVersionHint points readers of the file-system layout at version.
func writeVersionHint(absDir, tableName string, version int) error {
	p := filepath.Join(absDir, tableName, icebergMetadataDir, versionHintName)
	if data, err := os.ReadFile(p); err == nil && strings.TrimSpace(string(data)) == strconv.Itoa(version) {
		return nil
	}
	_, err := writeFileAtomic(p, []byte(strconv.Itoa(version)), manifestPermission)
	return err
}

// icebergState is what recovery needs to know of a table's Iceberg
// metadata: the version the manifest names and the files its kept
// snapshots use.
type icebergState struct {
	ref *IcebergRef
	// moved is set when the metadata names another location: the dataset
	// folder was moved, or is opened at another location base, so nothing
	// in the metadata folder is ours to judge until the next commit starts
	// a new history.
	moved bool
	refs  *icebergRefs
}

func readIcebergState(dsLoc locator, tableName string, ref *IcebergRef) (*icebergState, error) {
	st := &icebergState{ref: ref, refs: &icebergRefs{data: map[string]bool{}, meta: map[string]bool{}}}
	if ref == nil {
		return st, nil
	}
	meta, err := loadIceberg(dsLoc.dir, tableName, ref)
	if err != nil {
		return nil, err
	}
	if meta.Location() != dsLoc.sub(tableName).base {
		st.moved = true
		// The data files the old history keeps for time travel stay
		// until the next commit starts the new one, when they can be
		// read where they are now, under the folder, by the names the
		// metadata gives them. When they cannot, they go as they
		// always did: the old history ends at the next commit anyway.
		old, ok := strings.CutSuffix(meta.Location(), "/"+tableName)
		if !ok || old == "" {
			return st, nil
		}
		oldLoc := locator{dir: dsLoc.dir, base: old, escaped: escapedBase(old)}
		if oldLoc.sub(tableName).outsideHistory(meta) {
			return st, nil
		}
		if refs, err := keptFiles(oldLoc, tableName, meta); err == nil {
			st.refs = refs
		}
		return st, nil
	}
	if dsLoc.sub(tableName).outsideHistory(meta) {
		st.moved = true
		return st, nil
	}
	if st.refs, err = keptFiles(dsLoc, tableName, meta); err != nil {
		return nil, fmt.Errorf("table %s: %w", tableName, err)
	}
	return st, nil
}

// metadataLeftover tells what a file in a table's metadata folder is when
// the manifest does not account for it, or "" when it does.
func (st *icebergState) metadataLeftover(rel, name string) string {
	switch {
	case st.moved:
		return ""
	case strings.HasSuffix(name, ".metadata.json.new"):
		return "temp file"
	case metadataFileName.MatchString(name):
		v, _ := strconv.Atoi(metadataFileName.FindStringSubmatch(name)[1])
		if st.ref == nil || v != st.ref.Version {
			return "iceberg metadata not in manifest"
		}
	case strings.HasSuffix(name, ".avro"):
		if !st.refs.meta[rel] {
			return "iceberg manifest no snapshot uses"
		}
	case name == versionHintName:
		if st.ref == nil {
			return "iceberg metadata not in manifest"
		}
	}
	return ""
}

// ParseRetention reads a --snapshot-retention value: a Go duration
// ("36h", "90m") or a whole number of days ("30d"); "0" keeps only the
// current snapshot.
func ParseRetention(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if days, ok := strings.CutSuffix(s, "d"); ok && days != "" && strings.Trim(days, "0123456789") == "" {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n > 100*365 {
			return 0, fmt.Errorf("%q: at most 36500 days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 30d, 36h or 0", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("%q: a retention cannot be negative", s)
	}
	return d, nil
}

package history

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/orderhist/orderhist/dataset"
)

// Committed is the committed state of a dataset as this package reads it:
// the files the manifest lists for each table, and the manifest's as-of
// date. Reading through it, and never through a folder listing, means a
// run that is writing new files at the same moment is invisible, and
// nothing here ever takes the dataset's lock or repairs a crashed run.
type Committed interface {
	// Files lists a table's files, in manifest order; a table the
	// dataset does not have reads as empty.
	Files(table string) []File
}

// File is one Parquet file of a table.
type File struct {
	Path string // absolute or relative to the working folder
	Rows int64  // the row count the manifest promises
}

// Table names of the dataset, as the manifest lists them.
const (
	tableOrders     = "orders"
	tableItems      = "order_items"
	tableCustomers  = "customers"
	tableIdentities = "identities"
)

// manifestFiles is Committed over a dataset folder's manifest.
type manifestFiles struct {
	dir string
	m   *dataset.Manifest
}

// ErrNoDataset is returned by OpenDir when the folder holds no committed
// dataset.
var ErrNoDataset = errors.New("no dataset")

// OpenDir reads the manifest of the dataset in dir. It only reads: no lock,
// no recovery, no file created, so it works on a dataset another run is
// importing into, and on a read-only copy.
func OpenDir(dir string) (Committed, error) {
	m, err := dataset.ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s holds %w yet (run orderhist import first): %w", dir, ErrNoDataset, fs.ErrNotExist)
	}
	if err != nil {
		return nil, err
	}
	return &manifestFiles{dir: dir, m: m}, nil
}

func (mf *manifestFiles) Files(table string) []File {
	t := mf.m.Tables[table]
	out := make([]File, 0, len(t.Files))
	for _, f := range t.Files {
		out = append(out, File{Path: filepath.Join(mf.dir, filepath.FromSlash(f.Path)), Rows: f.Rows})
	}
	return out
}

package dataset

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
)

// OpenReadOnly opens the committed dataset in dir for reading: it reads the
// manifest and nothing else. It never creates, repairs or removes anything,
// so it may run while another process holds the lock and commits; a
// transaction begun on it fails. A folder without a manifest opens with a
// nil Manifest.
//
// Readers of a read-only dataset read the files its manifest lists, never
// what a glob finds: a commit in progress, or one a kill interrupted, has
// files in the table folders that the manifest does not list (Leftovers).
func OpenReadOnly(dir string) (*Dataset, error) {
	m, err := ReadManifest(dir)
	if errors.Is(err, fs.ErrNotExist) {
		m, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	loc, err := newLocator(dir, "")
	if err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", dir, err)
	}
	return &Dataset{dir: dir, abs: loc.dir, loc: loc, manifest: m, readOnly: true}, nil
}

// Leftovers lists what the dataset folder holds beside its committed files:
// a commit in progress, or what a killed run left, which the next run
// repairs under the lock before anything else. It changes nothing.
func (ds *Dataset) Leftovers() ([]Leftover, error) {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	left, _, err := ds.leftovers()
	return left, err
}

// ReadCommitted runs read over the committed dataset in dir, opened
// read-only. A commit that completes while read runs removes files of the
// manifest read opened with; when read then fails on a file that is gone
// and the manifest changed, it is run again over the new one (a few times
// at most, then the error is returned).
func ReadCommitted(ctx context.Context, dir string, read func(*Dataset) error) error {
	const attempts = 5
	var err error
	for range attempts {
		var ds *Dataset
		if ds, err = OpenReadOnly(dir); err != nil {
			return err
		}
		err = read(ds)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || ctx.Err() != nil {
			return err
		}
		now, merr := ReadManifest(dir)
		if merr != nil || ds.manifest == nil || now.RunID == ds.manifest.RunID {
			return err
		}
	}
	return err
}

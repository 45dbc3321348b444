package importer

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/orderhist/orderhist/dataset"
)

// OpenRebuild starts a run that reads no input: Commit resolves customers
// again from the dataset's own orders, every month read from its tables
// and none from the resolver state, and writes customers, identities,
// merges, links and the resolver state anew. Months whose orders all keep
// their customer are kept byte for byte, so Stats.Months-Stats.KeptMonths
// is how many months held an order the tables had put with another
// customer than a resolution now does. It verifies a dataset, or recovers
// one whose resolver state was lost.
func OpenRebuild(ctx context.Context, dir string, o Options) (*Run, error) {
	if !dataset.IsRemote(dir) {
		// Checked before Open, which would create the folder.
		if _, err := os.Stat(filepath.Join(dir, dataset.ManifestName)); err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s holds no dataset (no %s)", dir, dataset.ManifestName)
			}
			return nil, err
		}
	}
	o.ignoreState = true
	r, err := Open(ctx, dir, o)
	if err != nil {
		return nil, err
	}
	if r.ds.Manifest() == nil {
		r.Close()
		return nil, fmt.Errorf("%s holds no dataset (no %s)", dir, dataset.ManifestName)
	}
	return r, nil
}

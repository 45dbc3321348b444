package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// scratchPrefix names the scratch folders runs keep under the dataset
// folder: on the same disk as the output, removed when the run ends, and by
// the next run if this one was killed.
const scratchPrefix = ".spool-"

// Scratch removes the scratch folders of runs that died and creates one for
// a new run. Callers hold the dataset's lock, so no live run owns the
// folders removed.
func Scratch(dir string) (string, error) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), scratchPrefix) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
	p, err := os.MkdirTemp(dir, scratchPrefix)
	if err != nil {
		return "", fmt.Errorf("create a scratch folder in %s: %w", dir, err)
	}
	return p, nil
}

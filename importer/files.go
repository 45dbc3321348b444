package importer

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// ExportExtensions are the files a folder import picks up. Files named on
// the command line are read whatever their name.
var ExportExtensions = []string{".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}

// FolderExports lists the exports under dir, sorted: every file with one of
// ExportExtensions, skipping hidden files and folders and Excel's "~$"
// lock files.
func FolderExports(dir string) ([]string, error) {
	var found []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != dir && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "~$")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() && slices.Contains(ExportExtensions, strings.ToLower(filepath.Ext(name))) {
			found = append(found, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read folder %s: %w", dir, err)
	}
	slices.Sort(found)
	return found, nil
}

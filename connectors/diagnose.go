package connectors

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/orderhist/orderhist/connectors/tabular"
)

// Diagnoser is implemented by file connectors that can say why they do not
// read a file they were plainly meant for, such as a mapping file beside it
// that cannot be used. Route shows that reason instead of "no connector".
type Diagnoser interface {
	Diagnose(s *Sample) error
}

// ErrResaved is wrapped by the routing error of a marketplace export saved
// again in another format (an XLSX export saved as CSV, or the reverse).
var ErrResaved = errors.New("an export saved in another format")

// routeError is a routing failure explained by something more precise than
// "no connector reads this file" (a broken mapping file, an export saved
// in another format), which still matches ErrNoConnector.
type routeError struct {
	err  error
	also error // another sentinel it matches, if any
}

func (e *routeError) Error() string { return e.err.Error() }
func (e *routeError) Unwrap() error { return e.err }
func (e *routeError) Is(target error) bool {
	return target == ErrNoConnector || (e.also != nil && target == e.also)
}

// explainNoMatch says why no connector reads a file when something more
// precise is known than the closest layout: a connector's own diagnosis
// (a mapping file with an error), or a marketplace export saved in the
// other format, which its connector does not read.
func explainNoMatch(s *Sample, readers []FileReader) error {
	for _, fr := range readers {
		if d, ok := fr.(Diagnoser); ok {
			if err := d.Diagnose(s); err != nil {
				return &routeError{err: err}
			}
		}
	}
	for _, other := range otherFormat(s) {
		for _, fr := range readers {
			m := fr.Detect(other)
			if !m.Usable() {
				continue
			}
			desc := m.Description
			if desc == "" {
				desc = m.Connector + " " + m.Layout + " export"
			}
			was, is := strings.ToUpper(string(other.Kind)), strings.ToUpper(string(s.Kind))
			return &routeError{also: ErrResaved, err: fmt.Errorf("this is a %s saved again as %s (opened and saved in Excel or another program), which changes its columns and values; orderhist reads the export as it is downloaded: import the original %s file (or download it again)",
				desc, is, was)}
		}
	}
	return nil
}

// otherFormat is the sample as the other format's layouts would see it. A
// workbook saved as CSV keeps its title rows above the header, so the
// header line that sets the delimiter may be a title; the CSV is read again
// with each delimiter Excel writes.
func otherFormat(s *Sample) []*Sample {
	switch s.Kind {
	case tabular.KindXLSX:
		other := *s
		other.Kind = tabular.KindCSV
		return []*Sample{&other}
	case tabular.KindCSV:
		var out []*Sample
		for _, d := range []rune{s.Delimiter, ';', ',', '\t'} {
			if d == s.Delimiter && len(out) > 0 {
				continue
			}
			if alt, err := readCSVSample(s.Path, d, true); err == nil {
				alt.Kind = tabular.KindXLSX
				out = append(out, alt)
			}
		}
		return out
	}
	return nil
}

// Skipped is a file a folder import leaves out, and why.
type Skipped struct {
	Path   string
	Reason string
}

// ExportExtensions are the names a folder import reads. Files named on the
// command line are read whatever their name.
var ExportExtensions = []string{".csv", ".tsv", ".txt", ".xlsx", ".xlsm"}

// WalkExports lists the files under root a folder import reads, sorted,
// and every other file with the reason it is left out: hidden files and
// folders, Excel's "~$" lock files, and files whose name is not an export's.
// A file with an export's content under another name (a CSV or an XLSX
// saved as .xls) is read; the others are named for what they are
// (password-protected, .xls, .ods, PDF, image) with what to do about them.
func WalkExports(root string) (files []string, skipped []Skipped, err error) {
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p == root {
			return nil
		}
		switch {
		case strings.HasPrefix(name, "."):
			if d.IsDir() {
				return filepath.SkipDir
			}
			skipped = append(skipped, Skipped{p, "a hidden file"})
			return nil
		case strings.HasPrefix(name, "~$"):
			if !d.IsDir() {
				skipped = append(skipped, Skipped{p, "Excel's lock file for a workbook open in Excel, not an export"})
			}
			return nil
		case d.IsDir():
			return nil
		case !d.Type().IsRegular():
			skipped = append(skipped, Skipped{p, "not a regular file"})
			return nil
		}
		read, reason := exportFile(p)
		if read {
			files = append(files, p)
		} else {
			skipped = append(skipped, Skipped{p, reason})
		}
		return nil
	})
	slices.Sort(files)
	return files, skipped, err
}

// exportFile says whether a folder import reads the file at p, and if not
// why.
func exportFile(p string) (bool, string) {
	ext := strings.ToLower(filepath.Ext(p))
	if slices.Contains(ExportExtensions, ext) {
		return true, ""
	}
	kind, err := tabular.DetectKind(p)
	switch {
	case err != nil && errors.Is(err, tabular.ErrNotSpreadsheet):
		return false, strings.TrimPrefix(err.Error(), tabular.ErrNotSpreadsheet.Error()+": ")
	case err != nil:
		return false, err.Error()
	case kind == tabular.KindXLSX:
		// A workbook under another name (".xls" from a tool that
		// mislabels its XLSX) reads as the workbook it is.
		return true, ""
	case ext == ".xls":
		// Some exporters save CSV text with an .xls name.
		return true, ""
	case strings.HasSuffix(p, ".mapping.yaml"):
		return false, "a mapping file (read with the export beside it)"
	}
	return false, fmt.Sprintf("not an export: a folder import reads %s files", strings.Join(ExportExtensions, ", "))
}

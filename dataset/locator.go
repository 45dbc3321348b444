package dataset

import (
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	icebergio "github.com/apache/iceberg-go/io"
	"github.com/apache/iceberg-go/table"
)

// locator maps the names the Iceberg metadata gives a dataset's files to
// the files themselves. The metadata names every file under a location
// base: the dataset folder's absolute path for a local dataset, or the
// bucket URL of a dataset that lives in object storage, whose bytes are
// read and written in a local working copy. Either way every byte is in
// dir.
type locator struct {
	dir  string // the local folder, absolute
	base string // the URL prefix, without a trailing slash
	// escaped is base as iceberg-go's location provider spells it (it
	// builds manifest names with url.URL.String, which escapes a space or
	// an accent), or "" when that is base itself.
	escaped string
}

// newLocator maps names under location to files under dir; location ""
// is dir's absolute path, the local default.
func newLocator(dir, location string) (locator, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return locator{}, err
	}
	base := filepath.ToSlash(abs)
	if location != "" {
		if base, err = checkLocationBase(location); err != nil {
			return locator{}, err
		}
	}
	return locator{dir: abs, base: base, escaped: escapedBase(base)}, nil
}

// checkLocationBase accepts a URL with a scheme, a host and a clean path,
// and drops its trailing slash. Anything a file name could climb out of,
// or that a URL parser reads other than the plain prefix it is, is
// refused.
func checkLocationBase(location string) (string, error) {
	base := strings.TrimRight(location, "/")
	u, err := url.Parse(base)
	switch {
	case !urlScheme.MatchString(base):
		return "", fmt.Errorf("location %q: want a URL such as s3://bucket/prefix", location)
	case err != nil:
		return "", fmt.Errorf("location %q: %w", location, err)
	case u.Host == "" || u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "":
		return "", fmt.Errorf("location %q: want scheme://bucket/prefix, without user, query or fragment", location)
	case strings.ContainsAny(base, "\\\x00%"):
		return "", fmt.Errorf("location %q: backslashes, NUL and %% escapes are not allowed", location)
	}
	if p := strings.TrimPrefix(u.Path, "/"); p != "" && !fs.ValidPath(p) {
		return "", fmt.Errorf("location %q: the path has empty, . or .. segments", location)
	}
	return base, nil
}

func escapedBase(base string) string {
	u, err := url.Parse(base)
	if err != nil || u.String() == base {
		return ""
	}
	return u.String()
}

// sub is the locator of a folder below l's, such as a table's: names
// outside it are refused too.
func (l locator) sub(rel string) locator {
	base := l.base + "/" + rel
	return locator{dir: filepath.Join(l.dir, filepath.FromSlash(rel)), base: base, escaped: escapedBase(base)}
}

// url is the name of the file at rel, a slash path relative to dir.
func (l locator) url(rel string) string { return l.base + "/" + rel }

// errOutsideLocation is wrapped by every refusal of a name that is not
// under the location base: a hand-edited or foreign metadata file must not
// make us read or delete anything outside the dataset folder.
var errOutsideLocation = errors.New("not under the location")

// rel is the slash path, relative to dir, of the file the metadata names
// name, or an error when name is not under the base.
func (l locator) rel(name string) (string, error) {
	rest, ok := strings.CutPrefix(name, l.base+"/")
	if !ok && l.escaped != "" {
		if r, ok2 := strings.CutPrefix(name, l.escaped+"/"); ok2 {
			var err error
			rest, err = url.PathUnescape(r)
			ok = err == nil
		}
	}
	// A name must be a plain path below the base: no "..", no empty or
	// "." segment, nothing Windows reads as a separator or a stream, and
	// no escape another reader could decode into any of these (our own
	// names have none).
	if !ok || rest == "." || !fs.ValidPath(rest) || path.Clean(rest) != rest || strings.ContainsAny(rest, "\\:%\x00") {
		return "", fmt.Errorf("%w %s", errOutsideLocation, l.base)
	}
	return rest, nil
}

// outsideHistory tells whether meta, at l's location, has manifest lists
// that are not in l's folder: versions before the locator named them in
// the escaped spelling of a path with a space or an accent and wrote them
// there as a literal folder name, beside the dataset folder. That history
// cannot be read without reading outside the folder, so it is treated as
// a moved folder's: the next commit starts a new one.
func (l locator) outsideHistory(meta table.Metadata) bool {
	if l.escaped == "" || meta.Location() != l.base {
		return false
	}
	for _, s := range meta.Snapshots() {
		if !strings.HasPrefix(s.ManifestList, l.escaped+"/") {
			continue
		}
		p, err := l.path(s.ManifestList)
		if err != nil {
			return false // refused where it is read, with the name
		}
		if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
			return true
		}
	}
	return false
}

// path is the local file the metadata names name.
func (l locator) path(name string) (string, error) {
	rel, err := l.rel(name)
	if err != nil {
		return "", err
	}
	return filepath.Join(l.dir, filepath.FromSlash(rel)), nil
}

// locatorFS is the IO iceberg-go reads and writes a table's files with:
// LocalFS on the local file each name maps to, and an error for a name
// outside the table's location.
type locatorFS struct{ loc locator }

var (
	_ icebergio.WriteFileIO = locatorFS{}
	_ icebergio.ReadFileIO  = locatorFS{}
	_ icebergio.StatIO      = locatorFS{}
)

func (f locatorFS) local(op, name string) (string, error) {
	p, err := f.loc.path(name)
	if err != nil {
		return "", &fs.PathError{Op: op, Path: name, Err: err}
	}
	return p, nil
}

func (f locatorFS) Open(name string) (icebergio.File, error) {
	p, err := f.local("open", name)
	if err != nil {
		return nil, err
	}
	return icebergio.LocalFS{}.Open(p)
}

func (f locatorFS) ReadFile(name string) ([]byte, error) {
	p, err := f.local("read", name)
	if err != nil {
		return nil, err
	}
	return icebergio.LocalFS{}.ReadFile(p)
}

func (f locatorFS) Create(name string) (icebergio.FileWriter, error) {
	p, err := f.local("create", name)
	if err != nil {
		return nil, err
	}
	return icebergio.LocalFS{}.Create(p)
}

func (f locatorFS) WriteFile(name string, data []byte) error {
	p, err := f.local("write", name)
	if err != nil {
		return err
	}
	return icebergio.LocalFS{}.WriteFile(p, data)
}

func (f locatorFS) Remove(name string) error {
	p, err := f.local("remove", name)
	if err != nil {
		return err
	}
	return icebergio.LocalFS{}.Remove(p)
}

func (f locatorFS) Stat(name string) (fs.FileInfo, error) {
	p, err := f.local("stat", name)
	if err != nil {
		return nil, err
	}
	return icebergio.LocalFS{}.Stat(p)
}

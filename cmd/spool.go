package cmd

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// spoolPrefix names the scratch folder a run keeps under the dataset folder,
// on the same disk as the output, removed when the run ends (and by the next
// run if this one was killed).
const spoolPrefix = ".spool-"

// spoolWriter appends values of one type to a scratch file. Orders are
// spooled by month so that each month can later be merged and written with
// only that month in memory.
type spoolWriter[T any] struct {
	f   *os.File
	buf *bufio.Writer
	enc *gob.Encoder
	n   int64
}

func createSpool[T any](path string) (*spoolWriter[T], error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	buf := bufio.NewWriterSize(f, 64<<10)
	return &spoolWriter[T]{f: f, buf: buf, enc: gob.NewEncoder(buf)}, nil
}

func (w *spoolWriter[T]) Write(v *T) error {
	w.n++
	return w.enc.Encode(v)
}

func (w *spoolWriter[T]) Close() error {
	err := w.buf.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readSpool calls fn for every value of a spool file.
func readSpool[T any](path string, fn func(*T) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := gob.NewDecoder(bufio.NewReaderSize(f, 64<<10))
	for {
		var v T
		if err := dec.Decode(&v); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), err)
		}
		if err := fn(&v); err != nil {
			return err
		}
	}
}

// monthSpools keeps one spool per month for one input.
type monthSpools[T any] struct {
	dir    string
	prefix string
	files  map[string]*spoolWriter[T]
	paths  map[string]string
}

func newMonthSpools[T any](dir, prefix string) *monthSpools[T] {
	return &monthSpools[T]{dir: dir, prefix: prefix, files: map[string]*spoolWriter[T]{}, paths: map[string]string{}}
}

func (m *monthSpools[T]) Write(month string, v *T) error {
	w, ok := m.files[month]
	if !ok {
		p := filepath.Join(m.dir, m.prefix+"-"+month+".gob")
		var err error
		if w, err = createSpool[T](p); err != nil {
			return err
		}
		m.files[month], m.paths[month] = w, p
	}
	return w.Write(v)
}

// Close closes every month's file and returns their paths by month.
func (m *monthSpools[T]) Close() (map[string]string, error) {
	var first error
	for _, w := range m.files {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.files = map[string]*spoolWriter[T]{}
	return m.paths, first
}

// Discard closes and removes every file.
func (m *monthSpools[T]) Discard() {
	m.Close()
	for _, p := range m.paths {
		os.Remove(p)
	}
	m.paths = map[string]string{}
}

// removeStaleSpools deletes scratch folders of runs that died. Callers hold
// the dataset lock, so no live run owns them.
func removeStaleSpools(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), spoolPrefix) {
			os.RemoveAll(filepath.Join(dir, e.Name()))
		}
	}
}

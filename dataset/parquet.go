package dataset

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime/debug"

	"github.com/parquet-go/parquet-go"
)

// DefaultMaxRowsPerRowGroup bounds a row group, and so the writer's memory:
// parquet-go's own default is unlimited, which holds the whole file in memory
// until Close.
const DefaultMaxRowsPerRowGroup = 128 * 1024

// DefaultFilePerm is the mode of dataset files before the umask. The files
// hold buyers' personal data (LGPD), so they are not world-readable.
const DefaultFilePerm os.FileMode = 0o640

// Option configures a ParquetFile.
type Option func(*fileConfig)

type fileConfig struct {
	maxRows  int64
	version  string
	build    string
	perm     os.FileMode
	metadata [][2]string
	// extra reaches parquet-go directly; tests use it to provoke failures.
	extra []parquet.WriterOption
}

// WithMaxRowsPerRowGroup sets the row group size; n <= 0 keeps the default.
func WithMaxRowsPerRowGroup(n int64) Option {
	return func(c *fileConfig) {
		if n > 0 {
			c.maxRows = n
		}
	}
}

// WithVersion sets the orderhist version and build recorded in the file's
// created_by field. Without it the module version from the build info is used.
func WithVersion(version, build string) Option {
	return func(c *fileConfig) { c.version, c.build = version, build }
}

// WithKeyValue adds a key-value pair to the file footer's metadata.
func WithKeyValue(key, value string) Option {
	return func(c *fileConfig) { c.metadata = append(c.metadata, [2]string{key, value}) }
}

// WithPerm sets the file mode (before the umask); the default is DefaultFilePerm.
func WithPerm(perm os.FileMode) Option {
	return func(c *fileConfig) { c.perm = perm }
}

// ParquetFile writes rows of T as one zstd-compressed Parquet file that
// appears at its path only on Commit. It hashes the bytes as they are
// written, so the manifest's checksum costs no second read.
//
// parquet-go panics on some invalid schemas, options and values; every call
// into it is recovered here and returned as an error, after which the file
// can only be aborted.
//
// A ParquetFile is not safe for concurrent use.
type ParquetFile[T any] struct {
	af   *AtomicFile
	out  *hashingWriter
	w    *parquet.GenericWriter[T]
	buf  []parquet.Row // reused by write
	rows int64
	err  error
	sum  string
}

// NewParquetFile starts writing rows of T to path.
func NewParquetFile[T any](path string, opts ...Option) (*ParquetFile[T], error) {
	cfg := fileConfig{maxRows: DefaultMaxRowsPerRowGroup, perm: DefaultFilePerm}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.version == "" {
		cfg.version = moduleVersion()
	}
	wopts := []parquet.WriterOption{
		parquet.Compression(&parquet.Zstd),
		parquet.MaxRowsPerRowGroup(cfg.maxRows),
		// parquet.CreatedBy drops the space before "(build", and readers
		// parse this field to decide which writer bugs to work around, so
		// the conventional form is set directly.
		&parquet.WriterConfig{CreatedBy: createdBy(cfg.version, cfg.build)},
	}
	for _, kv := range cfg.metadata {
		wopts = append(wopts, parquet.KeyValueMetadata(kv[0], kv[1]))
	}
	wopts = append(wopts, cfg.extra...)

	af, err := CreateAtomic(path, cfg.perm)
	if err != nil {
		return nil, err
	}
	out := &hashingWriter{w: af, h: sha256.New()}
	w, err := newGenericWriter[T](out, wopts)
	if err != nil {
		_ = af.Abort()
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &ParquetFile[T]{af: af, out: out, w: w}, nil
}

func newGenericWriter[T any](out io.Writer, opts []parquet.WriterOption) (w *parquet.GenericWriter[T], err error) {
	defer recoverInto(&err)
	return parquet.NewGenericWriter[T](out, opts...), nil
}

// Write appends rows. Row groups are flushed to disk as they fill, so memory
// stays bounded by the row group size, not by the file.
func (p *ParquetFile[T]) Write(rows []T) error {
	if p.err != nil {
		return p.err
	}
	if p.af.committed || p.af.aborted {
		return ErrFileClosed
	}
	n, err := p.write(rows)
	p.rows += int64(n)
	if err != nil {
		p.err = fmt.Errorf("write %s: %w", p.af.Name(), err)
		return p.err
	}
	return nil
}

// write turns each row into column values one by one and hands them over
// in batches. parquet-go's own batch path (GenericWriter.Write) decides
// which values of an optional column are null with a bitmap scan that
// misplaces the boundary between runs of nulls and non-nulls (parquet-go
// v0.32.0, column_buffer_write.go writeRowsFuncOfOptional): an empty
// payment_method after a filled one came out as "" instead of NULL. The
// per-row path (Schema.Deconstruct, or a row type's own appendValues)
// checks each value on its own.
func (p *ParquetFile[T]) write(rows []T) (n int, err error) {
	defer recoverInto(&err)
	schema := p.w.Schema()
	const batch = 256
	for len(rows) > 0 {
		k := min(batch, len(rows))
		if cap(p.buf) < k {
			p.buf = make([]parquet.Row, batch)
		}
		buf := p.buf[:k]
		for i := range buf {
			if a, ok := any(&rows[i]).(rowAppender); ok {
				buf[i] = a.appendValues(buf[i][:0])
			} else {
				buf[i] = schema.Deconstruct(buf[i][:0], &rows[i])
			}
		}
		m, err := p.w.WriteRows(buf)
		n += m
		if err != nil {
			return n, err
		}
		rows = rows[k:]
	}
	return n, nil
}

// Commit writes the footer and moves the file into place. A file that got no
// rows is still a valid Parquet file with the full schema, so a table with
// nothing in it reads as empty rather than as missing.
func (p *ParquetFile[T]) Commit() error {
	if p.af.committed || p.af.aborted {
		return ErrFileClosed
	}
	if p.err != nil {
		_ = p.af.Abort()
		return p.err
	}
	err := p.close()
	// The transaction keeps the file until it commits; the writer's column
	// buffers are not needed past this point, and holding them made memory
	// grow with every file a run writes.
	p.w = nil
	if err != nil {
		_ = p.af.Abort()
		p.err = fmt.Errorf("close %s: %w", p.af.Name(), err)
		return p.err
	}
	// The file is complete once the footer is out; hash it before the
	// rename, whose folder sync can fail after the file is already in place.
	p.sum = hex.EncodeToString(p.out.h.Sum(nil))
	if err := p.af.Commit(); err != nil {
		p.err = err
		return err
	}
	return nil
}

func (p *ParquetFile[T]) close() (err error) {
	defer recoverInto(&err)
	return p.w.Close()
}

// Abort discards the file; it is a no-op after Commit.
func (p *ParquetFile[T]) Abort() error {
	if !p.af.committed {
		p.w = nil
	}
	return p.af.Abort()
}

// Rows returns the number of rows written so far.
func (p *ParquetFile[T]) Rows() int64 { return p.rows }

// Size returns the number of bytes written so far (the file size after Commit).
func (p *ParquetFile[T]) Size() int64 { return p.out.n }

// SHA256 returns the hex SHA-256 of the file; it is empty before Commit.
func (p *ParquetFile[T]) SHA256() string { return p.sum }

// Path returns where the file appears on Commit.
func (p *ParquetFile[T]) Path() string { return p.af.Name() }

func (p *ParquetFile[T]) committed() bool { return p.af.committed }
func (p *ParquetFile[T]) aborted() bool   { return p.af.aborted }

type hashingWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (hw *hashingWriter) Write(b []byte) (int, error) {
	n, err := hw.w.Write(b)
	hw.h.Write(b[:n])
	hw.n += int64(n)
	return n, err
}

// errPanic marks errors that were panics inside parquet-go.
var errPanic = errors.New("parquet-go panic")

func recoverInto(err *error) {
	if r := recover(); r != nil {
		if e, ok := r.(error); ok {
			*err = fmt.Errorf("%w: %w", errPanic, e)
		} else {
			*err = fmt.Errorf("%w: %v", errPanic, r)
		}
	}
}

func createdBy(version, build string) string {
	s := "orderhist version " + version
	if build != "" {
		s += " (build " + build + ")"
	}
	return s
}

func moduleVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

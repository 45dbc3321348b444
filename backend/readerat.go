package backend

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrChanged: the object was replaced while a ReaderAt read it.
var ErrChanged = errors.New("the object changed while it was being read")

// ReaderAt reads ranges of one version of an object, for readers that
// seek, such as a Parquet reader that reads the footer and then the column
// chunks it needs. Each ReadAt is one ranged read; a range that comes back
// from another version of the object fails with ErrChanged instead of
// mixing two versions' bytes.
type ReaderAt struct {
	ctx  context.Context
	b    Backend
	info Info
}

// NewReaderAt stats key and returns a ReaderAt of the version found.
func NewReaderAt(ctx context.Context, b Backend, key string) (*ReaderAt, error) {
	info, err := b.Stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &ReaderAt{ctx: ctx, b: b, info: info}, nil
}

// Size is the object's size, as io.SectionReader and Parquet readers want.
func (r *ReaderAt) Size() int64 { return r.info.Size }

// Info is the version being read.
func (r *ReaderAt) Info() Info { return r.info }

// ReadAt implements io.ReaderAt.
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, &Error{Op: "read", Location: r.b.Location(), Key: r.info.Key, Err: fmt.Errorf("negative offset %d", off)}
	}
	if off >= r.info.Size {
		return 0, io.EOF
	}
	want := min(int64(len(p)), r.info.Size-off)
	rc, in, err := r.b.OpenRange(r.ctx, r.info.Key, off, want)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if in.ETag != r.info.ETag {
		return 0, &Error{Op: "read", Location: r.b.Location(), Key: r.info.Key, Err: ErrChanged}
	}
	n, err := io.ReadFull(rc, p[:want])
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = &Error{Op: "read", Location: r.b.Location(), Key: r.info.Key,
				Err: fmt.Errorf("%w: it ended at %d bytes of a %d-byte range", ErrChanged, n, want)}
		}
		return n, err
	}
	if want < int64(len(p)) {
		return n, io.EOF
	}
	return n, nil
}

package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
)

// readBatch is the number of rows handed to ReadTable's callback at a time.
const readBatch = 4096

// ReadTable reads back every row of table, file by file in manifest order,
// calling fn with batches of rows. It reads the committed dataset, even while
// a transaction on ds is open, which is how a re-import merges with what is
// already there. fn must not keep the slice: it is reused for the next batch.
//
// T is usually the table's row type; a struct with a subset of the columns
// reads only those. A table the dataset does not have yet reads as empty.
func ReadTable[T any](ctx context.Context, ds *Dataset, table string, fn func([]T) error) error {
	m := ds.Manifest()
	if m == nil {
		return nil
	}
	buf := make([]T, readBatch)
	for _, f := range m.Tables[table].Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(ds.dir, filepath.FromSlash(f.Path))
		n, err := readFile(ctx, p, buf, fn)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
		if n != f.Rows {
			return fmt.Errorf("read %s: %d rows, the manifest says %d", f.Path, n, f.Rows)
		}
	}
	return nil
}

func readFile[T any](ctx context.Context, path string, buf []T, fn func([]T) error) (rows int64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, err
	}
	// parquet-go panics on malformed files and on rows it cannot convert;
	// a damaged file must fail the run, not crash it.
	defer recoverInto(&err)
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return 0, err
	}
	r := parquet.NewGenericReader[T](pf)
	defer r.Close()
	for {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		// Callers copy rows out of the batch, and a copy shares its pointer
		// fields with the batch; zeroing first means the reader can only
		// allocate new targets, never write through a pointer a caller kept.
		clear(buf)
		n, rerr := r.Read(buf)
		rows += int64(n)
		if n > 0 {
			if err := fn(buf[:n]); err != nil {
				return rows, err
			}
		}
		if errors.Is(rerr, io.EOF) {
			return rows, nil
		}
		if rerr != nil {
			return rows, rerr
		}
	}
}

package dataset

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

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
	return readFiles(ctx, ds, table, "", fn)
}

// ReadPartition is ReadTable for the files of one partition of a
// partitioned table ("ordered_month=2026-02", see MonthPartition), in
// manifest order: a run that touches a few months reads only theirs.
func ReadPartition[T any](ctx context.Context, ds *Dataset, table, partition string, fn func([]T) error) error {
	if partition == "" {
		return fmt.Errorf("read %s: no partition given", table)
	}
	return readFiles(ctx, ds, table, table+"/"+partition+"/", fn)
}

// PartitionRows counts the rows of each partition of a partitioned table
// that the manifest lists; a partition whose files hold no row is left
// out.
func (ds *Dataset) PartitionRows(table string) map[string]int64 {
	out := map[string]int64{}
	m := ds.Manifest()
	if m == nil {
		return out
	}
	for _, f := range m.Tables[table].Files {
		rest, ok := strings.CutPrefix(f.Path, table+"/")
		if !ok {
			continue
		}
		part, _, ok := strings.Cut(rest, "/")
		if ok && f.Rows > 0 {
			out[part] += f.Rows
		}
	}
	return out
}

// readFiles reads the files of table whose path starts with prefix (every
// file for "").
func readFiles[T any](ctx context.Context, ds *Dataset, table, prefix string, fn func([]T) error) error {
	m := ds.Manifest()
	if m == nil {
		return nil
	}
	// A batch need not outgrow the rows there are: a run reading many
	// small months would otherwise allocate and clear a full batch for
	// each.
	var rows int64
	for _, f := range m.Tables[table].Files {
		if strings.HasPrefix(f.Path, prefix) {
			rows += f.Rows
		}
	}
	buf := make([]T, max(1, min(readBatch, rows)))
	for _, f := range m.Tables[table].Files {
		if !strings.HasPrefix(f.Path, prefix) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		p := filepath.Join(ds.dir, filepath.FromSlash(f.Path))
		n, err := ReadFile(ctx, p, buf, fn)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
		if n != f.Rows {
			return fmt.Errorf("read %s: %d rows, the manifest says %d", f.Path, n, f.Rows)
		}
	}
	return nil
}

// ReadFile reads every row of one Parquet file, calling fn with batches of
// at most len(buf) rows, and returns how many it read. It is the reading
// loop of ReadTable, for readers that list a committed dataset's files
// themselves (history reads the manifest without opening the dataset).
// fn must not keep the slice: buf is reused for the next batch.
func ReadFile[T any](ctx context.Context, path string, buf []T, fn func([]T) error) (rows int64, err error) {
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

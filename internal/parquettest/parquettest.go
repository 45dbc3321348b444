// Package parquettest reads Parquet files in tests with arrow-go, an
// implementation that shares no code with the writer (parquet-go), so a test
// checks what another engine will see, not what our own code believes it
// wrote. It also keeps golden files.
package parquettest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// File is what arrow-go makes of one Parquet file.
type File struct {
	Schema *arrow.Schema
	Reader *file.Reader
	// Rows are the rows as ordered maps would print them: JSONL with keys
	// in column order, decimals as strings, timestamps as RFC 3339 UTC.
	JSONL []byte
	// Records holds the same rows decoded into maps, for assertions.
	Records []map[string]any
}

// Read reads path with arrow-go.
func Read(t testing.TB, path string) File {
	t.Helper()
	rdr, err := file.OpenParquetFile(path, false)
	if err != nil {
		t.Fatalf("arrow-go cannot open %s: %v", path, err)
	}
	t.Cleanup(func() { rdr.Close() })
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: 1024}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := fr.Schema()
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatalf("arrow-go cannot read %s: %v", path, err)
	}
	defer tbl.Release()

	var out bytes.Buffer
	var recs []map[string]any
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			m := map[string]any{}
			out.WriteByte('{')
			for c := 0; c < int(rec.NumCols()); c++ {
				if c > 0 {
					out.WriteByte(',')
				}
				v := Value(t, rec.Column(c), i)
				m[rec.ColumnName(c)] = v
				writeJSON(t, &out, rec.ColumnName(c))
				out.WriteByte(':')
				writeJSON(t, &out, v)
			}
			out.WriteString("}\n")
			recs = append(recs, m)
		}
	}
	if err := tr.Err(); err != nil {
		t.Fatal(err)
	}
	return File{Schema: schema, Reader: rdr, JSONL: out.Bytes(), Records: recs}
}

// ReadGlob reads every file matching pattern, in name order, and returns
// their rows in that order.
func ReadGlob(t testing.TB, pattern string) File {
	t.Helper()
	paths, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	var all File
	for _, p := range paths {
		f := Read(t, p)
		all.Schema = f.Schema
		all.JSONL = append(all.JSONL, f.JSONL...)
		all.Records = append(all.Records, f.Records...)
	}
	return all
}

func writeJSON(t testing.TB, b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	b.Truncate(b.Len() - 1) // Encode's newline
}

// Value is the JSON form of one Arrow value.
func Value(t testing.TB, col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC().Format(time.RFC3339Nano)
	case *array.Dictionary:
		return Value(t, a.Dictionary(), a.GetValueIndex(i))
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := []any{}
		for j := start; j < end; j++ {
			vals = append(vals, Value(t, a.ListValues(), int(j)))
		}
		return vals
	}
	t.Fatalf("no JSON form for arrow type %s", col.DataType())
	return nil
}

// Golden compares got with the file at path, or rewrites it when update is
// set.
func Golden(t testing.TB, path string, got []byte, update bool) {
	t.Helper()
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file %s:\n got:\n%s\nwant:\n%s", t.Name(), path, got, want)
	}
}

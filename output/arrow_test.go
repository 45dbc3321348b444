package output

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var update = flag.Bool("update", false, "rewrite golden files")

// arrowFile is what an independent Parquet implementation makes of a file.
type arrowFile struct {
	schema *arrow.Schema
	rdr    *file.Reader
	jsonl  []byte
}

// readWithArrow reads path with arrow-go, which shares no code with the
// writer, and dumps the rows as canonical JSONL: one object per row, keys in
// column order, decimals as strings, timestamps as RFC 3339 in UTC.
func readWithArrow(t testing.TB, path string) arrowFile {
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
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	for tr.Next() {
		rec := tr.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			out.WriteByte('{')
			for c := 0; c < int(rec.NumCols()); c++ {
				if c > 0 {
					out.WriteByte(',')
				}
				writeJSON(t, &out, rec.ColumnName(c))
				out.WriteByte(':')
				writeJSON(t, &out, arrowValue(t, rec.Column(c), i))
			}
			out.WriteString("}\n")
		}
	}
	if err := tr.Err(); err != nil {
		t.Fatal(err)
	}
	return arrowFile{schema: schema, rdr: rdr, jsonl: out.Bytes()}
}

func writeJSON(t testing.TB, b *bytes.Buffer, v any) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	b.Truncate(b.Len() - 1) // Encode's newline
}

func arrowValue(t testing.TB, col arrow.Array, i int) any {
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
	case *array.List:
		start, end := a.ValueOffsets(i)
		vals := []any{}
		for j := start; j < end; j++ {
			vals = append(vals, arrowValue(t, a.ListValues(), int(j)))
		}
		return vals
	}
	t.Fatalf("no JSON form for arrow type %s", col.DataType())
	return nil
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test ./output -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file %s:\n got:\n%s\nwant:\n%s", t.Name(), p, got, want)
	}
}

// arrowTypeFor is the Arrow type a reader must see for each logical type we
// publish: this is the interoperability promise checked from the other side.
func arrowTypeFor(logical string) string {
	switch logical {
	case TypeString:
		return "utf8"
	case TypeTimestamp:
		return "timestamp[us, tz=UTC]"
	case TypeDecimal:
		return "decimal(18, 2)"
	case TypeInt32:
		return "int32"
	case TypeInt64:
		return "int64"
	case TypeDouble:
		return "float64"
	case TypeBoolean:
		return "bool"
	case TypeListStr:
		return "list<element: utf8>"
	}
	return "unknown " + strconv.Quote(logical)
}

func fieldTypeString(f arrow.Field) string {
	if lt, ok := f.Type.(*arrow.ListType); ok {
		ef := lt.ElemField()
		n := ""
		if ef.Nullable {
			n = ", nullable"
		}
		return fmt.Sprintf("list<element: %s%s>", ef.Type, n)
	}
	return f.Type.String()
}

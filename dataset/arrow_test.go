package dataset

import (
	"flag"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/file"

	"github.com/orderhist/orderhist/internal/parquettest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// arrowFile is what an independent Parquet implementation makes of a file.
type arrowFile struct {
	schema *arrow.Schema
	rdr    *file.Reader
	jsonl  []byte
}

// readWithArrow reads path with arrow-go, which shares no code with the
// writer, and dumps the rows as canonical JSONL.
func readWithArrow(t testing.TB, path string) arrowFile {
	t.Helper()
	f := parquettest.Read(t, path)
	return arrowFile{schema: f.Schema, rdr: f.Reader, jsonl: f.JSONL}
}

// checkGolden compares got with testdata/golden/name, or rewrites it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	parquettest.Golden(t, filepath.Join("testdata", "golden", name), got, *update)
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

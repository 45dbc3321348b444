package connectortest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// Canonical renders one record as a single JSON line: zero values left out,
// amounts as decimal strings, times in RFC 3339 UTC, file paths reduced to
// their base name. Every exported field of normalize.Order appears without
// being listed here, so a field added to the schema shows in the goldens.
func Canonical(rec connectors.Record) ([]byte, error) {
	out := map[string]any{}
	if rec.Order != nil {
		o := *rec.Order
		o.SourceFile = filepath.Base(o.SourceFile)
		out["order"] = canonicalValue(reflect.ValueOf(o))
	}
	if len(rec.Rejects) > 0 {
		var rs []any
		for _, r := range rec.Rejects {
			r.File = filepath.Base(r.File)
			rs = append(rs, canonicalValue(reflect.ValueOf(r)))
		}
		out["rejects"] = rs
	}
	return json.Marshal(out)
}

var (
	amountType = reflect.TypeFor[normalize.Amount]()
	timeType   = reflect.TypeFor[time.Time]()
)

func canonicalValue(v reflect.Value) any {
	switch {
	case v.Type() == amountType:
		a := v.Interface().(normalize.Amount)
		if !a.Valid {
			return nil
		}
		return a.String()
	case v.Type() == timeType:
		t := v.Interface().(time.Time)
		if t.IsZero() {
			return nil
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	switch v.Kind() {
	case reflect.Struct:
		m := map[string]any{}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			if x := canonicalValue(v.Field(i)); x != nil {
				m[f.Name] = x
			}
		}
		if len(m) == 0 {
			return nil
		}
		return m
	case reflect.Slice:
		if v.Len() == 0 {
			return nil
		}
		s := make([]any, v.Len())
		for i := range s {
			s[i] = canonicalValue(v.Index(i))
		}
		return s
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return canonicalValue(v.Elem())
	}
	if v.IsZero() {
		return nil
	}
	return v.Interface()
}

// checkGolden compares what the fixture reads as, match first, with its
// golden file.
func checkGolden(t *testing.T, c connectors.FileReader, path string, m connectors.Match) {
	res := Read(t.Context(), c, path)
	if res.Err != nil {
		t.Fatalf("ReadFile: %v", res.Err)
	}
	var buf bytes.Buffer
	head, err := json.Marshal(map[string]any{"match": map[string]any{
		"connector": m.Connector, "layout": m.Layout, "sheet": m.Sheet, "header_row": m.HeaderRow,
		"matched": m.Matched, "signature": m.Signature,
	}})
	if err != nil {
		t.Fatal(err)
	}
	buf.Write(head)
	buf.WriteByte('\n')
	for _, rec := range res.Records {
		b, err := Canonical(rec)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	golden := path + goldenSuffix
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		gl, wl := strings.Split(buf.String(), "\n"), strings.Split(string(want), "\n")
		for i := 0; i < max(len(gl), len(wl)); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Errorf("%s differs at line %d (run go test -update if the change is intended):\n got %s\nwant %s", golden, i+1, g, w)
				break
			}
		}
	}
}

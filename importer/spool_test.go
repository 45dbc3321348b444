package importer

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// fill sets every field of v, recursively, to a value of its own that is
// not its zero value, so a field the codec forgets to write comes back
// different. n numbers the values.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(*n)*time.Hour + time.Duration(*n))))
		return
	case normalize.Amount:
		v.Set(reflect.ValueOf(normalize.Cents(int64(-*n * 101))))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v" + string(rune('a'+*n%26)) + "é\x00" + v.Type().Name())
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n) * -3)
	case reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n) << 20)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), n)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 3, 3)
		for i := range 3 {
			fill(s.Index(i), n)
		}
		v.Set(s)
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

func filled[T any]() T {
	var v T
	n := 0
	fill(reflect.ValueOf(&v).Elem(), &n)
	return v
}

// roundTrip writes values to a spool and reads them back.
func roundTrip[T any](t *testing.T, values []T) []T {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.spool")
	w, err := createSpool[T](path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range values {
		if err := w.Write(&values[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	var got []T
	if err := readSpool(path, func(v *T) error { got = append(got, *v); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

func checkRoundTrip[T any](t *testing.T, values ...T) {
	t.Helper()
	got := roundTrip(t, values)
	if !reflect.DeepEqual(got, values) {
		t.Errorf("read back\n%+v\nwrote\n%+v", got, values)
	}
}

func TestSpoolRoundTrip(t *testing.T) {
	t.Run("every field set", func(t *testing.T) {
		checkRoundTrip(t, filled[spooledOrder]())
		checkRoundTrip(t, filled[mergedOrder]())
		checkRoundTrip(t, filled[spooledLine]())
		checkRoundTrip(t, filled[connectors.Reject]())
	})
	t.Run("zero values", func(t *testing.T) {
		checkRoundTrip(t, spooledOrder{}, spooledOrder{Order: normalize.Order{Lines: []normalize.Line{{}}}})
		checkRoundTrip(t, mergedOrder{})
		checkRoundTrip(t, spooledLine{})
		checkRoundTrip(t, connectors.Reject{})
	})
	t.Run("unknown amount with cents", func(t *testing.T) {
		// Not made by normalize, but kept as it was rather than turned
		// into a known amount or a zero.
		checkRoundTrip(t, spooledOrder{Order: normalize.Order{OrderTotal: normalize.Amount{Cents: -7}}})
	})
	t.Run("extremes", func(t *testing.T) {
		o := filled[spooledOrder]()
		o.Order.Installments = -1 << 31
		o.Order.SourceRow = 1<<63 - 1
		o.Order.Lines[0].Quantity = 1<<31 - 1
		o.Order.ItemsTotal = normalize.Cents(-1 << 63)
		o.Order.OrderedAt = time.Unix(-62135596800, 999999999).UTC() // year 1
		checkRoundTrip(t, o, filled[spooledOrder]())
	})
	t.Run("time zone kept", func(t *testing.T) {
		at := time.Date(2026, 3, 1, 10, 0, 0, 5, time.FixedZone("BRT", -3*3600))
		got := roundTrip(t, []spooledOrder{{Order: normalize.Order{OrderedAt: at}}})
		if g := got[0].Order.OrderedAt; !g.Equal(at) || g.Format(time.RFC3339Nano) != at.Format(time.RFC3339Nano) {
			t.Errorf("read back %v, wrote %v", g, at)
		}
	})
}

// TestReadMergedOrdersReusesLines checks that the write pass's reader,
// which reuses one order's memory for every record, gives each record its
// own values: a record with fewer lines than the one before shows only
// its own.
func TestReadMergedOrdersReusesLines(t *testing.T) {
	many := filled[mergedOrder]()
	one := filled[mergedOrder]()
	one.Order.Lines = one.Order.Lines[:1]
	none := mergedOrder{Seq: 9}
	values := []mergedOrder{many, one, none, many}
	path := filepath.Join(t.TempDir(), "m.spool")
	w, err := createSpool[mergedOrder](path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range values {
		if err := w.Write(&values[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	i := 0
	err = readMergedOrders(path, func(mo *mergedOrder) error {
		got := *mo
		if len(got.Order.Lines) == 0 {
			got.Order.Lines = nil
		}
		if !reflect.DeepEqual(got, values[i]) {
			t.Errorf("record %d: read back\n%+v\nwrote\n%+v", i, got, values[i])
		}
		i++
		return nil
	})
	if err != nil || i != len(values) {
		t.Fatalf("%d records, %v", i, err)
	}
}

// FuzzSpoolDecode feeds the decoder any payload: it must not panic or
// allocate without bound, and what it accepts must encode to a payload
// that decodes to the same value.
func FuzzSpoolDecode(f *testing.F) {
	for _, v := range []spooledOrder{filled[spooledOrder](), {}, {Order: normalize.Order{OrderedAt: time.Date(2026, 3, 1, 10, 0, 0, 5, time.FixedZone("", -3*3600))}}} {
		f.Add(encodeValue(nil, &v))
	}
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, payload []byte) {
		var v spooledOrder
		d := decoder{s: string(payload)}
		decodeValue(&d, &v)
		if d.err != nil {
			return
		}
		again := encodeValue(nil, &v)
		var w spooledOrder
		d = decoder{s: string(again)}
		decodeValue(&d, &w)
		if d.err != nil {
			t.Fatalf("re-encoded value does not decode: %v", d.err)
		}
		if !sameOrder(&v, &w) {
			t.Fatalf("decoded\n%+v\nre-encoded and decoded\n%+v", v, w)
		}
	})
}

// sameOrder compares two decoded values, times by instant and offset (a
// fixed zone decodes to a new *time.Location each time).
func sameOrder(a, b *spooledOrder) bool {
	sameTime := func(x, y time.Time) bool {
		_, ox := x.Zone()
		_, oy := y.Zone()
		return x.Equal(y) && ox == oy
	}
	if !sameTime(a.Order.OrderedAt, b.Order.OrderedAt) || !sameTime(a.Order.UpdatedAt, b.Order.UpdatedAt) || !sameTime(a.IngestedAt, b.IngestedAt) {
		return false
	}
	x, y := *a, *b
	x.Order.OrderedAt, x.Order.UpdatedAt, x.IngestedAt = time.Time{}, time.Time{}, time.Time{}
	y.Order.OrderedAt, y.Order.UpdatedAt, y.IngestedAt = time.Time{}, time.Time{}, time.Time{}
	return reflect.DeepEqual(x, y)
}

package dataset

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// TestRowAppendersMatchDeconstruct holds the hand-written conversions to
// parquet-go's reflective one: for rows where every field is, at random,
// empty or set (including zero amounts, negative numbers, times with
// nanoseconds and non-UTC zones), both must give the same values, levels and
// column indexes.
func TestRowAppendersMatchDeconstruct(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	checkAppender[OrderRow](t, rng)
	checkAppender[ItemRow](t, rng)
	checkAppender[IdentityRow](t, rng)
}

func checkAppender[T any](t *testing.T, rng *rand.Rand) {
	t.Helper()
	schema := parquet.SchemaOf(new(T))
	if n := len(schema.Columns()); n != reflect.TypeFor[T]().NumField() {
		t.Fatalf("%T: %d leaf columns for %d fields; appendValues assumes a flat schema", *new(T), n, reflect.TypeFor[T]().NumField())
	}
	for i := range 2000 {
		var row T
		fillRandom(rng, reflect.ValueOf(&row).Elem(), i)
		a, ok := any(&row).(rowAppender)
		if !ok {
			t.Fatalf("%T does not implement rowAppender", row)
		}
		got := a.appendValues(nil)
		want := schema.Deconstruct(nil, &row)
		if !got.Equal(want) {
			t.Fatalf("%T row %d: %+v\nappendValues: %v\nDeconstruct:  %v", row, i, row, got, want)
		}
	}
}

// fillRandom sets each field of v to an empty or a random value. Row 0
// is left all empty and row 1 gives every field a value, so both extremes are
// covered whatever the random draws.
func fillRandom(rng *rand.Rand, v reflect.Value, row int) {
	zone := time.FixedZone("BRT", -3*3600)
	for i := range v.NumField() {
		f := v.Field(i)
		if row == 0 || (row > 1 && rng.IntN(3) == 0) {
			continue
		}
		switch f.Interface().(type) {
		case string:
			f.SetString([]string{"a", "São Paulo", "0", " ", "pedido-123"}[rng.IntN(5)])
		case int32:
			f.SetInt(int64(rng.Int32N(100)) - 10)
		case int64:
			f.SetInt(rng.Int64N(1<<40) - 1<<20)
		case *int64:
			n := rng.Int64N(1000) - 100
			if rng.IntN(4) == 0 {
				n = 0
			}
			f.Set(reflect.ValueOf(&n))
		case time.Time, *time.Time:
			tm := time.Unix(rng.Int64N(2e9), rng.Int64N(1e9)).In(zone)
			if f.Kind() == reflect.Pointer {
				f.Set(reflect.ValueOf(&tm))
			} else {
				f.Set(reflect.ValueOf(tm))
			}
		default:
			panic("fillRandom: no case for " + f.Type().String())
		}
	}
}

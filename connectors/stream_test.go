package connectors

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors/tabular"
)

// fakeRows yields n rows whose single cell names the row, reusing one cell
// slice as the real readers do, then ends with err.
type fakeRows struct {
	n, i   int
	cells  []string
	err    error
	closed bool
}

func (f *fakeRows) Next() bool {
	if f.i >= f.n {
		return false
	}
	f.i++
	f.cells = append(f.cells[:0], fmt.Sprint("r", f.i))
	return true
}

func (f *fakeRows) Row() tabular.Row {
	r := tabular.Row{Number: f.i + 1, Cells: f.cells}
	if f.i%1000 == 0 {
		r.Problem = errors.New("bad row")
	}
	return r
}

func (f *fakeRows) Err() error {
	if f.i < f.n {
		return nil
	}
	return f.err
}

func (f *fakeRows) Close() error { f.closed = true; return nil }

func TestPrefetchKeepsRowsAndError(t *testing.T) {
	boom := errors.New("cut short")
	for _, tc := range []struct {
		name string
		n    int
		err  error
	}{
		{"empty", 0, nil},
		{"one", 1, nil},
		{"exact batch", prefetchBatch, nil},
		{"many batches with an error", 3*prefetchBatch + 7, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &fakeRows{n: tc.n, err: tc.err}
			p := prefetch(src)
			var kept []tabular.Row
			for p.Next() {
				kept = append(kept, p.Row())
			}
			if !errors.Is(p.Err(), tc.err) || (tc.err == nil && p.Err() != nil) {
				t.Fatalf("Err = %v, want %v", p.Err(), tc.err)
			}
			if len(kept) != tc.n {
				t.Fatalf("got %d rows, want %d", len(kept), tc.n)
			}
			// Cells kept from earlier rows must not be overwritten by later ones.
			for i, r := range kept {
				if want := fmt.Sprint("r", i+1); !slices.Equal(r.Cells, []string{want}) || r.Number != i+2 {
					t.Fatalf("row %d = %d %v, want %d [%s]", i, r.Number, r.Cells, i+2, want)
				}
				if (r.Problem != nil) != ((i+1)%1000 == 0) {
					t.Fatalf("row %d problem = %v", i, r.Problem)
				}
			}
			if err := p.Close(); err != nil || !src.closed {
				t.Fatalf("Close = %v, closed %v", err, src.closed)
			}
		})
	}
}

func TestPrefetchCloseEarlyStopsReading(t *testing.T) {
	before := runtime.NumGoroutine()
	src := &fakeRows{n: 100 * prefetchBatch}
	p := prefetch(src)
	if !p.Next() {
		t.Fatal("no first row")
	}
	if err := p.Close(); err != nil || !src.closed {
		t.Fatalf("Close = %v, closed %v", err, src.closed)
	}
	if src.i >= src.n {
		t.Fatalf("the whole source was read (%d rows) after an early close", src.i)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left running, %d before", n, before)
	}
}

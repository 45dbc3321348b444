package importer

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/normalize"
)

// fakeSource yields one fixed order, from a file or an API.
type fakeSource struct {
	order normalize.Order
}

func (f *fakeSource) Info() connectors.Info { return connectors.Info{Name: "fake"} }

func (f *fakeSource) Detect(*connectors.Sample) connectors.Match {
	return connectors.Match{Connector: "fake", Layout: "fake", Score: 1}
}

func (f *fakeSource) records() iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		o := f.order
		yield(connectors.Record{Order: &o, Rows: 1}, nil)
	}
}

func (f *fakeSource) ReadFile(context.Context, connectors.File) iter.Seq2[connectors.Record, error] {
	return f.records()
}

func (f *fakeSource) Pull(context.Context, connectors.APISource) iter.Seq2[connectors.Record, error] {
	return f.records()
}

// TestPullOutranksFileOfSameRun pins the tie-break between an API pull and
// a file read in one run that carry the same order with the same
// updated_at and status: the pull wins, whatever the file's content hash,
// and whichever input was added first.
func TestPullOutranksFileOfSameRun(t *testing.T) {
	updated := time.Date(2026, 10, 30, 9, 0, 0, 0, time.UTC)
	order := func(total int64) normalize.Order {
		return normalize.Order{
			Source: "fake", Account: "main", OrderID: "42", Status: normalize.StatusPaid,
			OrderedAt: updated.Add(-time.Hour), UpdatedAt: updated, Currency: "BRL",
			OrderTotal: normalize.Cents(total),
			Lines:      []normalize.Line{{LineNo: 1, SKU: "A", Quantity: 1, UnitPrice: normalize.Cents(total)}},
		}
	}
	// A file whose hash starts with a letter: as plain strings its rank
	// ("1f…") sorted above a pull's ("12…").
	path := filepath.Join(t.TempDir(), "export.csv")
	for salt := 0; ; salt++ {
		if err := os.WriteFile(path, fmt.Appendf(nil, "order_id,total\n42,100 %d\n", salt), 0o600); err != nil {
			t.Fatal(err)
		}
		sha, err := HashFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if sha[0] >= 'a' {
			break
		}
	}
	for _, pullFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("pull first %v", pullFirst), func(t *testing.T) {
			dir := t.TempDir()
			r, err := Open(t.Context(), dir, Options{Now: func() time.Time { return fixedNow }})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			file := &fakeSource{order: order(10000)}
			api := &fakeSource{order: order(12345)}
			var pulled *Input
			pull := func() {
				if pulled, err = r.Pull(api, connectors.APISource{Name: "shop"}); err != nil || pulled.Failed() {
					t.Fatalf("pull: %v %v", err, pulled.Err)
				}
			}
			if pullFirst {
				pull()
			}
			ins, err := r.ReadFiles([]File{{Path: path, Reader: file, Account: "main"}})
			if err != nil || ins[0].Failed() {
				t.Fatalf("read: %v %v", err, ins[0].Err)
			}
			if !pullFirst {
				pull()
			}
			st, err := r.Commit("test")
			if err != nil {
				t.Fatal(err)
			}
			if st.Orders != 1 || pulled.NewOrders != 1 || ins[0].NewOrders != 0 {
				t.Errorf("%d orders; the pull brought %d new, the file %d; want 1, 1, 0", st.Orders, pulled.NewOrders, ins[0].NewOrders)
			}
			rows := string(parquettest.ReadGlob(t, filepath.Join(dir, "orders", "*", "*.parquet")).JSONL)
			if !strings.Contains(rows, `"order_total":"123.45"`) {
				t.Errorf("the file's sighting won the tie:\n%s", rows)
			}
		})
	}
}

package importer

import (
	"context"
	"fmt"
	"iter"
	"path/filepath"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// listAPI is a puller that yields a fixed list of orders.
type listAPI []normalize.Order

func (listAPI) Info() connectors.Info { return connectors.Info{Name: "shopee"} }

func (l listAPI) Pull(context.Context, connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		for i := range l {
			o := l[i]
			if !yield(connectors.Record{Order: &o, Rows: 1}, nil) {
				return
			}
		}
	}
}

// TestErasureSticksForEveryIdentifier forgets a buyer by their CPF, then
// pulls new orders that carry only one other identifier each (their
// e-mail, their phone, their marketplace username): in every --pii mode,
// --pii drop included, none comes back, while a stranger's order does.
func TestErasureSticksForEveryIdentifier(t *testing.T) {
	const cpf = "52998224725"
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	order := func(id string, b normalize.Buyer) normalize.Order {
		return normalize.Order{
			Source: "shopee", Account: "main", OrderID: id, Status: normalize.StatusPaid, Currency: "BRL",
			OrderedAt: at, UpdatedAt: at, OrderTotal: normalize.Cents(5000), Buyer: b,
			Lines: []normalize.Line{{LineNo: 1, SKU: "A", Quantity: 1, UnitPrice: normalize.Cents(5000)}},
		}
	}
	first := listAPI{
		order("1", normalize.Buyer{Name: "Ana Lima", Document: cpf, DocumentType: normalize.DocCPF,
			Email: "ana.lima@example.com", EmailKind: normalize.EmailPersonal, Phone: "+5511987654321", Ref: "analima88"}),
		order("2", normalize.Buyer{Name: "Bruno Souza", Email: "bruno@example.com", EmailKind: normalize.EmailPersonal}),
	}
	later := listAPI{
		order("10", normalize.Buyer{Email: "Ana.Lima@Example.com", EmailKind: normalize.EmailPersonal}),
		order("11", normalize.Buyer{Phone: "+5511987654321"}),
		order("12", normalize.Buyer{Ref: "analima88"}),
		order("13", normalize.Buyer{Name: "Carla Dias", Email: "carla@example.com", EmailKind: normalize.EmailPersonal}),
	}
	for _, mode := range []string{"clear", "hash", "drop"} {
		t.Run(mode, func(t *testing.T) {
			p, err := pii.New(mode, "a-test-key-of-32-bytes-0123456789")
			if err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "data")
			pull := func(api listAPI) *Stats {
				t.Helper()
				r, err := Open(t.Context(), dir, Options{Now: func() time.Time { return fixedNow }, PII: p})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if _, err := r.Pull(api, connectors.APISource{Name: "shop", Since: at.Add(-time.Hour), Until: at.Add(time.Hour)}); err != nil {
					t.Fatal(err)
				}
				st, err := r.Commit("test")
				if err != nil {
					t.Fatal(err)
				}
				return st
			}
			pull(first)
			res, err := dataset.Forget(t.Context(), dir, dataset.Erasure{Kind: "document", Value: cpf}, fixedNow, p)
			if err != nil {
				t.Fatal(err)
			}
			if res.Customers != 1 || res.Removed != 1 {
				t.Fatalf("forget: %+v, want one customer and one order removed", res)
			}
			st := pull(later)
			if st.Erased != 3 {
				t.Errorf("%d orders left out, want 3", st.Erased)
			}
			got := map[string]bool{}
			for _, o := range parquettest.ReadGlob(t, filepath.Join(dir, "orders", "*", "*.parquet")).Records {
				got[fmt.Sprint(o["order_id"])] = true
			}
			for id, want := range map[string]bool{"1": false, "2": true, "10": false, "11": false, "12": false, "13": true} {
				if got[id] != want {
					t.Errorf("order %s in the dataset: %v, want %v", id, got[id], want)
				}
			}
		})
	}
}

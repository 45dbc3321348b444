package shopify

import (
	"encoding/json"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

func TestLineTotal(t *testing.T) {
	for _, tc := range []struct {
		name                  string
		price, disc, cur, qty int64
		want                  int64
		ok                    bool
	}{
		{"no discount", 6790, 0, 3, 3, 20370, true},
		{"whole discount", 6790, 1358, 2, 2, 12222, true},
		{"discount shared by the units left", 6790, 1358, 1, 2, 6111, true},
		{"half a centavo rounds away from zero", 1000, 1, 1, 2, 999, true},
		{"a third", 1000, 100, 1, 3, 967, true},
		{"nothing left", 6790, 1358, 0, 2, 0, true},
		{"overflow", math.MaxInt64 / 2, 0, 3, 3, 0, false},
		{"discount overflow", 1, math.MaxInt64 / 2, 3, 4, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := lineTotal(tc.price, tc.disc, tc.cur, tc.qty)
			if got != tc.want || ok != tc.ok {
				t.Errorf("lineTotal(%d, %d, %d, %d) = %d, %v; want %d, %v", tc.price, tc.disc, tc.cur, tc.qty, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// TestOrderLinesAsTheyAreNow maps single orders: versions before 2024-01
// without current_quantity, and values no store can have.
func TestOrderLinesAsTheyAreNow(t *testing.T) {
	base := func(t *testing.T) map[string]any {
		m := newOrder(t, 4001, t0.Add(time.Hour), with(hid, 3, 0), sab)
		return m
	}
	p := &pull{src: source(nil)}
	for _, tc := range []struct {
		name   string
		edit   func(m map[string]any)
		qty    []int32
		total  int64
		reject string
	}{
		{"as placed", func(map[string]any) {}, []int32{3, 1}, 6790*3 + 7990 + 1290, ""},
		{"old version: refunds say what is gone", func(m map[string]any) {
			refund(m, t0.Add(time.Hour), "cancel", [2]int64{0, 2})
			for _, l := range lineItems(m) {
				delete(l, "current_quantity")
			}
			delete(m, "current_total_price")
		}, []int32{1, 1}, 6790*3 + 7990 + 1290, ""},
		{"old version: a whole line refunded leaves", func(m map[string]any) {
			refund(m, t0.Add(time.Hour), "no_restock", [2]int64{1, 1})
			for _, l := range lineItems(m) {
				delete(l, "current_quantity")
			}
		}, []int32{3}, 6790*3 + 1290, ""},
		{"more now than ordered", func(m map[string]any) { lineItems(m)[1]["current_quantity"] = 2 }, nil, 0, "line_items[1].current_quantity"},
		{"negative current quantity", func(m map[string]any) { lineItems(m)[0]["current_quantity"] = -1 }, nil, 0, "line_items[0].current_quantity"},
		{"bad discount", func(m map[string]any) {
			lineItems(m)[0]["discount_allocations"] = allocations(1)
			lineItems(m)[0]["discount_allocations"].([]any)[0].(map[string]any)["amount"] = "um real"
		}, nil, 0, "line_items[0].discount_allocations[0].amount"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := base(t)
			tc.edit(m)
			raw, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			p.src.Since, p.src.Until = t0, t0.Add(48*time.Hour)
			rec := p.order(raw)
			if tc.reject != "" {
				if rec.Order != nil || len(rec.Rejects) == 0 || rec.Rejects[0].Column != tc.reject || rec.Rejects[0].Effect != connectors.RowSkipped {
					t.Fatalf("want the order skipped for %s, got %+v", tc.reject, rec)
				}
				return
			}
			if rec.Order == nil {
				t.Fatalf("no order: %+v", rec.Rejects)
			}
			var qty []int32
			for _, l := range rec.Order.Lines {
				qty = append(qty, l.Quantity)
			}
			if !slices.Equal(qty, tc.qty) || rec.Order.OrderTotal != normalize.Cents(tc.total) {
				t.Errorf("quantities %v total %s, want %v %s", qty, rec.Order.OrderTotal, tc.qty, normalize.Cents(tc.total))
			}
		})
	}
}

// FuzzOrderLines maps hostile orders: no input may panic, and an order
// that comes out has no negative quantity and lines that add up to its
// items total.
func FuzzOrderLines(f *testing.F) {
	for _, m := range []map[string]any{
		newOrder(f, 5001, t0.Add(time.Hour), with(hid, 3, 1358), sab),
		func() map[string]any {
			m := newOrder(f, 5002, t0.Add(time.Hour), with(hid, 2, 0), sab)
			refund(m, t0.Add(time.Hour), "return", [2]int64{0, 2}, [2]int64{1, 1})
			return m
		}(),
	} {
		raw, err := json.Marshal(m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"name":"#1","created_at":"2026-03-01T01:00:00Z","line_items":[{"id":1,"quantity":9223372036854775807,"current_quantity":2147483647,"price":"99999999999999.99","discount_allocations":[{"amount":"-99999999999999.99"}]}]}`))
	f.Add([]byte(`{"name":"#1","created_at":"2026-03-01T01:00:00Z","line_items":[{"id":1,"quantity":3,"price":"1.00"}],"refunds":[{"refund_line_items":[{"line_item_id":1,"quantity":2147483647,"restock_type":"cancel"},{"line_item_id":1,"quantity":2147483647}]}]}`))
	p := &pull{src: source(nil)}
	p.src.Since, p.src.Until = time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		rec := p.order(raw)
		o := rec.Order
		if o == nil {
			return
		}
		var sum normalize.Amount
		for _, l := range o.Lines {
			if l.Quantity < 0 {
				t.Fatalf("negative quantity: %+v", l)
			}
			sum = sum.Add(l.LineTotal)
		}
		if sum != o.ItemsTotal {
			t.Fatalf("lines add up to %s, items total %s", sum, o.ItemsTotal)
		}
	})
}

package amazon

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/normalize"
)

// cancelItem marks a 2026-01-01 item cancelled as Amazon does once the
// cancellation is carried out, with nothing of it paid.
func cancelItem(it map[string]any, by string) {
	it["cancellation"] = map[string]any{
		"cancellationRequest":   map[string]any{"requester": "BUYER", "cancelReason": "Changed mind about purchase"},
		"cancellationExecution": map[string]any{"cancelledBy": by, "cancelReason": "Buyer requested cancellation"},
	}
	it["proceeds"] = map[string]any{"proceedsTotal": map[string]any{"amount": "0.00", "currencyCode": "BRL"},
		"breakdowns": []any{map[string]any{"type": "ITEM", "subtotal": map[string]any{"amount": "0.00", "currencyCode": "BRL"}}}}
	it["fulfillment"] = map[string]any{"quantityFulfilled": 0, "quantityUnfulfilled": 0}
}

// TestAPIChangedOrdersAfterSecondSync: Amazon cancels a single item of an
// order (2026-01-01 tells it in the item's cancellation), or the whole
// order. Two pulls merged as two syncs show only the items still bought,
// the whole cancelled order with its items at no unit, and leave the order
// the second pull did not see as it was.
func TestAPIChangedOrdersAfterSecondSync(t *testing.T) {
	var first, second []*normalize.Order
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		for _, id := range []string{"701-0000001-0000001", "701-0000001-0000002", "701-0000001-0000003"} {
			f.add(id, "Unshipped", t0.Add(time.Hour))
		}
		src := source(f, apitest.Client(f))
		src.Until = t0.Add(24 * time.Hour)
		var rejects []connectors.Reject
		var err error
		first, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(first) != 3 {
			t.Fatalf("first pull: %d orders, rejects %v, err %v", len(first), rejects, err)
		}

		later := t0.Add(30 * time.Hour)
		// The seller cancels the pink shirt (out of stock); the rest ships.
		f.add("701-0000001-0000001", "Unshipped", later)
		cancelItem(f.item("701-0000001-0000001", 1), "MERCHANT")
		set(f.orders["701-0000001-0000001"], "proceeds.grandTotal.amount", "172.70")
		// The buyer cancels the whole order before it ships.
		f.add("701-0000001-0000002", "Canceled", later)
		cancelItem(f.item("701-0000001-0000002", 0), "BUYER")
		cancelItem(f.item("701-0000001-0000002", 1), "BUYER")
		set(f.orders["701-0000001-0000002"], "proceeds.grandTotal.amount", "0.00")
		src.Since, src.Until = t0.Add(24*time.Hour), t0.Add(48*time.Hour)
		second, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(second) != 2 {
			t.Fatalf("second pull: %d orders, rejects %v, err %v", len(second), rejects, err)
		}
	})
	if t.Failed() {
		return
	}
	got, changed := apitest.Syncs(first, second)
	type line struct {
		sku    string
		qty    int32
		total  int64
		status normalize.Status
	}
	for _, tc := range []struct {
		id      string
		status  normalize.Status
		total   int64
		lines   []line
		changed bool
	}{
		{"701-0000001-0000001", normalize.StatusPaid, 15980 + 1290, []line{{"SKU-AZUL-G", 2, 15980, normalize.StatusPaid}}, true},
		{"701-0000001-0000002", normalize.StatusCancelled, 0, []line{{"SKU-AZUL-G", 0, 0, normalize.StatusCancelled}, {"SKU-ROSA-M", 0, 0, normalize.StatusCancelled}}, true},
		{"701-0000001-0000003", normalize.StatusPaid, 24460, []line{{"SKU-AZUL-G", 2, 15980, normalize.StatusPaid}, {"SKU-ROSA-M", 1, 7990, normalize.StatusPaid}}, false},
	} {
		o := got[tc.id]
		if o == nil {
			t.Errorf("%s missing", tc.id)
			continue
		}
		if o.Status != tc.status || o.OrderTotal != normalize.Cents(tc.total) {
			t.Errorf("%s: status %s total %s, want %s %s", tc.id, o.Status, o.OrderTotal, tc.status, normalize.Cents(tc.total))
		}
		if len(o.Lines) != len(tc.lines) {
			t.Errorf("%s: lines %+v, want %+v", tc.id, o.Lines, tc.lines)
			continue
		}
		for i, w := range tc.lines {
			l := o.Lines[i]
			if l.LineNo != i+1 || l.SKU != w.sku || l.Quantity != w.qty || l.LineTotal != normalize.Cents(w.total) || l.Status != w.status {
				t.Errorf("%s line %d: %+v, want %+v", tc.id, i+1, l, w)
			}
		}
		if changed[tc.id] != tc.changed {
			t.Errorf("%s: lines changed %v, want %v", tc.id, changed[tc.id], tc.changed)
		}
	}
	for _, o := range first {
		if o.OrderID == "701-0000001-0000003" && !got[o.OrderID].Equal(o) {
			t.Errorf("the order the second pull did not see changed: %+v", got[o.OrderID])
		}
	}
}

package mercadolivre

import (
	"encoding/json"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/normalize"
)

// payment is the template order's one payment, to change in place.
func payment(m map[string]any) map[string]any { return m["payments"].([]any)[0].(map[string]any) }

// TestPullChangedOrdersAfterSecondSync: Mercado Livre never edits an
// order's items (a purchase is one checkout; a cart is a pack of orders),
// so what changes after a sale is its status and its money: a
// cancellation, a claim settled by a partial refund, a return refunded in
// full. Two pulls merged as two syncs show each order as it is now, and
// leave the orders the second pull did not see as they were.
func TestPullChangedOrdersAfterSecondSync(t *testing.T) {
	const (
		untouched = 2000099900000201 + iota
		cancelled
		partial
		returned
		delivered
	)
	var first, second []*normalize.Order
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		for id := int64(untouched); id <= delivered; id++ {
			f.add(id, "paid", t0.Add(3*time.Hour))
		}
		f.orders["2000099900000205"]["tags"] = []any{"pack_order", "paid", "not_delivered", "shipped"}
		store := &connectors.MemoryTokenStore{}
		src := source(f, store, apitest.Client(f))
		src.Until = t0.Add(24 * time.Hour)
		var err error
		var rejects []connectors.Reject
		first, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(first) != 5 {
			t.Fatalf("first pull: %d orders, rejects %v, err %v", len(first), rejects, err)
		}

		later := t0.Add(30 * time.Hour)
		// The buyer cancelled: the payment went back whole.
		f.add(cancelled, "cancelled", later)
		c := f.orders["2000099900000202"]
		c["tags"], c["cancel_detail"] = []any{"pack_order", "not_delivered"}, map[string]any{"group": "buyer", "code": "BUY_REG", "requested_by": "buyer"}
		payment(c)["status"], payment(c)["transaction_amount_refunded"] = "refunded", json.Number("79.9")
		// A claim settled by giving back R$ 20,00; the buyer kept the item.
		f.add(partial, "paid", later)
		payment(f.orders["2000099900000203"])["transaction_amount_refunded"] = json.Number("20")
		// A return: the item came back, the payment was refunded whole;
		// the order stays "paid".
		f.add(returned, "paid", later)
		payment(f.orders["2000099900000204"])["status"], payment(f.orders["2000099900000204"])["transaction_amount_refunded"] = "refunded", json.Number("79.9")
		// Delivered since.
		f.add(delivered, "paid", later)

		src.Since, src.Until = t0.Add(24*time.Hour), t0.Add(48*time.Hour)
		second, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(second) != 4 {
			t.Fatalf("second pull: %d orders, rejects %v, err %v", len(second), rejects, err)
		}
	})
	if t.Failed() {
		return
	}
	got, changed := apitest.Syncs(first, second)
	for _, tc := range []struct {
		id     string
		status normalize.Status
		total  int64
	}{
		{"2000099900000201", normalize.StatusDelivered, 7990},
		{"2000099900000202", normalize.StatusCancelled, 0},
		{"2000099900000203", normalize.StatusDelivered, 5990},
		{"2000099900000204", normalize.StatusReturned, 0},
		{"2000099900000205", normalize.StatusDelivered, 7990},
	} {
		o := got[tc.id]
		if o == nil {
			t.Errorf("%s missing", tc.id)
			continue
		}
		if o.Status != tc.status || o.OrderTotal != normalize.Cents(tc.total) {
			t.Errorf("%s: status %s total %s, want %s %s", tc.id, o.Status, o.OrderTotal, tc.status, normalize.Cents(tc.total))
		}
		// The item is what was bought, whatever happened since; its
		// status is the order's now.
		if len(o.Lines) != 1 || o.Lines[0].SKU != "SKU-ROSA-M" || o.Lines[0].Quantity != 1 || o.Lines[0].LineTotal != normalize.Cents(7990) || o.Lines[0].Status != tc.status {
			t.Errorf("%s: lines %+v", tc.id, o.Lines)
		}
	}
	for id, c := range changed {
		if c {
			t.Errorf("%s: lines reported changed", id)
		}
	}
	for _, o := range first {
		if o.OrderID == "2000099900000201" && !got[o.OrderID].Equal(o) {
			t.Errorf("the order the second pull did not see changed: %+v", got[o.OrderID])
		}
	}
}

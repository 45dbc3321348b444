package shopee

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/normalize"
)

// TestPullChangedOrdersAfterSecondSync: Shopee's Open Platform has no
// order edit; an order changes by its status (a cancellation in IN_CANCEL
// then CANCELLED, a return in TO_RETURN, delivery). Two pulls merged as two
// syncs show each order's lines with its status now, report no order's
// lines as changed, and leave the order the second pull did not see as it
// was.
func TestPullChangedOrdersAfterSecondSync(t *testing.T) {
	var first, second []*normalize.Order
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		placed := time.Now().Add(time.Hour)
		for _, sn := range []string{"260301UNTOUCH", "260301CANCEL1", "260301RETURN1", "260301SHIPPED"} {
			f.add(sn, "READY_TO_SHIP", placed)
		}
		f.orders["260301SHIPPED"]["order_status"] = "SHIPPED"
		store := &connectors.MemoryTokenStore{}
		var rejects []connectors.Reject
		var err error
		first, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), source(store, apitest.Client(f), placed.Add(-time.Hour), placed.Add(time.Hour))))
		if err != nil || len(rejects) != 0 || len(first) != 4 {
			t.Fatalf("first pull: %d orders, rejects %v, err %v", len(first), rejects, err)
		}
		later := placed.Add(30 * time.Hour)
		f.add("260301CANCEL1", "CANCELLED", later)
		f.orders["260301CANCEL1"]["cancel_by"], f.orders["260301CANCEL1"]["cancel_reason"] = "buyer", "Need to change delivery address"
		f.add("260301RETURN1", "TO_RETURN", later)
		f.add("260301SHIPPED", "COMPLETED", later)
		second, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), source(store, apitest.Client(f), placed.Add(time.Hour), later.Add(time.Hour))))
		if err != nil || len(rejects) != 0 || len(second) != 3 {
			t.Fatalf("second pull: %d orders, rejects %v, err %v", len(second), rejects, err)
		}
	})
	if t.Failed() {
		return
	}
	got, changed := apitest.Syncs(first, second)
	for sn, want := range map[string]normalize.Status{
		"260301UNTOUCH": normalize.StatusPaid,
		"260301CANCEL1": normalize.StatusCancelled,
		"260301RETURN1": normalize.StatusReturned,
		"260301SHIPPED": normalize.StatusDelivered,
	} {
		o := got[sn]
		if o == nil {
			t.Errorf("%s missing", sn)
			continue
		}
		if o.Status != want || o.OrderTotal != normalize.Cents(9235) {
			t.Errorf("%s: status %s total %s, want %s 92.35", sn, o.Status, o.OrderTotal, want)
		}
		if len(o.Lines) != 2 || o.Lines[0].SKU != "GL-COR-DOURADO" || o.Lines[0].Quantity != 3 || o.Lines[1].SKU != "DESEMP-03" ||
			o.Lines[0].Status != want || o.Lines[1].Status != want {
			t.Errorf("%s: lines %+v", sn, o.Lines)
		}
		if changed[sn] {
			t.Errorf("%s: lines reported changed", sn)
		}
	}
	for _, o := range first {
		if o.OrderID == "260301UNTOUCH" && !got[o.OrderID].Equal(o) {
			t.Errorf("the order the second pull did not see changed: %+v", got[o.OrderID])
		}
	}
}

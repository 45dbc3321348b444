package shopify_test

import (
	"testing"

	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/normalize"
)

// TestRealEditedOrders imports two real exports of one store in which
// orders #1076 and #1077 carry other lines; the re-saved export shows them
// at an earlier time. Whichever file comes first, each order ends with the
// lines of its latest sighting only, never both; #1075, on which the
// exports agree, is not reported as changed.
func TestRealEditedOrders(t *testing.T) {
	read := func(file string) []*normalize.Order {
		path := connectortest.RealData(t, "seller-b-shopify-br", file)
		_, res := connectortest.ReadReal(t, reader(t), path)
		return res.Orders
	}
	current, resaved := read("orders_export.csv"), read("orders_export_excel_resaved_1.csv")
	byID := func(orders []*normalize.Order) map[string]*normalize.Order {
		m := map[string]*normalize.Order{}
		for _, o := range orders {
			m[o.OrderID] = o
		}
		return m
	}
	cur, old := byID(current), byID(resaved)
	for _, id := range []string{"#1076", "#1077"} {
		if cur[id] == nil || old[id] == nil {
			t.Fatalf("%s is not in both exports", id)
		}
		if !cur[id].UpdatedAt.After(old[id].UpdatedAt) {
			t.Fatalf("%s: the full export (%s) is not the later one (%s)", id, cur[id].UpdatedAt, old[id].UpdatedAt)
		}
		if normalize.SameLines(cur[id].Lines, old[id].Lines) {
			t.Fatalf("%s: the exports agree on the lines; nothing to test", id)
		}
	}
	for _, tc := range []struct {
		name  string
		syncs [][]*normalize.Order
	}{
		{"older export first", [][]*normalize.Order{resaved, current}},
		{"newer export first", [][]*normalize.Order{current, resaved}},
		{"both in one run", [][]*normalize.Order{append(append([]*normalize.Order{}, resaved...), current...)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := apitest.Syncs(tc.syncs...)
			for _, id := range []string{"#1076", "#1077"} {
				want := cur[id].Lines
				lines := got[id].Lines
				if len(lines) != len(want) {
					t.Errorf("%s: %d lines %+v, want only the latest export's %d", id, len(lines), lines, len(want))
					continue
				}
				for i := range want {
					if lines[i].SKU != want[i].SKU || lines[i].Quantity != want[i].Quantity || lines[i].LineTotal != want[i].LineTotal {
						t.Errorf("%s line %d: %+v, want %+v", id, i+1, lines[i], want[i])
					}
				}
			}
		})
	}
	_, changed := apitest.Syncs(resaved, current)
	if !changed["#1076"] || !changed["#1077"] || changed["#1075"] {
		t.Errorf("lines changed: %v, want #1076 and #1077, not #1075", changed)
	}
}

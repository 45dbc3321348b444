package shopify

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/normalize"
)

// The fake store below edits orders as Shopify does (REST Admin 2025-10):
// a line item is never deleted nor its quantity lowered; an edit or a
// refund lowers current_quantity, and records a refund line item with its
// restock_type ("cancel" for an edit's removal or a cancellation, "return"
// for units sent back); the current_ totals follow, the original ones stay.

type item struct {
	id         int64
	sku, title string
	qty        int64
	price      int64 // centavos
	disc       int64 // discount allocated over all qty units
}

func money(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

// newOrder is order n as placed, updated (and created) at the given time,
// with the template's buyer and 12.90 of shipping.
func newOrder(t testing.TB, n int, at time.Time, items ...item) map[string]any {
	m := template(t)
	m["id"], m["name"], m["order_number"] = json.Number(strconv.Itoa(6634244370000+n)), fmt.Sprintf("#%d", n), n
	ts := at.In(time.FixedZone("", -3*3600)).Format(time.RFC3339)
	m["created_at"], m["updated_at"], m["processed_at"] = ts, ts, ts
	m["financial_status"], m["fulfillment_status"] = "paid", nil
	var lines []any
	for _, it := range items {
		lines = append(lines, map[string]any{
			"id": json.Number(strconv.FormatInt(it.id, 10)), "sku": it.sku, "name": it.title, "title": it.title, "variant_title": nil,
			"quantity": it.qty, "current_quantity": it.qty, "price": money(it.price), "product_id": json.Number(strconv.FormatInt(8000000000000+it.id, 10)),
			"fulfillment_status": nil, "fulfillable_quantity": it.qty,
			"discount_allocations": allocations(it.disc),
		})
	}
	m["line_items"] = lines
	m["refunds"] = []any{}
	var sub, disc int64
	for _, it := range items {
		sub += it.price*it.qty - it.disc
		disc += it.disc
	}
	m["subtotal_price"], m["total_discounts"], m["total_price"] = money(sub), money(disc), money(sub+1290)
	recompute(m)
	return m
}

func allocations(c int64) []any {
	if c == 0 {
		return []any{}
	}
	return []any{map[string]any{"amount": money(c), "discount_application_index": 0}}
}

func lineItems(m map[string]any) []map[string]any {
	var out []map[string]any
	for _, l := range m["line_items"].([]any) {
		out = append(out, l.(map[string]any))
	}
	return out
}

func num(v any) int64 {
	switch v := v.(type) {
	case int64:
		return v
	case int:
		return int64(v)
	case json.Number:
		n, _ := v.Int64()
		return n
	}
	panic(fmt.Sprintf("not a number: %T %v", v, v))
}

func cents(v any) int64 {
	a, err := normalize.ParseMoney(v.(string), normalize.MoneyDot)
	if err != nil {
		panic(err)
	}
	return a.Cents
}

// recompute sets the current_ totals from the lines' current quantities.
func recompute(m map[string]any) {
	var sub, disc int64
	for _, l := range lineItems(m) {
		q, cur := num(l["quantity"]), num(l["current_quantity"])
		var alloc int64
		for _, a := range l["discount_allocations"].([]any) {
			alloc += cents(a.(map[string]any)["amount"])
		}
		share := alloc * cur / max(q, 1)
		sub += cents(l["price"])*cur - share
		disc += share
	}
	ship := int64(1290)
	if m["shipping_refunded"] == true {
		ship = 0
	}
	m["current_subtotal_price"], m["current_total_discounts"], m["current_total_price"] = money(sub), money(disc), money(sub+ship)
}

func touch(m map[string]any, at time.Time) {
	m["updated_at"] = at.In(time.FixedZone("", -3*3600)).Format(time.RFC3339)
}

// refund takes n units of line i away with the given restock type, as an
// order edit ("cancel"), a cancellation or a return does.
func refund(m map[string]any, at time.Time, restock string, took ...[2]int64) {
	var rls []any
	for _, tk := range took {
		l := lineItems(m)[tk[0]]
		l["current_quantity"] = num(l["current_quantity"]) - tk[1]
		rls = append(rls, map[string]any{
			"id": json.Number(strconv.FormatInt(900000+num(l["id"]), 10)), "line_item_id": l["id"], "quantity": tk[1],
			"restock_type": restock, "subtotal": money(cents(l["price"]) * tk[1]), "line_item": maps.Clone(l),
		})
	}
	m["refunds"] = append(m["refunds"].([]any), map[string]any{
		"id": json.Number(strconv.Itoa(880000 + len(m["refunds"].([]any)))), "created_at": at.Format(time.RFC3339),
		"refund_line_items": rls, "order_adjustments": []any{}, "transactions": []any{},
	})
	recompute(m)
	touch(m, at)
}

// addItem adds a line by an order edit.
func addItem(m map[string]any, at time.Time, it item) {
	m["line_items"] = append(m["line_items"].([]any), map[string]any{
		"id": json.Number(strconv.FormatInt(it.id, 10)), "sku": it.sku, "name": it.title, "title": it.title, "variant_title": nil,
		"quantity": it.qty, "current_quantity": it.qty, "price": money(it.price), "product_id": json.Number(strconv.FormatInt(8000000000000+it.id, 10)),
		"fulfillment_status": nil, "fulfillable_quantity": it.qty, "discount_allocations": allocations(it.disc),
	})
	recompute(m)
	touch(m, at)
}

func fulfil(m map[string]any) {
	m["fulfillment_status"] = "fulfilled"
	for _, l := range lineItems(m) {
		l["fulfillment_status"], l["fulfillable_quantity"] = "fulfilled", 0
	}
}

var (
	hid = item{id: 14001, sku: "HPNK-30ML", title: "Hidratante Facial", qty: 1, price: 6790}
	sab = item{id: 14002, sku: "SAB-01", title: "Sabonete", qty: 1, price: 7990}
	ser = item{id: 14003, sku: "SER-01", title: "Sérum", qty: 2, price: 4990}
)

func with(it item, qty, disc int64) item { it.qty, it.disc = qty, disc; return it }

type wantLine struct {
	sku          string
	qty          int32
	unit, total  int64
	status       normalize.Status
	removedUnits bool
}

// TestAPIEditedOrdersAfterSecondSync pulls a store, edits its orders as
// sellers do, pulls again, and merges both pulls as two syncs do: every
// edited order shows only its current lines and totals, every other order
// is as the first sync left it.
func TestAPIEditedOrdersAfterSecondSync(t *testing.T) {
	var first, second []*normalize.Order
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		placed := t0.Add(2 * time.Hour)
		orders := map[int]map[string]any{
			3001: newOrder(t, 3001, placed, hid, sab),
			3002: newOrder(t, 3002, placed, with(hid, 3, 0), sab),
			3003: newOrder(t, 3003, placed, hid, sab),
			3004: newOrder(t, 3004, placed, hid, sab),
			3005: newOrder(t, 3005, placed, hid, sab),
			3006: newOrder(t, 3006, placed, hid, with(sab, 2, 0)),
			3007: newOrder(t, 3007, placed, hid),
			3008: newOrder(t, 3008, placed, with(hid, 2, 1358), sab),
			3009: newOrder(t, 3009, placed, sab),
		}
		// A guest checkout: no customer at all.
		orders[3007]["customer"], orders[3007]["email"] = nil, "convidado@example.com"
		fulfil(orders[3004])
		fulfil(orders[3006])
		for _, m := range orders {
			f.orders[m["name"].(string)] = m
		}
		src := source(apitest.Client(f))
		src.Since, src.Until = t0, t0.Add(24*time.Hour)
		var rejects []connectors.Reject
		var err error
		first, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(first) != len(orders) {
			t.Fatalf("first pull: %d orders, rejects %v, err %v", len(first), rejects, err)
		}

		edited := t0.Add(30 * time.Hour)
		refund(orders[3001], edited, "cancel", [2]int64{1, 1})                 // removes Sabonete
		refund(orders[3002], edited, "cancel", [2]int64{0, 2})                 // 3 → 1 Hidratante
		addItem(orders[3003], edited, ser)                                     // adds 2 Sérum
		refund(orders[3004], edited, "return", [2]int64{1, 1})                 // Sabonete came back
		orders[3004]["financial_status"] = "partially_refunded"                //
		refund(orders[3005], edited, "cancel", [2]int64{0, 1}, [2]int64{1, 1}) // cancelled
		orders[3005]["cancelled_at"], orders[3005]["financial_status"] = orders[3005]["updated_at"], "refunded"
		orders[3005]["shipping_refunded"] = true
		recompute(orders[3005])
		refund(orders[3006], edited, "return", [2]int64{0, 1}, [2]int64{1, 2}) // all sent back
		orders[3006]["financial_status"] = "refunded"
		refund(orders[3008], edited, "cancel", [2]int64{0, 1}) // 2 → 1, discount halves
		// 3007 and 3009 are not touched: the second pull does not see them.

		src.Since, src.Until = t0.Add(24*time.Hour), t0.Add(48*time.Hour)
		second, rejects, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(rejects) != 0 || len(second) != 7 {
			t.Fatalf("second pull: %d orders, rejects %v, err %v", len(second), rejects, err)
		}
	})
	if t.Failed() {
		return
	}
	{
		got, changed := apitest.Syncs(first, second)

		for _, tc := range []struct {
			id     string
			status normalize.Status
			total  int64
			lines  []wantLine
		}{
			{"#3001", normalize.StatusPaid, 6790 + 1290, []wantLine{{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790, status: normalize.StatusPaid}}},
			{"#3002", normalize.StatusPaid, 6790 + 7990 + 1290, []wantLine{
				{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790, status: normalize.StatusPaid},
				{sku: "SAB-01", qty: 1, unit: 7990, total: 7990, status: normalize.StatusPaid}}},
			{"#3003", normalize.StatusPaid, 6790 + 7990 + 9980 + 1290, []wantLine{
				{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790, status: normalize.StatusPaid},
				{sku: "SAB-01", qty: 1, unit: 7990, total: 7990, status: normalize.StatusPaid},
				{sku: "SER-01", qty: 2, unit: 4990, total: 9980, status: normalize.StatusPaid}}},
			// A partial return: the order stands, with what was kept.
			{"#3004", normalize.StatusShipped, 6790 + 1290, []wantLine{{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790, status: normalize.StatusShipped}}},
			// Nothing left: the lines stay at 0 units so the first
			// sync's lines do not, marked as the refunds say.
			{"#3005", normalize.StatusCancelled, 0, []wantLine{
				{sku: "HPNK-30ML", qty: 0, unit: 6790, total: 0, status: normalize.StatusCancelled},
				{sku: "SAB-01", qty: 0, unit: 7990, total: 0, status: normalize.StatusCancelled}}},
			{"#3006", normalize.StatusReturned, 1290, []wantLine{
				{sku: "HPNK-30ML", qty: 0, unit: 6790, total: 0, status: normalize.StatusReturned},
				{sku: "SAB-01", qty: 0, unit: 7990, total: 0, status: normalize.StatusReturned}}},
			{"#3007", normalize.StatusPaid, 6790 + 1290, []wantLine{{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790, status: normalize.StatusPaid}}},
			// 13.58 of discount on 2 units; one unit left carries 6.79.
			{"#3008", normalize.StatusPaid, 6790 - 679 + 7990 + 1290, []wantLine{
				{sku: "HPNK-30ML", qty: 1, unit: 6790, total: 6790 - 679, status: normalize.StatusPaid},
				{sku: "SAB-01", qty: 1, unit: 7990, total: 7990, status: normalize.StatusPaid}}},
			{"#3009", normalize.StatusPaid, 7990 + 1290, []wantLine{{sku: "SAB-01", qty: 1, unit: 7990, total: 7990, status: normalize.StatusPaid}}},
		} {
			t.Run(tc.id, func(t *testing.T) {
				o := got[tc.id]
				if o == nil {
					t.Fatal("order missing after the second sync")
				}
				if o.Status != tc.status || o.OrderTotal != normalize.Cents(tc.total) {
					t.Errorf("status %s total %s, want %s %s", o.Status, o.OrderTotal, tc.status, normalize.Cents(tc.total))
				}
				var items int64
				for _, w := range tc.lines {
					items += w.total
				}
				if o.ItemsTotal != normalize.Cents(items) {
					t.Errorf("items total %s, want the lines' %s", o.ItemsTotal, normalize.Cents(items))
				}
				if len(o.Lines) != len(tc.lines) {
					t.Fatalf("%d lines, want %d: %+v", len(o.Lines), len(tc.lines), o.Lines)
				}
				for i, w := range tc.lines {
					l := o.Lines[i]
					if l.LineNo != i+1 || l.SKU != w.sku || l.Quantity != w.qty || l.UnitPrice != normalize.Cents(w.unit) || l.LineTotal != normalize.Cents(w.total) || l.Status != w.status {
						t.Errorf("line %d: %+v, want %+v", i+1, l, w)
					}
				}
			})
		}
		wantChanged := []string{"#3001", "#3002", "#3003", "#3004", "#3005", "#3006", "#3008"}
		var gotChanged []string
		for id, c := range changed {
			if c {
				gotChanged = append(gotChanged, id)
			}
		}
		slices.Sort(gotChanged)
		if !slices.Equal(gotChanged, wantChanged) {
			t.Errorf("orders whose lines changed: %v, want %v", gotChanged, wantChanged)
		}
		// The orders the second pull did not see are as the first left them.
		for _, o := range first {
			if o.OrderID == "#3007" || o.OrderID == "#3009" {
				if !got[o.OrderID].Equal(o) {
					t.Errorf("%s changed: %+v", o.OrderID, got[o.OrderID])
				}
			}
		}
		if g := got["#3007"]; g.Buyer.Email != "convidado@example.com" || g.Buyer.Name != "Maria Exemplo" {
			t.Errorf("guest order buyer: %+v", g.Buyer)
		}
	}
}

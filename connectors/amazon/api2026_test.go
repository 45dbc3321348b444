package amazon

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

// orderSets and itemSets are the fields each includedData set adds to an
// order and to its items, per the 2026-01-01 model and the "Get orders with
// filtering criteria" guide; everything else (ids, times, salesChannel,
// orderItems with product) comes without asking.
var (
	orderSets = map[string][]string{"BUYER": {"buyer"}, "RECIPIENT": {"recipient"}, "PROCEEDS": {"proceeds"}, "FULFILLMENT": {"fulfillment"},
		"TAX": {"tax"}, "PACKAGES": {"packages"}, "PAYMENT": {"payment"}, "FULFILLMENT_ORDERS": {"fulfillmentOrders"},
		"EXPENSE": nil, "PROMOTION": nil, "CANCELLATION": nil}
	itemSets = map[string][]string{"PROCEEDS": {"proceeds"}, "FULFILLMENT": {"fulfillment"}, "TAX": {"tax"}, "EXPENSE": {"expense"},
		"PROMOTION": {"promotion"}, "CANCELLATION": {"cancellation"}}
)

// included reads includedData, a comma-separated list; ok is false for a
// set the API does not know.
func included(q url.Values) (sets map[string]bool, ok bool) {
	sets = map[string]bool{}
	if q.Get("includedData") == "" {
		return sets, true
	}
	for _, s := range strings.Split(q.Get("includedData"), ",") {
		if _, known := orderSets[s]; !known {
			return nil, false
		}
		sets[s] = true
	}
	return sets, true
}

// shape copies an order with only the data sets asked for.
func shape(o map[string]any, sets map[string]bool, withItems bool) map[string]any {
	out := maps.Clone(o)
	for set, fields := range orderSets {
		if !sets[set] {
			for _, k := range fields {
				delete(out, k)
			}
		}
	}
	if !withItems {
		delete(out, "orderItems")
		return out
	}
	var items []any
	for _, it := range o["orderItems"].([]any) {
		c := maps.Clone(it.(map[string]any))
		for set, fields := range itemSets {
			if !sets[set] {
				for _, k := range fields {
					delete(c, k)
				}
			}
		}
		items = append(items, c)
	}
	out["orderItems"] = items
	return out
}

// searchOrders is GET /orders/2026-01-01/orders with lastUpdatedAfter (the
// fake does not filter by creation). A paginationToken must come with the
// criteria it was issued for and within 24 hours.
func (f *fakeSP) searchOrders(w http.ResponseWriter, q url.Values) {
	sets, ok := included(q)
	switch {
	case q.Get("marketplaceIds") != MarketplaceBR:
		spError(w, 400, "InvalidInput", "marketplaceIds is required")
		return
	case !ok:
		spError(w, 400, "InvalidInput", "includedData has an unknown value")
		return
	case q.Has("createdAfter") || q.Has("createdBefore") || !q.Has("lastUpdatedAfter"):
		spError(w, 400, "InvalidInput", "exactly one of createdAfter and lastUpdatedAfter must be given")
		return
	}
	after, err1 := time.Parse(time.RFC3339, q.Get("lastUpdatedAfter"))
	before, err2 := time.Parse(time.RFC3339, q.Get("lastUpdatedBefore"))
	n, err3 := strconv.Atoi(q.Get("maxResultsPerPage"))
	if err1 != nil || err2 != nil || err3 != nil || n < 1 || n > 100 || before.Before(after) {
		spError(w, 400, "InvalidInput", "bad criteria")
		return
	}
	f.pages++
	if !f.checkBefore(w, "lastUpdatedBefore", before) {
		return
	}
	cur := cursor{criteria: criteria{after, before}}
	tok := q.Get("paginationToken")
	if tok != "" {
		prev, ok := f.tokens[tok]
		switch {
		case !ok:
			spError(w, 400, "InvalidInput", "Invalid paginationToken")
			return
		case f.now().Sub(prev.issued) > 24*time.Hour:
			spError(w, 400, "InvalidInput", "The paginationToken has expired")
			return
		case !prev.after.Equal(after) || !prev.before.Equal(before):
			f.badNext = append(f.badNext, q.Encode())
			spError(w, 400, "InvalidInput", "The request parameters do not match those of the paginationToken")
			return
		}
		cur = prev
	}
	var orders []map[string]any
	var next string
	if f.emptyFirst && tok == "" {
		next = f.token(cur)
	} else {
		orders, next = f.page(cur, n)
	}
	out := []any{}
	for _, o := range orders {
		out = append(out, shape(o, sets, !f.omitItems))
	}
	resp := map[string]any{"orders": out, "lastUpdatedBefore": before.Format(time.RFC3339)}
	if next != "" {
		resp["pagination"] = map[string]any{"nextToken": next}
	}
	if f.searchLimit != "" {
		w.Header().Set("x-amzn-RateLimit-Limit", f.searchLimit)
	}
	json.NewEncoder(w).Encode(resp)
}

// getOrder is GET /orders/2026-01-01/orders/{orderId}, which always holds
// the items.
func (f *fakeSP) getOrder(w http.ResponseWriter, q url.Values, id string) {
	f.itemHits++
	o, found := f.orders[id]
	sets, ok := included(q)
	switch {
	case !found:
		spError(w, 404, "NotFound", "order not found")
		return
	case !ok:
		spError(w, 400, "InvalidInput", "includedData has an unknown value")
		return
	}
	if f.itemLimit != "" {
		w.Header().Set("x-amzn-RateLimit-Limit", f.itemLimit)
	}
	json.NewEncoder(w).Encode(map[string]any{"order": shape(o, sets, true)})
}

// TestAPI2026ItemsFromGetOrder: an order that searchOrders gives without
// orderItems is completed with getOrder, and comes out as it does when the
// items are in the search response.
func TestAPI2026ItemsFromGetOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		addMany(f, 40)
		inline, _, err := pullAll(t, f)
		if err != nil || f.itemHits != 0 {
			t.Fatalf("%d getOrder calls, err %v", f.itemHits, err)
		}
		f.omitItems = true
		fetched, rejects, err := pullAll(t, f)
		if err != nil || len(rejects) != 0 {
			t.Fatalf("rejects %v, err %v", rejects, err)
		}
		checkMany(t, fetched, 40)
		if f.itemHits != 40 || !reflect.DeepEqual(inline, fetched) {
			t.Errorf("%d getOrder calls; orders differ: %v", f.itemHits, !reflect.DeepEqual(inline, fetched))
		}
	})
}

// TestAPI2026EmptyPage: a page with no orders but a token is not the end.
func TestAPI2026EmptyPage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		f.emptyFirst, f.pageSize = true, 7
		addMany(f, 30)
		orders, _, err := pullAll(t, f)
		if err != nil {
			t.Fatal(err)
		}
		checkMany(t, orders, 30)
		if f.pages != 6 || len(f.badNext) != 0 {
			t.Errorf("%d pages, want 6; mismatched criteria %v", f.pages, f.badNext)
		}
	})
}

// TestAPI2026FollowsRateLimitHeader: searchOrders' plan is 0.0056 rps with
// a burst of 20; when Amazon says so, the 5 pages past the burst take
// about three minutes each, though the source allows 1000 rps.
func TestAPI2026FollowsRateLimitHeader(t *testing.T) {
	for _, limit := range []string{"", "0.0056"} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), Version2026)
			f.searchLimit, f.pageSize = limit, 4
			addMany(f, 100) // 25 pages
			start := time.Now()
			orders, _, err := pullAll(t, f)
			if err != nil || len(orders) != 100 || f.pages != 25 {
				t.Fatalf("%d orders in %d pages, err %v", len(orders), f.pages, err)
			}
			took := time.Since(start)
			if limit == "" && took > time.Second || limit != "" && took < 850*time.Second {
				t.Errorf("x-amzn-RateLimit-Limit %q: 25 pages took %s", limit, took)
			}
		})
	}
}

// TestAPI2026ExpiredPaginationToken: a paginationToken lives 24 hours; a
// pull slowed past that ends with an error that names searchOrders, so
// the cursor stays and the next run starts over.
func TestAPI2026ExpiredPaginationToken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		f.searchLimit, f.pageSize = "0.00001", 1 // a day and more between pages past the burst
		addMany(f, 22)
		orders, _, err := pullAll(t, f)
		if !errors.Is(err, apiclient.ErrData) || !strings.Contains(err.Error(), searchPath) || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("err = %v", err)
		}
		if len(orders) != 20 {
			t.Errorf("%d orders before the error, want the burst's 20", len(orders))
		}
	})
}

// TestAPI2026BuyerDocument: only the buyer's CPF or CNPJ is the buyer's
// document; Amazon's own CNPJ and other kinds of registration are not.
func TestAPI2026BuyerDocument(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
		f.add("701-0000001-0000002", "Shipped", t0.Add(2*time.Hour))
		f.orders["701-0000001-0000001"]["tax"] = map[string]any{"taxRegistrations": []any{
			map[string]any{"entityType": "MARKETPLACE", "taxRegistrationType": "CNPJ", "taxRegistrationNumber": "15.436.940/0001-03"},
			map[string]any{"entityType": "BUYER", "taxRegistrationType": "VAT", "taxRegistrationNumber": "1234567890"},
		}}
		f.orders["701-0000001-0000002"]["tax"] = map[string]any{"taxRegistrations": []any{
			map[string]any{"entityType": "BUYER", "taxRegistrationType": "CNPJ", "taxRegistrationNumber": "11.222.333/0001-81"},
		}}
		orders, rejects, err := pullAll(t, f)
		if err != nil || len(orders) != 2 || len(rejects) != 0 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		if b := orders[0].Buyer; b.Document != "" {
			t.Errorf("marketplace or VAT registration taken as the buyer's: %+v", b)
		}
		if b := orders[1].Buyer; b.Document != "11222333000181" || b.DocumentType != normalize.DocCNPJ {
			t.Errorf("buyer CNPJ: %+v", b)
		}
	})
}

// TestAPI2026PendingOrder: items without proceeds (a pending order) keep
// Amazon's unit price, and the order its grand total.
func TestAPI2026PendingOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		f.add("701-0000001-0000001", "Pending", t0.Add(time.Hour))
		for i := range 2 {
			delete(f.item("701-0000001-0000001", i), "proceeds")
		}
		orders, rejects, err := pullAll(t, f)
		if err != nil || len(orders) != 1 || len(rejects) != 0 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		o := orders[0]
		if o.Status != normalize.StatusPending || o.OrderTotal != normalize.Cents(24460) || o.ItemsTotal.Valid || o.Currency != "BRL" {
			t.Errorf("order %+v", o)
		}
		for _, l := range o.Lines {
			if l.UnitPrice != normalize.Cents(7990) || l.LineTotal.Valid {
				t.Errorf("line %+v", l)
			}
		}
	})
}

// TestAPI2026BadMoneyIsRejected: an amount that is not a number rejects
// its order alone, naming the breakdown it was in.
func TestAPI2026BadMoneyIsRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
		f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
		f.add("701-0000001-0000002", "Shipped", t0.Add(2*time.Hour))
		bd := f.item("701-0000001-0000002", 0)["proceeds"].(map[string]any)["breakdowns"].([]any)
		bd[1].(map[string]any)["subtotal"].(map[string]any)["amount"] = "doze"
		orders, rejects, err := pullAll(t, f)
		if err != nil || len(orders) != 1 || len(rejects) != 1 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		if r := rejects[0]; r.Column != "orderItems[0].proceeds.breakdowns[1].subtotal.amount" || r.Value != "doze" || r.File != searchFile {
			t.Errorf("reject %+v", r)
		}
	})
}

// TestAPI2026Statuses: each FulfillmentStatus of the 2026-01-01 model
// means what v0's OrderStatus of the same name means.
func TestAPI2026Statuses(t *testing.T) {
	for _, c := range []struct {
		v2026, v0 string
		want      normalize.Status
	}{
		{"PENDING_AVAILABILITY", "PendingAvailability", normalize.StatusPaid},
		{"PENDING", "Pending", normalize.StatusPending},
		{"UNSHIPPED", "Unshipped", normalize.StatusPaid},
		{"PARTIALLY_SHIPPED", "PartiallyShipped", normalize.StatusShipped},
		{"SHIPPED", "Shipped", normalize.StatusShipped},
		{"CANCELLED", "Canceled", normalize.StatusCancelled},
		{"UNFULFILLABLE", "Unfulfillable", normalize.StatusUnknown},
	} {
		if got, v0 := status(c.v2026), status(c.v0); got != c.want || v0 != c.want {
			t.Errorf("%s is %v and %s is %v, want %v", c.v2026, got, c.v0, v0, c.want)
		}
	}
}

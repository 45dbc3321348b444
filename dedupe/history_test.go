package dedupe

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

func TestCustomerHistory(t *testing.T) {
	d := cpfOf(31415)
	base := time.Date(2025, 12, 1, 10, 0, 0, 0, time.UTC)
	o1 := mk("mercadolivre", "1", 0, at(base), name("Ana Lima"), cpf(d), total(10001), qty(2), addr("01310100", "1", "São Paulo", "SP"))
	o2 := mk("shopee", "2", 0, at(base.AddDate(0, 0, 10)), name("ANA LIMA"), cpf(d), total(20000), qty(1), addr("01310100", "1", "São Paulo", "SP"))
	o3 := mk("shopee", "3", 0, at(base.AddDate(0, 0, 20)), name("ANA LIMA"), cpf(d), total(99999), qty(5), status(normalize.StatusCancelled))
	o4 := mk("shopify", "4", 0, at(base.AddDate(0, 0, 30)), name("Ana Lima"), cpf(d), qty(1), status(normalize.StatusReturned),
		addr("20040002", "9", "Rio de Janeiro", "RJ"), func(o *normalize.Order) {
			o.OrderTotal = normalize.Amount{}
			o.ItemsTotal = normalize.Cents(5000)
		})
	o5 := mk("shopify", "5", 0, at(base.AddDate(0, 0, 40)), name("Ana Lima"), cpf(d), qty(1), func(o *normalize.Order) {
		o.OrderTotal = normalize.Amount{} // no amount at all
	})
	res := resolve(t, Options{}, o1, o2, o3, o4, o5)
	cs := slices.Collect(res.Customers())
	if len(cs) != 1 {
		t.Fatalf("%d customers", len(cs))
	}
	c := cs[0]
	want := Customer{
		ID: c.ID, Name: "Ana Lima", Document: d, City: "São Paulo", State: "SP", PostalCode: "01310100",
		FirstOrderAt: base, LastOrderAt: base.AddDate(0, 0, 40),
		OrdersCount: 5, ItemsCount: 2 + 1 + 1 + 1, CancelledCount: 1, ReturnedCount: 1,
		TotalSpent: 10001 + 20000 + 5000, AvgTicket: 11667, HasAvgTicket: true, // 35001/3 = 11667.0
		AvgDaysBetweenOrders: 10, HasAvgDays: true,
		Channels:  []string{"mercadolivre", "shopee", "shopify"},
		Purchases: 4, LastPurchaseAt: base.AddDate(0, 0, 40),
		RFMRecency: 1, RFMFrequency: 1, RFMMonetary: 1,
	}
	if !equalCustomer(c, want) {
		t.Fatalf("got  %+v\nwant %+v", c, want)
	}
}

func equalCustomer(a, b Customer) bool {
	if !slices.Equal(a.Channels, b.Channels) || !a.FirstOrderAt.Equal(b.FirstOrderAt) || !a.LastOrderAt.Equal(b.LastOrderAt) || !a.LastPurchaseAt.Equal(b.LastPurchaseAt) {
		return false
	}
	a.Channels, b.Channels = nil, nil
	a.FirstOrderAt, b.FirstOrderAt, a.LastOrderAt, b.LastOrderAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	a.LastPurchaseAt, b.LastPurchaseAt = time.Time{}, time.Time{}
	return reflect.DeepEqual(a, b)
}

func TestDisplayValueTiesGoToLatestOrder(t *testing.T) {
	d := cpfOf(2718)
	a := mk("shopee", "1", 30, name("Ana Lima"), cpf(d), phone("+5511987650001"))
	b := mk("shopee", "2", 20, name("Ana P. Lima"), cpf(d), phone("+5511987650002"))
	c := mk("shopee", "3", 10, name("Ana P. Lima"), cpf(d), phone("+5511987650001"))
	dd := mk("shopee", "4", 5, name("Ana Lima"), cpf(d), phone("+5511987650003"))
	res := resolve(t, Options{}, a, b, c, dd)
	cu := customers(res)[cid(res, a)]
	// Names tie 2–2: the latest order's wins. The phone ...0001 is the most
	// frequent.
	if cu.Name != "Ana Lima" || cu.Phone != "+5511987650001" {
		t.Fatalf("%+v", cu)
	}
}

func TestEmailShownAsWritten(t *testing.T) {
	a := mk("shopify", "1", 3, email("maria.souza@gmail.com"))
	b := mk("shopify", "2", 2, email("mariasouza@gmail.com"))
	c := mk("shopify", "3", 1, email("maria.souza@gmail.com"))
	res := resolve(t, Options{}, a, b, c)
	cu := customers(res)[cid(res, a)]
	if cu.Email == "" {
		t.Fatal("no e-mail")
	}
	ids := identities(res)
	if len(ids) != 1 || ids[0].Value != "mariasouza@gmail.com" || ids[0].OrdersCount != 3 {
		t.Fatalf("%+v", ids)
	}
	// A relay address shows only when there is no personal one.
	r1 := mk("amazon", "1", 1, relay("abc@marketplace.amazon.com.br"), name("Zé Lima"), cpf(cpfOf(4)))
	r2 := mk("shopify", "9", 1, email("ze@lima.com"), cpf(cpfOf(4)))
	res = resolve(t, Options{}, r1)
	if cu := customers(res)[cid(res, r1)]; cu.Email != "abc@marketplace.amazon.com.br" {
		t.Fatalf("%+v", cu)
	}
	res = resolve(t, Options{}, r1, r2)
	if cu := customers(res)[cid(res, r1)]; cu.Email != "ze@lima.com" {
		t.Fatalf("%+v", cu)
	}
}

// TestPurchases counts the orders the segment rules place a customer by:
// not cancelled, dated, and placed before PurchasesBefore.
func TestPurchases(t *testing.T) {
	day := func(n int) opt { return at(asOf.AddDate(0, 0, -n)) }
	one := mk("shopee", "n1", 0, day(10), cpf(cpfOf(1)))
	cancelled := mk("shopee", "c1", 0, day(10), cpf(cpfOf(2)), status(normalize.StatusCancelled))
	undatedOnly := mk("shopee", "u1", 0, undated(), cpf(cpfOf(3)))
	two := mk("shopee", "r1", 0, day(300), cpf(cpfOf(4)))
	twoLater := mk("shopee", "r2", 0, day(180), cpf(cpfOf(4)))
	twoCancelled := mk("shopee", "r3", 0, day(5), cpf(cpfOf(4)), status(normalize.StatusCancelled))
	// Placed after the as-of day: an order, not yet a purchase.
	future := mk("shopee", "f1", 0, at(asOf.AddDate(0, 0, 2)), cpf(cpfOf(4)))
	res := resolve(t, Options{PurchasesBefore: asOf.AddDate(0, 0, 1)}, one, cancelled, undatedOnly, two, twoLater, twoCancelled, future)
	cs := customers(res)
	for _, tc := range []struct {
		o    *normalize.Order
		n    int64
		last time.Time
	}{
		{one, 1, one.OrderedAt},
		{cancelled, 0, time.Time{}},
		{undatedOnly, 0, time.Time{}},
		{two, 2, twoLater.OrderedAt},
	} {
		c := cs[cid(res, tc.o)]
		if c.Purchases != tc.n || !c.LastPurchaseAt.Equal(tc.last) {
			t.Errorf("%s: %d purchases, latest %v; want %d, %v", tc.o.OrderID, c.Purchases, c.LastPurchaseAt, tc.n, tc.last)
		}
	}
	if c := cs[cid(res, two)]; c.OrdersCount != 4 || !c.LastOrderAt.Equal(future.OrderedAt) {
		t.Errorf("orders_count and last_order_at still count every order: %+v", c)
	}
	// Without PurchasesBefore every dated order counts.
	res = resolve(t, Options{}, two, twoLater, twoCancelled, future)
	if c := customers(res)[cid(res, two)]; c.Purchases != 3 || !c.LastPurchaseAt.Equal(future.OrderedAt) {
		t.Errorf("no cut-off: %+v", c)
	}
}

func cur(c string) opt { return func(o *normalize.Order) { o.Currency = c } }

// TestCurrency: totals are in the currency of most of a customer's priced
// purchases, and amounts in another currency are never added to them.
func TestCurrency(t *testing.T) {
	for _, tc := range []struct {
		name   string
		orders []*normalize.Order
		want   string
		spent  int64
		avg    int64
	}{
		{"one currency", []*normalize.Order{
			mk("shopify", "a1", 3, cpf(cpfOf(7)), cur("BRL"), total(1000)),
			mk("shopify", "a2", 2, cpf(cpfOf(7)), cur("BRL"), total(3000)),
		}, "BRL", 4000, 2000},
		{"most orders win", []*normalize.Order{
			mk("shopify", "b1", 3, cpf(cpfOf(7)), cur("EUR"), total(99900)),
			mk("shopify", "b2", 2, cpf(cpfOf(7)), cur("BRL"), total(1000)),
			mk("shopify", "b3", 1, cpf(cpfOf(7)), cur("BRL"), total(2001)),
		}, "BRL", 3001, 1501},
		{"a tie goes to the latest", []*normalize.Order{
			mk("shopify", "c1", 3, cpf(cpfOf(7)), cur("BRL"), total(1000)),
			mk("shopify", "c2", 1, cpf(cpfOf(7)), cur("EUR"), total(500)),
		}, "EUR", 500, 500},
		{"cancelled and unpriced orders do not vote", []*normalize.Order{
			mk("shopify", "d1", 3, cpf(cpfOf(7)), cur("EUR"), total(500), status(normalize.StatusCancelled)),
			mk("shopify", "d2", 2, cpf(cpfOf(7)), cur("EUR"), func(o *normalize.Order) { o.OrderTotal = normalize.Amount{} }),
			mk("shopify", "d3", 1, cpf(cpfOf(7)), cur("BRL"), total(700)),
		}, "BRL", 700, 700},
		{"no amount", []*normalize.Order{
			mk("shopify", "e1", 1, cpf(cpfOf(7)), cur("BRL"), func(o *normalize.Order) { o.OrderTotal = normalize.Amount{} }),
		}, "", 0, 0},
	} {
		res := resolve(t, Options{}, tc.orders...)
		c := customers(res)[cid(res, tc.orders[0])]
		if c.Currency != tc.want || c.TotalSpent != tc.spent || c.AvgTicket != tc.avg {
			t.Errorf("%s: %s %d avg %d, want %s %d avg %d", tc.name, c.Currency, c.TotalSpent, c.AvgTicket, tc.want, tc.spent, tc.avg)
		}
	}
}

// TestUsernames: a customer's marketplace usernames, from every account,
// without the source and account the identity keys carry.
func TestUsernames(t *testing.T) {
	a := mk("shopee", "1", 3, ref("maria_s"), cpf(cpfOf(9)))
	b := mk("shopee", "2", 2, ref("maria_s"), acct("loja:2"), cpf(cpfOf(9)))
	c := mk("mercadolivre", "3", 1, ref("123456789"), cpf(cpfOf(9)))
	d := mk("shopify", "4", 1, cpf(cpfOf(9)))
	res := resolve(t, Options{}, a, b, c, d)
	if got := customers(res)[cid(res, a)].Usernames; !slices.Equal(got, []string{"123456789", "maria_s"}) {
		t.Errorf("usernames %q", got)
	}
}

func TestRFMQuintiles(t *testing.T) {
	// Ten customers spending 1..10 (×100), one order each, on distinct days.
	var orders []*normalize.Order
	for i := range 10 {
		orders = append(orders, mk("shopee", string(rune('a'+i)), 10-i, cpf(cpfOf(100+i)), total(int64(i+1)*100)))
	}
	// Two more identical to the richest, to check ties.
	orders = append(orders, mk("shopee", "x", 1, cpf(cpfOf(500)), total(1000)))
	res := resolve(t, Options{}, orders...)
	cs := customers(res)
	var got []int32
	for _, o := range orders {
		got = append(got, cs[cid(res, o)].RFMMonetary)
	}
	// Score = 1 + 5·(customers strictly below)/11; the two 1000s tie.
	want := []int32{1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5}
	if !slices.Equal(got, want) {
		t.Fatalf("monetary %v, want %v", got, want)
	}
	for _, c := range cs {
		if c.RFMFrequency != 1 { // everyone ties
			t.Fatalf("frequency %+v", c)
		}
		if c.RFMRecency < 1 || c.RFMRecency > 5 {
			t.Fatalf("recency %+v", c)
		}
	}
	if cs[cid(res, orders[0])].RFMRecency != 1 || cs[cid(res, orders[9])].RFMRecency != 5 {
		t.Fatal("recency order")
	}
}

func TestObserveAgainReplacesFiguresAndAddsIdentifiers(t *testing.T) {
	first := mk("shopee", "1", 10, name("Ana Lima"), phone("+5511987650001"), total(5000))
	later := mk("shopee", "1", 10, name("Ana Lima"), email("ana@lima.com"), total(7000), status(normalize.StatusCancelled))
	other := mk("shopify", "2", 5, name("Ana Lima"), phone("+5511987650001"))
	other2 := mk("shopify", "3", 4, email("ana@lima.com"))
	r := NewResolver(Options{})
	var handles []uint32
	for _, o := range []*normalize.Order{first, other, later, other2} {
		handles = append(handles, r.Observe(o))
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	assertSame(t, res, first, other, other2)
	c := customers(res)[cid(res, first)]
	if c.OrdersCount != 3 || c.CancelledCount != 1 || c.TotalSpent != 20000 {
		t.Fatalf("%+v", c)
	}
	if res.Report().Orders != 3 {
		t.Fatalf("%+v", res.Report())
	}
	// Each observation has its handle; both of the re-observed order's
	// lead to its customer.
	h := res.Handles()
	if handles[0] == handles[2] || h.CustomerOf(handles[0]) != c.ID || h.CustomerOf(handles[2]) != c.ID || h.CustomerOf(handles[1]) != c.ID {
		t.Fatalf("handles %v: %q %q %q, want %q", handles, h.CustomerOf(handles[0]), h.CustomerOf(handles[1]), h.CustomerOf(handles[2]), c.ID)
	}
}

func TestOrdersWithoutIdentifiers(t *testing.T) {
	a := mk("tiktok", "1", 3)
	b := mk("tiktok", "2", 2)
	c := mk("tiktok", "3", 1, undated(), name("Ana"))
	res := resolve(t, Options{}, a, b, c)
	if res.Report().Customers != 3 {
		t.Fatalf("%+v", res.Report())
	}
	// The id comes from the order key, so it is the same in any run.
	res2 := resolve(t, Options{}, c, b, a)
	for _, o := range []*normalize.Order{a, b, c} {
		if cid(res, o) != cid(res2, o) || cid(res, o) != derivedID("order:tiktok/main/"+o.OrderID) {
			t.Fatalf("order %s: %s vs %s", o.OrderID, cid(res, o), cid(res2, o))
		}
	}
	cu := customers(res)[cid(res, c)]
	if !cu.FirstOrderAt.IsZero() || cu.HasAvgDays || cu.Purchases != 0 {
		t.Fatalf("%+v", cu)
	}
	if res.CustomerID("tiktok", "main", "404") != "" || res.CustomerID("tiktok", "other", "1") != "" {
		t.Fatal("unknown order has a customer")
	}
}

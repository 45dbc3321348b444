package dedupe

import (
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

// TestSeedDatesOnlyTheirCustomer: an identifier two customers share (a
// household's phone, different first names) is seeded with the dates of
// both; each customer's identity must still be dated by its own orders, as
// one resolution of every order dates it, and not take the other
// customer's first sighting. A seed still dates what the orders cannot:
// an undated order keeps the first stamp of the run that saw it.
func TestSeedDatesOnlyTheirCustomer(t *testing.T) {
	ana := mk("shopify", "1", 300, name("Ana Lima"), phone("+5511987001122"))
	bruno := mk("shopify", "2", 100, name("Bruno Lima"), phone("+5511987001122"))
	undatedCarla := mk("shopify", "3", 0, name("Carla Reis"), email("carla@reis.com.br"), undated())
	first := []*normalize.Order{ana, bruno, undatedCarla}
	later := mk("shopify", "4", 10, name("Bruno Lima"), phone("+5511987001122"))

	prev := run(t, Options{}, nil, first)
	all := append(first, later)
	incremental := run(t, Options{Now: asOf.AddDate(0, 0, 1)}, prev, all)
	full := run(t, Options{}, nil, all)

	// Customers are told by an order of theirs: ids may differ, as the
	// stable-id rule keeps the earlier run's.
	identity := func(res *Result, o *normalize.Order, k Kind) Identity {
		for id := range res.Identities() {
			if id.CustomerID == cid(res, o) && id.Kind == k {
				return id
			}
		}
		t.Fatalf("order %s: no %s identity", o.OrderID, k)
		return Identity{}
	}
	for _, c := range []struct {
		o *normalize.Order
		k Kind
	}{{ana, KindPhone}, {bruno, KindPhone}} {
		g, w := identity(incremental, c.o, c.k), identity(full, c.o, c.k)
		if !g.FirstSeen.Equal(w.FirstSeen) || !g.LastSeen.Equal(w.LastSeen) || g.OrdersCount != w.OrdersCount {
			t.Errorf("order %s's %s: seen %v–%v in %d orders, one resolution says %v–%v in %d",
				c.o.OrderID, c.k, g.FirstSeen, g.LastSeen, g.OrdersCount, w.FirstSeen, w.LastSeen, w.OrdersCount)
		}
	}
	// One resolution stamps an undated order's identity with its own
	// time; the seeded one keeps the earlier run's.
	if g := identity(incremental, undatedCarla, KindEmail); !g.FirstSeen.Equal(asOf) {
		t.Errorf("undated order's e-mail: first seen %v, want the earlier run's %v", g.FirstSeen, asOf)
	}
}

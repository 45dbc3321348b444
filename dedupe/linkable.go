package dedupe

import (
	"strconv"

	"github.com/orderhist/orderhist/normalize"
)

// LinkableTruth refines a ground truth (order key "source/account/order_id"
// → person) to what evidence can reach: within each person, orders joined
// by a chain of identical identifiers, ignoring every guard. An order that
// shows nothing (Amazon's report has no buyer name, e-mail or phone; a
// masked Shopee row) is alone in it. Recall against it measures the
// resolver, not the exports' silence.
func LinkableTruth(orders []*normalize.Order, truth map[string]string) map[string]string {
	key := func(o *normalize.Order) string { return o.Source + "/" + o.Account + "/" + o.OrderID }
	parent := make([]int, len(orders))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	first := map[string]int{}
	join := func(i int, k string) {
		k = truth[key(orders[i])] + "|" + k
		if j, ok := first[k]; ok {
			parent[find(i)] = find(j)
		} else {
			first[k] = i
		}
	}
	for i, o := range orders {
		b := &o.Buyer
		if b.Document != "" {
			join(i, "d"+b.Document)
		}
		if b.Email != "" {
			join(i, "e"+normalize.EmailMatchKey(b.Email))
		}
		if b.Ref != "" {
			join(i, "u"+o.Source+":"+o.Account+":"+b.Ref)
		}
		if b.Phone != "" {
			join(i, "p"+b.Phone)
		}
		if p := o.Ship.RecipientPhone; p != "" && b.Name != "" && normalize.NameKey(o.Ship.RecipientName) == normalize.NameKey(b.Name) {
			join(i, "p"+p)
		}
	}
	out := make(map[string]string, len(orders))
	for i, o := range orders {
		k := key(o)
		out[k] = truth[k] + "#" + strconv.Itoa(find(i))
	}
	return out
}

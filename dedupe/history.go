package dedupe

import (
	"math"
	"slices"
	"time"
)

// history sums each customer's orders and scores them.
//
// orders_count counts every order and cancelled_count the cancelled ones
// among them; money and items leave cancelled orders out, since nothing was
// bought. Returned orders count as spent: the contract excludes only
// cancellations, and a return's refund is not in the exports. The average
// ticket divides by the non-cancelled orders that have an amount, so an
// export without totals does not drag it down.
func (s *state) history(asOf time.Time) {
	r := s.r
	before := int64(math.MaxInt64)
	if !r.opts.PurchasesBefore.IsZero() {
		before = r.opts.PurchasesBefore.UnixMicro()
	}
	for i := range s.custs {
		c := &s.custs[i]
		c.first, c.last, c.lastBuy = noTime, noTime, noTime
		members := s.compMembers(c.comp)
		c.cur = mainCurrency(r.orders, members)
		for _, o := range members {
			rec := &r.orders[o]
			c.orders++
			if rec.at != noTime {
				c.dated++
				if c.first == noTime || rec.at < c.first {
					c.first = rec.at
				}
				c.last = max(c.last, rec.at)
			}
			switch rec.status {
			case stCancelled:
				c.cancelled++
				continue
			case stReturned:
				c.returned++
			}
			c.nonCancelled++
			c.items += int64(rec.items)
			if rec.at != noTime && rec.at < before {
				c.purchases++
				c.lastBuy = max(c.lastBuy, rec.at)
			}
			if rec.flags&fAmount != 0 && rec.cur == c.cur {
				c.valued++
				c.spent += rec.cents
			}
		}
	}
	n := len(s.custs)
	vals := make([]int64, n)
	for dim := range 3 {
		for i := range s.custs {
			c := &s.custs[i]
			switch dim {
			case 0:
				vals[i] = c.last // noTime sorts first: the worst recency
			case 1:
				vals[i] = c.nonCancelled
			case 2:
				vals[i] = c.spent
			}
		}
		sorted := slices.Clone(vals)
		slices.Sort(sorted)
		for i, v := range vals {
			s.custs[i].rfm[dim] = quintile(sorted, v)
		}
	}
}

// quintile scores v 1–5 by the share of customers strictly below it: equal
// values always get equal scores, whatever the order customers come in.
func quintile(sorted []int64, v int64) uint8 {
	below, _ := slices.BinarySearch(sorted, v)
	return uint8(1 + 5*below/len(sorted))
}

// mainCurrency is the currency of most of the non-cancelled orders with an
// amount among members, the latest order's on a tie; 0 (the interned "")
// when there is none. Nearly every customer buys in one currency, which
// the first loop settles without counting.
func mainCurrency(orders []orderRec, members []uint32) uint32 {
	var first uint32
	seen, mixed := false, false
	for _, o := range members {
		rec := &orders[o]
		if rec.status == stCancelled || rec.flags&fAmount == 0 {
			continue
		}
		if !seen {
			first, seen = rec.cur, true
		} else if rec.cur != first {
			mixed = true
			break
		}
	}
	if !mixed {
		return first
	}
	type tally struct {
		n    int
		last int64
	}
	counts := map[uint32]tally{}
	for _, o := range members {
		rec := &orders[o]
		if rec.status == stCancelled || rec.flags&fAmount == 0 {
			continue
		}
		t := counts[rec.cur]
		t.n++
		t.last = max(t.last, rec.at)
		counts[rec.cur] = t
	}
	best, bt := uint32(0), tally{last: noTime}
	for cur, t := range counts {
		if t.n > bt.n || t.n == bt.n && (t.last > bt.last || t.last == bt.last && cur < best) {
			best, bt = cur, t
		}
	}
	return best
}

package dedupe

import (
	"slices"
	"time"
)

// Segment codes in custRec.
const (
	segNew uint8 = iota
	segRecurring
	segInactive
)

var segmentName = [...]string{segNew: SegmentNew, segRecurring: SegmentRecurring, segInactive: SegmentInactive}

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
	for i := range s.custs {
		c := &s.custs[i]
		c.first, c.last = noTime, noTime
		for _, o := range s.compMembers(c.comp) {
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
			if rec.flags&fAmount != 0 {
				c.valued++
				c.spent += rec.cents
			}
		}
		c.seg = segment(c, asOf)
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

// segment places a customer as of asOf. A customer whose orders have no
// date cannot be judged on recency and is placed by count alone.
func segment(c *custRec, asOf time.Time) uint8 {
	if c.last != noTime && asOf.UnixMicro()-c.last > ActiveWindow.Microseconds() {
		return segInactive
	}
	if c.nonCancelled >= 2 {
		return segRecurring
	}
	return segNew
}

// avgTicket divides rounding half away from zero.
func avgTicket(spent, n int64) int64 {
	if n <= 0 {
		return 0
	}
	q, rem := spent/n, spent%n
	if rem < 0 {
		rem = -rem
	}
	if 2*rem >= n {
		if spent < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

package dedupe

import (
	"cmp"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/orderhist/orderhist/normalize"
)

// Result is a resolution. Its methods only read and may be called
// concurrently.
type Result struct {
	s *state
}

// CustomerID returns the customer of an observed order, or "" for an order
// that was never observed.
func (res *Result) CustomerID(source, account, orderID string) string {
	o, ok := res.s.lookup(source, account, orderID)
	if !ok {
		return ""
	}
	return res.s.custs[res.s.compCust[res.s.compOf[o]]].id
}

// Handles is the part of a Result that CustomerOf needs: an import keeps
// it to write orders after the customers, and lets the rest of the
// resolution (orders, identifiers, histories: most of its memory) go.
//
// The ids are kept in one byte block with offsets rather than as strings:
// a 10M-order import keeps millions of them alive while it writes, and
// strings would give the collector millions of pointers to trace on every
// cycle of the write stage.
type Handles struct {
	cust []uint32 // Observe handle - 1 → index in ends
	ends []uint32 // end of each customer id in text; it starts at the previous end
	text []byte
}

// Handles returns the customer of every Observe handle, apart from the
// Result.
func (res *Result) Handles() *Handles {
	custs := res.s.custs
	size := 0
	for i := range custs {
		size += len(custs[i].id)
	}
	h := &Handles{cust: res.s.obsCust, ends: make([]uint32, len(custs)), text: make([]byte, 0, size)}
	for i := range custs {
		h.text = append(h.text, custs[i].id...)
		h.ends[i] = uint32(len(h.text))
	}
	return h
}

// CustomerOf is Result.CustomerOf. The string it returns shares the
// Handles' memory, so it costs no allocation.
func (h *Handles) CustomerOf(handle uint32) string {
	if handle == 0 || int(handle) > len(h.cust) {
		return ""
	}
	c := h.cust[handle-1]
	start := uint32(0)
	if c > 0 {
		start = h.ends[c-1]
	}
	if start == h.ends[c] {
		return ""
	}
	return unsafe.String(&h.text[start], h.ends[c]-start)
}

// CustomerOf returns the customer of the order whose Observe returned h,
// in constant time; "" for 0 or an unknown handle.
func (res *Result) CustomerOf(h uint32) string {
	s := res.s
	if h == 0 || int(h) > len(s.obsCust) {
		return ""
	}
	return s.custs[s.obsCust[h-1]].id
}

func (s *state) lookup(source, account, orderID string) (uint32, bool) {
	r := s.r
	key := orderKey(source, account, orderID)
	i, ok := slices.BinarySearchFunc(r.orders, key, func(o orderRec, k uint64) int { return cmp.Compare(o.key, k) })
	if !ok {
		return 0, false
	}
	o := &r.orders[i]
	if sa := r.srcs[o.src]; sa.source != source || sa.account != account || r.orderIDAt(o.idRef) != orderID {
		return 0, false
	}
	return uint32(i), true
}

// Customers yields every customer, sorted by id.
func (res *Result) Customers() iter.Seq[Customer] {
	return func(yield func(Customer) bool) {
		var t tallies
		for i := range res.s.custs {
			if !yield(res.s.customer(&res.s.custs[i], &t)) {
				return
			}
		}
	}
}

// Identities yields one row per (customer, identifier), sorted by customer,
// kind and stored value. Shared identifiers are listed with each customer
// that used them: they did not link, but they are that customer's.
func (res *Result) Identities() iter.Seq[Identity] {
	return func(yield func(Identity) bool) {
		var t tallies
		var rows []Identity
		for i := range res.s.custs {
			rows = res.s.identities(&res.s.custs[i], &t, rows[:0])
			for _, row := range rows {
				if !yield(row) {
					return
				}
			}
		}
	}
}

// Merges returns the merges of earlier runs and of this one, sorted by time
// and merged id. An earlier merge whose target was merged since points to
// the customer it now belongs to.
func (res *Result) Merges() []Merge {
	s := res.s
	all := append(slices.Clone(s.r.seedMerges), s.merges...)
	to := make(map[string]string, len(all))
	for _, m := range all {
		to[m.MergedID] = m.CustomerID
	}
	for i := range all {
		id := all[i].CustomerID
		for range len(to) {
			next, ok := to[id]
			if !ok || next == all[i].MergedID {
				break
			}
			id = next
		}
		all[i].CustomerID = id
	}
	slices.SortFunc(all, func(a, b Merge) int {
		return cmp.Or(a.MergedAt.Compare(b.MergedAt), cmp.Compare(a.MergedID, b.MergedID), cmp.Compare(a.CustomerID, b.CustomerID))
	})
	return slices.CompactFunc(all, func(a, b Merge) bool { return a.MergedID == b.MergedID && a.CustomerID == b.CustomerID })
}

// Report returns the counts of the resolution.
func (res *Result) Report() Report {
	rep := res.s.report
	rep.Identifiers = maps.Clone(rep.Identifiers)
	rep.Shared = slices.Clone(rep.Shared)
	return rep
}

// Links returns the identifiers of a customer with the orders carrying
// each, strongest kind first; nil for an unknown id.
func (res *Result) Links(customerID string) []Link {
	s := res.s
	r := s.r
	i, ok := sort.Find(len(s.custs), func(i int) int { return cmp.Compare(customerID, s.custs[i].id) })
	if !ok {
		return nil
	}
	comp := s.custs[i].comp
	byID := make(map[uint32][]string)
	var ids []uint32
	for _, o := range s.compMembers(comp) {
		rec := &r.orders[o]
		sa := r.srcs[rec.src]
		key := sa.source + "/" + sa.account + "/" + r.orderIDAt(rec.idRef)
		for _, id := range s.identsOf(o) {
			if r.idKind[id] == kPrior {
				continue
			}
			if _, ok := byID[id]; !ok {
				ids = append(ids, id)
			}
			byID[id] = append(byID[id], key)
		}
	}
	rank := func(id uint32) int {
		if t := r.idKind[id].tier(); t >= 0 {
			return t
		}
		return 5
	}
	slices.SortFunc(ids, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), cmp.Compare(r.idKind[a], r.idKind[b]), cmp.Compare(r.identValue(a), r.identValue(b)))
	})
	links := make([]Link, 0, len(ids))
	for _, id := range ids {
		k := r.idKind[id]
		orders := byID[id]
		slices.Sort(orders)
		links = append(links, Link{
			Kind: kindName[k], Value: maskValue(k, r.identValue(id)), Orders: orders,
			Shared: s.blocked[id], Weak: k == kNameAddr,
		})
	}
	return links
}

// tally counts how often a value appears among a customer's orders and
// when it last did, to pick the most frequent value (ties: the latest
// order's).
type tally struct {
	v       uint32
	n       int64
	first   int64
	last    int64
	lastKey uint64
	src     uint16
}

type tallies []tally

func (t *tallies) add(v uint32, at int64, key uint64, src uint16) {
	if v == 0 {
		return
	}
	for i := range *t {
		x := &(*t)[i]
		if x.v == v {
			x.n++
			if at != noTime && (x.first == noTime || at < x.first) {
				x.first, x.src = at, src
			}
			if at > x.last || at == x.last && key > x.lastKey {
				x.last, x.lastKey = at, key
			}
			return
		}
	}
	first := at
	*t = append(*t, tally{v: v, n: 1, first: first, last: at, lastKey: key, src: src})
}

func (t tallies) best() uint32 {
	var b *tally
	for i := range t {
		x := &t[i]
		if b == nil || x.n > b.n || x.n == b.n && (x.last > b.last || x.last == b.last && x.lastKey > b.lastKey) {
			b = x
		}
	}
	if b == nil {
		return 0
	}
	return b.v
}

func (s *state) customer(c *custRec, t *tallies) Customer {
	r := s.r
	out := Customer{
		ID:             c.id,
		OrdersCount:    c.orders,
		ItemsCount:     c.items,
		CancelledCount: c.cancelled,
		ReturnedCount:  c.returned,
		TotalSpent:     c.spent,
		Currency:       r.strs.vals[c.cur],
		Purchases:      c.purchases,
		RFMRecency:     int32(c.rfm[0]),
		RFMFrequency:   int32(c.rfm[1]),
		RFMMonetary:    int32(c.rfm[2]),
	}
	if c.first != noTime {
		out.FirstOrderAt = time.UnixMicro(c.first).UTC()
		out.LastOrderAt = time.UnixMicro(c.last).UTC()
	}
	if c.lastBuy != noTime {
		out.LastPurchaseAt = time.UnixMicro(c.lastBuy).UTC()
	}
	if c.valued > 0 {
		out.AvgTicket, out.HasAvgTicket = normalize.DivRound(c.spent, c.valued), true
	}
	if c.dated >= 2 {
		days := float64(c.last-c.first) / float64(24*time.Hour/time.Microsecond)
		out.AvgDaysBetweenOrders, out.HasAvgDays = days/float64(c.dated-1), true
	}

	members := s.compMembers(c.comp)
	pick := func(f func(o uint32, rec *orderRec) uint32) uint32 {
		*t = (*t)[:0]
		for _, o := range members {
			rec := &r.orders[o]
			t.add(f(o, rec), rec.at, rec.key, rec.src)
		}
		return t.best()
	}
	// A buyer's own name wins; a recipient's is shown only when no order
	// names the buyer.
	out.Name = r.strs.vals[pick(func(_ uint32, rec *orderRec) uint32 {
		if rec.flags&fRecipientName != 0 {
			return 0
		}
		return rec.name
	})]
	if out.Name == "" {
		out.Name = r.strs.vals[pick(func(_ uint32, rec *orderRec) uint32 { return rec.name })]
	}
	// A gift's address is the recipient's: the customer's own orders
	// decide where they live, and gifts only when there is nothing else.
	gifts := true
	for _, o := range members {
		if r.orders[o].flags&fGift == 0 && r.orders[o].loc != 0 {
			gifts = false
			break
		}
	}
	field := func(get func(l loc) uint32) string {
		return r.strs.vals[pick(func(_ uint32, rec *orderRec) uint32 {
			if !gifts && rec.flags&fGift != 0 {
				return 0
			}
			return get(r.locs[rec.loc])
		})]
	}
	out.City = field(func(l loc) uint32 { return l.city })
	out.State = field(func(l loc) uint32 { return l.state })
	out.PostalCode = field(func(l loc) uint32 { return l.cep })

	ident := func(match func(k kcode) bool) uint32 {
		*t = (*t)[:0]
		for _, o := range members {
			rec := &r.orders[o]
			for _, id := range s.identsOf(o) {
				if match(r.idKind[id]) && !s.blocked[id] {
					t.add(id, rec.at, rec.key, rec.src)
				}
			}
		}
		return t.best()
	}
	if id := ident(kcode.isDoc); id != 0 {
		out.Document = r.identValue(id)
	}
	if id := ident(func(k kcode) bool { return k == kPhone }); id != 0 {
		out.Phone = r.identValue(id)
	}
	id := ident(func(k kcode) bool { return k == kEmail })
	if id == 0 {
		id = ident(func(k kcode) bool { return k == kRelay })
	}
	if id != 0 {
		out.Email = r.identValue(id)
		if shown, ok := r.emailShown[id]; ok {
			out.Email = r.strs.vals[shown]
		}
	}

	for _, o := range members {
		src := r.srcs[r.orders[o].src].source
		if !slices.Contains(out.Channels, src) {
			out.Channels = append(out.Channels, src)
		}
	}
	slices.Sort(out.Channels)
	for _, o := range members {
		sa := r.srcs[r.orders[o].src]
		prefix := sa.source + ":" + sa.account + ":"
		for _, id := range s.identsOf(o) {
			if r.idKind[id] != kUser || s.blocked[id] {
				continue
			}
			if u, ok := strings.CutPrefix(r.identValue(id), prefix); ok && !slices.Contains(out.Usernames, u) {
				out.Usernames = append(out.Usernames, u)
			}
		}
	}
	slices.Sort(out.Usernames)
	return out
}

func (s *state) identities(c *custRec, t *tallies, rows []Identity) []Identity {
	r := s.r
	*t = (*t)[:0]
	for _, o := range s.compMembers(c.comp) {
		rec := &r.orders[o]
		for _, id := range s.identsOf(o) {
			if r.idKind[id] != kPrior {
				t.add(id, rec.at, rec.key, rec.src)
			}
		}
	}
	for _, x := range *t {
		k := kindName[r.idKind[x.v]]
		row := Identity{
			CustomerID:  c.id,
			Kind:        k,
			Value:       r.opts.StoredValue(k, r.identValue(x.v)),
			OrdersCount: x.n,
			Evidence:    s.evidence(x.v, c.comp),
		}
		first, last, src := x.first, x.last, x.src
		h := seedHash(k, row.Value)
		if sd, ok := r.seeds[h]; ok {
			// The seed's dates stand for orders this resolution cannot
			// date: pinned orders that no longer show the identifier, or
			// orders without a date (whose first stamp the seed keeps).
			// Otherwise the customer's own orders date the identity, as
			// one resolution of every order would: a seed also spans
			// the orders of other customers that had the identifier.
			u, pinned := s.seedCount[compSeed{c.comp, h}]
			if pinned || first == noTime {
				if sd.first != noTime && (first == noTime || sd.first < first) {
					first = sd.first
				}
				last = max(last, sd.last)
			}
			if pinned {
				// Re-confirmed identity of a pinned customer: the seed
				// counted the pinned orders, and saw it first.
				row.OrdersCount = u.count
				if u.first != noTime && (x.first == noTime || u.first < x.first) {
					row.Source = r.strs.vals[u.src]
				}
				for _, o := range s.members(x.v) {
					if s.compOf[o] == c.comp && r.orders[o].flags&fPinned == 0 {
						row.OrdersCount++
					}
				}
			}
		}
		if row.Source == "" {
			row.Source = r.srcs[src].source
		}
		row.FirstSeen, row.LastSeen = s.stamp(first), s.stamp(last)
		rows = append(rows, row)
	}
	carried := len(rows)
	for _, i := range s.carry[c.comp] {
		sr := r.seedRows.at(i)
		k := Kind(r.strs.vals[sr.kind])
		// No order shows it now: how it linked is only known by kind.
		ev := EvidenceStrong
		if k == KindNameAddress {
			ev = EvidenceCorroborated
		}
		rows = append(rows, Identity{
			CustomerID: c.id, Kind: k, Value: string(r.seedVals.get(sr.val)),
			Source: r.strs.vals[sr.src], FirstSeen: s.stamp(sr.first), LastSeen: s.stamp(sr.last), OrdersCount: sr.count,
			Evidence: ev,
		})
	}
	byKindValue := func(a, b Identity) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value)) }
	if len(rows)-carried > 1 {
		// Earlier customers merged into this one may each have had the
		// identity: one row, with all their orders.
		slices.SortFunc(rows[carried:], func(a, b Identity) int {
			return cmp.Or(byKindValue(a, b), a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.Source, b.Source))
		})
		w := carried
		for _, row := range rows[carried:] {
			if w > carried && byKindValue(rows[w-1], row) == 0 {
				p := &rows[w-1]
				p.OrdersCount += row.OrdersCount
				if row.LastSeen.After(p.LastSeen) {
					p.LastSeen = row.LastSeen
				}
				continue
			}
			rows[w] = row
			w++
		}
		rows = rows[:w]
	}
	slices.SortFunc(rows, byKindValue)
	return rows
}

// stamp turns Unix microseconds into a time, the resolution's time for
// noTime.
func (s *state) stamp(us int64) time.Time {
	if us == noTime {
		return s.now
	}
	return time.UnixMicro(us).UTC()
}

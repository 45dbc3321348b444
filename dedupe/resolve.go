package dedupe

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// state is what Resolve builds; the Result keeps it.
type state struct {
	r *Resolver

	// identifier → its orders, sorted by order (= by order key)
	identStart, identOrders []uint32
	// order → its identifiers
	orderStart, orderIdents []uint32

	blocked []bool   // per identifier: shared by too many people
	docOf   []uint32 // per order: its document identifier, 0 for none
	tokOf   []uint32 // per order: its buyer's first name, in l.toks
	l       linker

	compOf     []uint32 // per order
	compStart  []uint32
	compOrders []uint32 // orders of each component, by order key
	compCust   []uint32 // component → index in custs

	custs  []custRec // sorted by id
	merges []Merge
	report Report
	now    time.Time

	// obsPos maps an Observe handle (less one) to its order's index;
	// Resolve turns it into obsCust, the handle's index in custs.
	obsPos  []uint32
	obsCust []uint32

	scratchA, scratchB []uint32
	frags              []fragment

	// Scored name+address linking (weak.go).
	model      WeakModel
	meanTF     float64
	weakLinks  []weakLink
	scoredEnd  map[uint32]bool // orders at either end of a scored link
	scoredTime time.Duration   // spent in linkScored, for benchmarks

	// Earlier customers (see pins.go).
	final     func(p uint32) uint32  // follows seeded merges
	priorOfID []uint32               // per identifier: final earlier customer + 1, 0 for none; nil without seeds or pins
	pins      map[uint32][]uint32    // final earlier customer → its pinned orders, sorted
	pinRep    map[uint32]uint32      // final earlier customer → the pin identifier that links its group
	merged    []uint32               // scratch for linkMembers
	carry     map[uint32][]uint32    // component → seed rows carried over into its identities
	seedCount map[compSeed]seededUse // re-confirmed identities of pinned customers
}

type custRec struct {
	id                                 string
	comp                               uint32
	first, last                        int64
	dated                              int64
	orders, items, cancelled, returned int64
	nonCancelled, valued, spent        int64
	purchases, lastBuy                 int64
	cur                                uint32
	rfm                                [3]uint8
}

// Resolve links every observed order into customers and computes their
// histories as of asOf. It may be called once.
func (r *Resolver) Resolve(asOf time.Time) (*Result, error) {
	if r.resolved {
		return nil, errors.New("dedupe: Resolve called twice")
	}
	r.resolved = true
	if r.overflow {
		return nil, errors.New("dedupe: more orders or identifiers than one resolution can hold (4 billion, or 4 GiB of ids)")
	}
	s := &state{r: r, now: r.opts.Now}
	if s.now.IsZero() {
		s.now = asOf
	}
	s.sortOrders()
	s.buildIndex()
	s.block()
	s.seedPriors()
	// What only observing needed.
	r.idIdx, r.locIdx, r.locHash, r.strs.idx, r.nameKeys, r.keys = nil, nil, nil, nil, nil, interner{}
	s.link()
	s.components()
	s.assignIDs()
	s.history(asOf)
	s.finishReport()
	// Writing looks up every order's customer by handle: one array read
	// instead of four scattered ones.
	for h, o := range s.obsPos {
		s.obsPos[h] = s.compCust[s.compOf[o]]
	}
	s.obsCust, s.obsPos = s.obsPos, nil
	return &Result{s: s}, nil
}

// sortOrders puts orders in key order, so that every later step visits them
// in an order that depends on their content only.
func (s *state) sortOrders() {
	r := s.r
	n := r.orderChunks.n
	type keyed struct {
		key uint64
		old uint32
	}
	byKey := make([]keyed, 0, n)
	r.orderChunks.each(false, func(i uint32, o *orderRec) { byKey = append(byKey, keyed{o.key, i}) })
	slices.SortFunc(byKey, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
	// An order observed more than once has a record per observation; they
	// fold into one index, and its handles and identifiers with them.
	inv := make([]uint32, n)
	distinct := 0
	for i, k := range byKey {
		if i > 0 && k.key != byKey[i-1].key {
			distinct++
		}
		inv[k.old] = uint32(distinct)
	}
	if n > 0 {
		distinct++
	}
	byKey = nil
	s.obsPos = inv
	r.orders = make([]orderRec, distinct)
	// In observation order, so the latest observation's figures win.
	r.orderChunks.each(true, func(i uint32, o *orderRec) { r.orders[inv[i]] = *o })
	for _, chunk := range r.edges.c {
		for i, e := range chunk {
			chunk[i] = uint64(inv[e>>32])<<32 | e&math.MaxUint32
		}
	}

	nid := r.identChunks.n
	r.idHash, r.idKind, r.idRef = make([]uint64, nid), make([]kcode, nid), make([]uint32, nid)
	r.identChunks.each(true, func(i uint32, x *identRec) {
		r.idHash[i], r.idKind[i], r.idRef[i] = x.hash, x.kind, x.ref
	})
}

// buildIndex turns the (order, identifier) pairs into two compressed
// adjacency lists, dropping the repeats that re-observed orders leave.
func (s *state) buildIndex() {
	r := s.r
	nid := len(r.idKind)
	start := make([]uint32, nid+1)
	for _, chunk := range r.edges.c {
		for _, e := range chunk {
			start[uint32(e)+1]++
		}
	}
	for i := 1; i <= nid; i++ {
		start[i] += start[i-1]
	}
	pos := slices.Clone(start[:nid])
	orders := make([]uint32, r.edges.n)
	r.edges.each(true, func(_ uint32, e *uint64) {
		id := uint32(*e)
		orders[pos[id]] = uint32(*e >> 32)
		pos[id]++
	})
	pos = nil
	w, lo := uint32(0), start[0]
	for id := range nid {
		hi := start[id+1]
		seg := orders[lo:hi]
		lo = hi
		slices.Sort(seg)
		seg = slices.Compact(seg)
		start[id] = w
		w += uint32(copy(orders[w:], seg))
	}
	start[nid] = w
	s.identStart, s.identOrders = start, slices.Clip(orders[:w])

	n := len(r.orders)
	ostart := make([]uint32, n+1)
	for _, o := range s.identOrders {
		ostart[o+1]++
	}
	for i := 1; i <= n; i++ {
		ostart[i] += ostart[i-1]
	}
	opos := slices.Clone(ostart[:n])
	idents := make([]uint32, len(s.identOrders))
	for id := range nid {
		for _, o := range s.identOrders[start[id]:start[id+1]] {
			idents[opos[o]] = uint32(id)
			opos[o]++
		}
	}
	s.orderStart, s.orderIdents = ostart, idents
}

func (s *state) members(id uint32) []uint32 {
	return s.identOrders[s.identStart[id]:s.identStart[id+1]]
}

func (s *state) identsOf(o uint32) []uint32 {
	return s.orderIdents[s.orderStart[o]:s.orderStart[o+1]]
}

// block marks the identifiers too many people share, documents first (by
// distinct first names), then the rest (by distinct documents or names).
func (s *state) block() {
	r := s.r
	n := len(r.orders)
	s.l.toks.init()
	s.tokOf = make([]uint32, n)
	nameTok := make([]uint32, len(r.strs.vals))
	for i := range nameTok {
		nameTok[i] = math.MaxUint32
	}
	for o := range r.orders {
		nm := r.orders[o].name
		if r.orders[o].flags&fRecipientName != 0 {
			nm = 0
		}
		if nameTok[nm] == math.MaxUint32 {
			nameTok[nm] = s.l.toks.id(firstToken(r.nameKey(nm)))
		}
		s.tokOf[o] = nameTok[nm]
	}
	nid := len(r.idKind)
	s.blocked = make([]bool, nid)
	s.docOf = make([]uint32, n)
	check := func(id int, countDocs bool, limit int) {
		m := s.members(uint32(id))
		if len(m) < 2 {
			return
		}
		if own := s.owners(m, countDocs); own > limit {
			s.blocked[id] = true
			k := r.idKind[id]
			s.report.Shared = append(s.report.Shared, SharedIdentifier{
				Kind: kindName[k], Value: maskValue(k, r.identValue(uint32(id))), Orders: len(m), Owners: own,
			})
		}
	}
	for id := 1; id < nid; id++ {
		if r.idKind[id].isDoc() {
			check(id, false, r.maxOwners)
		}
	}
	for o := range n {
		var best uint32
		for _, id := range s.identsOf(uint32(o)) {
			if r.idKind[id].isDoc() && !s.blocked[id] && (best == 0 || r.idHash[id] < r.idHash[best]) {
				best = id
			}
		}
		s.docOf[o] = best
	}
	for id := 1; id < nid; id++ {
		switch k := r.idKind[id]; {
		case k == kNameAddr:
			check(id, true, maxWeakOwners)
		case k.tier() > 0:
			check(id, true, r.maxOwners)
		}
	}
}

// components numbers the linked components in order of their smallest
// order key and lists each one's orders.
func (s *state) components() {
	n := len(s.r.orders)
	l := &s.l
	s.compOf = make([]uint32, n)
	idx := l.size // reused: root → component number + 1
	clear(idx)
	nc := uint32(0)
	for o := range n {
		root := l.find(uint32(o))
		if idx[root] == 0 {
			nc++
			idx[root] = nc
		}
		s.compOf[o] = idx[root] - 1
	}
	l.parent, l.size, l.doc, l.tok, l.extra = nil, nil, nil, nil, nil
	s.compStart = make([]uint32, nc+1)
	for _, c := range s.compOf {
		s.compStart[c+1]++
	}
	for i := uint32(1); i <= nc; i++ {
		s.compStart[i] += s.compStart[i-1]
	}
	pos := slices.Clone(s.compStart[:nc])
	s.compOrders = make([]uint32, n)
	for o, c := range s.compOf {
		s.compOrders[pos[c]] = uint32(o)
		pos[c]++
	}
}

func (s *state) compMembers(c uint32) []uint32 {
	return s.compOrders[s.compStart[c]:s.compStart[c+1]]
}

// linking reports identifiers that may carry a customer id: the strong
// kinds, when not shared.
func (s *state) linking(id uint32) bool {
	t := s.r.idKind[id].tier()
	return t >= 0 && t <= 3 && !s.blocked[id]
}

// pinWeight is what a pin counts for in a claim.
const pinWeight = 1 << 24

type claim struct {
	prior, comp uint32
	n           int
}

// assignIDs gives every component its customer id: the earlier id its
// identifiers point to, the oldest of several (recording the others as
// merged), or a new id derived from its content.
func (s *state) assignIDs() {
	r := s.r
	nc := uint32(len(s.compStart) - 1)
	priorOf := s.priorOf

	var claims []claim
	mark := make([]uint32, len(r.idKind)) // component + 1 that last counted the identifier
	if s.priorOfID != nil {
		for c := range nc {
			first := len(claims)
			for _, o := range s.compMembers(c) {
				for _, id := range s.identsOf(o) {
					if mark[id] == c+1 || !s.linking(id) {
						continue
					}
					mark[id] = c + 1
					p, ok := priorOf(id)
					if !ok {
						continue
					}
					// A pin weighs more than any number of identifiers:
					// the earlier customer's orders are where its pins are.
					w := 1
					if r.idKind[id] == kPrior {
						w = pinWeight
					}
					found := false
					for i := first; i < len(claims); i++ {
						if claims[i].prior == p {
							claims[i].n += w
							found = true
							break
						}
					}
					if !found {
						claims = append(claims, claim{prior: p, comp: c, n: w})
					}
				}
			}
		}
	}
	// An earlier id claimed by several components (evidence that joined
	// them is gone) stays with the one holding its pinned orders, then
	// with the one holding most of its identifiers, then with the one
	// whose first order key is smallest.
	slices.SortFunc(claims, func(a, b claim) int {
		if c := cmp.Compare(a.prior, b.prior); c != 0 {
			return c
		}
		if c := cmp.Compare(b.n, a.n); c != 0 {
			return c
		}
		return cmp.Compare(a.comp, b.comp)
	})
	won := claims[:0]
	for i, c := range claims {
		if i == 0 || claims[i-1].prior != c.prior {
			won = append(won, c)
		}
	}
	priorName := func(p uint32) string { return r.priors.vals[p] }
	older := func(a, b claim) int {
		if c := cmp.Compare(r.priorFirst[a.prior], r.priorFirst[b.prior]); c != 0 {
			return c
		}
		return cmp.Compare(priorName(a.prior), priorName(b.prior))
	}
	slices.SortFunc(won, func(a, b claim) int {
		if c := cmp.Compare(a.comp, b.comp); c != 0 {
			return c
		}
		return older(a, b)
	})

	used := make(map[string]bool, len(r.priors.vals)+len(r.seedMerges))
	for _, p := range r.priors.vals[1:] {
		used[p] = true
	}
	for _, m := range r.seedMerges {
		used[m.MergedID], used[m.CustomerID] = true, true
	}
	ids := make([]string, nc)
	for i := 0; i < len(won); {
		j := i + 1
		for j < len(won) && won[j].comp == won[i].comp {
			j++
		}
		surv := won[i]
		ids[surv.comp] = priorName(surv.prior)
		if j-i > 1 {
			reasons := s.mergeReasons(surv, won[i+1:j], priorOf)
			for k, w := range won[i+1 : j] {
				s.merges = append(s.merges, Merge{
					MergedID: priorName(w.prior), CustomerID: ids[surv.comp], MergedAt: s.now, Reason: reasons[k],
				})
			}
		}
		i = j
	}
	s.report.NewMerges = len(s.merges)
	s.carryOver(won)

	exclusive := func(id, c uint32) bool {
		for _, o := range s.members(id) {
			if s.compOf[o] != c {
				return false
			}
		}
		return true
	}
	for c := range nc {
		if ids[c] != "" {
			continue
		}
		s.report.NewCustomers++
		var best uint32
		for _, o := range s.compMembers(c) {
			for _, id := range s.identsOf(o) {
				if id == best || !s.linking(id) || r.idKind[id] == kPrior {
					continue
				}
				if best != 0 {
					kb, kc := r.idKind[best], r.idKind[id]
					if d := cmp.Or(cmp.Compare(kb.tier(), kc.tier()), cmp.Compare(kindName[kb], kindName[kc]), bytes.Compare(r.identBytes(best), r.identBytes(id))); d <= 0 {
						continue
					}
				}
				if exclusive(id, c) {
					best = id
				}
			}
		}
		var base string
		if best != 0 {
			k := kindName[r.idKind[best]]
			base = string(k) + ":" + r.opts.StoredValue(k, r.identValue(best))
		} else {
			// No identifier of its own: the customer is its first order.
			o := &r.orders[s.compMembers(c)[0]]
			sa := r.srcs[o.src]
			base = "order:" + sa.source + "/" + sa.account + "/" + r.orderIDAt(o.idRef)
		}
		id := derivedID(base)
		for k := 1; used[id]; k++ {
			id = derivedID(base + "#" + strconv.Itoa(k))
		}
		used[id] = true
		ids[c] = id
	}

	s.custs = make([]custRec, nc)
	for c := range nc {
		s.custs[c] = custRec{id: ids[c], comp: c}
	}
	slices.SortFunc(s.custs, func(a, b custRec) int { return cmp.Compare(a.id, b.id) })
	s.compCust = make([]uint32, nc)
	for i := range s.custs {
		s.compCust[s.custs[i].comp] = uint32(i)
	}
}

func derivedID(base string) string {
	sum := sha256.Sum256([]byte(base))
	return "c_" + hex.EncodeToString(sum[:8])
}

// mergeTargets follows the seeded merges, so that an identity seeded with
// an id merged long ago counts for the id it was merged into.
func (s *state) mergeTargets() func(p uint32) uint32 {
	r := s.r
	if len(r.seedMerges) == 0 {
		return func(p uint32) uint32 { return p }
	}
	to := make(map[string]string, len(r.seedMerges))
	for _, m := range r.seedMerges {
		to[m.MergedID] = m.CustomerID
	}
	return func(p uint32) uint32 {
		id := r.priors.vals[p]
		for range len(to) {
			next, ok := to[id]
			if !ok {
				break
			}
			id = next
		}
		if q, ok := r.priors.idx[id]; ok {
			return q
		}
		q := r.priorID(id)
		r.priorFirst[q] = min(r.priorFirst[q], r.priorFirst[p])
		return q
	}
}

// mergeReasons names, for each merged earlier customer, the kind of
// identifier that joined it to the survivor. Each earlier customer is
// represented by an order carrying its identifiers and no other earlier
// customer's (the new order that carries both is the link, not a side);
// the evidence is then replayed tier by tier over the component until the
// two are connected.
func (s *state) mergeReasons(surv claim, others []claim, priorOf func(uint32) (uint32, bool)) []string {
	r := s.r
	members := s.compMembers(surv.comp)
	local := make(map[uint32]uint32, len(members))
	for i, o := range members {
		local[o] = uint32(i)
	}
	parent := make([]uint32, len(members))
	for i := range parent {
		parent[i] = uint32(i)
	}
	find := func(x uint32) uint32 {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	won := map[uint32]bool{surv.prior: true}
	for _, w := range others {
		won[w.prior] = true
	}
	anchor := make(map[uint32]uint32) // prior → local order
	shared := make(map[uint32]uint32) // prior → local order also carrying another prior
	for i, o := range members {
		var ps []uint32
		for _, id := range s.identsOf(o) {
			if !s.linking(id) {
				continue
			}
			if p, ok := priorOf(id); ok && won[p] && !slices.Contains(ps, p) {
				ps = append(ps, p)
			}
		}
		for _, p := range ps {
			m := anchor
			if len(ps) > 1 {
				m = shared
			}
			if _, ok := m[p]; !ok {
				m[p] = uint32(i)
			}
		}
	}
	anchorOf := func(p uint32) uint32 {
		if a, ok := anchor[p]; ok {
			return a
		}
		return shared[p]
	}
	var idents []uint32
	seen := make(map[uint32]bool)
	for _, o := range members {
		for _, id := range s.identsOf(o) {
			if !seen[id] && r.idKind[id].tier() >= 0 && !s.blocked[id] {
				seen[id] = true
				idents = append(idents, id)
			}
		}
	}
	slices.SortFunc(idents, func(a, b uint32) int {
		return cmp.Or(cmp.Compare(r.idKind[a].tier(), r.idKind[b].tier()), cmp.Compare(r.idHash[a], r.idHash[b]))
	})
	reasons := make([]string, len(others))
	left := len(others)
	for _, id := range idents {
		first := uint32(math.MaxUint32)
		for _, o := range s.linkMembers(id) {
			lo, ok := local[o]
			if !ok {
				continue
			}
			if first == math.MaxUint32 {
				first = find(lo)
			} else {
				parent[find(lo)] = first
				first = find(first)
			}
		}
		a := find(anchorOf(surv.prior))
		for i, w := range others {
			if reasons[i] == "" && find(anchorOf(w.prior)) == a {
				reasons[i] = reasonFor(r.idKind[id])
				left--
			}
		}
		if left == 0 {
			break
		}
	}
	for i := range reasons {
		if reasons[i] == "" {
			reasons[i] = "linked identifiers"
		}
	}
	return reasons
}

func reasonFor(k kcode) string {
	switch k {
	case kNameAddr:
		return "same name and address, corroborated"
	case kPrior:
		return "same earlier customer"
	}
	return "same " + string(kindName[k])
}

func (s *state) finishReport() {
	r := s.r
	s.report.Orders = len(r.orders)
	s.report.Customers = len(s.custs)
	s.report.Identifiers = make(map[Kind]int)
	for id := 1; id < len(r.idKind); id++ {
		if r.idKind[id] != kPrior {
			s.report.Identifiers[kindName[r.idKind[id]]]++
		}
	}
	slices.SortFunc(s.report.Shared, func(a, b SharedIdentifier) int {
		return cmp.Or(cmp.Compare(b.Orders, a.Orders), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
}

// maskValue hides an identifier for messages, keeping its shape.
func maskValue(k kcode, v string) string {
	if k == kUser {
		// source:account: are the seller's own labels.
		n := 0
		for i := 0; i < len(v); i++ {
			if v[i] == ':' {
				n++
				if n == 2 {
					return v[:i+1] + normalize.Mask(v[i+1:])
				}
			}
		}
	}
	return normalize.Mask(v)
}

package dedupe

import (
	"slices"
)

// Pins: orders read back from the dataset under --pii hash or drop carry
// no identifier to link by, only the customer id they had (ObservePinned).
// A pin is an identifier of the internal kind kPrior whose value is that
// id, so the per-order record does not grow. From Resolve on:
//
//   - Pins follow the seeded merges: a pin to an id merged long ago pins to
//     the id it was merged into ("final" below).
//   - The orders pinned to one id are linked in the first tier, like
//     orders sharing a document.
//   - An observed strong identifier (tiers 0–3, not shared) whose seed
//     names a pinned id P, and names no one else, links as if P's pinned
//     orders carried it too: they did, in the run that wrote the seed. So
//     it is applied in its own tier, with its own guards (a phone still
//     needs compatible first names).
//   - P's pinned orders carry P's document: the observed document
//     identifier whose stored form is P's seeded cpf/cnpj, or, when no
//     observed order shows it, a stand-in (the pin identifier) that equals
//     no other document. A pinned order with a clear document keeps its
//     own. So a pinned customer never meets a second document.
//   - When ids are assigned, a pin counts as an identifier seeded to P,
//     one that outweighs any number of others (pinWeight): should a guard
//     split P's evidence, P stays with its pinned orders.
//     An earlier id with no seed at all (--pii drop stores no identities)
//     is claimed by its pins alone; the earliest pinned order's date then
//     stands for its first_seen.
//   - Identities: a seeded identity of a pinned customer that no observed
//     identifier re-confirms (same kind and stored value, in any customer)
//     is carried over to the customer holding the pins, with its seeded
//     source, first/last seen and orders count, so that the identities
//     table does not lose it run after run. A re-confirmed identity of a
//     pinned customer counts its seeded orders plus the unpinned orders
//     carrying it now: the pinned orders are the ones the seed counted.

// compSeed is a (component, seedHash) pair.
type compSeed struct {
	comp uint32
	hash uint64
}

// seededUse is what the seeds of a pinned customer say of an identity its
// component still carries: the orders that carried it (the pinned ones)
// and where it was first seen.
type seededUse struct {
	count int64
	first int64
	src   uint32 // in Resolver.strs
}

// seedPriors resolves every identifier to the earlier customer its seed
// names, and every pin to its earlier customer; it groups the pinned
// orders and gives them their customer's document.
func (s *state) seedPriors() {
	r := s.r
	nid := len(r.idKind)
	hasPins := false
	for id := 1; id < nid; id++ {
		if r.idKind[id] == kPrior {
			hasPins = true
			break
		}
	}
	if len(r.seeds) == 0 && !hasPins {
		s.final = func(p uint32) uint32 { return p }
		r.seedRows, r.seedVals = chunked[seedRow]{}, arena{}
		return
	}
	s.final = s.mergeTargets()
	s.priorOfID = make([]uint32, nid)
	if !hasPins {
		r.seedRows, r.seedVals = chunked[seedRow]{}, arena{}
	}

	var wantDoc map[uint64]uint32  // seedHash of a pinned customer's document → customer
	var docIdent map[uint32]uint32 // pinned customer → observed identifier of its document
	if hasPins {
		s.pins = make(map[uint32][]uint32)
		s.pinRep = make(map[uint32]uint32)
		for id := 1; id < nid; id++ {
			if r.idKind[id] != kPrior {
				continue
			}
			p := s.final(r.priorID(r.identValue(uint32(id))))
			s.priorOfID[id] = p + 1
			s.pins[p] = append(s.pins[p], s.members(uint32(id))...)
			if rep, ok := s.pinRep[p]; !ok || r.idHash[id] < r.idHash[rep] {
				s.pinRep[p] = uint32(id)
			}
		}
		for p, os := range s.pins {
			slices.Sort(os)
			os = slices.Compact(os)
			s.pins[p] = os
			for _, o := range os {
				rec := &r.orders[o]
				rec.flags |= fPinned
				if rec.at != noTime && rec.at < r.priorFirst[p] {
					r.priorFirst[p] = rec.at
				}
			}
		}
		// Several earlier ids merged into one never held two documents;
		// the smallest hash is taken all the same.
		docHash := make(map[uint32]uint64)
		for q, n := uint32(1), uint32(len(r.priorDoc)); q < n; q++ {
			h := r.priorDoc[q]
			if h == 0 {
				continue
			}
			p := s.final(q)
			if _, ok := s.pins[p]; !ok {
				continue
			}
			if old, ok := docHash[p]; !ok || h < old {
				docHash[p] = h
			}
		}
		wantDoc = make(map[uint64]uint32, len(docHash))
		for p, h := range docHash {
			wantDoc[h] = p
		}
		docIdent = make(map[uint32]uint32)
	}

	for id := 1; id < nid; id++ {
		k := r.idKind[id]
		t := k.tier()
		if k == kPrior || t < 0 || t > 3 && !hasPins {
			continue
		}
		kn := kindName[k]
		h := seedHash(kn, r.opts.StoredValue(kn, r.identValue(uint32(id))))
		sd, ok := r.seeds[h]
		if !ok {
			continue
		}
		if hasPins && !sd.seen {
			sd.seen = true
			r.seeds[h] = sd
		}
		if t <= 3 && !sd.multi {
			s.priorOfID[id] = s.final(sd.prior) + 1
		}
		if k.isDoc() && !s.blocked[id] {
			if p, ok := wantDoc[h]; ok {
				docIdent[p] = uint32(id)
			}
		}
	}

	for _, p := range wantDoc {
		d, ok := docIdent[p]
		if !ok {
			d = s.pinRep[p] // a stand-in equal to no other document
		}
		for _, o := range s.pins[p] {
			if s.docOf[o] == 0 {
				s.docOf[o] = d
			}
		}
	}
}

// priorOf returns the earlier customer an identifier names: through its
// seed, or as a pin.
func (s *state) priorOf(id uint32) (uint32, bool) {
	if s.priorOfID == nil {
		return 0, false
	}
	p := s.priorOfID[id]
	return p - 1, p != 0
}

// pinnedWith returns the pinned orders an identifier links besides its
// own: all of them for the pin that represents its group, those of the
// earlier customer its seed names for a strong identifier, none for
// another pin of a group (its orders are in the group).
func (s *state) pinnedWith(id uint32) (pinned []uint32, own bool) {
	if s.pins == nil {
		return nil, true
	}
	p, ok := s.priorOf(id)
	if !ok {
		return nil, true
	}
	if s.r.idKind[id] == kPrior {
		if s.pinRep[p] != id {
			return nil, false
		}
		return s.pins[p], false
	}
	return s.pins[p], true
}

// linkCount bounds how many orders linkMembers returns.
func (s *state) linkCount(id uint32) int {
	pinned, own := s.pinnedWith(id)
	n := len(pinned)
	if own {
		n += len(s.members(id))
	}
	return n
}

// linkMembers returns the orders an identifier links, sorted: its own, and
// the pinned orders of the earlier customer it names. The slice is reused
// by the next call.
func (s *state) linkMembers(id uint32) []uint32 {
	pinned, own := s.pinnedWith(id)
	if !own {
		return pinned
	}
	m := s.members(id)
	if len(pinned) == 0 {
		return m
	}
	out := s.merged[:0]
	i, j := 0, 0
	for i < len(m) || j < len(pinned) {
		switch {
		case j == len(pinned) || i < len(m) && m[i] < pinned[j]:
			out = append(out, m[i])
			i++
		case i == len(m) || pinned[j] < m[i]:
			out = append(out, pinned[j])
			j++
		default:
			out = append(out, m[i])
			i, j = i+1, j+1
		}
	}
	s.merged = out
	return out
}

// carryOver decides, once ids are assigned, which seeded identities of
// pinned customers each component lists besides its observed ones.
func (s *state) carryOver(won []claim) {
	r := s.r
	if s.pins == nil {
		return
	}
	compOf := make(map[uint32]uint32, len(s.pins))
	for _, w := range won {
		if _, ok := s.pins[w.prior]; ok {
			compOf[w.prior] = w.comp
		}
	}
	s.carry = make(map[uint32][]uint32)
	s.seedCount = make(map[compSeed]seededUse)
	r.seedRows.each(false, func(i uint32, row *seedRow) {
		c, ok := compOf[s.final(row.prior)]
		if !ok {
			return
		}
		if r.seeds[row.hash].seen {
			k := compSeed{c, row.hash}
			u, ok := s.seedCount[k]
			u.count += row.count
			if !ok || row.first != noTime && (u.first == noTime || row.first < u.first) {
				u.first, u.src = row.first, row.src
			}
			s.seedCount[k] = u
			return
		}
		s.carry[c] = append(s.carry[c], i)
	})
}

package dedupe

import (
	"cmp"
	"iter"
	"math"
	"slices"
	"sort"
)

// Model returns the scored-linking model estimated for this resolution.
func (res *Result) Model() WeakModel {
	m := res.s.model
	m.M, m.U = cloneProbs(m.M), cloneProbs(m.U)
	return m
}

func cloneProbs(p [][]float64) [][]float64 {
	out := make([][]float64, len(p))
	for i := range p {
		out[i] = slices.Clone(p[i])
	}
	return out
}

// WeakLinks returns the unions made on scored name and address evidence
// within a customer, strongest first; nil for a customer linked by strong
// identifiers only or an unknown id.
func (res *Result) WeakLinks(customerID string) []WeakLink {
	s := res.s
	i, ok := sort.Find(len(s.custs), func(i int) int { return cmp.Compare(customerID, s.custs[i].id) })
	if !ok {
		return nil
	}
	comp := s.custs[i].comp
	var out []WeakLink
	for _, w := range s.weakLinks {
		if s.compOf[w.a] == comp {
			out = append(out, s.weakLink(w))
		}
	}
	return out
}

// AllWeakLinks yields every union made on scored name and address evidence
// with the customer it is in, strongest first, in one pass: what a writer of
// every customer's links wants, where WeakLinks per customer would rescan
// the links once per customer.
func (res *Result) AllWeakLinks() iter.Seq2[string, WeakLink] {
	return func(yield func(string, WeakLink) bool) {
		s := res.s
		if len(s.weakLinks) == 0 {
			return
		}
		idOf := make(map[uint32]string, len(s.weakLinks))
		for _, w := range s.weakLinks {
			idOf[s.compOf[w.a]] = ""
		}
		for _, c := range s.custs {
			if _, ok := idOf[c.comp]; ok {
				idOf[c.comp] = c.id
			}
		}
		for _, w := range s.weakLinks {
			if !yield(idOf[s.compOf[w.a]], s.weakLink(w)) {
				return
			}
		}
	}
}

func (s *state) weakLink(w weakLink) WeakLink {
	r := s.r
	key := func(o uint32) string {
		rec := &r.orders[o]
		sa := r.srcs[rec.src]
		return sa.source + "/" + sa.account + "/" + r.orderIDAt(rec.idRef)
	}
	wl := WeakLink{
		Orders: [2]string{key(w.a), key(w.b)}, Weight: w.weight, NameFrequency: w.adj,
		Probability: 1 / (1 + math.Exp2(-w.weight)),
	}
	for f := range numFields {
		lv := w.g[f]
		fc := FieldComparison{Field: fieldName[f], Level: levelLabel(f, lv), Agree: lv == 0}
		if lv < fieldLevels[f] && s.model.M != nil {
			fc.Weight = math.Log2(s.model.M[f][lv] / s.model.U[f][lv])
		}
		wl.Fields = append(wl.Fields, fc)
	}
	return wl
}

// evidence says how identifier id of component comp took part in linking.
func (s *state) evidence(id, comp uint32) Evidence {
	r := s.r
	if s.blocked[id] {
		return EvidenceShared
	}
	if r.idKind[id] != kNameAddr {
		return EvidenceStrong
	}
	if len(s.scoredEnd) > 0 {
		for _, o := range s.members(id) {
			if s.compOf[o] == comp && s.scoredEnd[o] {
				return EvidenceScored
			}
		}
	}
	return EvidenceCorroborated
}

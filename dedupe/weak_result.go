package dedupe

import (
	"cmp"
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
	r := s.r
	i, ok := sort.Find(len(s.custs), func(i int) int { return cmp.Compare(customerID, s.custs[i].id) })
	if !ok {
		return nil
	}
	comp := s.custs[i].comp
	key := func(o uint32) string {
		rec := &r.orders[o]
		sa := r.srcs[rec.src]
		return sa.source + "/" + sa.account + "/" + r.orderIDAt(rec.idRef)
	}
	var out []WeakLink
	for _, w := range s.weakLinks {
		if s.compOf[w.a] != comp {
			continue
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
		out = append(out, wl)
	}
	return out
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

package dedupe

import (
	"cmp"
	"slices"
	"strings"
)

// linker is the constrained union-find over orders. Per root it knows the
// component's document (an identifier index, 0 for none) and the first-name
// tokens of its buyers; unions that would join two documents are refused.
type linker struct {
	parent []uint32
	size   []uint32
	doc    []uint32
	tok    []uint32            // a first-name token of the component, 0 for none
	extra  map[uint32][]uint32 // every token, for components with more than one
	toks   interner

	conflicts int
	ambiguous int
	clusters  []uint32
}

// maxTokens bounds the names remembered per component; a customer with
// more spellings than this is matched on the first ones.
const maxTokens = 16

func (l *linker) find(x uint32) uint32 {
	root := x
	for l.parent[root] != root {
		root = l.parent[root]
	}
	for l.parent[x] != root {
		l.parent[x], x = root, l.parent[x]
	}
	return root
}

// union joins the components of roots a and b, which the caller has checked
// to be compatible.
func (l *linker) union(a, b uint32) uint32 {
	if a == b {
		return a
	}
	if l.size[a] < l.size[b] {
		a, b = b, a
	}
	l.parent[b] = a
	l.size[a] += l.size[b]
	if l.doc[a] == 0 {
		l.doc[a] = l.doc[b]
	}
	l.mergeTokens(a, b)
	return a
}

func (l *linker) tokens(r uint32, buf *[1]uint32) []uint32 {
	if t, ok := l.extra[r]; ok {
		return t
	}
	if l.tok[r] == 0 {
		return nil
	}
	buf[0] = l.tok[r]
	return buf[:]
}

func (l *linker) mergeTokens(into, from uint32) {
	var b1, b2 [1]uint32
	fa := l.tokens(from, &b2)
	if len(fa) == 0 {
		return
	}
	ta := l.tokens(into, &b1)
	var set []uint32
	for _, t := range fa {
		if !slices.Contains(ta, t) && !slices.Contains(set, t) {
			set = append(set, t)
		}
	}
	delete(l.extra, from)
	if len(set) == 0 {
		return
	}
	if len(ta) == 0 && len(set) == 1 {
		l.tok[into] = set[0]
		return
	}
	all := append(append(make([]uint32, 0, len(ta)+len(set)), ta...), set...)
	if len(all) > maxTokens {
		all = all[:maxTokens]
	}
	l.tok[into] = all[0]
	l.extra[into] = all
}

func (l *linker) namesCompatible(a, b uint32) bool {
	var b1, b2 [1]uint32
	ta, tb := l.tokens(a, &b1), l.tokens(b, &b2)
	if len(ta) == 0 || len(tb) == 0 {
		return true
	}
	for _, x := range ta {
		for _, y := range tb {
			if x == y || firstNamesCompatible(l.toks.vals[x], l.toks.vals[y]) {
				return true
			}
		}
	}
	return false
}

func (l *linker) compatible(a, b uint32, needName bool) bool {
	if l.doc[a] != 0 && l.doc[b] != 0 && l.doc[a] != l.doc[b] {
		return false
	}
	return !needName || l.namesCompatible(a, b)
}

// linkGroup applies one identifier to the orders that carry it (sorted by
// order key, so that the outcome does not depend on observation order).
// Documented components are placed first, each document in a cluster of
// its own; then each undocumented component joins the one cluster it is
// compatible with, starts a new cluster when it fits none, and is left
// alone when it fits several.
func (l *linker) linkGroup(members []uint32, needName bool) {
	clusters := l.clusters[:0]
	for _, m := range members {
		r := l.find(m)
		if l.doc[r] == 0 {
			continue
		}
		placed := false
		for i, c := range clusters {
			c = l.find(c)
			clusters[i] = c
			if c == r {
				placed = true
				break
			}
			if l.doc[c] == l.doc[r] {
				clusters[i] = l.union(c, r)
				placed = true
				break
			}
		}
		if !placed {
			if len(clusters) > 0 {
				l.conflicts++
			}
			clusters = append(clusters, r)
		}
	}
	for _, m := range members {
		r := l.find(m)
		if l.doc[r] != 0 {
			continue
		}
		cand, n, in := -1, 0, false
		for i, c := range clusters {
			c = l.find(c)
			clusters[i] = c
			if c == r {
				in = true
				break
			}
			if l.compatible(c, r, needName) {
				cand, n = i, n+1
			}
		}
		if in {
			continue
		}
		if n > 1 && !needName {
			// A strong identifier shared by two documented people (a
			// family e-mail): the first name decides, if it can.
			cand, n = -1, 0
			for i, c := range clusters {
				if l.namesCompatible(c, r) {
					cand, n = i, n+1
				}
			}
		}
		switch n {
		case 0:
			clusters = append(clusters, r)
		case 1:
			clusters[cand] = l.union(clusters[cand], r)
		default:
			l.ambiguous++
		}
	}
	l.clusters = clusters[:0]
}

// honorifics are skipped when taking a buyer's first name.
var honorifics = map[string]bool{"sr": true, "sra": true, "srta": true, "dr": true, "dra": true}

// firstToken returns the first word of a NameKey that is a name.
func firstToken(key string) string {
	for key != "" {
		t := key
		if i := strings.IndexByte(key, ' '); i >= 0 {
			t, key = key[:i], key[i+1:]
		} else {
			key = ""
		}
		if !honorifics[t] {
			return t
		}
	}
	return ""
}

// firstNamesCompatible tells whether two first names (NameKey tokens) may
// belong to one person: equal, an initial and a name it starts, or one typo
// apart (one letter changed, added, dropped or two swapped) in names of four
// letters or more. A difference in the final a/o/e alone is a different
// person: Paulo and Paula, Mario and Maria, Daniel and Daniela share
// landlines far more often than anyone mistypes their own name's ending.
func firstNamesCompatible(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) == 1 || len(b) == 1 {
		return a[0] == b[0]
	}
	if len(a) < 4 || len(b) < 4 {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	if genderPair(a, b) {
		return false
	}
	return withinOneEdit(a, b)
}

func isGenderVowel(c byte) bool { return c == 'a' || c == 'o' || c == 'e' }

// genderPair reports names that differ only in a final vowel, or by one
// added at the end (len(a) <= len(b)).
func genderPair(a, b string) bool {
	if len(a) == len(b) {
		n := len(a) - 1
		return a[:n] == b[:n] && isGenderVowel(a[n]) && isGenderVowel(b[n])
	}
	return b[:len(a)] == a && isGenderVowel(b[len(b)-1])
}

// withinOneEdit is the optimal string alignment distance ≤ 1, for
// len(a) <= len(b) <= len(a)+1.
func withinOneEdit(a, b string) bool {
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true // equal, or b has one more letter at the end
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:]
	}
	return a[i:] == b[i+1:]
}

// owners estimates how many people use an identifier: the distinct
// documents, or the distinct first names among its orders, whichever is
// more. First names one typo apart, or an initial and a name it starts,
// count as one: a buyer with hundreds of orders writes her own name
// several ways ("Aline", "Ailne", "A."), and counting each spelling as a
// person would block her own CPF as shared.
func (s *state) owners(members []uint32, countDocs bool) int {
	docs, toks := s.scratchA[:0], s.scratchB[:0]
	for _, m := range members {
		if countDocs && s.docOf[m] != 0 {
			docs = append(docs, s.docOf[m])
		}
		if s.tokOf[m] != 0 {
			toks = append(toks, s.tokOf[m])
		}
	}
	nd := distinct(docs)
	nt := s.nameClusters(toks)
	s.scratchA, s.scratchB = docs[:0], toks[:0]
	return max(nd, nt)
}

// nameClusters counts groups of compatible first names among the tokens
// of an identifier's orders. The most frequent spellings found the groups
// (ties in lexical order, never in interning order, so the count does not
// depend on the order orders were observed in): a typo is rare, so it
// joins its person's usual spelling instead of starting a group of its own.
func (s *state) nameClusters(toks []uint32) int {
	if len(toks) < 2 {
		return len(toks)
	}
	slices.Sort(toks)
	type spelling struct {
		name string
		n    int
	}
	var sp []spelling
	for i := 0; i < len(toks); {
		j := i
		for j < len(toks) && toks[j] == toks[i] {
			j++
		}
		sp = append(sp, spelling{s.l.toks.vals[toks[i]], j - i})
		i = j
	}
	slices.SortFunc(sp, func(a, b spelling) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.name, b.name)) })
	var reps []string
	for _, x := range sp {
		if !slices.ContainsFunc(reps, func(r string) bool { return firstNamesCompatible(x.name, r) }) {
			reps = append(reps, x.name)
		}
	}
	return len(reps)
}

func distinct(xs []uint32) int {
	if len(xs) < 2 {
		return len(xs)
	}
	slices.Sort(xs)
	return len(slices.Compact(xs))
}

// link runs the linking passes. Identifiers are applied by tier, and within
// a tier by hash, both of which depend only on the data.
func (s *state) link() {
	r := s.r
	n := uint32(len(r.orders))
	l := &s.l
	l.parent = make([]uint32, n)
	l.size = make([]uint32, n)
	for i := range l.parent {
		l.parent[i] = uint32(i)
		l.size[i] = 1
	}
	l.doc = s.docOf // per order, and then per root
	l.tok = slices.Clone(s.tokOf)
	l.extra = make(map[uint32][]uint32)

	type hashed struct {
		h  uint64
		id uint32
	}
	var tiers [5][]hashed
	for id := 1; id < len(r.idKind); id++ {
		if t := r.idKind[id].tier(); t >= 0 && !s.blocked[id] && s.linkCount(uint32(id)) > 1 {
			tiers[t] = append(tiers[t], hashed{r.idHash[id], uint32(id)})
		}
	}
	for _, tier := range tiers {
		slices.SortFunc(tier, func(a, b hashed) int { return cmp.Compare(a.h, b.h) })
		for _, x := range tier {
			if r.idKind[x.id] == kNameAddr {
				s.linkWeak(x.id)
				continue
			}
			l.linkGroup(s.linkMembers(x.id), r.idKind[x.id] == kPhone)
		}
	}
	s.linkScored()
	s.report.ConflictsAvoided = l.conflicts
	s.report.Ambiguous = l.ambiguous
}

type fragment struct {
	f string
	o uint32
}

// linkWeak applies a name+address key: among its orders, those that also
// share a phone's fragment (area code and last eight digits) or an
// e-mail's mailbox name are linked; the key alone links nothing.
func (s *state) linkWeak(id uint32) {
	r := s.r
	fs := s.frags[:0]
	for _, o := range s.members(id) {
		for _, x := range s.identsOf(o) {
			if s.blocked[x] {
				continue
			}
			switch r.idKind[x] {
			case kPhone:
				fs = append(fs, fragment{"p" + phoneFragment(r.identValue(x)), o})
			case kEmail:
				v := r.identValue(x)
				if at := strings.LastIndexByte(v, '@'); at >= 3 {
					fs = append(fs, fragment{"e" + v[:at], o})
				}
			}
		}
	}
	slices.SortFunc(fs, func(a, b fragment) int { return cmp.Or(strings.Compare(a.f, b.f), cmp.Compare(a.o, b.o)) })
	group := s.scratchA[:0]
	for i := 0; i < len(fs); {
		group = group[:0]
		j := i
		for ; j < len(fs) && fs[j].f == fs[i].f; j++ {
			if len(group) == 0 || group[len(group)-1] != fs[j].o {
				group = append(group, fs[j].o)
			}
		}
		if len(group) > 1 {
			s.l.linkGroup(group, false)
		}
		i = j
	}
	s.frags, s.scratchA = fs[:0], group[:0]
}

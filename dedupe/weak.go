package dedupe

import (
	"bytes"
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// Scored name+address linking.
//
// After the strong identifiers (and the corroborated name+address keys)
// have linked what they can, orders that show a buyer's name with a CEP are
// compared across the remaining components: pairs that share a blocking key
// (CEP and street number, CEP and surname, or a phone's area code and last
// eight digits) are compared on the full name (particles, accents, initials,
// one typo, left-out middle names), the address (CEP, street number,
// complement and city, as one field with levels), the neighbourhood, phone
// fragments and the e-mail's mailbox name. Each field's agreement level
// contributes a Fellegi–Sunter match weight, log2(m/u): m is the chance of
// that level between two orders of one person, u between two orders of
// different people. Nothing is fixed in code; as Splink does, u is counted
// on random pairs of the seller's orders (the address's among the candidate
// pairs, which random pairs never share), and m and the share of candidate
// pairs that match are estimated by expectation–maximisation over the
// candidates, with the pairs the strong identifiers already joined counted
// as known matches: how often one person shortens their name, or how often
// two people at one CEP share a first name, depends on the seller's buyers.
// An exact or close name agreement is adjusted by the name's frequency
// (Splink's term frequency adjustment): "Maria da Silva" at a CEP says less
// than a rare name. Pairs whose names agree exactly or closely and whose
// total weight reaches Options.MatchWeight link, strongest first, under the
// usual guards:
//
//   - two valid documents never meet, and an undocumented component whose
//     candidates above the threshold carry two different documents links to
//     none of them (Report.Ambiguous);
//   - first names must be compatible: a household's members (one address,
//     one surname, different first names) stay apart;
//   - gifts: an order whose recipient is not its buyer shows someone else's
//     address and takes no part; a component whose orders ship to more than
//     maxWeakAddresses addresses does not link through them; where an order
//     names only its recipient (Shopee), the name stands for the buyer only
//     when the account shipped to it more than once and to no other first
//     name;
//   - masked values, placeholders ("Cliente", "Consumidor Final"), one-word
//     names and CEPs of one repeated digit are not evidence, and a
//     name+address key two documents share (Report.Shared) links nothing.
//
// With fewer than minScoredPairs candidate pairs the model cannot be
// estimated, and the scored pass links nothing: a handful of orders says
// nothing about how this seller's buyers write their names.

// DefaultMatchWeight is the match weight, in bits (log2 of the posterior
// odds that a candidate pair is one person, prior included), a pair of
// orders needs to link on scored name and address evidence. 6 bits is a
// match probability of 0.985 under the model: an exact name of average
// frequency at the same CEP and number reaches it, a common name there
// ("Maria da Silva") or a close name (a typo, a shortened form) without a
// further agreement does not. On generated exports of 20,000 people the
// links it makes are wrong about once in two hundred, nearly all two people
// of one household with one name, which no name and address tell apart.
const DefaultMatchWeight = 6.0

// minScoredPairs is the fewest candidate pairs the model is estimated from.
const minScoredPairs = 30

// maxBlock bounds the distinct name+address profiles compared within one
// blocking key: a CEP shared by a whole tower block with hundreds of buyers
// is compared on its number and surname keys only.
const maxBlock = 64

// maxLabelled and maxRandom bound the known-match and random pairs the
// model counts.
const (
	maxLabelled = 200_000
	maxRandom   = 20_000
)

// maxWeakAddresses is how many addresses one component may ship to and
// still link through them: more is a gift sender or a reseller.
const maxWeakAddresses = 3

// weakRec is the name and address one observation shows.
type weakRec struct {
	obs   uint32 // observation index; its order index from Resolve on
	name  uint32 // in Resolver.strs
	loc   uint32
	num   uint32 // street number, in Resolver.strs; 0 for none
	hood  uint32 // neighbourhood's NameKey, in Resolver.strs; 0 for none
	comp  uint32 // complement's NameKey ("apto 232"), in Resolver.strs; 0 for none
	ident uint32 // its name+address identifier, 0 for none
	flags uint8
}

// wRecipient marks a name that is the recipient's, shown where the order
// names no buyer (Shopee): it stands for the buyer only where the
// account's orders agree on it.
const wRecipient uint8 = 1

func (r *Resolver) observeWeak(oi uint32, rec *orderRec, nameKey, num string, naID uint32, a *normalize.Address) {
	w := weakRec{obs: oi, name: rec.name, loc: rec.loc, ident: naID}
	if rec.flags&fRecipientName != 0 {
		if strings.IndexByte(r.nameKey(rec.name), ' ') < 0 {
			return
		}
		w.flags = wRecipient
	} else if strings.IndexByte(nameKey, ' ') < 0 {
		return
	}
	if num != "" {
		w.num = r.strs.id(num)
	}
	if h := a.Neighborhood; usable(h) {
		w.hood = r.strs.id(normalize.NameKey(h))
	}
	if c := streetComplement(a); c != "" {
		w.comp = r.strs.id(c)
	}
	r.weak.add(w)
}

// Compared fields.
const (
	fdName = iota
	fdAddress
	fdHood
	fdPhone
	fdMailbox
	numFields
)

var fieldName = [numFields]string{"name", "address", "neighbourhood", "phone", "mailbox"}

// fieldLevels is the number of agreement levels of each field, best
// first; the last is disagreement. A field missing on either side is
// level fieldLevels[f] and weighs nothing.
var fieldLevels = [numFields]uint8{3, 7, 2, 2, 2}

// Address levels. CEP, street number, complement and city are one field:
// they are far from independent (one CEP is one city, a complement means
// something only at one number), and counting them apart would count one
// agreement several times.
const (
	addrComplement = 0 // same CEP, number and complement
	addrNumber     = 1 // same CEP and number, a complement missing
	addrOtherComp  = 2 // same CEP and number, another complement: another flat
	addrNoNumber   = 3 // same CEP, a number missing
	addrOtherNum   = 4 // same CEP, another number: a neighbour
	addrCity       = 5 // another CEP in the same city
	addrOther      = 6 // another city
)

// Name levels.
const (
	nameExact     = 0 // the same names, particles and accents aside
	nameClose     = 1 // the same person's forms: a typo, an initial, middle names left out
	nameFirstOnly = 2 // compatible first names, other surnames
	nameConflict  = 3 // different first names: never compared
)

var levelName = [numFields][]string{
	fdName: {"exact", "close", "first name only"},
	fdAddress: {"same CEP, number and complement", "same CEP and number", "same CEP and number, another complement",
		"same CEP, a number missing", "same CEP, another number", "same city, another CEP", "another city"},
}

// LevelName names a field's agreement level for explanations.
func levelLabel(f int, l uint8) string {
	if int(l) >= int(fieldLevels[f]) {
		return "missing"
	}
	if names := levelName[f]; names != nil {
		return names[l]
	}
	if l == 0 {
		return "agree"
	}
	return "disagree"
}

type gamma [numFields]uint8

func (g gamma) code() uint32 {
	c := uint32(0)
	for f := range numFields {
		c = c*uint32(fieldLevels[f]+1) + uint32(g[f])
	}
	return c
}

func numPatterns() int {
	n := 1
	for f := range numFields {
		n *= int(fieldLevels[f]) + 1
	}
	return n
}

func decode(c uint32) gamma {
	var g gamma
	for f := numFields - 1; f >= 0; f-- {
		base := uint32(fieldLevels[f] + 1)
		g[f] = uint8(c % base)
		c /= base
	}
	return g
}

// WeakModel is the Fellegi–Sunter model estimated for a resolution.
type WeakModel struct {
	// Pairs is the number of candidate pairs it was estimated from; 0 when
	// there were too few and nothing was linked on scored evidence.
	Pairs int
	// Lambda is the estimated share of candidate pairs that match.
	Lambda float64
	// M and U hold per field (FieldNames) the probability of each
	// agreement level among matches and non-matches, best level first.
	M, U [][]float64
	// Threshold is the match weight a pair needed (Options.MatchWeight).
	Threshold float64
}

// FieldNames lists the compared fields in WeakModel and FieldComparison
// order.
func FieldNames() []string { return slices.Clone(fieldName[:]) }

// profile is one distinct (component, name, address) seen on orders.
type profile struct {
	order uint32 // its first order (by key)
	root  uint32 // component after the strong passes
	name  uint32 // index in nameInfos
	cep   uint32 // strs id
	city  uint32 // folded city, in cities
	num   uint32
	hood  uint32
	comp  uint32
	ident uint32
	flags uint8
	// Hashes of the phones' area code and last eight digits and of the
	// e-mails' mailbox names; the first two of each.
	phones, mailbox [2]uint64
	np, nm          uint8
	drop            bool
	ambig           bool
}

type nameInfo struct {
	toks []string // NameKey tokens without particles and honorifics
	key  string   // toks joined
	tf   float64  // share of distinct (name, CEP) among all
}

// particles join surnames and carry no identity: "Maria da Silva" is
// "Maria Silva".
var particles = map[string]bool{"da": true, "de": true, "do": true, "das": true, "dos": true, "e": true, "d": true}

// placeholderNames are typed where a buyer gave no name.
var placeholderNames = map[string]bool{
	"cliente": true, "consumidor": true, "comprador": true, "destinatario": true, "teste": true,
	"informado": true, "desconhecido": true, "nome": true, "final": true,
}

func nameTokens(key string) ([]string, bool) {
	var toks []string
	for t := range strings.FieldsSeq(key) {
		if placeholderNames[t] {
			return nil, false
		}
		if particles[t] || honorifics[t] {
			continue
		}
		toks = append(toks, t)
	}
	return toks, len(toks) >= 2
}

// weakLink is a union made on scored evidence.
type weakLink struct {
	a, b   uint32 // orders
	weight float64
	g      gamma
	adj    float64 // name frequency adjustment
}

// linkScored runs the scored pass (see the top of this file).
func (s *state) linkScored() {
	r := s.r
	l := &s.l
	thr := r.opts.MatchWeight
	if thr == 0 {
		thr = DefaultMatchWeight
	}
	s.model = WeakModel{Threshold: thr}
	if r.weak.n == 0 || math.IsInf(thr, 1) {
		return
	}
	t0 := time.Now()
	defer func() { s.scoredTime = time.Since(t0) }()

	// Names and cities, parsed once each: per interned string, the name's
	// index in infos + 1 (0: not parsed, -1: not a name) or the city's
	// folded id.
	parsed := make([]int32, len(r.strs.vals))
	var infos []nameInfo
	nameOf := func(id uint32) int32 {
		if i := parsed[id]; i != 0 {
			return i - 1
		}
		toks, ok := nameTokens(normalize.NameKey(r.strs.vals[id]))
		i := int32(-1)
		if ok {
			i = int32(len(infos))
			infos = append(infos, nameInfo{toks: toks, key: strings.Join(toks, " ")})
		}
		parsed[id] = i + 1
		return i
	}
	cityParsed := make([]uint32, len(r.strs.vals))
	cities := map[string]uint32{}
	cityOf := func(id uint32) uint32 {
		if id == 0 {
			return 0
		}
		if c := cityParsed[id]; c != 0 {
			return c
		}
		k := normalize.NameKey(r.strs.vals[id])
		c, ok := cities[k]
		if !ok {
			c = uint32(len(cities) + 1)
			cities[k] = c
		}
		cityParsed[id] = c
		return c
	}

	// Profiles: distinct (component, name, address), in order key order.
	type keyed struct {
		order uint32
		w     weakRec
	}
	// By order (a counting sort: orders are dense indexes), and within an
	// order by content, so that profiles are numbered the same whatever
	// the observation order.
	n := len(r.orders)
	start := make([]uint32, n+1)
	r.weak.each(false, func(_ uint32, w *weakRec) { start[s.obsPos[w.obs]+1]++ })
	for i := 1; i <= n; i++ {
		start[i] += start[i-1]
	}
	recs := make([]keyed, r.weak.n)
	r.weak.each(true, func(_ uint32, w *weakRec) {
		o := s.obsPos[w.obs]
		recs[start[o]] = keyed{o, *w}
		start[o]++
	})
	start = nil
	byContent := func(a, b keyed) int {
		if a.w.name != b.w.name {
			return cmp.Compare(a.w.name, b.w.name)
		}
		if a.w.loc != b.w.loc {
			return cmp.Compare(a.w.loc, b.w.loc)
		}
		if a.w.num != b.w.num {
			return cmp.Compare(a.w.num, b.w.num)
		}
		if a.w.hood != b.w.hood {
			return cmp.Compare(a.w.hood, b.w.hood)
		}
		return cmp.Compare(a.w.comp, b.w.comp)
	}
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].order == recs[i].order {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(recs[i:j], byContent)
		}
		i = j
	}
	type pkey struct{ root, name, loc, num, hood, comp uint32 }
	pIdx := map[pkey]uint32{}
	profs := make([]profile, 0, len(recs)/2)
	recipOrders := map[uint32]int{} // root → orders naming only a recipient
	lastOrder, lastIdents := uint32(math.MaxUint32), uint32(math.MaxUint32)
	for _, k := range recs {
		w := &k.w
		if w.ident != 0 && s.blocked[w.ident] {
			continue
		}
		ni := nameOf(w.name)
		if ni < 0 {
			continue
		}
		root := l.find(k.order)
		if w.flags&wRecipient != 0 && k.order != lastOrder {
			recipOrders[root]++
			lastOrder = k.order
		}
		pk := pkey{root, uint32(ni), w.loc, w.num, w.hood, w.comp}
		pi, ok := pIdx[pk]
		if !ok {
			lc := r.locs[w.loc]
			pi = uint32(len(profs))
			pIdx[pk] = pi
			profs = append(profs, profile{order: k.order, root: root, name: uint32(ni), cep: lc.cep, city: cityOf(lc.city),
				num: w.num, hood: w.hood, comp: w.comp, ident: w.ident, flags: w.flags})
		}
		p := &profs[pi]
		p.flags &= w.flags // a buyer's name anywhere makes it the buyer's
		if ok && k.order == lastIdents {
			continue
		}
		lastIdents = k.order
		for _, id := range s.identsOf(k.order) {
			if s.blocked[id] {
				continue
			}
			switch r.idKind[id] {
			case kPhone:
				v := r.identBytes(id)
				h := fnvBytes(fnvOffset, v)
				if len(v) >= 13 && string(v[:3]) == "+55" {
					h = fnvBytes(fnvBytes(fnvOffset, v[:5]), v[len(v)-8:])
				}
				p.np = addHash(&p.phones, p.np, h)
			case kEmail:
				v := r.identBytes(id)
				if at := bytes.LastIndexByte(v, '@'); at >= 3 {
					p.nm = addHash(&p.mailbox, p.nm, fnvBytes(fnvOffset, v[:at]))
				}
			}
		}
	}
	recs = nil
	if len(profs) < 2 {
		return
	}
	s.guardProfiles(profs, infos, recipOrders)

	// Name frequencies: distinct (name, CEP) per name, so that a buyer of
	// hundreds of orders counts once.
	{
		seen := map[[2]uint32]bool{}
		count := make([]float64, len(infos))
		n := 0.0
		for i := range profs {
			p := &profs[i]
			k := [2]uint32{p.name, p.cep}
			if !seen[k] {
				seen[k] = true
				count[p.name]++
				n++
			}
		}
		// Spellings of one name (accents, case) share the key, so count by
		// key.
		byKey := map[string]float64{}
		for i := range infos {
			byKey[infos[i].key] += count[i]
		}
		for i := range infos {
			infos[i].tf = byKey[infos[i].key] / n
		}
		mean := 0.0
		for _, c := range byKey {
			mean += (c / n) * (c / n)
		}
		s.meanTF = mean
	}

	// Candidate pairs from the blocking keys.
	type entry struct {
		key uint64
		p   uint32
	}
	var ents []entry
	for i := range profs {
		p := &profs[i]
		if p.drop {
			continue
		}
		cep := r.strs.vals[p.cep]
		toks := infos[p.name].toks
		if p.num != 0 {
			ents = append(ents, entry{fnvStr(fnvStr(fnvByte(fnvOffset, 1), cep), r.strs.vals[p.num]), uint32(i)})
		}
		ents = append(ents, entry{fnvStr(fnvStr(fnvByte(fnvOffset, 2), cep), toks[len(toks)-1]), uint32(i)})
		for _, f := range p.phones[:p.np] {
			ents = append(ents, entry{fnvByte(f, 3), uint32(i)})
		}
	}
	slices.SortFunc(ents, func(a, b entry) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.p, b.p)
	})
	var pairs, same []uint64
	for i := 0; i < len(ents); {
		j := i
		for j < len(ents) && ents[j].key == ents[i].key {
			j++
		}
		if j-i <= maxBlock {
			for a := i; a < j; a++ {
				for b := a + 1; b < j; b++ {
					pa, pb := ents[a].p, ents[b].p
					if profs[pa].root != profs[pb].root {
						pairs = append(pairs, uint64(pa)<<32|uint64(pb))
					} else if len(same) < maxLabelled {
						same = append(same, uint64(pa)<<32|uint64(pb))
					}
				}
			}
		}
		i = j
	}
	ents = nil
	slices.Sort(pairs)
	pairs = slices.Compact(pairs)
	slices.Sort(same)
	same = slices.Compact(same)

	// Compare, and estimate the model: u from random pairs of profiles
	// (almost all of different people), m and the share of matches by
	// expectation–maximisation over the candidate pairs, with the pairs
	// the strong identifiers already joined as known matches.
	codes := make([]uint32, 0, len(pairs))
	cand, known, random := make([]float64, numPatterns()), make([]float64, numPatterns()), make([]float64, numPatterns())
	kept := pairs[:0]
	for _, pr := range pairs {
		g := compareProfiles(&profs[pr>>32], &profs[uint32(pr)], infos)
		if g[fdName] == nameConflict {
			continue
		}
		c := g.code()
		cand[c]++
		codes = append(codes, c)
		kept = append(kept, pr)
	}
	pairs = kept
	for _, pr := range same {
		if g := compareProfiles(&profs[pr>>32], &profs[uint32(pr)], infos); g[fdName] != nameConflict {
			known[g.code()]++
		}
	}
	s.model.Pairs = len(pairs)
	if len(pairs) < minScoredPairs {
		s.model.Pairs = 0
		return
	}
	rng := uint64(len(profs))*0x9e3779b97f4a7c15 + uint64(len(pairs))
	next := func(n int) uint32 {
		rng ^= rng << 13
		rng ^= rng >> 7
		rng ^= rng << 17
		return uint32(rng % uint64(n))
	}
	for tries := 0; tries < 10*maxRandom; tries++ {
		a, b := &profs[next(len(profs))], &profs[next(len(profs))]
		if a.root == b.root || a.drop || b.drop {
			continue
		}
		g := compareProfiles(a, b, infos)
		if g[fdName] == nameConflict {
			// u is of the pairs that reach scoring: first names
			// compatible. Their other fields still vary at random.
			g[fdName] = fieldLevels[fdName]
		}
		random[g.code()]++
		if tries >= maxRandom && sum(random) >= maxRandom {
			break
		}
	}
	lambda, m, u := estimate(cand, known, random)
	s.model.Lambda, s.model.M, s.model.U = lambda, m, u
	prior := math.Log2(lambda / (1 - lambda))

	type scored struct {
		pa, pb uint32
		w, adj float64
		code   uint32
	}
	var above []scored
	for i, pr := range pairs {
		pa, pb := uint32(pr>>32), uint32(pr)
		g := decode(codes[i])
		w := prior
		for f := range numFields {
			if g[f] < fieldLevels[f] {
				w += math.Log2(m[f][g[f]] / u[f][g[f]])
			}
		}
		if g[fdName] > nameClose {
			// Only the name, exact or close, says who: a first name
			// shared at an address is a household's.
			continue
		}
		adj := s.nameAdjust(&infos[profs[pa].name], &infos[profs[pb].name])
		if w+adj >= thr {
			above = append(above, scored{pa, pb, w + adj, adj, codes[i]})
		}
	}

	// An undocumented component whose candidates carry two documents is
	// left alone.
	docs := map[uint32]uint32{} // root → a document of its candidates, or MaxUint32 for several
	note := func(root, other uint32) {
		d := l.doc[other]
		if l.doc[root] != 0 || d == 0 {
			return
		}
		if prev, ok := docs[root]; !ok {
			docs[root] = d
		} else if prev != d {
			docs[root] = math.MaxUint32
		}
	}
	for _, x := range above {
		note(profs[x.pa].root, profs[x.pb].root)
		note(profs[x.pb].root, profs[x.pa].root)
	}
	ambiguous := map[uint32]bool{}
	for root, d := range docs {
		if d == math.MaxUint32 {
			ambiguous[root] = true
			l.ambiguous++
		}
	}

	slices.SortFunc(above, func(a, b scored) int {
		return cmp.Or(cmp.Compare(b.w, a.w), cmp.Compare(profs[a.pa].order, profs[b.pa].order), cmp.Compare(profs[a.pb].order, profs[b.pb].order))
	})
	for _, x := range above {
		pa, pb := &profs[x.pa], &profs[x.pb]
		if ambiguous[pa.root] || ambiguous[pb.root] {
			continue
		}
		ra, rb := l.find(pa.order), l.find(pb.order)
		if ra == rb {
			continue
		}
		if !l.compatible(ra, rb, true) {
			if l.doc[ra] != 0 && l.doc[rb] != 0 {
				l.conflicts++
			}
			continue
		}
		l.union(ra, rb)
		s.weakLinks = append(s.weakLinks, weakLink{a: pa.order, b: pb.order, weight: x.w, g: decode(x.code), adj: x.adj})
	}
	s.report.ScoredLinks = len(s.weakLinks)
	s.scoredEnd = make(map[uint32]bool, 2*len(s.weakLinks))
	for _, w := range s.weakLinks {
		s.scoredEnd[w.a], s.scoredEnd[w.b] = true, true
	}
}

// nameAdjust is the term frequency adjustment of a name agreement, in
// bits: how much rarer (positive) or commoner (negative) than the average
// buyer's name the more common of the two names is. Rarity counts for at
// most 2 bits: a name seen once is as often a typo as a rare name.
func (s *state) nameAdjust(a, b *nameInfo) float64 {
	tf := max(a.tf, b.tf)
	if tf <= 0 || s.meanTF <= 0 {
		return 0
	}
	return min(max(math.Log2(s.meanTF/tf), -12), 2)
}

// guardProfiles drops the profiles a component should not link through:
// those of components shipping to many addresses, and recipients' names
// that are not the buyer's.
func (s *state) guardProfiles(profs []profile, infos []nameInfo, recipOrders map[uint32]int) {
	l := &s.l
	order := make([]uint32, len(profs))
	for i := range order {
		order[i] = uint32(i)
	}
	slices.SortFunc(order, func(a, b uint32) int {
		if ra, rb := profs[a].root, profs[b].root; ra != rb {
			return cmp.Compare(ra, rb)
		}
		return cmp.Compare(a, b)
	})
	for lo := 0; lo < len(order); {
		hi := lo + 1
		for hi < len(order) && profs[order[hi]].root == profs[order[lo]].root {
			hi++
		}
		ps, root := order[lo:hi], profs[order[lo]].root
		lo = hi
		var addrs []uint64
		for _, i := range ps {
			p := &profs[i]
			a := uint64(p.cep)<<32 | uint64(p.num)
			if !slices.Contains(addrs, a) {
				addrs = append(addrs, a)
			}
		}
		if len(addrs) > maxWeakAddresses {
			for _, i := range ps {
				profs[i].drop = true
			}
			continue
		}
		var b1 [1]uint32
		buyer := l.tokens(root, &b1)
		var recip []string
		for _, i := range ps {
			p := &profs[i]
			if p.flags&wRecipient == 0 {
				continue
			}
			first := infos[p.name].toks[0]
			if len(buyer) > 0 {
				ok := false
				for _, t := range buyer {
					ok = ok || firstNamesCompatible(l.toks.vals[t], first)
				}
				p.drop = !ok
				continue
			}
			if !slices.ContainsFunc(recip, func(x string) bool { return firstNamesCompatible(x, first) }) {
				recip = append(recip, first)
			}
		}
		// Without a buyer's name, the recipient stands for the buyer only
		// where the account has shipped more than once, always to that
		// name: one parcel to a name may be a gift.
		if len(recip) > 1 || len(recip) == 1 && recipOrders[root] < 2 {
			for _, i := range ps {
				if profs[i].flags&wRecipient != 0 {
					profs[i].drop = true
				}
			}
		}
	}
}

// compareProfiles is the comparison vector of two profiles.
func compareProfiles(a, b *profile, infos []nameInfo) gamma {
	var g gamma
	g[fdName] = compareNames(infos[a.name].toks, infos[b.name].toks)
	switch {
	case a.cep == b.cep && a.num != 0 && a.num == b.num && a.comp != 0 && a.comp == b.comp:
		g[fdAddress] = addrComplement
	case a.cep == b.cep && a.num != 0 && a.num == b.num && (a.comp == 0 || b.comp == 0):
		g[fdAddress] = addrNumber
	case a.cep == b.cep && a.num != 0 && a.num == b.num:
		g[fdAddress] = addrOtherComp
	case a.cep == b.cep && (a.num == 0 || b.num == 0):
		g[fdAddress] = addrNoNumber
	case a.cep == b.cep:
		g[fdAddress] = addrOtherNum
	case a.city != 0 && a.city == b.city:
		g[fdAddress] = addrCity
	default:
		g[fdAddress] = addrOther
	}
	g[fdHood] = agree(a.hood, b.hood)
	g[fdPhone] = overlap(a.phones[:a.np], b.phones[:b.np])
	g[fdMailbox] = overlap(a.mailbox[:a.nm], b.mailbox[:b.nm])
	return g
}

func agree(a, b uint32) uint8 {
	switch {
	case a == 0 || b == 0:
		return 2
	case a == b:
		return 0
	}
	return 1
}

func overlap(a, b []uint64) uint8 {
	if len(a) == 0 || len(b) == 0 {
		return 2
	}
	for _, x := range a {
		if slices.Contains(b, x) {
			return 0
		}
	}
	return 1
}

// compareNames grades two names (tokens without particles): exact; close
// when one is the other with a typo in one word, initials, or middle names
// left out, first and last names agreeing ("Maria Aparecida Souza Lima" and
// "Maria Lima"); first name only; or a conflict when the first names
// differ.
func compareNames(a, b []string) uint8 {
	if slices.Equal(a, b) {
		return nameExact
	}
	if !firstNamesCompatible(a[0], b[0]) {
		return nameConflict
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	if !tokenClose(a[len(a)-1], b[len(b)-1]) {
		return nameFirstOnly
	}
	// Every word of the shorter name in order among the longer's.
	typos := 0
	j := 0
	for _, t := range a {
		found := false
		for j < len(b) {
			u := b[j]
			j++
			if t == u || len(t) == 1 && t[0] == u[0] {
				found = true
				break
			}
			if tokenClose(t, u) {
				typos++
				found = true
				break
			}
		}
		if !found {
			return nameFirstOnly
		}
	}
	if typos > 1 {
		return nameFirstOnly
	}
	return nameClose
}

// tokenClose reports words that are equal, or one typo apart in words of
// four letters or more.
func tokenClose(a, b string) bool {
	if a == b {
		return true
	}
	if len(a) < 4 || len(b) < 4 {
		return false
	}
	if len(a) > len(b) {
		a, b = b, a
	}
	return len(b)-len(a) <= 1 && withinOneEdit(a, b)
}

// estimate fits the two-class mixture to the candidate pattern counts by
// expectation–maximisation, as Splink does: u, each level's probability
// among non-matches, is counted on random pairs and held; m, among matches,
// and lambda, the share of matching candidates, are estimated, with the
// known matches (pairs the strong identifiers joined) counted into m.
// Missing levels take no part. A pseudo-count of one half per level keeps a
// level never seen in one class from weighing infinitely.
func estimate(cand, known, random []float64) (lambda float64, m, u [][]float64) {
	m, u = make([][]float64, numFields), make([][]float64, numFields)
	for f := range numFields {
		n := int(fieldLevels[f])
		m[f], u[f] = make([]float64, n), make([]float64, n)
		for lv := range n {
			m[f][lv] = math.Pow(0.2, float64(lv))
			u[f][lv] = 0.5
		}
		normalizeProbs(m[f])
	}
	type pat struct {
		g gamma
		n float64
	}
	pats := func(h []float64) []pat {
		var out []pat
		for c, n := range h {
			if n > 0 {
				out = append(out, pat{decode(uint32(c)), n})
			}
		}
		return out
	}
	for _, p := range pats(random) {
		for f := range numFields {
			if lv := p.g[f]; lv < fieldLevels[f] {
				u[f][lv] += p.n
			}
		}
	}
	for f := range numFields {
		normalizeProbs(u[f])
	}
	cp, kp := pats(cand), pats(known)
	mc := make([][]float64, numFields)
	for f := range numFields {
		mc[f] = make([]float64, fieldLevels[f])
	}
	lambda = 0.5
	uAddr := make([]float64, fieldLevels[fdAddress])
	for lv := range uAddr {
		u[fdAddress][lv] = math.Pow(0.3, float64(fieldLevels[fdAddress]-1)-float64(lv))
	}
	normalizeProbs(u[fdAddress])
	pmOf := func(g gamma) float64 {
		lm, lu := math.Log(lambda), math.Log(1-lambda)
		for f := range numFields {
			if lv := g[f]; lv < fieldLevels[f] {
				lm += math.Log(m[f][lv])
				lu += math.Log(u[f][lv])
			}
		}
		return 1 / (1 + math.Exp(lu-lm))
	}
	for range 50 {
		for f := range numFields {
			clear(mc[f])
		}
		sm, total := 0.0, 0.0
		add := func(g gamma, w float64) {
			for f := range numFields {
				if lv := g[f]; lv < fieldLevels[f] {
					mc[f][lv] += w
				}
			}
		}
		for _, p := range cp {
			pm := pmOf(p.g)
			sm += p.n * pm
			total += p.n
			add(p.g, p.n*pm)
		}
		for _, p := range kp {
			add(p.g, p.n)
		}
		lambda = min(max(sm/total, 1e-6), 1-1e-6)
		for f := range numFields {
			for lv := range mc[f] {
				m[f][lv] = mc[f][lv] + 0.5
			}
			normalizeProbs(m[f])
		}
		// Random pairs never share an address, so its u is estimated
		// among the candidates, which all share a blocking key.
		clear(uAddr)
		for _, p := range cp {
			if lv := p.g[fdAddress]; lv < fieldLevels[fdAddress] {
				uAddr[lv] += p.n * (1 - pmOf(p.g))
			}
		}
		for lv := range uAddr {
			u[fdAddress][lv] = uAddr[lv] + 0.5
		}
		normalizeProbs(u[fdAddress])
	}
	return lambda, m, u
}

func sum(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s
}

func normalizeProbs(p []float64) {
	s := 0.0
	for _, x := range p {
		s += x
	}
	for i := range p {
		p[i] /= s
	}
}

// addHash adds h to the first n of hs unless present or full, and returns
// the new count.
func addHash(hs *[2]uint64, n uint8, h uint64) uint8 {
	for _, x := range hs[:n] {
		if x == h {
			return n
		}
	}
	if int(n) < len(hs) {
		hs[n] = h
		n++
	}
	return n
}

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h = (h ^ uint64(c)) * fnvPrime
	}
	return h
}

// complementWords start a complement in a one-cell address.
var complementWords = map[string]bool{
	"apto": true, "apt": true, "ap": true, "apartamento": true, "casa": true, "bloco": true, "bl": true,
	"sala": true, "sl": true, "fundos": true, "conjunto": true, "conj": true, "lote": true, "lt": true,
	"loja": true, "andar": true, "torre": true, "cs": true,
}

// streetComplement returns the NameKey of the complement ("apto 232") a
// one-cell address holds: Mercado Livre's "<street> <nº> / <complement> -
// CEP …", or Shopee's "<street>, <nº>, <complement>, <bairro>, …" where the
// third part starts with a complement word. A source with a separate number
// keeps its complement elsewhere, and "" comes back.
func streetComplement(a *normalize.Address) string {
	if a.Number != "" {
		return ""
	}
	st := a.Street
	if i := strings.Index(st, " / "); i >= 0 {
		c := st[i+3:]
		if j := strings.Index(c, " - "); j >= 0 {
			c = c[:j]
		}
		return normalize.NameKey(c)
	}
	parts := strings.SplitN(st, ",", 4)
	if len(parts) < 3 {
		return ""
	}
	c := normalize.NameKey(parts[2])
	w, _, _ := strings.Cut(c, " ")
	if !complementWords[w] {
		return ""
	}
	return c
}

package dedupe

import (
	"math"
	"strings"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// kcode is Kind as one byte, with the internal corroborated weak keys.
type kcode uint8

const (
	kNone kcode = iota
	kCPF
	kCNPJ
	kEmail
	kRelay
	kUser
	kPhone
	kNameAddr // weak: links only where a phone or mailbox fragment corroborates it
	// kPrior pins an order to the customer id it had in an earlier run
	// (ObservePinned); its value is that id. Internal: it links and claims
	// like a document, and is never listed, counted or reported as shared.
	kPrior
	numKinds
)

var kindName = [numKinds]Kind{
	kCPF: KindCPF, kCNPJ: KindCNPJ, kEmail: KindEmail, kRelay: KindRelayEmail, kUser: KindMarketplaceUser,
	kPhone: KindPhone, kNameAddr: KindNameAddress, kPrior: "prior_customer",
}

// tier is the pass in which a kind links.
func (k kcode) tier() int {
	switch k {
	case kCPF, kCNPJ, kPrior:
		return 0
	case kEmail:
		return 1
	case kRelay, kUser:
		return 2
	case kPhone:
		return 3
	case kNameAddr:
		return 4
	}
	return -1
}

func (k kcode) isDoc() bool { return k == kCPF || k == kCNPJ }

// noTime marks an order without a date.
const noTime = math.MinInt64

// maxOrders keeps order and identifier indexes within uint32, with room for
// a sentinel.
const maxOrders = math.MaxUint32 - 1

// orderRec is everything kept per order: 48 bytes.
type orderRec struct {
	key    uint64 // hash of source, account, order id
	at     int64  // ordered_at, Unix microseconds, or noTime
	cents  int64  // OrderTotal, or ItemsTotal when OrderTotal is unknown
	idRef  uint32 // order id in Resolver.orderIDs
	items  int32
	name   uint32 // buyer name, interned
	loc    uint32 // (city, state, CEP), interned
	src    uint16 // (source, account), interned
	status uint8
	flags  uint8
	cur    uint32 // currency, interned in strs (fits the struct's padding)
}

const (
	fAmount uint8 = 1 << iota // cents is known
	fGift                     // shipped to someone else: the address is not the buyer's
	// name is the recipient's, shown when the order names no buyer
	// (Shopee's exports name only who receives the parcel); it never
	// takes part in matching.
	fRecipientName
	// fPinned marks, from Resolve on, an order pinned to an earlier
	// customer.
	fPinned
)

// Status codes, in the order of normalize.Statuses; 0 is unknown.
func statusCode(s normalize.Status) uint8 {
	for i, v := range normalize.Statuses {
		if v == s {
			return uint8(i + 1)
		}
	}
	return 0
}

const (
	stCancelled = 5 // normalize.StatusCancelled
	stReturned  = 6 // normalize.StatusReturned
)

type srcAcct struct{ source, account string }

type identRec struct {
	hash uint64
	ref  uint32 // value in Resolver.idVals
	kind kcode
}

type loc struct{ city, state, cep uint32 }

type seedRec struct {
	prior       uint32 // Resolver.priors id
	multi       bool   // the identifier belonged to several customers
	seen        bool   // an observed identifier has this stored form (set when there are pins)
	first, last int64
}

// seedRow is one seeded identity, kept so that the identities of a pinned
// customer that no observed order carries again can be carried over.
type seedRow struct {
	first, last, count int64
	hash               uint64 // seedHash
	prior              uint32 // Resolver.priors id
	val                uint32 // stored value in Resolver.seedVals
	src, kind          uint32 // interned in Resolver.strs
}

// Resolver collects orders and resolves them into customers. It is not safe
// for concurrent use.
type Resolver struct {
	opts      Options
	maxOwners int

	orderChunks chunked[orderRec]
	orders      []orderRec // by key, from Resolve on
	orderIDs    arena

	identChunks chunked[identRec]
	idIdx       map[uint64]uint32
	idVals      arena
	// From Resolve on, identifiers as flat columns.
	idHash []uint64
	idKind []kcode
	idRef  []uint32
	// emailShown keeps the address as the buyer wrote it when it differs
	// from its match key ("maria.silva@gmail.com" for "mariasilva@gmail.com").
	emailShown map[uint32]uint32

	edges chunked[uint64] // order<<32 | identifier

	srcs   []srcAcct
	srcIdx map[srcAcct]uint16

	strs     interner
	nameKeys []uint32 // strs id → NameKey, interned in keys; 0 when not computed
	keys     interner
	locs     []loc
	locIdx   map[loc]uint32
	locHash  map[uint64]uint32 // hash of the three strings → locs, to skip interning them

	seeds      map[uint64]seedRec
	priors     interner
	priorFirst []int64
	priorDoc   []uint64 // per prior: smallest seedHash of its cpf/cnpj identities, 0 for none
	seedMerges []Merge
	seedRows   chunked[seedRow]
	seedVals   arena

	weak chunked[weakRec] // name and address of observations, for scored linking (weak.go)

	overflow bool
	resolved bool
}

// NewResolver returns an empty Resolver.
func NewResolver(opts Options) *Resolver {
	if opts.StoredValue == nil {
		opts.StoredValue = func(_ Kind, v string) string { return v }
	}
	r := &Resolver{
		opts:       opts,
		maxOwners:  opts.MaxOwners,
		idIdx:      make(map[uint64]uint32),
		emailShown: make(map[uint32]uint32),
		locHash:    make(map[uint64]uint32),
		srcIdx:     make(map[srcAcct]uint16),
		locs:       []loc{{}},
		locIdx:     map[loc]uint32{{}: 0},
		seeds:      make(map[uint64]seedRec),
	}
	if r.maxOwners <= 0 {
		r.maxOwners = DefaultMaxOwners
	}
	r.strs.init()
	r.keys.init()
	r.priors.init()
	r.priorFirst = []int64{math.MaxInt64}
	r.priorDoc = []uint64{0}
	// Identifier 0 is a sentinel, so that 0 can mean "none" in per-order
	// arrays.
	ref, _ := r.idVals.add("")
	r.identChunks.add(identRec{ref: ref})
	return r
}

// Seed records an identity of the previous run, so that its customer keeps
// its id.
func (r *Resolver) Seed(prev Identity) {
	if prev.CustomerID == "" || prev.Value == "" {
		return
	}
	p := r.priorID(prev.CustomerID)
	first, last := micros(prev.FirstSeen), micros(prev.LastSeen)
	if first != noTime && first < r.priorFirst[p] {
		r.priorFirst[p] = first
	}
	h := seedHash(prev.Kind, prev.Value)
	if (prev.Kind == KindCPF || prev.Kind == KindCNPJ) && (r.priorDoc[p] == 0 || h < r.priorDoc[p]) {
		r.priorDoc[p] = h
	}
	if ref, ok := r.seedVals.add(prev.Value); ok {
		r.seedRows.add(seedRow{
			first: first, last: last, count: prev.OrdersCount, hash: h, prior: p, val: ref,
			src: r.strs.id(prev.Source), kind: r.strs.id(string(prev.Kind)),
		})
	}
	s, ok := r.seeds[h]
	if !ok {
		s = seedRec{prior: p, first: first, last: last}
	} else {
		if s.prior != p {
			s.multi = true
		}
		if first != noTime && (s.first == noTime || first < s.first) {
			s.first = first
		}
		s.last = max(s.last, last)
	}
	r.seeds[h] = s
}

// priorID interns an earlier customer id.
func (r *Resolver) priorID(id string) uint32 {
	p := r.priors.id(id)
	for int(p) >= len(r.priorFirst) {
		r.priorFirst = append(r.priorFirst, math.MaxInt64)
		r.priorDoc = append(r.priorDoc, 0)
	}
	return p
}

// SeedMerge keeps a merge of an earlier run.
func (r *Resolver) SeedMerge(prev Merge) {
	if prev.MergedID == "" || prev.CustomerID == "" || prev.MergedID == prev.CustomerID {
		return
	}
	r.seedMerges = append(r.seedMerges, prev)
}

func seedHash(k Kind, stored string) uint64 {
	return fnvStr(fnvStr(fnvStr(fnvOffset, string(k)), "\x00"), stored)
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixMicro()
}

// Observe adds one order. Observing an order (same source, account and
// order id) again replaces its figures and adds its identifiers: a status
// update carries the latest amounts, and an earlier export may have shown
// a buyer detail a later one masks. The Resolver copies what it keeps; o
// may be reused. An order without an id cannot be told from another and
// is ignored.
//
// Observe returns a handle for Result.CustomerOf, 0 for an ignored order;
// observing the same order again returns a handle of its own, which
// resolves to the same customer.
func (r *Resolver) Observe(o *normalize.Order) uint32 {
	return r.observe(o)
}

// ObservePinned is Observe for an order that already belongs to the
// earlier customer prior: an order read back from the dataset, whose
// identifiers were stored hashed or dropped (--pii hash, drop) but which
// kept its customer_id. Orders pinned to one id are linked together, and
// with the orders of every observed identifier seeded to that id, under
// the usual guards; the pins count as identifiers seeded to prior when
// ids are assigned. Identifiers the order still carries in clear link as
// they would in Observe. Observing the order again (pinned or not) adds
// to its pins, as it adds to its identifiers. An empty prior is Observe.
func (r *Resolver) ObservePinned(o *normalize.Order, prior string) uint32 {
	h := r.observe(o)
	if h != 0 && prior != "" {
		r.addIdent(h-1, kPrior, prior, "", "")
	}
	return h
}

func (r *Resolver) observe(o *normalize.Order) uint32 {
	if r.resolved {
		panic("dedupe: Observe after Resolve")
	}
	if r.overflow || o.OrderID == "" {
		return 0
	}
	si := r.source(o.Source, o.Account)
	// Every call gets a record of its own, even for an order seen before:
	// Resolve folds the records of one key together. Looking the key up
	// here instead, in a map of every order, cost a cache miss per order
	// once the map outgrew the caches (6.8 s of 24 s observing 8.3M
	// orders).
	ref, ok := r.orderIDs.add(o.OrderID)
	if !ok || r.orderChunks.n >= maxOrders {
		r.overflow = true
		return 0
	}
	oi := r.orderChunks.add(orderRec{key: orderKey(o.Source, o.Account, o.OrderID), idRef: ref, src: si})
	rec := r.orderChunks.at(oi)
	rec.at = micros(o.OrderedAt)
	rec.flags = 0
	rec.cents = 0
	switch {
	case o.OrderTotal.Valid:
		rec.cents, rec.flags = o.OrderTotal.Cents, fAmount
	case o.ItemsTotal.Valid:
		rec.cents, rec.flags = o.ItemsTotal.Cents, fAmount
	}
	var items int64
	for i := range o.Lines {
		items += int64(o.Lines[i].Quantity)
	}
	rec.items = int32(min(max(items, math.MinInt32), math.MaxInt32))
	rec.status = statusCode(o.Status)
	rec.cur = r.strs.id(o.Currency)

	b := &o.Buyer
	name := ""
	if usable(b.Name) {
		name = b.Name
	}
	rec.name = r.strs.id(name)
	nameKey := r.nameKey(rec.name)
	// The recipient is the buyer when the names agree; a different name is
	// a gift, whose phone and address belong to someone else. Without a
	// buyer name nothing can be told, and recipient data stays unused.
	recipientIsBuyer := false
	if rn := o.Ship.RecipientName; usable(rn) && nameKey != "" {
		if rn == name || normalize.NameKey(rn) == nameKey {
			recipientIsBuyer = true
		} else {
			rec.flags |= fGift
		}
	}
	if name == "" && usable(o.Ship.RecipientName) {
		rec.name = r.strs.id(o.Ship.RecipientName)
		rec.flags |= fRecipientName
	}
	rec.loc = r.location(o.Ship.City, o.Ship.State, o.Ship.PostalCode)

	if k, d := document(b); k != kNone {
		r.addIdent(oi, k, d, "", "")
	}
	if e := b.Email; usable(e) && validEmail(e) {
		if b.EmailKind == normalize.EmailRelay {
			r.addIdent(oi, kRelay, e, "", "")
		} else {
			mk := normalize.EmailMatchKey(e)
			id := r.addIdent(oi, kEmail, mk, "", "")
			if mk != e {
				if _, ok := r.emailShown[id]; !ok {
					r.emailShown[id] = r.strs.id(e)
				}
			}
		}
	}
	if ref := b.Ref; usable(ref) {
		r.addIdent(oi, kUser, o.Source, ":"+o.Account+":", ref)
	}
	if p := b.Phone; usable(p) && validPhone(p) {
		r.addIdent(oi, kPhone, p, "", "")
	}
	if p := o.Ship.RecipientPhone; recipientIsBuyer && p != b.Phone && usable(p) && validPhone(p) {
		r.addIdent(oi, kPhone, p, "", "")
	}

	if rec.flags&fGift != 0 {
		return oi + 1
	}
	cep, num := o.Ship.PostalCode, streetNumber(&o.Ship)
	if !validCEP(cep) {
		return oi + 1
	}
	var naID uint32
	if strings.IndexByte(nameKey, ' ') >= 0 && num != "" {
		naID = r.addIdent(oi, kNameAddr, nameKey, "|"+cep+"|", num)
	}
	r.observeWeak(oi, rec, nameKey, num, naID, &o.Ship)
	return oi + 1
}

// addIdent records that order oi carries identifier kind:a+b+c.
func (r *Resolver) addIdent(oi uint32, k kcode, a, b, c string) uint32 {
	h := fnvStr(fnvStr(fnvStr(fnvByte(fnvOffset, byte(k)), a), b), c)
	id, ok := r.idIdx[h]
	if !ok {
		ref, ok := r.idVals.add(a, b, c)
		if !ok || r.identChunks.n >= maxOrders {
			r.overflow = true
			return 0
		}
		id = r.identChunks.add(identRec{hash: h, ref: ref, kind: k})
		r.idIdx[h] = id
	}
	r.edges.add(uint64(oi)<<32 | uint64(id))
	return id
}

func (r *Resolver) identValue(id uint32) string { return string(r.identBytes(id)) }

func (r *Resolver) identBytes(id uint32) []byte { return r.idVals.get(r.idRef[id]) }

// nameKey returns the NameKey of interned string id, computing it once per
// distinct name.
func (r *Resolver) nameKey(id uint32) string {
	if id == 0 {
		return ""
	}
	for int(id) >= len(r.nameKeys) {
		r.nameKeys = append(r.nameKeys, make([]uint32, max(len(r.nameKeys), 1024))...)
	}
	if k := r.nameKeys[id]; k != 0 {
		return r.keys.vals[k-1]
	}
	key := normalize.NameKey(r.strs.vals[id])
	k := r.keys.id(key)
	r.nameKeys[id] = k + 1
	return r.keys.vals[k]
}

func (r *Resolver) source(source, account string) uint16 {
	k := srcAcct{source, account}
	if i, ok := r.srcIdx[k]; ok {
		return i
	}
	if len(r.srcs) >= math.MaxUint16 {
		r.overflow = true
		return 0
	}
	i := uint16(len(r.srcs))
	k = srcAcct{strings.Clone(source), strings.Clone(account)}
	r.srcs = append(r.srcs, k)
	r.srcIdx[k] = i
	return i
}

func (r *Resolver) location(city, state, cep string) uint32 {
	h := fnvStr(fnvByte(fnvStr(fnvByte(fnvStr(fnvOffset, city), 0), state), 0), cep)
	if i, ok := r.locHash[h]; ok {
		l := r.locs[i]
		if r.strs.vals[l.city] == city && r.strs.vals[l.state] == state && r.strs.vals[l.cep] == cep {
			return i
		}
	}
	k := loc{r.strs.id(city), r.strs.id(state), r.strs.id(cep)}
	i, ok := r.locIdx[k]
	if !ok {
		i = uint32(len(r.locs))
		r.locs = append(r.locs, k)
		r.locIdx[k] = i
	}
	if _, taken := r.locHash[h]; !taken {
		r.locHash[h] = i
	}
	return i
}

// orderIDAt returns the order id stored at ref.
func (r *Resolver) orderIDAt(ref uint32) string { return string(r.orderIDs.get(ref)) }

// interner stores each distinct string once; id 0 is "".
type interner struct {
	idx  map[string]uint32
	vals []string
}

func (in *interner) init() {
	in.idx = map[string]uint32{"": 0}
	in.vals = []string{""}
}

func (in *interner) id(s string) uint32 {
	if i, ok := in.idx[s]; ok {
		return i
	}
	// A clone, so that a connector's row buffer is not kept alive by one
	// of its substrings.
	s = strings.Clone(s)
	i := uint32(len(in.vals))
	in.vals = append(in.vals, s)
	in.idx[s] = i
	return i
}

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvByte(h uint64, b byte) uint64 { return (h ^ uint64(b)) * fnvPrime }

func fnvStr(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime
	}
	return h
}

func orderKey(source, account, orderID string) uint64 {
	return fnvStr(fnvByte(fnvStr(fnvByte(fnvStr(fnvOffset, source), 0), account), 0), orderID)
}

// usable refuses empty and masked values. Connectors already empty masked
// values; a '*' anywhere is refused again here because one masked value
// ("******99") would link every buyer it happens to fit.
func usable(s string) bool {
	return s != "" && strings.IndexByte(s, '*') < 0
}

func document(b *normalize.Buyer) (kcode, string) {
	d := b.Document
	if !usable(d) {
		return kNone, ""
	}
	switch b.DocumentType {
	case normalize.DocCPF:
		if normalize.ValidCPF(d) {
			return kCPF, d
		}
	case normalize.DocCNPJ:
		if normalize.ValidCNPJ(d) {
			return kCNPJ, d
		}
	case normalize.DocNone:
		if normalize.ValidCPF(d) {
			return kCPF, d
		}
		if normalize.ValidCNPJ(d) {
			return kCNPJ, d
		}
	}
	return kNone, ""
}

func validEmail(e string) bool {
	at := strings.LastIndexByte(e, '@')
	return at > 0 && at < len(e)-1
}

// validPhone accepts E.164 numbers whose last eight digits are not one
// digit repeated ("+5511999999999" is what forms get when a phone is
// required and unknown).
func validPhone(p string) bool {
	if len(p) < 9 || len(p) > 16 || p[0] != '+' {
		return false
	}
	for i := 1; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	return !sameDigits(p[len(p)-8:])
}

func sameDigits(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// phoneFragment is a Brazilian number's country and area code with its
// last eight digits: mobiles gained a leading 9 between 2012 and 2016, and
// old records still carry the eight-digit form.
func phoneFragment(p string) string {
	if strings.HasPrefix(p, "+55") && len(p) >= 13 {
		return p[:5] + p[len(p)-8:]
	}
	return p
}

func validCEP(c string) bool {
	if len(c) != 8 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return !sameDigits(c)
}

// streetNumber returns the building number: Number when the source has it
// apart ("s/n" has none), otherwise read from Street, which holds the street
// and number and often more: the first run of digits between the first comma
// and the next
// ("Rua 7 de Setembro, 120 ap 3", Shopee's "Rua X, 120, Apto 3, Centro,
// Cidade, 01001000" → "120"), or without a comma before the number the last
// word before a " / " or " - " (Mercado Livre's "Rua X 120 / Apto 3 - CEP
// …" → "120"). Leading zeros are dropped.
func streetNumber(a *normalize.Address) string {
	if a.Number != "" {
		return digitRun(a.Number)
	}
	st := a.Street
	if i := strings.Index(st, " - "); i >= 0 {
		st = st[:i]
	}
	if i := strings.Index(st, " / "); i >= 0 {
		st = st[:i]
	}
	if i := strings.IndexByte(st, ','); i >= 0 {
		seg := st[i+1:]
		if j := strings.IndexByte(seg, ','); j >= 0 {
			seg = seg[:j]
		}
		return digitRun(seg)
	}
	st = strings.TrimSpace(st)
	i := strings.LastIndexByte(st, ' ')
	if i < 0 {
		return ""
	}
	w := st[i+1:]
	for j := 0; j < len(w); j++ {
		if w[j] < '0' || w[j] > '9' {
			return ""
		}
	}
	return digitRun(w)
}

func digitRun(s string) string {
	i := 0
	for i < len(s) && (s[i] < '0' || s[i] > '9') {
		i++
	}
	for i < len(s) && s[i] == '0' {
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	return s[i:j]
}

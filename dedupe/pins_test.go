package dedupe

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

// hashStored stands in for --pii hash.
func hashStored(k Kind, v string) string {
	sum := sha256.Sum256([]byte(string(k) + v))
	return "h1:" + hex.EncodeToString(sum[:])
}

// blanked is an order as read back from a dataset written under --pii
// hash: no buyer identifier, no buyer name.
func blanked(o *normalize.Order) *normalize.Order {
	c := *o
	c.Buyer = normalize.Buyer{}
	c.Ship.RecipientPhone = ""
	return &c
}

// nameOnly keeps the buyer's name, for datasets that keep names.
func nameOnly(o *normalize.Order) *normalize.Order {
	c := blanked(o)
	c.Buyer.Name = o.Buyer.Name
	return c
}

func kept(o *normalize.Order) *normalize.Order { return o }

// obs is one order to observe, pinned when prior is set.
type obs struct {
	o     *normalize.Order
	prior string
}

// pinnedRun resolves items seeded with identities and merges.
func pinnedRun(t testing.TB, opts Options, seeds []Identity, merges []Merge, items []obs) *Result {
	t.Helper()
	r := NewResolver(opts)
	for _, id := range seeds {
		r.Seed(id)
	}
	for _, m := range merges {
		r.SeedMerge(m)
	}
	for _, it := range items {
		if it.prior != "" {
			r.ObservePinned(it.o, it.prior)
		} else {
			r.Observe(it.o)
		}
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// pinAll pins each order, as transformed by form, to its customer in prev.
func pinAll(prev *Result, form func(*normalize.Order) *normalize.Order, orders []*normalize.Order) []obs {
	out := make([]obs, len(orders))
	for i, o := range orders {
		out[i] = obs{form(o), cid(prev, o)}
	}
	return out
}

func plain(orders []*normalize.Order) []obs {
	out := make([]obs, len(orders))
	for i, o := range orders {
		out[i] = obs{o: o}
	}
	return out
}

// withoutBuyerFields drops what pinned orders cannot show.
func withoutBuyerFields(m map[string]Customer) map[string]Customer {
	for k, c := range m {
		c.Name, c.Document, c.Email, c.Phone, c.Usernames = "", "", "", "", nil
		m[k] = c
	}
	return m
}

func assertOneDocument(t *testing.T, res *Result) {
	t.Helper()
	docs := map[string]int{}
	for id := range res.Identities() {
		if id.Kind == KindCPF || id.Kind == KindCNPJ {
			docs[id.CustomerID]++
			if docs[id.CustomerID] > 1 {
				t.Fatalf("customer %s holds two documents", id.CustomerID)
			}
		}
	}
}

type pinScenario struct {
	old, fresh []*normalize.Order
	eva        *normalize.Order // a new person
	paulo      *normalize.Order // a new person using Ana's e-mail
	dan        *normalize.Order // a customer with no new order
}

func newPinScenario() pinScenario {
	a, b, p, e := cpfOf(1001), cpfOf(2002), cpfOf(3003), cpfOf(4004)
	ana1 := mk("shopify", "a1", 300, name("Ana Lima"), cpf(a), email("ana.lima@gmail.com"), total(1000))
	ana2 := mk("tiktok", "a2", 200, name("Ana Lima"), email("analima@gmail.com"), phone("+5511987650001"), total(2000), qty(3))
	bruno1 := mk("mercadolivre", "b1", 250, name("Bruno Reis"), cpf(b), ref("77"), total(3000))
	carla1 := mk("shopify", "c1", 100, name("Carla Dias"), email("carla@dias.com"), total(4000))
	carla2 := mk("shopify", "c2", 90, name("Carla Dias"), email("carla@dias.com"), phone("+5521987650002"), status(normalize.StatusCancelled))
	dan := mk("tiktok", "d1", 80, name("Dan Souza"), phone("+5531987650003"), total(500))
	ana3 := mk("shopee", "a3", 10, name("Ana Lima"), email("ana.lima@gmail.com"), total(700))
	bruno2 := mk("shopee", "b2", 5, name("Bruno Reis"), cpf(b), total(800))
	carla3 := mk("tiktok", "c3", 3, name("Carla Dias"), phone("+5521987650002"), total(900))
	paulo := mk("shopify", "p1", 4, name("Paulo Lima"), cpf(p), email("ana.lima@gmail.com"), total(1100))
	eva := mk("mercadolivre", "e1", 2, name("Eva Melo"), cpf(e), ref("88"), total(1200))
	return pinScenario{
		old:   []*normalize.Order{ana1, ana2, bruno1, carla1, carla2, dan},
		fresh: []*normalize.Order{ana3, bruno2, carla3, paulo, eva},
		eva:   eva, paulo: paulo, dan: dan,
	}
}

func TestPinnedRunKeepsIDs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		stored func(Kind, string) string
		form   func(*normalize.Order) *normalize.Order
	}{
		{"hash, blanked", hashStored, blanked},
		{"hash, names kept", hashStored, nameOnly},
		{"clear, identifiers kept", nil, kept},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sc := newPinScenario()
			opts := Options{StoredValue: tc.stored}
			run1 := run(t, opts, nil, sc.old)
			seeds := identities(run1)
			if run1.Report().Customers != 4 {
				t.Fatalf("run 1: %+v", run1.Report())
			}

			items := append(pinAll(run1, tc.form, sc.old), plain(sc.fresh)...)
			pinned := pinnedRun(t, opts, seeds, nil, items)
			clear := pinnedRun(t, opts, seeds, nil, plain(append(slices.Clone(sc.old), sc.fresh...)))

			for _, o := range sc.old {
				if got := cid(pinned, o); got != cid(run1, o) {
					t.Fatalf("order %s: run 1 %s, pinned run %s", o.OrderID, cid(run1, o), got)
				}
			}
			for _, o := range append(slices.Clone(sc.old), sc.fresh...) {
				if cid(pinned, o) != cid(clear, o) {
					t.Fatalf("order %s: pinned %s, clear %s", o.OrderID, cid(pinned, o), cid(clear, o))
				}
			}
			assertSame(t, pinned, sc.old[0], sc.old[1], sc.fresh[0]) // Ana
			assertSame(t, pinned, sc.old[2], sc.fresh[1])            // Bruno
			assertSame(t, pinned, sc.old[3], sc.old[4], sc.fresh[2]) // Carla
			assertApart(t, pinned, sc.paulo, sc.old[0])
			for _, o := range sc.old {
				if cid(pinned, sc.eva) == cid(run1, o) || cid(pinned, sc.paulo) == cid(run1, o) {
					t.Fatal("a new person took an earlier id")
				}
			}
			if rep := pinned.Report(); rep.Customers != 6 || rep.NewCustomers != 2 || len(pinned.Merges()) != 0 {
				t.Fatalf("%+v %v", rep, pinned.Merges())
			}
			if _, ok := pinned.Report().Identifiers["prior_customer"]; ok {
				t.Fatal("pins reported as identifiers")
			}
			assertOneDocument(t, pinned)

			pc, cc := withoutBuyerFields(customers(pinned)), withoutBuyerFields(customers(clear))
			if !slices.Equal(sortedKeys(pc), sortedKeys(cc)) {
				t.Fatalf("customers %v, clear %v", sortedKeys(pc), sortedKeys(cc))
			}
			for id, c := range pc {
				if !equalCustomer(c, cc[id]) {
					t.Fatalf("customer %s\npinned %+v\nclear  %+v", id, c, cc[id])
				}
			}
			// The identities table is the one a run seeing everything in
			// clear would write.
			if got, want := identities(pinned), identities(clear); !reflect.DeepEqual(got, want) {
				t.Fatalf("identities\npinned %+v\nclear  %+v", got, want)
			}
			for _, l := range pinned.Links(cid(pinned, sc.dan)) {
				if l.Kind == "prior_customer" {
					t.Fatal("pin listed in Links")
				}
			}
		})
	}
}

func TestPinsJoiningTwoEarlierCustomers(t *testing.T) {
	// Ana (e-mail, since 300 days ago) and "A. Lima" (phone, since 100
	// days ago) were two customers. Their orders come back pinned, and a
	// new order carries both identifiers.
	ana1 := mk("shopify", "1", 300, name("Ana Lima"), email("ana@lima.com.br"))
	ana2 := mk("shopify", "2", 200, name("Ana Lima"), email("ana@lima.com.br"))
	lima := mk("tiktok", "3", 100, name("Ana Lima"), phone("+5511987001122"))
	link := mk("shopify", "6", 10, name("Ana Lima"), email("ana@lima.com.br"), phone("+5511987001122"))
	opts := Options{StoredValue: hashStored}
	run1 := run(t, opts, nil, []*normalize.Order{ana1, ana2, lima})
	anaID, limaID := cid(run1, ana1), cid(run1, lima)
	if anaID == limaID {
		t.Fatal("run 1 joined them")
	}
	for _, form := range []func(*normalize.Order) *normalize.Order{blanked, nameOnly} {
		items := append(pinAll(run1, form, []*normalize.Order{ana1, ana2, lima}), obs{o: link})
		res := pinnedRun(t, opts, identities(run1), run1.Merges(), items)
		assertSame(t, res, ana1, ana2, lima, link)
		if cid(res, link) != anaID {
			t.Fatalf("survivor %s, want the older %s", cid(res, link), anaID)
		}
		ms := res.Merges()
		if len(ms) != 1 || ms[0].MergedID != limaID || ms[0].CustomerID != anaID || ms[0].Reason != "same phone" {
			t.Fatalf("merges %+v", ms)
		}
		// Next run: everything pinned, the merge seeded; a pin to the
		// merged id follows it.
		items = []obs{{blanked(ana1), anaID}, {blanked(ana2), anaID}, {blanked(lima), limaID}, {blanked(link), anaID}}
		next := pinnedRun(t, opts, identities(res), res.Merges(), items)
		assertSame(t, next, ana1, ana2, lima, link)
		if cid(next, lima) != anaID || next.Report().NewMerges != 0 || !reflect.DeepEqual(identities(next), identities(res)) {
			t.Fatalf("next run: %s %+v\n%+v\n%+v", cid(next, lima), next.Report(), identities(next), identities(res))
		}
	}
}

func TestPinnedObservationOrderDoesNotMatter(t *testing.T) {
	sc := newPinScenario()
	opts := Options{StoredValue: hashStored}
	run1 := run(t, opts, nil, sc.old)
	seeds := identities(run1)
	items := append(pinAll(run1, blanked, sc.old), plain(sc.fresh)...)
	// The same order observed twice: pinned and blanked, then in clear.
	items = append(items, obs{o: sc.old[3]})
	base := pinnedRun(t, opts, seeds, nil, items)
	for seed := range uint64(20) {
		its := slices.Clone(items)
		rngShuffle(its, seed)
		sds := slices.Clone(seeds)
		rngShuffle(sds, seed+100)
		res := pinnedRun(t, opts, sds, nil, its)
		for _, o := range append(slices.Clone(sc.old), sc.fresh...) {
			if cid(res, o) != cid(base, o) {
				t.Fatalf("seed %d, order %s: %s, want %s", seed, o.OrderID, cid(res, o), cid(base, o))
			}
		}
		if !reflect.DeepEqual(identities(res), identities(base)) || !reflect.DeepEqual(customers(res), customers(base)) ||
			!reflect.DeepEqual(res.Merges(), base.Merges()) || !reflect.DeepEqual(res.Report(), base.Report()) {
			t.Fatalf("seed %d: results differ", seed)
		}
	}
}

func rngShuffle[T any](xs []T, seed uint64) {
	idx := make([]*normalize.Order, len(xs))
	for i := range idx {
		idx[i] = &normalize.Order{OrderID: string(rune('a' + i))}
	}
	perm := shuffled(idx, seed)
	out := make([]T, len(xs))
	for i, o := range perm {
		out[i] = xs[o.OrderID[0]-'a']
	}
	copy(xs, out)
}

func TestPinnedIdentitiesCarriedOver(t *testing.T) {
	sc := newPinScenario()
	for _, tc := range []struct {
		name   string
		stored func(Kind, string) string
		drop   bool // --pii drop: no identities are stored
	}{
		{"hash", hashStored, false},
		{"drop", hashStored, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := Options{StoredValue: tc.stored}
			prev := run(t, opts, nil, sc.old)
			want := identities(prev)
			for round := range 3 {
				var seeds []Identity
				if !tc.drop {
					seeds = identities(prev)
				}
				res := pinnedRun(t, opts, seeds, nil, pinAll(prev, blanked, sc.old))
				for _, o := range sc.old {
					if cid(res, o) != cid(prev, o) {
						t.Fatalf("round %d, order %s: %s, want %s", round, o.OrderID, cid(res, o), cid(prev, o))
					}
				}
				if rep := res.Report(); rep.Customers != 4 || rep.NewCustomers != 0 {
					t.Fatalf("round %d: %+v", round, rep)
				}
				got := identities(res)
				if tc.drop {
					want = nil // nothing to carry: ids survive on pins alone
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("round %d\ngot  %+v\nwant %+v", round, got, want)
				}
				prev = res
			}
		})
	}
}

// A pinned customer's document keeps a differently documented newcomer
// out even when the document is not observed again, and joins the order
// that shows it.
func TestPinnedCustomerKnowsItsDocument(t *testing.T) {
	a, b := cpfOf(5005), cpfOf(6006)
	old := mk("shopify", "1", 100, name("Ana Lima"), cpf(a), phone("+5511987650009"))
	opts := Options{StoredValue: hashStored}
	run1 := run(t, opts, nil, []*normalize.Order{old})
	other := mk("shopify", "2", 5, name("Ana Lima"), cpf(b), phone("+5511987650009"))
	same := mk("shopify", "3", 4, name("Ana Lima"), cpf(a))
	res := pinnedRun(t, opts, identities(run1), nil, []obs{{blanked(old), cid(run1, old)}, {o: other}})
	assertApart(t, res, old, other)
	if cid(res, old) != cid(run1, old) || res.Report().ConflictsAvoided != 1 {
		t.Fatalf("%s %+v", cid(res, old), res.Report())
	}
	assertOneDocument(t, res)
	res = pinnedRun(t, opts, identities(run1), nil, []obs{{blanked(old), cid(run1, old)}, {o: same}, {o: other}})
	assertSame(t, res, old, same)
	assertApart(t, res, old, other)
	assertOneDocument(t, res)
}

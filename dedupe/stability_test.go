package dedupe

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/orderhist/orderhist/normalize"
)

// run resolves orders seeded with an earlier result.
func run(t testing.TB, opts Options, prev *Result, orders []*normalize.Order) *Result {
	t.Helper()
	r := NewResolver(opts)
	if prev != nil {
		for id := range prev.Identities() {
			r.Seed(id)
		}
		for _, m := range prev.Merges() {
			r.SeedMerge(m)
		}
	}
	for _, o := range orders {
		r.Observe(o)
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func shuffled(orders []*normalize.Order, seed uint64) []*normalize.Order {
	out := slices.Clone(orders)
	rng := rand.New(rand.NewPCG(seed, 1))
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestIDsStableAcrossRunsAndOlderIDSurvivesMerge(t *testing.T) {
	// Two customers nothing joins yet: Ana (e-mail, since 300 days ago)
	// and "A. Lima" (phone only, since 100 days ago).
	ana1 := mk("shopify", "1", 300, name("Ana Lima"), email("ana@lima.com.br"))
	ana2 := mk("shopify", "2", 200, name("Ana Lima"), email("ana@lima.com.br"))
	lima := mk("tiktok", "3", 100, name("Ana Lima"), phone("+5511987001122"))
	bruno := mk("mercadolivre", "4", 50, name("Bruno Reis"), cpf(cpfOf(808)), ref("77"))
	none := mk("tiktok", "5", 40)
	orders := []*normalize.Order{ana1, ana2, lima, bruno, none}

	run1 := run(t, Options{}, nil, orders)
	if run1.Report().Customers != 4 {
		t.Fatalf("%+v", run1.Report())
	}

	// Same inputs in another order, seeded: same ids; and the same ids
	// again from scratch, since they are derived from content.
	run2 := run(t, Options{}, run1, shuffled(orders, 7))
	scratch := run(t, Options{}, nil, shuffled(orders, 8))
	for _, o := range orders {
		if cid(run2, o) != cid(run1, o) || cid(scratch, o) != cid(run1, o) {
			t.Fatalf("order %s: %s, %s, %s", o.OrderID, cid(run1, o), cid(run2, o), cid(scratch, o))
		}
	}
	// Only the order without buyer data has no identity to carry its id;
	// it gets the same one again from its order key.
	if len(run2.Merges()) != 0 || run2.Report().NewCustomers != 1 {
		t.Fatalf("merges %v, report %+v", run2.Merges(), run2.Report())
	}

	// A new order carrying both the e-mail and the phone joins the two:
	// Ana's id is older and survives.
	link := mk("shopify", "6", 10, name("Ana Lima"), email("ana@lima.com.br"), phone("+5511987001122"))
	newBruno := mk("mercadolivre", "7", 5, name("Bruno Reis"), ref("77"))
	run3 := run(t, Options{Now: asOf.Add(time.Hour)}, run2, shuffled(append(slices.Clone(orders), link, newBruno), 9))
	anaID, limaID := cid(run1, ana1), cid(run1, lima)
	for _, o := range []*normalize.Order{ana1, ana2, lima, link} {
		if cid(run3, o) != anaID {
			t.Fatalf("order %s: %s, want the older %s", o.OrderID, cid(run3, o), anaID)
		}
	}
	if cid(run3, newBruno) != cid(run1, bruno) || cid(run3, none) != cid(run1, none) {
		t.Fatal("unrelated ids changed")
	}
	merges := run3.Merges()
	want := []Merge{{MergedID: limaID, CustomerID: anaID, MergedAt: asOf.Add(time.Hour), Reason: "same phone"}}
	if !reflect.DeepEqual(merges, want) {
		t.Fatalf("merges %+v, want %+v", merges, want)
	}
	if rep := run3.Report(); rep.NewMerges != 1 || rep.NewCustomers != 1 {
		t.Fatalf("%+v", rep)
	}

	// The next run keeps the merge, and its ids.
	run4 := run(t, Options{}, run3, shuffled(append(slices.Clone(orders), link, newBruno), 10))
	if !reflect.DeepEqual(run4.Merges(), want) || cid(run4, lima) != anaID {
		t.Fatalf("merges %+v", run4.Merges())
	}
	// Identities keep their first sighting.
	for id := range run4.Identities() {
		if id.Kind == KindEmail && !id.FirstSeen.Equal(ana1.OrderedAt) {
			t.Fatalf("%+v", id)
		}
	}
}

func TestMergeTieGoesToSmallerID(t *testing.T) {
	day := asOf.AddDate(0, 0, -10)
	r := NewResolver(Options{})
	r.Seed(Identity{CustomerID: "c_b", Kind: KindEmail, Value: "x@y.com", FirstSeen: day})
	r.Seed(Identity{CustomerID: "c_a", Kind: KindCPF, Value: cpfOf(3), FirstSeen: day})
	r.Observe(mk("shopify", "1", 1, email("x@y.com"), cpf(cpfOf(3))))
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.CustomerID("shopify", "main", "1"); got != "c_a" {
		t.Fatalf("got %s", got)
	}
	if m := res.Merges(); len(m) != 1 || m[0].MergedID != "c_b" || m[0].Reason != "same cpf" && m[0].Reason != "same email" {
		t.Fatalf("%+v", m)
	}
}

func TestSplitKeepsIDWithTheLargerPart(t *testing.T) {
	// Run 1: a phone joins Ana's orders. Run 2: six more people use the
	// phone, which becomes shared; Ana's orders split.
	const p = "+5511955550000"
	a1 := mk("shopify", "1", 50, name("Ana Lima"), phone(p), email("ana@lima.com"))
	a2 := mk("shopify", "2", 40, name("Ana Lima"), phone(p), email("ana@lima.com"))
	a3 := mk("tiktok", "3", 30, name("Ana Lima"), phone(p))
	run1 := run(t, Options{}, nil, []*normalize.Order{a1, a2, a3})
	old := cid(run1, a1)
	if cid(run1, a3) != old {
		t.Fatal("not linked in run 1")
	}
	orders := []*normalize.Order{a1, a2, a3}
	for i, n := range []string{"Bruno Reis", "Carla Dias", "Davi Melo", "Eva Rocha", "Fábio Nunes", "Gil Paz"} {
		orders = append(orders, mk("shopify", "x"+string(rune('a'+i)), 5, name(n), phone(p)))
	}
	run2 := run(t, Options{}, run1, orders)
	if cid(run2, a1) != old || cid(run2, a2) != old {
		t.Fatal("the part with the e-mail lost the id")
	}
	if got := cid(run2, a3); got == old || got == "" {
		t.Fatalf("split part got %q", got)
	}
}

func TestStoredValueHashesIdentitiesAndIDs(t *testing.T) {
	key := []byte("secret")
	hash := func(k Kind, v string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(string(k) + ":" + v))
		return hex.EncodeToString(m.Sum(nil))
	}
	d := cpfOf(4242)
	o1 := mk("mercadolivre", "1", 5, name("Ana Lima"), cpf(d))
	o2 := mk("shopee", "2", 3, name("Ana Lima"), cpf(d))
	run1 := run(t, Options{StoredValue: hash}, nil, []*normalize.Order{o1})
	for id := range run1.Identities() {
		if strings.Contains(id.Value, d) || id.Value != hash(KindCPF, d) {
			t.Fatalf("%+v", id)
		}
	}
	// The id is derived from the stored (keyed) value, never from the CPF.
	if cid(run1, o1) != derivedID("cpf:"+hash(KindCPF, d)) {
		t.Fatalf("id %s", cid(run1, o1))
	}
	run2 := run(t, Options{StoredValue: hash}, run1, []*normalize.Order{o2, o1})
	if cid(run2, o2) != cid(run1, o1) {
		t.Fatal("id not kept under hashing")
	}
}

func TestDerivedIDAvoidsEarlierIDs(t *testing.T) {
	// An earlier id equal to what a new component would derive (its
	// identifiers moved elsewhere) is never handed to another customer.
	d := cpfOf(99)
	clash := derivedID("cpf:" + d)
	r := NewResolver(Options{})
	r.Seed(Identity{CustomerID: clash, Kind: KindEmail, Value: "other@x.com", FirstSeen: asOf})
	r.Observe(mk("shopify", "1", 1, cpf(d)))
	r.Observe(mk("shopify", "2", 1, email("other@x.com")))
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	a, b := res.CustomerID("shopify", "main", "1"), res.CustomerID("shopify", "main", "2")
	if b != clash || a == clash || !strings.HasPrefix(a, "c_") || len(a) != 18 {
		t.Fatalf("%s %s", a, b)
	}
}

func TestDeterministicUnderPermutation(t *testing.T) {
	s := newSynth(99, 800, 2.6)
	var orders []*normalize.Order
	s.each(func(o *normalize.Order, _ int) {
		c := *o
		c.Lines = slices.Clone(o.Lines)
		orders = append(orders, &c)
	})
	// Some orders observed twice (a status update), the later call winning.
	var updates []*normalize.Order
	for i := 0; i < len(orders); i += 17 {
		u := *orders[i]
		u.Status = normalize.StatusCancelled
		updates = append(updates, &u)
	}
	base := orders
	orders = append(slices.Clone(base), updates...)
	dump := func(res *Result) (map[string]string, []Customer, []Identity, Report) {
		m := map[string]string{}
		for _, o := range orders {
			m[orderKeyString(o)] = cid(res, o)
		}
		return m, slices.Collect(res.Customers()), slices.Collect(res.Identities()), res.Report()
	}
	m1, c1, i1, r1 := dump(run(t, Options{}, nil, orders))
	for seed := uint64(1); seed <= 3; seed++ {
		// Each update still comes after its order, as a later export would.
		perm := append(shuffled(base, seed), shuffled(updates, seed)...)
		m2, c2, i2, r2 := dump(run(t, Options{}, nil, perm))
		if !reflect.DeepEqual(m1, m2) || !reflect.DeepEqual(c1, c2) || !reflect.DeepEqual(i1, i2) || !reflect.DeepEqual(r1, r2) {
			t.Fatalf("permutation %d changed the result", seed)
		}
	}
}

func TestLinksExplainCustomer(t *testing.T) {
	d := cpfOf(1234)
	a := mk("mercadolivre", "1", 5, name("Ana Lima"), cpf(d), ref("9"))
	b := mk("shopify", "2", 4, name("Ana Lima"), cpf(d), email("ana@lima.com.br"))
	res := resolve(t, Options{}, a, b)
	links := res.Links(cid(res, a))
	if len(links) != 3 || links[0].Kind != KindCPF || !slices.Equal(links[0].Orders, []string{"mercadolivre/main/1", "shopify/main/2"}) {
		t.Fatalf("%+v", links)
	}
	if strings.Contains(links[0].Value, d[:9]) || !strings.HasSuffix(links[0].Value, d[9:]) {
		t.Fatalf("value not masked: %q", links[0].Value)
	}
	if links[2].Kind != KindMarketplaceUser || !strings.HasPrefix(links[2].Value, "mercadolivre:main:") {
		t.Fatalf("%+v", links[2])
	}
	if res.Links("c_nobody") != nil {
		t.Fatal("links for an unknown id")
	}
}

func TestResolveTwiceFails(t *testing.T) {
	r := NewResolver(Options{})
	if _, err := r.Resolve(asOf); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Resolve(asOf); err == nil {
		t.Fatal("second Resolve accepted")
	}
}

func TestResultIsSafeForConcurrentReads(t *testing.T) {
	s := newSynth(3, 300, 2.6)
	r := NewResolver(Options{})
	var orders []*normalize.Order
	s.each(func(o *normalize.Order, _ int) {
		c := *o
		orders = append(orders, &c)
		r.Observe(o)
	})
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for range 4 {
		go func() {
			for c := range res.Customers() {
				res.Links(c.ID)
			}
			for range res.Identities() {
			}
			for _, o := range orders {
				cid(res, o)
			}
			res.Merges()
			res.Report()
			done <- true
		}()
	}
	for range 4 {
		<-done
	}
}

func TestEarlierMergesFollowLaterOnes(t *testing.T) {
	day := asOf.AddDate(0, -1, 0)
	r := NewResolver(Options{Now: asOf})
	// Run n−1 merged c_a into c_b; c_b and c_c are now joined, c_c older.
	r.SeedMerge(Merge{MergedID: "c_a", CustomerID: "c_b", MergedAt: day, Reason: "same email"})
	r.Seed(Identity{CustomerID: "c_b", Kind: KindEmail, Value: "b@x.com", FirstSeen: day})
	r.Seed(Identity{CustomerID: "c_c", Kind: KindPhone, Value: "+5511987650000", FirstSeen: day.AddDate(0, -1, 0)})
	r.Observe(mk("shopify", "1", 1, name("Bia"), email("b@x.com"), phone("+5511987650000")))
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	want := []Merge{
		{MergedID: "c_a", CustomerID: "c_c", MergedAt: day, Reason: "same email"},
		{MergedID: "c_b", CustomerID: "c_c", MergedAt: asOf, Reason: "same email"},
	}
	if got := res.Merges(); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	if res.CustomerID("shopify", "main", "1") != "c_c" {
		t.Fatal("older id lost")
	}
}

func TestOrderRecordSize(t *testing.T) {
	if n := unsafe.Sizeof(orderRec{}); n > 48 {
		t.Fatalf("orderRec is %d bytes", n)
	}
}

// TestHandlesMatchResult checks that the Handles kept after a Result is
// let go give every order the customer the Result gives it.
func TestHandlesMatchResult(t *testing.T) {
	r := NewResolver(Options{})
	var hs []uint32
	for i := range 50 {
		hs = append(hs, r.Observe(mk("shopee", fmt.Sprint("o", i), i%28+1, cpf(cpfOf(1000+i%7)), name(fmt.Sprint("Pessoa ", i%7)))))
	}
	hs = append(hs, r.Observe(mk("shopee", "", 1))) // no id: handle 0
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	h := res.Handles()
	for _, x := range append(hs, 0, uint32(len(hs)+10)) {
		if got, want := h.CustomerOf(x), res.CustomerOf(x); got != want {
			t.Fatalf("handle %d: Handles say %q, Result %q", x, got, want)
		}
	}
	if h.CustomerOf(hs[0]) == "" || h.CustomerOf(hs[0]) != h.CustomerOf(hs[7]) {
		t.Fatal("orders of one CPF do not share a customer")
	}
}

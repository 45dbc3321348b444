package dedupe

import (
	"testing"

	"github.com/orderhist/orderhist/internal/testgen"
	"github.com/orderhist/orderhist/normalize"
)

// sightingOrder cleans a generated sighting the way connectors clean
// cells, with normalize's parsers; values they refuse are left empty.
func sightingOrder(s *testgen.Sighting) *normalize.Order {
	o := &normalize.Order{
		Source: s.Source, Account: s.Account, OrderID: s.OrderID, PackID: s.PackID,
		OrderedAt: s.OrderedAt, Status: normalize.StatusDelivered, OrderTotal: normalize.Cents(5000),
	}
	b := &o.Buyer
	if !normalize.IsMasked(s.BuyerRef) {
		b.Ref = normalize.CleanText(s.BuyerRef)
	}
	b.Name = normalize.CleanName(s.Name)
	if d, typ, err := normalize.ParseDocument(s.Document); err == nil {
		b.Document, b.DocumentType = d, typ
	}
	if e, kind, err := normalize.ParseEmail(s.Email); err == nil {
		b.Email, b.EmailKind = e, kind
	}
	if p, err := normalize.ParsePhone(s.Phone); err == nil {
		b.Phone = p
	}
	sh := &o.Ship
	sh.RecipientName = normalize.CleanName(s.RecipientName)
	if p, err := normalize.ParsePhone(s.RecipientPhone); err == nil {
		sh.RecipientPhone = p
	}
	if !normalize.IsMasked(s.Street) {
		sh.Street = normalize.CleanText(s.Street)
	}
	sh.Number = normalize.CleanText(s.Number)
	if c, err := normalize.ParseCEP(s.CEP); err == nil {
		sh.PostalCode = c
	}
	sh.City = normalize.CleanText(s.City)
	if uf, err := normalize.ParseUF(s.UF); err == nil {
		sh.State = uf
	}
	return o
}

// TestGeneratedExportsQuality resolves the orders internal/testgen writes
// (every layout, default noise: masking, placeholders, missing values,
// gifts, carts) and scores them against the generator's truth.
func TestGeneratedExportsQuality(t *testing.T) {
	cfg := testgen.Config{Seed: 11, People: 3000, Lines: 20000}
	if testing.Short() {
		cfg.People, cfg.Lines = 1000, 5000
	}
	r := NewResolver(Options{})
	truth, channel := map[string]string{}, map[string]string{}
	type key struct{ source, account, id string }
	var keys []key
	var orders []*normalize.Order
	for s := range testgen.Sightings(cfg) {
		o := sightingOrder(&s)
		r.Observe(o)
		k := orderKeyString(o)
		if _, seen := truth[k]; !seen {
			keys = append(keys, key{o.Source, o.Account, o.OrderID})
		}
		truth[k] = s.PersonID
		channel[k] = o.Source
		orders = append(orders, o)
	}
	if len(keys) == 0 {
		t.Fatal("testgen produced no sightings")
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	pred := map[string]string{}
	for _, k := range keys {
		pred[k.source+"/"+k.account+"/"+k.id] = res.CustomerID(k.source, k.account, k.id)
	}
	all, cross := PairwiseScores(truth, pred), CrossChannelScores(truth, pred, channel)
	reach := PairwiseScores(LinkableTruth(orders, truth), pred)
	t.Logf("recall of the pairs the exports make linkable at all (a shared document, e-mail, buyer id or phone): %.4f (%d of %d true pairs)",
		reach.Recall, reach.TruthPairs, all.TruthPairs)
	rep := res.Report()
	t.Logf("orders %d, customers %d; pairwise P=%.4f R=%.4f F1=%.4f (%d true pairs); cross-channel P=%.4f R=%.4f F1=%.4f (%d true pairs); conflicts avoided %d, ambiguous %d, shared %d",
		rep.Orders, rep.Customers, all.Precision, all.Recall, all.F1, all.TruthPairs,
		cross.Precision, cross.Recall, cross.F1, cross.TruthPairs, rep.ConflictsAvoided, rep.Ambiguous, len(rep.Shared))
	for _, sh := range rep.Shared {
		t.Logf("shared: %s %s, %d orders, %d owners", sh.Kind, sh.Value, sh.Orders, sh.Owners)
	}
	if all.Precision < 0.995 || reach.Recall < 0.98 {
		t.Errorf("precision %.4f (≥0.995), recall of linkable pairs %.4f (≥0.98)", all.Precision, reach.Recall)
	}
	for c := range res.Customers() {
		docs := 0
		for _, l := range res.Links(c.ID) {
			if (l.Kind == KindCPF || l.Kind == KindCNPJ) && !l.Shared {
				docs++
			}
		}
		if docs > 1 {
			t.Fatalf("customer %s has %d documents", c.ID, docs)
		}
	}
}

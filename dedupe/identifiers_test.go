package dedupe

import (
	"slices"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

// TestIdentifiersAreTheResolversIdentities pins Identifiers to what a
// resolver lists for one order, over generated messy orders and the edge
// cases of the recipient's phone: erasure relies on the two agreeing.
func TestIdentifiersAreTheResolversIdentities(t *testing.T) {
	var orders []*normalize.Order
	newSynth(7, 600, 1.5).each(func(o *normalize.Order, _ int) {
		c := *o
		c.Lines = slices.Clone(o.Lines)
		orders = append(orders, &c)
	})
	cpf := cpfOf(123456789)
	orders = append(orders,
		mk("shopee", "gift", 1, func(o *normalize.Order) {
			o.Buyer = normalize.Buyer{Name: "Ana Lima", Phone: "+5511987654321"}
			o.Ship.RecipientName, o.Ship.RecipientPhone = "Bruno Souza", "+5511912345678"
		}),
		mk("shopee", "self", 1, func(o *normalize.Order) {
			o.Buyer = normalize.Buyer{Name: "Ana Lima", Phone: "+5511987654321"}
			o.Ship.RecipientName, o.Ship.RecipientPhone = "ANA LIMA", "+5511912345678"
		}),
		mk("shopee", "no-name", 1, func(o *normalize.Order) {
			o.Ship.RecipientName, o.Ship.RecipientPhone = "Ana Lima", "+5511912345678"
		}),
		mk("mercadolivre", "full", 1, func(o *normalize.Order) {
			o.Buyer = normalize.Buyer{Name: "Ana", Document: cpf, DocumentType: normalize.DocCPF, Email: "Ana.Lima+loja@Gmail.com", Ref: "ANALIMA", Phone: "+5511999999999"}
		}),
		mk("mercadolivre", "relay", 1, func(o *normalize.Order) {
			o.Buyer = normalize.Buyer{Email: "x1y2@mail.mercadolivre.com", EmailKind: normalize.EmailRelay, Ref: "a***"}
		}),
		mk("amazon", "masked", 1, func(o *normalize.Order) {
			o.Buyer = normalize.Buyer{Document: "***.456.789-**", Email: "a***@gmail.com", Phone: "+55119****4321"}
		}),
	)
	key := func(k Kind, v string) string { return string(k) + "\x00" + v }
	for _, o := range orders {
		r := NewResolver(Options{})
		r.Observe(o)
		res, err := r.Resolve(asOf)
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, id := range identities(res) {
			if id.Kind != KindNameAddress {
				want = append(want, key(id.Kind, id.Value))
			}
		}
		var got []string
		for _, id := range Identifiers(o) {
			got = append(got, key(id.Kind, id.Value))
		}
		slices.Sort(want)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, want) {
			t.Errorf("order %s/%s: Identifiers %q, resolver %q", o.Source, o.OrderID, got, want)
		}
	}
}

package testgen

import (
	"iter"
	"time"
)

// Sighting is one order as a marketplace shows its buyer: the identifier
// strings exactly as the layout writes them (formatted, noisy, masked or
// empty), with the true person behind it. Fields a layout does not have
// are empty.
type Sighting struct {
	Source   string
	Account  string
	Layout   string
	OrderID  string
	PackID   string // Mercado Livre cart id; its buyer fields come from the cart's summary row
	PersonID string // the buyer (truth)
	// RecipientID is the person the order ships to: the buyer, or someone
	// else for gifts.
	RecipientID string
	OrderedAt   time.Time

	BuyerRef string // marketplace username (Shopee, TikTok)
	Name     string // buyer name
	Document string // CPF/CNPJ
	Email    string
	Phone    string

	RecipientName  string
	RecipientPhone string
	Street         string
	Number         string
	CEP            string
	City           string
	UF             string // the state as written: a UF code, or a state name (Mercado Livre, Shopee)

	// Strong lists the buyer's strong identifiers the order shows in a
	// usable form, in their true values, as truth.csv's strong column
	// ("d:<document> e:<mailbox> p:<phone> u:<source>:<username>").
	Strong string
	// NameAddress is "CEP|number" of the buyer's own address when the
	// order shows the buyer's name with it, as truth.csv's name_address.
	NameAddress string
}

// Sightings yields, for every order Generate(cfg) would write, the
// identifiers it would write, without touching the disk. An invalid cfg
// yields nothing; check it with cfg.Validate.
func Sightings(cfg Config) iter.Seq[Sighting] {
	return func(yield func(Sighting) bool) {
		c, err := cfg.normalized()
		if err != nil {
			return
		}
		pop := buildPeople(c.Seed, c.People)
		cat := newCatalog(c.Seed)
		emit := func(lay *layout, p *purchase) bool {
			for j := range p.orders {
				o := &p.orders[j]
				s := Sighting{
					Source: lay.source, Account: Account, Layout: lay.name, OrderID: o.id, PackID: p.packID,
					PersonID: p.buyer.ID, RecipientID: p.recipient.ID, OrderedAt: o.at,
					BuyerRef: p.id.buyerRef, Name: p.id.name, Document: p.id.document, Email: p.id.email,
					Phone: p.id.phone, RecipientName: p.id.recipientName, RecipientPhone: p.id.recipientPhone,
					Street: p.id.street, Number: p.id.number, CEP: p.id.cep, City: p.id.city, UF: p.id.uf,
					Strong: p.ev.strong(), NameAddress: p.ev.nameAddress,
				}
				if !yield(s) {
					return false
				}
			}
			return true
		}
		for i, name := range c.Layouts {
			lay := layoutByName(name)
			g := newGen(&c, lay, c.rowsFor(i), pop, cat)
			for g.next() {
				if !emit(lay, &g.p) {
					return
				}
			}
			if name == LayoutShopeeToShip {
				stopped := false
				earlySightings(&c, pop, cat, func(p *purchase) bool {
					stopped = !emit(lay, p)
					return !stopped
				})
				if stopped {
					return
				}
			}
		}
	}
}

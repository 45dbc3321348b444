package dataset

import (
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// The functions below apply --pii to rows on their way to the dataset.
// Matching has already happened on the clear values in memory, so hashed
// or dropped output resolves customers exactly as clear output does. The
// kinds name what a value is, so equal values of one kind hash alike
// across tables, sources and runs, and joins keep working.

// ProtectOrder applies p to an orders row.
func ProtectOrder(p *pii.Protector, r *OrderRow) {
	if p.Mode() == pii.Clear {
		return
	}
	r.BuyerRef = p.Value("marketplace_user", r.BuyerRef)
	r.BuyerName = p.Value("name", r.BuyerName)
	r.BuyerDocument = p.Value(r.BuyerDocumentType, r.BuyerDocument)
	r.BuyerEmail = p.Value("email", r.BuyerEmail)
	r.BuyerPhone = p.Value("phone", r.BuyerPhone)
	r.RecipientName = p.Value("name", r.RecipientName)
	r.RecipientPhone = p.Value("phone", r.RecipientPhone)
	r.ShipStreet = p.Value("street", r.ShipStreet)
	r.ShipNumber = p.Value("street_number", r.ShipNumber)
	r.ShipPostalCode = p.PostalCode(r.ShipPostalCode)
	if p.Mode() == pii.Drop {
		r.BuyerDocumentType = ""
	}
}

// ProtectCustomer applies p to a customers row.
func ProtectCustomer(p *pii.Protector, r *CustomerRow) {
	if p.Mode() == pii.Clear {
		return
	}
	r.Name = p.Value("name", r.Name)
	r.Document = p.Value(documentType(r.Document), r.Document)
	r.Email = p.Value("email", r.Email)
	r.Phone = p.Value("phone", r.Phone)
	r.PostalCode = p.PostalCode(r.PostalCode)
	// Hashed as orders.buyer_ref is, so the two still join.
	users := r.Usernames[:0:0]
	for _, u := range r.Usernames {
		if v := p.Value("marketplace_user", u); v != "" {
			users = append(users, v)
		}
	}
	r.Usernames = users
}

// ProtectReject hides a reject's raw value: which columns of a seller's
// file are personal is not known in general, and the reason still says
// what was wrong (normalize masks personal values in reasons).
func ProtectReject(p *pii.Protector, r *RejectRow) {
	r.Value = p.Value("reject", r.Value)
}

func documentType(doc string) string {
	if len(doc) == 14 {
		return "cnpj"
	}
	return "cpf"
}

// WithoutProtected is a copy of an order without the identifiers a hashed
// or dropped dataset gave back: they are not values any more, and must not
// be matched as such.
func WithoutProtected(o *normalize.Order) *normalize.Order {
	c := *o
	clean := func(v *string) {
		if pii.Hashed(*v) {
			*v = ""
		}
	}
	clean(&c.Buyer.Ref)
	clean(&c.Buyer.Name)
	clean(&c.Buyer.Email)
	clean(&c.Buyer.Phone)
	if pii.Hashed(c.Buyer.Document) {
		c.Buyer.Document, c.Buyer.DocumentType = "", normalize.DocNone
	}
	clean(&c.Ship.RecipientName)
	clean(&c.Ship.RecipientPhone)
	clean(&c.Ship.Street)
	clean(&c.Ship.Number)
	return &c
}

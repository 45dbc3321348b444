package testgen

import "strings"

// evidence is what one order shows of its buyer, in the person's true
// (canonical) values: what a resolver could link it by, if it read every
// value the file writes and undid every format and noise. truth.csv and
// Sighting carry it, so that recall can be measured against the pairs the
// exports make linkable rather than against everything the truth knows.
type evidence struct {
	// Strong identifiers: a document, a personal mailbox, a phone (mobile
	// or landline) and a marketplace username, when written in a usable
	// form (not missing, masked or a placeholder).
	doc, email, phone, ref string
	// nameAddress is "CEP|number" of the buyer's own address when the
	// order shows the buyer's name with that address, CEP and street
	// number (a gift shows someone else's; "s/n" has no number).
	nameAddress string
}

// strong renders the strong identifiers as space-separated kind:value
// tokens (d: document, e: e-mail, p: phone, u: source:username).
func (e *evidence) strong() string {
	var parts []string
	for _, x := range []struct{ k, v string }{{"d:", e.doc}, {"e:", e.email}, {"p:", e.phone}, {"u:", e.ref}} {
		if x.v != "" {
			parts = append(parts, x.k+x.v)
		}
	}
	return strings.Join(parts, " ")
}

// ownAddress returns the buyer's "CEP|number" key when the purchase ships
// to the buyer's own numbered address, "" otherwise.
func ownAddress(p *purchase) string {
	if p.gift {
		return ""
	}
	a := p.buyer.Address
	if a.Number == "" || a.Number == "s/n" || a.CEP == "" {
		return ""
	}
	return a.CEP + "|" + a.Number
}

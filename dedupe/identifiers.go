package dedupe

import "github.com/orderhist/orderhist/normalize"

// Identifier is one strong identifier of an order: its kind and its
// normalized value, before Options.StoredValue.
type Identifier struct {
	Kind  Kind
	Value string
}

// Identifiers are the strong identifiers Observe records for o (documents,
// e-mails, marketplace users, phones; never the weak name-and-address key),
// in the form the identities table keys them before StoredValue. Erasure
// compares a returning buyer's orders with the identities of an erased
// customer through them, which is what makes an erasure stick under
// --pii drop, where no other table holds an identifier. A test checks
// that they are exactly the identities a resolver lists for o.
func Identifiers(o *normalize.Order) []Identifier {
	var ids []Identifier
	add := func(k kcode, v string) { ids = append(ids, Identifier{Kind: kindName[k], Value: v}) }
	b := &o.Buyer
	if k, d := document(b); k != kNone {
		add(k, d)
	}
	if e := b.Email; usable(e) && validEmail(e) {
		if b.EmailKind == normalize.EmailRelay {
			add(kRelay, e)
		} else {
			add(kEmail, normalize.EmailMatchKey(e))
		}
	}
	if ref := b.Ref; usable(ref) {
		add(kUser, o.Source+":"+o.Account+":"+ref)
	}
	if p := b.Phone; usable(p) && validPhone(p) {
		add(kPhone, p)
	}
	// The recipient's phone is the buyer's only when the names agree, as
	// in observe.
	name := ""
	if usable(b.Name) {
		name = b.Name
	}
	if rn, p := o.Ship.RecipientName, o.Ship.RecipientPhone; name != "" && usable(rn) && p != b.Phone && usable(p) && validPhone(p) {
		if nk := normalize.NameKey(name); nk != "" && (rn == name || normalize.NameKey(rn) == nk) {
			add(kPhone, p)
		}
	}
	return ids
}

package cmd

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
	"github.com/orderhist/orderhist/output"
)

// The functions below apply --pii to rows on their way to the dataset.
// Matching has already happened on the clear values in memory, so hashed
// or dropped output resolves customers exactly as clear output does. The
// kinds name what a value is, so equal values of one kind hash alike
// across tables, sources and runs, and joins keep working.

func protectOrder(p *pii.Protector, r *output.OrderRow) {
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

func protectCustomer(p *pii.Protector, r *output.CustomerRow, documentType string) {
	if p.Mode() == pii.Clear {
		return
	}
	r.Name = p.Value("name", r.Name)
	r.Document = p.Value(documentType, r.Document)
	r.Email = p.Value("email", r.Email)
	r.Phone = p.Value("phone", r.Phone)
	r.PostalCode = p.PostalCode(r.PostalCode)
}

// protectReject hides a reject's raw value: which columns of a seller's
// file are personal is not known in general, and the reason still says
// what was wrong (normalize masks personal values in reasons).
func protectReject(p *pii.Protector, r *output.RejectRow) {
	r.Value = p.Value("reject", r.Value)
}

func documentType(doc string) string {
	if len(doc) == 14 {
		return "cnpj"
	}
	return "cpf"
}

// checkPIIMode refuses to mix modes or keys in one dataset: hashed values
// from two keys, or clear values beside hashed ones, would never join.
func checkPIIMode(m *output.Manifest, g *globalOptions) error {
	if m == nil || m.PII == "" {
		return nil
	}
	if m.PII != g.pii {
		return usageErrorf("the dataset in %s was written with --pii %s; use the same mode (changing it means rebuilding the dataset from the exports)", g.out, m.PII)
	}
	if m.PIIKeyCheck != "" && m.PIIKeyCheck != g.protect.KeyCheck() {
		return usageErrorf("$%s is not the key the dataset in %s was hashed with", pii.KeyEnv, g.out)
	}
	return nil
}

// identityProtector is how identity values are stored. Under hash they
// use the seller's key, like every other table. Under drop they are still
// kept, as keyed hashes under a key that never leaves _state, because
// without them customers could not keep their ids from one run to the
// next; without the key, nobody can test them against a guessed CPF.
func identityProtector(g *globalOptions) (*pii.Protector, error) {
	if g.protect.Mode() != pii.Drop {
		return g.protect, nil
	}
	path := filepath.Join(g.out, stateDir, "identity.key")
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b := make([]byte, 32)
		rand.Read(b)
		key = []byte(hex.EncodeToString(b))
		if err := output.WriteFileAtomic(path, key, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return pii.New(string(pii.Hash), strings.TrimSpace(string(key)))
}

// withoutProtected is a copy of an order without the identifiers a hashed
// or dropped dataset gave back: they are not values any more, and must not
// be matched as such.
func withoutProtected(o *normalize.Order) *normalize.Order {
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

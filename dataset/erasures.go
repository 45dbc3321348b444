package dataset

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// AnonymousCustomer owns the orders kept as history after an erasure.
const AnonymousCustomer = "anonymous"

// erasedIdentifier is one identifier remembered after an erasure, as a
// keyed hash, so nothing personal is kept.
type erasedIdentifier struct {
	Kind       string `json:"kind"`
	Hash       string `json:"hash"`
	KeepOrders bool   `json:"keep_orders"`
}

// Erasures are the identifiers of buyers who asked to be forgotten:
// _state/erasures.json, with its hashing key in _state/erasure.key (0600);
// without the key the hashes cannot be tested against guesses.
type Erasures struct {
	key []byte
	IDs []erasedIdentifier `json:"identifiers"`
	// Orders are the keys (source, account, order id) of the erased
	// orders, so an export that holds them brings none back, whatever
	// identifiers it carries or lacks.
	Orders []erasedIdentifier `json:"orders,omitempty"`
	// stored is the --pii protector of the dataset: identifiers are also
	// compared in the form the dataset stores them (see storedIdentifiers).
	stored *pii.Protector
	// index finds a remembered identifier or order key ("kind\x00hash")
	// and says whether its orders are kept: an import looks up every
	// identifier of every order it reads, so the lookup must not grow
	// with the number of erasures.
	index map[string]bool
	// ident is how the identities table stores values (IdentityProtector):
	// identifiers are also compared in that form, with the kinds of
	// dedupe.Identifiers, which is how the identities of an erased
	// customer are recorded.
	ident *pii.Protector
}

// UseProtectors makes Match compare identifiers also in the form a dataset
// written under p stores them in its tables, and in the form ident (see
// IdentityProtector) stores them in the identities table: the forms Forget
// records them in.
func (e *Erasures) UseProtectors(p, ident *pii.Protector) { e.stored, e.ident = p, ident }

// identityKind prefixes the kinds of identities recorded from the
// identities table, apart from those read off orders.
const identityKind = "identity_"

func erasuresPath(dir string) string { return filepath.Join(dir, StateDir, "erasures.json") }

// LoadErasures reads the erasures of the dataset in dir. With create, a
// dataset without erasures gets its key, so identifiers can be added.
func LoadErasures(dir string, create bool) (*Erasures, error) {
	keyPath := filepath.Join(dir, StateDir, "erasure.key")
	e := &Erasures{}
	key, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
			return nil, err
		}
		if err := WriteFileAtomic(keyPath, []byte(hex.EncodeToString(key)), 0o600); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		return e, nil
	case err != nil:
		return nil, err
	default:
		if key, err = hex.DecodeString(strings.TrimSpace(string(key))); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", keyPath, err)
		}
	}
	e.key = key
	b, err := os.ReadFile(erasuresPath(dir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", erasuresPath(dir), err)
		}
	}
	e.index = make(map[string]bool, len(e.IDs)+len(e.Orders))
	// The first of two equal entries wins, as it did when they were
	// searched in order.
	for _, list := range [][]erasedIdentifier{e.Orders, e.IDs} {
		for _, x := range list {
			if k := x.Kind + "\x00" + x.Hash; !e.known(k) {
				e.index[k] = x.KeepOrders
			}
		}
	}
	return e, nil
}

func (e *Erasures) known(k string) bool {
	_, ok := e.index[k]
	return ok
}

func (e *Erasures) hash(kind, v string) string {
	m := hmac.New(sha256.New, e.key)
	m.Write([]byte(kind + "\x00" + v))
	return hex.EncodeToString(m.Sum(nil))
}

// Add remembers an identifier (kind as OrderIdentifiers names it).
func (e *Erasures) Add(kind, v string, keep bool) {
	h := e.hash(kind, v)
	if e.remember(kind, h, keep) {
		e.IDs = append(e.IDs, erasedIdentifier{Kind: kind, Hash: h, KeepOrders: keep})
	}
}

// remember indexes an entry, reporting whether it is new.
func (e *Erasures) remember(kind, h string, keep bool) bool {
	k := kind + "\x00" + h
	if e.known(k) {
		return false
	}
	if e.index == nil {
		e.index = map[string]bool{}
	}
	e.index[k] = keep
	return true
}

// AddOrder remembers the key of an erased order.
func (e *Erasures) AddOrder(source, account, orderID string, keep bool) {
	h := e.hash("order", source+"\x00"+account+"\x00"+orderID)
	if e.remember("order", h, keep) {
		e.Orders = append(e.Orders, erasedIdentifier{Kind: "order", Hash: h, KeepOrders: keep})
	}
}

// addStored remembers every identifier of o, an order as the dataset
// stores it under p.
func (e *Erasures) addStored(p *pii.Protector, o *normalize.Order, keep bool) {
	for _, id := range storedIdentifiers(p, o) {
		e.Add(id[0], id[1], keep)
	}
}

// Save writes the erasures of the dataset in dir, durably.
func (e *Erasures) Save(dir string) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(erasuresPath(dir), append(b, '\n'), 0o600)
}

// Match reports whether an order carries an erased identifier, and
// whether its orders are kept as history.
func (e *Erasures) Match(o *normalize.Order) (erased, keep bool) {
	if e == nil || len(e.IDs)+len(e.Orders) == 0 {
		return false, false
	}
	if len(e.Orders) > 0 {
		if keep, ok := e.index["order\x00"+e.hash("order", o.Source+"\x00"+o.Account+"\x00"+o.OrderID)]; ok {
			return true, keep
		}
	}
	ids := OrderIdentifiers(o)
	if e.stored != nil {
		ids = append(ids, storedIdentifiers(e.stored, o)...)
	}
	if e.ident != nil {
		for _, id := range dedupe.Identifiers(o) {
			ids = append(ids, [2]string{identityKind + string(id.Kind), e.ident.Value(string(id.Kind), id.Value)})
		}
	}
	for _, id := range ids {
		if keep, ok := e.index[id[0]+"\x00"+e.hash(id[0], id[1])]; ok {
			return true, keep
		}
	}
	return false, false
}

// OrderIdentifiers are an order's identifiers as erasure compares them:
// kind ("document", "email" or "phone") and value.
func OrderIdentifiers(o *normalize.Order) [][2]string {
	var ids [][2]string
	if o.Buyer.Document != "" {
		ids = append(ids, [2]string{"document", o.Buyer.Document})
	}
	if o.Buyer.Email != "" {
		ids = append(ids, [2]string{"email", normalize.EmailMatchKey(o.Buyer.Email)})
	}
	for _, p := range []string{o.Buyer.Phone, o.Ship.RecipientPhone} {
		if p != "" {
			ids = append(ids, [2]string{"phone", p})
		}
	}
	return ids
}

// storedIdentifiers are the identifiers of o in the form a dataset written
// under p stores them (clear, or keyed hashes under --pii hash), with kinds
// of their own ("stored_..."): marketplace user (source, account, buyer id
// or username), document, e-mail (personal or marketplace relay address)
// and phones. Forget records them from the dataset's rows; an import
// computes them from the clear order it reads, so both meet whatever the
// mode. p.Value leaves a value read back hashed as it is. Under --pii drop
// the rows hold none of them; the identities table does, and Forget
// records those too (identityKind).
func storedIdentifiers(p *pii.Protector, o *normalize.Order) [][2]string {
	var ids [][2]string
	add := func(kind, v string) {
		if v != "" {
			ids = append(ids, [2]string{"stored_" + kind, v})
		}
	}
	if ref := p.Value("marketplace_user", o.Buyer.Ref); ref != "" {
		add("marketplace_user", o.Source+"\x00"+o.Account+"\x00"+ref)
	}
	add("document", p.Value(string(o.Buyer.DocumentType), o.Buyer.Document))
	add("email", p.Value("email", o.Buyer.Email))
	add("phone", p.Value("phone", o.Buyer.Phone))
	add("phone", p.Value("phone", o.Ship.RecipientPhone))
	return ids
}

// Anonymize strips an order of everything personal.
func Anonymize(o *normalize.Order) {
	o.Buyer = normalize.Buyer{}
	o.Ship.RecipientName, o.Ship.RecipientPhone, o.Ship.Street, o.Ship.Number = "", "", "", ""
	if len(o.Ship.PostalCode) == 8 {
		o.Ship.PostalCode = o.Ship.PostalCode[:5] + "000"
	}
}

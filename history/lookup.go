package history

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// What a query matched a customer on, as Candidate.MatchedOn names it.
const (
	OnCustomerID = "customer id"
	OnDocument   = "cpf/cnpj"
	OnEmail      = "e-mail"
	OnPhone      = "phone"
	OnUsername   = "marketplace user"
	OnName       = "name"
)

// Candidate is a customer a lookup found.
type Candidate struct {
	CustomerID string
	Name       string   // as the customers table holds it; "" where masked
	Usernames  []string // marketplace usernames or buyer ids on their orders
	Channels   []string
	Orders     int
	LastOrder  *time.Time
	MatchedOn  []string // what the query matched: OnDocument, OnName, …
}

// Lookup finds the customers of the committed dataset ds that query names.
// A query is tried as each thing it can be, as a seller would type it:
//
//   - a customer id, exactly; when it is one, nothing else is tried;
//   - a CPF or CNPJ with any punctuation ("165.686.946-22");
//   - an e-mail in any case, compared the way the importer links them
//     (a "+tag" and Gmail's dots ignored);
//   - a phone in any Brazilian spelling, read as the importer reads it;
//   - a marketplace username or buyer id, in any case;
//   - a name, ignoring case, accents and punctuation; only when nothing
//     above matched. A whole name matches itself; a partial one ("maria
//     sil") matches every name that has a word starting with each of its
//     words, and is used only when no name matches whole.
//
// Under --pii hash the query is hashed with the dataset's key (from the
// environment, see dataset.LookupProtector), so identifiers still match;
// names match only whole, as the export wrote them. Under --pii drop only
// a customer id can be looked up: other queries fail with
// dataset.ErrLookupDropped. Candidates come sorted by latest order, newest
// first. Lookup only reads.
func Lookup(ctx context.Context, ds *dataset.Dataset, query string) ([]Candidate, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errors.New("an empty query matches no customer")
	}
	cands := map[string]*Candidate{}
	err := dataset.ReadTable(ctx, ds, dataset.TableCustomers, func(rows []lookupCustomer) error {
		for _, r := range rows {
			if r.CustomerID == query {
				cands[r.CustomerID] = r.candidate(OnCustomerID)
			}
		}
		return nil
	})
	if err != nil || len(cands) > 0 {
		return finish(ctx, ds, cands, err)
	}
	p, err := dataset.LookupProtector(ds.Manifest())
	if err != nil {
		return nil, err
	}
	q := newProbes(query, p)

	matched := map[string][]string{} // customer → what matched
	mark := func(id, on string) {
		if !slices.Contains(matched[id], on) {
			matched[id] = append(matched[id], on)
		}
	}
	err = dataset.ReadTable(ctx, ds, dataset.TableIdentities, func(rows []lookupIdentity) error {
		for _, r := range rows {
			if on := q.identity(r.Kind, r.Value); on != "" {
				mark(r.CustomerID, on)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byName := map[string]bool{} // customers whose name matched whole
	byPart := map[string]bool{} // … in part
	nameMatch := func(id, name string) {
		switch q.name(name) {
		case wholeName:
			byName[id] = true
		case partName:
			byPart[id] = true
		}
	}
	err = dataset.ReadTable(ctx, ds, dataset.TableOrders, func(rows []lookupOrder) error {
		for _, r := range rows {
			if q.username(r.BuyerRef) {
				mark(r.CustomerID, OnUsername)
			}
			nameMatch(r.CustomerID, r.BuyerName)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = dataset.ReadTable(ctx, ds, dataset.TableCustomers, func(rows []lookupCustomer) error {
		for _, r := range rows {
			nameMatch(r.CustomerID, r.Name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(matched) == 0 {
		names := byName
		if len(names) == 0 {
			names = byPart
		}
		for id := range names {
			mark(id, OnName)
		}
	}
	err = dataset.ReadTable(ctx, ds, dataset.TableCustomers, func(rows []lookupCustomer) error {
		for _, r := range rows {
			if on, ok := matched[r.CustomerID]; ok {
				c := r.candidate(on...)
				cands[r.CustomerID] = c
			}
		}
		return nil
	})
	return finish(ctx, ds, cands, err)
}

// finish adds the usernames of the candidates' orders and sorts them.
func finish(ctx context.Context, ds *dataset.Dataset, cands map[string]*Candidate, err error) ([]Candidate, error) {
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, nil
	}
	err = dataset.ReadTable(ctx, ds, dataset.TableOrders, func(rows []lookupOrder) error {
		for _, r := range rows {
			c := cands[r.CustomerID]
			if c != nil && r.BuyerRef != "" && !pii.Hashed(r.BuyerRef) && !slices.Contains(c.Usernames, r.BuyerRef) {
				c.Usernames = append(c.Usernames, r.BuyerRef)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, 0, len(cands))
	for _, c := range cands {
		slices.Sort(c.Usernames)
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b Candidate) int {
		return cmp.Or(cmp.Compare(timeOr(b.LastOrder), timeOr(a.LastOrder)), cmp.Compare(a.CustomerID, b.CustomerID))
	})
	return out, nil
}

func timeOr(t *time.Time) int64 {
	if t == nil {
		return -1 << 62
	}
	return t.UnixMicro()
}

type lookupCustomer struct {
	CustomerID  string     `parquet:"customer_id"`
	Name        string     `parquet:"name,optional"`
	LastOrderAt *time.Time `parquet:"last_order_at,optional,timestamp(microsecond)"`
	OrdersCount int32      `parquet:"orders_count"`
	Channels    []string   `parquet:"channels,list"`
}

func (r *lookupCustomer) candidate(on ...string) *Candidate {
	c := &Candidate{CustomerID: r.CustomerID, Orders: int(r.OrdersCount), Channels: slices.Clone(r.Channels), MatchedOn: on}
	if !pii.Hashed(r.Name) {
		c.Name = r.Name
	}
	if r.LastOrderAt != nil {
		t := *r.LastOrderAt
		c.LastOrder = &t
	}
	return c
}

type lookupIdentity struct {
	CustomerID string `parquet:"customer_id"`
	Kind       string `parquet:"kind"`
	Value      string `parquet:"value"`
}

type lookupOrder struct {
	CustomerID string `parquet:"customer_id"`
	BuyerRef   string `parquet:"buyer_ref,optional"`
	BuyerName  string `parquet:"buyer_name,optional"`
}

// probes are the stored forms a query can take, one per thing it can be.
type probes struct {
	p       *pii.Protector
	idents  map[[2]string]string // (kind, stored value) → what it matched on
	users   map[string]bool      // stored usernames; in clear, folded to lower case
	names   map[string]bool      // stored whole names (under hash only)
	nameKey string               // the query as a name key (in clear only)
	words   []string
}

func newProbes(query string, p *pii.Protector) *probes {
	q := &probes{p: p, idents: map[[2]string]string{}, users: map[string]bool{}, names: map[string]bool{}}
	add := func(kind, v, on string) {
		if v != "" {
			q.idents[[2]string{kind, p.Value(kind, v)}] = on
		}
	}
	if doc, typ, err := normalize.ParseDocument(query); err == nil && typ != normalize.DocNone {
		add(string(typ), doc, OnDocument)
	}
	if strings.Contains(query, "@") {
		if addr, kind, err := normalize.ParseEmail(query); err == nil && addr != "" {
			if kind == normalize.EmailRelay {
				add("relay_email", addr, OnEmail)
			} else {
				add("email", normalize.EmailMatchKey(addr), OnEmail)
			}
		}
	}
	if phone, err := normalize.ParsePhone(query); err == nil && phone != "" {
		add("phone", phone, OnPhone)
	}
	user := strings.TrimPrefix(query, "@")
	if p.Mode() == pii.Clear {
		q.users[strings.ToLower(user)] = true
	} else {
		q.users[p.Value("marketplace_user", user)] = true
		q.users[p.Value("marketplace_user", strings.ToLower(user))] = true
	}
	if p.Mode() == pii.Clear {
		q.nameKey = normalize.NameKey(query)
		if strings.IndexFunc(q.nameKey, unicode.IsLetter) >= 0 {
			q.words = strings.Fields(q.nameKey)
		} else {
			q.nameKey = "" // digits alone are not a name
		}
	} else {
		// A hashed name matches only as the export wrote it: try the
		// spellings exports use.
		n := strings.Join(strings.Fields(query), " ")
		for _, v := range []string{n, strings.ToUpper(n), strings.ToLower(n), titleCase(n)} {
			q.names[p.Value("name", v)] = true
		}
	}
	return q
}

// identity tells what an identities row matched on, or "".
func (q *probes) identity(kind, value string) string {
	return q.idents[[2]string{kind, value}]
}

func (q *probes) username(ref string) bool {
	if ref == "" {
		return false
	}
	if q.p.Mode() == pii.Clear {
		return q.users[strings.ToLower(ref)]
	}
	return q.users[ref]
}

type nameMatch int

const (
	noName nameMatch = iota
	partName
	wholeName
)

func (q *probes) name(name string) nameMatch {
	if name == "" {
		return noName
	}
	if q.p.Mode() != pii.Clear {
		if q.names[name] {
			return wholeName
		}
		return noName
	}
	if q.nameKey == "" {
		return noName
	}
	key := normalize.NameKey(name)
	if key == q.nameKey {
		return wholeName
	}
	words := strings.Fields(key)
	used := make([]bool, len(words))
next:
	for _, w := range q.words {
		for i, nw := range words {
			if !used[i] && strings.HasPrefix(nw, w) {
				used[i] = true
				continue next
			}
		}
		return noName
	}
	return partName
}

// titleCase capitalises each word of a name but the particles Portuguese
// names keep in lower case ("Maria da Silva").
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if i > 0 && slices.Contains([]string{"da", "das", "de", "do", "dos", "e"}, w) {
			continue
		}
		r := []rune(w)
		r[0] = unicode.ToUpper(r[0])
		words[i] = string(r)
	}
	return strings.Join(words, " ")
}

// AmbiguousError says several customers match a query; Candidates lists
// them, for the seller to choose one by its id.
type AmbiguousError struct {
	Query      string
	Candidates []Candidate
}

func (e *AmbiguousError) Error() string {
	return fmt.Sprintf("%d customers match %q: run explain again with one of their customer ids", len(e.Candidates), e.Query)
}

// NotFoundError says no customer matches a query.
type NotFoundError struct {
	Query string
	Dir   string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no customer in %s matches %q (tried as a customer id, CPF/CNPJ, e-mail, phone, marketplace username and name)", e.Dir, e.Query)
}

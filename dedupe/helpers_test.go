package dedupe

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

var asOf = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// cpfOf returns a valid CPF whose first nine digits are base.
func cpfOf(base int) string {
	d := []byte(fmt.Sprintf("%09d", base%1_000_000_000))
	for k := 9; k <= 10; k++ {
		sum := 0
		for i := range k {
			sum += int(d[i]-'0') * (k + 1 - i)
		}
		d = append(d, byte('0'+sum*10%11%10))
	}
	return string(d)
}

// cnpjOf returns a valid numeric CNPJ whose first twelve digits are base.
func cnpjOf(base int) string {
	d := []byte(fmt.Sprintf("%012d", base))
	for k := 12; k <= 13; k++ {
		sum, w := 0, k-7
		for i := range k {
			sum += int(d[i]-'0') * w
			w--
			if w < 2 {
				w = 9
			}
		}
		dv := 0
		if r := sum % 11; r >= 2 {
			dv = 11 - r
		}
		d = append(d, byte('0'+dv))
	}
	return string(d)
}

type opt func(*normalize.Order)

func mk(source, id string, day int, opts ...opt) *normalize.Order {
	o := &normalize.Order{
		Source:     source,
		Account:    "main",
		OrderID:    id,
		OrderedAt:  asOf.AddDate(0, 0, -day),
		Status:     normalize.StatusDelivered,
		OrderTotal: normalize.Cents(10000),
		Lines:      []normalize.Line{{LineNo: 1, Quantity: 1}},
	}
	for _, f := range opts {
		f(o)
	}
	return o
}

func name(n string) opt { return func(o *normalize.Order) { o.Buyer.Name = n } }
func cpf(d string) opt {
	return func(o *normalize.Order) { o.Buyer.Document, o.Buyer.DocumentType = d, normalize.DocCPF }
}
func email(e string) opt {
	return func(o *normalize.Order) { o.Buyer.Email, o.Buyer.EmailKind = e, normalize.EmailPersonal }
}
func relay(e string) opt {
	return func(o *normalize.Order) { o.Buyer.Email, o.Buyer.EmailKind = e, normalize.EmailRelay }
}
func phone(p string) opt { return func(o *normalize.Order) { o.Buyer.Phone = p } }
func ref(r string) opt   { return func(o *normalize.Order) { o.Buyer.Ref = r } }
func acct(a string) opt  { return func(o *normalize.Order) { o.Account = a } }
func total(c int64) opt  { return func(o *normalize.Order) { o.OrderTotal = normalize.Cents(c) } }
func qty(q int32) opt {
	return func(o *normalize.Order) { o.Lines = []normalize.Line{{LineNo: 1, Quantity: q}} }
}
func at(t time.Time) opt { return func(o *normalize.Order) { o.OrderedAt = t } }
func undated() opt       { return func(o *normalize.Order) { o.OrderedAt = time.Time{} } }
func status(s normalize.Status) opt {
	return func(o *normalize.Order) { o.Status = s }
}
func addr(cep, number, city, uf string) opt {
	return func(o *normalize.Order) {
		o.Ship.Street, o.Ship.Number, o.Ship.PostalCode, o.Ship.City, o.Ship.State = "Rua das Flores", number, cep, city, uf
	}
}
func recipient(n, p string) opt {
	return func(o *normalize.Order) { o.Ship.RecipientName, o.Ship.RecipientPhone = n, p }
}

// resolve observes orders in the given order with options and returns the
// result.
func resolve(t testing.TB, opts Options, orders ...*normalize.Order) *Result {
	t.Helper()
	r := NewResolver(opts)
	for _, o := range orders {
		r.Observe(o)
	}
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func cid(res *Result, o *normalize.Order) string {
	return res.CustomerID(o.Source, o.Account, o.OrderID)
}

// groups returns the orders' customer ids.
func ids(res *Result, orders ...*normalize.Order) []string {
	out := make([]string, len(orders))
	for i, o := range orders {
		out[i] = cid(res, o)
	}
	return out
}

func assertSame(t *testing.T, res *Result, orders ...*normalize.Order) {
	t.Helper()
	got := ids(res, orders...)
	for i := range got {
		if got[i] == "" || got[i] != got[0] {
			t.Fatalf("want one customer for %s, got %v", keysOf(orders), got)
		}
	}
}

func assertApart(t *testing.T, res *Result, a, b *normalize.Order) {
	t.Helper()
	if x, y := cid(res, a), cid(res, b); x == "" || y == "" || x == y {
		t.Fatalf("want %s and %s apart, got %q and %q", a.OrderID, b.OrderID, x, y)
	}
}

func keysOf(orders []*normalize.Order) []string {
	var k []string
	for _, o := range orders {
		k = append(k, o.Source+"/"+o.OrderID)
	}
	return k
}

func customers(res *Result) map[string]Customer {
	m := map[string]Customer{}
	for c := range res.Customers() {
		m[c.ID] = c
	}
	return m
}

func identities(res *Result) []Identity { return slices.Collect(res.Identities()) }

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

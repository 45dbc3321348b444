package testgen

import (
	"fmt"
	"strconv"
	"time"
)

var amazonHeader = []string{
	"amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
	"fulfillment-channel", "sales-channel", "order-channel", "ship-service-level", "product-name", "sku", "asin",
	"item-status", "quantity", "currency", "item-price", "item-tax", "shipping-price", "shipping-tax",
	"gift-wrap-price", "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
	"ship-state", "ship-postal-code", "ship-country", "promotion-ids", "cpf", "is-business-order",
	"purchase-order-number", "price-designation",
}

const amazonCPFCol = 28

const (
	amzShipped = iota
	amzUnshipped
	amzPending
	amzCancelled
)

var amazonStatuses = newWeighted([]int{amzShipped, amzUnshipped, amzPending, amzCancelled}, []float64{85, 5, 4, 6})

func buildAmazon(g *gen, p *purchase, left int) {
	r := g.r
	n := min(linesPerOrder.pick(r), left)
	p.rows = n
	p.at = g.timeAt(n)
	o := p.addOrder()
	o.at = p.at
	// The two Amazon reports draw from disjoint halves of the id space, so
	// an id never names two different orders.
	half := pow10(15) / 2
	x := permute(g.seq, half, g.idKey)
	if g.lay.name == LayoutAmazonLastUpdate {
		x += half
	}
	o.id = fmt.Sprintf("70%d-%07d-%07d", x/pow10(14), x/pow10(7)%pow10(7), x%pow10(7))
	p.status = amazonStatuses.pick(r)
	o.cancelled = p.status == amzCancelled
	p.updated = p.at.Add(time.Duration(600+r.IntN(9*24*3600)) * time.Second)
	g.fillLines(o, n)
	if o.cancelled {
		// Cancelled rows carry no quantity and no money.
		o.items = 0
	} else {
		for _, l := range o.lines {
			p.units += l.qty
		}
		o.shipping = g.shippingFee(o.items, g.weight(o))
	}
	p.itemsTotal = o.items
	p.orderTotal = o.items + o.shipping
	p.payment = "Merchant"
	if chance(r, 0.4) {
		p.payment = "Amazon"
	}

	nz, b := &g.nz, p.buyer
	a := p.recipient.Address
	id := ident{city: nz.city(r, a.City), uf: nz.uf(r, a), cep: nz.cep(r, a.CEP, true, false)}
	if g.lay.name == LayoutAmazon && !chance(r, nz.amazonNoCPF) {
		id.document = b.Document
		p.ev.doc = b.Document
	}
	p.id = id
}

type amazonWriter struct {
	t      *tsvWriter
	cpf    bool
	fields []string
}

func openAmazon(cpf bool) func(string, *Config) (rowWriter, error) {
	return func(path string, _ *Config) (rowWriter, error) {
		t, err := newTSV(path)
		if err != nil {
			return nil, err
		}
		w := &amazonWriter{t: t, cpf: cpf}
		for i, h := range amazonHeader {
			if i != amazonCPFCol || cpf {
				w.fields = append(w.fields, h)
			}
		}
		if err := t.line(w.fields); err != nil {
			return nil, err
		}
		return w, nil
	}
}

var amazonStatusText = [...]string{"Shipped", "Unshipped", "Pending", "Cancelled"}
var amazonItemStatus = [...]string{"Shipped", "Unshipped", "Unshipped", "Cancelled"}

func (w *amazonWriter) write(p *purchase) error {
	o, id := &p.orders[0], &p.id
	purchased := o.at.Format("2006-01-02T15:04:05+00:00")
	updated := p.updated.UTC().Format("2006-01-02T15:04:05+00:00")
	level := "Standard"
	if o.shipping > 2500 {
		level = "Expedited"
	}
	business := "false"
	if p.buyer.Company {
		business = "true"
	}
	for i, l := range o.lines {
		qty, price, ship := strconv.Itoa(l.qty), dotMoney(l.total), "0.00"
		if i == 0 {
			ship = dotMoney(o.shipping)
		}
		if o.cancelled {
			qty, price, ship = "0", "", ""
		}
		f := w.fields[:0]
		f = append(f, o.id, "", purchased, updated, amazonStatusText[p.status], p.payment, "Amazon.com.br", "",
			level, l.prod.fullTitle(" "), l.prod.sku, l.prod.asin, amazonItemStatus[p.status], qty, "BRL",
			price, "", ship, "", "", "", "", "", id.city, id.uf, id.cep, "BR", "")
		if w.cpf {
			f = append(f, id.document)
		}
		f = append(f, business, "", "")
		if err := w.t.line(f); err != nil {
			return err
		}
	}
	return nil
}

func (w *amazonWriter) close() error { return w.t.close() }

package testgen

import (
	"bufio"
	"encoding/csv"
	"os"
	"strconv"
	"time"
)

var shopifyHeader = []string{
	"Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at", "Accepts Marketing",
	"Currency", "Subtotal", "Shipping", "Taxes", "Total", "Discount Code", "Discount Amount", "Shipping Method",
	"Created at", "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price", "Lineitem sku",
	"Lineitem requires shipping", "Lineitem taxable", "Lineitem fulfillment status", "Billing Name", "Billing Street",
	"Billing Address1", "Billing Address2", "Billing Company", "Billing City", "Billing Zip", "Billing Province",
	"Billing Country", "Billing Phone", "Shipping Name", "Shipping Street", "Shipping Address1", "Shipping Address2",
	"Shipping Company", "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country", "Shipping Phone",
	"Notes", "Note Attributes", "Cancelled at", "Payment Method", "Payment Reference", "Refunded Amount", "Vendor",
	"Outstanding Balance", "Employee", "Location", "Device ID", "Id", "Tags", "Risk Level", "Source",
	"Lineitem discount", "Tax 1 Name", "Tax 1 Value", "Tax 2 Name", "Tax 2 Value", "Tax 3 Name", "Tax 3 Value",
	"Tax 4 Name", "Tax 4 Value", "Tax 5 Name", "Tax 5 Value", "Phone", "Receipt Number", "Duties",
	"Billing Province Name", "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
	"Payment References",
}

const (
	shopifyPaidFulfilled = iota
	shopifyPaidUnfulfilled
	shopifyPending
	shopifyRefunded
	shopifyVoided
)

var shopifyStatuses = newWeighted([]int{shopifyPaidFulfilled, shopifyPaidUnfulfilled, shopifyPending, shopifyRefunded, shopifyVoided},
	[]float64{80, 8, 4, 4, 4})

var shopifyPayments = newWeighted([]string{"Pix", "Cartão de crédito", "Boleto"}, []float64{50, 45, 5})

// shopifyExtra is what only the Shopify writer needs.
type shopifyExtra struct {
	billName, billStreet, billAddr2, billCity, billZip, billPhone, phone string
	shipStreet, shipAddr2, shipZip, shipUF, shipState, billUF, billState string
	notes, company                                                       string
}

func buildShopify(g *gen, p *purchase, left int) {
	r := g.r
	n := min(linesPerOrder.pick(r), left)
	p.rows = n
	p.at = g.timeAt(n)
	o := p.addOrder()
	o.at = p.at
	p.shopName = "#" + strconv.FormatUint(1001+g.seq, 10)
	o.id = p.shopName
	// Shopify ids grow with time; the step keeps them unique.
	p.shopID = strconv.FormatUint(5_001_000_000_000+g.seq*1013+uint64(r.IntN(1000)), 10)
	p.status = shopifyStatuses.pick(r)
	o.cancelled = p.status == shopifyVoided || p.status == shopifyRefunded
	g.fillLines(o, n)
	for _, l := range o.lines {
		p.units += l.qty
	}
	o.shipping = g.shippingFee(o.items, g.weight(o))
	p.itemsTotal = o.items
	p.orderTotal = o.items + o.shipping
	p.payment = shopifyPayments.pick(r)
	p.paidAt = o.at.Add(time.Duration(60+r.IntN(300)) * time.Second)
	p.updated = o.at.Add(time.Duration(24+r.IntN(96)) * time.Hour)

	nz, b, rc := &g.nz, p.buyer, p.recipient
	ba, sa := b.Address, rc.Address
	email := b.ShopifyEmail
	if email == "" {
		email = b.Email
	}
	id := ident{
		name: nz.name(r, b), email: nz.email(r, email), recipientName: nz.name(r, rc),
		street: nz.street(r, sa.Street) + ", " + sa.Number, city: nz.city(r, sa.City), uf: sa.UF,
		cep: "'" + nz.cep(r, sa.CEP, true, false),
	}
	if chance(r, nz.missingEmail) {
		id.email = ""
	} else {
		p.ev.email = email
	}
	p.ev.nameAddress = ownAddress(p)
	ph := b.Phone
	if b.Landline != "" && chance(r, nz.landlineAsPhone) {
		ph = b.Landline
	}
	switch {
	case chance(r, nz.placeholder):
		id.phone = placeholderPhone
	case chance(r, nz.missingPhone):
	default:
		id.phone = nz.phone(r, ph, phoneE164)
		p.ev.phone = ph
	}
	id.recipientPhone = id.phone
	if p.gift {
		id.recipientPhone = nz.phone(r, rc.Phone, phoneE164)
	}
	// Brazilian checkout apps keep the CPF in the order's note attributes.
	var notes string
	if chance(r, 0.6) {
		switch {
		case chance(r, nz.placeholder):
			id.document = placeholderCPF
		case chance(r, nz.missingDoc):
		default:
			id.document = nz.document(r, b.Document, true, false)
			p.ev.doc = b.Document
		}
		if id.document != "" {
			notes = "cpf: " + id.document + "\n"
		}
	}
	notes += "shipping_street_number: " + sa.Number
	ex := shopifyExtra{
		billName: id.name, billStreet: nz.street(r, ba.Street) + ", " + ba.Number, billAddr2: ba.Complement,
		billCity: nz.city(r, ba.City), billZip: "'" + nz.cep(r, ba.CEP, true, false), billPhone: id.phone, phone: id.phone,
		shipStreet: id.street, shipAddr2: sa.Complement, shipZip: id.cep, shipUF: sa.UF, shipState: sa.State,
		billUF: ba.UF, billState: ba.State, notes: notes,
	}
	if b.Company {
		ex.company = b.Name
	}
	if chance(r, 0.5) {
		ex.phone = ""
	}
	p.id = id
	p.shopify = ex
}

type shopifyWriter struct {
	f    *os.File
	bw   *bufio.Writer
	w    *csv.Writer
	rec  []string
	zone *time.Location
}

func openShopify(path string, _ *Config) (rowWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	w := &shopifyWriter{f: f, bw: bw, w: csv.NewWriter(bw), rec: make([]string, len(shopifyHeader)), zone: saoPaulo}
	if err := w.w.Write(shopifyHeader); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// time writes the store's local time with its offset.
func (w *shopifyWriter) time(t time.Time) string {
	return t.In(w.zone).Format("2006-01-02 15:04:05 -0700")
}

func (w *shopifyWriter) write(p *purchase) error {
	o, id, ex := &p.orders[0], &p.id, &p.shopify
	fin, ful, lineFul := "paid", "fulfilled", "fulfilled"
	paidAt, fulAt, cancelledAt, refunded := w.time(p.paidAt), w.time(p.updated), "", "0.00"
	switch p.status {
	case shopifyPaidUnfulfilled:
		ful, lineFul, fulAt = "unfulfilled", "", ""
	case shopifyPending:
		fin, ful, lineFul, paidAt, fulAt = "pending", "unfulfilled", "", "", ""
	case shopifyRefunded:
		fin, ful, lineFul, fulAt = "refunded", "unfulfilled", "", ""
		cancelledAt, refunded = w.time(p.updated), dotMoney(p.orderTotal)
	case shopifyVoided:
		fin, ful, lineFul, paidAt, fulAt = "voided", "unfulfilled", "", "", ""
		cancelledAt = w.time(p.updated)
	}
	method := "PAC"
	if o.shipping == 0 {
		method = "Frete Grátis"
	}
	for i, l := range o.lines {
		rec := w.rec
		for j := range rec {
			rec[j] = ""
		}
		rec[0], rec[1] = p.shopName, id.email
		rec[16], rec[17], rec[18], rec[20] = strconv.Itoa(l.qty), l.prod.fullTitle(" - "), dotMoney(l.unit), l.prod.sku
		rec[21], rec[22], rec[23] = "true", "true", lineFul
		rec[50], rec[59] = "Loja Exemplo", "0.00"
		if i == 0 {
			copy(rec[2:16], []string{fin, paidAt, ful, fulAt, "no", "BRL", dotMoney(o.items), dotMoney(o.shipping),
				"0.00", dotMoney(p.orderTotal), "", "0.00", method, w.time(o.at)})
			copy(rec[24:50], []string{ex.billName, ex.billStreet, ex.billStreet, ex.billAddr2, ex.company, ex.billCity,
				ex.billZip, ex.billUF, "BR", ex.billPhone, id.recipientName, ex.shipStreet, ex.shipStreet, ex.shipAddr2, "",
				id.city, ex.shipZip, ex.shipUF, "BR", id.recipientPhone, "", ex.notes, cancelledAt, p.payment, "", refunded})
			rec[51], rec[55], rec[57], rec[58] = "0.00", p.shopID, "Low", "web"
			rec[70], rec[73], rec[74] = ex.phone, ex.billState, ex.shipState
		}
		if err := w.w.Write(rec); err != nil {
			return err
		}
	}
	return nil
}

func (w *shopifyWriter) close() error {
	w.w.Flush()
	if err := w.w.Error(); err != nil {
		w.f.Close()
		return err
	}
	if err := w.bw.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

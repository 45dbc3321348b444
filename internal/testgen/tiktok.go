package testgen

import (
	"fmt"
	"strconv"
	"time"
)

var tiktokHeader = []string{
	"Order ID", "Package ID", "Order Status", "Order Substatus", "Cancelation/Return Type", "Normal or Pre-order",
	"SKU ID", "Seller SKU", "Product Name", "Variation", "Product Category", "Quantity", "Sku Quantity of return",
	"SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount",
	"SKU Subtotal After Discount", "Shipping Fee After Discount", "Original Shipping Fee",
	"Shipping Fee Seller Discount", "Shipping Fee Platform Discount", "Payment platform discount", "Order Amount",
	"Payment Method", "Order Refund Amount", "Cancel By", "Cancel Reason", "Created Time", "Paid Time", "RTS Time",
	"Shipped Time", "Delivered Time", "Cancelled Time", "Fulfillment Type", "Warehouse Name", "Tracking ID",
	"Delivery Option Type", "Delivery Option", "Weight(kg)", "Shipping Provider Name", "Buyer Username",
	"CPF Number", "CPF Name", "Recipient", "Phone #", "Street Name", "Street Number", "Neighborhood",
	"House Name or Number", "City", "State", "Country", "Zipcode", "Shipping Information", "Invoice Status",
	"Buyer Message", "Seller Note",
}

// tiktokDescriptions is row 2 of the export, which documents each column
// and is not data.
var tiktokDescriptions = []string{
	"Platform unique order ID.", "The order's Package ID", "Current order status.", "",
	"The filed to explain the order is in cancellation or in return/refund.", "", "Platform SKU ID.",
	"Seller sku input by the seller in the product system.", "Platform product name.", "Platform SKU variation",
	"SKU's product category.", "SKU sold quantity in the order.", "SKU quantity of return.",
	"SKU unit original price.", "SKU subtotal before discount.", "SKU discount by platform.",
	"SKU discount by seller.", "SKU subtotal after discount.", "Shipping fee after discount.",
	"Original shipping fee.", "Shipping fee discount by seller.", "Shipping fee discount by platform.",
	"Payment discount by platform.", "Total amount of the order.", "Payment method.", "Refund amount of the order.",
	"Who cancelled the order.", "Reason of cancellation.", "Order creation time.", "Order payment time.",
	"Ready to ship time.", "Shipped time.", "Delivered time.", "Cancelled time.", "Fulfillment type.",
	"Warehouse name.", "Tracking ID.", "Delivery option type.", "Delivery option.", "Package weight in kg.",
	"Shipping provider name.", "Buyer username.", "Buyer CPF number.", "Name on the CPF.", "Recipient name.",
	"Recipient phone number.", "Street name.", "Street number.", "Neighborhood.", "House name or number.",
	"City.", "State.", "Country.", "Zipcode.", "Full shipping information.", "Invoice status.", "Buyer message.",
	"Seller note.",
}

var tiktokPayments = newWeighted([]string{"Pix", "Cartão de crédito", "Boleto bancário"}, []float64{60, 35, 5})

// tiktokTime writes TikTok's US-style 12-hour wall time: "03/17/2026 10:25:21 AM".
func tiktokTime(t time.Time) string { return t.In(saoPaulo).Format("01/02/2006 03:04:05 PM") }

func brl(c int64) string { return "BRL " + brMoney(c) }

func buildTikTok(g *gen, p *purchase, left int) {
	r := g.r
	n := min(linesPerOrder.pick(r), left)
	p.rows = n
	p.at = g.timeAt(n)
	o := p.addOrder()
	o.at = p.at
	o.id = "58" + fmt.Sprintf("%016d", permute(g.seq, pow10(16), uint64(g.cfg.Seed)^0x717))
	p.pkgID = "11" + fmt.Sprintf("%017d", permute(g.seq, pow10(17), uint64(g.cfg.Seed)^0x9a3))
	o.status, o.detail = "A ser enviado", "Aguardando envio"
	if chance(r, 0.25) {
		o.detail = "Aguardando coleta"
	}
	g.fillLines(o, n)
	for _, l := range o.lines {
		p.units += l.qty
	}
	o.shipping = g.shippingFee(o.items, g.weight(o))
	p.itemsTotal = o.items
	p.orderTotal = o.items + o.shipping
	p.payment = tiktokPayments.pick(r)
	p.paidAt = o.at.Add(time.Duration(30+r.IntN(600)) * time.Second)

	nz, b, rc := &g.nz, p.buyer, p.recipient
	a := rc.Address
	user := b.TikTokUser
	if user == "" {
		user = "user" + strconv.Itoa(1_000_000_000+b.Index)
	}
	ph := rc.Phone
	id := ident{
		buyerRef: user, name: nz.name(r, b), recipientName: nz.name(r, rc),
		// "(+55)119******55": DDD, the mobile's first digit, the last two.
		recipientPhone: "(+55)" + ph[3:6] + "******" + ph[len(ph)-2:],
		street:         nz.street(r, a.Street), number: a.Number, complement: a.Complement, district: a.Neighborhood,
		city: a.City, uf: a.UF, cep: a.CEP,
	}
	if !chance(r, nz.missingDoc) {
		id.document = b.Document
		p.ev.doc = b.Document
	}
	p.ev.ref = SourceTikTok + ":" + user
	p.ev.nameAddress = ownAddress(p)
	p.id = id
}

type tiktokWriter struct {
	x    *xlsxOut
	cols []any
}

func openTikTok(path string, _ *Config) (rowWriter, error) {
	x, err := newXLSX(path, "OrderSKUList", false)
	if err != nil {
		return nil, err
	}
	w := &tiktokWriter{x: x, cols: make([]any, len(tiktokHeader))}
	for _, row := range [][]string{tiktokHeader, tiktokDescriptions} {
		for i, s := range row {
			w.cols[i] = s
		}
		if err := x.writeRow(w.cols); err != nil {
			return nil, err
		}
	}
	return w, nil
}

func (w *tiktokWriter) write(p *purchase) error {
	o, id := &p.orders[0], &p.id
	created := tiktokTime(o.at)
	paid := tiktokTime(p.paidAt)
	original := o.shipping
	if original == 0 {
		original = 1200 + o.items%800
	}
	info := id.recipientName + "\n" + id.recipientPhone + "\n" + id.street + " " + id.number + " " + id.district
	if id.complement != "" {
		info += " " + id.complement
	}
	info += "\n" + id.city + ", " + id.uf + "\n" + id.cep + "\nBrasil"
	for _, l := range o.lines {
		kg := float64(l.prod.grams*l.qty) / 1000
		v := []string{
			o.id, p.pkgID, o.status, o.detail, "", "Normal", l.prod.tiktokSKU, l.prod.sku, l.prod.title,
			orDefault(l.prod.varValue, "Padrão"), l.prod.category, strconv.Itoa(l.qty), "0", brl(l.unit), brl(l.total),
			brl(0), brl(0), brl(l.total), brl(o.shipping), brl(original), brl(0), brl(original - o.shipping), "",
			brl(p.orderTotal), p.payment, "", "", "", created, paid, "", "", "", "", "Fulfillment by seller", "Depósito 1", "",
			"Shipped via platform", "Entrega padrão", strconv.FormatFloat(kg, 'f', -1, 64), "", id.buyerRef, id.document,
			id.name, id.recipientName, id.recipientPhone, id.street, id.number, id.district, id.complement, id.city,
			id.uf, "Brasil", id.cep, info, "", "", "",
		}
		for i, s := range v {
			w.cols[i] = s
		}
		if err := w.x.writeRow(w.cols); err != nil {
			return err
		}
	}
	return nil
}

func (w *tiktokWriter) close() error { return w.x.close() }

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

package testgen

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// shopeeHeader is Order.all's header (62 columns). Order.toship has the
// same without "Cancelar Motivo".
var shopeeHeader = []string{
	"ID do pedido", "Status do pedido", "Hot Listing", "Cancelar Motivo", "Status da Devolução / Reembolso",
	"Número de rastreamento", "Opção de envio", "Método de envio", "Data prevista de envio", "Tempo de Envio",
	"Data de criação do pedido", "Hora do pagamento do pedido", "Nº de referência do SKU principal", "Nome do Produto",
	"Número de referência SKU", "Nome da variação", "Preço original", "Preço acordado", "Quantidade",
	"Returned quantity", "Subtotal do produto", "Desconto do vendedor", "Desconto do vendedor",
	"Incentivo Shopee para ação comercial", "Ajuste por participação em ação comercial", "Peso total SKU",
	"Número de produtos pedidos", "Peso total do pedido", "Código do Cupom", "Cupom do vendedor",
	"Seller Absorbed Coin Cashback", "Cupom Shopee", "Indicador da Leve Mais por Menos",
	"Desconto Shopee da Leve Mais por Menos", "Desconto da Leve Mais por Menos do vendedor", "Compensar Moedas Shopee",
	"Total descontado Cartão de Crédito", "Valor Total", "Taxa de envio pagas pelo comprador",
	"Desconto de Frete Aproximado", "Taxa de Envio Reversa", "Taxa de transação", "Taxa de comissão bruta",
	"Net Commission Fee", "Taxa de serviço bruta", "Taxa de serviço líquida", "Total global", "Valor estimado do frete",
	"Nome de usuário (comprador)", "Nome do destinatário", "Telefone", "CPF do Comprador", "Endereço de entrega",
	"Cidade", "Bairro", "Cidade", "UF", "País", "CEP", "Observação do comprador", "Hora completa do pedido", "Nota",
}

const shopeeCancelCol = 3

type shopeeStatus struct {
	status string
	masked bool // Shopee hides buyer data once the order needs no shipping
	kind   int  // 0 done, 1 cancelled, 2 shipping, 3 to ship
}

var shopeeAllStatuses = newWeighted([]shopeeStatus{
	{"Concluído", true, 0}, {"Cancelado", false, 1}, {"Entregue", true, 0}, {"Enviado", false, 2},
	{"O comprador pode pedir uma devolução até %s", true, 0}, {"A Enviar", false, 3},
}, []float64{70, 10, 5, 6, 5, 4})

var shopeeCancelReasons = newWeighted([]string{
	"Cancelado automaticamente pelo sistema da Shopee. Motivo : Pedido não pago",
	"Cancelado pelo comprador. Motivo : Outros",
	"Cancelado pelo comprador. Motivo : Não quero mais comprar",
	"Cancelado pelo vendedor.Motivo : Fora de estoque",
}, []float64{60, 15, 15, 10})

type shopeeMoney struct {
	buyerShipping, shipDiscount, estFreight int64
	valorTotal, totalGlobal                 int64
	commission, service                     int64
	paidAt, shipBy, shippedAt, completedAt  string
	cancelReason, tracking, option, method  string
	grams                                   int
	units                                   int
	unpaid                                  bool
}

const shopeeIDChars = 36 * 36 * 36 * 36 * 36 * 36 * 36 * 36

func buildShopee(g *gen, p *purchase, left int) {
	r := g.r
	n := min(linesPerOrder.pick(r), left)
	p.rows = n
	p.at = g.timeAt(n)
	o := p.addOrder()
	o.at = p.at
	// The id starts with the creation date in UTC+8, Shopee's home zone.
	// Order.all and Order.toship take disjoint halves of the suffixes.
	suffix := permute(g.seq, shopeeIDChars/2, g.idKey)
	if g.lay.name == LayoutShopeeToShip {
		suffix += shopeeIDChars / 2
	}
	o.id = p.at.In(utc8).Format("060102") + strings.ToUpper(base36(suffix, 8))
	st := shopeeStatus{"A Enviar", false, 3}
	if g.lay.name == LayoutShopeeAll {
		st = shopeeAllStatuses.pick(r)
	}
	o.status = st.status
	if strings.Contains(o.status, "%s") {
		o.status = strings.Replace(o.status, "%s", p.at.Add(12*24*time.Hour).In(saoPaulo).Format("2006-01-02"), 1)
	}
	p.masked = st.masked
	g.fillLines(o, n)
	m := &p.shopee
	m.grams = g.weight(o)
	for _, l := range o.lines {
		m.units += l.qty
	}
	p.units = m.units
	m.option, m.method = "Shopee Xpress", "Entrega"
	if chance(r, 0.08) {
		m.option, m.method = "Retirada pelo Comprador", "Retirada"
	}
	m.buyerShipping = 0
	if chance(r, 0.35) {
		m.buyerShipping = g.shippingFee(o.items, m.grams)
	}
	m.estFreight = 990 + int64(m.grams/100)*25
	if m.buyerShipping == 0 {
		m.shipDiscount = m.estFreight
	}
	local := func(d time.Duration) string { return p.at.Add(d).In(saoPaulo).Format("2006-01-02 15:04") }
	m.shipBy = p.at.Add(48*time.Hour).In(saoPaulo).Format("2006-01-02") + " 23:59"
	m.paidAt = local(time.Duration(1+r.IntN(9)) * time.Minute)
	if st.kind == 1 {
		m.cancelReason = shopeeCancelReasons.pick(r)
		m.unpaid = strings.HasSuffix(m.cancelReason, "Pedido não pago")
		o.cancelled = true
	}
	if st.kind == 0 || st.kind == 2 {
		m.shippedAt = local(time.Duration(20+r.IntN(30)) * time.Hour)
		m.tracking = "BR" + strings.ToUpper(base36(permute(g.seq, shopeeIDChars*36, 0x7a), 9)) + "X"
	}
	if st.kind == 0 {
		m.completedAt = local(time.Duration(5*24+r.IntN(7*24)) * time.Hour)
	}
	if m.unpaid {
		m.paidAt = "-"
	} else {
		m.valorTotal = o.items
		m.totalGlobal = o.items + m.buyerShipping
		m.commission = (o.items*14 + 50) / 100
		m.service = (o.items*6 + 50) / 100
	}
	p.itemsTotal = o.items
	p.orderTotal = m.totalGlobal
	shopeeIdentity(g.r, &g.nz, p)
}

func shopeeIdentity(r *rand.Rand, nz *noise, p *purchase) {
	b, rc := p.buyer, p.recipient
	a := rc.Address
	user := b.ShopeeUser
	if user == "" {
		user = slug(b.FirstName) + strconv.Itoa(b.Index)
	}
	id := ident{buyerRef: user, city: a.City, uf: a.State, district: a.Neighborhood}
	id.recipientPhone = "******" + rc.Phone[len(rc.Phone)-2:]
	id.cep = nz.cep(r, a.CEP, true, false)
	if p.masked {
		id.recipientName = maskMiddle(slug(rc.FirstName), 6, true)
		id.street = maskMiddle(a.Street, 6, false)
		if chance(r, 0.02) {
			id.document = "******"
		}
	} else {
		id.recipientName = nz.name(r, rc)
		street := nz.street(r, a.Street) + ", " + a.Number
		if a.Complement != "" {
			street += ", " + a.Complement
		}
		id.street = street + ", " + a.Neighborhood + ", " + a.City + ", " + a.CEP
		if !chance(r, nz.missingDoc) {
			id.document = b.Document
			p.ev.doc = b.Document
		}
		// The recipient's name stands for the buyer's in Shopee's
		// exports: the buyer's own when the parcel is theirs.
		p.ev.nameAddress = ownAddress(p)
	}
	p.ev.ref = SourceShopee + ":" + user
	p.id = id
}

type shopeeWriter struct {
	x    *xlsxOut
	all  bool
	cols []any
}

func openShopee(all bool) func(string, *Config) (rowWriter, error) {
	return func(path string, _ *Config) (rowWriter, error) {
		x, err := newXLSX(path, "orders", true)
		if err != nil {
			return nil, err
		}
		w := &shopeeWriter{x: x, all: all}
		head := make([]any, 0, len(shopeeHeader))
		for i, h := range shopeeHeader {
			if i == shopeeCancelCol && !all {
				continue
			}
			head = append(head, h)
		}
		w.cols = make([]any, len(head))
		return w, x.writeRow(head)
	}
}

// write puts one row per order line; order-level values (totals, fees,
// buyer) repeat on every line, as Shopee does.
func (w *shopeeWriter) write(p *purchase) error {
	o, m, id := &p.orders[0], &p.shopee, &p.id
	created := o.at.In(saoPaulo).Format("2006-01-02 15:04")
	zero := "0.00"
	for _, l := range o.lines {
		v := []string{
			o.id, o.status, "N", m.cancelReason, "", m.tracking, m.option, m.method, m.shipBy, m.shippedAt,
			created, m.paidAt, l.prod.parentSKU, l.prod.title, l.prod.sku, l.prod.varValue,
			dotMoney(l.unit), dotMoney(l.unit), strconv.Itoa(l.qty), "0", dotMoney(l.total), zero, zero, zero, zero,
			grams(l.prod.grams * l.qty), strconv.Itoa(m.units), grams(m.grams), "", zero, zero, zero, "N", zero, zero, "0",
			zero, dotMoney(m.valorTotal), dotMoney(m.buyerShipping), dotMoney(m.shipDiscount), zero, zero,
			dotMoney(m.commission), dotMoney(m.commission), dotMoney(m.service), dotMoney(m.service),
			dotMoney(m.totalGlobal), dotMoney(m.estFreight), id.buyerRef, id.recipientName, id.recipientPhone,
			id.document, id.street, "", id.district, id.city, id.uf, "BR", id.cep, "", m.completedAt, "",
		}
		j := 0
		for i, s := range v {
			if i == shopeeCancelCol && !w.all {
				continue
			}
			w.cols[j] = s
			j++
		}
		if err := w.x.writeRow(w.cols); err != nil {
			return err
		}
	}
	return nil
}

func (w *shopeeWriter) close() error { return w.x.close() }

func grams(g int) string {
	return strconv.Itoa(g/1000) + "." + strconv.Itoa(1000 + g%1000)[1:]
}

// earlySightings replays Order.all and yields, for a share c.EarlySightings
// of the orders it shows masked, the order as an Order.toship export showed
// it while it waited to ship: status "A Enviar", recipient, street and CPF in
// clear. A seller who imports the open orders every day has seen every
// order Shopee later masks. Both Shopee layouts must be generated; the
// sightings use a stream of their own, so Order.all and the regular
// to-ship file are the same with or without them.
func earlySightings(c *Config, pop []Person, cat *catalog, yield func(p *purchase) bool) {
	if c.EarlySightings <= 0 {
		return
	}
	all, toship := -1, false
	for i, l := range c.Layouts {
		switch l {
		case LayoutShopeeAll:
			all = i
		case LayoutShopeeToShip:
			toship = true
		}
	}
	if all < 0 || !toship {
		return
	}
	g := newGen(c, layoutByName(LayoutShopeeAll), c.rowsFor(all), pop, cat)
	r := newRand(c.Seed, "early/"+LayoutShopeeToShip)
	var e purchase
	for g.next() {
		p := &g.p
		if !p.masked || !chance(r, c.EarlySightings) {
			continue
		}
		e = *p
		e.orders = append(e.orders[:0:0], p.orders[0])
		o := &e.orders[0]
		o.status, o.cancelled = "A Enviar", false
		m := &e.shopee
		m.shippedAt, m.tracking, m.completedAt, m.cancelReason = "", "", "", ""
		e.masked, e.ev = false, evidence{}
		shopeeIdentity(r, &g.nz, &e)
		if !yield(&e) {
			return
		}
	}
}

// earlyFile names the to-ship export that held an order created at t: the
// seller's export of that month.
func earlyFile(c *Config, t time.Time) string {
	l := t.In(saoPaulo)
	from := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, saoPaulo)
	to := from.AddDate(0, 1, 0)
	if from.Before(c.From) {
		from = c.From
	}
	if to.After(c.To) {
		to = c.To
	}
	name := "Order.toship." + from.In(saoPaulo).Format("20060102") + "_" + to.Add(-time.Minute).In(saoPaulo).Format("20060102") + ".xlsx"
	if name == layoutByName(LayoutShopeeToShip).file(c) {
		name = partName(name, 2)
	}
	return name
}

package testgen

import (
	"strconv"
	"time"
)

// mlHeader is the "Vendas BR" report's row 6, 63 columns, duplicates and
// all.
var mlHeader = []string{
	"N.º de venda", "Data da venda", "Estado", "Descrição do status", "Pacote de diversos produtos",
	"Pertence a um kit", "Unidades", "Receita por produtos (BRL)", "Receita por acréscimo no preço (pago pelo comprador)",
	"Taxa de parcelamento equivalente ao acréscimo", "Tarifa de venda e impostos (BRL)", "Receita por envio (BRL)",
	"Tarifas de envio (BRL)", "Custo de envio com base nas medidas e peso declarados",
	"Custo por diferenças nas medidas e no peso do pacote", "Cancelamentos e reembolsos (BRL)", "Total (BRL)",
	"Mês de faturamento das suas tarifas", "Venda por publicidade", "SKU", "# de anúncio", "Canal de venda",
	"Título do anúncio", "Variação", "Preço unitário de venda do anúncio (BRL)", "Tipo de anúncio", "NF-e em anexo",
	"Dados pessoais ou da empresa", "Tipo e número do documento", "Endereço", "Tipo de contribuinte",
	"Inscrição estadual", "Comprador", "Negócio", "CPF", "Endereço", "Cidade", "Estado", "CEP", "País",
	"Forma de entrega", "Data a caminho", "Data de entrega", "Motorista", "Número de rastreamento",
	"URL de acompanhamento", "Unidades", "Forma de entrega", "Data a caminho", "Data de entrega", "Motorista",
	"Número de rastreamento", "URL de acompanhamento", "Revisado pelo Mercado Livre", "Data de revisão",
	"Dinheiro liberado", "Resultado", "Destino", "Motivo do resultado", "Unidades", "Reclamação aberta",
	"Reclamação encerrada", "Em mediação",
}

// mlGroups is row 5: group name, first and last column (0-based).
var mlGroups = []struct {
	name     string
	from, to int
}{
	{"Vendas", 0, 17}, {"Publicidade", 18, 18}, {"Anúncios", 19, 25}, {"Faturamento ao comprador", 26, 31},
	{"Compradores", 32, 39}, {"Envios", 40, 45}, {"Devoluções", 46, 58}, {"Reclamações", 59, 62},
}

const (
	mlID = iota
	mlDate
	mlStatus
	mlDetail
	mlPack
	mlKit
	mlUnits
	mlRevenue
	mlSurcharge
	mlInstallFee
	mlSaleFee
	mlShipRevenue
	mlShipFees
	mlShipCost
	mlShipDiff
	mlRefunds
	mlTotal
	mlBillingMonth
	mlAds
	mlSKU
	mlListing
	mlChannel
	mlTitle
	mlVariation
	mlUnitPrice
	mlListingType
	mlInvoice
	mlBillName
	mlBillDoc
	mlBillAddr
	mlTaxpayer
	mlStateReg
	mlBuyer
	mlBusiness
	mlCPF
	mlShipAddr
	mlCity
	mlState
	mlCEP
	mlCountry
	mlShipMethod
	mlShippedAt
	mlDeliveredAt
	mlCols = 63
)

type mlStatusKind int

const (
	mlDelivered mlStatusKind = iota
	mlInTransit
	mlToShip
	mlPickup
	mlCancelled
	mlReturned
)

type mlStatusDef struct {
	kind   mlStatusKind
	status string
	detail string // "%s" takes a "d de mês" date
}

var mlStatuses = newWeighted([]mlStatusDef{
	{mlDelivered, "Entregue", "Chegou em %s"},
	{mlInTransit, "A caminho", "Chega em %s"},
	{mlToShip, "Pronta para emitir NF-e de venda", "Logo poderá imprimir a etiqueta de envio"},
	{mlToShip, "Etiqueta pronta para imprimir", "Imprima a etiqueta e despache o pacote"},
	{mlToShip, "Para enviar amanhã", "Despache o pacote amanhã"},
	{mlPickup, "No ponto de retirada", "O comprador pode retirar o pacote"},
	{mlCancelled, "Cancelada pelo comprador", "Cancelou porque se arrependeu da compra."},
	{mlCancelled, "Venda cancelada. Não envie.", "O comprador cancelou a compra"},
	{mlReturned, "Devolução finalizada com reembolso para o comprador", "Devolvemos o dinheiro ao comprador"},
	{mlReturned, "Mediação finalizada com reembolso para o comprador", "Reembolsamos o comprador"},
}, []float64{70, 8, 5, 3, 2, 1, 5, 2, 2, 1})

var mlShipMethods = newWeighted([]string{"Correios e pontos de envio", "Mercado Envios Full", "Mercado Envios Flex"}, []float64{60, 25, 15})

// mlMoney is a sale's money as the report states it: on the single row, or
// on a cart's summary row.
type mlMoney struct {
	revenue, shipRevenue, saleFee, shipFees, refunds, total int64
	shipMethod, invoice, listingType                        string
	shippedAt, deliveredAt                                  time.Time
	kind                                                    mlStatusKind
	status, detail                                          string
	packSim                                                 bool // "Pacote de diversos produtos" = Sim on a single row
	billName, billDoc, billAddr, shipAddr                   string
	taxpayer, stateReg                                      string
}

func buildML(g *gen, p *purchase, left int) {
	r := g.r
	children := 0
	if left >= 3 && chance(r, 0.06) {
		children = min(cartSizes.pick(r), left-1)
	}
	p.rows = 1 + children
	p.at = g.timeAt(p.rows)
	st := mlStatuses.pick(r)
	m := &p.ml
	m.kind, m.status = st.kind, st.status
	m.shipMethod = mlShipMethods.pick(r)
	m.invoice = "Autorizado"
	if chance(r, 0.3) {
		m.invoice = "Não emitida"
	}
	if st.kind == mlDelivered || st.kind == mlInTransit || st.kind == mlReturned || st.kind == mlPickup {
		m.shippedAt = p.at.Add(time.Duration(18+r.IntN(30)) * time.Hour).Truncate(time.Minute)
		m.deliveredAt = m.shippedAt.Add(time.Duration(20+r.IntN(160)) * time.Hour).Truncate(time.Minute)
	}
	m.detail = st.detail
	switch st.kind {
	case mlDelivered:
		m.detail = "Chegou em " + ptDayMonth(m.deliveredAt)
	case mlInTransit:
		m.detail = "Chega em " + ptDayMonth(m.deliveredAt)
		m.deliveredAt = time.Time{}
	}
	if children > 0 {
		p.packID = g.nextMLID()
	}
	nOrders := max(children, 1)
	weight := 0
	for range nOrders {
		o := p.addOrder()
		o.id = g.nextMLID()
		o.at = p.at
		if children > 0 && chance(r, 0.1) {
			o.at = p.at.Add(time.Duration(1+r.IntN(3)) * time.Minute)
		}
		o.status, o.detail = m.status, m.detail
		o.cancelled = st.kind == mlCancelled || st.kind == mlReturned
		// One listing per sale: several products make a cart.
		g.fillLines(o, 1)
		m.revenue += o.items
		p.units += o.lines[0].qty
		weight += g.weight(o)
	}
	if children == 0 {
		m.packSim = chance(r, 0.5)
	}
	m.listingType = "Clássico"
	rate := int64(115)
	if p.orders[0].lines[0].prod.premium {
		m.listingType, rate = "Premium", 165
	}
	m.saleFee = -(m.revenue*rate + 500) / 1000
	cost := g.shippingFee(0, weight)
	if cost == 0 {
		cost = 1990
	}
	switch {
	case m.revenue < 7900 && chance(r, 0.7):
		m.shipRevenue, m.shipFees = cost, -cost
	case m.revenue >= 7900 || chance(r, 0.5):
		m.shipFees = -cost
	}
	if m.shipMethod == "Mercado Envios Flex" {
		m.shipRevenue, m.shipFees = 0, 0
	}
	net := m.revenue + m.shipRevenue + m.saleFee + m.shipFees
	if p.orders[0].cancelled {
		m.refunds = -net
	}
	m.total = net + m.refunds
	p.itemsTotal = m.revenue
	p.orderTotal = m.revenue + m.shipRevenue
	p.netTotal = m.total

	mlIdentity(g, p)
}

func mlIdentity(g *gen, p *purchase) {
	r, nz, b, rc := g.r, &g.nz, p.buyer, p.recipient
	m := &p.ml
	name := nz.name(r, b)
	m.billName = name
	docType := "CPF"
	if b.DocumentType == "cnpj" {
		docType = "CNPJ"
	}
	cpf := b.Document
	if chance(r, nz.missingDoc*0.3) {
		cpf = " "
		m.billDoc = " "
	} else {
		m.billDoc = docType + " " + b.Document
		p.ev.doc = b.Document
	}
	p.ev.nameAddress = ownAddress(p)
	ba := b.Address
	m.billAddr = ba.Street + " " + ba.Number + ", " + ba.Neighborhood + " - CEP: " + ba.CEP + ", " + ba.City + " " + ba.State
	a := rc.Address
	street := nz.street(r, a.Street)
	m.shipAddr = street + " " + a.Number
	if a.Complement != "" {
		m.shipAddr += " / " + a.Complement
	}
	m.shipAddr += " - CEP " + a.CEP + " - " + a.Neighborhood + ", " + a.City + ", " + a.State
	m.taxpayer, m.stateReg = " ", " "
	if b.Company {
		m.taxpayer = "Não contribuinte"
		if chance(r, 0.6) {
			m.taxpayer = "Contribuinte"
			m.stateReg = strconv.FormatUint(permute(uint64(b.Index), pow10(9), 0x1e)+100_000_000*uint64(1+b.Index%9), 10)
		}
	}
	p.id = ident{
		name: name, document: cpf, street: m.shipAddr, cep: a.CEP, city: a.City, uf: a.State,
	}
}

type mlWriter struct {
	x    *xlsxOut
	cols []any
}

func openML(path string, c *Config) (rowWriter, error) {
	x, err := newXLSX(path, "Vendas BR", false)
	if err != nil {
		return nil, err
	}
	w := &mlWriter{x: x, cols: make([]any, mlCols)}
	gen := c.To.Add(-time.Minute).In(saoPaulo)
	pre := [][]any{
		nil,
		{"Neste relatório, você encontra as informações das suas vendas. Para consultar tarifas faturadas, baixe o relatório \"Faturamento do Mercado Livre\"."},
		{nil, nil, nil, "Ir para Faturas e relatórios das suas tarifas"},
		{"Vendas  Status das suas vendas em " + ptDayMonth(gen) + " de " + strconv.Itoa(gen.Year()) + ", às " + gen.Format("15:04") + " hs."},
	}
	for _, row := range pre {
		if err := x.writeRow(row); err != nil {
			return nil, err
		}
	}
	group := make([]any, mlCols)
	for _, grp := range mlGroups {
		group[grp.from] = grp.name
		for i := grp.from + 1; i <= grp.to; i++ {
			group[i] = ""
		}
		if grp.to > grp.from {
			a, _ := cellName(grp.from, 5)
			b, _ := cellName(grp.to, 5)
			if err := x.sw.MergeCell(a, b); err != nil {
				return nil, err
			}
		}
	}
	for _, merge := range [][2]string{{"A2", "F2"}, {"D3", "F3"}} {
		if err := x.sw.MergeCell(merge[0], merge[1]); err != nil {
			return nil, err
		}
	}
	if err := x.writeRow(group); err != nil {
		return nil, err
	}
	head := make([]any, mlCols)
	for i, h := range mlHeader {
		head[i] = h
	}
	return w, x.writeRow(head)
}

func (w *mlWriter) blank() {
	for i := range w.cols {
		w.cols[i] = " "
	}
}

// money writes a numeric cell, or the empty text cell ML uses for zero.
func money(c int64) any {
	if c == 0 {
		return ""
	}
	return mlNumber(c)
}

func (w *mlWriter) write(p *purchase) error {
	m := &p.ml
	c := w.cols
	if p.packID != "" {
		w.blank()
		c[mlID], c[mlDate] = p.packID, ptLongDate(p.at)
		c[mlStatus] = "Pacote de " + strconv.Itoa(len(p.orders)) + " produtos"
		c[mlUnits], c[mlUnitPrice] = "", ""
		w.moneyCells(p)
		w.buyerCells(p)
		c[mlShippedAt], c[mlDeliveredAt] = " ", " "
		if err := w.x.writeRow(c); err != nil {
			return err
		}
		for i := range p.orders {
			o := &p.orders[i]
			w.blank()
			w.lineCells(o)
			c[mlPack] = "Sim"
			for j := mlRevenue; j <= mlAds; j++ {
				c[j] = ""
			}
			if err := w.x.writeRow(c); err != nil {
				return err
			}
		}
		return nil
	}
	w.blank()
	o := &p.orders[0]
	w.lineCells(o)
	c[mlPack] = "Não"
	if m.packSim {
		c[mlPack] = "Sim"
	}
	w.moneyCells(p)
	w.buyerCells(p)
	return w.x.writeRow(c)
}

func (w *mlWriter) lineCells(o *order) {
	c, l := w.cols, &o.lines[0]
	c[mlID], c[mlDate], c[mlStatus], c[mlDetail] = o.id, ptLongDate(o.at), o.status, o.detail
	c[mlKit] = "Não"
	c[mlUnits] = l.qty
	c[mlSKU], c[mlListing], c[mlChannel], c[mlTitle] = l.prod.sku, l.prod.mlb, "Mercado Livre", l.prod.title
	if l.prod.variation != "" {
		c[mlVariation] = l.prod.variation
	}
	c[mlUnitPrice] = mlNumber(l.unit)
	c[mlListingType] = "Clássico"
	if l.prod.premium {
		c[mlListingType] = "Premium"
	}
}

func (w *mlWriter) moneyCells(p *purchase) {
	c, m := w.cols, &p.ml
	c[mlRevenue] = mlNumber(m.revenue)
	c[mlSurcharge], c[mlInstallFee], c[mlShipDiff] = "", "", ""
	c[mlSaleFee] = money(m.saleFee)
	c[mlShipRevenue] = money(m.shipRevenue)
	c[mlShipFees] = money(m.shipFees)
	c[mlShipCost] = money(m.shipFees)
	c[mlRefunds] = money(m.refunds)
	c[mlTotal] = mlNumber(m.total)
	at := p.at.In(saoPaulo)
	c[mlBillingMonth] = ptMonths[at.Month()-1] + " " + strconv.Itoa(at.Year())
}

func (w *mlWriter) buyerCells(p *purchase) {
	c, m, b := w.cols, &p.ml, p.buyer
	c[mlInvoice] = m.invoice
	c[mlBillName], c[mlBillDoc], c[mlBillAddr] = m.billName, m.billDoc, m.billAddr
	c[mlTaxpayer], c[mlStateReg] = m.taxpayer, m.stateReg
	c[mlBuyer] = p.id.name
	c[mlBusiness] = "Não"
	if b.Company {
		c[mlBusiness] = "Sim"
	}
	c[mlCPF] = p.id.document
	c[mlShipAddr], c[mlCity], c[mlState], c[mlCEP], c[mlCountry] = m.shipAddr, p.id.city, p.id.uf, p.id.cep, "Brasil"
	c[mlShipMethod] = m.shipMethod
	if !m.shippedAt.IsZero() {
		c[mlShippedAt] = ptShortDate(m.shippedAt)
	}
	if !m.deliveredAt.IsZero() {
		c[mlDeliveredAt] = ptShortDate(m.deliveredAt)
	}
}

func (w *mlWriter) close() error { return w.x.close() }

func cellName(col0, row int) (string, error) {
	return excelizeCell(col0+1, row)
}

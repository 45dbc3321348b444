package mercadolivre

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// headerScan is how far down the header may sit: the preamble above it is
// five rows one month and four the next.
const headerScan = 15

// ReadFile streams the report's orders. Ordinary rows are one order each. A
// cart is a summary row ("Pacote de N produtos": the pack id, the buyer, the
// address and all the money) followed by N rows, one per order in the cart
// (own id, status, product, units, no money, no buyer); it becomes N orders
// that share the summary's buyer and split its money.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		rows, err := tabular.OpenSheet(f.Path, layouts[0].Sheet, tabular.Limits{})
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		sheet, src := rows.Sheet(), rows
		var preamble [][]string
		var hdr []string
		hdrRow := 0
		for rows.Next() && rows.Row().Number <= headerScan {
			cells := slices.Clone(rows.Row().Cells)
			if isHeader(cells) {
				hdr, hdrRow = cells, rows.Row().Number
				break
			}
			preamble = append(preamble, cells)
		}
		if hdr == nil {
			src.Close()
			err := rows.Err()
			if err == nil {
				err = &tabular.FileError{File: f.Path, Err: fmt.Errorf("sheet %q: no header row with a %q cell in the first %d rows: is this the Vendas BR report?", sheet, saleIDNames[0], headerScan)}
			}
			yield(connectors.Record{}, err)
			return
		}
		h := header(append(preamble, hdr), len(preamble))
		m, err := h.Map(resolve(h))
		if err != nil {
			src.Close()
			yield(connectors.Record{}, &tabular.FileError{File: f.Path, Row: hdrRow, Err: fmt.Errorf("sheet %q: %w", sheet, err)})
			return
		}
		rows.SetWidth(len(hdr))
		r := &reader{f: f, sheet: sheet, m: m, p: connectors.NewFields(m, nil), asOf: reportTime(preamble)}
		connectors.StreamRows(ctx, Name, f.Path, sheet, src, r.row, r.flush)(yield)
	}
}

// reportTime reads when the report was generated, from the preamble line
// "Vendas Status das suas vendas em 11 de março de 2026, às 08:18 hs.".
// Every status in the file is as of that moment, so it is the orders'
// updated_at: a later report of the same sale wins a merge.
func reportTime(preamble [][]string) time.Time {
	for _, row := range preamble {
		for _, c := range row {
			_, after, ok := strings.Cut(c, "vendas em ")
			if !ok {
				continue
			}
			if t, err := normalize.ParsePortugueseDateTime(after, normalize.SaoPaulo, time.Time{}); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}

// reader turns rows into orders, holding at most one cart.
type reader struct {
	f     connectors.File
	sheet string
	m     *tabular.Mapping
	p     *connectors.Fields
	asOf  time.Time
	cart  *cart
}

// cart is a summary row and the order rows read after it so far.
type cart struct {
	row     int
	want    int
	seen    int              // rows taken as the cart's orders, skipped ones included
	base    *normalize.Order // the summary's date, buyer and address; nil when the summary was skipped
	packID  string
	money   amounts
	rejects []connectors.Reject
	orders  []member
}

type member struct {
	rec    connectors.Record
	weight int64 // unit price × units, in centavos
}

func (r *reader) row(row tabular.Row, emit connectors.Emit) bool {
	if connectors.Blank(row.Cells) {
		return true
	}
	p := r.p
	p.Reset(row.Cells)
	n, summary := cartSize(p.Text(colStatus))
	if r.cart != nil {
		if !summary && r.inCart() {
			return r.addToCart(row, emit)
		}
		if !r.closeCart(emit) {
			return false
		}
	}
	if summary {
		return r.startCart(row, n, emit)
	}
	o := r.readOrder(row, time.Time{})
	readBuyer(p, o)
	money := readAmounts(p)
	o.UpdatedAt = r.updatedAt(p, o.OrderedAt)
	line, _ := readLine(p, o)
	rejects := p.Rejects(Name, r.f.Path, r.sheet, row.Number)
	if p.Skipped() {
		return emit(connectors.Record{Rejects: rejects})
	}
	line.SourceRow = row.Number
	o.Lines = []normalize.Line{line}
	money.apply(o)
	return emit(connectors.Record{Order: o, Rejects: rejects})
}

// inCart reports whether the row is one of the open cart's orders: the
// cart still expects rows, and this one carries no money of its own. A
// "Pacote de diversos produtos = Sim" row with its own money is an ordinary
// order, not a cart member.
func (r *reader) inCart() bool {
	p := r.p
	return r.cart.seen < r.cart.want && p.Text(colItemsRevenue) == "" && p.Text(colTotal) == ""
}

func (r *reader) startCart(row tabular.Row, n int, emit connectors.Emit) bool {
	p := r.p
	c := &cart{row: row.Number, want: n}
	id := orderID(p)
	base := &normalize.Order{OrderedAt: p.Time(colSaleDate, true, parseDate)}
	readBuyer(p, base)
	c.money = readAmounts(p)
	base.UpdatedAt = r.updatedAt(p, base.OrderedAt)
	c.packID = id
	rejects := p.Rejects(Name, r.f.Path, r.sheet, row.Number)
	r.cart = c
	if p.Skipped() {
		// The cart's orders are still read, without the money and buyer
		// the summary would have given them.
		return emit(connectors.Record{Rejects: rejects})
	}
	c.base, c.rejects = base, rejects
	return true
}

func (r *reader) addToCart(row tabular.Row, emit connectors.Emit) bool {
	p := r.p
	c := r.cart
	c.seen++
	var cartDate time.Time
	if c.base != nil {
		cartDate = c.base.OrderedAt
	}
	o := r.readOrder(row, cartDate)
	o.PackID = c.packID
	if c.base != nil {
		o.Buyer, o.Ship = c.base.Buyer, c.base.Ship
		o.UpdatedAt = c.base.UpdatedAt
	} else {
		o.UpdatedAt = r.updatedAt(p, o.OrderedAt)
	}
	line, weight := readLine(p, o)
	rejects := p.Rejects(Name, r.f.Path, r.sheet, row.Number)
	if p.Skipped() {
		c.orders = append(c.orders, member{rec: connectors.Record{Rejects: rejects}})
	} else {
		line.SourceRow = row.Number
		o.Lines = []normalize.Line{line}
		c.orders = append(c.orders, member{rec: connectors.Record{Order: o, Rejects: rejects}, weight: weight})
	}
	if c.seen == c.want {
		return r.closeCart(emit)
	}
	return true
}

// closeCart splits the summary's money over the cart's orders and emits
// them.
func (r *reader) closeCart(emit connectors.Emit) bool {
	c := r.cart
	r.cart = nil
	var kept []*normalize.Order
	var weights []int64
	first := -1
	for i, m := range c.orders {
		if m.rec.Order != nil {
			if first < 0 {
				first = i
			}
			kept = append(kept, m.rec.Order)
			weights = append(weights, m.weight)
		}
	}
	if c.base == nil {
		for _, o := range kept {
			setLineTotal(o)
		}
	} else {
		c.money.splitInto(kept, weights)
	}
	rejects := c.rejects
	summaryReject := func(reason string, effect connectors.Effect) connectors.Reject {
		return connectors.Reject{
			Source: Name, File: r.f.Path, Sheet: r.sheet, Row: c.row, Column: r.m.Name(colStatus),
			Value: fmt.Sprintf("Pacote de %d produtos", c.want), Reason: reason, Effect: effect,
		}
	}
	switch {
	case c.base == nil:
		// The summary was skipped and reported when it was read.
	case first < 0:
		// Nothing to hang the summary's money and buyer on: the summary
		// is lost with its orders.
		for i := range rejects {
			rejects[i].Effect = connectors.RowSkipped
		}
		rejects = append(rejects, summaryReject(fmt.Sprintf("none of the %d orders this cart announces could be read, so its amounts and buyer are left out", c.want), connectors.RowSkipped))
		if !emit(connectors.Record{Rejects: rejects}) {
			return false
		}
	default:
		if c.seen < c.want {
			rejects = append(rejects, summaryReject(fmt.Sprintf("the cart announces %d orders but only %d of them follow it; its amounts were split over those", c.want, c.seen), connectors.ValueDropped))
		}
		if len(rejects) > 0 {
			m := &c.orders[first]
			m.rec.Rejects = append(slices.Clone(rejects), m.rec.Rejects...)
		}
	}
	for _, m := range c.orders {
		if !emit(m.rec) {
			return false
		}
	}
	return true
}

func (r *reader) flush(emit connectors.Emit) bool {
	if r.cart != nil {
		return r.closeCart(emit)
	}
	return true
}

// readOrder reads what every order row has of its own: id, date, status.
// A cart's order without a date of its own takes the cart's.
func (r *reader) readOrder(row tabular.Row, cartDate time.Time) *normalize.Order {
	p := r.p
	id := orderID(p)
	o := &normalize.Order{
		Source:     Name,
		Account:    r.f.Account,
		OrderID:    id,
		StatusRaw:  p.Text(colStatus),
		Currency:   "BRL",
		SourceFile: r.f.Path,
		SourceRow:  row.Number,
	}
	if cartDate.IsZero() || p.Text(colSaleDate) != "" {
		o.OrderedAt = p.Time(colSaleDate, true, parseDate)
	} else {
		o.OrderedAt = cartDate
	}
	o.Status = status(o.StatusRaw)
	return o
}

// orderID reads a sale number, refusing one a spreadsheet turned into a
// number: 16 digits are more than Excel keeps.
func orderID(p *connectors.Fields) string {
	raw := p.Raw(colSaleID)
	id, err := normalize.ParseID(raw)
	switch {
	case err != nil:
		p.Skip(colSaleID, raw, err.Error())
	case id == "":
		p.Skip(colSaleID, raw, "the sale number is empty")
	}
	return id
}

// parseDate reads the sale date, which an order cannot do without: a "-"
// reads as no date rather than as an error.
func parseDate(s string) (time.Time, error) {
	t, err := normalize.ParsePortugueseDateTime(s, normalize.SaoPaulo, time.Time{})
	if err == nil && t.IsZero() {
		return t, errors.New("the sale date is empty")
	}
	return t, err
}

// updatedAt is the report's generation time, or, when the preamble does not
// say it, the latest shipping event the row dates.
func (r *reader) updatedAt(p *connectors.Fields, sale time.Time) time.Time {
	if !r.asOf.IsZero() || sale.IsZero() {
		return r.asOf
	}
	// The shipping dates carry no year; the sale date supplies it.
	parse := func(s string) (time.Time, error) {
		return normalize.ParsePortugueseDateTime(s, normalize.SaoPaulo, sale)
	}
	return connectors.Latest(sale, p.Time(colShippedAt, false, parse), p.Time(colDeliveredAt, false, parse))
}

// readBuyer reads the buyer and the delivery address, which the report
// writes on ordinary rows and on cart summaries.
func readBuyer(p *connectors.Fields, o *normalize.Order) {
	o.Buyer.Name = p.Name(colBillingName)
	if o.Buyer.Name == "" {
		o.Buyer.Name = p.Name(colBuyer)
	}
	// "CPF" holds a CNPJ for companies; "Tipo e número do documento"
	// ("CPF 12345678909") is the fallback for files without it.
	if p.Text(colCPF) != "" {
		o.Buyer.Document, o.Buyer.DocumentType = p.CPF(colCPF)
	} else {
		o.Buyer.Document, o.Buyer.DocumentType = p.Document(colDocument)
	}
	o.Ship.Street = p.Text(colShipAddress)
	o.Ship.City = p.Text(colCity)
	o.Ship.State = p.UF(colState)
	o.Ship.PostalCode = p.CEP(colPostalCode)
	o.Ship.Country = p.Country(colCountry)
}

// amounts is the money of one row, as the report writes it: revenue
// positive, Mercado Livre's charges negative.
type amounts struct {
	items     normalize.Amount // Receita por produtos
	surcharge normalize.Amount // Receita por acréscimo no preço: the buyer's installment surcharge
	shipping  normalize.Amount // Receita por envio: what the buyer paid for shipping
	fees      normalize.Amount // the charges, as a positive amount
	net       normalize.Amount // Total (BRL): what the seller receives
}

// readAmounts reads a row's money. "Custo de envio com base nas medidas e
// peso declarados" repeats "Tarifas de envio" on every row and is not added
// again; "Cancelamentos e reembolsos" is already inside Total, the net, and
// the schema has no column of its own for it.
func readAmounts(p *connectors.Fields) amounts {
	a := amounts{
		items:     p.Money(colItemsRevenue, normalize.MoneyDot),
		surcharge: p.Money(colSurcharge, normalize.MoneyDot),
		shipping:  p.Money(colShippingRevenue, normalize.MoneyDot),
		net:       p.Money(colTotal, normalize.MoneyDot),
	}
	charges := p.Money(colSaleFee, normalize.MoneyDot).
		Add(p.Money(colShippingFee, normalize.MoneyDot)).
		Add(p.Money(colInstallmentFee, normalize.MoneyDot)).
		Add(p.Money(colSizeWeightFee, normalize.MoneyDot))
	if charges.Valid {
		a.fees = normalize.Cents(-charges.Cents)
	}
	return a
}

// apply sets an order's money. What the buyer paid is the products, the
// installment surcharge and the shipping they were charged.
func (a amounts) apply(o *normalize.Order) {
	o.ItemsTotal = a.items
	o.Shipping = a.shipping
	o.Fees = a.fees
	o.NetTotal = a.net
	o.OrderTotal = a.items.Add(a.surcharge).Add(a.shipping)
	setLineTotal(o)
}

// splitInto divides a cart's money over its orders, each amount in
// proportion to the order's unit price × units, to the centavo, so that the
// parts add up exactly to the summary's amount (largest remainder). The
// summary's "Receita por produtos" equals the sum of price × units, so each
// order's items total comes out as its own price × units.
func (a amounts) splitInto(orders []*normalize.Order, weights []int64) {
	items := split(a.items, weights)
	surcharge := split(a.surcharge, weights)
	shipping := split(a.shipping, weights)
	fees := split(a.fees, weights)
	net := split(a.net, weights)
	for i, o := range orders {
		amounts{items: items[i], surcharge: surcharge[i], shipping: shipping[i], fees: fees[i], net: net[i]}.apply(o)
	}
}

// setLineTotal gives the order's one line the items total, or price × units
// when the order has no money of its own.
func setLineTotal(o *normalize.Order) {
	for i := range o.Lines {
		l := &o.Lines[i]
		switch {
		case o.ItemsTotal.Valid:
			l.LineTotal = o.ItemsTotal
		case l.UnitPrice.Valid:
			l.LineTotal = l.UnitPrice.Times(l.Quantity)
		}
	}
}

// split divides a into len(weights) parts proportional to weights that add
// up to a exactly: each part is rounded down, and the centavos left over go
// one each to the parts with the largest remainders (the earlier part on a
// tie). Without weights to go by, the parts are equal. A missing amount
// stays missing in every part.
func split(a normalize.Amount, weights []int64) []normalize.Amount {
	out := make([]normalize.Amount, len(weights))
	if !a.Valid || len(weights) == 0 {
		return out
	}
	var total uint64
	for _, w := range weights {
		if w > 0 {
			total += uint64(w)
		}
	}
	w := func(i int) uint64 {
		if total == 0 {
			return 1
		}
		return uint64(max(weights[i], 0))
	}
	if total == 0 {
		total = uint64(len(weights))
	}
	mag := uint64(a.Cents)
	if a.Cents < 0 {
		mag = uint64(-a.Cents)
	}
	parts := make([]uint64, len(weights))
	rems := make([]uint64, len(weights))
	var given uint64
	for i := range weights {
		hi, lo := bits.Mul64(mag, w(i))
		// hi < total because the quotient is at most mag.
		parts[i], rems[i] = bits.Div64(hi, lo, total)
		given += parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(x, y int) int {
		switch {
		case rems[x] > rems[y]:
			return -1
		case rems[x] < rems[y]:
			return 1
		}
		return 0
	})
	for k := 0; given < mag; k++ {
		parts[order[k%len(order)]]++
		given++
	}
	for i, p := range parts {
		c := int64(p)
		if a.Cents < 0 {
			c = -c
		}
		out[i] = normalize.Cents(c)
	}
	return out
}

// readLine reads the product of an order row and its weight in a cart.
func readLine(p *connectors.Fields, o *normalize.Order) (normalize.Line, int64) {
	l := normalize.Line{
		LineNo:    1,
		SKU:       p.Text(colSKU),
		ListingID: p.Text(colListingID),
		Title:     p.Text(colTitle),
		Variation: p.Text(colVariation),
		Quantity:  p.Int(colUnits, true, "number of units"),
		UnitPrice: p.Money(colUnitPrice, normalize.MoneyDot),
		Status:    o.Status,
	}
	return l, l.UnitPrice.Times(l.Quantity).Cents
}

package csv

import (
	"context"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// ReadFile streams a sheet through its mapping. Consecutive rows with the
// same order id are the lines of one order.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return connectors.Lazy(func() iter.Seq2[connectors.Record, error] {
		path := f.Options["mapping"]
		if path == "" {
			path = Sidecar(f.Path)
			if _, err := os.Stat(path); err != nil {
				return connectors.Fail(&tabular.FileError{File: f.Path, Err: fmt.Errorf("the csv connector needs a mapping file: --option mapping=FILE, or %s beside the file", filepath.Base(path))})
			}
		}
		m, err := LoadMapping(path)
		if err != nil {
			return connectors.Fail(&tabular.FileError{File: f.Path, Err: err})
		}
		rows, header, headerRow, sheet, err := open(f, m)
		if err != nil {
			return connectors.Fail(err)
		}
		cols := make([]tabular.Column, len(fields))
		for i, field := range fields {
			if name := m.Columns[field]; name != "" {
				cols[i] = tabular.Column{Names: []string{name}, Required: true, Field: field}
			}
		}
		mp, err := tabular.NewHeader(header, nil).Map(cols)
		if err != nil {
			rows.Close()
			return connectors.Fail(&tabular.FileError{File: f.Path, Row: headerRow, Err: fmt.Errorf("%w (as the mapping file names them)", err)})
		}
		r := &reader{m: m, f: f, p: connectors.NewFields(mp, nil), headerRow: headerRow}
		return connectors.StreamRows(ctx, m.Source, f.Path, sheet, rows, r.row, r.flush)
	})
}

// open opens the file as CSV or XLSX and reads up to its header.
func open(f connectors.File, m *Mapping) (rows tabular.Rows, header []string, headerRow int, sheet string, err error) {
	kind, err := tabular.DetectKind(f.Path)
	if err != nil {
		return nil, nil, 0, "", &tabular.FileError{File: f.Path, Err: err}
	}
	if kind == tabular.KindCSV {
		r, err := tabular.OpenCSV(f.Path, tabular.CSVOptions{Encoding: m.Encoding, Delimiter: m.delimiter, Wrap: f.Wrap})
		if err != nil {
			return nil, nil, 0, "", err
		}
		return r, r.Header(), r.HeaderLine(), "", nil
	}
	sr, err := tabular.OpenSheet(f.Path, m.Sheet, tabular.Limits{})
	if err != nil {
		return nil, nil, 0, "", err
	}
	sheet = sr.Sheet()
	want := max(m.HeaderRow, 1)
	for sr.Next() {
		if sr.Row().Number == want {
			header = append([]string(nil), sr.Row().Cells...)
			for i := range header {
				header[i] = tabular.CleanHeader(header[i])
			}
			sr.SetWidth(len(header))
			return sr, header, want, sheet, nil
		}
	}
	sr.Close()
	return nil, nil, 0, "", &tabular.FileError{File: f.Path, Err: fmt.Errorf("sheet %q has no row %d for the header", sheet, want)}
}

// reader holds one file's assembly state.
type reader struct {
	m         *Mapping
	f         connectors.File
	p         *connectors.Fields
	g         connectors.Grouper
	headerRow int
	// itemsSet and totalSet say whether the file gave the order's items
	// total and order total, so they are not recomputed from lines.
	itemsSet, totalSet bool
}

// col is the position of a field in fields (and so in the mapping).
func col(field string) int {
	for i, f := range fields {
		if f == field {
			return i
		}
	}
	panic("csv: unknown field " + field)
}

var (
	cOrderID, cOrderedAt, cUpdatedAt, cStatus, cPackID, cCurrency       = col("order_id"), col("ordered_at"), col("updated_at"), col("status"), col("pack_id"), col("currency")
	cItemsTotal, cShipping, cDiscount, cFees, cOrderTotal, cNetTotal    = col("items_total"), col("shipping"), col("discount"), col("fees"), col("order_total"), col("net_total")
	cPayment, cInstallments                                             = col("payment_method"), col("installments")
	cBuyerRef, cBuyerName, cBuyerDoc, cBuyerEmail, cBuyerPhone          = col("buyer_ref"), col("buyer_name"), col("buyer_document"), col("buyer_email"), col("buyer_phone")
	cRecipientName, cRecipientPhone                                     = col("recipient_name"), col("recipient_phone")
	cStreet, cNumber, cNeighborhood, cCity, cState, cPostal, cCountry   = col("ship_street"), col("ship_number"), col("ship_neighborhood"), col("ship_city"), col("ship_state"), col("ship_postal_code"), col("ship_country")
	cSKU, cListing, cTitle, cVariation, cQuantity, cUnitPrice, cLineTot = col("sku"), col("listing_id"), col("title"), col("variation"), col("quantity"), col("unit_price"), col("line_total")
	cCategory                                                           = col("category")
)

func (r *reader) parseTime(s string) (time.Time, error) {
	return normalize.ParseLocalTime(s, r.m.loc, r.m.Layouts...)
}

func (r *reader) row(row tabular.Row, emit connectors.Emit) bool {
	p := r.p
	p.Reset(row.Cells)
	id := p.Require(cOrderID, "order id")
	cur := r.g.Current(id)
	sum := r.m.OrderAmounts == "sum"
	var o *normalize.Order
	if cur == nil {
		o = r.order(p)
		o.SourceRow = row.Number
	}
	var amounts orderAmounts
	if cur == nil || sum {
		amounts = r.amounts(p)
	}
	line := r.line(p)
	rejects := p.Rejects(r.m.Source, r.f.Path, "", row.Number)
	if p.Skipped() {
		return emit(connectors.Record{Rejects: rejects})
	}
	if o != nil {
		cur = o
		if prev, ok := r.g.Start(id, o); ok && !emit(r.finish(prev)) {
			return false
		}
	}
	if cur == o || sum {
		amounts.addTo(cur)
	}
	if line != nil {
		line.LineNo = len(cur.Lines) + 1
		line.SourceRow = row.Number
		line.Status = cur.Status
		cur.Lines = append(cur.Lines, *line)
	}
	r.g.AddRejects(rejects)
	return true
}

func (r *reader) flush(emit connectors.Emit) bool {
	if rec, ok := r.g.Flush(); ok {
		return emit(r.finish(rec))
	}
	return true
}

// finish fills what the file leaves to be derived: the items total from
// the lines, and the order total from items, shipping and discount.
func (r *reader) finish(rec connectors.Record) connectors.Record {
	o := rec.Order
	if !r.p.Has(cItemsTotal) {
		var items normalize.Amount
		for _, l := range o.Lines {
			items = items.Add(l.LineTotal)
		}
		o.ItemsTotal = items
	}
	if !r.p.Has(cOrderTotal) && o.ItemsTotal.Valid {
		o.OrderTotal = normalize.Cents(o.ItemsTotal.Cents + o.Shipping.Cents - o.Discount.Cents)
	}
	return rec
}

func (r *reader) order(p *connectors.Fields) *normalize.Order {
	o := &normalize.Order{
		Source:     r.m.Source,
		Account:    r.f.Account,
		OrderID:    p.Text(cOrderID),
		PackID:     p.Text(cPackID),
		OrderedAt:  p.Time(cOrderedAt, true, r.parseTime),
		UpdatedAt:  p.Time(cUpdatedAt, false, r.parseTime),
		StatusRaw:  p.Text(cStatus),
		Currency:   strings.ToUpper(p.Text(cCurrency)),
		SourceFile: r.f.Path,
	}
	if o.Currency == "" {
		o.Currency = "BRL"
	}
	o.Status = r.status(o.StatusRaw)
	o.PaymentMethod = p.Text(cPayment)
	o.Installments = p.Int(cInstallments, false, "installments")
	o.Buyer.Ref = p.Text(cBuyerRef)
	o.Buyer.Name = p.Name(cBuyerName)
	o.Buyer.Document, o.Buyer.DocumentType = p.Document(cBuyerDoc)
	o.Buyer.Email, o.Buyer.EmailKind = p.Email(cBuyerEmail)
	o.Buyer.Phone = p.Phone(cBuyerPhone)
	o.Ship.RecipientName = p.Name(cRecipientName)
	o.Ship.RecipientPhone = p.Phone(cRecipientPhone)
	o.Ship.Street = p.Text(cStreet)
	o.Ship.Number = p.Text(cNumber)
	o.Ship.Neighborhood = p.Text(cNeighborhood)
	o.Ship.City = p.Text(cCity)
	o.Ship.Country = "BR"
	if p.Has(cCountry) {
		o.Ship.Country = p.Country(cCountry)
	}
	if o.Ship.Country == "" || o.Ship.Country == "BR" {
		o.Ship.State = p.UF(cState)
	} else {
		o.Ship.State = p.Text(cState)
	}
	o.Ship.PostalCode = p.PostalCode(cPostal, o.Ship.Country)
	return o
}

// status maps a raw status through the mapping's table first, then through
// generic Portuguese and English rules.
func (r *reader) status(raw string) normalize.Status {
	if raw == "" {
		return normalize.StatusUnknown
	}
	for k, v := range r.m.Status {
		if normalize.NameKey(k) == normalize.NameKey(raw) {
			return normalize.Status(v)
		}
	}
	return normalize.StatusFromRules(raw, genericStatus)
}

var genericStatus = []normalize.StatusRule{
	{Match: normalize.Contains("cancel"), Status: normalize.StatusCancelled},
	{Match: normalize.Contains("devol", "return", "reembols", "refund"), Status: normalize.StatusReturned},
	{Match: normalize.Contains("entregue", "delivered", "concluid", "finalizad", "complete", "finished"), Status: normalize.StatusDelivered},
	{Match: normalize.Contains("enviado", "a caminho", "transporte", "shipped", "despachad"), Status: normalize.StatusShipped},
	{Match: normalize.Contains("pago", "aprovad", "faturad", "paid", "approved", "invoiced"), Status: normalize.StatusPaid},
	{Match: normalize.Contains("pendente", "aguardando", "pending", "novo", "new"), Status: normalize.StatusPending},
}

type orderAmounts struct {
	items, shipping, discount, fees, total, net normalize.Amount
}

func (r *reader) amounts(p *connectors.Fields) orderAmounts {
	st := r.m.money
	return orderAmounts{
		items: p.Money(cItemsTotal, st), shipping: p.Money(cShipping, st), discount: p.Money(cDiscount, st),
		fees: p.Money(cFees, st), total: p.Money(cOrderTotal, st), net: p.Money(cNetTotal, st),
	}
}

func (a orderAmounts) addTo(o *normalize.Order) {
	o.ItemsTotal = o.ItemsTotal.Add(a.items)
	o.Shipping = o.Shipping.Add(a.shipping)
	o.Discount = o.Discount.Add(a.discount)
	o.Fees = o.Fees.Add(a.fees)
	o.OrderTotal = o.OrderTotal.Add(a.total)
	o.NetTotal = o.NetTotal.Add(a.net)
}

// line reads the row's order line, or nil when the mapping names no line
// field (one row per order, no items).
func (r *reader) line(p *connectors.Fields) *normalize.Line {
	if !p.Has(cSKU) && !p.Has(cTitle) && !p.Has(cQuantity) && !p.Has(cUnitPrice) && !p.Has(cLineTot) && !p.Has(cListing) {
		return nil
	}
	st := r.m.money
	l := &normalize.Line{
		SKU:       p.Text(cSKU),
		ListingID: p.Text(cListing),
		Title:     p.Text(cTitle),
		Variation: p.Text(cVariation),
		Category:  p.Text(cCategory),
		Quantity:  1,
		UnitPrice: p.Money(cUnitPrice, st),
		LineTotal: p.Money(cLineTot, st),
	}
	if p.Has(cQuantity) {
		l.Quantity = p.Int(cQuantity, true, "quantity")
	}
	switch {
	case !l.LineTotal.Valid && l.UnitPrice.Valid:
		l.LineTotal = l.UnitPrice.Times(l.Quantity)
	case !l.UnitPrice.Valid && l.LineTotal.Valid && l.Quantity > 0:
		l.UnitPrice = normalize.Cents(l.LineTotal.Cents / int64(l.Quantity))
	}
	return l
}

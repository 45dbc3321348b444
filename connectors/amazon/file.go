package amazon

import (
	"context"
	"iter"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func parseTime(s string) (time.Time, error) {
	return normalize.ParseLocalTime(s, time.UTC, normalize.LayoutRFC3339, normalize.LayoutISODateTime)
}

// ReadFile streams the flat file. Rows of one order are consecutive; each
// becomes one order line, and the order's amounts are the sums of its lines.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return connectors.Lazy(func() iter.Seq2[connectors.Record, error] {
		r, err := tabular.OpenCSV(f.Path, tabular.CSVOptions{Delimiter: '\t', Unquoted: true, Wrap: f.Wrap})
		if err != nil {
			return connectors.Fail(err)
		}
		m, err := tabular.NewHeader(r.Header(), nil).Map(columns)
		if err != nil {
			r.Close()
			return connectors.Fail(&tabular.FileError{File: f.Path, Row: r.HeaderLine(), Err: err})
		}
		var g connectors.Grouper
		fields := connectors.NewFields(m, nil)
		read := func(row tabular.Row, emit connectors.Emit) bool {
			fields.Reset(row.Cells)
			id := fields.Require(colOrderID, "order id")
			cur := g.Current(id)
			var o *normalize.Order
			if cur == nil {
				o = readOrder(fields, f)
				o.SourceRow = row.Number
			}
			line := readLine(fields)
			amounts := readAmounts(fields)
			rejects := fields.Rejects(Name, f.Path, "", row.Number)
			if fields.Skipped() {
				return emit(connectors.Record{Rejects: rejects})
			}
			if cur == nil {
				cur = o
				if prev, ok := g.Start(id, o); ok && !emit(prev) {
					return false
				}
			}
			line.LineNo = len(cur.Lines) + 1
			line.SourceRow = row.Number
			cur.Lines = append(cur.Lines, line)
			amounts.addTo(cur)
			g.AddRejects(rejects)
			return true
		}
		flush := func(emit connectors.Emit) bool {
			if rec, ok := g.Flush(); ok {
				return emit(rec)
			}
			return true
		}
		return connectors.StreamRows(ctx, Name, f.Path, "", r, read, flush)
	})
}

func readOrder(p *connectors.Fields, f connectors.File) *normalize.Order {
	o := &normalize.Order{
		Source:     Name,
		Account:    f.Account,
		OrderID:    p.Text(colOrderID),
		OrderedAt:  p.Time(colPurchaseDate, true, parseTime),
		UpdatedAt:  p.Time(colLastUpdated, false, parseTime),
		StatusRaw:  p.Text(colOrderStatus),
		Currency:   p.Text(colCurrency),
		SourceFile: f.Path,
	}
	o.Status = status(o.StatusRaw)
	o.Ship.City = p.Text(colShipCity)
	o.Ship.Country = p.Country(colShipCountry)
	if o.Ship.Country == "" || o.Ship.Country == "BR" {
		o.Ship.State = p.UF(colShipState)
	} else {
		o.Ship.State = p.Text(colShipState)
	}
	o.Ship.PostalCode = p.PostalCode(colShipPostalCode, o.Ship.Country)
	o.Buyer.Document, o.Buyer.DocumentType = p.Document(colCPF)
	// The flat file carries no buyer name or e-mail; the CPF (report by
	// order date only) is the one identifier it has.
	return o
}

func readLine(p *connectors.Fields) normalize.Line {
	l := normalize.Line{
		SKU:       p.Text(colSKU),
		ListingID: p.Text(colASIN),
		Title:     p.Text(colProductName),
		Quantity:  p.Int(colQuantity, true, "quantity"),
	}
	l.LineTotal, _ = normalize.ParseMoney(p.Raw(colItemPrice), normalize.MoneyDot)
	l.Status = status(p.Text(colItemStatus))
	if l.LineTotal.Valid && l.Quantity > 0 {
		l.UnitPrice = normalize.Cents(divRound(l.LineTotal.Cents, int64(l.Quantity)))
	}
	return l
}

// lineAmounts is one row's share of the order's money. item-price is the
// line total; promotion discounts are written with either sign across
// report vintages, so their size is what counts.
type lineAmounts struct{ item, ship, tax, disc normalize.Amount }

func readAmounts(p *connectors.Fields) lineAmounts {
	return lineAmounts{
		item: p.Money(colItemPrice, normalize.MoneyDot),
		ship: p.Money(colShippingPrice, normalize.MoneyDot).Add(p.Money(colGiftWrapPrice, normalize.MoneyDot)),
		tax:  p.Money(colItemTax, normalize.MoneyDot).Add(p.Money(colShippingTax, normalize.MoneyDot)).Add(p.Money(colGiftWrapTax, normalize.MoneyDot)),
		disc: abs(p.Money(colItemPromo, normalize.MoneyDot)).Add(abs(p.Money(colShipPromo, normalize.MoneyDot))),
	}
}

func (a lineAmounts) addTo(o *normalize.Order) {
	o.ItemsTotal = o.ItemsTotal.Add(a.item)
	o.Shipping = o.Shipping.Add(a.ship)
	o.Discount = o.Discount.Add(a.disc)
	total := a.item.Add(a.ship).Add(a.tax)
	if total.Valid {
		total.Cents -= a.disc.Cents
	}
	o.OrderTotal = o.OrderTotal.Add(total)
}

func abs(a normalize.Amount) normalize.Amount {
	if a.Cents < 0 {
		a.Cents = -a.Cents
	}
	return a
}

// divRound divides rounding half away from zero.
func divRound(a, b int64) int64 {
	if (a < 0) != (b < 0) {
		return (a - b/2) / b
	}
	return (a + b/2) / b
}

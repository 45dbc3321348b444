package shopee

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func parseTime(s string) (time.Time, error) {
	return normalize.ParseLocalTime(s, normalize.SaoPaulo, normalize.LayoutISODateTimeMinute, normalize.LayoutISODateTime)
}

// parseCreated is parseTime for the creation date, which an order cannot
// do without: Shopee writes a missing time as "-", which reads as no time
// rather than as an error.
func parseCreated(s string) (time.Time, error) {
	t, err := parseTime(s)
	if err == nil && t.IsZero() {
		return t, errors.New("the order's creation date is empty")
	}
	return t, err
}

// ReadFile streams the export. The lines of one order are consecutive rows
// with the same order id; the order's own columns are read once, from its
// first line, because Shopee repeats them on every line and adding them up
// would count an order's total once per line.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		rows, err := tabular.OpenSheet(f.Path, layouts[0].Sheet, tabular.Limits{})
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		sheet, src := rows.Sheet(), rows
		if !rows.Next() {
			src.Close()
			err := rows.Err()
			if err == nil {
				err = &tabular.FileError{File: f.Path, Err: fmt.Errorf("sheet %q is empty", sheet)}
			}
			yield(connectors.Record{}, err)
			return
		}
		hdr := slices.Clone(rows.Row().Cells)
		m, err := tabular.NewHeader(hdr, nil).Map(columns)
		if err != nil {
			src.Close()
			yield(connectors.Record{}, &tabular.FileError{File: f.Path, Row: rows.Row().Number, Err: fmt.Errorf("sheet %q: %w", sheet, err)})
			return
		}
		rows.SetWidth(len(hdr))
		var g connectors.Grouper
		p := connectors.NewFields(m, nil)
		read := func(row tabular.Row, emit connectors.Emit) bool {
			if connectors.Blank(row.Cells) {
				return true
			}
			p.Reset(row.Cells)
			id := orderID(p)
			cur := g.Current(id)
			var o *normalize.Order
			if cur == nil {
				o = readOrder(p, f)
				o.SourceRow = row.Number
			}
			line := readLine(p)
			rejects := p.Rejects(Name, f.Path, sheet, row.Number)
			if p.Skipped() {
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
			if base := status(cur.StatusRaw); line.Status == "" {
				line.Status = base
			} else if base != normalize.StatusCancelled {
				// A line that came back makes the order a return.
				cur.Status = normalize.StatusReturned
			}
			cur.Lines = append(cur.Lines, line)
			cur.ItemsTotal = cur.ItemsTotal.Add(line.LineTotal)
			g.AddRejects(rejects)
			return true
		}
		flush := func(emit connectors.Emit) bool {
			if rec, ok := g.Flush(); ok {
				return emit(rec)
			}
			return true
		}
		connectors.StreamRows(ctx, Name, f.Path, sheet, src, read, flush)(yield)
	}
}

// orderID reads the order number as written. Shopee's are text cells of
// digits and capitals ("260217149573E0"), so a value that looks like
// Excel's scientific notation is an ordinary id here.
func orderID(p *connectors.Fields) string {
	return p.Require(colOrderID, "order id")
}

func readOrder(p *connectors.Fields, f connectors.File) *normalize.Order {
	o := &normalize.Order{
		Source:     Name,
		Account:    f.Account,
		OrderedAt:  p.Time(colCreatedAt, true, parseCreated),
		StatusRaw:  p.Text(colStatus),
		Currency:   "BRL",
		SourceFile: f.Path,
	}
	o.OrderID = p.Text(colOrderID)
	o.Status = status(o.StatusRaw)
	// Shopee has no "updated at"; the latest event it dates stands in, so a
	// later export of the same order wins a merge.
	o.UpdatedAt = connectors.Latest(o.OrderedAt,
		p.Time(colPaidAt, false, parseTime),
		p.Time(colShippedAt, false, parseTime),
		p.Time(colCompletedAt, false, parseTime))

	o.Shipping = p.Money(colBuyerShipping, normalize.MoneyDot)
	o.Discount = sumAbs(p, colSellerCoupon, colShopeeCoupon, colBundleSeller, colBundleShopee)
	o.Fees = sumAbs(p, colCommission, colServiceFee, colTransactionFee, colReverseShipping)
	// "Total global" is what the buyer paid: products and shipping, card
	// interest included, after Shopee vouchers and coins. "Valor Total" is
	// the order's value before those; it stands in when the export lacks
	// the first.
	value := p.Money(colOrderValue, normalize.MoneyDot)
	o.OrderTotal = value
	if p.Has(colGrandTotal) {
		o.OrderTotal = p.Money(colGrandTotal, normalize.MoneyDot)
	}

	o.Buyer.Ref = p.Text(colUsername)
	o.Buyer.Document, o.Buyer.DocumentType = p.CPF(colCPF)
	o.Ship.RecipientName = p.Name(colRecipient)
	o.Ship.RecipientPhone = p.Phone(colPhone)
	if a := p.Text(colAddress); !normalize.IsMasked(a) {
		o.Ship.Street = a
	}
	o.Ship.City = p.Text(colCity)
	if o.Ship.City == "" {
		o.Ship.City = p.Text(colFirstCity)
	}
	o.Ship.Neighborhood = p.Text(colNeighborhood)
	o.Ship.State = p.UF(colState)
	o.Ship.PostalCode = p.CEP(colPostalCode)
	o.Ship.Country = p.Country(colCountry)
	return o
}

// readLine reads one order line. The line's status is set only when the
// line was returned; otherwise it follows the order's.
func readLine(p *connectors.Fields) normalize.Line {
	l := normalize.Line{
		SKU:       p.Text(colSKU),
		Title:     p.Text(colProductName),
		Variation: p.Text(colVariation),
		Quantity:  p.Int(colQuantity, true, "quantity"),
		UnitPrice: p.Money(colDealPrice, normalize.MoneyDot),
		LineTotal: p.Money(colSubtotal, normalize.MoneyDot),
	}
	if l.SKU == "" {
		l.SKU = p.Text(colParentSKU)
	}
	if returned(p.Text(colReturnStatus)) {
		l.Status = normalize.StatusReturned
	}
	return l
}

// sumAbs adds amounts Shopee writes as positive charges or discounts; a
// sign some vintage might add does not turn a charge into income.
func sumAbs(p *connectors.Fields, cols ...int) normalize.Amount {
	var out normalize.Amount
	for _, c := range cols {
		a := p.Money(c, normalize.MoneyDot)
		if a.Cents < 0 {
			a.Cents = -a.Cents
		}
		out = out.Add(a)
	}
	return out
}

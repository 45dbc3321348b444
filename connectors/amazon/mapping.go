package amazon

import (
	"encoding/json"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

// Both Orders API versions are read into the views below and mapped to
// normalize.Order by the same code, so an order comes out alike whichever
// version the seller pulls with, and alike to the flat file's.

// value is one payload value with the JSON path it came from, which a
// reject names.
type value struct{ col, val string }

// orderView is an order as either API version gives it.
type orderView struct {
	id, ordered, updated value
	status, currency     string
	buyerName            string
	buyerEmail           value
	// documents are the buyer's tax ids, tried in turn for a CPF or CNPJ.
	documents []value
	ship      *shipView
}

type shipView struct {
	name                          string
	city                          string
	phone, state, postal, country value
}

// lineView is one order item. item is the line total (both versions give
// the price of all units, as item-price in the flat file); ship, tax and
// disc are summed into the order as the flat file's columns are.
type lineView struct {
	sku, asin, title string
	qty              value
	currency         string
	item             []value
	// unit is Amazon's unit price, used only when no line total is given.
	unit            value
	ship, tax, disc []value
	// cancelled is true for an item Amazon cancelled on its own (2026-01-01
	// cancellation.cancellationExecution): none of its units are bought.
	cancelled bool
}

// head maps an order's own fields, read from the endpoint file names.
// Without an order, the Record is what to yield instead: nothing for an
// order last updated outside [Since, Until) (Amazon includes some, its
// bounds being rounded to the second), the rejects of one that cannot be
// used.
func (p *pull) head(file string, v orderView) (*apiclient.Fields, *normalize.Order, connectors.Record) {
	f := &apiclient.Fields{Source: Name, File: file}
	out := &normalize.Order{
		Source:    Name,
		Account:   p.src.Account,
		OrderID:   f.ID(v.id.col, v.id.val),
		OrderedAt: f.Time(v.ordered.col, v.ordered.val, true),
		UpdatedAt: f.Time(v.updated.col, v.updated.val, false),
		StatusRaw: normalize.CleanText(v.status),
		Currency:  v.currency,
	}
	if !out.UpdatedAt.IsZero() && (out.UpdatedAt.Before(p.src.Since) || !out.UpdatedAt.Before(p.src.Until)) {
		return f, nil, connectors.Record{}
	}
	out.Status = status(out.StatusRaw)
	if a := v.ship; a != nil {
		out.Ship.RecipientName = normalize.CleanName(a.name)
		if a.phone.val != "" {
			out.Ship.RecipientPhone = f.Phone(a.phone.col, a.phone.val)
		}
		out.Ship.City = normalize.CleanText(a.city)
		if a.country.val != "" {
			out.Ship.Country = f.Country(a.country.col, a.country.val)
		}
		if a.state.val != "" {
			out.Ship.State = f.State(a.state.col, a.state.val, out.Ship.Country)
		}
		if a.postal.val != "" {
			out.Ship.PostalCode = f.PostalCode(a.postal.col, a.postal.val, out.Ship.Country)
		}
	}
	out.Buyer.Name = normalize.CleanName(v.buyerName)
	if v.buyerEmail.val != "" {
		// Amazon gives a relay (…@marketplace.amazon.com.br), which
		// ParseEmail marks as such so it is not matched as the buyer's.
		out.Buyer.Email, out.Buyer.EmailKind = f.Email(v.buyerEmail.col, v.buyerEmail.val)
	}
	for _, d := range v.documents {
		if d.val == "" {
			continue
		}
		if out.Buyer.Document, out.Buyer.DocumentType = f.Document(d.col, d.val); out.Buyer.Document != "" {
			break
		}
	}
	if f.Skipped() {
		return f, nil, connectors.Record{Rejects: f.Rejects()}
	}
	return f, out, connectors.Record{}
}

// addLine adds one item to the order and sums its money into the order's.
func addLine(f *apiclient.Fields, o *normalize.Order, v lineView) {
	l := normalize.Line{
		LineNo:    len(o.Lines) + 1,
		SKU:       normalize.CleanText(v.sku),
		ListingID: normalize.CleanText(v.asin),
		Title:     normalize.CleanText(v.title),
		Quantity:  f.Int(v.qty.col, json.Number(v.qty.val), true),
		Status:    o.Status,
	}
	if v.cancelled {
		// Nothing of it is bought: no units and none of its money, which
		// Amazon may still list.
		l.Quantity, l.LineTotal, l.Status = 0, normalize.Cents(0), normalize.StatusCancelled
		if v.unit.val != "" {
			l.UnitPrice = f.Money(v.unit.col, json.Number(v.unit.val))
		}
		o.Lines = append(o.Lines, l)
		return
	}
	a := lineAmounts{item: sum(f, v.item), ship: sum(f, v.ship), tax: sum(f, v.tax)}
	for _, d := range v.disc {
		a.disc = a.disc.Add(abs(f.Money(d.col, json.Number(d.val))))
	}
	l.LineTotal = a.item
	switch {
	case l.LineTotal.Valid && l.Quantity > 0:
		l.UnitPrice = normalize.Cents(divRound(l.LineTotal.Cents, int64(l.Quantity)))
	case !l.LineTotal.Valid && v.unit.val != "":
		l.UnitPrice = f.Money(v.unit.col, json.Number(v.unit.val))
	}
	if o.Currency == "" {
		o.Currency = v.currency
	}
	o.Lines = append(o.Lines, l)
	a.addTo(o)
}

func sum(f *apiclient.Fields, vs []value) normalize.Amount {
	var s normalize.Amount
	for _, v := range vs {
		s = s.Add(f.Money(v.col, json.Number(v.val)))
	}
	return s
}

// finish takes Amazon's own total for an order none of whose items is
// priced (a pending order), leaves out the lines with no unit, and returns
// the order's Record.
func finish(f *apiclient.Fields, o *normalize.Order, total value) connectors.Record {
	dropGone(o)
	if !o.OrderTotal.Valid && total.col != "" {
		o.OrderTotal = f.Money(total.col, json.Number(total.val))
	}
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}
	}
	return connectors.Record{Order: o, Rejects: f.Rejects()}
}

// dropGone leaves out the lines with no unit left (an item cancelled alone,
// which Amazon keeps on the order), so an earlier sync's copy of them does
// not stay: the latest sighting's lines replace the earlier ones. An order
// with no unit left at all keeps its lines at quantity 0, cancelled, for
// the same reason; it is cancelled itself.
func dropGone(o *normalize.Order) {
	kept := o.Lines[:0]
	for _, l := range o.Lines {
		if l.Quantity > 0 {
			l.LineNo = len(kept) + 1
			kept = append(kept, l)
		}
	}
	if len(kept) > 0 {
		clear(o.Lines[len(kept):])
		o.Lines = kept
		return
	}
	if len(o.Lines) > 0 {
		o.Status = normalize.StatusCancelled
		for i := range o.Lines {
			o.Lines[i].LineNo, o.Lines[i].Status = i+1, normalize.StatusCancelled
		}
	}
}

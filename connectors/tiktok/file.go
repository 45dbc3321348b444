package tiktok

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func parseTime(s string) (time.Time, error) {
	return normalize.ParseLocalTime(s, normalize.SaoPaulo, normalize.LayoutUSDateTime12)
}

// parseCreated is parseTime for the creation date, which an order cannot
// do without: a "-" reads as no time rather than as an error.
func parseCreated(s string) (time.Time, error) {
	t, err := parseTime(s)
	if err == nil && t.IsZero() {
		return t, errors.New("the order's creation time is empty")
	}
	return t, err
}

// ReadFile streams the export, XLSX or CSV. The rows of one order are
// consecutive; each is one SKU line, and the order's own columns are read
// from its first row only.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		kind, err := tabular.DetectKind(f.Path)
		if err != nil {
			yield(connectors.Record{}, &tabular.FileError{File: f.Path, Err: err})
			return
		}
		var src tabular.Rows
		var hdr []string
		var sheet string
		hdrRow := 1
		if kind == tabular.KindCSV {
			r, err := openCSV(f)
			if err != nil {
				yield(connectors.Record{}, err)
				return
			}
			src, hdr, hdrRow = r, r.Header(), r.HeaderLine()
		} else {
			rows, err := tabular.OpenSheet(f.Path, layouts[0].Sheet, tabular.Limits{})
			if err != nil {
				yield(connectors.Record{}, err)
				return
			}
			sheet = rows.Sheet()
			if !rows.Next() {
				rows.Close()
				err := rows.Err()
				if err == nil {
					err = &tabular.FileError{File: f.Path, Err: fmt.Errorf("sheet %q is empty", sheet)}
				}
				yield(connectors.Record{}, err)
				return
			}
			hdr = slices.Clone(rows.Row().Cells)
			rows.SetWidth(len(hdr))
			src = rows
		}
		m, err := tabular.NewHeader(hdr, nil).Map(columns)
		if err != nil {
			src.Close()
			if sheet != "" {
				err = fmt.Errorf("sheet %q: %w", sheet, err)
			}
			yield(connectors.Record{}, &tabular.FileError{File: f.Path, Row: hdrRow, Err: err})
			return
		}
		var g connectors.Grouper
		p := connectors.NewFields(m, nil)
		// The first non-blank row under the header may describe the
		// columns ("Platform unique order ID."); it is not data.
		first := true
		src = connectors.DataRows(src, func(row tabular.Row) bool {
			if row.Problem != nil || connectors.Blank(row.Cells) || !first {
				return true
			}
			first = false
			return !isDescription(normalize.CleanText(m.Get(row.Cells, colOrderID)))
		})
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
				o.OrderID = id
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
			line.Status = cur.Status
			cur.Lines = append(cur.Lines, line.Line)
			cur.ItemsTotal = cur.ItemsTotal.Add(line.before)
			cur.Discount = cur.Discount.Add(line.discount)
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

// openCSV opens the CSV flavour. TikTok ends every cell with a tab (so that
// Excel keeps long ids as text); the header line then has as many tabs as
// commas and delimiter sniffing takes the tab, so a header that splits into
// cells holding commas is opened again with the comma.
func openCSV(f connectors.File) (*tabular.CSVReader, error) {
	r, err := tabular.OpenCSV(f.Path, tabular.CSVOptions{Wrap: f.Wrap})
	if err != nil {
		return nil, err
	}
	if r.Delimiter() != '\t' || !slices.ContainsFunc(r.Header(), func(h string) bool { return strings.Contains(h, ",") }) {
		return r, nil
	}
	r.Close()
	return tabular.OpenCSV(f.Path, tabular.CSVOptions{Wrap: f.Wrap, Delimiter: ','})
}

// isDescription recognises the row under the header that describes each
// column ("Platform unique order ID."): an order id has no letters. Only
// the first row after the header is tested, so a mangled id further down is
// reported, not skipped.
func isDescription(id string) bool {
	return strings.ContainsFunc(id, unicode.IsLetter)
}

func orderID(p *connectors.Fields) string {
	raw := p.Raw(colOrderID)
	id, err := normalize.ParseID(raw)
	switch {
	case err != nil:
		p.Skip(colOrderID, raw, err.Error())
	case id == "":
		p.Skip(colOrderID, raw, "the order id is empty")
	}
	return id
}

func readOrder(p *connectors.Fields, f connectors.File) *normalize.Order {
	o := &normalize.Order{
		Source:        Name,
		Account:       f.Account,
		OrderedAt:     p.Time(colCreatedAt, true, parseCreated),
		StatusRaw:     p.Text(colStatus),
		Currency:      "BRL",
		Shipping:      p.Money(colShipping, normalize.MoneyBR),
		OrderTotal:    p.Money(colOrderAmount, normalize.MoneyBR),
		PaymentMethod: p.Text(colPaymentMethod),
		SourceFile:    f.Path,
	}
	o.Status = status(o.StatusRaw, p.Text(colCancelReturnType))
	if sub := p.Text(colSubstatus); sub != "" {
		o.StatusRaw += " / " + sub
	}
	// The export has no "updated at"; the latest event it dates stands in,
	// so a later export of the same order wins a merge.
	o.UpdatedAt = connectors.Latest(o.OrderedAt,
		p.Time(colPaidAt, false, parseTime),
		p.Time(colRTSAt, false, parseTime),
		p.Time(colShippedAt, false, parseTime),
		p.Time(colDeliveredAt, false, parseTime),
		p.Time(colCancelledAt, false, parseTime))

	o.Buyer.Ref = p.Text(colUsername)
	o.Buyer.Name = p.Name(colCPFName)
	o.Buyer.Document, o.Buyer.DocumentType = p.CPF(colCPF)
	o.Ship.RecipientName = p.Name(colRecipient)
	o.Ship.RecipientPhone = p.Phone(colPhone)
	o.Ship.Street = p.Text(colStreet)
	o.Ship.Number = p.Text(colNumber)
	o.Ship.Neighborhood = p.Text(colNeighborhood)
	o.Ship.City = p.Text(colCity)
	o.Ship.State = p.UF(colState)
	o.Ship.PostalCode = p.CEP(colZipcode)
	o.Ship.Country = p.Country(colCountry)
	return o
}

// line is one SKU row: the canonical line and its share of the order's
// products total and discount.
type line struct {
	normalize.Line
	before   normalize.Amount
	discount normalize.Amount
}

func readLine(p *connectors.Fields) line {
	l := line{Line: normalize.Line{
		SKU:       p.Text(colSellerSKU),
		ListingID: p.Text(colSKUID),
		Title:     p.Text(colProductName),
		Variation: p.Text(colVariation),
		Category:  p.Text(colCategory),
		Quantity:  p.Int(colQuantity, true, "quantity"),
		UnitPrice: p.Money(colUnitPrice, normalize.MoneyBR),
		LineTotal: p.Money(colSubtotalAfter, normalize.MoneyBR),
	}}
	l.before = p.Money(colSubtotalBefore, normalize.MoneyBR)
	if !l.before.Valid && l.UnitPrice.Valid {
		l.before = l.UnitPrice.Times(l.Quantity)
	}
	l.discount = p.Money(colPlatformDiscount, normalize.MoneyBR).Add(p.Money(colSellerDiscount, normalize.MoneyBR))
	return l
}

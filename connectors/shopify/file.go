package shopify

import (
	"context"
	"iter"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// ReadFile streams the export. Shopify writes the order's own fields (date,
// totals, addresses) only on the first line of each order; the following
// lines carry the name and the line item, and are attached to it.
func (connector) ReadFile(ctx context.Context, f connectors.File) iter.Seq2[connectors.Record, error] {
	return connectors.Lazy(func() iter.Seq2[connectors.Record, error] {
		loc := normalize.SaoPaulo
		if tz := f.Options["timezone"]; tz != "" {
			l, err := time.LoadLocation(tz)
			if err != nil {
				return connectors.Fail(&tabular.FileError{File: f.Path, Err: err})
			}
			loc = l
		}
		parseTime := func(s string) (time.Time, error) {
			return normalize.ParseLocalTime(s, loc, normalize.LayoutShopify, normalize.LayoutISODateTime,
				normalize.LayoutBRDateTime, normalize.LayoutBRDateTimeSeconds)
		}
		r, err := tabular.OpenCSV(f.Path, tabular.CSVOptions{Wrap: f.Wrap})
		if err != nil {
			return connectors.Fail(err)
		}
		m, err := tabular.NewHeader(r.Header(), nil).Map(columns)
		if err != nil {
			r.Close()
			return connectors.Fail(&tabular.FileError{File: f.Path, Row: r.HeaderLine(), Err: err})
		}
		var g connectors.Grouper
		p := connectors.NewFields(m, nil)
		read := func(row tabular.Row, emit connectors.Emit) bool {
			p.Reset(row.Cells)
			name := p.Require(colName, "order name")
			cur := g.Current(name)
			var o *normalize.Order
			switch {
			case cur != nil:
				// Newer exports repeat "Created at" on every line; the name
				// alone says the line continues the order.
			case p.Text(colCreatedAt) != "" || p.Text(colTotal) != "":
				o = readOrder(p, f, parseTime)
				o.SourceRow = row.Number
			case name != "":
				p.Skip(colCreatedAt, "", "this line continues order "+name+", but the order's first line (with its date and totals) is not right before it")
			}
			line := readLine(p)
			rejects := p.Rejects(Name, f.Path, "", row.Number)
			if p.Skipped() {
				return emit(connectors.Record{Rejects: rejects})
			}
			if o != nil {
				cur = o
				if prev, ok := g.Start(name, o); ok && !emit(prev) {
					return false
				}
			}
			line.LineNo = len(cur.Lines) + 1
			line.SourceRow = row.Number
			if line.Status == "" {
				line.Status = cur.Status
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
		return connectors.StreamRows(ctx, Name, f.Path, "", r, read, flush)
	})
}

func readOrder(p *connectors.Fields, f connectors.File, parseTime func(string) (time.Time, error)) *normalize.Order {
	o := &normalize.Order{
		Source:     Name,
		Account:    f.Account,
		OrderID:    p.Text(colName),
		OrderedAt:  p.Time(colCreatedAt, true, parseTime),
		Currency:   p.Text(colCurrency),
		Shipping:   p.Money(colShipping, normalize.MoneyDot),
		Discount:   p.Money(colDiscountAmount, normalize.MoneyDot),
		OrderTotal: p.Money(colTotal, normalize.MoneyDot),
		SourceFile: f.Path,
	}
	// Shopify's export has no "updated at"; the latest event it dates is the
	// best stand-in, so a later export of the same order wins a merge.
	cancelledAt := p.Time(colCancelledAt, false, parseTime)
	paidAt := p.Time(colPaidAt, false, parseTime)
	o.UpdatedAt = connectors.Latest(o.OrderedAt, paidAt, cancelledAt)
	fin, ful := p.Text(colFinancialStatus), p.Text(colFulfillmentStatus)
	o.StatusRaw = strings.Trim(fin+"/"+ful, "/")
	o.Status = status(fin, ful, !cancelledAt.IsZero())
	o.PaymentMethod = p.Text(colPaymentMethod)

	o.Buyer.Name = p.Name(colBillingName)
	o.Buyer.Email, o.Buyer.EmailKind = p.Email(colEmail)
	o.Buyer.Phone = p.Phone(colPhone)
	if o.Buyer.Phone == "" {
		o.Buyer.Phone = p.Phone(colBillingPhone)
	}
	attrs := noteAttributes(p.Raw(colNoteAttributes))
	if doc := firstOf(attrs, "billing_cpf", "cpf", "billing_cnpj", "cnpj", "cpf_cnpj", "document", "documento", "billing_document"); doc != "" {
		if d, t, err := normalize.ParseDocument(doc); err == nil {
			o.Buyer.Document, o.Buyer.DocumentType = d, t
		} else {
			p.Drop(colNoteAttributes, doc, err.Error())
		}
	}
	if o.PaymentMethod == "" {
		o.PaymentMethod = firstOf(attrs, "payment_type", "payment_method")
	}
	if n := firstOf(attrs, "payment_installment", "installments"); n != "" {
		if v, ok := atoi32(n); ok {
			o.Installments = v
		}
	}

	o.Ship.RecipientName = p.Name(colShippingName)
	o.Ship.RecipientPhone = p.Phone(colShippingPhone)
	o.Ship.Street = p.Text(colShippingStreet)
	o.Ship.Number = firstOf(attrs, "shipping_street_number")
	o.Ship.Neighborhood = normalize.CleanText(firstOf(attrs, "shipping_neighborhood"))
	o.Ship.City = p.Text(colShippingCity)
	o.Ship.Country = p.Country(colShippingCountry)
	zip, province := colShippingZip, colShippingProvince
	if o.Ship.City == "" && o.Ship.Country == "" {
		// Orders without shipping (digital goods) still have a billing address.
		o.Ship.City = p.Text(colBillingCity)
		o.Ship.Country = p.Country(colBillingCountry)
		zip, province = colBillingZip, colBillingProvince
	}
	o.Ship.PostalCode = p.PostalCode(zip, o.Ship.Country)
	if o.Ship.Country == "" || o.Ship.Country == "BR" {
		o.Ship.State = p.UF(province)
	} else {
		o.Ship.State = p.Text(province)
	}
	return o
}

func readLine(p *connectors.Fields) normalize.Line {
	l := normalize.Line{
		SKU:       p.Text(colLineSKU),
		Title:     p.Text(colLineName),
		Quantity:  p.Int(colQuantity, true, "line item quantity"),
		UnitPrice: p.Money(colLinePrice, normalize.MoneyDot),
	}
	if l.UnitPrice.Valid {
		l.LineTotal = l.UnitPrice.Times(l.Quantity)
	}
	if s := p.Text(colLineFulfillment); s != "" {
		l.Status = normalize.StatusFromRules(s, fulfillmentRules)
		if l.Status == normalize.StatusUnknown {
			l.Status = ""
		}
	}
	// Shopify titles read "Product - Variant"; the variant is not split out
	// because product names contain " - " too.
	return l
}

// noteAttributes parses "key: value" lines that checkout apps write, where
// Brazilian stores keep the CPF, street number and installments.
func noteAttributes(s string) map[string]string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := out[k]; !dup {
			out[k] = normalize.CleanText(v)
		}
	}
	return out
}

func firstOf(m map[string]string, keys ...string) string {
	for _, k := range keys {
		if v := m[k]; v != "" {
			return v
		}
	}
	return ""
}

func atoi32(s string) (int32, bool) {
	var n int32
	if s == "" || len(s) > 4 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int32(r-'0')
	}
	return n, true
}

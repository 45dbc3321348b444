// Package export writes the customers and the orders of a dataset as the
// spreadsheets a seller opens in Excel or loads into an e-mail or CRM tool:
// XLSX (with excelize) or CSV.
//
// Headers, numbers and dates follow the language: pt-BR (the default) writes
// CSV with ';' between fields, a decimal comma and dd/mm/yyyy dates, the way
// Excel in Portuguese opens it with a double click; en writes ',', a decimal
// point and ISO dates. CSV starts with a UTF-8 byte order mark, without which
// Excel reads "São Paulo" as Windows-1252. CSV is written with encoding/csv:
// the header changes with the language, which struct-tag mappers such as
// gocsv cannot do without a type per language.
//
// No cell becomes a formula. XLSX text cells are string cells, which no
// spreadsheet evaluates. In CSV a text value starting with '=', '+', '-',
// '@', a tab or a carriage return gets a leading apostrophe, as OWASP
// recommends against CSV injection; numbers and dates, which this package
// writes itself, are left alone.
package export

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/orderhist/orderhist/history"
)

// Formats the exports are written in.
const (
	FormatXLSX = "xlsx"
	FormatCSV  = "csv"
)

// Languages of the headers and of the number and date formats; the first
// is the default.
var Languages = []string{"pt-BR", "en"}

// Options say what to write and how.
type Options struct {
	Format string
	Lang   string
	Filter Filter
}

// Filter selects customers (and, for the orders export, their orders). Zero
// values select everything.
type Filter struct {
	Segment history.Segment
	// Channel keeps customers who bought on it, and only its orders.
	Channel string
	// InactiveDays keeps customers whose latest purchase is this many
	// days old or more; customers without a purchase are left out.
	InactiveDays int
}

// Check reports options the exports cannot follow.
func (o Options) Check() error {
	if o.Format != FormatXLSX && o.Format != FormatCSV {
		return fmt.Errorf("format must be xlsx or csv, not %q", o.Format)
	}
	if !slices.Contains(Languages, o.Lang) {
		return fmt.Errorf("language must be one of %s, not %q", strings.Join(Languages, ", "), o.Lang)
	}
	if o.Filter.InactiveDays < 0 {
		return fmt.Errorf("inactive days must be 0 or more, not %d", o.Filter.InactiveDays)
	}
	return nil
}

// keeps tells whether the filter selects customer c.
func (f Filter) keeps(c *history.Customer) bool {
	if f.Segment != "" && c.Segment != f.Segment {
		return false
	}
	if f.Channel != "" && !slices.Contains(c.Channels, f.Channel) {
		return false
	}
	if f.InactiveDays > 0 && (c.Purchases == 0 || c.DaysSince < f.InactiveDays) {
		return false
	}
	return true
}

// Customers writes one row per selected customer, biggest spenders first
// (by their main currency, the dataset's main currency first), and returns
// how many it wrote.
func Customers(ctx context.Context, w io.Writer, h *history.History, opt Options) (int, error) {
	if err := opt.Check(); err != nil {
		return 0, err
	}
	var list []*history.Customer
	for _, c := range h.Customers {
		if opt.Filter.keeps(c) {
			list = append(list, c)
		}
	}
	// Amounts in different currencies are not compared: customers of the
	// dataset's main currency come first, by spend, then the next
	// currency's, then those who bought nothing.
	total := map[string]int64{}
	for _, c := range h.Customers {
		for _, m := range c.Spend {
			total[m.Currency] += m.Cents
		}
	}
	rank := func(c *history.Customer) (int64, int64) {
		if len(c.Spend) == 0 {
			return math.MinInt64, 0
		}
		m := c.MainSpend()
		return total[m.Currency], m.Cents
	}
	slices.SortFunc(list, func(a, b *history.Customer) int {
		at, ac := rank(a)
		bt, bc := rank(b)
		return cmp.Or(cmp.Compare(bt, at), cmp.Compare(bc, ac), strings.Compare(a.ID, b.ID))
	})
	l := newLocale(opt.Lang, h)
	sw, err := newSheet(w, opt, l, l.T("sheet_customers"), customerColumns(l))
	if err != nil {
		return 0, err
	}
	for i, c := range list {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return i, err
			}
		}
		if err := sw.row(customerRow(l, c)); err != nil {
			return i, err
		}
	}
	return len(list), sw.close()
}

// Orders writes the selected customers' orders (all orders without a
// filter), in the dataset's month order, and returns how many it wrote.
func Orders(ctx context.Context, w io.Writer, src history.Committed, h *history.History, opt Options) (int, error) {
	if err := opt.Check(); err != nil {
		return 0, err
	}
	l := newLocale(opt.Lang, h)
	sw, err := newSheet(w, opt, l, l.T("sheet_orders"), orderColumns(l))
	if err != nil {
		return 0, err
	}
	filtered := opt.Filter != Filter{}
	n := 0
	err = history.EachOrder(ctx, src, func(o *history.OrderRecord) error {
		c := h.Customer(o.CustomerID)
		if filtered && (c == nil || !opt.Filter.keeps(c)) {
			return nil
		}
		if opt.Filter.Channel != "" && o.Source != opt.Filter.Channel {
			return nil
		}
		n++
		return sw.row(orderRow(l, o, c))
	})
	if err != nil {
		return n, err
	}
	return n, sw.close()
}

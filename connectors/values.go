package connectors

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

type runTimeKey struct{}

// WithRunTime gives the readers under ctx the run's clock reading, which
// bounds the dates an order may have (normalize.PlausibleDates). Connectors
// take no clock of their own: tests run them at any date, and one run
// checks every file against the same instant.
func WithRunTime(ctx context.Context, now time.Time) context.Context {
	return context.WithValue(ctx, runTimeKey{}, now)
}

// RunDates is the range of dates plausible in the run ctx belongs to, or
// normalize.AnyDate when ctx carries no run time.
func RunDates(ctx context.Context) normalize.DateRange {
	if now, ok := ctx.Value(runTimeKey{}).(time.Time); ok && !now.IsZero() {
		return normalize.PlausibleDates(now)
	}
	return normalize.AnyDate
}

// CheckRecords passes every record through CheckRecord with the range of
// dates plausible at now, the run's clock. Every connector's records go
// through it before they reach the dataset: file connectors from
// StreamRows, and the engine applies it to what API pulls yield.
func CheckRecords(records iter.Seq2[Record, error], now time.Time) iter.Seq2[Record, error] {
	dates := normalize.PlausibleDates(now)
	return func(yield func(Record, error) bool) {
		for rec, err := range records {
			if err == nil {
				CheckRecord(&rec, dates, "")
			}
			if !yield(rec, err) {
				return
			}
		}
	}
}

// CheckRecord keeps out of an order what the dataset cannot store and read
// back as written, with a reject saying why:
//
//   - a purchase date outside dates skips the order; a later date (the
//     update time) outside it is dropped;
//   - an order or line total, or a unit price, beyond DECIMAL(18,2) (a unit
//     price × quantity or a sum that overflowed, too) skips the order, whose
//     totals would be wrong without it; shipping, discount, fees and net
//     total beyond it are dropped.
//
// A skipped order's other rejects become skips too, since nothing of it is
// kept. sheet names the sheet the order was read from, "" when none.
func CheckRecord(rec *Record, dates normalize.DateRange, sheet string) {
	o := rec.Order
	if o == nil {
		return
	}
	reject := func(row int, column, value, reason string, effect Effect) {
		rec.Rejects = append(rec.Rejects, Reject{Source: o.Source, File: o.SourceFile, Sheet: sheet, Row: row, Column: column, Value: value, Reason: reason, Effect: effect})
	}
	skip := false
	if err := dates.Check(o.OrderedAt); err != nil {
		reject(o.SourceRow, "ordered_at", o.OrderedAt.Format(time.RFC3339), err.Error(), RowSkipped)
		skip = true
	}
	if err := dates.Check(o.UpdatedAt); err != nil {
		// An export without an update time uses its latest date, often the
		// purchase date itself, which needs no second reject.
		if !o.UpdatedAt.Equal(o.OrderedAt) {
			reject(o.SourceRow, "updated_at", o.UpdatedAt.Format(time.RFC3339), err.Error(), ValueDropped)
		}
		o.UpdatedAt = time.Time{}
	}
	for _, a := range []struct {
		column string
		amount *normalize.Amount
		needed bool
	}{
		{"items_total", &o.ItemsTotal, true},
		{"order_total", &o.OrderTotal, true},
		{"shipping", &o.Shipping, false},
		{"discount", &o.Discount, false},
		{"fees", &o.Fees, false},
		{"net_total", &o.NetTotal, false},
	} {
		if a.amount.Fits() {
			continue
		}
		if a.needed {
			reject(o.SourceRow, a.column, a.amount.String(), tooLargeReason, RowSkipped)
			skip = true
			continue
		}
		reject(o.SourceRow, a.column, a.amount.String(), tooLargeReason, ValueDropped)
		*a.amount = normalize.Amount{}
	}
	for i := range o.Lines {
		l := &o.Lines[i]
		row := l.SourceRow
		if row == 0 {
			row = o.SourceRow
		}
		if !l.UnitPrice.Fits() {
			reject(row, fmt.Sprintf("lines[%d].unit_price", l.LineNo), l.UnitPrice.String(), tooLargeReason, RowSkipped)
			skip = true
		}
		if !l.LineTotal.Fits() {
			reject(row, fmt.Sprintf("lines[%d].line_total", l.LineNo), l.LineTotal.String(), "the line total (unit price × quantity): "+tooLargeReason, RowSkipped)
			skip = true
		}
	}
	if skip {
		rec.Order = nil
		for i := range rec.Rejects {
			rec.Rejects[i].Effect = RowSkipped
		}
	}
}

var tooLargeReason = fmt.Sprintf("the amount is beyond what the dataset stores (DECIMAL(18,2): at most %s in either direction)", normalize.Cents(normalize.MaxCents))

package connectors

import (
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// Fields reads the values of one row through normalize, collecting every
// problem at once so a seller sees all of a row's faults in one run. A
// problem with a value the order cannot do without (id, date, an amount)
// skips the row; a problem with a buyer detail (phone, CEP, e-mail) only
// drops that value.
type Fields struct {
	m       *tabular.Mapping
	cells   []string
	skip    []normalize.FieldError
	dropped []normalize.FieldError
	dates   normalize.DateRange
}

// NewFields starts reading one row. Dates before normalize.EarliestDate or
// after 2099 (normalize.AnyDate) are bad values; CheckRecord holds the order's dates to
// the run's clock as well.
func NewFields(m *tabular.Mapping, cells []string) *Fields {
	return &Fields{m: m, cells: cells, dates: normalize.AnyDate}
}

// Reset reuses f for another row.
func (f *Fields) Reset(cells []string) {
	f.cells = cells
	f.skip = f.skip[:0]
	f.dropped = f.dropped[:0]
}

// Raw is the cell as written.
func (f *Fields) Raw(col int) string { return f.m.Get(f.cells, col) }

// Has reports whether the file has the column.
func (f *Fields) Has(col int) bool { return f.m.Has(col) }

// Text is the cell cleaned of stray spaces and invisible characters.
func (f *Fields) Text(col int) string { return normalize.CleanText(f.Raw(col)) }

// Require marks the row unusable when the column is empty.
func (f *Fields) Require(col int, what string) string {
	v := f.Text(col)
	if v == "" {
		f.Skip(col, "", "the "+what+" is empty")
	}
	return v
}

// Skip records a problem that makes the row unusable.
func (f *Fields) Skip(col int, value, reason string) {
	f.skip = append(f.skip, normalize.FieldError{Column: f.m.Name(col), Value: value, Reason: reason})
}

// Drop records a value that was left empty.
func (f *Fields) Drop(col int, value, reason string) {
	f.dropped = append(f.dropped, normalize.FieldError{Column: f.m.Name(col), Value: value, Reason: reason})
}

// Skipped reports whether the row is unusable.
func (f *Fields) Skipped() bool { return len(f.skip) > 0 }

// Money parses an amount; a bad amount skips the row, since totals would
// be wrong without it.
func (f *Fields) Money(col int, style normalize.MoneyStyle) normalize.Amount {
	raw := f.Raw(col)
	a, err := normalize.ParseMoney(raw, style)
	if err != nil {
		f.Skip(col, raw, err.Error())
	}
	return a
}

// Time parses a timestamp with parse; required makes an empty or bad value
// skip the row, otherwise a bad value is dropped. A date outside
// normalize.AnyDate is a bad value.
func (f *Fields) Time(col int, required bool, parse func(string) (time.Time, error)) time.Time {
	raw := f.Raw(col)
	if normalize.CleanText(raw) == "" {
		if required {
			f.Skip(col, raw, "the date is empty")
		}
		return time.Time{}
	}
	t, err := parse(raw)
	if err == nil {
		if t.IsZero() && strings.ContainsAny(raw, "123456789") {
			// 0001-01-01 00:00 UTC is Go's zero time, which parsers
			// give for "no date"; written out, it is a placeholder.
			t = f.dates.From.AddDate(-1, 0, 0)
		}
		if err = f.dates.Check(t); err != nil {
			t = time.Time{}
		}
	}
	switch {
	case err != nil && required:
		f.Skip(col, raw, err.Error())
	case err != nil:
		f.Drop(col, raw, err.Error())
	case t.IsZero() && required:
		// A placeholder such as "-" parses as "no date".
		f.Skip(col, raw, "the date is empty")
	}
	return t
}

// Int parses a whole count such as a quantity ("2", or "2.0" as XLSX
// numeric cells hold it).
func (f *Fields) Int(col int, required bool, what string) int32 {
	raw := normalize.CleanText(f.Raw(col))
	if raw == "" {
		if required {
			f.Skip(col, raw, "the "+what+" is empty")
		}
		return 0
	}
	// XLSX numeric cells hold counts as "2.0" or "2.00"; a fraction that
	// is not zero is not a count.
	s := raw
	if i := strings.IndexAny(s, ".,"); i >= 0 && strings.Trim(s[i+1:], "0") == "" {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil || n < 0 {
		msg := strconv.Quote(raw) + " is not a whole number like 2"
		if required {
			f.Skip(col, raw, msg)
		} else {
			f.Drop(col, raw, msg)
		}
		return 0
	}
	return int32(n)
}

// Document reads a CPF or CNPJ from a column that may hold either.
func (f *Fields) Document(col int) (string, normalize.DocType) {
	raw := f.Raw(col)
	d, t, err := normalize.ParseDocument(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return d, t
}

// CPF reads a column known to hold CPFs, restoring zeros Excel dropped.
func (f *Fields) CPF(col int) (string, normalize.DocType) {
	raw := f.Raw(col)
	if normalize.CleanText(raw) == "" {
		return "", normalize.DocNone
	}
	d, err := normalize.ParseCPF(raw)
	if err != nil {
		// Some exports put a CNPJ in their "CPF" column.
		if d2, t2, err2 := normalize.ParseDocument(raw); err2 == nil && t2 == normalize.DocCNPJ {
			return d2, t2
		}
		f.Drop(col, raw, err.Error())
		return "", normalize.DocNone
	}
	if d == "" {
		return "", normalize.DocNone
	}
	return d, normalize.DocCPF
}

// Phone reads a phone number into E.164.
func (f *Fields) Phone(col int) string {
	raw := f.Raw(col)
	p, err := normalize.ParsePhone(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return p
}

// Email reads an e-mail address and tells a buyer's own from a relay.
func (f *Fields) Email(col int) (string, normalize.EmailKind) {
	raw := f.Raw(col)
	e, k, err := normalize.ParseEmail(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return e, k
}

// CEP reads a Brazilian postal code.
func (f *Fields) CEP(col int) string {
	raw := f.Raw(col)
	c, err := normalize.ParseCEP(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return c
}

// PostalCode reads a postal code: a CEP when the country is Brazil, as
// written otherwise.
func (f *Fields) PostalCode(col int, country string) string {
	if country == "" || country == "BR" {
		return f.CEP(col)
	}
	return strings.TrimPrefix(f.Text(col), "'")
}

// UF reads a state as a UF code, from the code or the state's name.
func (f *Fields) UF(col int) string {
	raw := f.Raw(col)
	u, err := normalize.ParseUF(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return u
}

// Country reads a country as ISO 3166-1 alpha-2.
func (f *Fields) Country(col int) string {
	raw := f.Raw(col)
	c, err := normalize.ParseCountry(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return c
}

// Name reads a person's name; masked names are not names.
func (f *Fields) Name(col int) string { return normalize.CleanName(f.Raw(col)) }

// Rejects turns the row's problems into rejects.
func (f *Fields) Rejects(source, file, sheet string, row int) []Reject {
	if len(f.skip) == 0 && len(f.dropped) == 0 {
		return nil
	}
	out := make([]Reject, 0, len(f.skip)+len(f.dropped))
	for _, e := range f.skip {
		out = append(out, Reject{Source: source, File: file, Sheet: sheet, Row: row, Column: e.Column, Value: e.Value, Reason: e.Reason, Effect: RowSkipped})
	}
	// In a skipped row nothing was kept, so its other problems are listed
	// as skipped too: the seller sees every fault of the row at once.
	effect := ValueDropped
	if len(f.skip) > 0 {
		effect = RowSkipped
	}
	for _, e := range f.dropped {
		out = append(out, Reject{Source: source, File: file, Sheet: sheet, Row: row, Column: e.Column, Value: e.Value, Reason: e.Reason, Effect: effect})
	}
	return out
}

// Latest is the latest of some times, zero when all are zero. Exports
// without an update time use their latest dated event instead, so a later
// export of an order wins a merge.
func Latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

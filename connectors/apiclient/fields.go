package apiclient

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// Fields reads the values of one API order through normalize, as
// connectors.Fields does for a spreadsheet row: a bad value the order
// cannot do without skips the order, a bad buyer detail only drops that
// value. Columns are JSON field paths ("buyer.billing_info.identification").
type Fields struct {
	Source string
	File   string // the endpoint the order came from, e.g. "GET /orders/search"
	skip   []connectors.Reject
	drop   []connectors.Reject
}

// Skip records a problem that makes the order unusable.
func (f *Fields) Skip(col, value, reason string) {
	f.skip = append(f.skip, connectors.Reject{Source: f.Source, File: f.File, Column: col, Value: value, Reason: reason, Effect: connectors.RowSkipped})
}

// Drop records a value that was left empty.
func (f *Fields) Drop(col, value, reason string) {
	f.drop = append(f.drop, connectors.Reject{Source: f.Source, File: f.File, Column: col, Value: value, Reason: reason, Effect: connectors.ValueDropped})
}

// Skipped reports whether the order is unusable.
func (f *Fields) Skipped() bool { return len(f.skip) > 0 }

// Rejects lists the order's problems; in a skipped order every problem is
// a skip, since nothing of it was kept.
func (f *Fields) Rejects() []connectors.Reject {
	if len(f.skip) == 0 && len(f.drop) == 0 {
		return nil
	}
	out := append([]connectors.Reject(nil), f.skip...)
	for _, r := range f.drop {
		if len(f.skip) > 0 {
			r.Effect = connectors.RowSkipped
		}
		out = append(out, r)
	}
	return out
}

// ID reads an id kept as text; JSON numbers arrive as json.Number, so 16–19
// digit ids never pass through float64.
func (f *Fields) ID(col, raw string) string {
	id, err := normalize.ParseID(raw)
	switch {
	case err != nil:
		f.Skip(col, raw, err.Error())
	case id == "":
		f.Skip(col, raw, "the order id is empty")
	}
	return id
}

// Money reads a dot-decimal amount; a bad amount skips the order, since
// totals would be wrong without it.
func (f *Fields) Money(col string, n json.Number) normalize.Amount {
	a, err := normalize.ParseMoney(string(n), normalize.MoneyDot)
	if err != nil {
		f.Skip(col, string(n), err.Error())
	}
	return a
}

// Time reads an RFC 3339 timestamp into UTC.
func (f *Fields) Time(col, raw string, required bool) time.Time {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if required {
			f.Skip(col, raw, "the date is empty")
		}
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, raw)
	if err != nil {
		msg := fmt.Sprintf("%q is not a date like 2026-02-03T08:05:11-03:00", raw)
		if required {
			f.Skip(col, raw, msg)
		} else {
			f.Drop(col, raw, msg)
		}
		return time.Time{}
	}
	return t.UTC()
}

// Unix reads a Unix-seconds timestamp.
func (f *Fields) Unix(col string, n json.Number, required bool) time.Time {
	if n == "" || n == "0" {
		if required {
			f.Skip(col, string(n), "the date is empty")
		}
		return time.Time{}
	}
	t, err := normalize.ParseUnixSeconds(string(n))
	if err != nil {
		if required {
			f.Skip(col, string(n), err.Error())
		} else {
			f.Drop(col, string(n), err.Error())
		}
	}
	return t
}

// Int reads a count.
func (f *Fields) Int(col string, n json.Number, required bool) int32 {
	if n == "" {
		if required {
			f.Skip(col, "", "the quantity is empty")
		}
		return 0
	}
	v, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil || v < 0 {
		msg := strconv.Quote(string(n)) + " is not a whole number like 2"
		if required {
			f.Skip(col, string(n), msg)
		} else {
			f.Drop(col, string(n), msg)
		}
		return 0
	}
	return int32(v)
}

// Document reads a CPF or a CNPJ.
func (f *Fields) Document(col, raw string) (string, normalize.DocType) {
	d, t, err := normalize.ParseDocument(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
		return "", normalize.DocNone
	}
	return d, t
}

// Phone reads a phone number into E.164.
func (f *Fields) Phone(col, raw string) string {
	p, err := normalize.ParsePhone(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return p
}

// PhoneParts reads an area code and a number given apart.
func (f *Fields) PhoneParts(col, area, number string) string {
	p, err := normalize.ParsePhoneParts(area, number)
	if err != nil {
		f.Drop(col, area+" "+number, err.Error())
	}
	return p
}

// Email reads an e-mail address and tells a buyer's own from a relay.
func (f *Fields) Email(col, raw string) (string, normalize.EmailKind) {
	e, k, err := normalize.ParseEmail(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return e, k
}

// CEP reads a Brazilian postal code.
func (f *Fields) CEP(col, raw string) string {
	c, err := normalize.ParseCEP(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return c
}

// PostalCode reads a CEP for Brazil and keeps other countries' codes.
func (f *Fields) PostalCode(col, raw, country string) string {
	if country == "" || country == "BR" {
		return f.CEP(col, raw)
	}
	return normalize.CleanText(raw)
}

// UF reads a state as a UF code, from the code or the name.
func (f *Fields) UF(col, raw string) string {
	u, err := normalize.ParseUF(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return u
}

// State reads a UF for Brazil and keeps other countries' regions as written.
func (f *Fields) State(col, raw, country string) string {
	if country == "" || country == "BR" {
		return f.UF(col, raw)
	}
	return normalize.CleanText(raw)
}

// Country reads a country as ISO 3166-1 alpha-2.
func (f *Fields) Country(col, raw string) string {
	c, err := normalize.ParseCountry(raw)
	if err != nil {
		f.Drop(col, raw, err.Error())
	}
	return c
}

// DecodeOrder decodes one order of a page. The page was valid JSON, so a
// failure is a value of the wrong type; the reject names its field.
func DecodeOrder(raw json.RawMessage, into any) *connectors.Reject {
	err := json.Unmarshal(raw, into)
	if err == nil {
		return nil
	}
	r := &connectors.Reject{Reason: "the order cannot be read: " + err.Error(), Effect: connectors.RowSkipped}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		r.Column = te.Field
		r.Value = te.Value
		r.Reason = fmt.Sprintf("the order cannot be read: %s is a %s where a %s was expected", te.Field, te.Value, te.Type)
	}
	return r
}

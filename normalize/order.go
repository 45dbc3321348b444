// Package normalize holds orderhist's canonical purchase schema and the value
// parsers every connector uses to fill it: money as centavos, timestamps in
// UTC, one status vocabulary, and cleaned CPF/CNPJ, phone, e-mail and CEP.
//
// The package is pure: no I/O, no clock. Connectors know which convention a
// column uses (dot or comma decimals, which time zone, which date layout) and
// pass it explicitly; nothing here guesses a convention from a single value.
package normalize

import (
	"fmt"
	"math"
	"math/bits"
	"time"
)

// Status is the contract's order status vocabulary.
type Status string

const (
	StatusPending   Status = "pending"
	StatusPaid      Status = "paid"
	StatusShipped   Status = "shipped"
	StatusDelivered Status = "delivered"
	StatusCancelled Status = "cancelled"
	StatusReturned  Status = "returned"
	StatusUnknown   Status = "unknown"
)

// Statuses lists the vocabulary in the order a customer's journey goes.
var Statuses = []Status{StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled, StatusReturned, StatusUnknown}

// DocType tells a CPF (person) from a CNPJ (company).
type DocType string

const (
	DocNone DocType = ""
	DocCPF  DocType = "cpf"
	DocCNPJ DocType = "cnpj"
)

// Amount is a money value in centavos. Valid is false when the source gave no
// value, which is different from a zero amount.
type Amount struct {
	Cents int64
	Valid bool
}

// Cents returns a valid Amount of c centavos.
func Cents(c int64) Amount { return Amount{Cents: c, Valid: true} }

// MaxCents is the largest magnitude the dataset stores (DECIMAL(18,2)), in
// centavos.
const MaxCents = 999_999_999_999_999_999

// overflowCents is what arithmetic gives when its result leaves
// DECIMAL(18,2): it is outside that range itself, so Fits refuses it, and
// every operation on it gives it back (-math.MinInt64 is math.MinInt64), so
// no later sum can bring a wrapped value back into range.
const overflowCents = math.MinInt64

// Fits reports whether the amount can be stored: it is not valid (no
// value), or it is within DECIMAL(18,2).
func (a Amount) Fits() bool { return !a.Valid || (-MaxCents <= a.Cents && a.Cents <= MaxCents) }

// Add sums two amounts; the result is valid when either is. A sum beyond
// DECIMAL(18,2) gives an amount that does not Fit.
func (a Amount) Add(b Amount) Amount {
	out := Amount{Valid: a.Valid || b.Valid}
	if !a.Fits() || !b.Fits() {
		out.Cents = overflowCents
		return out
	}
	// Both are within ±MaxCents, so the sum cannot wrap int64.
	out.Cents = a.Cents + b.Cents
	if !out.Fits() {
		out.Cents = overflowCents
	}
	return out
}

// Sub subtracts b from a, as Add does.
func (a Amount) Sub(b Amount) Amount { return a.Add(b.Neg()) }

// Neg is the amount with its sign changed.
func (a Amount) Neg() Amount {
	if !a.Fits() {
		return Amount{Cents: overflowCents, Valid: true}
	}
	return Amount{Cents: -a.Cents, Valid: a.Valid}
}

// Times multiplies an amount by a count, such as a unit price by a
// quantity. A product beyond DECIMAL(18,2) gives an amount that does not
// Fit.
func (a Amount) Times(n int32) Amount {
	out := Amount{Valid: a.Valid}
	if !a.Fits() {
		out.Cents = overflowCents
		return out
	}
	hi, lo := bits.Mul64(uint64(abs64(a.Cents)), uint64(abs64(int64(n))))
	if hi != 0 || lo > MaxCents {
		out.Cents = overflowCents
		return out
	}
	out.Cents = int64(lo)
	if (a.Cents < 0) != (n < 0) {
		out.Cents = -out.Cents
	}
	return out
}

func abs64(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// DivRound divides centavos rounding half away from zero, as money is
// rounded (an average ticket, a share of a total).
func DivRound(a, b int64) int64 {
	if b <= 0 {
		return 0
	}
	q, rem := a/b, a%b
	if rem < 0 {
		rem = -rem
	}
	if 2*rem >= b {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}

// String renders the amount with a dot and two decimals ("-13.26"), or "" when
// the amount is not valid.
func (a Amount) String() string {
	if !a.Valid {
		return ""
	}
	if a.Cents == overflowCents {
		return "(beyond DECIMAL(18,2))"
	}
	c := a.Cents
	sign := ""
	if c < 0 {
		sign = "-"
		c = -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

// Buyer is who placed the order, as the marketplace identified them.
type Buyer struct {
	Ref          string  // the marketplace's own buyer id or username
	Name         string  // display form, trimmed
	Document     string  // CPF or CNPJ, digits (and upper-case letters for new CNPJs)
	DocumentType DocType //
	Email        string  // cleaned address (lower case); see EmailKind
	EmailKind    EmailKind
	Phone        string // E.164
}

// Address is where an order ships. Recipient fields describe the person who
// receives the parcel, who is not always the buyer (gifts).
type Address struct {
	RecipientName  string
	RecipientPhone string // E.164
	Street         string // street and number as written
	Number         string // street number when the source has it apart
	Neighborhood   string
	City           string
	State          string // UF code
	PostalCode     string // 8 digits
	Country        string // ISO 3166-1 alpha-2
}

// Order is one order in the canonical schema. Zero values mean "unknown":
// empty strings, zero times and invalid amounts are written as nulls.
type Order struct {
	Source        string // connector name
	Account       string // seller account label
	OrderID       string
	PackID        string
	OrderedAt     time.Time // UTC
	UpdatedAt     time.Time // UTC
	Status        Status
	StatusRaw     string
	Currency      string
	ItemsTotal    Amount
	Shipping      Amount
	Discount      Amount
	Fees          Amount
	OrderTotal    Amount // paid by the buyer
	NetTotal      Amount // received by the seller, where the source says
	PaymentMethod string
	Installments  int32
	Buyer         Buyer
	Ship          Address
	SourceFile    string
	SourceRow     int // first row (Excel row or CSV line) the order was read from
	Lines         []Line
}

// Line is one order line.
type Line struct {
	LineNo    int // 1..n within the order
	SKU       string
	ListingID string
	Title     string
	Variation string
	Quantity  int32
	UnitPrice Amount
	LineTotal Amount
	Status    Status
	SourceRow int
	// Category is the product's category as the source names it (TikTok
	// Shop's "Product Category"); most exports carry none.
	Category string
}

// FieldError says why one value could not be used, in words a seller can act
// on. Column is the header as the source file wrote it.
type FieldError struct {
	Column string
	Value  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("column %q: %s", e.Column, e.Reason)
}

// EmailKind tells a buyer's own address from one a marketplace made up.
type EmailKind string

const (
	EmailNone     EmailKind = ""
	EmailPersonal EmailKind = "personal" // the buyer's own mailbox: links across channels
	EmailRelay    EmailKind = "relay"    // a marketplace relay or masked address: links within that marketplace only
)

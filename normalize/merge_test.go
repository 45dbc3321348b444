package normalize

import (
	"reflect"
	"testing"
	"time"
)

func sighting(rank string, status Status, updated time.Time, mut func(o *Order)) Sighting {
	o := &Order{
		Source: "shopee", Account: "main", OrderID: "260213J667R3QR",
		OrderedAt: time.Date(2026, 2, 12, 19, 52, 0, 0, time.UTC), UpdatedAt: updated,
		Status: status, OrderTotal: Cents(16075),
		Buyer: Buyer{Ref: "vogatago"},
		Ship:  Address{City: "Bariri", State: "SP", PostalCode: "17255000"},
		Lines: []Line{{LineNo: 1, SKU: "GL-COR", Title: "Glitter", Quantity: 3, UnitPrice: Cents(2250), LineTotal: Cents(6750)}},
	}
	if mut != nil {
		mut(o)
	}
	return Sighting{Order: o, Rank: rank}
}

// toship is Shopee's Order.toship sighting: buyer in clear, waiting to ship.
func toship() Sighting {
	return sighting("1a", StatusPaid, time.Time{}, func(o *Order) {
		o.Buyer.Document, o.Buyer.DocumentType = "81304936830", DocCPF
		o.Ship.RecipientName = "Vogata Gomes"
		o.Ship.Street = "Rua das Flores, 100"
	})
}

// all is Order.all after delivery: masked buyer, later status.
func all() Sighting { return sighting("1b", StatusDelivered, time.Time{}, nil) }

func TestMergeKeepsClearValuesWhateverTheOrder(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []Sighting
	}{
		{"toship then all", []Sighting{toship(), all()}},
		{"all then toship", []Sighting{all(), toship()}},
		{"both twice", []Sighting{all(), toship(), toship(), all()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Merge(tc.in)
			o := m.Order
			if o.Status != StatusDelivered {
				t.Errorf("status %s, want the latest (delivered)", o.Status)
			}
			if o.Buyer.Document != "81304936830" || o.Buyer.DocumentType != DocCPF || o.Ship.RecipientName != "Vogata Gomes" || o.Ship.Street == "" {
				t.Errorf("clear values lost: %+v %+v", o.Buyer, o.Ship)
			}
			if !m.Enriched {
				t.Error("not reported as enriched")
			}
			if len(o.Lines) != 1 || o.Lines[0].LineNo != 1 {
				t.Errorf("lines %+v", o.Lines)
			}
			if len(m.Conflicts) != 0 {
				t.Errorf("conflicts %v", m.Conflicts)
			}
		})
	}
	a, b := Merge([]Sighting{toship(), all()}), Merge([]Sighting{all(), toship(), all()})
	if !reflect.DeepEqual(a.Order, b.Order) {
		t.Errorf("merge depends on input order:\n%+v\n%+v", a.Order, b.Order)
	}
}

func TestMergeLatestWinsAndReportsConflicts(t *testing.T) {
	early := sighting("1a", StatusPaid, time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC), func(o *Order) { o.Buyer.Phone = "+5511987654321" })
	late := sighting("1a", StatusShipped, time.Date(2026, 2, 15, 0, 0, 0, 0, time.UTC), func(o *Order) {
		o.Buyer.Phone = "+5511912345678"
		o.OrderTotal = Cents(17000)
		o.Lines = append(o.Lines, Line{SKU: "EXTRA", Title: "Brinde", Quantity: 1})
	})
	m := Merge([]Sighting{late, early})
	if m.Order.Status != StatusShipped || m.Order.OrderTotal.Cents != 17000 || m.Order.Buyer.Phone != "+5511912345678" {
		t.Errorf("latest sighting did not win: %+v", m.Order)
	}
	if len(m.Conflicts) != 1 || m.Conflicts[0] != "buyer_phone" {
		t.Errorf("conflicts %v, want buyer_phone", m.Conflicts)
	}
	if len(m.Order.Lines) != 2 || m.Order.Lines[1].LineNo != 2 || m.Order.Lines[1].SKU != "EXTRA" {
		t.Errorf("lines are not the latest sighting's, numbered: %+v", m.Order.Lines)
	}
	if !m.LinesChanged {
		t.Error("a line added by the latest sighting is not reported")
	}
}

func TestMergeSameSKUOnTwoLinesOfOneSighting(t *testing.T) {
	// The latest sighting lists the same SKU on two lines: two lines, not
	// one, and the older single-line sighting adds nothing.
	two := sighting("1c", StatusDelivered, time.Time{}, func(o *Order) { o.Lines = append(o.Lines, o.Lines[0]) })
	m := Merge([]Sighting{toship(), two})
	if len(m.Order.Lines) != 2 {
		t.Errorf("%d lines, want the 2 the sighting has", len(m.Order.Lines))
	}
}

func TestOrderEqualIgnoresProvenance(t *testing.T) {
	a, b := toship().Order, toship().Order
	b.SourceFile, b.SourceRow, b.Lines[0].SourceRow = "other.xlsx", 99, 7
	b.OrderedAt = b.OrderedAt.In(SaoPaulo)
	if !a.Equal(b) {
		t.Error("orders differing only by file, row and time zone are not equal")
	}
	b.Status = StatusCancelled
	if a.Equal(b) {
		t.Error("a status change is not seen")
	}
}

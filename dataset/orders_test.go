package dataset

import (
	"reflect"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// TestOrderRowsRoundTrip writes the fixture orders as rows and reads them
// back: every value the dataset stores comes back as it was.
func TestOrderRowsRoundTrip(t *testing.T) {
	ingested := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, o := range fixtureOrders() {
		t.Run(o.OrderID, func(t *testing.T) {
			row, items := OrderRows(&o, "c_1", ingested)
			got := OrderFromRow(&row)
			for i := range items {
				if ItemOrderKey(&items[i]) != o.Key() {
					t.Errorf("line %d keys %q, the order %q", i, ItemOrderKey(&items[i]), o.Key())
				}
				got.Lines = append(got.Lines, LineFromRow(&items[i]))
			}
			if RowOrderKey(&row) != o.Key() {
				t.Errorf("row keys %q, the order %q", RowOrderKey(&row), o.Key())
			}
			want := o
			// What the dataset does not keep, or fills in on the way out:
			// times come back in UTC, and an e-mail's kind is told again
			// from the address.
			want.OrderedAt, want.UpdatedAt = o.OrderedAt.UTC(), o.UpdatedAt.UTC()
			if o.Buyer.Email != "" {
				_, want.Buyer.EmailKind, _ = normalize.ParseEmail(o.Buyer.Email)
			}
			if want.Status == "" {
				want.Status = normalize.StatusUnknown
			}
			want.Lines = nil
			for i, l := range o.Lines {
				l.SourceRow = 0
				if l.LineNo <= 0 {
					l.LineNo = i + 1
				}
				if l.Status == "" {
					l.Status = want.Status
				}
				want.Lines = append(want.Lines, l)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%+v\nwrote\n%+v", got, want)
			}
		})
	}
}

// TestMonth pins the one month rule: UTC, and the Hive null partition for
// an order without a date.
func TestMonth(t *testing.T) {
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC), "2026-02"},
		{time.Date(2026, 2, 28, 22, 30, 0, 0, time.FixedZone("BRT", -3*3600)), "2026-03"},
		{time.Time{}, HiveNullPartition},
	} {
		if got := Month(tc.at); got != tc.want {
			t.Errorf("Month(%v) = %q, want %q", tc.at, got, tc.want)
		}
		if got, want := OrderedMonth(tc.at), "ordered_month="+tc.want; got != want {
			t.Errorf("OrderedMonth(%v) = %q, want %q", tc.at, got, want)
		}
	}
}

package history_test

import (
	"context"
	"testing"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/sellertest"
)

// TestCustomersTableFollowsRules imports the known exports with the
// default rules and with others: customers.segment, as the importer writes
// it, is the segment the report and the exports show, customer by customer.
func TestCustomersTableFollowsRules(t *testing.T) {
	sp, err := time.LoadLocation(history.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	strict := history.DefaultRules
	strict.InactiveDays, strict.RecurringOrders = 60, 3
	for _, tc := range []struct {
		name  string
		rules history.Rules
		want  map[string]history.Segment // by name, as KnownExports documents them
	}{
		{"default", history.DefaultRules, map[string]history.Segment{
			"Ana Souza": history.SegmentRecurring, "Bruno Lima": history.SegmentInactive,
			"Carla Reis": history.SegmentNew, "Diego Alves": history.SegmentNoPurchase,
		}},
		// Ana's 3 purchases are still recurring under 3, and Bruno, 166
		// days away, is inactive under 60.
		{"strict", strict, map[string]history.Segment{
			"Ana Souza": history.SegmentRecurring, "Bruno Lima": history.SegmentInactive,
			"Carla Reis": history.SegmentNew, "Diego Alves": history.SegmentNoPurchase,
		}},
		// Only 2 purchases are needed by default; under 4 Ana is new.
		{"four purchases", withRecurring(4), map[string]history.Segment{
			"Ana Souza": history.SegmentNew, "Bruno Lima": history.SegmentInactive,
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			asOf := time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)
			dir := sellertest.ImportWith(t, sellertest.KnownExports(t), importer.Options{Command: "import", AsOf: asOf, Rules: tc.rules, Location: sp})
			h := sellertest.Load(t, dir, "2026-06-30", tc.rules)
			ds, err := dataset.OpenReadOnly(dir)
			if err != nil {
				t.Fatal(err)
			}
			rows := 0
			err = dataset.ReadTable(context.Background(), ds, dataset.TableCustomers, func(batch []dataset.CustomerRow) error {
				for _, r := range batch {
					rows++
					c := h.Customer(r.CustomerID)
					if c == nil {
						t.Errorf("customer %s is not in the history", r.CustomerID)
						continue
					}
					if r.Segment != string(c.Segment) {
						t.Errorf("%s (%s): customers.segment %s, the report's %s", r.CustomerID, r.Name, r.Segment, c.Segment)
					}
					if want, ok := tc.want[r.Name]; ok && r.Segment != string(want) {
						t.Errorf("%s: segment %s, want %s", r.Name, r.Segment, want)
					}
				}
				return nil
			})
			if err != nil || rows != len(h.Customers) {
				t.Fatalf("%d rows, %d customers: %v", rows, len(h.Customers), err)
			}
		})
	}
}

func withRecurring(n int) history.Rules {
	r := history.DefaultRules
	r.RecurringOrders = n
	return r
}

// TestCustomersCurrencyAndUsernames: each customer's totals carry their
// currency, and a buyer's marketplace username is on their row.
func TestCustomersCurrencyAndUsernames(t *testing.T) {
	files := sellertest.KnownExports(t)
	for k, v := range lookupExports() {
		files["lookup-"+k] = v
	}
	ds := openDS(t, sellertest.Import(t, files))
	got := map[string]dataset.CustomerRow{}
	err := dataset.ReadTable(context.Background(), ds, dataset.TableCustomers, func(batch []dataset.CustomerRow) error {
		for _, r := range batch {
			got[r.Name] = r
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, currency string
		spent          int64
		users          []string
	}{
		{"Carla Reis", "EUR", 9500, nil}, // 40 + 55: the table counts orders after the as-of date too
		{"Bruno Lima", "BRL", 30000, nil},
		{"José Antônio Silva", "BRL", 1000, []string{"Ze_Silva"}}, // the csv connector's default currency
	} {
		r, ok := got[tc.name]
		if !ok {
			t.Errorf("no customer %s", tc.name)
			continue
		}
		if r.Currency != tc.currency || r.TotalSpent != tc.spent || len(r.Usernames) != len(tc.users) || (len(tc.users) > 0 && r.Usernames[0] != tc.users[0]) {
			t.Errorf("%s: %s %d, usernames %q; want %s %d, %q", tc.name, r.Currency, r.TotalSpent, r.Usernames, tc.currency, tc.spent, tc.users)
		}
	}
}

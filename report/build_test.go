package report_test

import (
	"reflect"
	"testing"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/internal/sellertest"
	"github.com/orderhist/orderhist/report"
)

func names(list []*history.Customer) []string {
	var out []string
	for _, c := range list {
		out = append(out, c.Display())
	}
	return out
}

// TestBuildKnownTotals checks every number of the report against orders
// whose totals were worked out by hand (see knownExports).
func TestBuildKnownTotals(t *testing.T) {
	dir := sellertest.Import(t, sellertest.KnownExports(t))
	h := sellertest.Load(t, dir, "2026-06-30", history.DefaultRules)
	r := report.Build(h, report.Options{Months: 6})

	if h.Later != 1 || h.Undated != 0 {
		t.Errorf("later %d, undated %d; want 1, 0", h.Later, h.Undated)
	}
	wantSales := []report.Sales{
		{Month: "2026-01", Channel: "shopify", Currency: "BRL", Orders: 2, Revenue: 40000, Priced: 2},
		{Month: "2026-02", Channel: "shopify", Currency: "BRL", Orders: 1, Cancelled: 1, Revenue: 20000, Priced: 1},
		{Month: "2026-03", Channel: "shopify", Currency: "BRL", Cancelled: 1},
		{Month: "2026-05", Channel: "csv", Currency: "BRL", Orders: 1, Revenue: 5000, Priced: 1},
		{Month: "2026-06", Channel: "shopify", Currency: "BRL", Orders: 1, Revenue: 1000, Priced: 1},
		{Month: "2026-06", Channel: "shopify", Currency: "EUR", Orders: 1, Revenue: 4000, Priced: 1},
	}
	if !reflect.DeepEqual(r.Sales, wantSales) {
		t.Errorf("sales:\n got %+v\nwant %+v", r.Sales, wantSales)
	}
	if got := r.Sales[0].AvgTicket(); got != 20000 {
		t.Errorf("January average ticket %d, want 20000", got)
	}
	if want := []string{"BRL", "EUR"}; !reflect.DeepEqual(r.Currencies, want) {
		t.Errorf("currencies %v, want %v", r.Currencies, want)
	}
	if want := []string{"2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"}; !reflect.DeepEqual(r.Months, want) {
		t.Errorf("months %v, want %v", r.Months, want)
	}
	wantMonthly := []report.MonthCustomers{
		{Month: "2026-01", New: 2}, {Month: "2026-02", Returning: 1}, {Month: "2026-03"},
		{Month: "2026-04"}, {Month: "2026-05", Returning: 1}, {Month: "2026-06", New: 2},
	}
	if !reflect.DeepEqual(r.Monthly, wantMonthly) {
		t.Errorf("monthly:\n got %+v\nwant %+v", r.Monthly, wantMonthly)
	}
	// January's cohort is Ana and Bruno; Ana bought again in months 1 and 4.
	if c := r.Cohorts[0]; c.Month != "2026-01" || c.Size != 2 || !reflect.DeepEqual(c.Active, []int{2, 1, 0, 0, 1, 0}) {
		t.Errorf("January cohort %+v", c)
	}
	if c := r.Cohorts[5]; c.Month != "2026-06" || c.Size != 2 || !reflect.DeepEqual(c.Active, []int{2}) {
		t.Errorf("June cohort %+v", c)
	}

	seg := map[history.Segment]report.SegmentSummary{}
	for _, s := range r.Segments {
		seg[s.Segment] = s
	}
	wantSeg := map[history.Segment]report.SegmentSummary{
		history.SegmentNew:        {Segment: history.SegmentNew, Customers: 2, Spend: []history.Money{{Currency: "EUR", Cents: 4000}, {Currency: "BRL", Cents: 1000}}},
		history.SegmentRecurring:  {Segment: history.SegmentRecurring, Customers: 1, Spend: []history.Money{{Currency: "BRL", Cents: 35000}}},
		history.SegmentInactive:   {Segment: history.SegmentInactive, Customers: 1, Spend: []history.Money{{Currency: "BRL", Cents: 30000}}},
		history.SegmentNoPurchase: {Segment: history.SegmentNoPurchase, Customers: 1},
	}
	if !reflect.DeepEqual(seg, wantSeg) {
		t.Errorf("segments:\n got %+v\nwant %+v", seg, wantSeg)
	}
	if r.TotalCustomers != 5 || r.Buyers != 4 {
		t.Errorf("customers %d, buyers %d; want 5, 4", r.TotalCustomers, r.Buyers)
	}
	// Ana: 56 days, 3 purchases -> R4 F3. Bruno: 166 days, 1 -> R3 F1.
	// Carla: 10 days, 1 -> R5 F1. The formula buyer: 5 days, 1 -> R5 F1.
	cells := map[[2]int]int{{4, 3}: 1, {3, 1}: 1, {5, 1}: 2}
	for ri := range 5 {
		for fi := range 5 {
			if got, want := r.RFM[ri][fi].Customers, cells[[2]int{ri + 1, fi + 1}]; got != want {
				t.Errorf("RFM R%d F%d: %d customers, want %d", ri+1, fi+1, got, want)
			}
		}
	}
	if got := r.RFM[3][2].Spend; !reflect.DeepEqual(got, []history.Money{{Currency: "BRL", Cents: 35000}}) {
		t.Errorf("RFM R4 F3 spend %v", got)
	}

	if got, want := names(r.TopCustomers["BRL"]), []string{"Ana Souza", "Bruno Lima", `=HYPERLINK("http://x";"y")`}; !reflect.DeepEqual(got, want) {
		t.Errorf("top BRL %q, want %q", got, want)
	}
	if got, want := names(r.TopCustomers["EUR"]), []string{"Carla Reis"}; !reflect.DeepEqual(got, want) {
		t.Errorf("top EUR %q, want %q", got, want)
	}
	if got := names(r.CrossChannel); !reflect.DeepEqual(got, []string{"Ana Souza"}) || r.CrossCount != 1 {
		t.Errorf("cross-channel %q (%d)", got, r.CrossCount)
	} else if ch := r.CrossChannel[0].Channels; !reflect.DeepEqual(ch, []string{"csv", "shopify"}) {
		t.Errorf("Ana's channels %v", ch)
	}
	if got := names(r.WinBack); !reflect.DeepEqual(got, []string{"Bruno Lima"}) || r.WinBackCount != 1 {
		t.Errorf("win back %q (%d)", got, r.WinBackCount)
	}
	if c := r.WinBack[0]; c.DaysSince != 166 || c.LastPurchase.Format("2006-01-02") != "2026-01-15" {
		t.Errorf("Bruno: %d days, last %s", c.DaysSince, c.LastPurchase)
	}

	type prod struct {
		Key       string
		Units     int64
		Customers int
		Orders    int
		Revenue   []history.Money
	}
	var got []prod
	for _, p := range r.Products[""] {
		got = append(got, prod{p.Key, p.Units, p.Customers, p.Orders, p.Revenue})
	}
	want := []prod{
		{"SKU-A", 3, 1, 2, []history.Money{{Currency: "BRL", Cents: 15000}}},
		{"SKU-C", 3, 1, 1, []history.Money{{Currency: "BRL", Cents: 30000}}},
		{"@SKU-F", 1, 1, 1, []history.Money{{Currency: "BRL", Cents: 1000}}},
		{"SKU-B", 1, 1, 1, []history.Money{{Currency: "BRL", Cents: 20000}}},
		{"SKU-D", 1, 1, 1, []history.Money{{Currency: "EUR", Cents: 4000}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("products:\n got %+v\nwant %+v", got, want)
	}
	if p := r.Products[history.SegmentInactive]; len(p) != 1 || p[0].Key != "SKU-C" {
		t.Errorf("inactive customers' products %+v", p)
	}
	// Only the pt-BR sheet names a category, for one line: the categories
	// hold that line, and no sale without a category.
	got = nil
	for _, p := range r.Categories[""] {
		got = append(got, prod{p.Key, p.Units, p.Customers, p.Orders, p.Revenue})
	}
	if want := []prod{{"Cozinha", 1, 1, 1, []history.Money{{Currency: "BRL", Cents: 5000}}}}; !reflect.DeepEqual(got, want) {
		t.Errorf("categories:\n got %+v\nwant %+v", got, want)
	}
	if c := r.Categories[history.SegmentRecurring]; len(c) != 1 || c[0].Key != "Cozinha" || len(r.Categories[history.SegmentInactive]) != 0 {
		t.Errorf("categories per segment: %+v", r.Categories)
	}

	// Other rules move the customers: with a 200-day window Bruno is
	// active again, and with 4 purchases to recur Ana is new.
	h2 := sellertest.Load(t, dir, "2026-06-30", history.Rules{InactiveDays: 200, RecurringOrders: 4,
		RecencyDays: history.DefaultRules.RecencyDays, FrequencyOrders: history.DefaultRules.FrequencyOrders})
	for _, c := range h2.Customers {
		if c.Purchases > 0 && c.Segment != history.SegmentNew {
			t.Errorf("%s: segment %s under a 200-day window and 4 purchases to recur", c.Display(), c.Segment)
		}
	}
}

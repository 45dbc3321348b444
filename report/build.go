// Package report builds the seller's report: one self-contained HTML page,
// in Portuguese or English, with sales by month and channel, new and
// returning customers, cohorts, segments, the RFM grid, top customers,
// cross-channel buyers, customers to win back and what each group buys.
//
// Build computes the numbers from a history.History; Render writes the page.
// Charts are SVG drawn on the server by github.com/go-analyze/charts, so the
// page needs no script to show them, opens offline and prints as it looks.
package report

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/normalize"
)

// Limits of the lists on the page; the exports carry every customer.
const (
	topCustomers  = 20
	winBackShown  = 50
	crossShown    = 100
	productsShown = 10
	cohortsShown  = 12 // cohorts (rows) and months after the first purchase (columns)
)

// Report holds every number the page shows.
type Report struct {
	AsOf     time.Time
	Location *time.Location
	Rules    history.Rules

	// Months are the months the charts show, YYYY-MM in the seller's
	// zone, none skipped: up to Options.Months ending with the as-of
	// month, starting no earlier than the first order.
	Months     []string
	Channels   []string
	Currencies []string // by revenue, largest first

	Sales    []Sales // one per month, channel and currency that had orders, every month
	Monthly  []MonthCustomers
	Cohorts  []Cohort
	Segments []SegmentSummary
	// RFM[r-1][f-1] is the cell of recency score r and frequency score f.
	RFM [5][5]Cell

	TotalCustomers int
	Buyers         int                            // customers with at least one purchase
	TopCustomers   map[string][]*history.Customer // per currency, by spend
	CrossChannel   []*history.Customer            // bought on more than one channel, by spend
	CrossCount     int
	WinBack        []*history.Customer // inactive, by past spend
	WinBackCount   int
	WinBackSpend   []history.Money
	Products       map[history.Segment][]history.Product // "" is overall
	Categories     map[history.Segment][]history.Product // the same by product category; empty when no source names one

	Undated, Later int
}

// Sales are the orders of one month, channel and currency.
type Sales struct {
	Month, Channel, Currency string
	Orders                   int   // purchases (cancelled orders left out)
	Cancelled                int   // cancelled orders
	Revenue                  int64 // sum of order totals of the purchases
	Priced                   int   // purchases with a known total, the divisor of the average ticket
}

// AvgTicket is revenue over the purchases with a known total, in cents,
// rounded half away from zero; 0 without any.
func (s Sales) AvgTicket() int64 { return normalize.DivRound(s.Revenue, int64(s.Priced)) }

// MonthCustomers counts the customers who bought in a month: for the first
// time, or again.
type MonthCustomers struct {
	Month          string
	New, Returning int
}

// Cohort is the customers whose first purchase fell in Month, and how many
// of them bought again in each following month (Active[0] is Size).
type Cohort struct {
	Month  string
	Size   int
	Active []int
}

// SegmentSummary counts a segment's customers and their spend.
type SegmentSummary struct {
	Segment   history.Segment
	Customers int
	Spend     []history.Money
}

// Cell is one cell of the RFM grid.
type Cell struct {
	Customers int
	Spend     []history.Money
}

// Options shape the report.
type Options struct {
	// Months is how many months the monthly charts show, ending with the
	// as-of month; the sales table lists every month.
	Months int
}

// DefaultOptions are the report's defaults.
var DefaultOptions = Options{Months: 24}

// Build computes the report of h.
func Build(h *history.History, opt Options) *Report {
	if opt.Months < 1 {
		opt.Months = DefaultOptions.Months
	}
	r := &Report{
		AsOf: h.AsOf, Location: h.Location, Rules: h.Rules,
		TotalCustomers: len(h.Customers), Undated: h.Undated, Later: h.Later,
		TopCustomers: map[string][]*history.Customer{}, Products: map[history.Segment][]history.Product{},
		Categories: map[history.Segment][]history.Product{},
	}
	r.buildSales(h, opt.Months)
	r.buildMonthly(h)
	r.buildCustomers(h)
	for seg, list := range h.Products {
		r.Products[seg] = list[:min(len(list), productsShown)]
	}
	for seg, list := range h.Categories {
		r.Categories[seg] = list[:min(len(list), productsShown)]
	}
	return r
}

func month(t time.Time) string { return t.Format("2006-01") }

func (r *Report) buildSales(h *history.History, months int) {
	type key struct{ month, channel, currency string }
	idx := map[key]int{}
	channels := map[string]bool{}
	revenue := map[string]int64{}
	for _, o := range h.Orders {
		k := key{month(o.At), o.Channel, o.Currency}
		i, ok := idx[k]
		if !ok {
			i = len(r.Sales)
			idx[k] = i
			r.Sales = append(r.Sales, Sales{Month: k.month, Channel: k.channel, Currency: k.currency})
		}
		s := &r.Sales[i]
		channels[o.Channel] = true
		if _, seen := revenue[o.Currency]; !seen {
			revenue[o.Currency] = 0
		}
		if o.Cancelled {
			s.Cancelled++
			continue
		}
		s.Orders++
		if o.HasTotal {
			s.Revenue += o.Total
			s.Priced++
			revenue[o.Currency] += o.Total
		}
	}
	slices.SortFunc(r.Sales, func(a, b Sales) int {
		return cmp.Or(cmp.Compare(a.Month, b.Month), cmp.Compare(a.Channel, b.Channel), cmp.Compare(a.Currency, b.Currency))
	})
	for ch := range channels {
		r.Channels = append(r.Channels, ch)
	}
	slices.Sort(r.Channels)
	for cur := range revenue {
		r.Currencies = append(r.Currencies, cur)
	}
	slices.SortFunc(r.Currencies, func(a, b string) int { return cmp.Or(cmp.Compare(revenue[b], revenue[a]), cmp.Compare(a, b)) })
	if len(h.Orders) > 0 {
		first := h.Orders[0].At
		end := time.Date(h.AsOf.Year(), h.AsOf.Month(), 1, 0, 0, 0, 0, time.UTC)
		start := end.AddDate(0, 1-months, 0)
		if f := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); f.After(start) {
			start = f
		}
		for m := start; !m.After(end); m = m.AddDate(0, 1, 0) {
			r.Months = append(r.Months, month(m))
		}
	}
}

// monthIndex is the number of months from 0001-01 to t's month.
func monthIndex(t time.Time) int { return t.Year()*12 + int(t.Month()) - 1 }

func (r *Report) buildMonthly(h *history.History) {
	if len(r.Months) == 0 {
		return
	}
	var y, m int
	fmt.Sscanf(r.Months[0], "%d-%d", &y, &m)
	base := y*12 + m - 1
	counted := map[[2]int]bool{} // (customer, month index) already counted
	newc := make([]int, len(r.Months))
	ret := make([]int, len(r.Months))
	cohortActive := map[int]map[int]int{} // cohort month index -> offset -> customers
	for _, o := range h.Orders {
		if o.Cancelled {
			continue
		}
		c := h.Customers[o.Customer]
		mi := monthIndex(o.At)
		if mi < base {
			continue
		}
		if counted[[2]int{int(o.Customer), mi}] {
			continue
		}
		counted[[2]int{int(o.Customer), mi}] = true
		ci := monthIndex(c.FirstPurchase)
		if ci == mi {
			newc[mi-base]++
		} else {
			ret[mi-base]++
		}
		if cohortActive[ci] == nil {
			cohortActive[ci] = map[int]int{}
		}
		cohortActive[ci][mi-ci]++
	}
	for i, m := range r.Months {
		r.Monthly = append(r.Monthly, MonthCustomers{Month: m, New: newc[i], Returning: ret[i]})
	}
	last := base + len(r.Months) - 1
	for ci := max(base, last-cohortsShown+1); ci <= last; ci++ {
		act := cohortActive[ci]
		c := Cohort{Month: r.Months[ci-base], Size: act[0]}
		for off := 0; ci+off <= last && off < cohortsShown; off++ {
			c.Active = append(c.Active, act[off])
		}
		r.Cohorts = append(r.Cohorts, c)
	}
}

func addMoney(list []history.Money, add []history.Money) []history.Money {
	for _, m := range add {
		i := slices.IndexFunc(list, func(x history.Money) bool { return x.Currency == m.Currency })
		if i < 0 {
			list = append(list, m)
			continue
		}
		list[i].Cents += m.Cents
	}
	return list
}

func sortMoney(list []history.Money) {
	slices.SortFunc(list, func(a, b history.Money) int {
		return cmp.Or(cmp.Compare(b.Cents, a.Cents), cmp.Compare(a.Currency, b.Currency))
	})
}

// bySpend orders customers by spend in cur, largest first, then by id so
// ties come out the same every time.
func bySpend(cur string) func(a, b *history.Customer) int {
	return func(a, b *history.Customer) int {
		return cmp.Or(cmp.Compare(b.SpendIn(cur), a.SpendIn(cur)), cmp.Compare(a.ID, b.ID))
	}
}

// byMainSpend orders customers of any currency: the report's main currency
// first, then the rest.
func (r *Report) byMainSpend(a, b *history.Customer) int {
	for _, cur := range r.Currencies {
		if c := cmp.Compare(b.SpendIn(cur), a.SpendIn(cur)); c != 0 {
			return c
		}
	}
	return cmp.Compare(a.ID, b.ID)
}

func (r *Report) buildCustomers(h *history.History) {
	segs := map[history.Segment]*SegmentSummary{}
	for _, s := range history.Segments {
		segs[s] = &SegmentSummary{Segment: s}
	}
	for _, c := range h.Customers {
		s := segs[c.Segment]
		s.Customers++
		s.Spend = addMoney(s.Spend, c.Spend)
		if c.Purchases == 0 {
			continue
		}
		r.Buyers++
		cell := &r.RFM[c.Recency-1][c.Frequency-1]
		cell.Customers++
		cell.Spend = addMoney(cell.Spend, c.Spend)
		if len(c.Channels) > 1 {
			r.CrossChannel = append(r.CrossChannel, c)
		}
		if c.Segment == history.SegmentInactive {
			r.WinBack = append(r.WinBack, c)
			r.WinBackSpend = addMoney(r.WinBackSpend, c.Spend)
		}
	}
	for _, s := range history.Segments {
		sortMoney(segs[s].Spend)
		r.Segments = append(r.Segments, *segs[s])
	}
	for i := range r.RFM {
		for j := range r.RFM[i] {
			sortMoney(r.RFM[i][j].Spend)
		}
	}
	sortMoney(r.WinBackSpend)
	for _, cur := range r.Currencies {
		var list []*history.Customer
		for _, c := range h.Customers {
			if c.SpendIn(cur) > 0 {
				list = append(list, c)
			}
		}
		slices.SortFunc(list, bySpend(cur))
		if len(list) > 0 {
			r.TopCustomers[cur] = list[:min(len(list), topCustomers)]
		}
	}
	slices.SortFunc(r.CrossChannel, r.byMainSpend)
	r.CrossCount = len(r.CrossChannel)
	r.CrossChannel = r.CrossChannel[:min(len(r.CrossChannel), crossShown)]
	slices.SortFunc(r.WinBack, r.byMainSpend)
	r.WinBackCount = len(r.WinBack)
	r.WinBack = r.WinBack[:min(len(r.WinBack), winBackShown)]
}

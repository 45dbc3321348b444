package report

import (
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strings"

	"github.com/go-analyze/charts"

	"github.com/orderhist/orderhist/history"
)

//go:embed page.html.tmpl
var pageTemplate string

//go:embed page.css
var pageCSS string

// Render writes the report as one HTML page in lang (see Languages). The page
// holds its styles and its charts; it loads nothing, so it opens offline and
// can be mailed as it is.
func Render(w io.Writer, r *Report, lang string) error {
	l := newLocale(lang)
	v, err := r.view(l)
	if err != nil {
		return err
	}
	t, err := template.New("page").Funcs(template.FuncMap{
		"T":         l.T,
		"Tf":        l.Tf,
		"int":       l.Int,
		"money":     l.Money,
		"moneyList": l.MoneyList,
		"month":     l.Month,
		"date":      l.Date,
		"segment":   l.Segment,
		"channel":   l.Channel,
		"channels": func(list []string) string {
			names := make([]string, len(list))
			for i, c := range list {
				names[i] = l.Channel(c)
			}
			return strings.Join(names, ", ")
		},
		"users": func(c *history.Customer) string {
			return strings.Join(c.Usernames, ", ")
		},
		"inc":   func(i int) int { return i + 1 },
		"int64": func(n int64) string { return l.Int(int(n)) },
		"css":   func() template.CSS { return template.CSS(pageCSS) },
	}).Parse(pageTemplate)
	if err != nil {
		return err
	}
	return t.Execute(w, v)
}

type view struct {
	*Report
	Lang         string
	CrossShown   int
	WinBackShown int
	Orders       int
	Revenue      []history.Money
	SalesCharts  []chart
	CustCharts   []chart
	CohortCharts []chart
	SegCharts    []chart
	RFMCharts    []chart
	ProdCharts   []chart
	CatCharts    []chart
	SalesRows    []Sales
	SegRows      []segRow
	RFMRows      []rfmRow
	RFMCols      []string
	TopLists     []topList
	ProdLists    []prodList
	CatLists     []prodList
}

type segRow struct {
	SegmentSummary
	Definition string
}

type rfmRow struct {
	Label string
	Cells []Cell
}

type topList struct {
	Currency  string
	Customers []*history.Customer
}

type prodList struct {
	Title    string
	Products []history.Product
}

func (r *Report) view(l *locale) (*view, error) {
	v := &view{Report: r, Lang: l.lang, CrossShown: crossShown, WinBackShown: winBackShown}
	revenue := map[string]int64{}
	for _, s := range r.Sales {
		v.Orders += s.Orders
		revenue[s.Currency] += s.Revenue
	}
	for _, cur := range r.Currencies {
		v.Revenue = append(v.Revenue, history.Money{Currency: cur, Cents: revenue[cur]})
	}
	v.SalesRows = slices.Clone(r.Sales)
	slices.SortStableFunc(v.SalesRows, func(a, b Sales) int { return cmp.Compare(b.Month, a.Month) })

	add := func(dst *[]chart, id, title string, w, h int, draw func(*charts.Painter) error) error {
		svg, err := render(w, h, draw)
		if err != nil {
			return fmt.Errorf("chart %s: %w", id, err)
		}
		*dst = append(*dst, chart{ID: id, Title: title, SVG: svg, Wide: w > chartW})
		return nil
	}
	months := make([]string, len(r.Months))
	for i, m := range r.Months {
		months[i] = l.Month(m)
	}
	chNames := make([]string, len(r.Channels))
	for i, c := range r.Channels {
		chNames[i] = l.Channel(c)
	}
	if len(r.Months) > 0 {
		mi := map[string]int{}
		for i, m := range r.Months {
			mi[m] = i
		}
		ci := map[string]int{}
		for i, c := range r.Channels {
			ci[c] = i
		}
		orders := matrix(len(r.Channels), len(r.Months))
		for _, s := range r.Sales {
			if i, ok := mi[s.Month]; ok {
				orders[ci[s.Channel]][i] += float64(s.Orders)
			}
		}
		for _, cur := range r.Currencies {
			rev := matrix(len(r.Channels), len(r.Months))
			// A month without sales has no average ticket: a gap in the
			// line, not a fall to zero.
			ticket := matrix(len(r.Channels), len(r.Months))
			for _, row := range ticket {
				for i := range row {
					row[i] = charts.GetNullValue()
				}
			}
			for _, s := range r.Sales {
				if i, ok := mi[s.Month]; ok && s.Currency == cur {
					rev[ci[s.Channel]][i] += float64(s.Revenue) / 100
					if s.Priced > 0 {
						ticket[ci[s.Channel]][i] = float64(s.AvgTicket()) / 100
					}
				}
			}
			names, revRows, ticketRows := keepNonZero(chNames, rev, ticket)
			if len(names) == 0 {
				continue
			}
			if err := add(&v.SalesCharts, "revenue-"+cur, l.Tf("chart_revenue", cur), chartW, chartH, l.barChart(names, months, revRows, true, false, false)); err != nil {
				return nil, err
			}
			if err := add(&v.SalesCharts, "ticket-"+cur, l.Tf("chart_ticket", cur), chartW, chartH, l.lineChart(names, months, ticketRows)); err != nil {
				return nil, err
			}
		}
		names, ordRows, _ := keepNonZero(chNames, orders, nil)
		if err := add(&v.SalesCharts, "orders", l.T("chart_orders"), chartW, chartH, l.barChart(names, months, ordRows, true, false, true)); err != nil {
			return nil, err
		}
		nv, rv := make([]float64, len(r.Monthly)), make([]float64, len(r.Monthly))
		for i, m := range r.Monthly {
			nv[i], rv[i] = float64(m.New), float64(m.Returning)
		}
		if err := add(&v.CustCharts, "customers", l.T("chart_customers"), chartW, chartH,
			l.barChart([]string{l.T("series_new"), l.T("series_returning")}, months, [][]float64{nv, rv}, true, false, true)); err != nil {
			return nil, err
		}
		if len(r.Cohorts) > 0 {
			rows := make([]string, len(r.Cohorts))
			cols := make([]string, len(r.Cohorts[0].Active))
			for j := range cols {
				cols[j] = fmt.Sprint(j)
			}
			vals := make([][]float64, len(r.Cohorts))
			for i, c := range r.Cohorts {
				rows[i] = fmt.Sprintf("%s (%s)", l.Month(c.Month), l.Int(c.Size))
				vals[i] = make([]float64, len(cols))
				for j := range vals[i] {
					vals[i][j] = charts.GetNullValue()
					if j < len(c.Active) && c.Size > 0 {
						vals[i][j] = 100 * float64(c.Active[j]) / float64(c.Size)
					}
				}
			}
			label := func(f float64) string { return l.p.Sprintf("%.0f%%", f) }
			if err := add(&v.CohortCharts, "cohorts", "", wideW, 90+26*len(rows),
				heatMap(rows, cols, vals, l.T("cohort_rows"), l.T("cohort_cols"), label)); err != nil {
				return nil, err
			}
		}
	}

	var segNames []string
	var segVals []float64
	for _, s := range r.Segments {
		v.SegRows = append(v.SegRows, segRow{SegmentSummary: s, Definition: r.definition(l, s.Segment)})
		if s.Customers > 0 {
			segNames = append(segNames, fmt.Sprintf("%s (%s)", l.Segment(s.Segment), l.Int(s.Customers)))
			segVals = append(segVals, float64(s.Customers))
		}
	}
	if len(segVals) > 0 {
		if err := add(&v.SegCharts, "segments", l.T("chart_segments"), chartW, 80+40*len(segVals),
			l.barChart(nil, reversed(segNames), [][]float64{reversed(segVals)}, false, true, true)); err != nil {
			return nil, err
		}
	}
	rowLabels, colLabels := r.rfmLabels(l)
	v.RFMCols = colLabels
	// The chart's columns are narrow: purchase counts alone, the axis
	// title says what they count.
	colLabels = r.rfmShortCols()
	for i := 4; i >= 0; i-- {
		v.RFMRows = append(v.RFMRows, rfmRow{Label: rowLabels[4-i], Cells: r.RFM[i][:]})
	}
	if r.Buyers > 0 {
		counts := make([][]float64, 5)
		for i := range counts {
			counts[i] = make([]float64, 5)
			for j := range counts[i] {
				counts[i][j] = float64(r.RFM[4-i][j].Customers)
			}
		}
		label := func(f float64) string { return l.Int(int(f)) }
		if err := add(&v.RFMCharts, "rfm", l.T("chart_rfm"), wideW, chartH,
			heatMap(rowLabels, colLabels, counts, l.T("rfm_recency"), l.T("rfm_frequency_axis"), label)); err != nil {
			return nil, err
		}
		for _, cur := range r.Currencies {
			spend := make([][]float64, 5)
			any := false
			for i := range spend {
				spend[i] = make([]float64, 5)
				for j := range spend[i] {
					for _, m := range r.RFM[4-i][j].Spend {
						if m.Currency == cur {
							spend[i][j] = float64(m.Cents) / 100
							any = any || m.Cents != 0
						}
					}
				}
			}
			if !any {
				continue
			}
			moneyLabel := func(f float64) string { return l.axisFormatter()(f) }
			if err := add(&v.RFMCharts, "rfm-spend-"+cur, l.Tf("chart_rfm_spend", cur), wideW, chartH,
				heatMap(rowLabels, colLabels, spend, l.T("rfm_recency"), l.T("rfm_frequency_axis"), moneyLabel)); err != nil {
				return nil, err
			}
		}
	}
	for _, cur := range r.Currencies {
		if list := r.TopCustomers[cur]; len(list) > 0 {
			v.TopLists = append(v.TopLists, topList{Currency: cur, Customers: list})
		}
	}
	if top := r.Products[""]; len(top) > 0 {
		labels := make([]string, len(top))
		units := make([]float64, len(top))
		// Horizontal bars are drawn bottom up; the best seller goes on top.
		for i, p := range top {
			labels[len(top)-1-i] = shorten(productLabel(p), 28)
			units[len(top)-1-i] = float64(p.Units)
		}
		if err := add(&v.ProdCharts, "products", l.T("chart_products"), chartW, 80+26*len(top),
			l.barChart(nil, labels, [][]float64{units}, false, true, true)); err != nil {
			return nil, err
		}
	}
	v.ProdLists = append(v.ProdLists, prodList{Title: l.T("prod_overall"), Products: r.Products[""]})
	for _, s := range history.Segments {
		if s == history.SegmentNoPurchase {
			continue
		}
		v.ProdLists = append(v.ProdLists, prodList{Title: l.Segment(s), Products: r.Products[s]})
	}
	if top := r.Categories[""]; len(top) > 0 {
		labels := make([]string, len(top))
		units := make([]float64, len(top))
		for i, p := range top {
			labels[len(top)-1-i] = shorten(p.Key, 28)
			units[len(top)-1-i] = float64(p.Units)
		}
		if err := add(&v.CatCharts, "categories", l.T("chart_categories"), chartW, 80+26*len(top),
			l.barChart(nil, labels, [][]float64{units}, false, true, true)); err != nil {
			return nil, err
		}
		v.CatLists = append(v.CatLists, prodList{Title: l.T("prod_overall"), Products: top})
		for _, s := range history.Segments {
			if s != history.SegmentNoPurchase {
				v.CatLists = append(v.CatLists, prodList{Title: l.Segment(s), Products: r.Categories[s]})
			}
		}
	}
	return v, nil
}

func (r *Report) definition(l *locale, s history.Segment) string {
	switch s {
	case history.SegmentNew:
		return l.Tf("seg_def_new", r.Rules.RecurringOrders, r.Rules.InactiveDays)
	case history.SegmentRecurring:
		return l.Tf("seg_def_recurring", r.Rules.RecurringOrders, r.Rules.InactiveDays)
	case history.SegmentInactive:
		return l.Tf("seg_def_inactive", r.Rules.InactiveDays)
	}
	return l.T("seg_def_no")
}

// rfmLabels names the grid's rows (recency 5 at the top) and columns
// (frequency 1 to 5) after the rules' bounds.
func (r *Report) rfmLabels(l *locale) (rows, cols []string) {
	rd, fo := r.Rules.RecencyDays, r.Rules.FrequencyOrders
	rows = []string{
		l.Tf("rfm_days_le", rd[0]), l.Tf("rfm_days_le", rd[1]), l.Tf("rfm_days_le", rd[2]),
		l.Tf("rfm_days_le", rd[3]), l.Tf("rfm_days_gt", rd[3]),
	}
	cols = []string{l.T("rfm_orders_one")}
	lo := fo[:]
	for i := 0; i < 3; i++ {
		if lo[i+1]-1 == lo[i] {
			cols = append(cols, l.Tf("rfm_orders_n", lo[i]))
		} else {
			cols = append(cols, l.Tf("rfm_orders_range", lo[i], lo[i+1]-1))
		}
	}
	cols = append(cols, l.Tf("rfm_orders_ge", lo[3]))
	return rows, cols
}

func (r *Report) rfmShortCols() []string {
	fo := r.Rules.FrequencyOrders
	cols := []string{"1"}
	for i := 0; i < 3; i++ {
		if fo[i+1]-1 == fo[i] {
			cols = append(cols, fmt.Sprint(fo[i]))
		} else {
			cols = append(cols, fmt.Sprintf("%d–%d", fo[i], fo[i+1]-1))
		}
	}
	return append(cols, fmt.Sprintf("%d+", fo[3]))
}

func matrix(rows, cols int) [][]float64 {
	m := make([][]float64, rows)
	for i := range m {
		m[i] = make([]float64, cols)
	}
	return m
}

// keepNonZero drops the series that are zero throughout, so a channel that
// never sold in a currency does not crowd the legend.
func keepNonZero(names []string, a, b [][]float64) ([]string, [][]float64, [][]float64) {
	var n []string
	var ra, rb [][]float64
	for i, row := range a {
		if slices.ContainsFunc(row, func(f float64) bool { return f != 0 }) {
			n = append(n, names[i])
			ra = append(ra, row)
			if b != nil {
				rb = append(rb, b[i])
			}
		}
	}
	return n, ra, rb
}

func reversed[T any](list []T) []T {
	out := slices.Clone(list)
	slices.Reverse(out)
	return out
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// productLabel names a product on the chart's narrow axis: the SKU where
// there is one, since titles of one product line differ only at their end,
// and the table beside the chart gives the full title.
func productLabel(p history.Product) string {
	if p.Key != p.Title && len([]rune(p.Key)) <= 24 {
		return p.Key
	}
	return cmp.Or(p.Title, p.Key)
}

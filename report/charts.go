package report

import (
	"bytes"
	"fmt"
	"html/template"
	"math"

	"github.com/go-analyze/charts"
)

// Chart sizes in SVG user units; the page scales them to the screen width,
// so on a phone they shrink as a whole instead of being cut.
const (
	chartW = 720
	chartH = 360
)

// chart is one figure of the page.
type chart struct {
	ID    string
	Title string
	SVG   template.HTML
}

// render draws one chart to SVG with a painter of the given size.
func render(w, h int, draw func(p *charts.Painter) error) (template.HTML, error) {
	p := charts.NewPainter(charts.PainterOptions{OutputFormat: charts.ChartOutputSVG, Width: w, Height: h})
	if err := draw(p); err != nil {
		return "", err
	}
	b, err := p.Bytes()
	if err != nil {
		return "", err
	}
	// The library writes a fixed width and height; a viewBox lets CSS
	// scale the drawing to the column instead.
	b = bytes.Replace(b, []byte("<svg "), fmt.Appendf(nil, `<svg viewBox="0 0 %d %d" preserveAspectRatio="xMidYMid meet" role="img" `, w, h), 1)
	return template.HTML(b), nil
}

func (l *locale) axisFormatter() charts.ValueFormatter {
	return func(f float64) string {
		if math.Abs(f) >= 1e6 {
			return l.p.Sprintf("%.1f mi", f/1e6)
		}
		if math.Abs(f) >= 1e4 {
			return l.p.Sprintf("%.0f mil", f/1e3)
		}
		return l.p.Sprintf("%.0f", f)
	}
}

// barChart draws series over category labels, stacked or side by side.
func (l *locale) barChart(names, labels []string, values [][]float64, stacked, horizontal bool) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewBarChartOptionWithData(values)
		opt.CategoryAxis.Labels = labels
		opt.Horizontal = horizontal
		opt.ValueFormatter = l.axisFormatter()
		if stacked {
			opt.StackSeries = charts.Ptr(true)
		}
		if len(names) > 0 {
			opt.Legend = charts.LegendOption{SeriesNames: names}
		}
		return p.BarChart(opt)
	}
}

// lineChart draws one line per series.
func (l *locale) lineChart(names, labels []string, values [][]float64) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewLineChartOptionWithData(values)
		opt.XAxis.Labels = labels
		opt.ValueFormatter = l.axisFormatter()
		opt.Legend = charts.LegendOption{SeriesNames: names}
		return p.LineChart(opt)
	}
}

// heatMap draws a grid of values with a label in each cell.
func heatMap(rows, cols []string, values [][]float64, rowTitle, colTitle string, label func(float64) string) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewHeatMapOptionWithData(values)
		opt.YAxis.Labels = rows
		opt.XAxis.Labels = cols
		opt.YAxis.Title = rowTitle
		opt.XAxis.Title = colTitle
		opt.ValuesLabel.Show = charts.Ptr(true)
		opt.ValuesLabel.ValueFormatter = label
		return p.HeatMapChart(opt)
	}
}

// pieChart draws shares of a whole.
func pieChart(names []string, values []float64) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewPieChartOptionWithData(values)
		opt.Legend = charts.LegendOption{SeriesNames: names}
		for i := range opt.SeriesList {
			opt.SeriesList[i].Label.Show = charts.Ptr(true)
		}
		return p.PieChart(opt)
	}
}

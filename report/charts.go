package report

import (
	"bytes"
	"fmt"
	"html/template"
	"math"

	"github.com/go-analyze/charts"
)

// Chart sizes in SVG user units. The page scales each drawing to its
// column, so on a phone it shrinks as a whole rather than being cut; the
// size and the font are chosen so labels stay about 9 px on a 390 px
// phone and under 18 px on a desktop.
const (
	chartW    = 480
	chartH    = 300
	chartFont = 13.0
	// wideW is for grids (cohorts, RFM) that take the whole width.
	wideW = 760
)

var font = charts.FontStyle{FontSize: chartFont}

// chart is one figure of the page.
type chart struct {
	ID    string
	Title string
	SVG   template.HTML
	Wide  bool
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
		if f != math.Trunc(f) && math.Abs(f) < 10 {
			return l.p.Sprintf("%.1f", f)
		}
		return l.p.Sprintf("%.0f", f)
	}
}

// countAxis keeps an axis of counts on whole numbers: with small counts
// the library's even steps would fall between them (0, 0.4, 0.8...).
func countAxis(values [][]float64, stacked bool) charts.ValueAxisOption {
	top := 0.0
	if stacked && len(values) > 0 {
		for i := range values[0] {
			sum := 0.0
			for _, row := range values {
				if i < len(row) && !math.IsNaN(row[i]) {
					sum += row[i]
				}
			}
			top = max(top, sum)
		}
	} else {
		for _, row := range values {
			for _, v := range row {
				top = max(top, v)
			}
		}
	}
	axis := charts.ValueAxisOption{LabelFontStyle: font, Min: charts.Ptr(0.0)}
	if top < 8 {
		m := max(math.Ceil(top), 1)
		axis.Max = charts.Ptr(m)
		axis.LabelCount = int(m) + 1
	}
	return axis
}

// barChart draws series over category labels, stacked or side by side.
// counts says the values are whole numbers.
func (l *locale) barChart(names, labels []string, values [][]float64, stacked, horizontal, counts bool) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewBarChartOptionWithData(values)
		opt.CategoryAxis.Labels = labels
		opt.CategoryAxis.LabelFontStyle = font
		opt.Horizontal = horizontal
		opt.ValueFormatter = l.axisFormatter()
		axis := charts.ValueAxisOption{LabelFontStyle: font}
		if counts {
			axis = countAxis(values, stacked)
		}
		if horizontal {
			// Each bar carries its value; an axis of written-out numbers
			// would only crowd the narrow side.
			axis.Show = charts.Ptr(false)
			for i := range opt.SeriesList {
				opt.SeriesList[i].Label.Show = charts.Ptr(true)
				opt.SeriesList[i].Label.FontStyle = font
				opt.SeriesList[i].Label.ValueFormatter = l.axisFormatter()
			}
		}
		opt.ValueAxis = []charts.ValueAxisOption{axis}
		if stacked {
			opt.StackSeries = charts.Ptr(true)
		}
		if len(names) > 0 {
			opt.Legend = charts.LegendOption{SeriesNames: names, FontStyle: font}
		}
		return p.BarChart(opt)
	}
}

// lineChart draws one line per series; a null value is a gap.
func (l *locale) lineChart(names, labels []string, values [][]float64) func(*charts.Painter) error {
	return func(p *charts.Painter) error {
		opt := charts.NewLineChartOptionWithData(values)
		opt.XAxis.Labels = labels
		opt.XAxis.LabelFontStyle = font
		opt.YAxis = []charts.YAxisOption{{LabelFontStyle: font, Min: charts.Ptr(0.0)}}
		opt.ValueFormatter = l.axisFormatter()
		opt.Legend = charts.LegendOption{SeriesNames: names, FontStyle: font}
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
		opt.YAxis.LabelFontStyle, opt.XAxis.LabelFontStyle = font, font
		opt.YAxis.TitleFontStyle, opt.XAxis.TitleFontStyle = font, font
		opt.ValuesLabel.Show = charts.Ptr(true)
		opt.ValuesLabel.ValueFormatter = label
		opt.ValuesLabel.FontStyle = font
		// The library starts a cell's label at the cell's centre, as it
		// does beside a bar; a negative distance of half the widest label
		// brings the labels back over their cells' centres.
		widest := 0
		for _, row := range values {
			for _, v := range row {
				if !math.IsNaN(v) && v != charts.GetNullValue() {
					widest = max(widest, p.MeasureText(label(v), 0, font).Width())
				}
			}
		}
		opt.ValuesLabel.Distance = -max(widest/2, 1)
		return p.HeatMapChart(opt)
	}
}

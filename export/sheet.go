package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// kind is how a column's values are written.
type kind int

const (
	kText     kind = iota
	kMoney         // cents, written with two decimals
	kInt           // a count
	kDate          // a day in the seller's zone
	kDateTime      // a moment in the seller's zone, to the minute
)

type column struct {
	header string
	kind   kind
	width  float64 // XLSX column width, in characters
}

// cell is one value; null leaves the cell empty.
type cell struct {
	text string
	n    int64 // cents for kMoney, the count for kInt
	t    time.Time
	null bool
}

func text(s string) cell      { return cell{text: s, null: s == ""} }
func money(cents int64) cell  { return cell{n: cents} }
func count(n int) cell        { return cell{n: int64(n)} }
func moment(t time.Time) cell { return cell{t: t, null: t.IsZero()} }
func optMoney(p *int64) cell {
	if p == nil {
		return cell{null: true}
	}
	return money(*p)
}

// sheet writes rows of cells to one format.
type sheet interface {
	row(cells []cell) error
	close() error
}

func newSheet(w io.Writer, opt Options, l *locale, name string, cols []column) (sheet, error) {
	if opt.Format == FormatXLSX {
		return newXLSX(w, l, name, cols)
	}
	return newCSV(w, l, cols)
}

// dangerous tells whether a spreadsheet could take a text value for a
// formula (or, for tab and carriage return, shift it into one).
func dangerous(s string) bool {
	return s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0]))
}

// csvSheet writes CSV in the language's conventions.
type csvSheet struct {
	l    *locale
	cols []column
	bw   *bufio.Writer
	w    *csv.Writer
	rec  []string
}

func newCSV(w io.Writer, l *locale, cols []column) (*csvSheet, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	// The byte order mark tells Excel the file is UTF-8.
	if _, err := bw.WriteString("\uFEFF"); err != nil {
		return nil, err
	}
	cw := csv.NewWriter(bw)
	cw.Comma = l.comma
	cw.UseCRLF = true // what Excel writes, and reads best
	s := &csvSheet{l: l, cols: cols, bw: bw, w: cw, rec: make([]string, len(cols))}
	for i, c := range cols {
		s.rec[i] = c.header
	}
	return s, cw.Write(s.rec)
}

func (s *csvSheet) row(cells []cell) error {
	for i, c := range cells {
		s.rec[i] = s.format(s.cols[i].kind, c)
	}
	return s.w.Write(s.rec)
}

func (s *csvSheet) format(k kind, c cell) string {
	if c.null {
		return ""
	}
	switch k {
	case kMoney:
		return s.l.decimal(c.n)
	case kInt:
		return strconv.FormatInt(c.n, 10)
	case kDate:
		return c.t.In(s.l.loc).Format(s.l.dateLayout)
	case kDateTime:
		return c.t.In(s.l.loc).Format(s.l.dateTimeLayout)
	}
	if dangerous(c.text) {
		return "'" + c.text
	}
	return c.text
}

func (s *csvSheet) close() error {
	s.w.Flush()
	if err := s.w.Error(); err != nil {
		return err
	}
	return s.bw.Flush()
}

// maxXLSXRows is Excel's limit of rows on a sheet, the header included.
const maxXLSXRows = 1_048_576

// xlsxSheet streams rows into one worksheet.
type xlsxSheet struct {
	out    io.Writer
	f      *excelize.File
	sw     *excelize.StreamWriter
	name   string
	cols   []column
	styles map[kind]int
	l      *locale
	n      int // rows written, header included
	vals   []any
}

func newXLSX(w io.Writer, l *locale, name string, cols []column) (*xlsxSheet, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	s := &xlsxSheet{out: w, f: f, name: name, cols: cols, l: l, styles: map[kind]int{}, vals: make([]any, len(cols))}
	var err error
	for k, numFmt := range map[kind]string{kMoney: "#,##0.00", kInt: "0", kDate: l.xlsxDate, kDateTime: l.xlsxDateTime} {
		if s.styles[k], err = f.NewStyle(&excelize.Style{CustomNumFmt: &numFmt}); err != nil {
			return nil, err
		}
	}
	header, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"EEF1F6"}}})
	if err != nil {
		return nil, err
	}
	if s.sw, err = f.NewStreamWriter(name); err != nil {
		return nil, err
	}
	for i, c := range cols {
		if err := s.sw.SetColWidth(i+1, i+1, c.width); err != nil {
			return nil, err
		}
	}
	if err := s.sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	for i, c := range cols {
		s.vals[i] = excelize.Cell{StyleID: header, Value: c.header}
	}
	return s, s.next()
}

func (s *xlsxSheet) next() error {
	s.n++
	if s.n > maxXLSXRows {
		return fmt.Errorf("an XLSX sheet holds at most %d rows: export fewer (--segment, --channel) or use --format csv", maxXLSXRows-1)
	}
	ref, err := excelize.CoordinatesToCellName(1, s.n)
	if err != nil {
		return err
	}
	return s.sw.SetRow(ref, s.vals)
}

func (s *xlsxSheet) row(cells []cell) error {
	for i, c := range cells {
		k := s.cols[i].kind
		switch {
		case c.null:
			s.vals[i] = nil
		case k == kText:
			// A string cell: never evaluated, whatever it starts with.
			s.vals[i] = excelize.Cell{Value: c.text}
		case k == kMoney:
			s.vals[i] = excelize.Cell{StyleID: s.styles[k], Value: float64(c.n) / 100}
		case k == kInt:
			s.vals[i] = excelize.Cell{StyleID: s.styles[k], Value: c.n}
		default:
			// Excel dates have no zone: write the seller's wall clock.
			t := c.t.In(s.l.loc)
			wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
			if k == kDate {
				wall = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			}
			s.vals[i] = excelize.Cell{StyleID: s.styles[k], Value: wall}
		}
	}
	return s.next()
}

func (s *xlsxSheet) close() error {
	if err := s.sw.Flush(); err != nil {
		return err
	}
	last, err := excelize.CoordinatesToCellName(len(s.cols), max(s.n, 1))
	if err != nil {
		return err
	}
	if err := s.f.AutoFilter(s.name, "A1:"+last, nil); err != nil {
		return err
	}
	if _, err := s.f.WriteTo(s.out); err != nil {
		return err
	}
	return s.f.Close()
}

package connectors

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/orderhist/orderhist/connectors/tabular"
)

// sampleRows is how many rows of each sheet detection looks at: Mercado
// Livre's header sits on row 5 or 6 under a preamble of varying height.
const sampleRows = 20

// Sample is the head of a file, enough to recognise its layout.
type Sample struct {
	Path      string
	Kind      tabular.Kind
	Encoding  string // CSV only
	Delimiter rune   // CSV only
	Sheets    []SheetSample
}

// SheetSample holds the first rows of one sheet (for CSV, the header line
// then the first records).
type SheetSample struct {
	Name string
	Rows [][]string
}

// ReadSample reads the head of a file.
func ReadSample(path string) (*Sample, error) {
	kind, err := tabular.DetectKind(path)
	if err != nil {
		return nil, &tabular.FileError{File: path, Err: err}
	}
	s := &Sample{Path: path, Kind: kind}
	switch kind {
	case tabular.KindCSV:
		return readCSVSample(path, 0, false)
	case tabular.KindXLSX:
		wb, err := tabular.OpenXLSX(path, tabular.Limits{})
		if err != nil {
			return nil, err
		}
		defer wb.Close()
		for _, name := range wb.Sheets() {
			rows, err := wb.Rows(name)
			if err != nil {
				return nil, err
			}
			sh := SheetSample{Name: name}
			for len(sh.Rows) < sampleRows && rows.Next() {
				sh.Rows = append(sh.Rows, slices.Clone(rows.Row().Cells))
			}
			rows.Close()
			s.Sheets = append(s.Sheets, sh)
		}
	}
	return s, nil
}

// readCSVSample reads the head of a CSV file, with delimiter or, when it is
// 0, the one the header line suggests. raw keeps each record as the file
// writes it rather than cut to the header line's width, for a file whose
// first line is not its header.
func readCSVSample(path string, delimiter rune, raw bool) (*Sample, error) {
	r, err := tabular.OpenCSV(path, tabular.CSVOptions{Delimiter: delimiter})
	if err != nil {
		return nil, err
	}
	defer r.Close()
	s := &Sample{Path: path, Kind: tabular.KindCSV, Encoding: r.Encoding(), Delimiter: r.Delimiter()}
	rows := [][]string{slices.Clone(r.Header())}
	for len(rows) < sampleRows && r.Next() {
		cells := r.Row().Cells
		if raw {
			cells = r.Raw()
		}
		rows = append(rows, slices.Clone(cells))
	}
	s.Sheets = []SheetSample{{Rows: rows}}
	return s, nil
}

// Match is how well a file fits one layout of one connector.
type Match struct {
	Connector   string
	Layout      string
	Description string
	Sheet       string
	HeaderRow   int      // 1-based row (or line) of the header
	Score       float64  // share of the layout's signature columns present, 0..1
	Matched     int      // signature columns present
	Signature   int      // signature columns in all
	Missing     []string // required columns absent
	// Required names the columns this file must have when they vary per
	// file (a mapping file names them) rather than per layout.
	Required []string
}

// Usable reports whether the file can be read with this layout.
func (m Match) Usable() bool { return m.Score >= minScore && len(m.Missing) == 0 }

// minScore keeps a file that merely shares a few common names ("SKU",
// "Status") from being taken for a marketplace's export.
const minScore = 0.6

// MatchLayouts scores a sample against a connector's layouts and returns the
// best.
func MatchLayouts(connector string, s *Sample, layouts []Layout) Match {
	best := Match{Connector: connector}
	for _, l := range layouts {
		if l.Kind != string(s.Kind) {
			continue
		}
		for _, sh := range s.Sheets {
			if l.Sheet != "" && !strings.EqualFold(sh.Name, l.Sheet) && len(s.Sheets) > 1 {
				continue
			}
			row := headerRow(sh.Rows, l.Marker)
			if row < 0 {
				continue
			}
			h := tabular.NewHeader(sh.Rows[row], nil)
			m := Match{
				Connector: connector, Layout: l.Name, Description: l.Description,
				Sheet: sh.Name, HeaderRow: row + 1,
				Matched: h.Score(l.Signature), Signature: len(l.Signature),
			}
			if m.Signature > 0 {
				m.Score = float64(m.Matched) / float64(m.Signature)
			}
			for _, r := range l.Required {
				if !h.Has(r) {
					m.Missing = append(m.Missing, r)
				}
			}
			if better(m, best) {
				best = m
			}
		}
	}
	return best
}

func better(a, b Match) bool {
	if a.Usable() != b.Usable() {
		return a.Usable()
	}
	return a.Score > b.Score
}

// headerRow finds the header: the first row holding one of the markers, or
// the first row when the layout has none.
func headerRow(rows [][]string, markers []string) int {
	if len(rows) == 0 {
		return -1
	}
	if len(markers) == 0 {
		return 0
	}
	for i, r := range rows {
		for _, c := range r {
			c = tabular.CleanHeader(c)
			for _, m := range markers {
				if strings.EqualFold(c, m) {
					return i
				}
			}
		}
	}
	return -1
}

// ErrNoConnector is wrapped by routing errors for files no connector reads.
var ErrNoConnector = errors.New("no connector reads this file")

// ErrAmbiguous is wrapped when two connectors claim a file equally.
var ErrAmbiguous = errors.New("more than one connector reads this file")

// Route picks the connector for a file: the usable match with the highest
// score. A tie between connectors, or no usable match, is an error that
// names the closest candidates so the seller knows what to fix.
func Route(s *Sample) (FileReader, Match, error) {
	var matches []Match
	readers := map[string]FileReader{}
	var all []FileReader
	for _, c := range All() {
		fr, ok := c.(FileReader)
		if !ok {
			continue
		}
		all = append(all, fr)
		m := fr.Detect(s)
		if m.Score > 0 {
			matches = append(matches, m)
			readers[m.Connector] = fr
		}
	}
	slices.SortStableFunc(matches, func(a, b Match) int {
		if better(a, b) {
			return -1
		}
		if better(b, a) {
			return 1
		}
		return 0
	})
	if len(matches) == 0 || !matches[0].Usable() {
		if err := explainNoMatch(s, all); err != nil {
			return nil, Match{}, err
		}
		if len(matches) == 0 {
			return nil, Match{}, fmt.Errorf("%w: its header matches no known export (is it an order export? for any other layout use the csv connector with a mapping file)", ErrNoConnector)
		}
		return nil, matches[0], fmt.Errorf("%w: closest is %s", ErrNoConnector, describeMiss(matches[0]))
	}
	if len(matches) > 1 && matches[1].Usable() && matches[1].Score == matches[0].Score && matches[1].Connector != matches[0].Connector {
		return nil, matches[0], fmt.Errorf("%w: %s and %s both match; choose one with --connector", ErrAmbiguous, matches[0].Connector, matches[1].Connector)
	}
	return readers[matches[0].Connector], matches[0], nil
}

func describeMiss(m Match) string {
	s := fmt.Sprintf("%s (%s), which matched %d of %d identifying columns", m.Connector, m.Layout, m.Matched, m.Signature)
	if len(m.Missing) > 0 {
		q := make([]string, len(m.Missing))
		for i, c := range m.Missing {
			q[i] = fmt.Sprintf("%q", c)
		}
		s += "; missing " + strings.Join(q, ", ")
	}
	return s
}

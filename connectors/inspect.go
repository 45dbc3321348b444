package connectors

import (
	"context"
	"time"

	"github.com/orderhist/orderhist/connectors/tabular"
)

// FileReport is what reading one file says about it: the connector and
// layout that read it, its counts and which header feeds which dataset
// column, or why no connector reads it. `orderhist detect` prints it.
type FileReport struct {
	File      string          `json:"file"`
	Connector string          `json:"connector,omitempty"`
	Layout    string          `json:"layout,omitempty"`
	Sheet     string          `json:"sheet,omitempty"`
	HeaderRow int             `json:"header_row,omitempty"`
	Encoding  string          `json:"encoding,omitempty"`
	Delimiter string          `json:"delimiter,omitempty"`
	Rows      int64           `json:"rows"`
	Orders    int64           `json:"orders"`
	Rejected  int64           `json:"rejected_rows"`
	Mapping   []ColumnMapping `json:"mapping,omitempty"`
	Error     string          `json:"error,omitempty"`
	// Skipped says why a folder's file is not read (WalkExports).
	Skipped string `json:"skipped,omitempty"`
}

// ColumnMapping is one header of a file and the dataset column it feeds.
type ColumnMapping struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

// InspectFile reads a file as an import would, writing nothing: routed to
// its connector, or read by forced when set (reading it says best whether
// it fits). now is the clock an import would run with, so the rows with
// implausible dates an import would skip are counted as rejected.
func InspectFile(ctx context.Context, path string, forced FileReader, opts map[string]string, now time.Time) FileReport {
	res := FileReport{File: path}
	s, err := ReadSample(path)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if s.Kind == tabular.KindCSV {
		res.Encoding = s.Encoding
		res.Delimiter = delimiterName(s.Delimiter)
	}
	var (
		fr FileReader
		m  Match
	)
	if forced != nil {
		fr, m = forced, forced.Detect(s)
		m.Connector = forced.Info().Name
	} else {
		fr, m, err = Route(s)
	}
	res.Connector, res.Layout, res.Sheet, res.HeaderRow = m.Connector, m.Layout, m.Sheet, m.HeaderRow
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Mapping = columnMapping(fr, s, m)
	ctx = WithRunTime(ctx, now)
	for rec, err := range fr.ReadFile(ctx, File{Path: path, Account: "main", Options: opts}) {
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.Rows += int64(rec.Rows)
		if rec.Order != nil {
			res.Orders++
		}
		for _, rj := range rec.Rejects {
			if rj.Effect == RowSkipped {
				res.Rejected++
				break
			}
		}
	}
	return res
}

// columnMapping shows which header of the file feeds which dataset column.
func columnMapping(fr FileReader, s *Sample, m Match) []ColumnMapping {
	cl, ok := fr.(ColumnLister)
	if !ok {
		return nil
	}
	for _, sh := range s.Sheets {
		if sh.Name != m.Sheet || m.HeaderRow < 1 || m.HeaderRow > len(sh.Rows) {
			continue
		}
		cols := cl.Columns()
		// The row above the header names column groups where the export
		// has them (Mercado Livre), which tells duplicate names apart.
		var groups []string
		if m.HeaderRow > 1 {
			groups = sh.Rows[m.HeaderRow-2]
		}
		mp, _ := tabular.NewHeader(sh.Rows[m.HeaderRow-1], groups).Map(cols)
		var out []ColumnMapping
		for i, found := range mp.Found() {
			if found != "" && cols[i].Field != "" {
				out = append(out, ColumnMapping{Column: found, Field: cols[i].Field})
			}
		}
		return out
	}
	return nil
}

func delimiterName(r rune) string {
	switch r {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	case ',':
		return "comma"
	}
	return string(r)
}

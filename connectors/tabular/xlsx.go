package tabular

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// Workbook is an open XLSX file. Sheets are streamed row by row: excelize
// extracts worksheets larger than Limits.MaxXMLBytes to a temp file and
// reads them from disk, so a big export never sits whole in memory.
type Workbook struct {
	path     string
	f        *excelize.File
	date1904 bool
	limits   Limits
}

// OpenXLSX opens a workbook with raw cell values: numbers as written in the
// file ("80.38", "46256.6076"), never formatted by a locale.
func OpenXLSX(path string, limits Limits) (*Workbook, error) {
	if limits == (Limits{}) {
		limits = DefaultLimits
	}
	if _, err := os.Stat(path); err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    limits.MaxUnzipBytes,
		UnzipXMLSizeLimit: limits.MaxXMLBytes,
	})
	if err != nil {
		return nil, &FileError{File: path, Err: explainOpenError(err, limits)}
	}
	w := &Workbook{path: path, f: f, limits: limits}
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		w.date1904 = *props.Date1904
	}
	return w, nil
}

func explainOpenError(err error, limits Limits) error {
	msg := err.Error()
	switch {
	case errors.Is(err, excelize.ErrWorkbookFileFormat), strings.Contains(msg, "zip: not a valid zip file"):
		return errors.New("not a readable XLSX workbook: the file is damaged or was cut short (download it again)")
	case strings.Contains(msg, "unzip size exceeds"), strings.Contains(msg, "size limit"):
		return fmt.Errorf("the workbook unpacks to more than %d MiB, beyond the limit for one export (a damaged or hostile file)", limits.MaxUnzipBytes>>20)
	case errors.Is(err, excelize.ErrWorkbookPassword) || strings.Contains(msg, "password"):
		return errors.New("the workbook is password-protected; save an unprotected copy")
	}
	return err
}

// Sheets lists the sheet names in workbook order.
func (w *Workbook) Sheets() []string { return w.f.GetSheetList() }

// Date1904 reports whether serial dates count from 1904 (old Mac Excel).
func (w *Workbook) Date1904() bool { return w.date1904 }

// Path is the file the workbook was opened from.
func (w *Workbook) Path() string { return w.path }

// Close releases the workbook and removes excelize's temp files.
func (w *Workbook) Close() error { return w.f.Close() }

// Rows streams a sheet from row 1. Missing rows come back empty so that the
// row number always equals Excel's.
func (w *Workbook) Rows(sheet string) (*SheetRows, error) {
	rows, err := w.f.Rows(sheet)
	if err != nil {
		return nil, &FileError{File: w.path, Err: fmt.Errorf("sheet %q: %w", sheet, err)}
	}
	s := &SheetRows{w: w, sheet: sheet, rows: rows}
	// The dimension is how many rows the writer says it wrote; it lets us
	// notice a sheet that was cut short, which excelize would end silently.
	if dim, err := w.f.GetSheetDimension(sheet); err == nil {
		s.declaredLast = lastRowOf(dim)
	}
	return s, nil
}

// lastRowOf extracts the last row from a dimension like "A1:BK1497".
func lastRowOf(dim string) int {
	if i := strings.LastIndexByte(dim, ':'); i >= 0 {
		dim = dim[i+1:]
	}
	_, row, err := excelize.CellNameToCoordinates(dim)
	if err != nil {
		return 0
	}
	return row
}

// OpenSheet opens a workbook and streams the sheet named want (in any
// case), or its first sheet when the seller renamed it; "" means the first
// sheet. Closing the rows closes the workbook.
func OpenSheet(path, want string, limits Limits) (*SheetRows, error) {
	wb, err := OpenXLSX(path, limits)
	if err != nil {
		return nil, err
	}
	sheets := wb.Sheets()
	sheet := want
	if i := slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, want) }); i >= 0 {
		sheet = sheets[i]
	} else if len(sheets) > 0 {
		sheet = sheets[0]
	}
	rows, err := wb.Rows(sheet)
	if err != nil {
		wb.Close()
		return nil, err
	}
	rows.owned = true
	return rows, nil
}

// SheetRows streams one sheet.
type SheetRows struct {
	owned        bool // Close closes the workbook too
	w            *Workbook
	sheet        string
	rows         *excelize.Rows
	n            int
	width        int
	declaredLast int
	lastNonEmpty int
	row          Row
	err          error
	done         bool
}

// SetWidth pads every later row to width cells (the header's width).
func (s *SheetRows) SetWidth(width int) { s.width = width }

// Sheet is the sheet being read.
func (s *SheetRows) Sheet() string { return s.sheet }

// Next advances to the next row, empty rows included.
func (s *SheetRows) Next() bool {
	if s.done {
		return false
	}
	if !s.rows.Next() {
		s.done = true
		if err := s.rows.Error(); err != nil {
			s.err = &FileError{File: s.w.path, Row: s.n + 1, Err: fmt.Errorf("sheet %q: %w", s.sheet, err)}
		} else if s.declaredLast > 1 && s.lastNonEmpty > 0 && s.lastNonEmpty < s.declaredLast {
			s.err = &FileError{File: s.w.path, Row: s.lastNonEmpty + 1, Err: fmt.Errorf("sheet %q ends at row %d but the file says it has %d rows: the file is truncated or damaged", s.sheet, s.lastNonEmpty, s.declaredLast)}
		}
		return false
	}
	s.n++
	cells, err := s.rows.Columns()
	s.row = Row{Number: s.n}
	if err != nil {
		s.row.Problem = fmt.Errorf("the row cannot be read: %v", err)
		return true
	}
	for i := range cells {
		if len(cells[i]) > s.w.limits.MaxCellBytes {
			s.row.Problem = fmt.Errorf("cell %d holds %d bytes, more than the %d a cell may hold", i+1, len(cells[i]), s.w.limits.MaxCellBytes)
			return true
		}
	}
	if !blank(cells) {
		s.lastNonEmpty = s.n
	}
	for len(cells) < s.width {
		cells = append(cells, "")
	}
	s.row.Cells = cells
	return true
}

// Row returns the current row.
func (s *SheetRows) Row() Row { return s.row }

// Err reports why reading stopped early.
func (s *SheetRows) Err() error { return s.err }

// Close ends the stream, and closes the workbook when OpenSheet opened it.
func (s *SheetRows) Close() error {
	err := s.rows.Close()
	if s.owned {
		s.owned = false
		if cerr := s.w.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

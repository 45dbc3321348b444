// Package tabular reads spreadsheet exports — CSV in any of the encodings
// Brazilian sellers meet (UTF-8, UTF-8 with BOM, Windows-1252) and XLSX —
// as a stream of rows numbered the way the seller sees them: the physical
// CSV line where a record starts, or the Excel row number.
//
// It is the only package that touches encoding/csv, excelize and
// golang.org/x/text, so every connector reads files the same way.
package tabular

import (
	"errors"
	"fmt"
)

// Kind is a file's container format.
type Kind string

const (
	KindCSV  Kind = "csv"
	KindXLSX Kind = "xlsx"
)

// Limits bound what one file may make the program hold, so that a hostile or
// broken export fails with a clear error instead of exhausting memory. A
// zero field means its DefaultLimits value.
type Limits struct {
	MaxCellBytes   int   // one cell
	MaxRecordBytes int   // one CSV record or one sheet row (all its cells)
	MaxRowCells    int   // cells in one CSV record or one sheet row
	MaxUnzipBytes  int64 // an XLSX file once unzipped
	MaxXMLBytes    int64 // one XML part read whole (an XLSX workbook's sheet list and relationships; sheets and shared strings are streamed)
	// MaxSharedStrings and MaxSharedStringBytes bound a workbook's shared
	// string table, the one part held in memory: its entries and the text
	// they hold.
	MaxSharedStrings     int
	MaxSharedStringBytes int64
	// MaxParts bounds the entries of an XLSX zip; archive/zip holds every
	// entry of the directory at once.
	MaxParts int
	// MaxInflateRatio bounds how many times its compressed size a part
	// bigger than a MiB may unpack to.
	MaxInflateRatio int64
}

// DefaultLimits are generous for real exports (the largest real cells are
// multi-line notes of a few KiB; a 5,000-order Shopee export has 46,000
// shared strings in 1.4 MiB and unpacks to 14 MiB, 11 times its size) and
// keep what one file can make the program hold well under a GiB: the shared
// strings at most 128 MiB of text and 16 bytes an entry, a row 1 MiB.
var DefaultLimits = Limits{
	MaxCellBytes:         64 << 10,
	MaxRecordBytes:       1 << 20,
	MaxRowCells:          16384, // Excel's column count
	MaxUnzipBytes:        4 << 30,
	MaxXMLBytes:          16 << 20,
	MaxSharedStrings:     4_000_000,
	MaxSharedStringBytes: 128 << 20,
	MaxParts:             10_000,
	MaxInflateRatio:      100,
}

// withDefaults fills the zero fields from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	set := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	set64 := func(v *int64, def int64) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&l.MaxCellBytes, d.MaxCellBytes)
	set(&l.MaxRecordBytes, d.MaxRecordBytes)
	set(&l.MaxRowCells, d.MaxRowCells)
	set64(&l.MaxUnzipBytes, d.MaxUnzipBytes)
	set64(&l.MaxXMLBytes, d.MaxXMLBytes)
	set(&l.MaxSharedStrings, d.MaxSharedStrings)
	set64(&l.MaxSharedStringBytes, d.MaxSharedStringBytes)
	set(&l.MaxParts, d.MaxParts)
	set64(&l.MaxInflateRatio, d.MaxInflateRatio)
	return l
}

// ErrOverLimit is wrapped by the errors of a file refused because reading
// it would take more than Limits allow.
var ErrOverLimit = errors.New("over a limit for one file")

// LimitError says which limit a file went beyond.
type LimitError struct {
	What  string // what was too big: "the shared string table"
	Limit string // the limit, in words: "4000000 entries"
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("%s holds more than %s, the limit for one export: the file is damaged or not an export (orderhist refuses it rather than run out of memory)", e.What, e.Limit)
}

func (e *LimitError) Unwrap() error { return ErrOverLimit }

func overLimit(what, format string, args ...any) error {
	return &LimitError{What: what, Limit: fmt.Sprintf(format, args...)}
}

// FileError is a problem with a whole file: it cannot be opened, is not the
// format it claims, or ends early. It names the file.
type FileError struct {
	File string
	Row  int // 0 when the problem is not tied to a row
	Err  error
}

func (e *FileError) Error() string {
	if e.Row > 0 {
		return fmt.Sprintf("%s: row %d: %v", e.File, e.Row, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Row is one row of a sheet or one CSV record.
type Row struct {
	// Number is the seller's row number: the CSV line where the record
	// starts, or the Excel row number.
	Number int
	// Cells are valid until the next call to Next; copy what you keep.
	Cells []string
	// Problem is set when this row could not be read as written (a stray
	// quote, text that is not valid in the file's encoding, an oversized
	// cell). The stream goes on with the next row.
	Problem error
}

// Rows is a stream of rows in file order. Err reports why the stream ended
// early; it is a *FileError naming the file.
type Rows interface {
	Next() bool
	Row() Row
	Err() error
	Close() error
}

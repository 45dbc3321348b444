// Package tabular reads spreadsheet exports — CSV in any of the encodings
// Brazilian sellers meet (UTF-8, UTF-8 with BOM, Windows-1252) and XLSX —
// as a stream of rows numbered the way the seller sees them: the physical
// CSV line where a record starts, or the Excel row number.
//
// It is the only package that touches encoding/csv, excelize and
// golang.org/x/text, so every connector reads files the same way.
package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Kind is a file's container format.
type Kind string

const (
	KindCSV  Kind = "csv"
	KindXLSX Kind = "xlsx"
)

// Limits bound what one file may make the program hold, so that a hostile or
// broken export fails with a clear error instead of exhausting memory.
type Limits struct {
	MaxCellBytes   int   // one cell
	MaxRecordBytes int   // one CSV record (all its cells)
	MaxUnzipBytes  int64 // an XLSX file once unzipped
	MaxXMLBytes    int64 // one XML part read whole (an XLSX workbook's sheet list and relationships; sheets and shared strings are streamed)
}

// DefaultLimits are generous for real exports (the largest real cells are
// multi-line notes of a few KiB) and still far from harmful.
var DefaultLimits = Limits{
	MaxCellBytes:   64 << 10,
	MaxRecordBytes: 1 << 20,
	MaxUnzipBytes:  4 << 30,
	MaxXMLBytes:    16 << 20,
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

// ErrNotSpreadsheet is returned for files that are neither CSV text nor XLSX.
var ErrNotSpreadsheet = errors.New("not a CSV or XLSX file")

// DetectKind tells XLSX (a zip) from CSV (text) by content, not by name:
// sellers rename files and some tools save CSV with an .xls name.
func DetectKind(path string) (Kind, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 8)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return "", err
	}
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return KindXLSX, nil
	case bytes.HasPrefix(head, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "", fmt.Errorf("%w: this is an old Excel 97-2003 (.xls) workbook; open it in Excel and save it as .xlsx or CSV", ErrNotSpreadsheet)
	case n == 0:
		return "", fmt.Errorf("%w: the file is empty", ErrNotSpreadsheet)
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "", fmt.Errorf("%w: the file holds binary data", ErrNotSpreadsheet)
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".xlsx" || ext == ".xlsm" {
		return "", fmt.Errorf("%w: the name says .xlsx but the content is not a workbook (damaged or not an Excel file)", ErrNotSpreadsheet)
	}
	return KindCSV, nil
}

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

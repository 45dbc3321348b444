package tabular

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/htmlindex"
)

// Workbook is an open XLSX file. Sheets are streamed row by row straight
// from the zip, so a big export never sits whole in memory or on disk; only
// the shared string table is loaded, once, when a sheet is first read.
type Workbook struct {
	path     string
	zr       *zip.ReadCloser
	parts    map[string]*zip.File
	folded   map[string]*zip.File // by lower-case name
	sheets   []string
	sheetXML map[string]string // sheet name to worksheet part
	sstPart  string
	date1904 bool
	limits   Limits

	sstOnce sync.Once
	sst     *sharedStrings
	sstErr  error
}

// OpenXLSX opens a workbook with raw cell values: numbers as written in the
// file ("80.38", "46256.6076"), never formatted by a locale.
func OpenXLSX(path string, limits Limits) (*Workbook, error) {
	limits = limits.withDefaults()
	if _, err := os.Stat(path); err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	if err := checkZipDirectory(path, limits); err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	zr, err := zip.OpenReader(path)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		return nil, &FileError{File: path, Err: notAZip(path, err, limits)}
	}
	// klauspost's inflater is about 1.4x as fast as the standard one on
	// worksheet XML (708 against 493 MB/s on a 200k-row sheet), and
	// inflating is half the cost of reading a big workbook.
	zr.RegisterDecompressor(zip.Deflate, flate.NewReader)
	w := &Workbook{path: path, zr: zr, limits: limits, parts: map[string]*zip.File{}, folded: map[string]*zip.File{}}
	if err := w.load(); err != nil {
		zr.Close()
		return nil, &FileError{File: path, Err: err}
	}
	return w, nil
}

// notAZip explains a file archive/zip cannot open. excelize tells an
// encrypted (password-protected) workbook from a damaged one, so it has the
// last word on such files.
func notAZip(path string, zerr error, limits Limits) error {
	f, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    limits.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(limits.MaxXMLBytes, limits.MaxUnzipBytes),
	})
	if err == nil {
		f.Close()
		err = zerr
	}
	return explainOpenError(err, limits)
}

func explainOpenError(err error, limits Limits) error {
	msg := err.Error()
	switch {
	case errors.Is(err, excelize.ErrWorkbookFileFormat), strings.Contains(msg, "zip: not a valid zip file"):
		return errors.New("not a readable XLSX workbook: the file is damaged or was cut short (download it again)")
	case strings.Contains(msg, "unzip size exceeds"), strings.Contains(msg, "size limit"):
		return unzipLimitError(limits)
	case errors.Is(err, excelize.ErrWorkbookPassword) || strings.Contains(msg, "password"):
		return errors.New("the workbook is password-protected; save an unprotected copy")
	}
	return err
}

func unzipLimitError(limits Limits) error {
	return fmt.Errorf("the workbook unpacks to more than %d MiB, beyond the limit for one export (a damaged or hostile file): %w", limits.MaxUnzipBytes>>20, ErrOverLimit)
}

// ratioFloor is the unpacked size from which a part's inflate ratio is
// checked: small parts (styles, a sheet of a few rows) may pack far better
// than data does.
const ratioFloor = 1 << 20

// checkRatio refuses a part that unpacks to far more than real data does
// (real export parts unpack to 10 to 35 times their size; a zip bomb to a
// thousand), before a byte of it is inflated. archive/zip fails a part that
// unpacks to more than the size its header declares, so the declared sizes
// can be trusted here.
func checkRatio(f *zip.File, limits Limits) error {
	if f.UncompressedSize64 < ratioFloor || f.Method == zip.Store {
		return nil
	}
	if f.CompressedSize64 == 0 || f.UncompressedSize64/f.CompressedSize64 > uint64(limits.MaxInflateRatio) {
		return overLimit(fmt.Sprintf("the part %s, which unpacks from %d to %d bytes,", f.Name, f.CompressedSize64, f.UncompressedSize64),
			"%d times its packed size", limits.MaxInflateRatio)
	}
	return nil
}

// Relationship types are matched by their last segment, which is the same
// in the transitional and the strict (ISO) namespaces.
const (
	relOfficeDocument = "/officeDocument"
	relSharedStrings  = "/sharedStrings"
)

// load reads the package structure: which part is the workbook, its sheets
// in order and the part of each, the shared string table and the date
// system.
func (w *Workbook) load() error {
	if len(w.zr.File) > w.limits.MaxParts {
		return overLimit("the zip", "%d parts", w.limits.MaxParts)
	}
	var total uint64
	for _, f := range w.zr.File {
		total += f.UncompressedSize64
		if total > uint64(w.limits.MaxUnzipBytes) {
			return unzipLimitError(w.limits)
		}
		if err := checkRatio(f, w.limits); err != nil {
			return err
		}
		name := strings.TrimPrefix(strings.ReplaceAll(f.Name, "\\", "/"), "/")
		if _, dup := w.parts[name]; !dup {
			w.parts[name] = f
		}
		if k := strings.ToLower(name); w.folded[k] == nil {
			w.folded[k] = f
		}
	}
	book := "xl/workbook.xml"
	rels, err := w.readRels("_rels/.rels", "")
	if err != nil {
		return err
	}
	for _, r := range rels {
		if strings.HasSuffix(r.Type, relOfficeDocument) {
			book = strings.TrimPrefix(r.Target, "/")
			break
		}
	}
	ids, err := w.readWorkbook(book)
	if err != nil {
		return err
	}
	dir, base := path.Split(book)
	rels, err = w.readRels(dir+"_rels/"+base+".rels", dir)
	if err != nil {
		return err
	}
	byID := make(map[string]string, len(rels))
	for _, r := range rels {
		byID[r.ID] = r.Target
		if strings.HasSuffix(r.Type, relSharedStrings) && w.part(r.Target) != nil && w.sstPart == "" {
			w.sstPart = r.Target
		}
	}
	if w.sstPart == "" && w.part("xl/sharedStrings.xml") != nil {
		w.sstPart = "xl/sharedStrings.xml"
	}
	w.sheetXML = make(map[string]string, len(w.sheets))
	for i, name := range w.sheets {
		if target, ok := byID[ids[i]]; ok && w.part(target) != nil {
			w.sheetXML[name] = target
		}
	}
	return nil
}

// part finds a part by name, ignoring case when the exact name is absent
// (as Windows tools sometimes write it).
func (w *Workbook) part(name string) *zip.File {
	if f := w.parts[name]; f != nil {
		return f
	}
	return w.folded[strings.ToLower(name)]
}

type relationship struct {
	ID, Type, Target string
}

// readRels reads a relationships part, resolving targets against dir (the
// folder of the part they belong to) into part names. A missing part has no
// relationships.
func (w *Workbook) readRels(name, dir string) ([]relationship, error) {
	var rels []relationship
	err := w.decodePart(name, func(tok xml.Token) {
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			return
		}
		var r relationship
		external := false
		for _, a := range se.Attr {
			switch a.Name.Local {
			case "Id":
				r.ID = a.Value
			case "Type":
				r.Type = a.Value
			case "Target":
				r.Target = a.Value
			case "TargetMode":
				external = strings.EqualFold(a.Value, "External")
			}
		}
		if external {
			return
		}
		if strings.HasPrefix(r.Target, "/") {
			r.Target = strings.TrimPrefix(path.Clean(r.Target), "/")
		} else {
			r.Target = strings.TrimPrefix(path.Clean(dir+r.Target), "/")
		}
		rels = append(rels, r)
	})
	return rels, err
}

// readWorkbook reads the sheet list and the date system from the workbook
// part; ids are the relationship ids of the sheets.
func (w *Workbook) readWorkbook(name string) (ids []string, err error) {
	inSheets := false
	err = w.decodePart(name, func(tok xml.Token) {
		if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "sheets" {
			inSheets = false
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			return
		}
		switch se.Name.Local {
		case "sheets":
			inSheets = true
		case "sheet":
			if !inSheets {
				return
			}
			var sheetName, id string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					sheetName = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				}
			}
			w.sheets = append(w.sheets, sheetName)
			ids = append(ids, id)
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					w.date1904, _ = strconv.ParseBool(strings.TrimSpace(a.Value))
				}
			}
		}
	})
	return ids, err
}

// decodePart walks the tokens of a small XML part (the package's
// relationships and the workbook), which encoding/xml reads well enough.
func (w *Workbook) decodePart(name string, token func(xml.Token)) error {
	f := w.part(name)
	if f == nil {
		return nil
	}
	limit := w.limits.MaxXMLBytes
	if f.UncompressedSize64 > uint64(limit) {
		return fmt.Errorf("%s unpacks to more than %d MiB: the file is damaged or not an export", name, limit>>20)
	}
	rc, err := f.Open()
	if err != nil {
		return damaged(name, err)
	}
	defer rc.Close()
	d := xml.NewDecoder(io.LimitReader(rc, limit+1))
	d.CharsetReader = charsetReader
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return damaged(name, err)
		}
		token(tok)
	}
}

func damaged(part string, err error) error {
	return fmt.Errorf("not a readable XLSX workbook: %s is damaged (%v); download the file again", part, err)
}

// charsetReader decodes XML declared in an encoding other than UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	enc, err := htmlindex.Get(label)
	if err != nil {
		return nil, fmt.Errorf("unsupported XML encoding %q", label)
	}
	return enc.NewDecoder().Reader(r), nil
}

// utf8Reader wraps a part's stream so the scanner reads UTF-8 whatever
// encoding the XML declaration names.
func utf8Reader(r io.Reader) (io.Reader, error) {
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(256)
	label := declaredEncoding(head)
	if label == "" || strings.EqualFold(label, "utf-8") || strings.EqualFold(label, "utf8") {
		return br, nil
	}
	return charsetReader(label, br)
}

// declaredEncoding is the encoding named by an XML declaration at the start
// of head, or "", found the way encoding/xml finds it.
func declaredEncoding(head []byte) string {
	rest, ok := bytes.CutPrefix(head, []byte("<?xml"))
	if !ok || len(rest) == 0 || !isXMLSpace(rest[0]) {
		return ""
	}
	end := bytes.Index(rest, []byte("?>"))
	if end < 0 {
		return ""
	}
	s := string(rest[:end])
	const param = "encoding="
	for i := 0; i < len(s); {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || k+len(param) >= len(sub) {
			return ""
		}
		i += k + len(param) + 1
		if q := sub[k+len(param)]; q == '"' || q == '\'' {
			if j := strings.IndexByte(s[i:], q); j >= 0 {
				return s[i : i+j]
			}
			return ""
		}
	}
	return ""
}

// Sheets lists the sheet names in workbook order.
func (w *Workbook) Sheets() []string { return slices.Clone(w.sheets) }

// Date1904 reports whether serial dates count from 1904 (old Mac Excel).
func (w *Workbook) Date1904() bool { return w.date1904 }

// Path is the file the workbook was opened from.
func (w *Workbook) Path() string { return w.path }

// Close releases the workbook.
func (w *Workbook) Close() error { return w.zr.Close() }

// sharedStrings loads the shared string table on first use.
func (w *Workbook) sharedStrings() (*sharedStrings, error) {
	w.sstOnce.Do(func() {
		if w.sstPart == "" {
			return
		}
		rc, err := openPart(w.part(w.sstPart))
		if err != nil {
			w.sstErr = damaged(w.sstPart, err)
			return
		}
		defer rc.Close()
		r, err := utf8Reader(rc)
		if err != nil {
			w.sstErr = damaged(w.sstPart, err)
			return
		}
		w.sst, w.sstErr = loadSharedStrings(newXMLScanner(r), w.limits)
		if w.sstErr != nil && !errors.Is(w.sstErr, ErrOverLimit) {
			w.sstErr = damaged(w.sstPart, w.sstErr)
		}
		if w.sstErr != nil {
			w.sst = nil
		}
	})
	return w.sst, w.sstErr
}

// Rows streams a sheet from row 1. Missing rows come back empty so that the
// row number always equals Excel's.
func (w *Workbook) Rows(sheet string) (*SheetRows, error) {
	fail := func(err error) (*SheetRows, error) {
		return nil, &FileError{File: w.path, Err: fmt.Errorf("sheet %q: %w", sheet, err)}
	}
	if err := checkSheetName(sheet); err != nil {
		return fail(err)
	}
	part, ok := w.sheetXML[sheet]
	for _, name := range w.sheets {
		if ok {
			break
		}
		if strings.EqualFold(name, sheet) {
			part, ok = w.sheetXML[name]
		}
	}
	if !ok {
		return fail(excelize.ErrSheetNotExist{SheetName: sheet})
	}
	sst, err := w.sharedStrings()
	if err != nil {
		return fail(err)
	}
	rc, err := openPart(w.part(part))
	if err != nil {
		return fail(damaged(part, err))
	}
	r, err := utf8Reader(rc)
	if err != nil {
		rc.Close()
		return fail(damaged(part, err))
	}
	return newSheetRows(w, sheet, rc, r, sst), nil
}

// newSheetRows streams the worksheet XML read from r; closing the rows
// closes rc.
func newSheetRows(w *Workbook, sheet string, rc io.Closer, r io.Reader, sst *sharedStrings) *SheetRows {
	s := &SheetRows{w: w, sheet: sheet, rc: rc, sr: newSheetReader(newXMLScanner(r), sst, w.limits)}
	stopWhenUnreachable(s, rc)
	return s
}

// checkSheetName refuses the names Excel cannot have, with excelize's
// errors.
func checkSheetName(name string) error {
	switch {
	case name == "":
		return excelize.ErrSheetNameBlank
	case len(utf16.Encode([]rune(name))) > excelize.MaxSheetNameLength:
		return excelize.ErrSheetNameLength
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return excelize.ErrSheetNameSingleQuote
	case strings.ContainsAny(name, ":\\/?*[]"):
		return excelize.ErrSheetNameInvalid
	}
	return nil
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
	rc           io.Closer
	sr           *sheetReader
	n            int
	width        int
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
	ok, err := s.sr.nextRow()
	if err != nil {
		s.fail(s.n+1, err)
		return false
	}
	if !ok {
		s.done = true
		if err := s.finish(); err != nil {
			s.fail(s.n+1, err)
		} else if last := lastRowOf(s.sr.dimension); last > 1 && s.lastNonEmpty > 0 && s.lastNonEmpty < last {
			// The dimension is how many rows the writer says it wrote;
			// it catches a sheet cut short at a row boundary.
			s.err = &FileError{File: s.w.path, Row: s.lastNonEmpty + 1, Err: fmt.Errorf("sheet %q ends at row %d but the file says it has %d rows: the file is truncated or damaged", s.sheet, s.lastNonEmpty, last)}
		}
		return false
	}
	s.n++
	cells, problem, err := s.sr.readRow()
	if err != nil {
		s.fail(s.n, err)
		return false
	}
	s.row = Row{Number: s.n, Problem: problem}
	if problem != nil {
		return true
	}
	if !blank(cells) {
		s.lastNonEmpty = s.n
	}
	if len(cells) < s.width {
		cells = s.sr.pad(cells, s.width)
	}
	s.row.Cells = cells
	return true
}

// pad widens cells (the reader's own slice, or nil) to width.
func (r *sheetReader) pad(cells []string, width int) []string {
	if cells == nil {
		cells = r.cells[:0]
	}
	for len(cells) < width {
		cells = append(cells, "")
	}
	r.cells = cells
	return cells
}

// finish reads the rest of the worksheet part, so that a damaged zip entry
// fails its checksum instead of passing for a short sheet.
func (s *SheetRows) finish() error {
	if s.sr.x.rerr != nil {
		if errors.Is(s.sr.x.rerr, io.EOF) {
			return nil
		}
		return s.sr.x.rerr
	}
	_, err := io.Copy(io.Discard, s.sr.x.rd)
	return err
}

func (s *SheetRows) fail(row int, err error) {
	s.done = true
	var xe *errXML
	switch {
	case errors.Is(err, excelize.ErrMaxRows):
		err = fmt.Errorf("sheet %q: %w", s.sheet, err)
	case errors.Is(err, errXMLEOF):
		err = fmt.Errorf("sheet %q ends in the middle of its data: the file is truncated or damaged", s.sheet)
	case errors.As(err, &xe):
		err = fmt.Errorf("sheet %q is not well-formed XML (%v): the file is damaged", s.sheet, xe)
	default:
		err = fmt.Errorf("sheet %q cannot be unpacked (%w): the file is damaged or was cut short (download it again)", s.sheet, err)
	}
	s.err = &FileError{File: s.w.path, Row: row, Err: err}
}

// Row returns the current row.
func (s *SheetRows) Row() Row { return s.row }

// Err reports why reading stopped early.
func (s *SheetRows) Err() error { return s.err }

// Close ends the stream, and closes the workbook when OpenSheet opened it.
func (s *SheetRows) Close() error {
	err := s.rc.Close()
	if s.owned {
		s.owned = false
		if cerr := s.w.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

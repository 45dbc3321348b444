package tabular

import (
	"bytes"
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// sheetReader streams the rows of one worksheet. Its row and cell placement
// follow excelize's Rows.Next and Rows.Columns step by step, so that every
// file reads exactly as excelize reads it with RawCellValue: row elements
// repeating a row number (TikTok writes each cell in its own <row>) merge
// into that row, a row without "r" follows the previous one, a cell without
// "r" follows the previous cell, a cell placed at or before the last one
// already read is appended after it, and empty cells at the end of a row are
// dropped.
type sheetReader struct {
	x        *xmlScanner
	sst      *sharedStrings
	maxCell  int
	maxRow   int // bytes of one row's own text (shared strings are held once, apart)
	maxCells int

	curRow, seekRow int // the last row number seen in the XML, the row being returned
	// held says nextRow read the start tag of the row readRow reads next
	// (excelize's Rows.token); heldErr is its "r" that did not parse.
	held    bool
	heldErr error
	ended   bool
	// rowClosed says the current row's end tag was read, so that what goes
	// wrong after it is reported on the next row, the current one being
	// whole; pendErr keeps that error until then.
	rowClosed bool
	pendErr   error

	sawSheetData bool
	dimension    string

	// The row being read: values not taken from the shared strings are
	// decoded into arena, which becomes one string per row.
	arena   []byte
	refs    []cellRef
	cellCol int
	cells   []string
	isT     textBuf
	isR     textBuf
	joined  []byte
	// over is set when the row goes beyond the row limits; its cells
	// are no longer kept, and the row is a problem.
	over error
}

// cellRef is one cell of the row being read: a value from the shared
// strings, or a span of the arena.
type cellRef struct {
	s          string
	start, end int
	arena      bool
	size       int   // length of the value, kept when it is too big to hold
	bad        error // a value that cannot be handed out
}

func newSheetReader(x *xmlScanner, sst *sharedStrings, limits Limits) *sheetReader {
	limits = limits.withDefaults()
	return &sheetReader{x: x, sst: sst, maxCell: limits.MaxCellBytes, maxRow: limits.MaxRecordBytes, maxCells: limits.MaxRowCells}
}

// collectCap bounds the text collected for a string item before the _xHHHH_
// escapes are decoded, which can shrink it up to sevenfold.
func collectCap(maxCell int) int {
	if maxCell > math.MaxInt/8 {
		return math.MaxInt
	}
	return 8*max(maxCell, 0) + 64
}

// nextRow advances to the next row number, as Rows.Next does. It returns
// false at the end of the sheet.
func (r *sheetReader) nextRow() (bool, error) {
	if err := r.pendErr; err != nil {
		r.pendErr = nil
		return false, err
	}
	r.seekRow++
	if r.curRow >= r.seekRow {
		return true, nil
	}
	if r.ended {
		return false, nil
	}
	for {
		kind, err := r.x.next(nil)
		if err != nil {
			return false, err
		}
		switch kind {
		case tokEOF:
			r.ended = true
			return false, nil
		case tokEnd:
			if string(r.x.name) == "sheetData" {
				r.ended = true
				return false, nil
			}
		case tokStart:
			switch string(r.x.name) {
			case "row":
				num, numErr, err := r.rowNumber()
				if err != nil {
					return false, err
				}
				r.curRow++
				if num != 0 {
					r.curRow = num
				}
				r.held, r.heldErr = true, numErr
				return true, nil
			case "dimension":
				if !r.sawSheetData && r.dimension == "" {
					if err := r.readDimension(); err != nil {
						return false, err
					}
				}
			case "sheetData":
				r.sawSheetData = true
			}
		}
	}
}

// rowNumber parses the "r" of the row tag just read the way excelize's
// attrValToInt does; numErr is a value that is not a number, which excelize
// reports as a problem of the row.
func (r *sheetReader) rowNumber() (num int, numErr, err error) {
	for i := 0; i < len(r.x.attrs) && numErr == nil; i++ {
		if string(r.x.attrName(i)) != "r" {
			continue
		}
		val, err := r.x.attrValue(i)
		if err != nil {
			return 0, nil, err
		}
		num, numErr = atoi(val)
	}
	if num > excelize.TotalRows {
		return 0, nil, excelize.ErrMaxRows
	}
	return num, numErr, nil
}

func (r *sheetReader) readDimension() error {
	for i := range r.x.attrs {
		if string(r.x.attrName(i)) == "ref" {
			val, err := r.x.attrValue(i)
			r.dimension = string(val)
			return err
		}
	}
	return nil
}

// readRow reads the cells of the current row, as Rows.Columns does.
// problem is set when the row cannot be read as written; err when the
// sheet cannot be read on.
func (r *sheetReader) readRow() (cells []string, problem, err error) {
	if r.curRow > r.seekRow {
		return nil, nil, nil
	}
	r.arena, r.refs, r.cellCol, r.rowClosed, r.over = r.arena[:0], r.refs[:0], 0, false, nil
	if r.held {
		r.held = false
		if r.heldErr != nil {
			return nil, cannotRead(r.heldErr), nil
		}
	}
	for {
		kind, err := r.x.next(nil)
		if err != nil {
			return r.failRow(err)
		}
		switch kind {
		case tokEOF:
			r.ended = true
			return r.build()
		case tokEnd:
			switch string(r.x.name) {
			case "sheetData":
				r.ended = true
				return r.build()
			case "row":
				r.rowClosed = true
			}
		case tokStart:
			switch string(r.x.name) {
			case "row":
				num, numErr, err := r.rowNumber()
				if err != nil {
					return r.failRow(err)
				}
				if num != 0 {
					r.curRow = num
				} else {
					r.curRow++
				}
				if numErr != nil {
					return nil, cannotRead(numErr), nil
				}
				if r.curRow > r.seekRow {
					return r.build()
				}
				r.rowClosed = false
			case "c":
				refErr, err := r.cell()
				if err != nil {
					return nil, nil, err
				}
				if refErr != nil {
					return nil, cannotRead(refErr), nil
				}
			}
		}
	}
}

// failRow ends the sheet with err: at once when the current row is not
// whole, after handing it out when it is.
func (r *sheetReader) failRow(err error) ([]string, error, error) {
	if !r.rowClosed {
		return nil, nil, err
	}
	r.pendErr = err
	return r.build()
}

func cannotRead(err error) error { return fmt.Errorf("the row cannot be read: %v", err) }

type cellType uint8

const (
	cellOther cellType = iota
	cellShared
	cellInline
)

// cell reads the cell whose start tag was just read and adds its value to
// the row. refErr is a cell reference excelize cannot place, which makes
// the row unreadable.
func (r *sheetReader) cell() (refErr, err error) {
	r.cellCol++
	var (
		typ    cellType
		hasRef bool
		col    int
		colErr error
		broken bool
	)
	for i := 0; i < len(r.x.attrs) && !broken; i++ {
		name := r.x.attrName(i)
		if len(name) != 1 {
			continue
		}
		val, err := r.x.attrValue(i)
		if err != nil {
			return nil, err
		}
		switch name[0] {
		case 'r':
			hasRef = len(val) > 0
			if hasRef {
				col, colErr = refColumn(val)
			}
		case 's':
			// excelize stops reading a cell whose style is not a number:
			// the attributes after it and the content are ignored, and
			// the cell reads as empty.
			broken = !validInt64(val)
		case 't':
			switch string(val) {
			case "s":
				typ = cellShared
			case "inlineStr":
				typ = cellInline
			default:
				typ = cellOther
			}
		}
	}

	mark := len(r.arena)
	v := textBuf{b: r.arena, max: mark + max(r.maxCell, 0)}
	if r.maxCell > math.MaxInt-mark {
		v.max = math.MaxInt
	}
	var hasV, hasF, hasIS bool
	r.isT = textBuf{b: r.isT.b[:0], max: collectCap(r.maxCell)}
	r.isR = textBuf{b: r.isR.b[:0], max: r.isT.max}
	for !broken {
		kind, err := r.x.next(nil)
		if err != nil {
			return nil, err
		}
		if kind == tokEOF {
			return nil, errXMLEOF
		}
		if kind == tokEnd {
			if string(r.x.name) == "c" {
				break
			}
			continue
		}
		switch string(r.x.name) {
		case "v":
			v.b, v.over, hasV = v.b[:mark], 0, true
			err = r.x.collect(&v)
		case "f":
			hasF = true
			err = r.x.skipElement()
		case "is":
			hasIS = true
			err = r.x.stringItem(&r.isT, &r.isR)
		}
		if err != nil {
			return nil, err
		}
	}
	r.arena = v.b
	vlen := len(v.b) - mark + v.over
	if hasRef {
		if colErr != nil {
			r.arena = r.arena[:mark]
			return colErr, nil
		}
		r.cellCol = col
	}

	ref := cellRef{arena: true, start: mark}
	switch {
	case broken:
		r.arena = r.arena[:mark]
	case typ == cellShared:
		r.arena = r.arena[:mark]
		if hasV && vlen > 0 {
			ref = r.sst.cell(sharedIndex(v.b[mark:]))
		}
	case typ == cellInline && hasIS:
		r.arena = r.arena[:mark]
		ref.size = r.isT.size() + r.isR.size()
		if r.isT.over == 0 && r.isR.over == 0 {
			r.arena = appendItem(r.arena, r.isT.b, r.isR.b, &r.joined)
			ref.size = len(r.arena) - mark
		}
	default:
		ref.size = vlen
	}
	if ref.arena {
		if ref.size > r.maxCell {
			r.arena = r.arena[:mark]
		}
		ref.end = len(r.arena)
	}
	if ref.size == 0 && !hasF {
		return nil, nil
	}
	switch {
	case r.over != nil:
		r.arena = r.arena[:mark]
		return nil, nil
	case r.cellCol > r.maxCells || len(r.refs) >= r.maxCells:
		r.over = fmt.Errorf("the row has more than %d cells, the limit for a row", r.maxCells)
		r.arena = r.arena[:mark]
		return nil, nil
	case len(r.arena) > r.maxRow:
		r.over = fmt.Errorf("the row holds more than %d bytes, the limit for a row", r.maxRow)
		r.arena = r.arena[:mark]
		return nil, nil
	}
	for blank := r.cellCol - len(r.refs); blank > 1; blank-- {
		r.refs = append(r.refs, cellRef{})
	}
	r.refs = append(r.refs, ref)
	return nil, nil
}

// sharedIndex reads a shared string index as excelize does, with
// strconv.Atoi and its error ignored: surrounding space does not count,
// text means index 0 and a number too big for an int is out of range.
func sharedIndex(v []byte) int {
	i, _ := atoi(bytes.TrimSpace(v))
	return i
}

// refColumn is the column of a cell reference like "BK1497"; odd ones
// ("$A$1", "a1", "A01") and errors go through excelize itself.
func refColumn(ref []byte) (int, error) {
	col, i := 0, 0
	for i < len(ref) && i < 3 && 'A' <= ref[i] && ref[i] <= 'Z' {
		col = col*26 + int(ref[i]-'A'+1)
		i++
	}
	if i > 0 && i < len(ref) && len(ref)-i <= 7 && '1' <= ref[i] && ref[i] <= '9' && col <= excelize.MaxColumns {
		row := 0
		for _, c := range ref[i:] {
			if c < '0' || c > '9' {
				row = -1
				break
			}
			row = row*10 + int(c-'0')
		}
		if row > 0 && row <= excelize.TotalRows {
			return col, nil
		}
	}
	col, _, err := excelize.CellNameToCoordinates(string(ref))
	return col, err
}

// build turns the cells read into strings (one allocation for the row) and
// checks them: the first cell over the size limit, or not text, makes the
// row a problem.
func (r *sheetReader) build() ([]string, error, error) {
	if r.over != nil {
		return nil, r.over, nil
	}
	for i, c := range r.refs {
		switch {
		case c.size > r.maxCell:
			return nil, fmt.Errorf("cell %d holds %d bytes, more than the %d a cell may hold", i+1, c.size, r.maxCell), nil
		case c.bad != nil:
			return nil, fmt.Errorf("cell %d: %v", i+1, c.bad), nil
		}
	}
	if len(r.refs) == 0 {
		return nil, nil, nil
	}
	var row string
	if len(r.arena) > 0 {
		row = string(r.arena)
	}
	cells := r.cells[:0]
	for _, c := range r.refs {
		if c.arena {
			cells = append(cells, row[c.start:c.end])
		} else {
			cells = append(cells, c.s)
		}
	}
	r.cells = cells
	if !utf8.ValidString(row) {
		for i, c := range r.refs {
			if c.arena && !utf8.ValidString(cells[i]) {
				return nil, fmt.Errorf("cell %d is not valid UTF-8 text (the file is damaged)", i+1), nil
			}
		}
	}
	return cells, nil, nil
}

// stringItem reads a shared or inline string item (<si>, <is>) whose start
// tag was just read, as excelize decodes it into xlsxSI: the text of its
// <t> (the last one, if repeated) goes to t, the text of the <t> of each
// rich text run <r> to runs; phonetic runs (<rPh>) and formatting are not
// part of the value.
func (x *xmlScanner) stringItem(t, runs *textBuf) error {
	return x.children(func(name []byte) error {
		switch string(name) {
		case "t":
			t.b, t.over = t.b[:0], 0
			return x.collect(t)
		case "r":
			return x.run(runs)
		}
		return x.skipElement()
	})
}

func (x *xmlScanner) run(runs *textBuf) error {
	mark, over := len(runs.b), runs.over
	return x.children(func(name []byte) error {
		if string(name) == "t" {
			runs.b, runs.over = runs.b[:mark], over
			return x.collect(runs)
		}
		return x.skipElement()
	})
}

// children calls child for each element directly inside the start tag just
// read, with the scanner on the child's start tag, and consumes the end
// tag. child must consume the child element through its end tag.
func (x *xmlScanner) children(child func(name []byte) error) error {
	for {
		kind, err := x.next(nil)
		if err != nil {
			return err
		}
		switch kind {
		case tokEOF:
			return errXMLEOF
		case tokEnd:
			return nil
		}
		if err := child(x.name); err != nil {
			return err
		}
	}
}

// appendItem appends the value of a string item, its text followed by its
// runs, with the _xHHHH_ escapes decoded.
func appendItem(dst, t, runs []byte, joined *[]byte) []byte {
	s := t
	switch {
	case len(t) == 0:
		s = runs
	case len(runs) > 0:
		*joined = append(append((*joined)[:0], t...), runs...)
		s = *joined
	}
	if bytes.Contains(s, []byte("_x")) {
		return appendBstr(dst, s)
	}
	return append(dst, s...)
}

// sharedStrings is the workbook's shared string table, loaded once.
type sharedStrings struct {
	s    []string
	size map[int]int   // entries too big to hold: their length
	bad  map[int]error // entries that are not text
}

// cell is the value of a cell holding shared string i. An index out of
// range reads as empty, as excelize reads it.
func (t *sharedStrings) cell(i int) cellRef {
	if t == nil || i < 0 || i >= len(t.s) {
		return cellRef{}
	}
	c := cellRef{s: t.s[i], size: len(t.s[i])}
	if n, ok := t.size[i]; ok {
		c.size = n
	}
	c.bad = t.bad[i]
	return c
}

// maxBadSharedStrings bounds the shared strings kept as "not text": a
// table with more is damaged as a whole.
const maxBadSharedStrings = 10_000

// loadSharedStrings reads the <si> items of a shared string table, refusing
// a table beyond the limits on its entries and text.
func loadSharedStrings(x *xmlScanner, limits Limits) (*sharedStrings, error) {
	limits = limits.withDefaults()
	maxCell := limits.MaxCellBytes
	t := &sharedStrings{}
	var (
		it, runs = textBuf{max: collectCap(maxCell)}, textBuf{max: collectCap(maxCell)}
		val      []byte
		joined   []byte
		text     int64
	)
	for {
		kind, err := x.next(nil)
		if err != nil {
			return nil, err
		}
		if kind == tokEOF {
			return t, nil
		}
		if kind != tokStart || x.depth != 2 {
			continue
		}
		if string(x.name) != "si" {
			if err := x.skipElement(); err != nil {
				return nil, err
			}
			continue
		}
		if len(t.s) >= limits.MaxSharedStrings {
			return nil, overLimit("the shared string table", "%d entries", limits.MaxSharedStrings)
		}
		it.b, it.over, runs.b, runs.over = it.b[:0], 0, runs.b[:0], 0
		if err := x.stringItem(&it, &runs); err != nil {
			return nil, err
		}
		i := len(t.s)
		if it.over > 0 || runs.over > 0 {
			t.tooBig(i, it.size()+runs.size())
			t.s = append(t.s, "")
			continue
		}
		val = appendItem(val[:0], it.b, runs.b, &joined)
		switch {
		case len(val) > maxCell:
			t.tooBig(i, len(val))
			t.s = append(t.s, "")
		case !utf8.Valid(val):
			if len(t.bad) >= maxBadSharedStrings {
				return nil, fmt.Errorf("more than %d shared strings are not valid UTF-8 text", maxBadSharedStrings)
			}
			t.tooBig(i, len(val))
			if t.bad == nil {
				t.bad = map[int]error{}
			}
			t.bad[i] = fmt.Errorf("shared string %d is not valid UTF-8 text (the file is damaged)", i)
			t.s = append(t.s, "")
		default:
			if text += int64(len(val)); text > limits.MaxSharedStringBytes {
				return nil, overLimit("the shared string table", "%d MiB of text", limits.MaxSharedStringBytes>>20)
			}
			t.s = append(t.s, string(val))
		}
	}
}

// tooBig records the length of an entry that is not held.
func (t *sharedStrings) tooBig(i, n int) {
	if t.size == nil {
		t.size = map[int]int{}
	}
	t.size[i] = n
}

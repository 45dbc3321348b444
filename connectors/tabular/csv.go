package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names as reported by detect and written to the manifest.
const (
	EncodingUTF8        = "utf-8"
	EncodingUTF8BOM     = "utf-8-bom"
	EncodingUTF16LE     = "utf-16le"
	EncodingUTF16BE     = "utf-16be"
	EncodingWindows1252 = "windows-1252"
)

// sniffBytes is how much of a file decides its encoding. Excel writes the
// whole file in one encoding, so the head is representative; a later invalid
// sequence is reported on its own row rather than silently re-decoded.
const sniffBytes = 64 << 10

// CSVOptions says how to read a CSV file. Zero values mean "detect".
type CSVOptions struct {
	Encoding  string // one of the Encoding* names; "" detects
	Delimiter rune   // 0 detects from the header line
	Limits    Limits
	// Unquoted says the format has no quoting at all (Amazon's flat files):
	// a '"' is a character of the value, as in `Monitor 24"`.
	Unquoted bool
	// Wrap, when set, wraps the raw (undecoded) file, e.g. to count bytes
	// for a progress bar.
	Wrap func(io.Reader) io.Reader
}

// flatReader reads formats without quoting (Amazon's flat files): one
// record per line, cells split at the delimiter, a '"' being a character of
// the value, as in `Monitor 24"`. It follows encoding/csv's line rules: "\r\n"
// ends a line like "\n", empty lines are skipped but counted. Each record
// costs one string allocation; its cells are substrings of it.
type flatReader struct {
	br     *bufio.Reader
	delim  string
	line   int
	acc    []byte
	rec    []string
	offset int64 // bytes of br consumed
}

// Read returns the next record and the line it is on.
func (f *flatReader) Read() ([]string, int, error) {
	for {
		b, err := f.br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			f.acc = append(f.acc[:0], b...)
			for errors.Is(err, bufio.ErrBufferFull) {
				b, err = f.br.ReadSlice('\n')
				f.acc = append(f.acc, b...)
			}
			b = f.acc
		}
		f.offset += int64(len(b))
		if len(b) == 0 {
			if err == nil {
				err = io.EOF
			}
			return nil, 0, err
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, 0, err
		}
		f.line++
		if n := len(b); b[n-1] == '\n' {
			b = b[:n-1]
		}
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
		if len(b) == 0 {
			continue
		}
		line := string(b)
		rec := f.rec[:0]
		for {
			i := strings.Index(line, f.delim)
			if i < 0 {
				rec = append(rec, line)
				break
			}
			rec = append(rec, line[:i])
			line = line[i+len(f.delim):]
		}
		f.rec = rec
		return rec, f.line, nil
	}
}

// CSVReader streams the records of one CSV file after its header line.
type CSVReader struct {
	path       string
	file       *os.File
	r          *csv.Reader
	limits     Limits
	encoding   string
	delimiter  rune
	header     []string
	headerLine int
	row        Row
	padded     []string
	err        error
	done       bool
	// lineOffset counts lines read before the csv.Reader started (Excel's
	// "sep=" line), so row numbers match the file.
	lineOffset int
	// ahead holds a record read to look past a broken quote.
	ahead *pendingRecord
	// flat reads unquoted formats instead of r.
	flat *flatReader
	// guard stops the input a record past the record limit; base is what
	// was consumed before r started (Excel's "sep=" line).
	guard *recordGuard
	base  int64
	// lastLine is the line of the last record read, for an error that
	// comes before the next one has a line.
	lastLine int
	raw      []string
}

// csvBufSize is the read buffer of a CSV file.
const csvBufSize = 256 << 10

// recordGuard ends the input when a record runs longer than the record
// limit, so that an unbalanced quote or a file without line breaks costs at
// most the limit (plus the read buffer) instead of the whole file in memory.
// allow is moved on past each record read.
type recordGuard struct {
	r     io.Reader
	read  int64 // bytes handed out
	allow int64 // bytes that may be handed out
}

// errRecordTooLong is what the guard returns once it stops.
var errRecordTooLong = errors.New("record too long")

func (g *recordGuard) Read(p []byte) (int, error) {
	room := g.allow - g.read
	if room <= 0 {
		return 0, errRecordTooLong
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := g.r.Read(p)
	g.read += int64(n)
	return n, err
}

// recordRead moves the guard on past the record that ended at offset.
func (c *CSVReader) recordRead(offset int64) {
	c.guard.allow = offset + int64(c.limits.MaxRecordBytes) + csvBufSize
}

type pendingRecord struct {
	rec  []string
	line int
	err  error
}

// OpenCSV opens path, detects its encoding (BOM, then valid UTF-8, then
// Windows-1252) and delimiter (the one of tab, ';' and ',' that splits the
// header line most; a first line "sep=;" as Excel writes it wins), and reads
// the header line. Delimiters are never guessed from data lines: pt-BR
// amounts like "1.234,56" would make ',' look right.
func OpenCSV(path string, opts CSVOptions) (*CSVReader, error) {
	opts.Limits = opts.Limits.withDefaults()
	f, err := os.Open(path)
	if err != nil {
		return nil, &FileError{File: path, Err: err}
	}
	c := &CSVReader{path: path, file: f, limits: opts.Limits}
	if err := c.open(opts); err != nil {
		f.Close()
		return nil, &FileError{File: path, Err: err}
	}
	return c, nil
}

func (c *CSVReader) open(opts CSVOptions) error {
	head := make([]byte, sniffBytes)
	n, err := io.ReadFull(c.file, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err
	}
	head = head[:n]
	if _, err := c.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	enc := opts.Encoding
	if enc == "" {
		enc = SniffEncoding(head, n < sniffBytes)
	}
	c.encoding = enc
	dec, err := decoderFor(enc)
	if err != nil {
		return err
	}
	var raw io.Reader = c.file
	if opts.Wrap != nil {
		raw = opts.Wrap(raw)
	}
	var decoded io.Reader = raw
	if dec != transform.Nop {
		decoded = transform.NewReader(raw, dec)
	}
	c.guard = &recordGuard{r: decoded, allow: int64(c.limits.MaxRecordBytes) + csvBufSize}
	text := bufio.NewReaderSize(c.guard, csvBufSize)

	// The header line decides the delimiter; "sep=X" is Excel's own hint.
	line, consumed, err := peekFirstLine(text)
	if err != nil {
		return err
	}
	skipLines := 0
	if strings.HasPrefix(strings.ToLower(line), "sep=") && utf8.RuneCountInString(strings.TrimSpace(line)) == 5 {
		if opts.Delimiter == 0 {
			opts.Delimiter, _ = utf8.DecodeRuneInString(strings.TrimSpace(line)[4:])
		}
		if _, err := text.Discard(consumed); err != nil {
			return err
		}
		c.base = int64(consumed)
		skipLines = 1
		if line, _, err = peekFirstLine(text); err != nil {
			return err
		}
	}
	if opts.Delimiter == 0 {
		opts.Delimiter = SniffDelimiter(line)
	}
	c.delimiter = opts.Delimiter

	if opts.Unquoted {
		c.flat = &flatReader{br: text, delim: string(opts.Delimiter), offset: c.base}
		hdr, line1, err := c.read()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return errors.New("the file has no header line")
			}
			return fmt.Errorf("header line: %w", err)
		}
		c.lineOffset = skipLines
		c.headerLine = line1 + skipLines
		c.header = make([]string, len(hdr))
		for i, h := range hdr {
			c.header[i] = CleanHeader(h)
		}
		return nil
	}

	r := csv.NewReader(text)
	r.Comma = opts.Delimiter
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	c.r = r

	c.lineOffset = skipLines
	hdr, line1, err := c.read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errors.New("the file has no header line")
		}
		return fmt.Errorf("header line: %w", err)
	}
	c.headerLine = line1
	c.header = make([]string, len(hdr))
	for i, h := range hdr {
		c.header[i] = CleanHeader(h)
	}
	return nil
}

// peekFirstLine returns the first line without consuming it, and how many
// bytes it takes with its line break.
func peekFirstLine(r *bufio.Reader) (string, int, error) {
	for size := 4096; ; size *= 2 {
		b, err := r.Peek(size)
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			return strings.TrimRight(string(b[:i]), "\r"), i + 1, nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, bufio.ErrBufferFull) {
				return strings.TrimRight(string(b), "\r"), len(b), nil
			}
			return "", 0, err
		}
	}
}

// SniffEncoding names the encoding of a file from its first bytes. complete
// says head is the whole file, so a multi-byte rune cut at the end of the
// sample is not mistaken for invalid UTF-8.
func SniffEncoding(head []byte, complete bool) string {
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		return EncodingUTF8BOM
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return EncodingUTF16LE
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return EncodingUTF16BE
	}
	if !complete {
		// Drop a rune the sample may have cut in half.
		for i := 0; i < utf8.UTFMax && len(head) > 0; i++ {
			r, size := utf8.DecodeLastRune(head)
			if r != utf8.RuneError || size != 1 {
				break
			}
			head = head[:len(head)-1]
		}
	}
	if utf8.Valid(head) {
		return EncodingUTF8
	}
	return EncodingWindows1252
}

func decoderFor(name string) (transform.Transformer, error) {
	var e encoding.Encoding
	switch name {
	case EncodingUTF8:
		return transform.Nop, nil
	case EncodingUTF8BOM:
		return unicode.UTF8BOM.NewDecoder(), nil
	case EncodingUTF16LE:
		e = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case EncodingUTF16BE:
		e = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	case EncodingWindows1252:
		e = charmap.Windows1252
	default:
		return nil, fmt.Errorf("unknown encoding %q (use utf-8, utf-8-bom, utf-16le, utf-16be or windows-1252)", name)
	}
	return e.NewDecoder(), nil
}

// SniffDelimiter picks the delimiter of a header line: the one of tab, ';'
// and ',' (in that order on a tie) that occurs most outside quotes.
func SniffDelimiter(headerLine string) rune {
	counts := map[rune]int{}
	inQuote := false
	for _, r := range headerLine {
		switch {
		case r == '"':
			inQuote = !inQuote
		case !inQuote && (r == '\t' || r == ';' || r == ','):
			counts[r]++
		}
	}
	best, bestN := ',', 0
	for _, d := range []rune{'\t', ';', ','} {
		if counts[d] > bestN {
			best, bestN = d, counts[d]
		}
	}
	return best
}

// Header is the cleaned header line.
func (c *CSVReader) Header() []string { return c.header }

// HeaderLine is the line number of the header.
func (c *CSVReader) HeaderLine() int { return c.headerLine }

// Encoding is the encoding the file was read in.
func (c *CSVReader) Encoding() string { return c.encoding }

// Delimiter is the field delimiter the file was read with.
func (c *CSVReader) Delimiter() rune { return c.delimiter }

// read returns the next record, the one looked ahead at first.
func (c *CSVReader) read() ([]string, int, error) {
	if p := c.ahead; p != nil {
		c.ahead = nil
		return p.rec, p.line, p.err
	}
	if c.flat != nil {
		rec, line, err := c.flat.Read()
		if err == nil {
			c.recordRead(c.flat.offset)
			c.lastLine = line + c.lineOffset
		}
		return rec, line + c.lineOffset, c.tooLong(err)
	}
	rec, err := c.r.Read()
	if err == nil || errors.As(err, new(*csv.ParseError)) {
		c.recordRead(c.base + c.r.InputOffset())
	}
	err = c.tooLong(err)
	if err != nil {
		// FieldPos is only defined after a record was read.
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += c.lineOffset
			pe.Line += c.lineOffset
			return rec, pe.StartLine, err
		}
		return rec, 0, err
	}
	line, _ := c.r.FieldPos(0)
	c.lastLine = line + c.lineOffset
	return rec, line + c.lineOffset, nil
}

// tooLong turns the guard's stop into an error that says what it means.
func (c *CSVReader) tooLong(err error) error {
	if err == nil || !errors.Is(err, errRecordTooLong) {
		return err
	}
	return fmt.Errorf("%w (a quoted cell that never ends, or not a CSV file)", overLimit(fmt.Sprintf("the record after line %d", c.lastLine), "%d bytes", c.limits.MaxRecordBytes))
}

// Next advances to the next non-blank record.
func (c *CSVReader) Next() bool {
	for !c.done {
		rec, line, err := c.read()
		if err != nil {
			var pe *csv.ParseError
			switch {
			case errors.Is(err, io.EOF):
				c.done = true
				return false
			case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrQuote) && pe.Line > pe.StartLine && c.atEOF():
				// An unterminated quote swallowed the rest of the file: no
				// later row can be trusted, so the file fails here.
				c.err = &FileError{File: c.path, Row: pe.StartLine, Err: errors.New("a quoted cell starts here and never ends (unbalanced \" quote); the rest of the file cannot be read")}
				c.done = true
				return false
			case errors.As(err, &pe):
				c.row = Row{Number: pe.StartLine, Problem: fmt.Errorf("the line is not valid CSV: %v", pe.Err)}
				return true
			default:
				c.err = &FileError{File: c.path, Row: line, Err: err}
				c.done = true
				return false
			}
		}
		if blank(rec) {
			continue
		}
		c.raw = rec
		c.row = Row{Number: line, Cells: c.pad(rec)}
		c.row.Problem = c.check(c.row.Cells, rec)
		return true
	}
	return false
}

// atEOF looks one record ahead and reports whether the file has ended.
func (c *CSVReader) atEOF() bool {
	rec, line, err := c.read()
	if errors.Is(err, io.EOF) {
		return true
	}
	// ReuseRecord would let the next Read overwrite it.
	c.ahead = &pendingRecord{rec: append([]string(nil), rec...), line: line, err: err}
	return false
}

func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// pad returns the record widened to the header; trailing empty cells beyond
// the header (common in flat files) are dropped.
func (c *CSVReader) pad(rec []string) []string {
	n := len(c.header)
	if cap(c.padded) < n {
		c.padded = make([]string, n)
	}
	p := c.padded[:n]
	copy(p, rec)
	for i := len(rec); i < n; i++ {
		p[i] = ""
	}
	return p
}

func (c *CSVReader) check(cells, rec []string) error {
	if len(rec) > c.limits.MaxRowCells {
		return fmt.Errorf("the line has %d cells, more than the %d a row may have", len(rec), c.limits.MaxRowCells)
	}
	for i := len(c.header); i < len(rec); i++ {
		if strings.TrimSpace(rec[i]) != "" {
			return fmt.Errorf("the line has %d cells but the header has %d; cell %d (%q) has no column", len(rec), len(c.header), i+1, Truncate(rec[i], 40))
		}
	}
	total := 0
	for i, v := range cells {
		total += len(v)
		if len(v) > c.limits.MaxCellBytes {
			return fmt.Errorf("column %q holds %d bytes, more than the %d a cell may hold", c.header[i], len(v), c.limits.MaxCellBytes)
		}
		if !utf8.ValidString(v) {
			return fmt.Errorf("column %q is not valid %s text (the file mixes encodings)", c.header[i], c.encoding)
		}
	}
	if total > c.limits.MaxRecordBytes {
		return fmt.Errorf("the record holds %d bytes, more than the %d a record may hold", total, c.limits.MaxRecordBytes)
	}
	return nil
}

// Row returns the current record.
func (c *CSVReader) Row() Row { return c.row }

// Raw is the current record as the file writes it, neither padded nor cut
// to the header's width; valid until the next call to Next.
func (c *CSVReader) Raw() []string { return c.raw }

// Err reports why reading stopped early, or nil at the end of the file.
func (c *CSVReader) Err() error { return c.err }

// Close closes the file.
func (c *CSVReader) Close() error { return c.file.Close() }

// CleanHeader trims a header cell and drops the BOM, zero-width characters
// and the quotes some tools leave around names.
func CleanHeader(h string) string {
	h = strings.TrimPrefix(h, "\uFEFF")
	h = strings.Map(func(r rune) rune {
		switch r {
		case '\u200B', '\u2060', '\uFEFF':
			return -1
		case '\u00A0':
			return ' '
		}
		return r
	}, h)
	return strings.Join(strings.Fields(h), " ")
}

// Truncate shortens s to at most n runes for messages.
func Truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

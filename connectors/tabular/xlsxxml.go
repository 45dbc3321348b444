package tabular

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a pull tokenizer for the SpreadsheetML parts the reader
// streams (worksheets and shared strings). encoding/xml allocates a token,
// a name and an attribute slice for every element, which is most of the
// cost of reading a big export; this scanner hands out slices of its own
// buffer instead and decodes text only where the caller collects it.
//
// It reports start and end tags (a self-closing tag is a start tag followed
// by an end tag, as encoding/xml reports it), skips comments, processing
// instructions and DOCTYPE, and passes CDATA through as text. Element and
// attribute names are reduced to their local part, so prefixed SpreadsheetML
// ("<x:c>") reads like the default namespace. It is strict where a broken
// file would otherwise be misread (an unknown entity, an unterminated tag or
// a document that ends inside an element) and lenient about what does not
// change the values read (mismatched end tag names, characters outside the
// XML 1.0 range).
type xmlScanner struct {
	rd       io.Reader
	buf      []byte
	pos, end int
	rerr     error // sticky error of rd; io.EOF at the end

	// The current tag: name aliases buf and attrs index into it, valid
	// until the next call to next.
	name    []byte
	attrs   []attrSpan
	empty   bool // self-closing; the matching end tag comes next
	pendEnd bool

	depth   int // open elements after the current token
	scratch []byte
}

// attrSpan locates one attribute of the current start tag in buf.
type attrSpan struct {
	local, nameEnd int // the name without its prefix
	val, valEnd    int // the raw value, between the quotes
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
)

const (
	// scanBufSize is the read size; big enough that a row of a wide
	// export is usually in the buffer at once.
	scanBufSize = 64 << 10
	// maxMarkup bounds one tag (with its attributes) or entity: real tags
	// are a few KiB at most (a root element with every namespace
	// declared), so anything longer is a damaged or hostile file.
	maxMarkup = 1 << 20
	maxEntity = 64
)

// errXML marks a worksheet that is not well-formed enough to read.
type errXML struct{ msg string }

func (e *errXML) Error() string { return e.msg }

func xmlErrorf(format string, args ...any) error {
	return &errXML{msg: fmt.Sprintf(format, args...)}
}

// errXMLEOF is a document that ends inside an element: a file cut short.
var errXMLEOF = errors.New("the XML ends in the middle of an element")

func newXMLScanner(rd io.Reader) *xmlScanner {
	return &xmlScanner{rd: rd, buf: make([]byte, scanBufSize)}
}

// fill reads more input, keeping the unread bytes from pos on. It reports
// whether anything was added.
func (x *xmlScanner) fill() bool {
	if x.rerr != nil {
		return false
	}
	if x.pos > 0 {
		n := copy(x.buf, x.buf[x.pos:x.end])
		x.end, x.pos = n, 0
	}
	if x.end == len(x.buf) {
		if len(x.buf) >= maxMarkup {
			x.rerr = xmlErrorf("a tag or entity longer than %d bytes", maxMarkup)
			return false
		}
		nb := make([]byte, 2*len(x.buf))
		copy(nb, x.buf[:x.end])
		x.buf = nb
	}
	for i := 0; i < 100; i++ {
		n, err := x.rd.Read(x.buf[x.end:])
		x.end += n
		if err != nil {
			x.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	x.rerr = io.ErrNoProgress
	return false
}

// failure is the error that stopped the input: a read error, or a cut-off
// document when the input simply ended.
func (x *xmlScanner) failure() error {
	if x.rerr == nil || errors.Is(x.rerr, io.EOF) {
		return errXMLEOF
	}
	return x.rerr
}

// atCleanEOF reports whether the input ended after the root element closed
// (or held no element at all): a well-formed document with nothing left.
func (x *xmlScanner) atCleanEOF() bool {
	return x.depth == 0 && errors.Is(x.rerr, io.EOF)
}

// next advances to the next tag. When text is not nil, the character data
// before that tag is decoded (entities, CDATA, line ends) and appended to
// it. At the end of the input it returns tokEOF with a nil error only when
// the document is complete.
func (x *xmlScanner) next(text *textBuf) (tokKind, error) {
	if x.pendEnd {
		x.pendEnd = false
		x.depth--
		return tokEnd, nil
	}
	for {
		i := indexShort(x.buf[x.pos:x.end], '<')
		if i < 0 {
			if text != nil {
				n, err := text.appendXML(x.buf[x.pos:x.end], false)
				if err != nil {
					return tokEOF, err
				}
				x.pos += n
			} else {
				x.pos = x.end
			}
			if !x.fill() {
				if x.pos < x.end {
					// An entity or "\r" waited for bytes that never came.
					if text != nil {
						if _, err := text.appendXML(x.buf[x.pos:x.end], true); err != nil {
							return tokEOF, err
						}
					}
					x.pos = x.end
				}
				if x.atCleanEOF() {
					return tokEOF, nil
				}
				return tokEOF, x.failure()
			}
			continue
		}
		if text != nil && i > 0 {
			if _, err := text.appendXML(x.buf[x.pos:x.pos+i], true); err != nil {
				return tokEOF, err
			}
		}
		x.pos += i
		kind, err := x.markup(text)
		if err != nil || kind != tokEOF {
			return kind, err
		}
	}
}

// need makes at least n bytes available from pos, reporting whether it could.
func (x *xmlScanner) need(n int) bool {
	for x.end-x.pos < n {
		if !x.fill() {
			return false
		}
	}
	return true
}

// markup reads the markup at pos (which holds '<'). It returns tokEOF for
// markup that is not a tag (comments, CDATA, declarations), after which
// scanning goes on.
func (x *xmlScanner) markup(text *textBuf) (tokKind, error) {
	if !x.need(2) {
		return tokEOF, x.failure()
	}
	switch x.buf[x.pos+1] {
	case '/':
		for {
			b := x.buf[x.pos+2 : x.end]
			if j := indexShort(b, '>'); j >= 0 {
				x.name = localName(trimXMLSpace(b[:j]))
				x.pos += 2 + j + 1
				if x.depth == 0 {
					return tokEOF, xmlErrorf("unexpected end tag </%s>", x.name)
				}
				x.depth--
				return tokEnd, nil
			}
			if !x.fill() {
				return tokEOF, x.failure()
			}
		}
	case '?':
		return tokEOF, x.skipPast("?>", 2, nil)
	case '!':
		if !x.need(3) {
			return tokEOF, x.failure()
		}
		switch x.buf[x.pos+2] {
		case '-':
			if x.need(4) && x.buf[x.pos+3] == '-' {
				return tokEOF, x.skipPast("-->", 4, nil)
			}
		case '[':
			if x.need(9) && bytes.HasPrefix(x.buf[x.pos:x.end], []byte("<![CDATA[")) {
				return tokEOF, x.skipPast("]]>", 9, text)
			}
		}
		return tokEOF, x.skipDeclaration()
	}
	for {
		done, err := x.startTag()
		if err != nil {
			return tokEOF, err
		}
		if done {
			x.depth++
			x.pendEnd = x.empty
			return tokStart, nil
		}
		if !x.fill() {
			return tokEOF, x.failure()
		}
	}
}

// startTag parses the start tag at pos, its name and attributes in one
// pass. It returns false, consuming nothing, when the tag runs past the
// buffered input.
func (x *xmlScanner) startTag() (bool, error) {
	b := x.buf[:x.end]
	i := x.pos + 1
	for i < len(b) && !isNameEnd(b[i]) {
		i++
	}
	if i == len(b) {
		return false, nil
	}
	name := b[x.pos+1 : i]
	if len(name) == 0 {
		return false, xmlErrorf("a tag without a name")
	}
	x.attrs = x.attrs[:0]
	for {
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		switch b[i] {
		case '>':
			x.name, x.empty, x.pos = localName(name), false, i+1
			return true, nil
		case '/':
			if i+1 == len(b) {
				return false, nil
			}
			if b[i+1] != '>' {
				return false, xmlErrorf("expected /> in <%s>", name)
			}
			x.name, x.empty, x.pos = localName(name), true, i+2
			return true, nil
		}
		start := i
		for i < len(b) && !isNameEnd(b[i]) {
			i++
		}
		end := i
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		if end == start || b[i] != '=' {
			return false, xmlErrorf("attribute %q of <%s> without a value", b[start:end], name)
		}
		i++
		for i < len(b) && isXMLSpace(b[i]) {
			i++
		}
		if i == len(b) {
			return false, nil
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return false, xmlErrorf("unquoted value of attribute %q of <%s>", b[start:end], name)
		}
		j := indexShort(b[i+1:], q)
		if j < 0 {
			return false, nil
		}
		local := start + len(b[start:end]) - len(localName(b[start:end]))
		x.attrs = append(x.attrs, attrSpan{local: local, nameEnd: end, val: i + 1, valEnd: i + 1 + j})
		i += j + 2
	}
}

// isNameEnd reports whether c ends a tag or attribute name.
func isNameEnd(c byte) bool {
	return c == '>' || c == '/' || c == '=' || isXMLSpace(c)
}

// attrName is the local name of attribute i of the current start tag.
func (x *xmlScanner) attrName(i int) []byte { return x.buf[x.attrs[i].local:x.attrs[i].nameEnd] }

// attrValue is the value of attribute i of the current start tag with
// entities decoded; it is valid until the next call.
func (x *xmlScanner) attrValue(i int) ([]byte, error) {
	v := x.buf[x.attrs[i].val:x.attrs[i].valEnd]
	if indexAmpCR(v) < 0 {
		return v, nil
	}
	t := textBuf{b: x.scratch[:0], max: maxMarkup}
	if _, err := t.appendXML(v, true); err != nil {
		return nil, err
	}
	x.scratch = t.b
	return t.b, nil
}

// skipPast consumes up to and including term, starting skip bytes after
// pos. When text is not nil the bytes before term are CDATA content and are
// appended to it.
func (x *xmlScanner) skipPast(term string, skip int, text *textBuf) error {
	if !x.need(skip) {
		return x.failure()
	}
	x.pos += skip
	for {
		b := x.buf[x.pos:x.end]
		if j := bytes.Index(b, []byte(term)); j >= 0 {
			if text != nil {
				text.appendRaw(b[:j], true)
			}
			x.pos += j + len(term)
			return nil
		}
		// Keep a tail that may be the start of term (and a "\r" that may
		// start "\r\n") for after the refill.
		keep := min(len(term)-1, len(b))
		if text != nil {
			n := text.appendRaw(b[:len(b)-keep], false)
			x.pos += n
		} else {
			x.pos += len(b) - keep
		}
		if !x.fill() {
			return x.failure()
		}
	}
}

// skipDeclaration skips "<!DOCTYPE ...>" and the like the way encoding/xml
// reads them: quoted text aside, '<' and '>' nest, and comments inside are
// skipped whole.
func (x *xmlScanner) skipDeclaration() error {
	// The byte after "<!" is taken as is.
	x.pos += 3
	depth := 0
	var quote byte
	for {
		c, ok := x.getc()
		if !ok {
			return x.failure()
		}
		if quote == 0 && c == '>' && depth == 0 {
			return nil
		}
	handle:
		switch {
		case c == quote:
			quote = 0
		case quote != 0:
		case c == '\'' || c == '"':
			quote = c
		case c == '>':
			depth--
		case c == '<':
			for _, want := range []byte("!--") {
				if c, ok = x.getc(); !ok {
					return x.failure()
				}
				if c != want {
					depth++
					goto handle
				}
			}
			var b0, b1 byte
			for {
				if c, ok = x.getc(); !ok {
					return x.failure()
				}
				if b0 == '-' && b1 == '-' && c == '>' {
					break
				}
				b0, b1 = b1, c
			}
		}
	}
}

// getc reads one byte, for the rare markup read byte by byte.
func (x *xmlScanner) getc() (byte, bool) {
	if x.pos == x.end && !x.fill() {
		return 0, false
	}
	c := x.buf[x.pos]
	x.pos++
	return c, true
}

// skipElement skips the content of the start tag just read, through its
// end tag: collect with nowhere to put the text.
func (x *xmlScanner) skipElement() error { return x.collect(nil) }

// collect appends the character data directly inside the start tag just
// read (not that of nested elements, which encoding/xml skips when it
// decodes an element into a string) and consumes its end tag.
func (x *xmlScanner) collect(text *textBuf) error {
	for depth := 0; ; {
		in := text
		if depth > 0 {
			in = nil
		}
		kind, err := x.next(in)
		switch {
		case err != nil:
			return err
		case kind == tokEOF:
			return errXMLEOF
		case kind == tokStart:
			depth++
		case depth == 0:
			return nil
		default:
			depth--
		}
	}
}

// indexShort is bytes.IndexByte for what is usually found within a few
// bytes (the next tag, the end of a name or value), where the call costs
// more than the search.
func indexShort(b []byte, c byte) int {
	n := min(len(b), 16)
	for i := 0; i < n; i++ {
		if b[i] == c {
			return i
		}
	}
	if n == len(b) {
		return -1
	}
	if j := bytes.IndexByte(b[n:], c); j >= 0 {
		return n + j
	}
	return -1
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func trimXMLSpace(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	for len(b) > 0 && isXMLSpace(b[0]) {
		b = b[1:]
	}
	return b
}

// localName drops a namespace prefix the way encoding/xml splits a name:
// at the colon when there is exactly one with text on both sides.
func localName(name []byte) []byte {
	colon := -1
	for i, c := range name {
		if c == ':' {
			if colon >= 0 {
				return name
			}
			colon = i
		}
	}
	if colon <= 0 || colon == len(name)-1 {
		return name
	}
	return name[colon+1:]
}

// textBuf collects decoded text up to max bytes; what does not fit is only
// counted, so a huge value costs no memory but its size is still known.
type textBuf struct {
	b    []byte
	max  int // cap on len(b)
	over int // bytes dropped past max
}

func (t *textBuf) put(p []byte) {
	if t.over == 0 && len(t.b)+len(p) <= t.max {
		t.b = append(t.b, p...)
		return
	}
	t.over += len(p)
}

func (t *textBuf) putByte(c byte) {
	if t.over == 0 && len(t.b) < t.max {
		t.b = append(t.b, c)
		return
	}
	t.over++
}

// size is the length of the text collected, dropped bytes included.
func (t *textBuf) size() int { return len(t.b) + t.over }

// appendXML decodes character data: entity and character references, and
// "\r\n" or a lone "\r" to "\n", as XML requires. When final is false the
// data may go on after p, so an entity or "\r" cut by the end of p is left
// unconsumed; it returns how many bytes of p were used.
func (t *textBuf) appendXML(p []byte, final bool) (int, error) {
	used := 0
	for {
		k := indexAmpCR(p)
		if k < 0 {
			t.put(p)
			return used + len(p), nil
		}
		t.put(p[:k])
		used += k
		p = p[k:]
		if p[0] == '\r' {
			if len(p) == 1 && !final {
				return used, nil
			}
			t.putByte('\n')
			n := 1
			if len(p) > 1 && p[1] == '\n' {
				n = 2
			}
			p, used = p[n:], used+n
			continue
		}
		semi := bytes.IndexByte(p[:min(len(p), maxEntity)], ';')
		if semi < 0 {
			if !final && len(p) < maxEntity {
				return used, nil
			}
			return used, xmlErrorf("invalid character entity %q", Truncate(string(p), 20))
		}
		if err := t.appendEntity(p[1:semi]); err != nil {
			return used, err
		}
		p, used = p[semi+1:], used+semi+1
	}
}

// appendRaw appends CDATA content, normalizing line ends. Like appendXML it
// leaves a trailing "\r" unconsumed when more may follow.
func (t *textBuf) appendRaw(p []byte, final bool) int {
	used := 0
	for {
		k := bytes.IndexByte(p, '\r')
		if k < 0 {
			t.put(p)
			return used + len(p)
		}
		t.put(p[:k])
		used += k
		p = p[k:]
		if len(p) == 1 && !final {
			return used
		}
		t.putByte('\n')
		n := 1
		if len(p) > 1 && p[1] == '\n' {
			n = 2
		}
		p, used = p[n:], used+n
	}
}

func indexAmpCR(p []byte) int {
	if len(p) <= 16 {
		for i, c := range p {
			if c == '&' || c == '\r' {
				return i
			}
		}
		return -1
	}
	a := bytes.IndexByte(p, '&')
	if a < 0 {
		return bytes.IndexByte(p, '\r')
	}
	if c := bytes.IndexByte(p[:a], '\r'); c >= 0 {
		return c
	}
	return a
}

// appendEntity decodes the reference name between '&' and ';'. Like
// encoding/xml it knows the five predefined entities and decimal or
// lower-case "x" hexadecimal character references; anything else is an
// error.
func (t *textBuf) appendEntity(name []byte) error {
	switch string(name) {
	case "amp":
		t.putByte('&')
		return nil
	case "lt":
		t.putByte('<')
		return nil
	case "gt":
		t.putByte('>')
		return nil
	case "quot":
		t.putByte('"')
		return nil
	case "apos":
		t.putByte('\'')
		return nil
	}
	if len(name) < 2 || name[0] != '#' {
		return xmlErrorf("invalid character entity &%s;", name)
	}
	digits, base := name[1:], uint64(10)
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return xmlErrorf("invalid character entity &%s;", name)
	}
	var n uint64
	for _, c := range digits {
		var d uint64
		switch {
		case '0' <= c && c <= '9':
			d = uint64(c - '0')
		case base == 16 && 'a' <= c && c <= 'f':
			d = uint64(c-'a') + 10
		case base == 16 && 'A' <= c && c <= 'F':
			d = uint64(c-'A') + 10
		default:
			return xmlErrorf("invalid character entity &%s;", name)
		}
		n = n*base + d
		if n > utf8.MaxRune {
			return xmlErrorf("invalid character entity &%s;", name)
		}
	}
	var enc [utf8.UTFMax]byte
	t.put(utf8.AppendRune(enc[:0], rune(n)))
	return nil
}

// appendBstr appends s with the _xHHHH_ escapes Excel uses for characters
// XML cannot carry decoded, as excelize's bstrUnmarshal does for shared and
// inline strings: _x005F_ is "_", an escape of a code point that is not a
// valid rune (a surrogate) is dropped.
func appendBstr(dst, s []byte) []byte {
	for {
		i := bytes.Index(s, []byte("_x"))
		if i < 0 || len(s)-i < 7 {
			return append(dst, s...)
		}
		if v, ok := hex4(s[i+2 : i+6]); ok && s[i+6] == '_' {
			dst = append(dst, s[:i]...)
			if r := rune(v); utf8.ValidRune(r) {
				dst = utf8.AppendRune(dst, r)
			}
			s = s[i+7:]
			continue
		}
		dst = append(dst, s[:i+1]...)
		s = s[i+1:]
	}
}

func hex4(b []byte) (uint32, bool) {
	var v uint32
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | uint32(c-'0')
		case 'a' <= c && c <= 'f':
			v = v<<4 | uint32(c-'a'+10)
		case 'A' <= c && c <= 'F':
			v = v<<4 | uint32(c-'A'+10)
		default:
			return 0, false
		}
	}
	return v, true
}

// atoi is strconv.Atoi without the conversion to string on the common path.
func atoi(b []byte) (int, error) {
	if n := len(b); n > 0 && n <= 18 {
		v := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return strconv.Atoi(string(b))
			}
			v = v*10 + int(c-'0')
		}
		return v, nil
	}
	return strconv.Atoi(string(b))
}

// validInt64 reports whether strconv.ParseInt(b, 10, 64) succeeds.
func validInt64(b []byte) bool {
	if n := len(b); n > 0 && n <= 18 {
		for _, c := range b {
			if c < '0' || c > '9' {
				_, err := strconv.ParseInt(string(b), 10, 64)
				return err == nil
			}
		}
		return true
	}
	_, err := strconv.ParseInt(string(b), 10, 64)
	return err == nil
}

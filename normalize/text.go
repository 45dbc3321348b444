package normalize

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValueError says why a value could not be used. Reason is a sentence a
// seller can act on; personal values (documents, phones, e-mails) appear in it
// only masked, because reasons end up on stderr and in logs. Value is the raw
// input, for the reject file, which is private to the seller.
type ValueError struct {
	Value  string
	Reason string
}

func (e *ValueError) Error() string { return e.Reason }

// Field names the column the value came from.
func (e *ValueError) Field(column string) *FieldError {
	return &FieldError{Column: column, Value: e.Value, Reason: e.Reason}
}

func valueErr(value, reason string) error { return &ValueError{Value: value, Reason: reason} }

// maxQuoted bounds how much of a value an error message repeats: a whole
// multi-line cell pasted into a message helps nobody.
const maxQuoted = 60

// quote renders a value for a message. strconv.Quote makes invisible
// characters (NBSP, U+2060) visible as escapes, which is often the very
// reason the value was refused.
func quote(s string) string {
	if utf8.RuneCountInString(s) > maxQuoted {
		n := 0
		for i := range s {
			if n == maxQuoted {
				s = s[:i] + "…"
				break
			}
			n++
		}
	}
	return strconv.Quote(s)
}

// Mask hides a personal value for messages while keeping its shape, so a
// seller can still see which cell is meant and what is wrong with it. Every
// letter and digit becomes '*' except the last two, and only when the value
// has at least six of them; shorter values are masked whole. Punctuation,
// spaces and '@' stay, so "123.456.789-09" becomes "***.***.***-09",
// "(11) 98765-4321" becomes "(**) *****-**21" and "maria@gmail" becomes
// "*****@***il". The two kept characters are check digits for a CPF and
// the end of the domain for an e-mail: not enough to identify anyone.
func Mask(s string) string {
	n := 0
	for _, r := range s {
		if isAlnum(r) {
			n++
		}
	}
	keep := 0
	if n >= 6 {
		keep = 2
	}
	var b strings.Builder
	b.Grow(len(s))
	seen := 0
	for _, r := range s {
		if isAlnum(r) {
			seen++
			if seen <= n-keep {
				b.WriteByte('*')
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// quoteMasked is quote for personal values.
func quoteMasked(s string) string { return quote(Mask(CleanText(s))) }

// isInvisible reports the format characters spreadsheets and web forms leave
// inside values (Shopify addresses carry U+2060 word joiners; Excel's
// "CSV UTF-8" a BOM). They carry no meaning in a value and break equality.
func isInvisible(r rune) bool {
	switch r {
	case '\u00ad', // soft hyphen
		'\u180e',                               // Mongolian vowel separator
		'\u200b', '\u200c', '\u200d', '\u200e', // zero-width space, (non-)joiner, LRM
		'\u200f',                               // RLM
		'\u2060', '\u2061', '\u2062', '\u2063', // word joiner, invisible operators
		'\u2064',
		'\ufeff': // BOM / zero-width no-break space
		return true
	}
	// Other control characters (NUL, ESC…) are never part of a value.
	return r < 0x20 && !isSpace(r) || r == 0x7f
}

// isSpace covers ASCII and Unicode spaces, NBSP included: pt-BR Excel writes
// NBSP between "R$" and the number.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		switch r {
		case ' ', '\t', '\n', '\r', '\v', '\f':
			return true
		}
		return false
	}
	return unicode.IsSpace(r)
}

// trimValue strips spaces and invisible characters at both ends without
// allocating; parsers that need to look inside use it before anything else.
func trimValue(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c < utf8.RuneSelf {
			if c > ' ' && c != 0x7f {
				break
			}
			s = s[1:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		if !isSpace(r) && !isInvisible(r) {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c < utf8.RuneSelf {
			if c > ' ' && c != 0x7f {
				break
			}
			s = s[:len(s)-1]
			continue
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !isSpace(r) && !isInvisible(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

// isEmpty is the package's single definition of "no value": exports write
// nothing, a lone space (Mercado Livre) or a dash (Shopee's missing times).
func isEmpty(trimmed string) bool { return trimmed == "" || trimmed == "-" }

// CleanText trims s, collapses runs of whitespace to one space, turns NBSP
// and other Unicode spaces into plain spaces and removes invisible format
// characters (U+2060, U+200B, U+FEFF, U+00AD…). Invalid UTF-8 becomes
// U+FFFD so that the result is always valid and cleaning it again changes
// nothing. A lone " " becomes "".
func CleanText(s string) string {
	if isCleanASCII(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case isSpace(r):
			space = b.Len() > 0
		case isInvisible(r):
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isCleanASCII is CleanText's fast path: most cells need no change, and
// returning them as they are costs no allocation.
func isCleanASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	prevSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || c == 0x7f {
			return false
		}
		if c == ' ' {
			if prevSpace {
				return false
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
	}
	return true
}

// IsMasked reports whether s was masked by a marketplace: Shopee and TikTok
// replace personal data with runs of '*' ("a******a", "******99",
// "(+55)319******55"). A masked value must never be used to link customers:
// "******99" would match every buyer whose phone ends in 99. A single '*' is
// not enough, since it can be part of a real value.
func IsMasked(s string) bool {
	return strings.Contains(s, "**")
}

// CleanName is CleanText for people's names, keeping the display form. A
// masked name ("a******a") is not a name and comes back "", as does a value
// with no letter at all ("-", ".", "0").
func CleanName(s string) string {
	c := CleanText(s)
	if IsMasked(c) {
		return ""
	}
	for _, r := range c {
		if unicode.IsLetter(r) {
			return c
		}
	}
	return ""
}

// NameKey is the form names are compared in: cleaned, lower case, accents
// folded (ç→c, ã→a), apostrophes dropped ("D'Ávila"→"davila"), other
// punctuation turned into spaces ("Maria-José"→"maria jose") and single
// spaces. Masked names give "", so they never match anything.
func NameKey(s string) string {
	if IsMasked(s) {
		return ""
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == '`' || r == '´' || isInvisible(r):
			// An apostrophe joins: D'Ávila and Dávila are one name.
		case isCombining(r):
			// Decomposed accents (NFD text from macOS) fold like composed ones.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space {
				b.WriteByte(' ')
				space = false
			}
			writeFolded(&b, r)
		default:
			space = b.Len() > 0
		}
	}
	return b.String()
}

// foldKey lower-cases and folds accents but keeps punctuation and spacing as
// CleanText leaves them; status texts need their punctuation ("Venda
// cancelada. Não envie.", "partially_paid").
func foldKey(s string) string {
	c := CleanText(s)
	ascii := true
	for i := 0; i < len(c); i++ {
		if c[i] >= utf8.RuneSelf || 'A' <= c[i] && c[i] <= 'Z' {
			ascii = false
			break
		}
	}
	if ascii {
		return c
	}
	var b strings.Builder
	b.Grow(len(c))
	for _, r := range c {
		if isCombining(r) {
			continue
		}
		writeFolded(&b, r)
	}
	return b.String()
}

func isCombining(r rune) bool { return r >= 0x300 && r <= 0x36f }

// writeFolded writes r lower-cased and without its accent. The table covers
// Latin-1 and Latin Extended-A, which holds every letter Portuguese, Spanish
// and the other Western European languages in buyer names use; anything else
// is only lower-cased.
func writeFolded(b *strings.Builder, r rune) {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			r += 'a' - 'A'
		}
		b.WriteByte(byte(r))
		return
	}
	r = unicode.ToLower(r)
	if f, ok := foldTable[r]; ok {
		b.WriteString(f)
		return
	}
	b.WriteRune(r)
}

var foldTable = func() map[rune]string {
	m := map[rune]string{'ß': "ss", 'æ': "ae", 'œ': "oe", 'ø': "o", 'ð': "d", 'þ': "th", 'ł': "l", 'đ': "d", 'ı': "i", 'ħ': "h", 'ŀ': "l", 'ĸ': "k", 'ŋ': "n", 'ſ': "s", 'ª': "a", 'º': "o"}
	groups := []struct{ to, from string }{
		{"a", "àáâãäåāăą"},
		{"c", "çćĉċč"},
		{"d", "ď"},
		{"e", "èéêëēĕėęě"},
		{"g", "ĝğġģ"},
		{"h", "ĥ"},
		{"i", "ìíîïĩīĭįİ"},
		{"j", "ĵ"},
		{"k", "ķ"},
		{"l", "ĺļľ"},
		{"n", "ñńņňŉ"},
		{"o", "òóôõöōŏő"},
		{"r", "ŕŗř"},
		{"s", "śŝşš"},
		{"t", "ţťŧ"},
		{"u", "ùúûüũūŭůűų"},
		{"w", "ŵ"},
		{"y", "ýÿŷ"},
		{"z", "źżž"},
	}
	for _, g := range groups {
		for _, r := range g.from {
			m[r] = g.to
		}
	}
	return m
}()

// ParseID cleans an identifier (order, pack, listing id) and refuses the
// ones a spreadsheet turned into numbers. Ids are text: Mercado Livre and
// TikTok ids have 16 to 19 digits, more than a float64 or Excel's 15
// significant digits hold, so "2,00002E+15" has lost digits for good. An
// integral float written out in full ("2000015340969076.0", from a numeric
// XLSX cell) keeps its digits and is accepted without the ".0". A leading
// apostrophe (Excel's "keep as text" mark) is dropped. Empty gives "".
func ParseID(s string) (string, error) {
	t := CleanText(s)
	for strings.HasPrefix(t, "'") {
		t = trimValue(t[1:])
	}
	if isEmpty(t) {
		return "", nil
	}
	if isSciNotation(t) {
		return "", valueErr(s, quote(t)+" is not an id: Excel turned it into a number and its last digits are lost; export the column as text")
	}
	if i := strings.IndexAny(t, ".,"); i > 0 && allDigits(t[:i]) {
		frac := t[i+1:]
		if frac != "" && strings.Trim(frac, "0") == "" {
			t = t[:i]
		}
	}
	return t, nil
}

// isSciNotation spots Excel's scientific rendering of a long number
// ("5,52E+12", "2.00002e+15"). Excel always signs the exponent; requiring
// the sign keeps ids that merely contain an E between digits (Shopee's
// "260217149573E0") from being taken for numbers.
func isSciNotation(s string) bool {
	e := -1
	for i := 0; i < len(s); i++ {
		if s[i] == 'e' || s[i] == 'E' {
			e = i
			break
		}
	}
	if e <= 0 || e == len(s)-1 {
		return false
	}
	mant, exp := s[:e], s[e+1:]
	if exp[0] != '+' && exp[0] != '-' {
		return false
	}
	exp = exp[1:]
	if !allDigits(exp) {
		return false
	}
	mant = strings.TrimLeft(mant, "+-")
	if i := strings.IndexAny(mant, ".,"); i >= 0 {
		return allDigits(mant[:i]) && (mant[i+1:] == "" || allDigits(mant[i+1:]))
	}
	return allDigits(mant)
}

func allDigits[T ~string | ~[]byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

package normalize

import (
	"strings"
	"unicode/utf8"
)

// MoneyStyle is the number convention of a money column. Exports use three
// (Mercado Livre numeric cells, Shopee "65.00" text, TikTok "BRL 99,90" and
// pt-BR CSVs "1.204,70"); the connector knows which one each column uses, and
// a single value such as "1.234" cannot tell them apart.
type MoneyStyle int

const (
	// MoneyDot is the machine convention: dot decimals, no thousands
	// separator ("65.00", "-13.26", "1234.5"). It also takes the raw text
	// of numeric XLSX cells, which carries binary float noise
	// ("13.260000000000002") or scientific notation ("1.5E-2"): any number of
	// decimals is accepted and rounded half away from zero to the centavo.
	// Telling noise from a real third decimal would need a guess, and for
	// money columns the rounding is what a spreadsheet shows anyway.
	MoneyDot MoneyStyle = iota
	// MoneyBR is the pt-BR convention: comma decimals (at most 2) and dots
	// between groups of three digits ("1.234,56", "1234,56", "99,90").
	// "1.234" is 1234,00 and "12,3" is 12,30. A negative amount is written
	// "-10,00", "R$ -10,00", "-R$ 10,00" or, as accounting formats in Excel
	// show it, "(10,00)".
	MoneyBR
)

func (st MoneyStyle) String() string {
	switch st {
	case MoneyDot:
		return "dot"
	case MoneyBR:
		return "pt-BR"
	}
	return "unknown"
}

func (st MoneyStyle) example() string {
	if st == MoneyBR {
		return "1.234,56"
	}
	return "1234.56"
}

const maxCents = MaxCents

// ParseMoney reads an amount in centavos. Both styles take a currency
// prefix (R$, BRL, US$, USD, EUR, €; letter codes in any case) with or
// without a space, a sign before or after it, surrounding spaces, NBSP and
// invisible characters. The currency is dropped, not checked: the order's
// currency comes from its own column. Empty input (nothing, spaces, "-")
// gives an invalid Amount and no error, because a missing amount is not a
// zero amount. Amounts beyond DECIMAL(18,2) are errors.
func ParseMoney(s string, style MoneyStyle) (Amount, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return Amount{}, nil
	}
	if style != MoneyDot && style != MoneyBR {
		return Amount{}, valueErr(s, "unknown money style")
	}
	a, ok := asciiMoney(t)
	if !ok {
		return Amount{}, moneyErr(s, t, style, "")
	}
	c, problem := parseMoneyASCII(a, style)
	if problem != "" {
		if problem == tooLarge {
			return Amount{}, valueErr(s, quote(t)+" is too large for an amount: at most 16 digits before the decimal point")
		}
		if problem == badSyntax {
			problem = ""
		}
		return Amount{}, moneyErr(s, t, style, problem)
	}
	return Amount{Cents: c, Valid: true}, nil
}

func moneyErr(raw, trimmed string, style MoneyStyle, hint string) error {
	msg := quote(trimmed) + " is not an amount like " + style.example()
	if hint != "" {
		msg += ": " + hint
	}
	return valueErr(raw, msg)
}

const (
	badSyntax = "-"
	tooLarge  = "too large"
)

// asciiMoney maps the few non-ASCII characters an amount may carry to ASCII
// so the scanner can work on bytes; it allocates only when there are any.
func asciiMoney(s string) (string, bool) {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s, true
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteByte(byte(r))
		case isInvisible(r):
		case isSpace(r):
			b.WriteByte(' ')
		case r == '€':
			b.WriteString("EUR")
		case r == '\u2212': // minus sign, as typeset by some exporters
			b.WriteByte('-')
		default:
			return "", false
		}
	}
	return b.String(), true
}

func trimASCIISpace(s string) string {
	for len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	for len(s) > 0 && s[len(s)-1] == ' ' {
		s = s[:len(s)-1]
	}
	return s
}

// parseMoneyASCII returns the amount or a short reason (badSyntax when there
// is nothing more specific to say).
func parseMoneyASCII(a string, style MoneyStyle) (int64, string) {
	a = trimASCIISpace(a)
	neg, signed := false, false
	if style == MoneyBR && len(a) >= 2 && a[0] == '(' && a[len(a)-1] == ')' {
		neg, signed = true, true
		a = trimASCIISpace(a[1 : len(a)-1])
	}
	sign := func() {
		if !signed && a != "" && (a[0] == '-' || a[0] == '+') {
			signed, neg = true, a[0] == '-'
			a = trimASCIISpace(a[1:])
		}
	}
	sign()
	if n := currencyLen(a); n > 0 {
		a = trimASCIISpace(a[n:])
	}
	sign()
	if a == "" {
		return 0, badSyntax
	}

	var u uint64
	var problem string
	if style == MoneyBR {
		u, problem = parseBRNumber(a)
	} else {
		u, problem = parseDotNumber(a)
	}
	if problem != "" {
		return 0, problem
	}
	c := int64(u)
	if neg {
		c = -c
	}
	return c, ""
}

// currencyLen returns the length of a currency prefix at the start of a.
func currencyLen(a string) int {
	for _, cur := range [...]string{"R$", "US$", "BRL", "USD", "EUR"} {
		if len(a) >= len(cur) && strings.EqualFold(a[:len(cur)], cur) {
			// "EURO" or "BRLX" are not a code followed by a number.
			if len(a) > len(cur) && isASCIILetter(a[len(cur)]) {
				continue
			}
			return len(cur)
		}
	}
	return 0
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isDigit(c byte) bool       { return '0' <= c && c <= '9' }

func parseDotNumber(a string) (uint64, string) {
	i := 0
	for i < len(a) && isDigit(a[i]) {
		i++
	}
	intPart := a[:i]
	frac, dot := "", false
	if i < len(a) && a[i] == '.' {
		j := i + 1
		for j < len(a) && isDigit(a[j]) {
			j++
		}
		frac, dot = a[i+1:j], true
		i = j
	}
	exp := 0
	if intPart != "" && i < len(a) && (a[i] == 'e' || a[i] == 'E') {
		var ok bool
		exp, i, ok = parseExponent(a, i+1)
		if !ok {
			return 0, badSyntax
		}
	}
	// "5." and ".5" are refused: no exporter writes them, so they are
	// more likely a cut value than a number.
	if intPart == "" || i != len(a) || dot && frac == "" {
		if strings.IndexByte(a, ',') >= 0 {
			return 0, "this column writes decimals with a dot, without thousands separators"
		}
		return 0, badSyntax
	}
	u, ok := toCents(intPart, frac, exp)
	if !ok {
		return 0, tooLarge
	}
	return u, ""
}

// parseExponent reads [+-]digits from a[i:]; the value saturates so that
// "1e99999999999" is "too large", not an integer overflow.
func parseExponent(a string, i int) (exp, next int, ok bool) {
	neg := false
	if i < len(a) && (a[i] == '+' || a[i] == '-') {
		neg = a[i] == '-'
		i++
	}
	start := i
	for i < len(a) && isDigit(a[i]) {
		if exp < 1_000_000 {
			exp = exp*10 + int(a[i]-'0')
		}
		i++
	}
	if i == start {
		return 0, i, false
	}
	if neg {
		exp = -exp
	}
	return exp, i, true
}

func parseBRNumber(a string) (uint64, string) {
	i := 0
	for i < len(a) && isDigit(a[i]) {
		i++
	}
	if i == 0 {
		return 0, brHint(a)
	}
	if i < len(a) && a[i] == '.' {
		// Thousands groups: 1–3 digits, then ".ddd" repeated.
		if i > 3 {
			return 0, brHint(a)
		}
		for i < len(a) && a[i] == '.' {
			if i+4 > len(a) || !isDigit(a[i+1]) || !isDigit(a[i+2]) || !isDigit(a[i+3]) || i+4 < len(a) && isDigit(a[i+4]) {
				return 0, brHint(a)
			}
			i += 4
		}
	}
	intPart := a[:i]
	frac := ""
	if i < len(a) && a[i] == ',' {
		j := i + 1
		for j < len(a) && isDigit(a[j]) {
			j++
		}
		frac = a[i+1 : j]
		if frac == "" {
			return 0, brHint(a)
		}
		if j == len(a) && len(frac) > 2 {
			return 0, "it has more than 2 decimal places"
		}
		i = j
	}
	if i != len(a) {
		return 0, brHint(a)
	}
	u, ok := toCents(intPart, frac, 0)
	if !ok {
		return 0, tooLarge
	}
	return u, ""
}

// brHint guesses why a pt-BR amount failed, for the message only.
func brHint(a string) string {
	if isSciNotation(a) {
		return "Excel wrote it in scientific notation; format the column as a number with 2 decimals"
	}
	if strings.IndexByte(a, ',') < 0 && strings.IndexByte(a, '.') >= 0 {
		return "this column writes decimals with a comma and thousands with dots"
	}
	return badSyntax
}

// toCents turns digits (intPart may hold group dots, which are skipped) times
// 10^exp into centavos, rounding half away from zero. It works on the
// decimal digits themselves, so no float ever touches an amount.
func toCents(intPart, frac string, exp int) (uint64, bool) {
	nd := len(frac)
	for i := 0; i < len(intPart); i++ {
		if intPart[i] != '.' {
			nd++
		}
	}
	// keep is how many leading digits make whole centavos; the next one rounds.
	keep := nd - len(frac) + exp + 2
	var acc uint64
	var round byte
	k := 0
	add := func(d byte) bool {
		switch {
		case k < keep:
			v := uint64(d - '0')
			if acc > (maxCents-v)/10 {
				return false
			}
			acc = acc*10 + v
		case k == keep:
			round = d
		}
		k++
		return true
	}
	for i := 0; i < len(intPart) && k <= keep; i++ {
		if intPart[i] == '.' {
			continue
		}
		if !add(intPart[i]) {
			return 0, false
		}
	}
	for i := 0; i < len(frac) && k <= keep; i++ {
		if !add(frac[i]) {
			return 0, false
		}
	}
	for ; acc != 0 && k < keep; k++ {
		if acc > maxCents/10 {
			return 0, false
		}
		acc *= 10
	}
	if round >= '5' {
		acc++
		if acc > maxCents {
			return 0, false
		}
	}
	return acc, true
}

// FormatMoney writes a in style, without currency: "-1234.56" for MoneyDot,
// "-1.234,56" for MoneyBR; "" when a is not valid. ParseMoney reads it back
// to the same Amount for every value DECIMAL(18,2) holds.
func FormatMoney(a Amount, style MoneyStyle) string {
	if !a.Valid {
		return ""
	}
	u := uint64(a.Cents)
	if a.Cents < 0 {
		u = ^u + 1
	}
	dec, group := byte('.'), byte(0)
	if style == MoneyBR {
		dec, group = ',', '.'
	}
	var buf [40]byte
	i := len(buf)
	i--
	buf[i] = byte('0' + u%10)
	u /= 10
	i--
	buf[i] = byte('0' + u%10)
	u /= 10
	i--
	buf[i] = dec
	n := 0
	for {
		if n > 0 && n%3 == 0 && group != 0 {
			i--
			buf[i] = group
		}
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		n++
		if u == 0 {
			break
		}
	}
	if a.Cents < 0 {
		i--
		buf[i] = '-'
	}
	return string(buf[i:])
}

package normalize

import (
	"strings"
	"unicode/utf8"
)

// validDDD marks the 67 area codes Anatel assigns. The rule "11–99, second
// digit not 0" lets through codes that were never assigned (20, 23, 25, 26,
// 29, 30, 36, 39, 40, 50, 52, 56–60, 70, 72, 76, 78, 80, 90), and a number
// under one of them is a typo rather than a phone.
var validDDD = func() (v [100]bool) {
	for _, d := range []int{
		11, 12, 13, 14, 15, 16, 17, 18, 19,
		21, 22, 24, 27, 28,
		31, 32, 33, 34, 35, 37, 38,
		41, 42, 43, 44, 45, 46, 47, 48, 49,
		51, 53, 54, 55,
		61, 62, 63, 64, 65, 66, 67, 68, 69,
		71, 73, 74, 75, 77, 79,
		81, 82, 83, 84, 85, 86, 87, 88, 89,
		91, 92, 93, 94, 95, 96, 97, 98, 99,
	} {
		v[d] = true
	}
	return v
}()

// maxPhoneDigits is E.164's limit.
const maxPhoneDigits = 15

// ParsePhone reads a phone number into E.164 ("+5511987654321"). Brazilian
// numbers come in many spellings: "(11) 98765-4321", "11987654321",
// "+55 11 98765-4321", "5511987654321", "055 11 …", with the trunk prefix
// "0", with a carrier code ("0xx11 …", "0 21 11 9…": 0 + carrier + DDD),
// and with Excel's apostrophe. The number must have a DDD; a mobile has 9
// digits starting with 9, a landline 8 starting with 2–5. An 8-digit number
// starting with 6–9 is taken as a mobile written before the ninth digit was
// added (completed in 2016) and gets its 9: a heuristic, since such a value
// cannot be anything else today.
//
// Masked numbers ("******99", "(+55)319******55") and placeholders
// ("00000-0000", "(11) 99999-9999", one digit repeated) give ("", nil):
// they are not numbers, and a seller cannot fix them. A number with another
// country code ("+31612345678", "0031…") is kept as "+" and its digits
// when it has 8 to 15; nothing more is checked for it.
func ParsePhone(s string) (string, error) {
	t := trimValue(s)
	if isEmpty(t) || strings.IndexByte(t, '*') >= 0 {
		return "", nil
	}
	if isSciNotation(t) {
		return "", valueErr(s, quoteMasked(t)+" is not a phone number: Excel turned it into a number and digits are lost; export the column as text")
	}
	var buf [maxPhoneDigits + 1]byte
	d, plus, paren, ok := phoneDigits(t, &buf)
	if !ok {
		return "", phoneErr(s, t)
	}
	if len(d) == 0 || sameChar(d) {
		return "", nil
	}
	switch {
	case !plus && paren && (len(d) == 10 || len(d) == 11):
		// "(DD) …": the parentheses say where the area code is, even when
		// it is a bogus "(00)" that would otherwise read as "dial abroad".
		return brPhone(s, t, d)
	case plus:
		if len(d) >= 2 && d[0] == '5' && d[1] == '5' {
			return brPhone(s, t, d[2:])
		}
		return foreignPhone(s, t, d)
	case len(d) > 2 && d[0] == '0' && d[1] == '0':
		// "00" dials abroad from Brazil; "0055" is Brazil itself.
		if len(d) > 4 && d[2] == '5' && d[3] == '5' {
			return brPhone(s, t, d[4:])
		}
		return foreignPhone(s, t, d[2:])
	case d[0] == '0':
		switch len(d) {
		case 11, 12: // 0 + DDD + number
			return brPhone(s, t, d[1:])
		case 13, 14: // 0 + carrier (or 55) + DDD + number
			return brPhone(s, t, d[3:])
		}
	case len(d) == 10 || len(d) == 11:
		return brPhone(s, t, d)
	case (len(d) == 12 || len(d) == 13) && d[0] == '5' && d[1] == '5':
		return brPhone(s, t, d[2:])
	case len(d) == 8 || len(d) == 9:
		return "", valueErr(s, quoteMasked(t)+" is not a phone number like (11) 98765-4321: the area code (DDD) is missing")
	}
	return "", phoneErr(s, t)
}

func phoneErr(raw, trimmed string) error {
	return valueErr(raw, quoteMasked(trimmed)+" is not a phone number like (11) 98765-4321")
}

// phoneDigits collects the digits of t, allowing the punctuation people type
// around them, Excel's leading apostrophe, a leading "+" (also inside "(+55)")
// and the literal "xx" of "0xx11", which stands for "any carrier". The slice
// holds at most maxPhoneDigits+1 digits; more means not a phone. paren
// reports a value that opens with "(".
func phoneDigits(t string, buf *[maxPhoneDigits + 1]byte) (d []byte, plus, paren, ok bool) {
	d = buf[:0]
	t = strings.TrimPrefix(t, "'")
	paren = strings.HasPrefix(t, "(")
	if len(t) > 4 && strings.EqualFold(t[:4], "tel:") {
		t = t[4:]
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case isDigit(c):
			if len(d) == cap(d) {
				return nil, false, false, false
			}
			d = append(d, c)
		case c == '+':
			if plus || len(d) > 0 {
				return nil, false, false, false
			}
			plus = true
		case c == ' ' || c == '\t' || c == '(' || c == ')' || c == '-' || c == '.':
		case (c == 'x' || c == 'X') && len(d) == 1 && d[0] == '0' && i+1 < len(t) && (t[i+1] == 'x' || t[i+1] == 'X'):
			i++
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(t[i:])
			if !isSpace(r) && !isInvisible(r) {
				return nil, false, false, false
			}
			i += size - 1
		default:
			return nil, false, false, false
		}
	}
	return d, plus, paren, true
}

// brPhone validates a national number (DDD + subscriber) and formats it.
func brPhone(raw, trimmed string, n []byte) (string, error) {
	if len(n) != 10 && len(n) != 11 {
		return "", phoneErr(raw, trimmed)
	}
	sub := n[2:]
	// Placeholders typed into required fields: the subscriber part is one
	// digit repeated, or a 9 followed by one digit repeated.
	if sameChar(sub) || len(sub) == 9 && sub[0] == '9' && sameChar(sub[1:]) {
		return "", nil
	}
	if !validDDD[int(n[0]-'0')*10+int(n[1]-'0')] {
		return "", valueErr(raw, quoteMasked(trimmed)+" is not a phone number like (11) 98765-4321: "+string(n[:2])+" is not a Brazilian area code (DDD)")
	}
	var out [14]byte
	copy(out[:], "+55")
	switch {
	case len(n) == 11 && n[2] == '9':
		copy(out[3:], n)
		return string(out[:14]), nil
	case len(n) == 10 && n[2] >= '2' && n[2] <= '5':
		copy(out[3:], n)
		return string(out[:13]), nil
	case len(n) == 10 && n[2] >= '6':
		out[3], out[4], out[5] = n[0], n[1], '9'
		copy(out[6:], n[2:])
		return string(out[:14]), nil
	}
	return "", phoneErr(raw, trimmed)
}

func foreignPhone(raw, trimmed string, d []byte) (string, error) {
	if sameChar(d) {
		return "", nil
	}
	if len(d) < 8 || len(d) > maxPhoneDigits || d[0] == '0' {
		return "", phoneErr(raw, trimmed)
	}
	return "+" + string(d), nil
}

// ParsePhoneParts reads a phone the Mercado Livre API splits into
// {"area_code": "11", "number": "987654321"}. A number that already starts
// with its area code is not given the code twice.
func ParsePhoneParts(areaCode, number string) (string, error) {
	a, n := trimValue(areaCode), trimValue(number)
	if isEmpty(a) {
		return ParsePhone(number)
	}
	if isEmpty(n) || strings.IndexByte(n, '*') >= 0 {
		return "", nil
	}
	var ab, nb [maxPhoneDigits + 1]byte
	ad, aplus, _, aok := phoneDigits(a, &ab)
	nd, nplus, _, nok := phoneDigits(n, &nb)
	if aok && nok && !aplus && !nplus && (len(nd) == 10 || len(nd) == 11) && strings.HasSuffix(string(ad), string(nd[:2])) {
		return ParsePhone(number)
	}
	return ParsePhone("(" + a + ") " + n)
}

package normalize

import (
	"strings"
	"unicode/utf8"
)

// maxDocLen bounds the cleaned document kept on the stack: a CNPJ has 14
// characters, and anything longer is refused anyway.
const maxDocLen = 14

// cleanDocument strips what exports wrap documents in: spaces, the mask
// punctuation (". / -"), Excel's leading apostrophe and a type word ("CPF
// 12345678909", as in Mercado Livre's "Tipo e número do documento"). It
// upper-cases letters for the alphanumeric CNPJ. masked reports Shopee's
// "******" and any other '*' masking. A result longer than 14 characters
// comes back as n > maxDocLen and is not a document.
func cleanDocument(s string, buf *[maxDocLen]byte) (n int, word string, masked, sci bool) {
	t := trimValue(s)
	t = strings.TrimPrefix(t, "'")
	t = trimValue(t)
	if isSciNotation(t) {
		return 0, "", false, true
	}
	if len(t) >= 3 {
		switch {
		case len(t) >= 4 && strings.EqualFold(t[:4], "CNPJ") && (len(t) == 4 || !isASCIILetter(t[4])):
			word, t = "CNPJ", t[4:]
		case strings.EqualFold(t[:3], "CPF") && (len(t) == 3 || !isASCIILetter(t[3])):
			word, t = "CPF", t[3:]
		}
		if word != "" {
			t = strings.TrimLeft(trimValue(t), ":")
		}
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c == '*':
			masked = true
			continue
		case c == '.' || c == '/' || c == '-' || c == ' ' || c == '\t':
			continue
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(t[i:])
			if isSpace(r) || isInvisible(r) {
				i += size - 1
				continue
			}
			// Any other character makes it something else than a document;
			// keep it so that the caller refuses the value.
			c = '?'
			i += size - 1
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		if n < maxDocLen {
			buf[n] = c
		}
		n++
	}
	return n, word, masked, false
}

// docString returns the cleaned characters, reusing the input when it was
// already clean so the common case does not allocate.
func docString(s string, b []byte) string {
	if s == string(b) { // the conversion in a comparison does not allocate
		return s
	}
	return string(b)
}

// ParseDocument reads a CPF or CNPJ from a column that may hold either, as
// Mercado Livre's "CPF" column does. 11 digits are a CPF; 14 characters a
// CNPJ, including the alphanumeric CNPJs issued from July 2026 (12
// characters 0-9/A-Z, then 2 check digits). Check digits must match. Empty
// and masked values ("******", "***.456.789-**") give ("", DocNone, nil):
// there is no document, which is not an error. It never restores zeros
// Excel dropped, since a 10-digit value in a mixed column could be a
// mangled CPF or a mangled something else; ParseCPF and ParseCNPJ do, for
// columns known to hold one kind. A leading type word that contradicts the
// length ("CPF 11222333000181") loses to the length: the number is the data.
func ParseDocument(s string) (doc string, typ DocType, err error) {
	var buf [maxDocLen]byte
	n, _, masked, sci := cleanDocument(s, &buf)
	if sci {
		return "", DocNone, excelNumberErr(s, "CPF or CNPJ")
	}
	if masked {
		return "", DocNone, nil
	}
	switch n {
	case 0:
		return "", DocNone, nil
	case 11:
		d := buf[:11]
		if err := checkCPF(s, d); err != nil {
			return "", DocNone, err
		}
		return docString(s, d), DocCPF, nil
	case 14:
		d := buf[:14]
		if err := checkCNPJ(s, d); err != nil {
			return "", DocNone, err
		}
		return docString(s, d), DocCNPJ, nil
	}
	return "", DocNone, valueErr(s, quoteMasked(s)+" is not a CPF (11 digits) or a CNPJ (14 characters)")
}

// ParseCPF reads a column known to hold CPFs. Excel stores a CPF typed into
// a cell as a number and drops its leading zeros ("01234567890" becomes
// 1234567890), so 9 and 10 digits are padded back to 11 before the check
// digits are verified. Empty and masked values give "".
func ParseCPF(s string) (string, error) {
	var buf [maxDocLen]byte
	n, _, masked, sci := cleanDocument(s, &buf)
	if sci {
		return "", excelNumberErr(s, "CPF")
	}
	if masked || n == 0 {
		return "", nil
	}
	if (n == 9 || n == 10) && allDigits(buf[:n]) {
		var p [11]byte
		pad := 11 - n
		for i := range pad {
			p[i] = '0'
		}
		copy(p[pad:], buf[:n])
		if err := checkCPF(s, p[:]); err != nil {
			return "", err
		}
		return string(p[:]), nil
	}
	if n != 11 {
		if n == 14 {
			return "", valueErr(s, quoteMasked(s)+" is not a CPF: it has 14 characters, like a CNPJ")
		}
		return "", valueErr(s, quoteMasked(s)+" is not a CPF: a CPF has 11 digits")
	}
	d := buf[:11]
	if err := checkCPF(s, d); err != nil {
		return "", err
	}
	return docString(s, d), nil
}

// ParseCNPJ reads a column known to hold CNPJs, padding 12 and 13 digits
// back to 14 (zeros Excel dropped) before verifying the check digits. Empty
// and masked values give "".
func ParseCNPJ(s string) (string, error) {
	var buf [maxDocLen]byte
	n, _, masked, sci := cleanDocument(s, &buf)
	if sci {
		return "", excelNumberErr(s, "CNPJ")
	}
	if masked || n == 0 {
		return "", nil
	}
	if (n == 12 || n == 13) && allDigits(buf[:n]) {
		var p [14]byte
		pad := 14 - n
		for i := range pad {
			p[i] = '0'
		}
		copy(p[pad:], buf[:n])
		if err := checkCNPJ(s, p[:]); err != nil {
			return "", err
		}
		return string(p[:]), nil
	}
	if n != 14 {
		if n == 11 {
			return "", valueErr(s, quoteMasked(s)+" is not a CNPJ: it has 11 digits, like a CPF")
		}
		return "", valueErr(s, quoteMasked(s)+" is not a CNPJ: a CNPJ has 14 characters")
	}
	d := buf[:14]
	if err := checkCNPJ(s, d); err != nil {
		return "", err
	}
	return docString(s, d), nil
}

func excelNumberErr(raw, what string) error {
	return valueErr(raw, quoteMasked(raw)+" is not a "+what+": Excel turned it into a number and digits are lost; export the column as text")
}

func checkCPF(raw string, d []byte) error {
	if !allDigits(d) {
		return valueErr(raw, quoteMasked(raw)+" is not a CPF: a CPF has only digits")
	}
	if sameChar(d) {
		return valueErr(raw, quoteMasked(raw)+" is a placeholder, not a real CPF")
	}
	if !cpfCheck(d) {
		return valueErr(raw, quoteMasked(raw)+" is not a valid CPF (check digits do not match)")
	}
	return nil
}

func checkCNPJ(raw string, d []byte) error {
	if !cnpjShape(d) {
		return valueErr(raw, quoteMasked(raw)+" is not a CNPJ: a CNPJ has 12 letters or digits and 2 check digits")
	}
	if sameChar(d) {
		return valueErr(raw, quoteMasked(raw)+" is a placeholder, not a real CNPJ")
	}
	if !cnpjCheck(d) {
		return valueErr(raw, quoteMasked(raw)+" is not a valid CNPJ (check digits do not match)")
	}
	return nil
}

// sameChar catches the one kind of fake document the arithmetic lets
// through: "00000000000" … "99999999999" all have matching check digits, and
// forms and fixtures fill them in when the real one is unknown. Other
// well-known test numbers (12345678909) are real-looking on purpose and are
// accepted; telling them from a buyer's document would need a list nobody
// maintains.
func sameChar(d []byte) bool {
	for _, c := range d[1:] {
		if c != d[0] {
			return false
		}
	}
	return true
}

// ValidCPF reports whether s is a usable CPF in clean form: 11 digits,
// matching check digits, and not one digit repeated.
func ValidCPF(s string) bool {
	if len(s) != 11 || !allDigits(s) {
		return false
	}
	d := []byte(s) // does not escape: no allocation
	return !sameChar(d) && cpfCheck(d)
}

// ValidCNPJ reports whether s is a usable CNPJ in clean form: 12 characters
// 0-9/A-Z and 2 digits, matching check digits, and not one character
// repeated.
func ValidCNPJ(s string) bool {
	if len(s) != 14 {
		return false
	}
	d := []byte(s)
	return cnpjShape(d) && !sameChar(d) && cnpjCheck(d)
}

// cpfCheck verifies the two mod-11 check digits.
func cpfCheck(d []byte) bool {
	for k := 9; k <= 10; k++ {
		sum := 0
		for i := range k {
			sum += int(d[i]-'0') * (k + 1 - i)
		}
		dv := sum * 10 % 11 % 10
		if int(d[k]-'0') != dv {
			return false
		}
	}
	return true
}

func cnpjShape(d []byte) bool {
	for i, c := range d {
		if !isDigit(c) && (i >= 12 || c < 'A' || c > 'Z') {
			return false
		}
	}
	return true
}

// cnpjCheck verifies the two mod-11 check digits. Each character counts as
// its ASCII code minus 48, the rule of the alphanumeric CNPJ (IN RFB
// 2.229/2024); for digits that is their value, so numeric CNPJs keep their
// old check digits.
func cnpjCheck(d []byte) bool {
	for k := 12; k <= 13; k++ {
		sum := 0
		w := k - 7 // 5 for the first check digit, 6 for the second
		for i := range k {
			sum += int(d[i]-'0') * w
			w--
			if w < 2 {
				w = 9
			}
		}
		r := sum % 11
		dv := 0
		if r >= 2 {
			dv = 11 - r
		}
		if int(d[k]-'0') != dv {
			return false
		}
	}
	return true
}

package testgen

// cpfFromBase appends the two check digits to a 9-digit base.
func cpfFromBase(base uint64) string {
	var d [11]byte
	for i := 8; i >= 0; i-- {
		d[i] = byte(base % 10)
		base /= 10
	}
	d[9] = cpfDigit(d[:9], 10)
	d[10] = cpfDigit(d[:10], 11)
	for i := range d {
		d[i] += '0'
	}
	return string(d[:])
}

func cpfDigit(d []byte, w int) byte {
	s := 0
	for i, x := range d {
		s += int(x) * (w - i)
	}
	return byte(s * 10 % 11 % 10)
}

// ValidCPF reports whether s is 11 digits with matching check digits. The
// ten repeated-digit strings pass the arithmetic but are not CPFs.
func ValidCPF(s string) bool {
	if len(s) != 11 || sameChars(s) {
		return false
	}
	var d [11]byte
	for i := range 11 {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		d[i] = s[i] - '0'
	}
	return cpfDigit(d[:9], 10) == d[9] && cpfDigit(d[:10], 11) == d[10]
}

var (
	cnpjW1 = []int{5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
	cnpjW2 = []int{6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2}
)

// cnpjDigit follows IN RFB 2.229/2024: a character's value is its ASCII
// code minus 48, which keeps numeric CNPJs unchanged and covers the
// alphanumeric ones issued from July 2026.
func cnpjDigit(s string, w []int) byte {
	t := 0
	for i, x := range w {
		t += int(s[i]-'0') * x
	}
	r := t % 11
	if r < 2 {
		return '0'
	}
	return byte('0' + 11 - r)
}

// cnpjFromRoot completes a 12-character root (8 of company, 4 of branch).
func cnpjFromRoot(root string) string {
	s := root + string(cnpjDigit(root, cnpjW1))
	return s + string(cnpjDigit(s, cnpjW2))
}

// ValidCNPJ reports whether s is a numeric or alphanumeric CNPJ with
// matching check digits.
func ValidCNPJ(s string) bool {
	if len(s) != 14 || sameChars(s) {
		return false
	}
	for i := range 12 {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	if s[12] < '0' || s[12] > '9' || s[13] < '0' || s[13] > '9' {
		return false
	}
	return cnpjFromRoot(s[:12]) == s
}

func sameChars(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

// formatCPF masks as 000.000.000-00.
func formatCPF(d string) string {
	if len(d) != 11 {
		return d
	}
	return d[:3] + "." + d[3:6] + "." + d[6:9] + "-" + d[9:]
}

// formatCNPJ masks as 00.000.000/0000-00.
func formatCNPJ(d string) string {
	if len(d) != 14 {
		return d
	}
	return d[:2] + "." + d[2:5] + "." + d[5:8] + "/" + d[8:12] + "-" + d[12:]
}

func formatDocument(d string) string {
	if len(d) == 14 {
		return formatCNPJ(d)
	}
	return formatCPF(d)
}

func formatCEP(c string) string {
	if len(c) != 8 {
		return c
	}
	return c[:5] + "-" + c[5:]
}

package testgen

import (
	"math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"
)

var foldTable = map[rune]string{
	'á': "a", 'à': "a", 'â': "a", 'ã': "a", 'ä': "a", 'é': "e", 'ê': "e", 'è': "e", 'í': "i", 'î': "i",
	'ó': "o", 'ô': "o", 'õ': "o", 'ö': "o", 'ú': "u", 'ü': "u", 'ç': "c", 'ñ': "n",
	'Á': "A", 'À': "A", 'Â': "A", 'Ã': "A", 'É': "E", 'Ê': "E", 'Í': "I", 'Ó': "O", 'Ô': "O",
	'Õ': "O", 'Ú': "U", 'Ü': "U", 'Ç': "C",
}

// dropAccents writes the name the way keyboards without dead keys and old
// systems do: "João" → "Joao".
func dropAccents(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// slug is the ASCII lower-case letters and digits of s, as e-mail local
// parts and usernames are built from names.
func slug(s string) string {
	s = strings.ToLower(dropAccents(s))
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') {
			b.WriteByte(c)
		}
	}
	if b.Len() == 0 {
		return "cliente"
	}
	return b.String()
}

// keyboardNeighbours drives substitution typos: people hit the key next to
// the one they meant.
var keyboardNeighbours = map[rune]string{
	'a': "sqz", 'b': "vn", 'c': "xv", 'd': "sf", 'e': "wr", 'f': "dg", 'g': "fh", 'h': "gj", 'i': "uo",
	'j': "hk", 'k': "jl", 'l': "k", 'm': "n", 'n': "bm", 'o': "ip", 'p': "o", 'q': "w", 'r': "et",
	's': "ad", 't': "ry", 'u': "yi", 'v': "cb", 'w': "qe", 'x': "zc", 'y': "tu", 'z': "x",
}

// typo applies one edit (substitute, delete, duplicate or swap) to a letter
// of s, never the first letter of the name, which people rarely get wrong.
func typo(r *rand.Rand, s string) string {
	rs := []rune(s)
	var pos []int
	for i := 1; i < len(rs); i++ {
		if unicode.IsLetter(rs[i]) && unicode.IsLetter(rs[i-1]) {
			pos = append(pos, i)
		}
	}
	if len(pos) == 0 {
		return s
	}
	i := pos[r.IntN(len(pos))]
	switch r.IntN(4) {
	case 0:
		lower := unicode.ToLower(rs[i])
		if nb, ok := keyboardNeighbours[lower]; ok {
			c := rune(nb[r.IntN(len(nb))])
			if unicode.IsUpper(rs[i]) {
				c = unicode.ToUpper(c)
			}
			rs[i] = c
			return string(rs)
		}
		fallthrough
	case 1:
		return string(append(rs[:i:i], rs[i+1:]...))
	case 2:
		out := append(rs[:i+1:i+1], rs[i:]...)
		return string(out)
	default:
		if i+1 < len(rs) && unicode.IsLetter(rs[i+1]) && rs[i] != rs[i+1] {
			rs[i], rs[i+1] = rs[i+1], rs[i]
			return string(rs)
		}
		return string(append(rs[:i:i], rs[i+1:]...))
	}
}

// maskMiddle hides all but the first (and last) character, as Shopee does
// after delivery ("Maria" → "M****a", street → "R******").
func maskMiddle(s string, stars int, keepLast bool) string {
	rs := []rune(strings.TrimSpace(s))
	if len(rs) == 0 {
		return ""
	}
	out := string(rs[0]) + strings.Repeat("*", stars)
	if keepLast && len(rs) > 1 {
		out += string(rs[len(rs)-1])
	}
	return out
}

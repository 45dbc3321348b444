package history

import (
	"strings"
	"testing"
	"unicode"

	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// FuzzLookupQuery feeds any text a seller could type to the query parser:
// it never panics, a query with letters matches its own spelling as a
// whole name (in clear, and hashed), another case or accents of it, and
// nothing matches the empty name.
func FuzzLookupQuery(f *testing.F) {
	for _, s := range []string{"165.686.946-22", "Maria da Silva", "JOSÉ ANTÔNIO", "(11) 98765-4321", "Ze_Silva",
		"a@b.com", "@user", "  ", "c_0123", "D'Ávila", "\u200bmaria", "ｍａｒｉａ", "0xx11 8765-4321", "\xff\xfe"} {
		f.Add(s)
	}
	clear, _ := pii.New("clear", "")
	hash, _ := pii.New("hash", "fuzz-key-0123456789abcdef")
	f.Fuzz(func(t *testing.T, query string) {
		for _, p := range []*pii.Protector{clear, hash} {
			q := newProbes(query, p)
			if q.name("") != noName {
				t.Fatalf("%q matches the empty name", query)
			}
			if p == hash {
				n := strings.Join(strings.Fields(query), " ")
				if n != "" && q.name(hash.Value("name", n)) != wholeName {
					t.Fatalf("hashed %q does not match itself", query)
				}
				continue
			}
			key := normalize.NameKey(query)
			if strings.IndexFunc(key, unicode.IsLetter) < 0 {
				continue
			}
			for _, v := range []string{query, strings.ToUpper(query), strings.ToLower(query)} {
				if normalize.NameKey(v) == key && q.name(v) != wholeName {
					t.Fatalf("%q does not match %q as a whole name", query, v)
				}
			}
		}
	})
}

package normalize

import (
	"strings"
	"testing"
	"unicode/utf8"
)

type textCase struct{ in, clean, name, key string }

var textCases = []textCase{
	{"Maria da Silva", "Maria da Silva", "Maria da Silva", "maria da silva"},
	{"  Maria   da  Silva ", "Maria da Silva", "Maria da Silva", "maria da silva"},
	{" ", "", "", ""}, // ML's empty cell
	{"", "", "", ""},
	{"-", "-", "", ""},
	{"Rua\u00a0Augusta", "Rua Augusta", "Rua Augusta", "rua augusta"},
	{"Rua Gasi, \u2060534, \u2060Centro", "Rua Gasi, 534, Centro", "Rua Gasi, 534, Centro", "rua gasi 534 centro"}, // Shopify
	{"\ufeffNome", "Nome", "Nome", "nome"},
	{"so\u00adft", "soft", "soft", "soft"},
	{"a\u200bb", "ab", "ab", "ab"},
	{"a\tb\r\nc", "a b c", "a b c", "a b c"},
	{"\xffx", "\ufffdx", "\ufffdx", "x"},
	{"JOSÉ  DA SILVA", "JOSÉ DA SILVA", "JOSÉ DA SILVA", "jose da silva"},
	{"José da Silva", "José da Silva", "José da Silva", "jose da silva"},
	{"D'Ávila", "D'Ávila", "D'Ávila", "davila"},
	{"Maria-José", "Maria-José", "Maria-José", "maria jose"},
	{"Conceição", "Conceição", "Conceição", "conceicao"},
	{"Jose\u0301", "Jose\u0301", "Jose\u0301", "jose"},
	{"Müller Straße", "Müller Straße", "Müller Straße", "muller strasse"},
	{"São Paulo", "São Paulo", "São Paulo", "sao paulo"},
	// Masked names are not names.
	{"a******a", "a******a", "", ""},
	{"M****a", "M****a", "", ""},
	{"R******", "R******", "", ""},
	{"0", "0", "", "0"},
	{".", ".", "", ""},
}

func TestCleanTextNameKey(t *testing.T) {
	for _, tc := range textCases {
		if got := CleanText(tc.in); got != tc.clean {
			t.Errorf("CleanText(%q) = %q, want %q", tc.in, got, tc.clean)
		}
		if got := CleanName(tc.in); got != tc.name {
			t.Errorf("CleanName(%q) = %q, want %q", tc.in, got, tc.name)
		}
		if got := NameKey(tc.in); got != tc.key {
			t.Errorf("NameKey(%q) = %q, want %q", tc.in, got, tc.key)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = CleanText("Maria da Silva") }); n != 0 {
		t.Errorf("CleanText of clean text allocates %v times", n)
	}
}

func TestIsMasked(t *testing.T) {
	for in, want := range map[string]bool{
		"a******a": true, "******99": true, "(+55)319******55": true, "***.456.789-**": true, "******": true,
		"Maria": false, "a*b": false, "": false, "*": false,
	} {
		if got := IsMasked(in); got != want {
			t.Errorf("IsMasked(%q) = %v", in, got)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"123.456.789-09", "***.***.***-09"},
		{"12345678909", "*********09"},
		{"(11) 98765-4321", "(**) *****-**21"},
		{"maria@gmail", "*****@***il"},
		{"maria@", "*****@"},
		{"abc", "***"},
		{"José", "****"},
		{"", ""},
	} {
		if got := Mask(tc.in); got != tc.want {
			t.Errorf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQuoteBounds(t *testing.T) {
	long := strings.Repeat("á", 200)
	q := quote(long)
	if utf8.RuneCountInString(q) > maxQuoted+3 || !strings.HasSuffix(q, `…"`) {
		t.Errorf("quote of a long value = %q", q)
	}
	if got := quote("1\u00a0234"); got != `"1\u00a0234"` {
		t.Errorf("quote hides the NBSP: %s", got)
	}
}

func TestValueErrorField(t *testing.T) {
	_, err := ParseMoney("1.234,5x", MoneyBR)
	var ve *ValueError
	if !asValueError(err, &ve) {
		t.Fatalf("error %T is not a *ValueError", err)
	}
	fe := ve.Field("Total (BRL)")
	if fe.Column != "Total (BRL)" || fe.Value != "1.234,5x" || fe.Reason != `"1.234,5x" is not an amount like 1.234,56` {
		t.Errorf("Field = %+v", fe)
	}
	if fe.Error() != `column "Total (BRL)": "1.234,5x" is not an amount like 1.234,56` {
		t.Errorf("FieldError = %q", fe.Error())
	}
}

type idCase struct{ in, want, err string }

var idCases = []idCase{
	// Ids stay text: 16-19 digits exceed float64 and Excel.
	{"2000015340969076", "2000015340969076", ""},
	{"'2000015340969076", "2000015340969076", ""},
	{" 2000015340969076 ", "2000015340969076", ""},
	{"577123456789012345", "577123456789012345", ""}, // TikTok, 18 digits
	{"2000015340969076.0", "2000015340969076", ""},
	{"701-1234567-1234567", "701-1234567-1234567", ""},
	{"260224GW6V59V7", "260224GW6V59V7", ""},
	{"#1001", "#1001", ""},
	{"1.5", "1.5", ""},
	{"", "", ""},
	{" ", "", ""},
	{"-", "", ""},
	{"2,00002E+15", "", "Excel turned it into a number"},
	{"2.00002e+15", "", "Excel turned it into a number"},
	{"5.00123E+12", "", "Excel turned it into a number"},
	{"260217149573E0", "260217149573E0", ""}, // a Shopee order id, not a number
}

func TestParseID(t *testing.T) {
	for _, tc := range idCases {
		got, err := ParseID(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseID(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzCleanText(f *testing.F) {
	for _, tc := range textCases {
		f.Add(tc.in)
	}
	for _, tc := range idCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := CleanText(s)
		if CleanText(c) != c {
			t.Fatalf("CleanText not idempotent on %q: %q", s, c)
		}
		if !utf8.ValidString(c) || strings.HasPrefix(c, " ") || strings.HasSuffix(c, " ") || strings.Contains(c, "  ") {
			t.Fatalf("CleanText(%q) = %q", s, c)
		}
		if n := CleanName(s); CleanName(n) != n {
			t.Fatalf("CleanName not idempotent on %q: %q", s, n)
		}
		if k := NameKey(s); NameKey(k) != k {
			t.Fatalf("NameKey not idempotent on %q: %q, then %q", s, k, NameKey(k))
		}
		if id, err := ParseID(s); err == nil {
			if again, err := ParseID(id); again != id || err != nil {
				t.Fatalf("ParseID(%q) = %q, but that reads %q, %v", s, id, again, err)
			}
		}
		if m := Mask(s); utf8.RuneCountInString(m) != utf8.RuneCountInString(s) {
			t.Fatalf("Mask(%q) = %q changed the shape", s, m)
		}
	})
}

func BenchmarkCleanText(b *testing.B) {
	in := []string{"Maria da Silva", "  Maria   da  Silva ", "Rua Gasi, \u2060534", " "}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = CleanText(in[i%len(in)])
		i++
	}
	reportValues(b)
}

package normalize

import (
	"strings"
	"testing"
)

type docCase struct {
	in   string
	doc  string
	typ  DocType
	err  string
	cpf  string // ParseCPF result when it differs from doc ("!" = error)
	cnpj string // ParseCNPJ result when it differs from doc ("!" = error)
}

var docCases = []docCase{
	// CPF in every spelling the exports use.
	{in: "12345678909", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "123.456.789-09", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: " 987.654.321-00 ", doc: "98765432100", typ: DocCPF, cnpj: "!"},
	{in: "11144477735", doc: "11144477735", typ: DocCPF, cnpj: "!"},
	{in: "CPF 12345678909", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "cpf: 123.456.789-09", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "'12345678909", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "123 456 789 09", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "123.456.789-09\u2060", doc: "12345678909", typ: DocCPF, cnpj: "!"},
	{in: "01234567890", doc: "01234567890", typ: DocCPF, cnpj: "!"},
	// Leading zeros Excel dropped: restored only where the column is known.
	{in: "1234567890", err: "is not a CPF (11 digits) or a CNPJ (14 characters)", cpf: "01234567890", cnpj: "!"},
	{in: "123456797", err: "is not a CPF (11 digits) or a CNPJ", cpf: "00123456797", cnpj: "!"},
	{in: "1234567000195", err: "is not a CPF (11 digits) or a CNPJ", cpf: "!", cnpj: "01234567000195"},
	{in: "123456000149", err: "is not a CPF (11 digits) or a CNPJ", cpf: "!", cnpj: "00123456000149"},
	{in: "1234567891", err: "is not a CPF", cpf: "!", cnpj: "!"}, // padded, check digits fail
	// CNPJ, numeric and alphanumeric (from July 2026).
	{in: "11222333000181", doc: "11222333000181", typ: DocCNPJ, cpf: "!"},
	{in: "11.222.333/0001-81", doc: "11222333000181", typ: DocCNPJ, cpf: "!"},
	{in: "CNPJ 11222333000181", doc: "11222333000181", typ: DocCNPJ, cpf: "!"},
	{in: "CPF 11222333000181", doc: "11222333000181", typ: DocCNPJ, cpf: "!"}, // the number wins over the word
	{in: "12ABC34501DE35", doc: "12ABC34501DE35", typ: DocCNPJ, cpf: "!"},
	{in: "12.ABC.345/01DE-35", doc: "12ABC34501DE35", typ: DocCNPJ, cpf: "!"},
	{in: "12.abc.345/01de-35", doc: "12ABC34501DE35", typ: DocCNPJ, cpf: "!"},
	{in: "01234567000195", doc: "01234567000195", typ: DocCNPJ, cpf: "!"},
	// Nothing there: empty, ML's lone space, masked by Shopee.
	{in: "", doc: "", typ: DocNone},
	{in: " ", doc: "", typ: DocNone},
	{in: "-", doc: "", typ: DocNone},
	{in: "******", doc: "", typ: DocNone},
	{in: "***.456.789-**", doc: "", typ: DocNone},
	{in: "CPF ***.***.789-09", doc: "", typ: DocNone},
	// Placeholders: repeated digits pass the arithmetic.
	{in: "00000000000", err: "is a placeholder, not a real CPF"},
	{in: "111.111.111-11", err: "is a placeholder, not a real CPF"},
	{in: "99999999999", err: "is a placeholder, not a real CPF"},
	{in: "00000000000000", err: "is a placeholder, not a real CNPJ"},
	{in: "11111111111111", err: "is a placeholder, not a real CNPJ"},
	// Wrong check digits, including the invalid examples of ML's docs.
	{in: "123.456.789-00", err: "is not a valid CPF (check digits do not match)"},
	{in: "11222333000180", err: "is not a valid CNPJ (check digits do not match)"},
	{in: "12ABC34501DE36", err: "is not a valid CNPJ (check digits do not match)"},
	{in: "32659430", err: "is not a CPF (11 digits) or a CNPJ"},
	{in: "326594309119203", err: "is not a CPF (11 digits) or a CNPJ"},
	{in: "12ABC34501DE3A", err: "a CNPJ has 12 letters or digits and 2 check digits"},
	{in: "1234567890A", err: "a CPF has only digits"},
	{in: "123.456.789-0é", err: "is not a CPF"},
	{in: "abc", err: "is not a CPF (11 digits) or a CNPJ"},
	// Excel turned the number into a float.
	{in: "1,12223E+13", err: "Excel turned it into a number"},
	{in: "1.23457E+10", err: "Excel turned it into a number"},
}

func TestParseDocument(t *testing.T) {
	for _, tc := range docCases {
		doc, typ, err := ParseDocument(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseDocument(%q) = %q, %q, %v; want error containing %q", tc.in, doc, typ, err, tc.err)
			}
			if d := digitsOf(tc.in); len(d) >= 6 && err != nil && strings.Contains(err.Error(), d) {
				t.Errorf("ParseDocument(%q) error repeats the whole number: %v", tc.in, err)
			}
			continue
		}
		if err != nil || doc != tc.doc || typ != tc.typ {
			t.Errorf("ParseDocument(%q) = %q, %q, %v; want %q, %q", tc.in, doc, typ, err, tc.doc, tc.typ)
		}
	}
}

func TestParseCPFAndCNPJ(t *testing.T) {
	for _, tc := range docCases {
		for _, k := range []struct {
			name  string
			parse func(string) (string, error)
			want  string
			kind  DocType
		}{{"ParseCPF", ParseCPF, tc.cpf, DocCPF}, {"ParseCNPJ", ParseCNPJ, tc.cnpj, DocCNPJ}} {
			want, wantErr := k.want, k.want == "!"
			if want == "" {
				// Same as ParseDocument when the kind matches.
				if tc.err != "" {
					wantErr = true
				} else if tc.typ == k.kind || tc.typ == DocNone {
					want = tc.doc
				} else {
					wantErr = true
				}
			}
			got, err := k.parse(tc.in)
			if wantErr {
				if err == nil {
					t.Errorf("%s(%q) = %q, want an error", k.name, tc.in, got)
				}
				continue
			}
			if err != nil || got != want {
				t.Errorf("%s(%q) = %q, %v; want %q", k.name, tc.in, got, err, want)
			}
		}
	}
}

func TestDocumentMessages(t *testing.T) {
	_, _, err := ParseDocument("123.456.789-00")
	if err == nil || err.Error() != `"***.***.***-00" is not a valid CPF (check digits do not match)` {
		t.Errorf("message = %v", err)
	}
	_, err = ParseCPF("11222333000181")
	if err == nil || !strings.Contains(err.Error(), "like a CNPJ") {
		t.Errorf("ParseCPF of a CNPJ: %v", err)
	}
	_, err = ParseCNPJ("12345678909")
	if err == nil || !strings.Contains(err.Error(), "like a CPF") {
		t.Errorf("ParseCNPJ of a CPF: %v", err)
	}
}

func TestValidCPFAndCNPJ(t *testing.T) {
	for _, s := range []string{"12345678909", "98765432100", "11144477735", "01234567890", "00123456797"} {
		if !ValidCPF(s) {
			t.Errorf("ValidCPF(%q) = false", s)
		}
	}
	for _, s := range []string{"12345678900", "00000000000", "1234567890", "123.456.789-09", "1234567890a", ""} {
		if ValidCPF(s) {
			t.Errorf("ValidCPF(%q) = true", s)
		}
	}
	for _, s := range []string{"11222333000181", "12ABC34501DE35", "01234567000195"} {
		if !ValidCNPJ(s) {
			t.Errorf("ValidCNPJ(%q) = false", s)
		}
	}
	for _, s := range []string{"11222333000180", "00000000000000", "12abc34501de35", "12ABC34501DE3A", "11.222.333/0001-81", ""} {
		if ValidCNPJ(s) {
			t.Errorf("ValidCNPJ(%q) = true", s)
		}
	}
}

func TestParseDocumentAllocs(t *testing.T) {
	for _, s := range []string{"12345678909", "11222333000181", "CPF 12345678909", "123.456.789-09", "12.ABC.345/01DE-35"} {
		if n := testing.AllocsPerRun(100, func() { _, _, _ = ParseDocument(s) }); n > 1 {
			t.Errorf("ParseDocument(%q) allocates %v times", s, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _, _, _ = ParseDocument("12345678909") }); n != 0 {
		t.Errorf("ParseDocument of a clean CPF allocates %v times", n)
	}
}

func FuzzParseDocument(f *testing.F) {
	for _, tc := range docCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		doc, typ, err := ParseDocument(s)
		if err != nil {
			if d := digitsOf(s); len(d) >= 6 && strings.Contains(err.Error(), d) {
				t.Fatalf("ParseDocument(%q) error repeats the whole number: %v", s, err)
			}
		} else {
			switch typ {
			case DocCPF:
				if !ValidCPF(doc) {
					t.Fatalf("ParseDocument(%q) accepted CPF %q with bad check digits", s, doc)
				}
			case DocCNPJ:
				if !ValidCNPJ(doc) {
					t.Fatalf("ParseDocument(%q) accepted CNPJ %q with bad check digits", s, doc)
				}
			case DocNone:
				if doc != "" {
					t.Fatalf("ParseDocument(%q) = %q with no type", s, doc)
				}
			}
			if d2, t2, err := ParseDocument(doc); d2 != doc || t2 != typ || err != nil {
				t.Fatalf("ParseDocument(%q) = %q, but that reads %q, %q, %v", s, doc, d2, t2, err)
			}
		}
		if c, err := ParseCPF(s); err == nil && c != "" {
			if !ValidCPF(c) {
				t.Fatalf("ParseCPF(%q) accepted %q", s, c)
			}
			if c2, err := ParseCPF(c); c2 != c || err != nil {
				t.Fatalf("ParseCPF(%q) = %q, not idempotent: %q, %v", s, c, c2, err)
			}
		}
		if c, err := ParseCNPJ(s); err == nil && c != "" {
			if !ValidCNPJ(c) {
				t.Fatalf("ParseCNPJ(%q) accepted %q", s, c)
			}
			if c2, err := ParseCNPJ(c); c2 != c || err != nil {
				t.Fatalf("ParseCNPJ(%q) = %q, not idempotent: %q, %v", s, c, c2, err)
			}
		}
	})
}

func BenchmarkParseDocument(b *testing.B) {
	in := []string{"12345678909", "CPF 12345678909", "123.456.789-09", "11222333000181", "11.222.333/0001-81", "12ABC34501DE35"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, _, err := ParseDocument(in[i%len(in)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}

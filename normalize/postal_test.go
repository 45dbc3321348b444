package normalize

import (
	"strings"
	"testing"
)

type cepCase struct {
	in, want, err string
}

var cepCases = []cepCase{
	{"01001000", "01001000", ""},
	{"01001-000", "01001000", ""},
	{"'01001-000", "01001000", ""}, // Shopify's apostrophe
	{"01.001-000", "01001000", ""},
	{" 20040-002 ", "20040002", ""},
	{"69005000", "69005000", ""},
	{"CEP 01001-000", "01001000", ""},
	{"CEP: 01001000", "01001000", ""},
	{"01001\u2060-000", "01001000", ""},
	{"1001000", "01001000", ""}, // Excel dropped the zero
	{"9790000", "09790000", ""},
	{"", "", ""},
	{" ", "", ""},
	{"-", "", ""},
	{"00000000", "", ""},
	{"00000-000", "", ""},
	{"*****-***", "", ""},
	{"0100-100", "", `"0100-100" is not a CEP like 01001-000`},
	{"01001", "", "only the first 5 digits"}, // Olist zip prefix
	{"9790", "", "is not a CEP"},
	{"010010000", "", "is not a CEP"},
	{"01001-00a", "", "is not a CEP"},
	{"abc", "", "is not a CEP"},
	{"1234AB", "", "is not a CEP"}, // a Dutch postcode in a Brazilian column
}

func TestParseCEP(t *testing.T) {
	for _, tc := range cepCases {
		got, err := ParseCEP(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseCEP(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseCEP(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseCEP(f *testing.F) {
	for _, tc := range cepCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseCEP(s)
		if err != nil || out == "" {
			return
		}
		if len(out) != 8 || !allDigits(out) {
			t.Fatalf("ParseCEP(%q) = %q, not 8 digits", s, out)
		}
		if again, err := ParseCEP(out); again != out || err != nil {
			t.Fatalf("ParseCEP(%q) = %q, but that reads %q, %v", s, out, again, err)
		}
	})
}

type ufCase struct{ in, want, err string }

var ufCases = []ufCase{
	{"SP", "SP", ""},
	{"sp", "SP", ""},
	{" MG ", "MG", ""},
	// State names from ML, its billing API and Shopee.
	{"São Paulo", "SP", ""},
	{"Sao Paulo", "SP", ""},
	{"SAO PAULO", "SP", ""},
	{"são paulo", "SP", ""},
	{"SÃO PAULO", "SP", ""},
	{"Sa\u0303o Paulo", "SP", ""}, // decomposed accent
	{"Distrito Federal", "DF", ""},
	{"Brasília", "DF", ""},
	{"Espírito Santo", "ES", ""},
	{"Espirito Santo", "ES", ""},
	{"ESPÍRITO SANTO", "ES", ""},
	{"Rio Grande do Sul", "RS", ""},
	{"rio grande do norte", "RN", ""},
	{"Rio de Janeiro", "RJ", ""},
	{"Mato Grosso", "MT", ""},
	{"Mato Grosso do Sul", "MS", ""},
	{"Pará", "PA", ""},
	{"Para", "PA", ""},
	{"Paraná", "PR", ""},
	{"Parana", "PR", ""},
	{"Paraíba", "PB", ""},
	{"Piauí", "PI", ""},
	{"Amapá", "AP", ""},
	{"Rondônia", "RO", ""},
	{"Goiás", "GO", ""},
	{"Maranhão", "MA", ""},
	{"Ceará", "CE", ""},
	{"Minas Gerais", "MG", ""},
	{"Estado de São Paulo", "SP", ""},
	{"Amazonas", "AM", ""},
	{"", "", ""},
	{" ", "", ""},
	{"-", "", ""},
	{"XX", "", "is not a Brazilian state"},
	{"Sao Paolo", "", "is not a Brazilian state"},
	{"Brasil", "", "is not a Brazilian state"},
	{"São Paulo - SP", "", "is not a Brazilian state"},
}

func TestParseUF(t *testing.T) {
	for _, tc := range ufCases {
		got, err := ParseUF(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseUF(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseUF(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	codes := strings.Fields("AC AL AP AM BA CE DF ES GO MA MT MS MG PA PB PR PE PI RJ RN RS RO RR SC SP SE TO")
	seen := map[string]bool{}
	for _, uf := range ufNames {
		seen[uf] = true
	}
	if len(codes) != 27 || len(seen) != 27 {
		t.Fatalf("%d codes, %d in the table", len(codes), len(seen))
	}
	for _, c := range codes {
		for _, in := range []string{c, strings.ToLower(c)} {
			if got, err := ParseUF(in); got != c || err != nil {
				t.Errorf("ParseUF(%q) = %q, %v", in, got, err)
			}
		}
	}
}

func FuzzParseUF(f *testing.F) {
	for _, tc := range ufCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseUF(s)
		if err != nil || out == "" {
			return
		}
		if again, err := ParseUF(out); again != out || err != nil || len(out) != 2 {
			t.Fatalf("ParseUF(%q) = %q, but that reads %q, %v", s, out, again, err)
		}
	})
}

type countryCase struct{ in, want, err string }

var countryCases = []countryCase{
	{"Brasil", "BR", ""},
	{"Brazil", "BR", ""},
	{"BR", "BR", ""},
	{"BRA", "BR", ""},
	{"brasil", "BR", ""},
	{" BRASIL ", "BR", ""},
	{"US", "US", ""},
	{"USA", "US", ""},
	{"United States", "US", ""},
	{"Estados Unidos", "US", ""},
	{"Portugal", "PT", ""},
	{"PRT", "PT", ""},
	{"Holanda", "NL", ""},
	{"Netherlands", "NL", ""},
	{"NL", "NL", ""},
	{"Reino Unido", "GB", ""},
	{"UK", "GB", ""},
	{"Alemanha", "DE", ""},
	{"Germany", "DE", ""},
	{"México", "MX", ""},
	{"Uruguai", "UY", ""},
	{"Paraguay", "PY", ""},
	{"", "", ""},
	{"-", "", ""},
	{"Atlantis", "", "is not a country"},
	{"XX", "", "is not a country"},
}

func TestParseCountry(t *testing.T) {
	for _, tc := range countryCases {
		got, err := ParseCountry(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseCountry(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseCountry(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseCountry(f *testing.F) {
	for _, tc := range countryCases {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseCountry(s)
		if err != nil || out == "" {
			return
		}
		if again, err := ParseCountry(out); again != out || err != nil || len(out) != 2 {
			t.Fatalf("ParseCountry(%q) = %q, but that reads %q, %v", s, out, again, err)
		}
	})
}

package normalize

import (
	"strings"
	"testing"
)

type phoneCase struct {
	in   string
	want string
	err  string
}

var phoneCases = []phoneCase{
	// Brazilian numbers in the spellings exports use.
	{"(11) 98765-4321", "+5511987654321", ""},
	{"11987654321", "+5511987654321", ""},
	{"11 98765 4321", "+5511987654321", ""},
	{"11 98765.4321", "+5511987654321", ""},
	{"+55 11 98765-4321", "+5511987654321", ""},
	{"+5511987654321", "+5511987654321", ""},
	{"+55 (11) 98765-4321", "+5511987654321", ""},
	{"(+55) 11 98765-4321", "+5511987654321", ""},
	{"5511987654321", "+5511987654321", ""},
	{"055 11 98765-4321", "+5511987654321", ""},
	{"0055 11 98765-4321", "+5511987654321", ""},
	{"011 98765-4321", "+5511987654321", ""},
	{"(011) 98765-4321", "+5511987654321", ""},
	{"0xx11 98765-4321", "+5511987654321", ""},
	{"(0XX11) 98765-4321", "+5511987654321", ""},
	{"0 21 11 98765-4321", "+5511987654321", ""}, // 0 + carrier 21 + DDD
	{"0 15 21 3456-7890", "+552134567890", ""},
	{"tel:+5511987654321", "+5511987654321", ""},
	// Shopify: a leading apostrophe; three spellings of one phone.
	{"'+5511987654321", "+5511987654321", ""},
	{"'11987654321", "+5511987654321", ""},
	{"14985651841", "+5514985651841", ""},
	{"+5514985651841", "+5514985651841", ""},
	{"99994050701", "+5599994050701", ""},
	{"+5548922987430", "+5548922987430", ""},
	// U+2060 and NBSP from web forms.
	{"+55 11 98765\u20604321", "+5511987654321", ""},
	{"\u2060(11)\u00a098765-4321", "+5511987654321", ""},
	// Landlines, and 8-digit mobiles from before the ninth digit.
	{"(11) 3456-7890", "+551134567890", ""},
	{"(51) 2345-6789", "+555123456789", ""},
	{"(61) 5432-1098", "+556154321098", ""},
	{"(11) 8765-4321", "+5511987654321", ""},
	{"(21) 6543-2100", "+5521965432100", ""},
	{"+55 11 7654-3210", "+5511976543210", ""},
	// Masked and placeholders: not numbers, not errors.
	{"", "", ""},
	{" ", "", ""},
	{"-", "", ""},
	{"******99", "", ""},
	{"(+55)319******55", "", ""},
	{"00000-0000", "", ""},
	{"99999-9999", "", ""},
	{"(00) 0000-0000", "", ""},
	{"11 99999-9999", "", ""},
	{"(11) 90000-0000", "", ""},
	{"(11) 1111-1111", "", ""},
	{"11111111111", "", ""},
	{"0", "", ""},
	{"+55 11 99999-9999", "", ""},
	// Other countries: kept as E.164.
	{"+31612345678", "+31612345678", ""},
	{"'+31612345678", "+31612345678", ""},
	{"+1 415 555 0100", "+14155550100", ""},
	{"+44 20 7946 0958", "+442079460958", ""},
	{"0031612345678", "+31612345678", ""},
	{"+351 912 345 678", "+351912345678", ""},
	// Excel turned it into a number (pt-BR CSV re-save).
	{"5,52E+12", "", "Excel turned it into a number"},
	{"5.51199E+12", "", "Excel turned it into a number"},
	// Not phone numbers.
	{"(11) 9876-43", "", `"(**) ****-43" is not a phone number like (11) 98765-4321`},
	{"98765-4321", "", "the area code (DDD) is missing"},
	{"3456-7890", "", "the area code (DDD) is missing"},
	{"(20) 98765-4321", "", "20 is not a Brazilian area code"},
	{"(10) 98765-4321", "", "is not a Brazilian area code"},
	{"(00) 98765-4321", "", "is not a Brazilian area code"},
	{"(11) 1234-5678", "", "is not a phone number"},
	{"(11) 0234-5678", "", "is not a phone number"},
	{"(11) 88765-4321", "", "is not a phone number"},
	{"+55 11 9876", "", "is not a phone number"},
	{"+55 11 987654321000", "", "is not a phone number"},
	{"+1 555", "", "is not a phone number"},
	{"+0 1234567890", "", "is not a phone number"},
	{"1234567890123456", "", "is not a phone number"},
	{"441234567890", "", "is not a phone number"},
	{"ramal 123", "", "is not a phone number"},
	{"(11) 98765-4321 / (11) 3456-7890", "", "is not a phone number"},
	{"11 98765-4321 ramal 2", "", "is not a phone number"},
	{"+55+11987654321", "", "is not a phone number"},
	{"0800 123 4567", "", "is not a Brazilian area code"},
}

func TestParsePhone(t *testing.T) {
	for _, tc := range phoneCases {
		got, err := ParsePhone(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePhone(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			if d := digitsOf(tc.in); len(d) >= 8 && err != nil && strings.Contains(err.Error(), d) {
				t.Errorf("ParsePhone(%q) error repeats the whole number: %v", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParsePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParsePhoneParts(t *testing.T) {
	for _, tc := range []struct {
		area, number, want string
		err                bool
	}{
		{"11", "987654321", "+5511987654321", false},
		{"11", "98765-4321", "+5511987654321", false},
		{"11", "32345678", "+551132345678", false},
		{"11", "87654321", "+5511987654321", false}, // legacy 8-digit mobile
		{"011", "987654321", "+5511987654321", false},
		{"11", "11987654321", "+5511987654321", false},
		{"", "(11) 98765-4321", "+5511987654321", false},
		{" ", "+5511987654321", "+5511987654321", false},
		{"", "", "", false},
		{"11", "", "", false},
		{"11", " ", "", false},
		{"11", "******21", "", false},
		{"11", "12345678", "", true}, // the example in ML's docs: a landline cannot start with 1
		{"20", "987654321", "", true},
		{"11", "9876", "", true},
	} {
		got, err := ParsePhoneParts(tc.area, tc.number)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParsePhoneParts(%q, %q) = %q, %v; want %q (error %v)", tc.area, tc.number, got, err, tc.want, tc.err)
		}
	}
}

func FuzzParsePhone(f *testing.F) {
	for _, tc := range phoneCases {
		f.Add(tc.in, "")
	}
	f.Add("11", "987654321")
	f.Add("011", "3456-7890")
	f.Fuzz(func(t *testing.T, s, area string) {
		check := func(what, out string, err error) {
			if err != nil {
				if d := digitsOf(s); len(d) >= 8 && strings.Contains(err.Error(), d) {
					t.Fatalf("%s error repeats the whole number: %v", what, err)
				}
				return
			}
			if out == "" {
				return
			}
			if out[0] != '+' || !allDigits(out[1:]) || len(out) < 9 || len(out) > 16 {
				t.Fatalf("%s = %q, not E.164", what, out)
			}
			if strings.HasPrefix(out, "+55") && len(out) != 13 && len(out) != 14 {
				t.Fatalf("%s = %q, not a Brazilian number's length", what, out)
			}
			if again, err := ParsePhone(out); again != out || err != nil {
				t.Fatalf("%s = %q, but that reads %q, %v", what, out, again, err)
			}
		}
		out, err := ParsePhone(s)
		check("ParsePhone("+s+")", out, err)
		out, err = ParsePhoneParts(area, s)
		check("ParsePhoneParts("+area+", "+s+")", out, err)
	})
}

func BenchmarkParsePhone(b *testing.B) {
	in := []string{"(11) 98765-4321", "11987654321", "+5511987654321", "'+5514985651841", "(11) 3456-7890", "******99"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := ParsePhone(in[i%len(in)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}

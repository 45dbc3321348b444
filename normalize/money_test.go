package normalize

import (
	"math/big"
	"strings"
	"testing"
)

type moneyCase struct {
	in    string
	style MoneyStyle
	want  Amount
	err   string // substring of the error; "" for success
}

var moneyCases = []moneyCase{
	// Mercado Livre numeric cells and Shopee text: the dot convention.
	{"65.00", MoneyDot, Cents(6500), ""},
	{"-13.26", MoneyDot, Cents(-1326), ""},
	{"80.38", MoneyDot, Cents(8038), ""},
	{"1234.5", MoneyDot, Cents(123450), ""},
	{"159.8", MoneyDot, Cents(15980), ""},
	{"0", MoneyDot, Cents(0), ""},
	{"0.0", MoneyDot, Cents(0), ""},
	{"-0", MoneyDot, Cents(0), ""},
	{"1.0", MoneyDot, Cents(100), ""},
	{"+5", MoneyDot, Cents(500), ""},
	{"007.50", MoneyDot, Cents(750), ""},
	// Raw XLSX numbers: float noise and scientific notation, rounded half
	// away from zero.
	{"13.260000000000002", MoneyDot, Cents(1326), ""},
	{"13.259999999999998", MoneyDot, Cents(1326), ""},
	{"80.38000000000001", MoneyDot, Cents(8038), ""},
	{"1.5E-2", MoneyDot, Cents(2), ""},
	{"-1.5E-2", MoneyDot, Cents(-2), ""},
	{"1e3", MoneyDot, Cents(100000), ""},
	{"1E+2", MoneyDot, Cents(10000), ""},
	{"2.675", MoneyDot, Cents(268), ""},
	{"-2.675", MoneyDot, Cents(-268), ""},
	{"0.005", MoneyDot, Cents(1), ""},
	{"0.0049999", MoneyDot, Cents(0), ""},
	{"1e-99999999999", MoneyDot, Cents(0), ""},
	{"0e99999999999", MoneyDot, Cents(0), ""},
	// Currency prefixes, spaces, NBSP and U+2060.
	{"R$ 65.00", MoneyDot, Cents(6500), ""},
	{"BRL 99.90", MoneyDot, Cents(9990), ""},
	{"US$10.00", MoneyDot, Cents(1000), ""},
	{"usd 10", MoneyDot, Cents(1000), ""},
	{"€ 5.00", MoneyDot, Cents(500), ""},
	{"EUR5", MoneyDot, Cents(500), ""},
	{"  65.00  ", MoneyDot, Cents(6500), ""},
	{"\u00a065.00\u00a0", MoneyDot, Cents(6500), ""},
	{"65.00\u2060", MoneyDot, Cents(6500), ""},
	{"\t65.00\r\n", MoneyDot, Cents(6500), ""},
	{"\u221213.26", MoneyDot, Cents(-1326), ""},
	// DECIMAL(18,2) bounds.
	{"9999999999999999.99", MoneyDot, Cents(maxCents), ""},
	{"-9999999999999999.99", MoneyDot, Cents(-maxCents), ""},
	{"9999999999999999.995", MoneyDot, Amount{}, "too large"},
	{"10000000000000000", MoneyDot, Amount{}, "too large"},
	{"1e17", MoneyDot, Amount{}, "too large"},
	{"1e99999999999", MoneyDot, Amount{}, "too large"},
	// Empty: ML's lone space, Shopee's dash.
	{"", MoneyDot, Amount{}, ""},
	{" ", MoneyDot, Amount{}, ""},
	{"-", MoneyDot, Amount{}, ""},
	{"\u00a0", MoneyDot, Amount{}, ""},
	{" ", MoneyBR, Amount{}, ""},
	// Wrong convention for the column.
	{"65,00", MoneyDot, Amount{}, "writes decimals with a dot"},
	{"1.234,56", MoneyDot, Amount{}, "writes decimals with a dot"},
	{"1,234.56", MoneyDot, Amount{}, "writes decimals with a dot"},
	{"abc", MoneyDot, Amount{}, `"abc" is not an amount like 1234.56`},
	{"1.", MoneyDot, Amount{}, "not an amount"},
	{".5", MoneyDot, Amount{}, "not an amount"},
	{"1..2", MoneyDot, Amount{}, "not an amount"},
	{"--1", MoneyDot, Amount{}, "not an amount"},
	{"1e", MoneyDot, Amount{}, "not an amount"},
	{"R$", MoneyDot, Amount{}, "not an amount"},
	{"12 34", MoneyDot, Amount{}, "not an amount"},
	{"EURO 5", MoneyDot, Amount{}, "not an amount"},
	{"(10.00)", MoneyDot, Amount{}, "not an amount"},
	{"¥ 10", MoneyDot, Amount{}, "not an amount"},

	// pt-BR: TikTok "BRL 99,90", Excel CSV "1.204,70".
	{"1.234,56", MoneyBR, Cents(123456), ""},
	{"1234,56", MoneyBR, Cents(123456), ""},
	{"99,90", MoneyBR, Cents(9990), ""},
	{"1.204,70", MoneyBR, Cents(120470), ""},
	{"R$ 1.234,56", MoneyBR, Cents(123456), ""},
	{"R$1.234,56", MoneyBR, Cents(123456), ""},
	{"R$\u00a01.234,56", MoneyBR, Cents(123456), ""},
	{"BRL 99,90", MoneyBR, Cents(9990), ""},
	{"BRL 99,90\t", MoneyBR, Cents(9990), ""},
	{"brl 99,90", MoneyBR, Cents(9990), ""},
	{"-R$ 10,00", MoneyBR, Cents(-1000), ""},
	{"R$ -10,00", MoneyBR, Cents(-1000), ""},
	{"- R$ 10,00", MoneyBR, Cents(-1000), ""},
	{"(10,00)", MoneyBR, Cents(-1000), ""},
	{"(R$ 10,00)", MoneyBR, Cents(-1000), ""},
	{"1.234", MoneyBR, Cents(123400), ""},
	{"12,3", MoneyBR, Cents(1230), ""},
	{"0,5", MoneyBR, Cents(50), ""},
	{"1.234.567,89", MoneyBR, Cents(123456789), ""},
	{"-0,00", MoneyBR, Cents(0), ""},
	{"1234", MoneyBR, Cents(123400), ""},
	{"9.999.999.999.999.999,99", MoneyBR, Cents(maxCents), ""},
	{"10.000.000.000.000.000,00", MoneyBR, Amount{}, "too large"},
	{"1.234,5x", MoneyBR, Amount{}, `"1.234,5x" is not an amount like 1.234,56`},
	{"12.34", MoneyBR, Amount{}, "writes decimals with a comma"},
	{"13.260000000000002", MoneyBR, Amount{}, "writes decimals with a comma"},
	{"1,234", MoneyBR, Amount{}, "more than 2 decimal places"},
	{"1.23,45", MoneyBR, Amount{}, "not an amount"},
	{"1234.567,89", MoneyBR, Amount{}, "not an amount"},
	{"1.2345,00", MoneyBR, Amount{}, "not an amount"},
	{"1,5E+03", MoneyBR, Amount{}, "scientific notation"},
	{",50", MoneyBR, Amount{}, "not an amount"},
	{"1.234,", MoneyBR, Amount{}, "not an amount"},
	{"R$ (10,00)", MoneyBR, Amount{}, "not an amount"},
	{"(-10,00)", MoneyBR, Amount{}, "not an amount"},
	{"--10,00", MoneyBR, Amount{}, "not an amount"},
	{"10,00 R$", MoneyBR, Amount{}, "not an amount"},
	{"1.000.", MoneyBR, Amount{}, "not an amount"},
}

func TestParseMoney(t *testing.T) {
	for _, tc := range moneyCases {
		got, err := ParseMoney(tc.in, tc.style)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseMoney(%q, %v) error = %v, want one containing %q", tc.in, tc.style, err, tc.err)
			}
			var ve *ValueError
			if err != nil && (!asValueError(err, &ve) || ve.Value != tc.in) {
				t.Errorf("ParseMoney(%q, %v) error %T does not carry the raw value", tc.in, tc.style, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseMoney(%q, %v) = %+v, %v; want %+v", tc.in, tc.style, got, err, tc.want)
		}
	}
}

func TestParseMoneyUnknownStyle(t *testing.T) {
	if _, err := ParseMoney("1", MoneyStyle(9)); err == nil {
		t.Error("an unknown style was accepted")
	}
}

func TestFormatMoney(t *testing.T) {
	for _, tc := range []struct {
		a       Amount
		dot, br string
	}{
		{Cents(-123456), "-1234.56", "-1.234,56"},
		{Cents(5), "0.05", "0,05"},
		{Cents(-5), "-0.05", "-0,05"},
		{Cents(0), "0.00", "0,00"},
		{Cents(100000), "1000.00", "1.000,00"},
		{Cents(12345678901), "123456789.01", "123.456.789,01"},
		{Cents(maxCents), "9999999999999999.99", "9.999.999.999.999.999,99"},
		{Amount{}, "", ""},
	} {
		if got := FormatMoney(tc.a, MoneyDot); got != tc.dot {
			t.Errorf("FormatMoney(%v, MoneyDot) = %q, want %q", tc.a, got, tc.dot)
		}
		if got := FormatMoney(tc.a, MoneyBR); got != tc.br {
			t.Errorf("FormatMoney(%v, MoneyBR) = %q, want %q", tc.a, got, tc.br)
		}
		if tc.a.Valid && tc.a.String() != tc.dot {
			t.Errorf("Amount.String and FormatMoney(MoneyDot) disagree: %q, %q", tc.a.String(), tc.dot)
		}
	}
	// The most negative int64 is not an amount, but formatting it must not panic.
	_ = FormatMoney(Cents(-1<<63), MoneyBR)
}

func TestParseMoneyAllocs(t *testing.T) {
	for _, tc := range []struct {
		in    string
		style MoneyStyle
	}{{"65.00", MoneyDot}, {"13.260000000000002", MoneyDot}, {"R$ 1.234,56", MoneyBR}, {"BRL 99,90", MoneyBR}} {
		n := testing.AllocsPerRun(100, func() { _, _ = ParseMoney(tc.in, tc.style) })
		if n != 0 {
			t.Errorf("ParseMoney(%q) allocates %v times", tc.in, n)
		}
	}
}

// refCents is an independent reference for MoneyDot: exact rational
// arithmetic, rounded half away from zero.
func refCents(s string) (int64, bool) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, false
	}
	r.Mul(r, big.NewRat(100, 1))
	neg := r.Sign() < 0
	r.Abs(r)
	r.Add(r, big.NewRat(1, 2))
	q := new(big.Int).Quo(r.Num(), r.Denom())
	if !q.IsInt64() {
		return 0, false
	}
	c := q.Int64()
	if neg {
		c = -c
	}
	return c, true
}

func FuzzParseMoney(f *testing.F) {
	for _, tc := range moneyCases {
		f.Add(tc.in, int64(tc.want.Cents), tc.style == MoneyBR)
	}
	f.Fuzz(func(t *testing.T, s string, cents int64, br bool) {
		style := MoneyDot
		if br {
			style = MoneyBR
		}
		a, err := ParseMoney(s, style)
		if err != nil {
			if a != (Amount{}) {
				t.Fatalf("ParseMoney(%q) returned %+v with an error", s, a)
			}
		} else if a.Valid {
			if a.Cents > maxCents || a.Cents < -maxCents {
				t.Fatalf("ParseMoney(%q) = %d, beyond DECIMAL(18,2)", s, a.Cents)
			}
			back, err := ParseMoney(FormatMoney(a, style), style)
			if err != nil || back != a {
				t.Fatalf("ParseMoney(FormatMoney(%+v)) = %+v, %v", a, back, err)
			}
			if style == MoneyDot && len(s) < 60 && strings.Trim(s, "0123456789.-+") == "" {
				if want, ok := refCents(s); ok && want != a.Cents {
					t.Fatalf("ParseMoney(%q) = %d, exact arithmetic says %d", s, a.Cents, want)
				}
			}
		} else if trimValue(s) != "" && trimValue(s) != "-" {
			t.Fatalf("ParseMoney(%q) gave no value and no error", s)
		}
		if cents >= -maxCents && cents <= maxCents {
			x := Cents(cents)
			back, err := ParseMoney(FormatMoney(x, style), style)
			if err != nil || back != x {
				t.Fatalf("ParseMoney(FormatMoney(%d, %v)) = %+v, %v", cents, style, back, err)
			}
		}
	})
}

func BenchmarkParseMoney(b *testing.B) {
	in := []struct {
		s  string
		st MoneyStyle
	}{
		{"65.00", MoneyDot}, {"-13.26", MoneyDot}, {"13.260000000000002", MoneyDot},
		{"1.234,56", MoneyBR}, {"BRL 99,90", MoneyBR}, {"R$ 1.204,70", MoneyBR},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v := in[i%len(in)]
		if _, err := ParseMoney(v.s, v.st); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}

package normalize

import (
	"math"
	"math/big"
	"strings"
	"testing"
	"time"
)

func TestAmountArithmeticAtLimits(t *testing.T) {
	over := Amount{Cents: overflowCents, Valid: true}
	for _, tc := range []struct {
		name string
		got  Amount
		want Amount
		fits bool
	}{
		{"max + 0", Cents(MaxCents).Add(Cents(0)), Cents(MaxCents), true},
		{"max + 1", Cents(MaxCents).Add(Cents(1)), over, false},
		{"-max - 1", Cents(-MaxCents).Sub(Cents(1)), over, false},
		{"max - max", Cents(MaxCents).Sub(Cents(MaxCents)), Cents(0), true},
		{"invalid + invalid", Amount{}.Add(Amount{}), Amount{}, true},
		{"invalid + 5", Amount{}.Add(Cents(5)), Cents(5), true},
		{"max int64 cents", Cents(math.MaxInt64), Cents(math.MaxInt64), false},
		{"max int64 + 1", Cents(math.MaxInt64).Add(Cents(1)), over, false},
		{"min int64 + max int64", Cents(math.MinInt64).Add(Cents(math.MaxInt64)), over, false},
		{"overflow stays: - max", over.Add(Cents(-MaxCents)), over, false},
		{"overflow stays: negated", over.Neg(), over, false},
		{"overflow stays: times -1", over.Times(-1), over, false},
		{"overflow stays: sub itself", over.Sub(over), over, false},
		{"max × 1", Cents(MaxCents).Times(1), Cents(MaxCents), true},
		{"max × 2", Cents(MaxCents).Times(2), over, false},
		{"max × -1", Cents(MaxCents).Times(-1), Cents(-MaxCents), true},
		{"price × max int32", Cents(99_999_999).Times(math.MaxInt32), Cents(99_999_999 * math.MaxInt32), true},
		{"bigger price × max int32", Cents(999_999_999).Times(math.MaxInt32), over, false},
		{"big price × max int32", Cents(MaxCents / 2).Times(math.MaxInt32), over, false},
		{"-price × min int32", Cents(-1).Times(math.MinInt32), Cents(-math.MinInt32), true},
		{"max int64 × 1", Cents(math.MaxInt64).Times(1), over, false},
		{"invalid × 3", Amount{}.Times(3), Amount{}, true},
		{"0 × max int32", Cents(0).Times(math.MaxInt32), Cents(0), true},
	} {
		if tc.got != tc.want || tc.got.Fits() != tc.fits {
			t.Errorf("%s = %+v (fits %v), want %+v (fits %v)", tc.name, tc.got, tc.got.Fits(), tc.want, tc.fits)
		}
	}
}

// FuzzAmountArithmetic checks Add, Sub and Times against exact big-integer
// arithmetic: a result is the exact one when that fits DECIMAL(18,2), and
// does not fit otherwise, whatever the operands.
func FuzzAmountArithmetic(f *testing.F) {
	f.Add(int64(MaxCents), int64(1), int32(2))
	f.Add(int64(math.MaxInt64), int64(math.MinInt64), int32(math.MinInt32))
	f.Add(int64(-5), int64(7), int32(-3))
	f.Fuzz(func(t *testing.T, a, b int64, n int32) {
		x, y := Cents(a), Cents(b)
		check := func(op string, got Amount, exact *big.Int, operandsFit bool) {
			fits := operandsFit && exact.IsInt64() && -MaxCents <= exact.Int64() && exact.Int64() <= MaxCents
			if got.Fits() != fits || (fits && got.Cents != exact.Int64()) || !got.Valid {
				t.Fatalf("%d %s %d (n %d) = %+v, exact %v", a, op, b, n, got, exact)
			}
		}
		check("+", x.Add(y), new(big.Int).Add(big.NewInt(a), big.NewInt(b)), x.Fits() && y.Fits())
		check("-", x.Sub(y), new(big.Int).Sub(big.NewInt(a), big.NewInt(b)), x.Fits() && y.Fits())
		check("×", x.Times(n), new(big.Int).Mul(big.NewInt(a), big.NewInt(int64(n))), x.Fits())
	})
}

func TestDateRange(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	r := PlausibleDates(now)
	sp := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, SaoPaulo) }
	for _, tc := range []struct {
		name string
		t    time.Time
		r    DateRange
		want string // part of the error, "" for none
	}{
		{"no date", time.Time{}, r, ""},
		{"01/01/2000 00:00 in São Paulo", sp(2000, 1, 1, 0, 0), r, ""},
		{"2000-01-01 UTC", EarliestDate, r, ""},
		{"31/12/1999 23:59 UTC", EarliestDate.Add(-time.Minute), r, "before 2000-01-01"},
		{"01/01/0001 in São Paulo", sp(1, 1, 1, 0, 0), r, "before 2000-01-01"},
		{"1899-12-30 (Excel's day 0)", time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC), r, "before 2000-01-01"},
		{"a year after the run", now.AddDate(1, 0, 0), r, ""},
		{"a second more", now.AddDate(1, 0, 0).Add(time.Second), r, "after 2027-12-07, a year after this run"},
		{"31/12/9999 in São Paulo", sp(9999, 12, 31, 0, 0), r, "after 2027-12-07"},
		{"31/12/2099 23:59 in São Paulo without a clock", sp(2099, 12, 31, 20, 59), AnyDate, ""},
		{"01/01/2100 without a clock", time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), AnyDate, "after 2099"},
		{"31/12/9999 without a clock", sp(9999, 12, 31, 0, 0), AnyDate, "after 2099"},
		{"01/01/0001 without a clock", sp(1, 1, 1, 0, 0), AnyDate, "before 2000-01-01"},
	} {
		err := tc.r.Check(tc.t)
		if (err == nil) != (tc.want == "") || err != nil && !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
}

func TestDivRound(t *testing.T) {
	for _, c := range []struct{ s, n, want int64 }{
		{10, 4, 3}, {9, 4, 2}, {-10, 4, -3}, {-9, 4, -2}, {7, 2, 4}, {-7, 2, -4}, {0, 3, 0}, {math.MaxInt64 - 1, 2, math.MaxInt64 / 2},
	} {
		if got := DivRound(c.s, c.n); got != c.want {
			t.Errorf("DivRound(%d, %d) = %d, want %d", c.s, c.n, got, c.want)
		}
	}
}

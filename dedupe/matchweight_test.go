package dedupe

import (
	"math"
	"testing"
)

func TestParseMatchWeight(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"6", 6, true},
		{"9.5", 9.5, true},
		{" 12 ", 12, true},
		{"inf", math.Inf(1), true},
		{"Off", math.Inf(1), true},
		{"+Inf", math.Inf(1), true},
		{"0", 0, false},
		{"-3", 0, false},
		{"NaN", 0, false},
		{"-inf", 0, false},
		{"1e400", 0, false},
		{"six", 0, false},
		{"", 0, false},
	} {
		got, err := ParseMatchWeight(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("ParseMatchWeight(%q) = %v, %v; want %v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

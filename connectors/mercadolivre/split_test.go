package mercadolivre

import (
	"math"
	"slices"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

func TestSplit(t *testing.T) {
	c := normalize.Cents
	for _, tc := range []struct {
		name    string
		a       normalize.Amount
		weights []int64
		want    []normalize.Amount
	}{
		{"proportional", c(23970), []int64{7990, 15980}, []normalize.Amount{c(7990), c(15980)}},
		{"remainders to the largest", c(2999), []int64{3333, 3333, 3334}, []normalize.Amount{c(1000), c(999), c(1000)}},
		{"tie to the earlier", c(100), []int64{1, 1, 1}, []normalize.Amount{c(34), c(33), c(33)}},
		{"negative", c(-2999), []int64{3333, 3333, 3334}, []normalize.Amount{c(-1000), c(-999), c(-1000)}},
		{"no weights: even", c(10), []int64{0, 0, 0}, []normalize.Amount{c(4), c(3), c(3)}},
		{"zero weight gets nothing", c(10), []int64{0, 5}, []normalize.Amount{c(0), c(10)}},
		{"missing stays missing", normalize.Amount{}, []int64{1, 2}, []normalize.Amount{{}, {}}},
		{"zero", c(0), []int64{1, 2}, []normalize.Amount{c(0), c(0)}},
		{"one part", c(12345), []int64{7}, []normalize.Amount{c(12345)}},
		{"no overflow", c(math.MaxInt64 / 2), []int64{math.MaxInt64 / 4, math.MaxInt64 / 4}, []normalize.Amount{c(math.MaxInt64/4 + 1), c(math.MaxInt64 / 4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := split(tc.a, tc.weights)
			if !slices.Equal(got, tc.want) {
				t.Errorf("split(%v, %v) = %v, want %v", tc.a, tc.weights, got, tc.want)
			}
		})
	}
}

// FuzzSplit checks the invariant the cart logic rests on: the parts add up
// to the whole, and none is further than a centavo from its exact share.
func FuzzSplit(f *testing.F) {
	f.Add(int64(2999), int64(3333), int64(3333), int64(3334))
	f.Add(int64(-1), int64(0), int64(0), int64(0))
	f.Fuzz(func(t *testing.T, cents, w1, w2, w3 int64) {
		if cents == math.MinInt64 || w1 < 0 || w2 < 0 || w3 < 0 || w1 > 1<<40 || w2 > 1<<40 || w3 > 1<<40 {
			t.Skip()
		}
		weights := []int64{w1, w2, w3}
		parts := split(normalize.Cents(cents), weights)
		var sum int64
		for _, p := range parts {
			sum += p.Cents
		}
		if sum != cents {
			t.Fatalf("split(%d, %v) = %v adds up to %d", cents, weights, parts, sum)
		}
		total := float64(w1 + w2 + w3)
		for i, p := range parts {
			exact := float64(cents) / 3
			if total > 0 {
				exact = float64(cents) * float64(weights[i]) / total
			}
			if math.Abs(float64(p.Cents)-exact) > 1+math.Abs(exact)*1e-12 {
				t.Fatalf("split(%d, %v)[%d] = %d, exact share %f", cents, weights, i, p.Cents, exact)
			}
		}
	})
}

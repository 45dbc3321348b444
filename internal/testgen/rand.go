package testgen

import (
	"math"
	"math/bits"
	"math/rand/v2"
)

// splitmix64 turns related inputs (a seed and a small label) into unrelated
// 64-bit values, so streams derived from one seed do not correlate.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// labelHash is FNV-1a: stable across Go releases, unlike hash/maphash.
func labelHash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// newRand gives every part of the generator (population, each layout) its
// own PCG stream keyed by a label, so adding a layout to a run leaves the
// files of the other layouts byte-identical.
func newRand(seed int64, label string) *rand.Rand {
	a := splitmix64(uint64(seed) ^ labelHash(label))
	b := splitmix64(a ^ 0x5851f42d4c957f2d)
	return rand.New(rand.NewPCG(a, b))
}

func chance(r *rand.Rand, p float64) bool { return p > 0 && r.Float64() < p }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// weighted picks from a small table by cumulative weight.
type weighted[T any] struct {
	items []T
	cum   []float64
}

func newWeighted[T any](items []T, weights []float64) weighted[T] {
	w := weighted[T]{items: items, cum: make([]float64, len(weights))}
	s := 0.0
	for i, x := range weights {
		s += x
		w.cum[i] = s
	}
	return w
}

func (w weighted[T]) pick(r *rand.Rand) T {
	x := r.Float64() * w.cum[len(w.cum)-1]
	lo, hi := 0, len(w.cum)-1
	for lo < hi {
		m := (lo + hi) / 2
		if w.cum[m] > x {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return w.items[lo]
}

// aliasTable samples an index in O(1) by Walker's method; buyers are drawn
// once per order, so at a million orders a binary search would dominate.
type aliasTable struct {
	prob  []float64
	alias []int32
	ids   []int32
}

func newAlias(ids []int32, weights []float64) *aliasTable {
	n := len(weights)
	t := &aliasTable{prob: make([]float64, n), alias: make([]int32, n), ids: ids}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	scaled := make([]float64, n)
	small := make([]int32, 0, n)
	large := make([]int32, 0, n)
	for i, w := range weights {
		scaled[i] = w * float64(n) / sum
		if scaled[i] < 1 {
			small = append(small, int32(i))
		} else {
			large = append(large, int32(i))
		}
	}
	for len(small) > 0 && len(large) > 0 {
		s, l := small[len(small)-1], large[len(large)-1]
		small = small[:len(small)-1]
		t.prob[s], t.alias[s] = scaled[s], l
		scaled[l] -= 1 - scaled[s]
		if scaled[l] < 1 {
			large = large[:len(large)-1]
			small = append(small, l)
		}
	}
	for _, i := range large {
		t.prob[i] = 1
	}
	for _, i := range small {
		t.prob[i] = 1
	}
	return t
}

func (t *aliasTable) sample(r *rand.Rand) int32 {
	i := r.IntN(len(t.prob))
	if r.Float64() >= t.prob[i] {
		i = int(t.alias[i])
	}
	return t.ids[i]
}

// permute is a keyed bijection of [0, m): order ids drawn from a counter
// through it look random yet never collide, with no set of used ids held in
// memory. A 4-round Feistel network over the smallest even power of two
// covering m, with cycle walking back into range.
func permute(x, m, key uint64) uint64 {
	if m <= 1 {
		return 0
	}
	b := bits.Len64(m - 1)
	if b%2 == 1 {
		b++
	}
	if b < 2 {
		b = 2
	}
	half := uint(b / 2)
	mask := uint64(1)<<half - 1
	for {
		l, r := x>>half, x&mask
		for round := uint64(0); round < 4; round++ {
			l, r = r, l^(splitmix64(key^(round<<56)^r)&mask)
		}
		x = l<<half | r
		if x < m {
			return x
		}
	}
}

// pow10 returns 10^n for n <= 19.
func pow10(n int) uint64 {
	p := uint64(1)
	for range n {
		p *= 10
	}
	return p
}

// pareto draws a heavy-tailed activity weight >= 1: most people are light
// buyers and a few buy very often, as in marketplace order histories.
func pareto(r *rand.Rand, alpha, limit float64) float64 {
	u := 1 - r.Float64()
	return math.Min(math.Pow(u, -1/alpha), limit)
}

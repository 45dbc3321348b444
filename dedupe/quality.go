package dedupe

// Scores are pairwise clustering scores: every pair of orders the truth puts
// in one person is a true pair; precision is the share of predicted pairs
// that are true, recall the share of true pairs predicted.
type Scores struct {
	Precision, Recall, F1 float64
	// TruePairs are pairs both agree on; PredictedPairs and TruthPairs the
	// pairs each side puts together.
	TruePairs, PredictedPairs, TruthPairs int64
}

// PairwiseScores compares a predicted clustering (order key → customer id)
// with the truth (order key → person id). Only keys present in both count.
// It counts through the contingency table, Σ C(n,2) over its cells, rows
// and columns, so millions of orders cost no more than a pass over them.
func PairwiseScores(truth, predicted map[string]string) Scores {
	return scores(truth, predicted, nil)
}

// CrossChannelScores is PairwiseScores restricted to pairs whose two orders
// come from different channels (channel: order key → source): the pairs
// only cross-channel evidence can find.
func CrossChannelScores(truth, predicted, channel map[string]string) Scores {
	return scores(truth, predicted, channel)
}

type cell struct{ a, b string }

func scores(truth, predicted, channel map[string]string) Scores {
	// For each grouping, pairs(n) − Σ pairs within one channel counts the
	// pairs that cross channels; without channels, the second sum is empty.
	type counts struct {
		n   map[cell]int64
		sub map[[2]cell]int64 // by channel
	}
	newCounts := func() counts { return counts{n: map[cell]int64{}, sub: map[[2]cell]int64{}} }
	tc, pc, both := newCounts(), newCounts(), newCounts()
	for k, t := range truth {
		p, ok := predicted[k]
		if !ok {
			continue
		}
		ch := cell{}
		if channel != nil {
			ch = cell{channel[k], ""}
		}
		for _, g := range []struct {
			c   counts
			key cell
		}{{tc, cell{t, ""}}, {pc, cell{"", p}}, {both, cell{t, p}}} {
			g.c.n[g.key]++
			if channel != nil {
				g.c.sub[[2]cell{g.key, ch}]++
			}
		}
	}
	pairs := func(c counts) int64 {
		var s int64
		for _, n := range c.n {
			s += n * (n - 1) / 2
		}
		for _, n := range c.sub {
			s -= n * (n - 1) / 2
		}
		return s
	}
	out := Scores{TruthPairs: pairs(tc), PredictedPairs: pairs(pc), TruePairs: pairs(both)}
	out.Precision, out.Recall = 1, 1
	if out.PredictedPairs > 0 {
		out.Precision = float64(out.TruePairs) / float64(out.PredictedPairs)
	}
	if out.TruthPairs > 0 {
		out.Recall = float64(out.TruePairs) / float64(out.TruthPairs)
	}
	if out.Precision+out.Recall > 0 {
		out.F1 = 2 * out.Precision * out.Recall / (out.Precision + out.Recall)
	}
	return out
}

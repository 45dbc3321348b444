package dedupe

import (
	"math"
	"strconv"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

func TestPairwiseScores(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	// Truth: {1,2,3} {4,5}. Predicted: {1,2} {3,4,5}.
	truth := map[string]string{"1": "A", "2": "A", "3": "A", "4": "B", "5": "B"}
	pred := map[string]string{"1": "x", "2": "x", "3": "y", "4": "y", "5": "y"}
	s := PairwiseScores(truth, pred)
	// True pairs: (1,2) and (4,5) = 2; predicted pairs 1+3 = 4; truth pairs 3+1 = 4.
	if s.TruePairs != 2 || s.PredictedPairs != 4 || s.TruthPairs != 4 || !near(s.Precision, 0.5) || !near(s.Recall, 0.5) || !near(s.F1, 0.5) {
		t.Fatalf("%+v", s)
	}
	// Perfect and all-singletons.
	if s := PairwiseScores(truth, truth); s.Precision != 1 || s.Recall != 1 || s.F1 != 1 {
		t.Fatalf("%+v", s)
	}
	single := map[string]string{"1": "1", "2": "2", "3": "3", "4": "4", "5": "5"}
	if s := PairwiseScores(truth, single); s.Precision != 1 || s.Recall != 0 || s.F1 != 0 {
		t.Fatalf("%+v", s)
	}
	// Everything in one cluster: recall 1, precision 4/10.
	one := map[string]string{"1": "z", "2": "z", "3": "z", "4": "z", "5": "z"}
	if s := PairwiseScores(truth, one); !near(s.Precision, 0.4) || s.Recall != 1 {
		t.Fatalf("%+v", s)
	}
	// Keys missing from the prediction are left out.
	if s := PairwiseScores(truth, map[string]string{"1": "x", "2": "x"}); s.TruthPairs != 1 || s.Recall != 1 {
		t.Fatalf("%+v", s)
	}

	// Cross-channel: 1,2 on ml; 3 on shopee; 4 ml; 5 shopee.
	ch := map[string]string{"1": "ml", "2": "ml", "3": "shopee", "4": "ml", "5": "shopee"}
	c := CrossChannelScores(truth, pred, ch)
	// Truth cross pairs: (1,3) (2,3) (4,5) = 3. Predicted cross pairs:
	// {1,2} none; {3,4,5}: (3,4) (4,5) = 2. True cross: (4,5) = 1.
	if c.TruthPairs != 3 || c.PredictedPairs != 2 || c.TruePairs != 1 || !near(c.Precision, 0.5) || !near(c.Recall, 1.0/3) {
		t.Fatalf("%+v", c)
	}
}

// measure resolves a synthetic population and scores it against the truth.
func measure(t *testing.T, s *synth) (all, cross Scores, res *Result) {
	t.Helper()
	r := NewResolver(Options{})
	truth, channel := map[string]string{}, map[string]string{}
	var keys [][3]string
	s.each(func(o *normalize.Order, person int) {
		r.Observe(o)
		k := orderKeyString(o)
		truth[k] = strconv.Itoa(person)
		channel[k] = o.Source
		keys = append(keys, [3]string{o.Source, o.Account, o.OrderID})
	})
	res, err := r.Resolve(asOf)
	if err != nil {
		t.Fatal(err)
	}
	pred := map[string]string{}
	for _, k := range keys {
		pred[k[0]+"/"+k[1]+"/"+k[2]] = res.CustomerID(k[0], k[1], k[2])
	}
	all, cross = PairwiseScores(truth, pred), CrossChannelScores(truth, pred, channel)
	rep := res.Report()
	t.Logf("people %d, orders %d, customers %d; pairwise P=%.4f R=%.4f F1=%.4f (%d true pairs); cross-channel P=%.4f R=%.4f F1=%.4f (%d true pairs); conflicts avoided %d, ambiguous %d, shared %d",
		len(s.people), rep.Orders, rep.Customers, all.Precision, all.Recall, all.F1, all.TruthPairs,
		cross.Precision, cross.Recall, cross.F1, cross.TruthPairs, rep.ConflictsAvoided, rep.Ambiguous, len(rep.Shared))
	return all, cross, res
}

func TestSyntheticPopulationQuality(t *testing.T) {
	n := 4000
	if testing.Short() {
		n = 1500
	}
	all, cross, res := measure(t, newSynth(20260301, n, 2.6))
	if all.Precision < 0.995 || all.Recall < 0.98 || cross.F1 < 0.95 {
		t.Errorf("quality below target: precision %.4f (≥0.995), recall %.4f (≥0.98), cross-channel F1 %.4f (≥0.95)",
			all.Precision, all.Recall, cross.F1)
	}
	if sh := res.Report().Shared; len(sh) != 1 || sh[0].Kind != KindPhone {
		t.Errorf("the store's own phone is not the one shared identifier: %+v", sh)
	}
	for c := range res.Customers() {
		docs := 0
		for _, l := range res.Links(c.ID) {
			if l.Kind == KindCPF || l.Kind == KindCNPJ {
				docs++
			}
		}
		if docs > 1 {
			t.Fatalf("customer %s has %d documents", c.ID, docs)
		}
	}
}

// Without any document, nothing stops a wrong union but the first-name
// check on phones and the shared-identifier guard; precision must hold
// all the same. Recall is what the data allows: a buyer who shows only a
// landline on one channel and only a mobile on another cannot be joined.
func TestSyntheticPopulationWithoutDocuments(t *testing.T) {
	s := newSynth(7, 3000, 2.6)
	s.noDocs = true
	all, cross, _ := measure(t, s)
	if all.Precision < 0.995 || cross.Precision < 0.995 {
		t.Errorf("precision %.4f, cross-channel %.4f (≥0.995)", all.Precision, cross.Precision)
	}
}

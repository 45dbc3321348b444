package main

import (
	"cmp"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/orderhist/orderhist/dedupe"
)

// truth is the generator's truth.csv: who placed each order and what each
// order shows of them. An order written twice (an early to-ship sighting
// and the later Order.all row) shows the union of both.
type truth struct {
	person   map[string]string   // order key → person
	strong   map[string][]string // order key → strong identifier tokens (d:, e:, p:, u:)
	nameAddr map[string]string   // order key → "CEP|number" when the order shows the buyer's name there
	order    []string            // order keys in first-seen order
}

func readTruth(path string) (*truth, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	t := &truth{person: map[string]string{}, strong: map[string][]string{}, nameAddr: map[string]string{}}
	for i := 0; ; i++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if len(rec) < 6 || rec[4] != "strong" || rec[5] != "name_address" {
				return nil, fmt.Errorf("%s: header %v lacks the strong and name_address columns", path, rec)
			}
			continue
		}
		if len(rec) < 6 {
			return nil, fmt.Errorf("%s: line %d has %d fields, want 6", path, i+1, len(rec))
		}
		k := rec[0] + "/" + rec[1] + "/" + rec[2]
		if _, ok := t.person[k]; !ok {
			t.order = append(t.order, k)
		} else if t.person[k] != rec[3] {
			return nil, fmt.Errorf("%s: order %s belongs to %s and %s", path, k, t.person[k], rec[3])
		}
		t.person[k] = rec[3]
		for _, tok := range strings.Fields(rec[4]) {
			if !slices.Contains(t.strong[k], tok) {
				t.strong[k] = append(t.strong[k], tok)
			}
		}
		if rec[5] != "" {
			t.nameAddr[k] = rec[5]
		}
	}
	return t, nil
}

// linkable refines the truth to what the exports let a resolver reach: the
// orders of one person joined by a chain of shared strong identifiers, and
// with nameAddress also of shared name+CEP+street number. Every other order
// is alone.
func (t *truth) linkable(nameAddress bool) map[string]string {
	idx := make(map[string]int, len(t.order))
	parent := make([]int, len(t.order))
	for i, k := range t.order {
		idx[k], parent[i] = i, i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	first := map[string]int{}
	join := func(i int, tok string) {
		tok = t.person[t.order[i]] + "|" + tok
		if j, ok := first[tok]; ok {
			parent[find(i)] = find(j)
		} else {
			first[tok] = i
		}
	}
	for i, k := range t.order {
		for _, tok := range t.strong[k] {
			join(i, tok)
		}
		if a := t.nameAddr[k]; nameAddress && a != "" {
			join(i, "a:"+a)
		}
	}
	out := make(map[string]string, len(t.order))
	for i, k := range t.order {
		out[k] = t.person[k] + "#" + strconv.Itoa(find(i))
	}
	return out
}

// report prints precision against the whole truth and recall against it
// and against the pairs linkable by strong identifiers, and by those or
// name+CEP+number, over all pairs and over pairs on different channels.
func report(w io.Writer, t *truth, pred, channel map[string]string) {
	strong, named := t.linkable(false), t.linkable(true)
	fmt.Fprintf(w, "%-44s %10s %10s %14s %12s %12s\n", "pairs", "precision", "recall", "truth pairs", "share", "wrong pairs")
	all := dedupe.PairwiseScores(t.person, pred)
	allX := dedupe.CrossChannelScores(t.person, pred, channel)
	row := func(name string, s dedupe.Scores, prec bool, of int64) {
		p, wrong := "-", "-"
		if prec {
			p = fmt.Sprintf("%.5f", s.Precision)
			wrong = fmt.Sprint(s.PredictedPairs - s.TruePairs)
		}
		share := float64(s.TruthPairs) / float64(max(of, 1))
		fmt.Fprintf(w, "%-44s %10s %10.4f %14d %12.3f %12s\n", name, p, s.Recall, s.TruthPairs, share, wrong)
	}
	row("all orders", all, true, all.TruthPairs)
	row("  linkable by strong identifiers", dedupe.PairwiseScores(strong, pred), false, all.TruthPairs)
	row("  linkable by those or name+CEP+number", dedupe.PairwiseScores(named, pred), false, all.TruthPairs)
	row("different channels", allX, true, allX.TruthPairs)
	row("  linkable by strong identifiers", dedupe.CrossChannelScores(strong, pred, channel), false, allX.TruthPairs)
	row("  linkable by those or name+CEP+number", dedupe.CrossChannelScores(named, pred, channel), false, allX.TruthPairs)
	fmt.Fprintln(w, "\nshare: the row's true pairs over all true pairs of its block (the recall a perfect resolver of that evidence reaches)")
}

// showErrors prints up to n linkable groups that resolution split and n
// customers that hold orders of several people, with what each order
// showed: the remaining errors, for sorting by cause.
func showErrors(w io.Writer, t *truth, pred, shown map[string]string, n int) {
	named := t.linkable(true)
	line := func(k string) {
		fmt.Fprintf(w, "  %-40s %-8s %-20s truth[%s | %s]\n      shown[%s]\n", k, t.person[k], pred[k], t.nameAddr[k], strings.Join(t.strong[k], " "), shown[k])
	}
	groups := map[string][]string{}
	for _, k := range t.order {
		groups[named[k]] = append(groups[named[k]], k)
	}
	var split []string
	for g, ks := range groups {
		ids := map[string]bool{}
		for _, k := range ks {
			ids[pred[k]] = true
		}
		if len(ids) > 1 {
			split = append(split, g)
		}
	}
	slices.Sort(split)
	fmt.Fprintf(w, "\nlinkable orders that were split (%d groups):\n", len(split))
	for _, g := range split[:min(n, len(split))] {
		fmt.Fprintf(w, "\n%s\n", g)
		for _, k := range groups[g] {
			line(k)
		}
	}
	custs := map[string][]string{}
	for _, k := range t.order {
		custs[pred[k]] = append(custs[pred[k]], k)
	}
	var merged []string
	for c, ks := range custs {
		people := map[string]bool{}
		for _, k := range ks {
			people[t.person[k]] = true
		}
		if len(people) > 1 {
			merged = append(merged, c)
		}
	}
	slices.SortFunc(merged, func(a, b string) int { return cmp.Compare(a, b) })
	fmt.Fprintf(w, "\ncustomers holding orders of several people (%d):\n", len(merged))
	for _, c := range merged[:min(n, len(merged))] {
		fmt.Fprintf(w, "\n%s\n", c)
		for _, k := range custs[c] {
			line(k)
		}
	}
}

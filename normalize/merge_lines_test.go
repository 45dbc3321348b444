package normalize

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var (
	lineA = Line{LineNo: 1, SKU: "SKU-A", ListingID: "8001", Title: "Hidratante", Quantity: 2, UnitPrice: Cents(6790), LineTotal: Cents(13580)}
	lineB = Line{LineNo: 2, SKU: "SKU-B", ListingID: "8002", Title: "Sabonete", Quantity: 1, UnitPrice: Cents(7990), LineTotal: Cents(7990)}
	lineC = Line{LineNo: 3, SKU: "SKU-C", ListingID: "8003", Title: "Serum", Quantity: 1, UnitPrice: Cents(4990), LineTotal: Cents(4990)}
)

// edit is one sighting of order #1001 with the given lines.
func edit(rank string, updated time.Time, status Status, lines ...Line) Sighting {
	o := &Order{Source: "shopify", Account: "loja", OrderID: "#1001", UpdatedAt: updated, Status: status,
		OrderedAt: time.Date(2025, 8, 8, 16, 33, 14, 0, time.UTC)}
	for i, l := range lines {
		l.LineNo = i + 1
		o.Lines = append(o.Lines, l)
	}
	return Sighting{Order: o, Rank: rank}
}

func at(h int) time.Time { return time.Date(2025, 8, 8, h, 0, 0, 0, time.UTC) }

func withQty(l Line, q int32) Line {
	l.Quantity, l.LineTotal = q, Cents(l.UnitPrice.Cents*int64(q))
	return l
}

func row(l Line, r int) Line { l.SourceRow = r; return l }

func numberedAs(l Line, n int) Line { l.LineNo = n; return l }

func TestMergeLatestLinesReplace(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []Sighting
		want    []Line
		changed bool
	}{
		{"a removed line leaves",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA, lineB), edit("2b", at(12), StatusPaid, lineA)},
			[]Line{lineA}, true},
		{"a reduced quantity is the new one",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA, lineB), edit("2b", at(12), StatusPaid, withQty(lineA, 1), lineB)},
			[]Line{withQty(lineA, 1), lineB}, true},
		{"an added line comes in",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA), edit("2b", at(12), StatusPaid, lineA, lineC)},
			[]Line{lineA, numberedAs(lineC, 2)}, true},
		{"one product swapped for another",
			[]Sighting{edit("1x", time.Time{}, StatusPaid, lineA), edit("1y", at(1), StatusPaid, lineB)},
			[]Line{numberedAs(lineB, 1)}, true},
		{"an older sighting given last does not win",
			[]Sighting{edit("2b", at(12), StatusPaid, lineA), edit("2a", at(10), StatusPaid, lineA, lineB)},
			[]Line{lineA}, true},
		{"a later sighting without lines keeps the last lines seen",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA, lineB), edit("2b", at(12), StatusCancelled)},
			[]Line{lineA, lineB}, false},
		{"a status change is not a line change",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA), edit("2b", at(12), StatusDelivered, func() Line { l := lineA; l.Status = StatusDelivered; return l }())},
			[]Line{func() Line { l := lineA; l.Status = StatusDelivered; return l }()}, false},
		{"details only one side knows are not a change",
			[]Sighting{edit("1x", time.Time{}, StatusPaid, func() Line { l := lineA; l.ListingID = ""; return l }()), edit("2a", at(10), StatusPaid, lineA)},
			[]Line{lineA}, false},
		{"parts of one read are one sighting",
			[]Sighting{edit("1x", time.Time{}, StatusPaid, row(lineC, 9)), edit("1x", time.Time{}, StatusPaid, row(lineA, 2), row(lineB, 3)), edit("0", time.Time{}, StatusPaid, lineA)},
			[]Line{row(lineA, 2), row(lineB, 3), numberedAs(row(lineC, 9), 3)}, true},
		{"a part served twice counts once",
			[]Sighting{edit("2a", at(10), StatusPaid, lineA, lineB), edit("2a", at(10), StatusPaid, lineA, lineB)},
			[]Line{lineA, lineB}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := Merge(tc.in)
			if !slices.Equal(m.Order.Lines, tc.want) {
				t.Errorf("lines\n got %+v\nwant %+v", m.Order.Lines, tc.want)
			}
			if m.LinesChanged != tc.changed {
				t.Errorf("LinesChanged = %v, want %v", m.LinesChanged, tc.changed)
			}
		})
	}
}

func TestMergeDoesNotChangeItsInput(t *testing.T) {
	a := edit("1x", time.Time{}, StatusPaid, lineA)
	b := edit("1x", time.Time{}, StatusPaid, lineB)
	a.Order.Lines[0].LineNo, b.Order.Lines[0].LineNo = 7, 8
	Merge([]Sighting{a, b})
	if a.Order.Lines[0].LineNo != 7 || b.Order.Lines[0].LineNo != 8 {
		t.Errorf("merge renumbered its input: %d, %d", a.Order.Lines[0].LineNo, b.Order.Lines[0].LineNo)
	}
}

func TestLinesChangedSince(t *testing.T) {
	prev := edit("0", at(10), StatusPaid, lineA, lineB).Order
	for _, tc := range []struct {
		name string
		in   []Sighting
		prev *Order
		want bool
	}{
		{"edited since the dataset", []Sighting{{Order: prev, Rank: "0"}, edit("2a", at(12), StatusPaid, lineA)}, prev, true},
		{"only its status moved", []Sighting{{Order: prev, Rank: "0"}, edit("2a", at(12), StatusShipped, lineA, lineB)}, prev, false},
		// A stale export re-read shows other lines but loses: the
		// dataset's lines stand.
		{"a stale export loses", []Sighting{{Order: prev, Rank: "0"}, edit("1x", at(8), StatusPaid, lineC)}, prev, false},
		{"new order, two exports disagree", []Sighting{edit("1x", at(8), StatusPaid, lineC), edit("2a", at(12), StatusPaid, lineA)}, nil, true},
		{"new order seen once", []Sighting{edit("2a", at(12), StatusPaid, lineA)}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Merge(tc.in).LinesChangedSince(tc.prev); got != tc.want {
				t.Errorf("LinesChangedSince = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestMergeLatestLinesProperty: whatever edits an order goes through, and
// whichever of its versions each sync happens to see, in whatever order,
// the dataset ends with the lines of the latest version seen. Each sync
// merges what it saw with the dataset's copy, as a run does.
func TestMergeLatestLinesProperty(t *testing.T) {
	catalog := []Line{lineA, lineB, lineC,
		{SKU: "SKU-D", Title: "Kit", Quantity: 1, UnitPrice: Cents(13580), LineTotal: Cents(13580)},
		{SKU: "SKU-A", ListingID: "8001", Title: "Hidratante", Variation: "2 UNIDADES", Quantity: 1, UnitPrice: Cents(13580), LineTotal: Cents(13580)}}
	statuses := []Status{StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled, StatusReturned}
	rng := rand.New(rand.NewPCG(25, 2025))
	for iter := range 3000 {
		// The versions an order goes through: every edit moves
		// updated_at, and the same product may be on two lines.
		nv := 1 + rng.IntN(6)
		var versions []Sighting
		for v := range nv {
			var lines []Line
			for range 1 + rng.IntN(4) {
				l := catalog[rng.IntN(len(catalog))]
				lines = append(lines, withQty(l, int32(1+rng.IntN(3))))
			}
			versions = append(versions, edit(fmt.Sprintf("2-%02d", v), at(1+v), statuses[rng.IntN(len(statuses))], lines...))
		}
		// Syncs: each sees some versions, some twice, in any order.
		var dataset *Order
		var seen []Sighting
		for range 1 + rng.IntN(4) {
			var run []Sighting
			for range rng.IntN(4) {
				run = append(run, versions[rng.IntN(nv)])
			}
			seen = append(seen, run...)
			if dataset != nil {
				run = append(run, Sighting{Order: dataset, Rank: "0"})
			}
			rng.Shuffle(len(run), func(i, j int) { run[i], run[j] = run[j], run[i] })
			if m := Merge(run); m.Order != nil {
				dataset = m.Order
			}
		}
		var want []Line
		var wantAt time.Time
		for _, s := range seen {
			if !s.Order.UpdatedAt.Before(wantAt) {
				want, wantAt = s.Order.Lines, s.Order.UpdatedAt
			}
		}
		var got []Line
		if dataset != nil {
			got = dataset.Lines
		}
		if !slices.Equal(got, want) {
			t.Fatalf("case %d: after syncs seeing %d sightings the lines are\n%+v\nwant the latest's\n%+v", iter, len(seen), got, want)
		}
	}
}

// TestMergeLinesIgnoreInputOrderProperty: within one merge, sightings of
// any kind (files without an update time ranked by status and content,
// pulls, sightings without lines, parts of one read) give the same lines
// whatever order they come in, and those are the lines of the latest read
// that has lines.
func TestMergeLinesIgnoreInputOrderProperty(t *testing.T) {
	statuses := []Status{StatusUnknown, StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled}
	rng := rand.New(rand.NewPCG(20, 25))
	for iter := range 3000 {
		var in []Sighting
		for n := range 1 + rng.IntN(6) {
			var updated time.Time
			if rng.IntN(3) > 0 {
				updated = at(1 + rng.IntN(4))
			}
			var lines []Line
			if rng.IntN(4) > 0 {
				// Rows are a file's, so no two sightings share one.
				first := 10*n + rng.IntN(5)
				for k := range 1 + rng.IntN(3) {
					l := []Line{lineA, lineB, lineC}[rng.IntN(3)]
					lines = append(lines, row(withQty(l, int32(1+rng.IntN(3))), first+k))
				}
			}
			in = append(in, edit(fmt.Sprintf("1%c", 'a'+rng.IntN(4)), updated, statuses[rng.IntN(len(statuses))], lines...))
		}
		want := Merge(in).Order.Lines
		// The oracle: the latest sighting with lines by updated_at,
		// then status, then rank; every part of its read, by first row.
		var best *Sighting
		for i := range in {
			s := &in[i]
			if len(s.Order.Lines) == 0 {
				continue
			}
			if best == nil || later(s, best) {
				best = s
			}
		}
		if best != nil {
			var oracle []Line
			var parts [][]Line
			for _, s := range in {
				if s.Rank == best.Rank && s.Order.UpdatedAt.Equal(best.Order.UpdatedAt) && len(s.Order.Lines) > 0 &&
					!slices.ContainsFunc(parts, func(p []Line) bool { return slices.Equal(p, s.Order.Lines) }) {
					parts = append(parts, s.Order.Lines)
				}
			}
			slices.SortStableFunc(parts, func(a, b []Line) int { return minRow(a) - minRow(b) })
			for _, p := range parts {
				oracle = append(oracle, p...)
			}
			for i := range oracle {
				oracle[i].LineNo = i + 1
			}
			if !slices.Equal(want, oracle) {
				t.Fatalf("case %d: lines\n%+v\nwant the latest read's\n%+v", iter, want, oracle)
			}
		}
		for range 5 {
			rng.Shuffle(len(in), func(i, j int) { in[i], in[j] = in[j], in[i] })
			if got := Merge(in).Order.Lines; !slices.Equal(got, want) {
				t.Fatalf("case %d: lines depend on input order:\n%+v\n%+v", iter, got, want)
			}
		}
	}
}

func later(a, b *Sighting) bool {
	if c := a.Order.UpdatedAt.Compare(b.Order.UpdatedAt); c != 0 {
		return c > 0
	}
	ra, rb := slices.Index(Statuses[:4], a.Order.Status), slices.Index(Statuses[:4], b.Order.Status)
	if a.Order.Status == StatusCancelled || a.Order.Status == StatusReturned {
		ra = 5
	}
	if b.Order.Status == StatusCancelled || b.Order.Status == StatusReturned {
		rb = 5
	}
	if ra != rb {
		return ra > rb
	}
	return a.Rank > b.Rank
}

func minRow(ls []Line) int {
	m := ls[0].SourceRow
	for _, l := range ls {
		m = min(m, l.SourceRow)
	}
	return m
}

// BenchmarkMergeReimport merges what a re-import gives most orders: the
// dataset's copy and the same order read again.
func BenchmarkMergeReimport(b *testing.B) {
	old := edit("0", at(10), StatusPaid, lineA, lineB, lineC)
	now := edit("1x", at(12), StatusShipped, lineA, withQty(lineB, 2), lineC)
	in := []Sighting{old, now}
	b.ReportAllocs()
	for b.Loop() {
		Merge(in)
	}
}

package normalize

import (
	"cmp"
	"reflect"
	"slices"
	"strings"
	"time"
)

// Sighting is one time an order was read: from a file, an API page, or the
// dataset as an earlier run left it.
type Sighting struct {
	Order *Order
	// Rank orders sightings whose UpdatedAt ties: higher is newer. The
	// dataset's own copy ranks below every file read now.
	Rank string
}

// statusRank says how far along an order is; with no update time to go by,
// the sighting that saw the order further along is the newer one.
var statusRank = map[Status]int{
	StatusUnknown: 0, StatusPending: 1, StatusPaid: 2, StatusShipped: 3,
	StatusDelivered: 4, StatusReturned: 5, StatusCancelled: 5,
}

// newer reports whether a is a later sighting than b.
func newer(a, b Sighting) bool {
	if !a.Order.UpdatedAt.Equal(b.Order.UpdatedAt) {
		return a.Order.UpdatedAt.After(b.Order.UpdatedAt)
	}
	if ra, rb := statusRank[a.Order.Status], statusRank[b.Order.Status]; ra != rb {
		return ra > rb
	}
	return a.Rank > b.Rank
}

// MergeResult says what merging the sightings of one order did.
type MergeResult struct {
	// Order is the merged order: a new one, or with a single sighting that
	// sighting's own, so copy it before changing it. Its Lines may be a
	// sighting's own slice too.
	Order *Order
	// Enriched is true when the latest sighting lacked a buyer detail that
	// an earlier one had (masked after delivery, say) and it was kept.
	Enriched bool
	// Conflicts names the buyer fields whose clear values differ between
	// sightings; the latest clear value is kept.
	Conflicts []string
	// LinesChanged is true when an earlier sighting carried other lines
	// than the latest one: a line was removed, added or changed (quantity,
	// price) by an edit, a cancellation or a return. The latest lines
	// replaced the earlier ones.
	LinesChanged bool
}

// LinesChangedSince reports whether the merged order's lines differ from
// prev's, the order as the dataset held it before this run; without prev,
// whether the sightings merged now disagreed about the lines. It is what a
// run counts as "orders whose lines changed".
func (r MergeResult) LinesChangedSince(prev *Order) bool {
	if r.Order == nil {
		return false
	}
	if prev == nil {
		return r.LinesChanged
	}
	return !SameLines(prev.Lines, r.Order.Lines)
}

// Merge combines every sighting of one order, whatever the order they come
// in: status, dates and amounts come from the latest sighting; buyer and
// address details keep the latest clear value ever seen, so a value masked or
// left out later never erases one seen before. Lines are the latest
// sighting's that carries lines, whole: a line missing from it was removed
// from the order, so earlier sightings' lines are not united with them (see
// latestLines).
func Merge(sightings []Sighting) MergeResult {
	switch len(sightings) {
	case 0:
		return MergeResult{}
	case 1:
		// Most orders are seen once, and need no copy.
		return MergeResult{Order: sightings[0].Order}
	}
	// Latest first; the sort is stable and total, so input order never
	// matters.
	s := make([]Sighting, len(sightings))
	copy(s, sightings)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && newer(s[j], s[j-1]); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	out := *s[0].Order
	res := MergeResult{Order: &out}
	for _, f := range identityFields {
		cur := f.get(&out)
		for _, older := range s[1:] {
			v := f.get(older.Order)
			if v == "" {
				continue
			}
			if cur == "" {
				f.set(&out, older.Order)
				cur = f.get(&out)
				res.Enriched = true
			} else if !strings.EqualFold(v, cur) {
				res.Conflicts = appendOnce(res.Conflicts, f.name)
			}
		}
	}
	if out.OrderedAt.IsZero() {
		for _, older := range s[1:] {
			if !older.Order.OrderedAt.IsZero() {
				out.OrderedAt = older.Order.OrderedAt
				break
			}
		}
	}
	out.Lines, res.LinesChanged = latestLines(s)
	return res
}

func appendOnce(list []string, v string) []string {
	for _, x := range list {
		if x == v {
			return list
		}
	}
	return append(list, v)
}

// identityField reads and copies one buyer or address detail. Fields that
// belong together (a document and its type, an e-mail and its kind) move
// together.
type identityField struct {
	name string
	get  func(*Order) string
	set  func(dst, src *Order)
}

var identityFields = []identityField{
	{"buyer_ref", func(o *Order) string { return o.Buyer.Ref }, func(d, s *Order) { d.Buyer.Ref = s.Buyer.Ref }},
	{"buyer_name", func(o *Order) string { return o.Buyer.Name }, func(d, s *Order) { d.Buyer.Name = s.Buyer.Name }},
	{"buyer_document", func(o *Order) string { return o.Buyer.Document }, func(d, s *Order) {
		d.Buyer.Document, d.Buyer.DocumentType = s.Buyer.Document, s.Buyer.DocumentType
	}},
	{"buyer_email", func(o *Order) string { return o.Buyer.Email }, func(d, s *Order) {
		d.Buyer.Email, d.Buyer.EmailKind = s.Buyer.Email, s.Buyer.EmailKind
	}},
	{"buyer_phone", func(o *Order) string { return o.Buyer.Phone }, func(d, s *Order) { d.Buyer.Phone = s.Buyer.Phone }},
	{"recipient_name", func(o *Order) string { return o.Ship.RecipientName }, func(d, s *Order) { d.Ship.RecipientName = s.Ship.RecipientName }},
	{"recipient_phone", func(o *Order) string { return o.Ship.RecipientPhone }, func(d, s *Order) { d.Ship.RecipientPhone = s.Ship.RecipientPhone }},
	{"ship_street", func(o *Order) string { return o.Ship.Street }, func(d, s *Order) { d.Ship.Street = s.Ship.Street }},
	{"ship_number", func(o *Order) string { return o.Ship.Number }, func(d, s *Order) { d.Ship.Number = s.Ship.Number }},
	{"ship_neighborhood", func(o *Order) string { return o.Ship.Neighborhood }, func(d, s *Order) { d.Ship.Neighborhood = s.Ship.Neighborhood }},
	{"ship_city", func(o *Order) string { return o.Ship.City }, func(d, s *Order) { d.Ship.City = s.Ship.City }},
	{"ship_state", func(o *Order) string { return o.Ship.State }, func(d, s *Order) { d.Ship.State = s.Ship.State }},
	{"ship_postal_code", func(o *Order) string { return o.Ship.PostalCode }, func(d, s *Order) { d.Ship.PostalCode = s.Ship.PostalCode }},
	{"ship_country", func(o *Order) string { return o.Ship.Country }, func(d, s *Order) { d.Ship.Country = s.Ship.Country }},
}

// A read is what one input (a file, a pull) showed of an order at one
// update time: its sightings share Rank and UpdatedAt. A read is usually
// one sighting, but an export that lists an order's rows apart from each
// other gives several, each with part of the lines.
type read struct {
	rank    string
	updated time.Time
	parts   []*Order
}

// reads groups the sightings that carry lines by read, in the order s has
// them (latest first).
func reads(s []Sighting) []read {
	var out []read
next:
	for _, sg := range s {
		if len(sg.Order.Lines) == 0 {
			// A sighting without lines (a status update, an order
			// whose items were not given) says nothing of them.
			continue
		}
		for i := range out {
			if out[i].rank == sg.Rank && out[i].updated.Equal(sg.Order.UpdatedAt) {
				out[i].parts = append(out[i].parts, sg.Order)
				continue next
			}
		}
		out = append(out, read{rank: sg.Rank, updated: sg.Order.UpdatedAt, parts: []*Order{sg.Order}})
	}
	return out
}

// lines is every line of the read, numbered 1..n: the parts' lines, the
// part whose rows come first first. A part that repeats another whole (the
// same page served twice) adds nothing.
func (r *read) lines() []Line {
	if len(r.parts) == 1 {
		return numbered(r.parts[0].Lines)
	}
	parts := make([]*Order, len(r.parts))
	copy(parts, r.parts)
	slices.SortStableFunc(parts, func(a, b *Order) int { return cmp.Compare(firstRow(a), firstRow(b)) })
	var out []Line
	for i, p := range parts {
		if slices.ContainsFunc(parts[:i], func(q *Order) bool { return slices.Equal(q.Lines, p.Lines) }) {
			continue
		}
		out = append(out, p.Lines...)
	}
	for i := range out {
		out[i].LineNo = i + 1
	}
	return out
}

// numbered returns lines numbered 1..n: lines itself when they are, a
// numbered copy when not.
func numbered(lines []Line) []Line {
	for i := range lines {
		if lines[i].LineNo != i+1 {
			out := slices.Clone(lines)
			for j := range out {
				out[j].LineNo = j + 1
			}
			return out
		}
	}
	return lines
}

func firstRow(o *Order) int {
	m := o.Lines[0].SourceRow
	for _, l := range o.Lines[1:] {
		m = min(m, l.SourceRow)
	}
	return m
}

// latestLines returns the lines of the latest read that carries lines, and
// whether an earlier read carried other lines. Lines are never united
// across reads: an order edit removes a line or lowers its quantity, a
// cancellation or a return takes it out, and the order is what it is now.
//
// The dataset's copy of an order carries its lines at the order's update
// time, not at the time they were seen: after a sighting without lines
// moved the update time, an older sighting with lines read in a later run
// does not replace them.
func latestLines(s []Sighting) ([]Line, bool) {
	rs := reads(s)
	if len(rs) == 0 {
		return nil, false
	}
	latest := rs[0].lines()
	for i := range rs[1:] {
		if !SameLines(rs[i+1].lines(), latest) {
			return latest, true
		}
	}
	return latest, false
}

// SameLines reports whether two sightings' lines describe the same items:
// as many lines, each matching one of the other's in quantity and in every
// detail both know (SKU, listing, title, variation, unit price, line
// total). Line numbers, rows and line status are not compared: a status
// change is not a change of what was bought, and a file and an API may
// each know details the other lacks.
func SameLines(a, b []Line) bool {
	if len(a) != len(b) {
		return false
	}
	used := make([]bool, len(b))
next:
	for i := range a {
		for j := range b {
			if !used[j] && sameLine(&a[i], &b[j]) {
				used[j] = true
				continue next
			}
		}
		return false
	}
	return true
}

func sameLine(a, b *Line) bool {
	text := func(x, y string) bool { return x == "" || y == "" || x == y }
	money := func(x, y Amount) bool { return !x.Valid || !y.Valid || x.Cents == y.Cents }
	return a.Quantity == b.Quantity && text(a.SKU, b.SKU) && text(a.ListingID, b.ListingID) &&
		text(a.Title, b.Title) && text(a.Variation, b.Variation) &&
		money(a.UnitPrice, b.UnitPrice) && money(a.LineTotal, b.LineTotal)
}

// Key identifies an order across sightings.
func (o *Order) Key() string { return o.Source + "\x00" + o.Account + "\x00" + o.OrderID }

// Month is the order's ordered_month partition value, "YYYY-MM" in UTC.
func (o *Order) Month() string {
	if o.OrderedAt.IsZero() {
		return "unknown"
	}
	return o.OrderedAt.UTC().Format("2006-01")
}

// Equal reports whether two orders carry the same data, whatever file or
// row they were read from.
func (o *Order) Equal(p *Order) bool {
	a, b := *o, *p
	a.SourceFile, a.SourceRow, b.SourceFile, b.SourceRow = "", 0, "", 0
	if !a.OrderedAt.Equal(b.OrderedAt) || !a.UpdatedAt.Equal(b.UpdatedAt) {
		return false
	}
	a.OrderedAt, a.UpdatedAt, b.OrderedAt, b.UpdatedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(a.Lines) != len(b.Lines) {
		return false
	}
	for i := range a.Lines {
		la, lb := a.Lines[i], b.Lines[i]
		la.SourceRow, lb.SourceRow = 0, 0
		if la != lb {
			return false
		}
	}
	a.Lines, b.Lines = nil, nil
	return reflect.DeepEqual(a, b)
}

package normalize

import (
	"reflect"
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
	// sighting's own, so copy it before changing it.
	Order *Order
	// Enriched is true when the latest sighting lacked a buyer detail that
	// an earlier one had (masked after delivery, say) and it was kept.
	Enriched bool
	// Conflicts names the buyer fields whose clear values differ between
	// sightings; the latest clear value is kept.
	Conflicts []string
}

// Merge combines every sighting of one order, whatever the order they come
// in: status, dates and amounts come from the latest sighting; buyer and
// address details keep the latest clear value ever seen, so a value masked or
// left out later never erases one seen before; lines are united by what they
// sell, the latest sighting's version winning.
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
	if len(s) == 1 {
		return res
	}
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
	out.Lines = mergeLines(s)
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

// lineKey is what a line sells: the same listing, SKU and variation in
// two sightings is one line.
func lineKey(l *Line) string {
	return l.ListingID + "\x00" + l.SKU + "\x00" + l.Variation + "\x00" + l.Title
}

// mergeLines unites the lines of all sightings (latest first), renumbering
// them 1..n in the order they first appear.
func mergeLines(s []Sighting) []Line {
	seen := map[string]bool{}
	var out []Line
	for _, sg := range s {
		// Within one sighting, repeated keys are distinct lines (the same
		// SKU bought twice on separate lines), so dedupe only across.
		added := map[string]bool{}
		for _, l := range sg.Order.Lines {
			k := lineKey(&l)
			if seen[k] && !added[k] {
				continue
			}
			added[k] = true
			out = append(out, l)
		}
		for k := range added {
			seen[k] = true
		}
	}
	for i := range out {
		out[i].LineNo = i + 1
	}
	return out
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

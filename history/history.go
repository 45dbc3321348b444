// Package history builds a seller's view of the customers in a committed
// dataset: each customer's purchases in the seller's time zone, spend per
// currency, channels, marketplace usernames, segment and RFM cell, and what
// each segment buys. The report and the spreadsheet exports are both drawn
// from it, so the page and the sheets always agree.
//
// It reads only the files the dataset's manifest lists (see Committed) and
// never writes, locks or repairs anything.
package history

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // the seller's zone must resolve on machines without a zone database (Windows)

	"github.com/orderhist/orderhist/normalize"
)

// Rules are the documented, configurable definitions the segments and the
// RFM grid follow. The report prints them next to the numbers.
type Rules struct {
	// InactiveDays: a customer whose latest purchase is this many days or
	// more before the as-of date is inactive (a customer to win back).
	InactiveDays int
	// RecurringOrders: an active customer with at least this many
	// purchases is recurring; with fewer, new.
	RecurringOrders int
	// RecencyDays are the upper bounds, in days since the latest purchase,
	// of RFM recency scores 5, 4, 3 and 2; anything older scores 1.
	RecencyDays [4]int
	// FrequencyOrders are the lower bounds, in purchases, of RFM frequency
	// scores 2, 3, 4 and 5; a single purchase scores 1.
	FrequencyOrders [4]int
}

// DefaultRules are the rules unless the seller chooses others.
var DefaultRules = Rules{
	InactiveDays:    90,
	RecurringOrders: 2,
	RecencyDays:     [4]int{30, 90, 180, 365},
	FrequencyOrders: [4]int{2, 3, 4, 6},
}

// Validate reports rules that cannot place every customer.
func (r Rules) Validate() error {
	if r.InactiveDays < 1 {
		return fmt.Errorf("the inactive window must be at least 1 day, not %d", r.InactiveDays)
	}
	if r.RecurringOrders < 2 {
		return fmt.Errorf("a recurring customer needs at least 2 purchases, not %d", r.RecurringOrders)
	}
	for i := 1; i < 4; i++ {
		if r.RecencyDays[i] <= r.RecencyDays[i-1] || r.FrequencyOrders[i] <= r.FrequencyOrders[i-1] {
			return fmt.Errorf("RFM bounds must grow: recency %v, frequency %v", r.RecencyDays, r.FrequencyOrders)
		}
	}
	if r.RecencyDays[0] < 0 || r.FrequencyOrders[0] < 2 {
		return fmt.Errorf("RFM bounds out of range: recency %v, frequency %v", r.RecencyDays, r.FrequencyOrders)
	}
	return nil
}

// Segment of a customer as of the as-of date.
type Segment string

const (
	SegmentNew       Segment = "new"       // fewer than RecurringOrders purchases, the latest within InactiveDays
	SegmentRecurring Segment = "recurring" // RecurringOrders purchases or more, the latest within InactiveDays
	SegmentInactive  Segment = "inactive"  // latest purchase InactiveDays or more ago
	// SegmentNoPurchase holds customers whose every order was cancelled
	// or has no date: there is no purchase to place them by.
	SegmentNoPurchase Segment = "no_purchase"
)

// Segments lists the segments in the order the report shows them.
var Segments = []Segment{SegmentNew, SegmentRecurring, SegmentInactive, SegmentNoPurchase}

// ParseSegment accepts a segment name as the command line gives it.
func ParseSegment(s string) (Segment, error) {
	for _, seg := range Segments {
		if string(seg) == s {
			return seg, nil
		}
	}
	names := make([]string, len(Segments))
	for i, seg := range Segments {
		names[i] = string(seg)
	}
	return "", fmt.Errorf("unknown segment %q (known: %s)", s, strings.Join(names, ", "))
}

// Options say how to read the dataset.
type Options struct {
	Location *time.Location // the seller's time zone; months and days are counted in it
	AsOf     time.Time      // the day segments are computed for, a date in Location
	Rules    Rules
}

// Money is an amount in one currency; amounts in different currencies are
// never added together.
type Money struct {
	Currency string // ISO 4217; "" where the source gave none
	Cents    int64
}

// Customer is one customer as the seller sees them.
type Customer struct {
	ID        string
	Name      string   // best known name; "" where every source masked it
	Usernames []string // marketplace usernames or buyer ids, as the marketplace shows them
	Document  string
	Email     string
	Phone     string
	City      string
	State     string

	Channels      []string  // sources of their orders, sorted
	FirstPurchase time.Time // in Location; zero without a dated purchase
	LastPurchase  time.Time
	Purchases     int     // dated orders that were not cancelled, up to AsOf
	Cancelled     int     // cancelled orders
	Spend         []Money // order totals of the purchases, per currency, largest first
	Priced        int     // purchases with a known total
	DaysSince     int     // days from LastPurchase to AsOf; -1 without a purchase
	Segment       Segment
	Recency       int // RFM recency score 1-5; 0 without a purchase
	Frequency     int // RFM frequency score 1-5; 0 without a purchase

	idx int32
}

// Display is what the report calls the customer: the name, else a
// marketplace username (Shopee masks most buyers' names), else the e-mail
// or the phone, else the id.
func (c *Customer) Display() string {
	if c.Name != "" {
		return c.Name
	}
	if len(c.Usernames) > 0 {
		return c.Usernames[0]
	}
	return cmp.Or(c.Email, c.Phone, c.ID)
}

// AvgTicket is the customer's average purchase in their one currency, and
// false where they bought in several or no total is known.
func (c *Customer) AvgTicket() (Money, bool) {
	if len(c.Spend) != 1 || c.Priced == 0 {
		return Money{}, false
	}
	return Money{Currency: c.Spend[0].Currency, Cents: normalize.DivRound(c.Spend[0].Cents, int64(c.Priced))}, true
}

// MainSpend is the customer's spend in the currency they spent most in.
func (c *Customer) MainSpend() Money {
	if len(c.Spend) == 0 {
		return Money{}
	}
	return c.Spend[0]
}

// SpendIn is the customer's spend in one currency.
func (c *Customer) SpendIn(cur string) int64 {
	for _, m := range c.Spend {
		if m.Currency == cur {
			return m.Cents
		}
	}
	return 0
}

// Order is one order, reduced to what the report aggregates.
type Order struct {
	Customer  int32 // index into History.Customers
	Channel   string
	Currency  string
	At        time.Time // in Location
	Total     int64
	HasTotal  bool
	Cancelled bool
}

// Product is what customers bought of one product, in one segment or
// overall.
type Product struct {
	Key       string // SKU, else listing id, else title
	Title     string
	Units     int64
	Revenue   []Money
	Customers int
	Orders    int
}

// History is the dataset as of Options.AsOf.
type History struct {
	Options
	Customers []*Customer
	// Orders are the dated orders placed up to AsOf, cancelled included,
	// sorted by time.
	Orders []Order
	// Undated counts orders without a date; Later counts orders placed
	// after AsOf. Neither is in Orders.
	Undated, Later int
	// Products per segment, and overall under the key "", by units.
	Products map[Segment][]Product
	// Categories are the same per product category (Key and Title are
	// the category), from the lines whose source names one; empty when
	// none does (only TikTok Shop's export and csv mappings carry one).
	Categories map[Segment][]Product

	byID map[string]*Customer
}

// Customer returns the customer with id, or nil.
func (h *History) Customer(id string) *Customer { return h.byID[id] }

// IsCancelled tells whether a status of the dataset means the sale did not
// happen.
func IsCancelled(status string) bool { return status == "cancelled" }

// Load reads the committed dataset and builds the history as of opt.AsOf.
func Load(ctx context.Context, src Committed, opt Options) (*History, error) {
	if opt.Location == nil {
		return nil, fmt.Errorf("history: no time zone")
	}
	if err := opt.Rules.Validate(); err != nil {
		return nil, err
	}
	y, m, d := opt.AsOf.Date()
	opt.AsOf = time.Date(y, m, d, 0, 0, 0, 0, opt.Location)
	end := opt.AsOf.AddDate(0, 0, 1) // orders of the as-of day count
	h := &History{Options: opt, byID: map[string]*Customer{}, Products: map[Segment][]Product{}, Categories: map[Segment][]Product{}}

	get := func(id string) *Customer {
		c := h.byID[id]
		if c == nil {
			c = &Customer{ID: id, DaysSince: -1, idx: int32(len(h.Customers))}
			h.byID[id] = c
			h.Customers = append(h.Customers, c)
		}
		return c
	}
	err := readTable(ctx, src, tableCustomers, func(rows []customerRow) error {
		for _, r := range rows {
			c := get(r.CustomerID)
			c.Name, c.Document, c.Email, c.Phone, c.City, c.State = r.Name, r.Document, r.Email, r.Phone, r.City, r.State
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	users := map[*Customer]map[string]bool{}
	addUser := func(c *Customer, v string) {
		if v == "" {
			return
		}
		if users[c] == nil {
			users[c] = map[string]bool{}
		}
		users[c][v] = true
	}
	err = readTable(ctx, src, tableIdentities, func(rows []identityRow) error {
		for _, r := range rows {
			if r.Kind == "marketplace_user" {
				addUser(get(r.CustomerID), userName(r.Source, r.Value))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	type spendKey struct {
		c   *Customer
		cur string
	}
	spend := map[spendKey]int64{}
	channels := map[*Customer]map[string]bool{}
	// A name given on an order fills in a customer the customers table
	// has none for: the latest order's.
	type named struct {
		at   time.Time
		name string
	}
	orderName := map[*Customer]named{}
	// Items carry no currency. A line takes its account's first currency,
	// and only orders in another one are remembered one by one, so memory
	// does not grow with the number of orders.
	accountCur := map[[2]string]string{}
	orderCur := map[[3]string]string{}
	err = readTable(ctx, src, tableOrders, func(rows []OrderRecord) error {
		for _, r := range rows {
			c := get(r.CustomerID)
			if channels[c] == nil {
				channels[c] = map[string]bool{}
			}
			channels[c][r.Source] = true
			addUser(c, r.BuyerRef)
			ak := [2]string{r.Source, r.Account}
			if first, seen := accountCur[ak]; !seen {
				accountCur[ak] = r.Currency
			} else if first != r.Currency {
				orderCur[[3]string{r.Source, r.Account, r.OrderID}] = r.Currency
			}
			if r.OrderedAt == nil {
				h.Undated++
				continue
			}
			at := r.OrderedAt.In(opt.Location)
			if !at.Before(end) {
				h.Later++
				continue
			}
			if r.BuyerName != "" && !at.Before(orderName[c].at) {
				orderName[c] = named{at, r.BuyerName}
			}
			o := Order{Customer: c.idx, Channel: r.Source, Currency: r.Currency, At: at, Cancelled: IsCancelled(r.Status)}
			if r.OrderTotal != nil {
				o.Total, o.HasTotal = *r.OrderTotal, true
			}
			h.Orders = append(h.Orders, o)
			if o.Cancelled {
				c.Cancelled++
				continue
			}
			c.Purchases++
			if c.FirstPurchase.IsZero() || at.Before(c.FirstPurchase) {
				c.FirstPurchase = at
			}
			if at.After(c.LastPurchase) {
				c.LastPurchase = at
			}
			if o.HasTotal {
				spend[spendKey{c, r.Currency}] += o.Total
				c.Priced++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(h.Orders, func(a, b Order) int { return a.At.Compare(b.At) })
	for k, v := range spend {
		k.c.Spend = append(k.c.Spend, Money{Currency: k.cur, Cents: v})
	}
	for _, c := range h.Customers {
		slices.SortFunc(c.Spend, func(a, b Money) int {
			return cmp.Or(cmp.Compare(b.Cents, a.Cents), cmp.Compare(a.Currency, b.Currency))
		})
		for ch := range channels[c] {
			c.Channels = append(c.Channels, ch)
		}
		slices.Sort(c.Channels)
		for u := range users[c] {
			c.Usernames = append(c.Usernames, u)
		}
		slices.Sort(c.Usernames)
		if c.Name == "" {
			c.Name = orderName[c].name
		}
		h.place(c)
	}

	if err := h.loadProducts(ctx, src, accountCur, orderCur, end); err != nil {
		return nil, err
	}
	return h, nil
}

// userName is the username in a marketplace_user identity, which the
// dataset stores as "source:account:username" so that two marketplaces'
// users of one name stay apart.
func userName(source, value string) string {
	if parts := strings.SplitN(value, ":", 3); len(parts) == 3 && parts[0] == source {
		return parts[2]
	}
	return value
}

// DaysBetween counts calendar days from a to b in loc.
func DaysBetween(a, b time.Time, loc *time.Location) int {
	ay, am, ad := a.In(loc).Date()
	by, bm, bd := b.In(loc).Date()
	// Noon UTC of each date: whole days apart, whatever DST did.
	da := time.Date(ay, am, ad, 12, 0, 0, 0, time.UTC)
	db := time.Date(by, bm, bd, 12, 0, 0, 0, time.UTC)
	return int(db.Sub(da).Hours() / 24)
}

// place computes a customer's segment and RFM scores.
func (h *History) place(c *Customer) {
	pl := h.Rules.Place(c.Purchases, c.LastPurchase, h.AsOf, h.Location)
	c.Segment, c.DaysSince, c.Recency, c.Frequency = pl.Segment, pl.DaysSince, pl.Recency, pl.Frequency
}

// Placement is where the rules put a customer.
type Placement struct {
	Segment   Segment
	DaysSince int // days from the latest purchase to the as-of date; -1 without a purchase
	Recency   int // RFM recency score 1-5; 0 without a purchase
	Frequency int // RFM frequency score 1-5; 0 without a purchase
}

// Place puts a customer with purchases purchases (orders not cancelled,
// dated on or before the as-of date), the latest at last, in a segment and
// an RFM cell as of the day asOf, counting days in loc. It is the one
// definition of the segments: the importer writes customers.segment with
// it, and the report and the exports show it.
func (r Rules) Place(purchases int, last, asOf time.Time, loc *time.Location) Placement {
	if purchases == 0 {
		return Placement{Segment: SegmentNoPurchase, DaysSince: -1}
	}
	pl := Placement{DaysSince: DaysBetween(last, asOf, loc)}
	switch {
	case pl.DaysSince >= r.InactiveDays:
		pl.Segment = SegmentInactive
	case purchases >= r.RecurringOrders:
		pl.Segment = SegmentRecurring
	default:
		pl.Segment = SegmentNew
	}
	pl.Recency = 1
	for i, bound := range r.RecencyDays {
		if pl.DaysSince <= bound {
			pl.Recency = 5 - i
			break
		}
	}
	pl.Frequency = 1
	for i, bound := range r.FrequencyOrders {
		if purchases >= bound {
			pl.Frequency = 2 + i
		}
	}
	return pl
}

type productAgg struct {
	Product
	revenue   map[string]int64
	customers map[int32]bool
	orders    map[[3]string]bool
}

// loadProducts ranks what customers bought, by product and by category,
// overall and per segment. Lines of cancelled orders and lines cancelled on
// their own are left out.
func (h *History) loadProducts(ctx context.Context, src Committed, accountCur map[[2]string]string, orderCur map[[3]string]string, end time.Time) error {
	products := map[Segment]map[string]*productAgg{}
	categories := map[Segment]map[string]*productAgg{}
	add := func(aggs map[Segment]map[string]*productAgg, seg Segment, key, title string, r *itemRow, cur string, c *Customer) {
		m := aggs[seg]
		if m == nil {
			m = map[string]*productAgg{}
			aggs[seg] = m
		}
		a := m[key]
		if a == nil {
			a = &productAgg{Product: Product{Key: key, Title: title}, revenue: map[string]int64{}, customers: map[int32]bool{}, orders: map[[3]string]bool{}}
			m[key] = a
		}
		if a.Title == "" {
			a.Title = title
		}
		q := int64(r.Quantity)
		if q <= 0 {
			q = 1
		}
		a.Units += q
		if r.LineTotal != nil {
			a.revenue[cur] += *r.LineTotal
		}
		a.customers[c.idx] = true
		a.orders[[3]string{r.Source, r.Account, r.OrderID}] = true
	}
	err := readTable(ctx, src, tableItems, func(rows []itemRow) error {
		for i := range rows {
			r := &rows[i]
			if IsCancelled(r.Status) || r.OrderedAt == nil || !r.OrderedAt.Before(end) {
				continue
			}
			c := h.byID[r.CustomerID]
			if c == nil {
				continue
			}
			cur, ok := orderCur[[3]string{r.Source, r.Account, r.OrderID}]
			if !ok {
				cur = accountCur[[2]string{r.Source, r.Account}]
			}
			if key := cmp.Or(r.SKU, r.ListingID, r.Title); key != "" {
				add(products, "", key, r.Title, r, cur, c)
				add(products, c.Segment, key, r.Title, r, cur, c)
			}
			if r.Category != "" {
				add(categories, "", r.Category, r.Category, r, cur, c)
				add(categories, c.Segment, r.Category, r.Category, r, cur, c)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	rank(products, h.Products)
	rank(categories, h.Categories)
	return nil
}

// rank sorts each segment's aggregates into out, by units.
func rank(aggs map[Segment]map[string]*productAgg, out map[Segment][]Product) {
	for seg, m := range aggs {
		list := make([]Product, 0, len(m))
		for _, a := range m {
			p := a.Product
			for cur, v := range a.revenue {
				p.Revenue = append(p.Revenue, Money{cur, v})
			}
			slices.SortFunc(p.Revenue, func(a, b Money) int { return cmp.Compare(b.Cents, a.Cents) })
			p.Customers, p.Orders = len(a.customers), len(a.orders)
			list = append(list, p)
		}
		slices.SortFunc(list, func(a, b Product) int {
			return cmp.Or(cmp.Compare(b.Units, a.Units), cmp.Compare(b.Customers, a.Customers), cmp.Compare(a.Key, b.Key))
		})
		out[seg] = list
	}
}

// DefaultZone is the seller's time zone unless they name another.
const DefaultZone = "America/Sao_Paulo"

// ParseOptions builds Options from command-line values: an IANA zone name,
// an as-of date (YYYY-MM-DD; "" for today in that zone, now being the
// clock) and the rules.
func ParseOptions(zone, asOf string, now time.Time, rules Rules) (Options, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil || zone == "" {
		return Options{}, fmt.Errorf("unknown time zone %q (an IANA name such as %s)", zone, DefaultZone)
	}
	day := now.In(loc)
	if asOf != "" {
		day, err = time.ParseInLocation(time.DateOnly, asOf, loc)
		if err != nil {
			return Options{}, fmt.Errorf("the as-of date must look like 2026-11-29, not %q", asOf)
		}
	}
	if err := rules.Validate(); err != nil {
		return Options{}, err
	}
	y, m, d := day.Date()
	return Options{Location: loc, AsOf: time.Date(y, m, d, 0, 0, 0, 0, loc), Rules: rules}, nil
}

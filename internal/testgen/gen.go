package testgen

import (
	"math/rand/v2"
	"time"
	_ "time/tzdata" // hosts without a tz database (slim containers) still know São Paulo
)

var saoPaulo = func() *time.Location {
	l, err := time.LoadLocation("America/Sao_Paulo")
	if err != nil {
		panic(err)
	}
	return l
}()

// utc8 dates Shopee order numbers.
var utc8 = time.FixedZone("UTC+8", 8*3600)

type line struct {
	prod  *product
	qty   int
	unit  int64
	total int64
}

type order struct {
	id        string
	at        time.Time // UTC, at the precision the layout writes
	status    string
	detail    string
	cancelled bool
	lines     []line
	items     int64 // Σ line totals
	shipping  int64 // paid by the buyer
}

// ident holds the buyer and delivery identifiers exactly as one purchase
// writes them (after formatting, noise and masking).
type ident struct {
	buyerRef, name, document, email, phone string
	recipientName, recipientPhone          string
	street, number, complement, district   string
	cep, city, uf                          string
}

// purchase is what one checkout writes: one order, or for a Mercado Livre
// cart a summary row and its child orders.
type purchase struct {
	buyer, recipient *Person
	gift             bool
	packID           string
	at               time.Time
	orders           []order
	id               ident
	ev               evidence
	rows             int
	// Totals under the manifest's definitions for the layout.
	itemsTotal, orderTotal, netTotal int64
	units                            int
	// Layout details the writers need.
	updated  time.Time // Amazon last-updated-date; Shopify fulfilment or cancellation
	masked   bool      // Shopee: buyer data masked after delivery
	ml       mlMoney
	shopee   shopeeMoney
	shopName string // Shopify "#1001"
	shopID   string // Shopify numeric id
	pkgID    string // TikTok package
	payment  string
	paidAt   time.Time
	status   int // layout-specific status class
	shopify  shopifyExtra
}

func (p *purchase) reset() {
	orders := p.orders[:0]
	*p = purchase{orders: orders}
}

// addOrder appends an order, reusing line slices across purchases so a
// million-line run allocates little.
func (p *purchase) addOrder() *order {
	if len(p.orders) < cap(p.orders) {
		p.orders = p.orders[:len(p.orders)+1]
		o := &p.orders[len(p.orders)-1]
		lines := o.lines[:0]
		*o = order{lines: lines}
		return o
	}
	p.orders = append(p.orders, order{})
	return &p.orders[len(p.orders)-1]
}

// gen streams the purchases of one layout.
type gen struct {
	cfg      *Config
	lay      *layout
	pop      []Person
	cat      *catalog
	r        *rand.Rand
	nz       noise
	buyers   *aliasTable
	from, to time.Time
	total    int // data rows to write
	done     int
	seq      uint64 // orders and carts numbered so far
	idKey    uint64 // keys the id permutation, per layout
	mlID     uint64
	p        purchase
}

var (
	linesPerOrder = newWeighted([]int{1, 2, 3, 4, 5, 6}, []float64{85, 10, 3, 1, 0.6, 0.4})
	quantities    = newWeighted([]int{1, 2, 3, 4, 5, 6, 10}, []float64{80, 12, 4, 1.5, 1.2, 0.8, 0.5})
	cartSizes     = newWeighted([]int{2, 3, 4, 5, 6}, []float64{70, 17, 7, 4, 2})
)

func newGen(cfg *Config, lay *layout, rows int, pop []Person, cat *catalog) *gen {
	g := &gen{
		cfg: cfg, lay: lay, pop: pop, cat: cat,
		r:     newRand(cfg.Seed, "layout/"+lay.name),
		nz:    newNoise(cfg.Noise),
		from:  cfg.From,
		to:    cfg.To,
		total: rows,
	}
	if lay.recent {
		// Open-order exports ("to ship") hold only the last days' orders.
		if f := g.to.Add(-15 * 24 * time.Hour); f.After(g.from) {
			g.from = f
		}
	}
	g.idKey = splitmix64(uint64(cfg.Seed) ^ labelHash("ids/"+lay.name))
	g.buyers = buyerTable(pop, lay.source)
	g.mlID = 2000008000000000 + uint64(g.r.IntN(1_000_000_000))
	return g
}

// buyerTable weights the channel's buyers by activity; a channel nobody
// uses (tiny populations) falls back to everyone.
func buyerTable(pop []Person, source string) *aliasTable {
	var ids []int32
	var ws []float64
	for i := range pop {
		if pop[i].buysOn(source) {
			ids = append(ids, int32(i))
			ws = append(ws, pop[i].Activity)
		}
	}
	if len(ids) == 0 {
		for i := range pop {
			ids = append(ids, int32(i))
			ws = append(ws, pop[i].Activity)
		}
	}
	return newAlias(ids, ws)
}

// next fills g.p with the next purchase; false when the layout's rows are
// all written.
func (g *gen) next() bool {
	left := g.total - g.done
	if left <= 0 {
		return false
	}
	p := &g.p
	p.reset()
	p.buyer = &g.pop[g.buyers.sample(g.r)]
	p.recipient = p.buyer
	if chance(g.r, g.nz.gift) && len(g.pop) > 1 {
		for range 8 {
			q := &g.pop[g.r.IntN(len(g.pop))]
			if q.Household != p.buyer.Household {
				p.recipient, p.gift = q, true
				break
			}
		}
	}
	g.lay.build(g, p, left)
	g.seq++
	g.done += p.rows
	return true
}

// timeAt places a purchase of rows rows in the period: times rise with the
// position in the file, so the writers stream orders in date order without
// sorting.
func (g *gen) timeAt(rows int) time.Time {
	span := g.to.Sub(g.from)
	frac := (float64(g.done) + g.r.Float64()*float64(rows)) / float64(g.total)
	t := g.from.Add(time.Duration(frac * float64(span))).Truncate(g.lay.precision)
	for t.Before(g.from) {
		t = t.Add(g.lay.precision)
	}
	if g.lay.wallClock {
		t = unambiguous(t)
	}
	return t.UTC()
}

// unambiguous moves t out of the hour São Paulo repeated when daylight
// saving time ended (until 2019): a wall time there names two instants, and
// a reader can only pick one.
func unambiguous(t time.Time) time.Time {
	for range 3 {
		w := t.In(saoPaulo)
		back := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, saoPaulo)
		if back.Equal(t) {
			return t
		}
		t = t.Add(time.Hour)
	}
	return t
}

// fillLines adds n lines of distinct products.
func (g *gen) fillLines(o *order, n int) {
	for len(o.lines) < n {
		pr := &g.cat.products[g.cat.pick.sample(g.r)]
		dup := false
		for _, l := range o.lines {
			dup = dup || l.prod == pr
		}
		if dup && len(g.cat.products) > n {
			continue
		}
		q := quantities.pick(g.r)
		if pr.price > 100000 {
			q = 1
		}
		o.lines = append(o.lines, line{prod: pr, qty: q, unit: pr.price, total: pr.price * int64(q)})
		o.items += pr.price * int64(q)
	}
}

// shippingFee is what the buyer pays for delivery: free above a threshold
// most of the time, else a fee that grows with weight.
func (g *gen) shippingFee(items int64, grams int) int64 {
	if items >= 7900 && chance(g.r, 0.8) {
		return 0
	}
	if chance(g.r, 0.25) {
		return 0
	}
	fee := int64(1290 + grams/100*37 + g.r.IntN(800))
	return fee - fee%10
}

func (g *gen) weight(o *order) int {
	w := 0
	for _, l := range o.lines {
		w += l.prod.grams * l.qty
	}
	return w
}

// nextMLID draws increasing 16-digit Mercado Livre ids: sales and packs
// share one sequence, as in the real report.
func (g *gen) nextMLID() string {
	g.mlID += 1 + uint64(g.r.IntN(40000))
	return u64(g.mlID)
}

func addStats(st *FileStats, p *purchase) {
	st.Rows += p.rows
	st.Orders += len(p.orders)
	st.Units += p.units
	st.ItemsTotal += p.itemsTotal
	st.OrderTotal += p.orderTotal
	if st.NetTotal != nil {
		*st.NetTotal += p.netTotal
	}
	for i := range p.orders {
		o := &p.orders[i]
		st.Lines += len(o.lines)
		if st.FirstOrderedAt == nil || o.at.Before(*st.FirstOrderedAt) {
			t := o.at
			st.FirstOrderedAt = &t
		}
		if st.LastOrderedAt == nil || o.at.After(*st.LastOrderedAt) {
			t := o.at
			st.LastOrderedAt = &t
		}
	}
}

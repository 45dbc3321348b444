package pullertest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Clock is the fake clock of a suite run: the puller's Now and Sleep, the
// fake API's time. Sleeping advances it at once, so backoff, Retry-After and
// pacing cost no real time and rates are counted exactly.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the current fake time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Sleep advances the clock by d, unless ctx has ended.
func (c *Clock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.Advance(d)
	return nil
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	if d <= 0 {
		return
	}
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Order is an order of the fake API: what the suite changes and checks.
// Times are whole seconds, as every API writes them.
type Order struct {
	ID      string
	Created time.Time
	Updated time.Time
	Status  string
}

// Store holds a fake API's orders.
type Store struct {
	mu     sync.Mutex
	orders map[string]Order
	sorted []Order // by creation time and id; nil when stale
}

// Put adds or replaces an order.
func (s *Store) Put(o Order) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.orders == nil {
		s.orders = map[string]Order{}
	}
	o.Created, o.Updated = o.Created.UTC().Truncate(time.Second), o.Updated.UTC().Truncate(time.Second)
	s.orders[o.ID] = o
	s.sorted = nil
}

// Get returns an order.
func (s *Store) Get(id string) (Order, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.orders[id]
	return o, ok
}

func byCreation(a, b Order) int {
	if c := a.Created.Compare(b.Created); c != 0 {
		return c
	}
	return compareIDs(a.ID, b.ID)
}

// Updated lists the orders last updated in [from, to) that keep, sorted by
// creation time and id (the order a search that sorts by date pages in).
func (s *Store) Updated(from, to time.Time, keep func(Order) bool) []Order {
	out, _ := s.Page(from, to, keep, false, 0, -1)
	return out
}

// Page is the page [off, off+limit) of what Updated lists, or of its
// reverse when desc, and the whole list's length; limit < 0 means all.
func (s *Store) Page(from, to time.Time, keep func(Order) bool, desc bool, off, limit int) ([]Order, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sorted == nil {
		s.sorted = make([]Order, 0, len(s.orders))
		for _, o := range s.orders {
			s.sorted = append(s.sorted, o)
		}
		slices.SortFunc(s.sorted, byCreation)
	}
	var out []Order
	n := 0
	take := func(o Order) {
		if !o.Updated.Before(from) && o.Updated.Before(to) && (keep == nil || keep(o)) {
			if n >= off && (limit < 0 || n < off+limit) {
				out = append(out, o)
			}
			n++
		}
	}
	if desc {
		for i := len(s.sorted) - 1; i >= 0; i-- {
			take(s.sorted[i])
		}
	} else {
		for _, o := range s.sorted {
			take(o)
		}
	}
	return out, n
}

func compareIDs(a, b string) int {
	if len(a) != len(b) {
		return len(a) - len(b)
	}
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// After returns the orders of list that sort after the order with id last
// (keyset paging: what a cursor API resumes from), or all of them.
func After(list []Order, last Order) []Order {
	if last.ID == "" {
		return list
	}
	i, _ := slices.BinarySearchFunc(list, last, byCreation)
	for i < len(list) && list[i].ID == last.ID {
		i++
	}
	return list[i:]
}

// Tokens is a fake OAuth server: refresh tokens that may be single use,
// access tokens that expire on the fake clock or when revoked.
type Tokens struct {
	mu    sync.Mutex
	clock *Clock
	// Rotating makes refresh tokens single use: each refresh returns a new
	// one and the old one is refused from then on.
	Rotating bool
	// TTL is an access token's lifetime.
	TTL     time.Duration
	refresh string
	spent   map[string]bool
	access  map[string]time.Time
	n       int
	reused  int
	count   int
}

// NewTokens starts a token server whose first refresh token is initial.
func NewTokens(clock *Clock, initial string, rotating bool, ttl time.Duration) *Tokens {
	return &Tokens{clock: clock, refresh: initial, Rotating: rotating, TTL: ttl, spent: map[string]bool{}, access: map[string]time.Time{}}
}

// Refresh trades a refresh token for a new pair; ok is false when the
// token is unknown or already spent.
func (t *Tokens) Refresh(rt string) (access, refresh string, expiresIn int, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.spent[rt] {
		t.reused++
		return "", "", 0, false
	}
	if rt != t.refresh {
		return "", "", 0, false
	}
	t.n++
	t.count++
	if t.Rotating {
		t.spent[rt] = true
		t.refresh = fmt.Sprintf("%s-r%d", initialOf(rt), t.n)
	}
	access = fmt.Sprintf("access-%d-%d", t.n, t.clock.Now().Unix())
	t.access[access] = t.clock.Now().Add(t.TTL)
	return access, t.refresh, int(t.TTL / time.Second), true
}

func initialOf(rt string) string {
	for i := range len(rt) {
		if rt[i] == '-' && i+2 < len(rt) && rt[i+1] == 'r' {
			return rt[:i]
		}
	}
	return rt
}

// Valid reports whether an access token works now.
func (t *Tokens) Valid(access string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	exp, ok := t.access[access]
	return ok && t.clock.Now().Before(exp)
}

// Revoke ends every access token now, as a password change does.
func (t *Tokens) Revoke() {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.access)
}

// Reused is how often a spent refresh token was presented.
func (t *Tokens) Reused() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reused
}

// Refreshes is how many refreshes succeeded.
func (t *Tokens) Refreshes() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.count
}

// Env is what a fake API serves from: the orders, the token server, the
// clock, and the suite's hooks into its order list.
type Env struct {
	Store  *Store
	Tokens *Tokens
	Clock  *Clock
	// Dup makes the fake repeat, at the top of each next page, the last
	// order of the page before, as lists do when an order moves up.
	Dup bool
	// Empty makes the fake serve an empty page between two full ones
	// (cursor APIs), or once in place of a page (offset APIs).
	Empty bool

	mu     sync.Mutex
	pages  int
	onPage func(n int)
}

// Page is called by the fake as it serves each page of an order list,
// before it reads the store: the suite changes orders there.
func (e *Env) Page() {
	e.mu.Lock()
	e.pages++
	n, f := e.pages, e.onPage
	e.mu.Unlock()
	if f != nil {
		f(n)
	}
}

// Pages is how many list pages were served.
func (e *Env) Pages() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pages
}

// EmptyNow reports, for an offset API, whether to serve the current page
// empty: once every few pages when Empty is set.
func (e *Env) EmptyNow() bool {
	if !e.Empty {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.pages%4 == 2
}

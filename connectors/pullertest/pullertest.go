// Package pullertest is the conformance suite every API puller runs from
// its own test, as connectortest is for file readers:
//
//	func TestConformance(t *testing.T) {
//		pullertest.Run(t, pullertest.Puller{Connector: connector{}, API: newFake, ...})
//	}
//
// The puller's test supplies a fake of its marketplace's API (an
// http.Handler serving the orders of an Env); the suite serves it over a
// real loopback connection through a layer that injects the faults real
// APIs and the proxies in front of them produce (429 with short and absurd
// Retry-After, bursts of 5xx, resets and cuts mid-body, stalls, HTML error
// pages, redirects to another host), changes orders between pages and
// between pulls, expires and revokes access tokens, refuses spent refresh
// tokens, and kills pulls at random points. Time is a fake clock, so
// backoff and pacing take no real time and the request rate is counted
// exactly.
//
// What every puller must do: bring every order updated in the pulled
// range exactly once per pull, with its latest state; mark checkpoints
// (connectors.Record.Checkpoint) that only grow, below which every order
// has been yielded; resume from the last checkpoint after a fault or a
// kill without losing or duplicating an order; never present a spent
// refresh token; send nothing to another host; fail loudly, naming the
// window, where the search cannot page through a window; and never exceed
// the configured rate by more than 10% in any 5 seconds.
package pullertest

import (
	"errors"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

// Puller describes the puller under test and its fake API.
type Puller struct {
	Connector connectors.APIPuller
	// API serves the marketplace's endpoints from env over the suite's
	// fault layer. It refuses a request without valid credentials as the
	// real API does.
	API func(env *Env) http.Handler
	// Settings configure a source for the fake: credentials and ids. The
	// suite sets base_url alone, so the pull finds the token endpoint by
	// its default.
	Settings map[string]string
	// NewID is the i-th order id in the API's format.
	NewID func(i int) string
	// Statuses are order statuses the API uses; StatusRaw of a pulled
	// order contains its status.
	Statuses []string
	// Refresh says the source trades a refresh token (the setting
	// refresh_token, which the suite sets) for access tokens; Rotating
	// that each refresh token is single use.
	Refresh, Rotating bool
	// IsToken tells a token request.
	IsToken func(r *http.Request) bool
	// RateKey names the rate bucket a request counts against; each bucket
	// is held to the configured rate.
	RateKey func(r *http.Request) string
	// SearchLimit is how many orders one search pages through (Mercado
	// Livre: 10,000), 0 when the API has no such limit.
	SearchLimit int
	// MaxOrders bounds the orders of the busiest scenario, for APIs whose
	// fake is slow; 0 means no bound.
	MaxOrders int
}

const (
	rate     = 5 // requests a second the suite configures
	lookback = time.Hour
)

// T0 is where the suite's history starts.
var T0 = time.Date(2026, 1, 5, 3, 0, 0, 0, time.UTC)

// Run runs the suite against p.
func Run(t *testing.T, p Puller) {
	if p.Connector == nil || p.API == nil || p.NewID == nil || len(p.Statuses) == 0 || p.IsToken == nil || p.RateKey == nil {
		t.Fatal("pullertest: Puller needs Connector, API, NewID, Statuses, IsToken and RateKey")
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			if s.searchLimit && p.SearchLimit == 0 {
				t.Skip("the API's search has no paging limit")
			}
			s.run(t, p)
		})
	}
}

type scenario struct {
	name        string
	searchLimit bool
	run         func(t *testing.T, p Puller)
}

var scenarios = []scenario{
	{name: "paging", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 400, 20*24*time.Hour)
		h.pullToEnd(h.since, 0)
		h.checkComplete()
	}},
	{name: "empty", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 0, 0)
		r := h.pullToEnd(h.since, 0)
		if len(r.orders) != 0 {
			t.Errorf("%d orders from an empty API", len(r.orders))
		}
	}},
	{name: "empty pages", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.env.Empty = true
		h.pullToEnd(h.since, 0)
		h.checkComplete()
	}},
	{name: "duplicates across pages", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.env.Dup = true
		h.pullToEnd(h.since, 0)
		h.checkComplete()
	}},
	{name: "updated between pages and between pulls", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 300, 10*24*time.Hour)
		// Between pages, orders already pulled and orders not yet pulled
		// are updated: they move past the pull's end, and past orders of
		// the same window shift on the list.
		rng := rand.New(rand.NewPCG(1, 2))
		h.env.onPage = func(n int) {
			if n%3 == 0 {
				h.touch(rng, 2)
			}
		}
		r := h.pullToEnd(h.since, 0)
		h.env.onPage = nil
		// Between pulls: a day passes, some orders change, new ones come.
		h.clock.Advance(24 * time.Hour)
		h.until = h.clock.Now().Add(-2 * time.Minute)
		h.touch(rng, 20)
		h.add(50, h.clock.Now().Add(-20*time.Hour), 10*time.Hour)
		h.pullToEnd(r.resume(h.since), 0)
		h.checkComplete()
	}},
	{name: "429 with short Retry-After", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.inject(map[Fault]float64{TooMany: 0.15})
		h.pullToEnd(h.since, 0)
		h.checkComplete()
		h.checkInjected(TooMany)
	}},
	{name: "429 with absurd Retry-After", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		served := 0
		h.faults.plan = func(r *http.Request) Fault {
			if served++; served == 6 {
				return TooManyForHours
			}
			return None
		}
		r := h.pull(h.since, h.until, 0)
		var e *apiclient.Error
		if !errors.As(r.err, &e) || e.Kind != apiclient.KindQuota || e.RetryAt.IsZero() || !strings.Contains(r.err.Error(), "try again after") {
			t.Fatalf("a day's Retry-After: err %v, want a quota error saying when to try again", r.err)
		}
		h.commit(r)
		h.faults.plan = nil
		h.pullToEnd(r.resume(h.since), 0)
		h.checkComplete()
	}},
	{name: "5xx bursts", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.inject(map[Fault]float64{ServerError: 0.05})
		h.pullToEnd(h.since, 0)
		h.checkComplete()
		h.checkInjected(ServerError)
	}},
	{name: "broken bodies", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.inject(map[Fault]float64{ResetMidBody: 0.04, ShortOfLength: 0.04, CutWithLength: 0.04, SlowBody: 0.03, HTMLPage: 0.04})
		h.pullToEnd(h.since, 0)
		h.checkComplete()
		h.checkInjected(ResetMidBody, ShortOfLength, CutWithLength, SlowBody, HTMLPage)
	}},
	{name: "expired and revoked access tokens", run: func(t *testing.T, p Puller) {
		if !p.Refresh {
			t.Skip("the API's access token does not expire")
		}
		h := newHarness(t, p, 250, 6*24*time.Hour)
		h.env.Tokens.TTL = 15 * time.Second
		h.env.onPage = func(n int) {
			if n == 2 || n%5 == 0 {
				h.env.Tokens.Revoke()
			}
		}
		h.pullToEnd(h.since, 0)
		h.checkComplete()
		if h.env.Tokens.Refreshes() < 2 {
			t.Errorf("only %d refreshes with 15 s tokens and revocations", h.env.Tokens.Refreshes())
		}
	}},
	{name: "redirect to another host", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 200, 3*24*time.Hour)
		served := 0
		h.faults.plan = func(r *http.Request) Fault {
			if served++; served == 3 {
				return RedirectElsewhere
			}
			return None
		}
		r := h.pull(h.since, h.until, 0)
		if r.err == nil || !strings.Contains(r.err.Error(), "credentials are only sent to") {
			t.Errorf("redirected to another host: err %v", r.err)
		}
		if n := h.faults.Leaked(); n != 0 {
			t.Errorf("%d requests reached the other host", n)
		}
	}},
	{name: "everything at once, killed at random points", run: func(t *testing.T, p Puller) {
		h := newHarness(t, p, 800, 40*24*time.Hour)
		h.env.Dup = true
		h.env.Tokens.TTL = 30 * time.Second
		h.inject(map[Fault]float64{TooMany: 0.03, ServerError: 0.02, ResetMidBody: 0.01, ShortOfLength: 0.01, CutWithLength: 0.01, HTMLPage: 0.01, SlowBody: 0.005})
		rng := rand.New(rand.NewPCG(3, 4))
		h.env.onPage = func(n int) {
			if n%7 == 0 {
				h.touch(rng, 1)
			}
		}
		since := h.since
		kills := 0
		for run := 0; ; run++ {
			if run > 40 {
				t.Fatal("no run completed after 40 kills")
			}
			stop := 0
			if run < 4 {
				stop = 1 + rng.IntN(300) // killed after this many orders
			}
			r := h.pull(since, h.until, stop)
			h.commit(r)
			if r.err != nil && !r.killed {
				t.Fatalf("run %d: %v", run, r.err)
			}
			if !r.killed {
				break
			}
			kills++
			since = r.resume(since)
		}
		if kills == 0 {
			t.Error("no run was killed")
		}
		h.checkComplete()
	}},
	{name: "more changed orders in a window than the search pages through", searchLimit: true, run: func(t *testing.T, p Puller) {
		n := p.SearchLimit + p.SearchLimit*6/100 // 10,600 for 10,000
		h := newHarness(t, p, 0, 0)
		h.add(300, h.since, 10*24*time.Hour)
		// A campaign: all created and updated within half an hour.
		h.add(n, h.since.Add(5*24*time.Hour).Truncate(time.Hour).Add(10*time.Minute), 30*time.Minute)
		h.pullToEnd(h.since, 0)
		h.checkComplete()
	}},
	{name: "a window nothing can split fails loudly", searchLimit: true, run: func(t *testing.T, p Puller) {
		n := 2*p.SearchLimit + 100
		h := newHarness(t, p, 0, 0)
		h.add(200, h.since, 2*24*time.Hour)
		busy := h.since.Add(3 * 24 * time.Hour).Truncate(time.Hour)
		h.addAll(n, busy.Add(5*time.Minute), 20*time.Minute, p.Statuses[0])
		r := h.pull(h.since, h.until, 0)
		if !errors.Is(r.err, apiclient.ErrData) || !strings.Contains(r.err.Error(), busy.Format(time.RFC3339)) {
			t.Fatalf("err %v, want a data error naming the window from %s", r.err, busy.Format(time.RFC3339))
		}
		if last := r.lastMark(); last.IsZero() || last.After(busy) {
			t.Errorf("last checkpoint %s is not before the busy window %s", last, busy)
		}
		h.commit(r)
		h.checkCompleteTo(r.lastMark())
	}},
}

// harness runs pulls of one puller against its fake, as the engine would:
// it commits what a pull yielded up to its last checkpoint.
type harness struct {
	t       *testing.T
	p       Puller
	clock   *Clock
	env     *Env
	faults  *faulty
	srv     *httptest.Server
	tokens  *connectors.MemoryTokenStore
	since   time.Time
	until   time.Time
	dataset map[string]*normalize.Order
	nextID  int
	covered time.Time // the dataset is complete below this
}

func newHarness(t *testing.T, p Puller, n int, spread time.Duration) *harness {
	clock := NewClock(T0.Add(60 * 24 * time.Hour))
	initial := "refresh-initial"
	env := &Env{Store: &Store{}, Tokens: NewTokens(clock, initial, p.Rotating, 6*time.Hour), Clock: clock}
	h := &harness{t: t, p: p, clock: clock, env: env, tokens: &connectors.MemoryTokenStore{}, since: T0, dataset: map[string]*normalize.Order{}}
	h.faults = newFaulty(p.API(env), clock, p.IsToken, p.RateKey)
	h.srv = httptest.NewServer(h.faults)
	t.Cleanup(func() {
		h.srv.Close()
		h.faults.Close()
		if n := env.Tokens.Reused(); n != 0 {
			t.Errorf("a spent refresh token was presented %d times", n)
		}
	})
	h.add(n, T0, spread)
	h.until = clock.Now().Add(-2 * time.Minute)
	return h
}

// add stores n orders created across [from, from+spread), each updated
// up to an hour after it was created.
func (h *harness) add(n int, from time.Time, spread time.Duration) {
	rng := rand.New(rand.NewPCG(uint64(h.nextID), 7))
	for i := range n {
		created := from.Add(time.Duration(float64(spread) * float64(i) / float64(max(n, 1))))
		updated := created.Add(time.Duration(rng.IntN(3600)) * time.Second)
		if limit := h.clock.Now().Add(-time.Hour); updated.After(limit) {
			updated = limit
		}
		h.env.Store.Put(Order{ID: h.p.NewID(h.nextID), Created: created, Updated: updated, Status: h.p.Statuses[rng.IntN(len(h.p.Statuses))]})
		h.nextID++
	}
}

// addAll stores n orders of one status.
func (h *harness) addAll(n int, from time.Time, spread time.Duration, status string) {
	for i := range n {
		created := from.Add(time.Duration(float64(spread) * float64(i) / float64(n)))
		h.env.Store.Put(Order{ID: h.p.NewID(h.nextID), Created: created, Updated: created.Add(time.Minute), Status: status})
		h.nextID++
	}
}

// touch updates k random orders now, with another status.
func (h *harness) touch(rng *rand.Rand, k int) {
	if h.nextID == 0 {
		return
	}
	for range k {
		o, ok := h.env.Store.Get(h.p.NewID(rng.IntN(h.nextID)))
		if !ok {
			continue
		}
		o.Updated = h.clock.Now()
		o.Status = h.p.Statuses[rng.IntN(len(h.p.Statuses))]
		h.env.Store.Put(o)
	}
}

// inject makes each request fail with each fault at its probability, after
// each fault was met once by every other one of the first requests (an API
// the puller calls a few times only meets every fault too).
func (h *harness) inject(p map[Fault]float64) {
	rng := rand.New(rand.NewPCG(5, 6))
	var first []Fault
	for f := Fault(1); f < numFaults; f++ {
		if p[f] > 0 {
			first = append(first, f)
		}
	}
	n := 0
	h.faults.plan = func(r *http.Request) Fault {
		if n++; n <= 2*len(first) {
			if n%2 == 0 {
				return first[n/2-1]
			}
			return None
		}
		x := rng.Float64()
		for f := Fault(1); f < numFaults; f++ {
			if x < p[f] {
				return f
			}
			x -= p[f]
		}
		return None
	}
}

func (h *harness) source(since, until time.Time) connectors.APISource {
	settings := map[string]string{}
	for k, v := range h.p.Settings {
		settings[k] = v
	}
	if h.p.Refresh {
		settings["refresh_token"] = "refresh-initial"
	}
	return connectors.APISource{
		Name: "suite", Account: "suite", BaseURL: h.srv.URL, Settings: settings,
		Since: since, Until: until, Tokens: h.tokens, HTTP: h.srv.Client(),
		RequestsPerSecond: rate, Now: h.clock.Now, Sleep: h.clock.Sleep,
		Retry: connectors.RetryTuning{StallTimeout: stallTimeout, RequestTimeout: 5 * time.Second},
	}
}

// run is what one pull yielded.
type run struct {
	orders  []*normalize.Order
	marks   []time.Time
	atMark  []int // len(orders) at each mark
	err     error
	killed  bool
	rejects []connectors.Reject
}

func (r run) lastMark() time.Time {
	if len(r.marks) == 0 {
		return time.Time{}
	}
	return r.marks[len(r.marks)-1]
}

// resume is where the next run starts: the last checkpoint minus the
// look-back, or where this one started.
func (r run) resume(since time.Time) time.Time {
	if m := r.lastMark(); !m.IsZero() {
		return m.Add(-lookback)
	}
	return since
}

// pull runs one pull; stopAfter > 0 kills it after that many orders.
func (h *harness) pull(since, until time.Time, stopAfter int) run {
	h.t.Helper()
	var r run
	seen := map[string]bool{}
	for rec, err := range h.p.Connector.Pull(h.t.Context(), h.source(since, until)) {
		if err != nil {
			r.err = err
			break
		}
		if !rec.Checkpoint.IsZero() {
			if rec.Order != nil || rec.Rejects != nil {
				h.t.Errorf("a checkpoint record carries an order or rejects")
			}
			if m := r.lastMark(); !m.IsZero() && rec.Checkpoint.Before(m) {
				h.t.Errorf("checkpoint %s after %s: checkpoints go back", rec.Checkpoint, m)
			}
			if rec.Checkpoint.After(until) || rec.Checkpoint.Before(since) {
				h.t.Errorf("checkpoint %s outside the pull [%s, %s)", rec.Checkpoint, since, until)
			}
			r.marks = append(r.marks, rec.Checkpoint)
			r.atMark = append(r.atMark, len(r.orders))
			continue
		}
		r.rejects = append(r.rejects, rec.Rejects...)
		if o := rec.Order; o != nil {
			key := o.OrderID + "@" + o.UpdatedAt.String()
			if seen[key] {
				h.t.Errorf("order %s (updated %s) yielded twice in one pull", o.OrderID, o.UpdatedAt)
			}
			seen[key] = true
			if o.UpdatedAt.Before(since) || !o.UpdatedAt.Before(until) {
				h.t.Errorf("order %s updated %s is outside the pull [%s, %s)", o.OrderID, o.UpdatedAt, since, until)
			}
			r.orders = append(r.orders, o)
		}
		if stopAfter > 0 && len(r.orders) >= stopAfter {
			r.killed = true
			break
		}
	}
	if len(r.rejects) > 0 {
		h.t.Errorf("%d rejects from well-formed orders, the first: %+v", len(r.rejects), r.rejects[0])
	}
	// The rate is a promise per run: the next run starts with a full
	// bucket, as the next night's does.
	h.checkRate()
	return r
}

// commit keeps what the engine would have committed: everything up to the
// last checkpoint (a killed or failed run loses what came after it).
func (h *harness) commit(r run) {
	n := 0
	if len(r.atMark) > 0 {
		n = r.atMark[len(r.atMark)-1]
	}
	if r.err == nil && !r.killed {
		n = len(r.orders)
	}
	for _, o := range r.orders[:n] {
		if old, ok := h.dataset[o.OrderID]; !ok || !o.UpdatedAt.Before(old.UpdatedAt) {
			h.dataset[o.OrderID] = o
		}
	}
	if m := r.lastMark(); m.After(h.covered) {
		h.covered = m
	}
}

// pullToEnd pulls from since to h.until and expects success.
func (h *harness) pullToEnd(since time.Time, stopAfter int) run {
	h.t.Helper()
	r := h.pull(since, h.until, stopAfter)
	if r.err != nil {
		h.t.Fatalf("pull from %s: %v", since, r.err)
	}
	if m := r.lastMark(); m.Before(h.until.Add(-5 * time.Minute)) {
		h.t.Fatalf("a complete pull to %s ended with checkpoint %s", h.until, m)
	}
	h.commit(r)
	return r
}

func (h *harness) checkComplete() { h.t.Helper(); h.checkCompleteTo(h.covered) }

// checkCompleteTo: every order the store holds as updated in [since, to)
// is in the dataset, in its current state, and nothing else is.
func (h *harness) checkCompleteTo(to time.Time) {
	h.t.Helper()
	want := h.env.Store.Updated(h.since, to, nil)
	missing, stale := 0, 0
	for _, o := range want {
		got, ok := h.dataset[o.ID]
		switch {
		case !ok:
			if missing++; missing <= 3 {
				h.t.Errorf("order %s updated %s is missing", o.ID, o.Updated)
			}
		case !got.UpdatedAt.Equal(o.Updated) || !strings.Contains(got.StatusRaw, o.Status):
			if stale++; stale <= 3 {
				h.t.Errorf("order %s: have the version updated %s (%s), want %s (%s)", o.ID, got.UpdatedAt, got.StatusRaw, o.Updated, o.Status)
			}
		}
	}
	for id := range h.dataset {
		if _, ok := h.env.Store.Get(id); !ok {
			h.t.Errorf("order %s is not in the API", id)
		}
	}
	if missing+stale > 0 {
		h.t.Errorf("%d of %d orders missing, %d stale", missing, len(want), stale)
	}
}

// checkRate: in no 5 s of fake time did one bucket see more than the
// configured rate plus 10%. It starts the count afresh.
func (h *harness) checkRate() {
	limit := rate * 5 * 11 / 10
	h.faults.mu.Lock()
	defer h.faults.mu.Unlock()
	defer clear(h.faults.times)
	for key, times := range h.faults.times {
		slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
		if n := worstWindow(times, 5*time.Second); n > limit {
			h.t.Errorf("%s: %d requests within 5 s at a configured %d/s (at most %d allowed)", key, n, rate, limit)
		}
	}
}

func (h *harness) checkInjected(fs ...Fault) {
	got := h.faults.Injected()
	for _, f := range fs {
		if got[f] == 0 {
			h.t.Errorf("the scenario injected no %s", f)
		}
	}
}

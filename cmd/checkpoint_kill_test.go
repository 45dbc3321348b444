package cmd

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/normalize"
)

// pagedAPI is the connector "pagedapi", registered only in processes that
// set ORDERHIST_TEST_PAGEDAPI (this test and the children it kills): a
// puller of pagedServer that trades a single-use refresh token for each
// pull (saving the new one before using it) and marks a checkpoint after
// every page.
type pagedAPI struct{}

var registerPaged sync.Once

func init() {
	if os.Getenv("ORDERHIST_TEST_PAGEDAPI") != "" {
		registerPaged.Do(func() { connectors.Register(pagedAPI{}) })
	}
}

func (pagedAPI) Info() connectors.Info {
	return connectors.Info{Name: "pagedapi", Title: "Paged test API", Formats: []string{"api"}}
}

type pagedOrder struct {
	ID      string    `json:"id"`
	Status  string    `json:"status"`
	Updated time.Time `json:"updated"`
	Ordered time.Time `json:"ordered"`
}

func (pagedAPI) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		fail := func(err error) { yield(connectors.Record{}, err) }
		tok, ok, err := src.Tokens.Load(ctx)
		if err != nil {
			fail(err)
			return
		}
		rt := tok.RefreshToken
		if !ok {
			rt = src.Setting("refresh_token")
		}
		resp, err := http.PostForm(src.BaseURL+"/token", url.Values{"refresh_token": {rt}})
		if err != nil {
			fail(err)
			return
		}
		var t struct{ Access, Refresh string }
		err = json.NewDecoder(resp.Body).Decode(&t)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			fail(fmt.Errorf("token: status %d %v", resp.StatusCode, err))
			return
		}
		if err := src.Tokens.Save(ctx, connectors.Token{AccessToken: t.Access, RefreshToken: t.Refresh}); err != nil {
			fail(err)
			return
		}
		for offset := 0; ; {
			q := url.Values{"from": {src.Since.Format(time.RFC3339Nano)}, "to": {src.Until.Format(time.RFC3339Nano)}, "offset": {strconv.Itoa(offset)}}
			req, _ := http.NewRequestWithContext(ctx, "GET", src.BaseURL+"/orders?"+q.Encode(), nil)
			req.Header.Set("Authorization", "Bearer "+t.Access)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fail(err)
				return
			}
			var page struct {
				Orders []pagedOrder
				More   bool
			}
			err = json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				fail(fmt.Errorf("orders: status %d %v", resp.StatusCode, err))
				return
			}
			for _, po := range page.Orders {
				o := &normalize.Order{Source: "pagedapi", Account: src.Account, OrderID: po.ID, OrderedAt: po.Ordered, UpdatedAt: po.Updated,
					Status: normalize.Status(po.Status), StatusRaw: po.Status, Currency: "BRL", OrderTotal: normalize.Cents(4990),
					Buyer: normalize.Buyer{Email: "b" + po.ID[len(po.ID)-2:] + "@example.com"}}
				if !yield(connectors.Record{Order: o, Rows: 1}, nil) {
					return
				}
			}
			offset += len(page.Orders)
			mark := src.Until
			if page.More {
				// Updates are a second or more apart.
				mark = page.Orders[len(page.Orders)-1].Updated.Add(time.Nanosecond)
			}
			if !yield(connectors.Record{Checkpoint: mark}, nil) || !page.More {
				return
			}
		}
	}
}

// pagedServer serves orders by update time, 100 a page, and single-use
// refresh tokens: a spent one is refused and counted.
type pagedServer struct {
	mu      sync.Mutex
	orders  []pagedOrder // by Updated
	refresh string
	issued  int
	reused  int
	pages   int
	// onPage, when set, runs as page n is served.
	onPage func(n int)
}

func (s *pagedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.URL.Path {
	case "/token":
		r.ParseForm()
		if r.Form.Get("refresh_token") != s.refresh {
			s.reused++
			http.Error(w, `{"error":"invalid_grant"}`, 400)
			return
		}
		s.issued++
		s.refresh = fmt.Sprintf("RT-%d", s.issued)
		json.NewEncoder(w).Encode(map[string]string{"Access": fmt.Sprintf("AT-%d", s.issued), "Refresh": s.refresh})
	case "/orders":
		if r.Header.Get("Authorization") != fmt.Sprintf("Bearer AT-%d", s.issued) {
			http.Error(w, "bad token", 401)
			return
		}
		from, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("from"))
		to, _ := time.Parse(time.RFC3339Nano, r.URL.Query().Get("to"))
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		var in []pagedOrder
		for _, o := range s.orders {
			if !o.Updated.Before(from) && o.Updated.Before(to) {
				in = append(in, o)
			}
		}
		page := in[min(offset, len(in)):min(offset+100, len(in))]
		s.pages++
		if s.onPage != nil {
			s.onPage(s.pages)
		}
		json.NewEncoder(w).Encode(map[string]any{"Orders": page, "More": offset+len(page) < len(in)})
	default:
		http.NotFound(w, r)
	}
}

// touch gives order i a new status, updated a few minutes ago (the sync
// pulls to two minutes before now).
func (s *pagedServer) touch(i int, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.orders[i]
	s.orders = slices.Delete(s.orders, i, i+1)
	o.Status, o.Updated = status, time.Now().Add(-3*time.Minute).Truncate(time.Second)
	if last := s.orders[len(s.orders)-1].Updated; !o.Updated.After(last) {
		o.Updated = last.Add(time.Second)
	}
	s.orders = append(s.orders, o)
}

// TestKilledAPISyncKeepsCheckpoints SIGKILLs `orderhist sync` processes
// at random pages of a long API pull, changing orders between runs. Each
// kill keeps what the last checkpoint committed, with the cursor saved
// there; then a sync runs to the end: every order is in the dataset once,
// in its latest state, and no refresh token was presented twice.
func TestKilledAPISyncKeepsCheckpoints(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	t.Setenv("ORDERHIST_TEST_PAGEDAPI", "1")
	registerPaged.Do(func() { connectors.Register(pagedAPI{}) })
	const n = 12000
	srv := &pagedServer{refresh: "RT-first"}
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := start.Add(time.Duration(i) * time.Minute)
		srv.orders = append(srv.orders, pagedOrder{ID: fmt.Sprintf("P%06d", i), Status: "paid", Updated: at, Ordered: at})
	}
	hs := httptest.NewServer(srv)
	defer hs.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	cfg := writeConfig(t, dir, "out: "+out+"\nsources:\n  - name: shop\n    connector: pagedapi\n    start: 2025-03-01\n    lookback: 2h\n    api:\n      base_url: "+hs.URL+"\n      refresh_token: RT-first\n")
	rng := rand.New(rand.NewPCG(5, 6))
	kept := 0
	for round := range 4 {
		c := childCommand(t, "sync", "--quiet", "--config", cfg)
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		killAt := srv.pages + 10 + rng.IntN(n/100)
		srv.mu.Lock()
		srv.onPage = func(p int) {
			if p == killAt {
				c.Process.Signal(syscall.SIGKILL)
			}
		}
		srv.mu.Unlock()
		c.Wait()
		srv.mu.Lock()
		srv.onPage = nil
		srv.mu.Unlock()
		if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); err != nil {
			t.Logf("round %d: killed at page %d before a checkpoint", round, killAt)
			continue
		}
		checkConsistent(t, out)
		got := syncedOrders(t, out)
		st, err := dataset.LoadSourceState(out, "shop")
		if err != nil {
			t.Fatal(err)
		}
		if st.Cursor == nil {
			t.Fatalf("round %d: data committed but no cursor saved", round)
		}
		srv.mu.Lock()
		for _, o := range srv.orders {
			if o.Updated.Before(*st.Cursor) && got[o.ID] == "" {
				t.Fatalf("round %d: order %s, updated before the checkpoint %s, is not in the dataset", round, o.ID, st.Cursor)
			}
		}
		srv.mu.Unlock()
		kept = max(kept, len(got))
		t.Logf("round %d: kill at page %d; %d orders committed, cursor %s", round, killAt, len(got), st.Cursor.Format(time.RFC3339))
		for range 3 {
			srv.touch(rng.IntN(n/2), "cancelled")
		}
	}
	if kept == 0 {
		t.Fatal("no killed run committed a checkpoint")
	}
	// The completing sync runs as a child too, on the real clock the
	// changes were dated by.
	if b, err := childCommand(t, "sync", "--config", cfg).CombinedOutput(); err != nil {
		t.Fatalf("completing sync: %v\n%s", err, b)
	}
	got := syncedOrders(t, out)
	if len(got) != n {
		t.Fatalf("%d orders after the completing sync, want %d", len(got), n)
	}
	for _, o := range srv.orders {
		if got[o.ID] != o.Status {
			t.Errorf("order %s: status %q, want %q", o.ID, got[o.ID], o.Status)
		}
	}
	if srv.reused != 0 {
		t.Errorf("%d spent refresh tokens were presented again", srv.reused)
	}
}

// syncedOrders are the dataset's orders' raw statuses by id; an order
// found twice fails the test.
func syncedOrders(t *testing.T, out string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, rec := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
		id := rec["order_id"].(string)
		if _, dup := got[id]; dup {
			t.Fatalf("order %s is in the dataset twice", id)
		}
		got[id], _ = rec["status_raw"].(string)
	}
	return got
}

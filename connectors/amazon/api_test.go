package amazon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
	"github.com/orderhist/orderhist/normalize"
)

const (
	lwaSecret  = "amzn1.oa2-cs.v1.s3cret"
	lwaRefresh = "Atzr|initial-refresh-token"
)

// fakeSP behaves like Orders v0 and LWA: access tokens that expire, a
// refresh token that does not rotate, LastUpdatedBefore refused when less
// than two minutes old, NextToken paging that freezes the criteria, item
// pages of one item, and faults queued per path prefix.
type fakeSP struct {
	t        *testing.T
	mu       sync.Mutex
	now      func() time.Time
	orders   map[string]map[string]any
	items    map[string][]any
	tokens   map[string]criteria // NextToken → criteria
	access   string
	n        int
	faults   map[string][]func(w http.ResponseWriter)
	pages    int
	itemHits int
	// itemLimit, when set, is sent as x-amzn-RateLimit-Limit on items.
	itemLimit string
	// expiredAs403 answers a stale token as SP-API does: 403 "expired".
	expiredAs403 bool
	befores      []time.Time
	badNext      []string
}

type criteria struct{ after, before time.Time }

func newFakeSP(t *testing.T, now func() time.Time) *fakeSP {
	return &fakeSP{t: t, now: now, orders: map[string]map[string]any{}, items: map[string][]any{}, tokens: map[string]criteria{},
		faults: map[string][]func(http.ResponseWriter){}}
}

func decodeFile(t *testing.T, path string, into any) {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(into); err != nil {
		t.Fatal(err)
	}
}

// add stores the template order under id, updated at the given time.
func (f *fakeSP) add(id, status string, updated time.Time) {
	var o map[string]any
	var items []any
	decodeFile(f.t, "testdata/api/order.json", &o)
	decodeFile(f.t, "testdata/api/items.json", &items)
	o["AmazonOrderId"], o["OrderStatus"] = id, status
	o["PurchaseDate"] = updated.Add(-time.Hour).Format(time.RFC3339)
	o["LastUpdateDate"] = updated.UTC().Format(time.RFC3339)
	f.mu.Lock()
	f.orders[id], f.items[id] = o, items
	f.mu.Unlock()
}

func (f *fakeSP) fault(path string, fs ...func(http.ResponseWriter)) {
	f.mu.Lock()
	f.faults[path] = append(f.faults[path], fs...)
	f.mu.Unlock()
}

func (f *fakeSP) expireAccess() { f.mu.Lock(); f.access = "Atza|expired-by-server"; f.mu.Unlock() }

func spError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []any{map[string]any{"code": code, "message": msg}}})
}

func (f *fakeSP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, q := range f.faults {
		if strings.HasPrefix(r.URL.Path, p) && len(q) > 0 {
			f.faults[p] = q[1:]
			q[0](w)
			return
		}
	}
	if r.URL.Path == "/auth/o2/token" {
		r.ParseForm()
		if r.Method != http.MethodPost || r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_id") != "amzn1.application-oa2-client.abc" ||
			r.PostForm.Get("client_secret") != lwaSecret || r.PostForm.Get("refresh_token") != lwaRefresh {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error_description":"The request has an invalid grant parameter : refresh_token","error":"invalid_grant"}`)
			return
		}
		f.n++
		f.access = fmt.Sprintf("Atza|access-%d", f.n)
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, f.access)
		return
	}
	if tok := r.Header.Get("x-amz-access-token"); tok != f.access || f.access == "" {
		if f.expiredAs403 {
			spError(w, 403, "Unauthorized", "The access token you provided has expired.")
		} else {
			spError(w, 401, "Unauthorized", "Access to requested resource is denied.")
		}
		return
	}
	q := r.URL.Query()
	if q.Get("MarketplaceIds") != MarketplaceBR && r.URL.Path == ordersPath {
		spError(w, 400, "InvalidInput", "MarketplaceIds is required")
		return
	}
	switch {
	case r.URL.Path == ordersPath:
		f.pages++
		var c criteria
		var off int
		if nt := q.Get("NextToken"); nt != "" {
			if len(q) != 2 {
				f.badNext = append(f.badNext, r.URL.RawQuery)
			}
			var ok bool
			if c, ok = f.tokens[nt]; !ok {
				spError(w, 400, "InvalidInput", "Invalid NextToken")
				return
			}
			off, _ = strconv.Atoi(strings.Split(nt, "/")[0])
		} else {
			after, err1 := time.Parse(time.RFC3339, q.Get("LastUpdatedAfter"))
			before, err2 := time.Parse(time.RFC3339, q.Get("LastUpdatedBefore"))
			n, _ := strconv.Atoi(q.Get("MaxResultsPerPage"))
			if err1 != nil || err2 != nil || n < 1 || n > 100 {
				spError(w, 400, "InvalidInput", "bad criteria")
				return
			}
			f.befores = append(f.befores, before)
			if before.After(f.now().Add(-2 * time.Minute)) {
				spError(w, 400, "InvalidInput", "LastUpdatedBefore must be at least 2 minutes before the request time")
				return
			}
			c = criteria{after, before}
		}
		var hits []map[string]any
		for _, o := range f.orders {
			u, _ := time.Parse(time.RFC3339, o["LastUpdateDate"].(string))
			if !u.Before(c.after) && !u.After(c.before) {
				hits = append(hits, o)
			}
		}
		sort.Slice(hits, func(i, j int) bool {
			return hits[i]["LastUpdateDate"].(string) < hits[j]["LastUpdateDate"].(string) ||
				hits[i]["LastUpdateDate"] == hits[j]["LastUpdateDate"] && hits[i]["AmazonOrderId"].(string) < hits[j]["AmazonOrderId"].(string)
		})
		page := hits[min(off, len(hits)):min(off+100, len(hits))]
		payload := map[string]any{"Orders": page, "LastUpdatedBefore": c.before.Format(time.RFC3339)}
		if off+100 < len(hits) {
			nt := fmt.Sprintf("%d/%d", off+100, len(f.tokens))
			f.tokens[nt] = c
			payload["NextToken"] = nt
		}
		if payload["Orders"] == nil {
			payload["Orders"] = []any{}
		}
		w.Header().Set("x-amzn-RateLimit-Limit", "0.0167")
		json.NewEncoder(w).Encode(map[string]any{"payload": payload})
	case strings.HasPrefix(r.URL.Path, ordersPath+"/") && strings.HasSuffix(r.URL.Path, "/orderItems"):
		f.itemHits++
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, ordersPath+"/"), "/orderItems")
		items, ok := f.items[id]
		if !ok {
			spError(w, 404, "NotFound", "order not found")
			return
		}
		i, _ := strconv.Atoi(q.Get("NextToken"))
		payload := map[string]any{"AmazonOrderId": id, "OrderItems": items[i : i+1]}
		if i+1 < len(items) {
			payload["NextToken"] = strconv.Itoa(i + 1)
		}
		if f.itemLimit != "" {
			w.Header().Set("x-amzn-RateLimit-Limit", f.itemLimit)
		}
		json.NewEncoder(w).Encode(map[string]any{"payload": payload})
	default:
		spError(w, 404, "NotFound", "no such path")
	}
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// clock starts at t0+72h and runs with the (fake, in a bubble) clock.
func clock() func() time.Time {
	start := time.Now()
	return func() time.Time { return t0.Add(72 * time.Hour).Add(time.Since(start)) }
}

func source(f *fakeSP, hc *http.Client) connectors.APISource {
	return connectors.APISource{
		Name: "amazon-br", Account: "loja",
		BaseURL: "http://sp.test", TokenURL: "http://sp.test/auth/o2/token",
		Settings: map[string]string{"client_id": "amzn1.application-oa2-client.abc", "client_secret": lwaSecret, "refresh_token": lwaRefresh},
		Since:    t0, Until: t0.Add(48 * time.Hour),
		Tokens: &connectors.MemoryTokenStore{}, HTTP: hc, RequestsPerSecond: 1000, Now: f.now,
	}
}

// TestAPIMatchesFlatFile pulls the order the flat file fixture holds in
// its rows 2–3 and expects the same canonical values.
func TestAPIMatchesFlatFile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		var o map[string]any
		var items []any
		decodeFile(t, "testdata/api/order.json", &o)
		decodeFile(t, "testdata/api/items.json", &items)
		f.orders["701-0000001-0000001"], f.items["701-0000001-0000001"] = o, items
		src := source(f, apitest.Client(f))
		src.Since, src.Until = time.Date(2026, 2, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC)
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 || len(rejects) != 0 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		got := orders[0]

		files, _, err := apitest.Collect(connector{}.ReadFile(t.Context(), connectors.File{Path: "testdata/all-orders-by-order-date.tsv", Account: "loja"}))
		if err != nil {
			t.Fatal(err)
		}
		var want *normalize.Order
		for _, o := range files {
			if o.OrderID == "701-0000001-0000001" {
				want = o
			}
		}
		if want == nil {
			t.Fatal("the fixture lacks order 701-0000001-0000001")
		}
		// What the flat file has no column for, or only a file can say.
		w := *want
		w.SourceFile, w.SourceRow = "", 0
		w.Buyer.Name, w.Buyer.Email, w.Buyer.EmailKind = "Maria da Silva", "0abc123xyz@marketplace.amazon.com.br", normalize.EmailRelay
		w.Ship.RecipientName, w.Ship.RecipientPhone = "Maria da Silva", "+5511987654321"
		w.Lines = nil
		g := *got
		g.Lines = nil
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", w) {
			t.Errorf("api  %+v\nfile %+v", g, w)
		}
		if len(got.Lines) != len(want.Lines) {
			t.Fatalf("%d lines, file has %d", len(got.Lines), len(want.Lines))
		}
		for i := range got.Lines {
			gl, wl := got.Lines[i], want.Lines[i]
			wl.SourceRow = 0
			if gl != wl {
				t.Errorf("line %d: api %+v, file %+v", i+1, gl, wl)
			}
		}
		if g.OrderTotal != normalize.Cents(24460) || g.Buyer.DocumentType != normalize.DocCPF {
			t.Errorf("total %v, document %v", g.OrderTotal, g.Buyer.DocumentType)
		}
	})
}

func addMany(f *fakeSP, n int) {
	for i := range n {
		f.add(fmt.Sprintf("701-%07d-%07d", i, i), "Shipped", t0.Add(time.Duration(i)*10*time.Minute))
	}
}

// TestAPIPagination runs against a real loopback server: NextToken pages
// and item pages, nothing outside [Since, Until), and NextToken sent with
// nothing but the marketplace.
func TestAPIPagination(t *testing.T) {
	f := newFakeSP(t, func() time.Time { return t0.Add(72 * time.Hour) })
	addMany(f, 237)
	f.add("701-9999998-0000000", "Shipped", t0.Add(-time.Second))
	f.add("701-9999999-0000000", "Shipped", t0.Add(48*time.Hour)) // Until is exclusive
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := source(f, srv.Client())
	src.BaseURL, src.TokenURL = srv.URL, srv.URL+"/auth/o2/token"
	orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
	if err != nil || len(rejects) != 0 {
		t.Fatalf("rejects %v, err %v", rejects, err)
	}
	if len(orders) != 237 {
		t.Fatalf("%d orders, want 237", len(orders))
	}
	for i, o := range orders {
		if want := fmt.Sprintf("701-%07d-%07d", i, i); o.OrderID != want || len(o.Lines) != 2 {
			t.Fatalf("order %d is %s with %d lines, want %s with 2", i, o.OrderID, len(o.Lines), want)
		}
	}
	if f.pages != 3 || f.itemHits != 2*237 || len(f.badNext) != 0 {
		t.Errorf("%d order pages, %d item pages, NextToken queries with other criteria %v", f.pages, f.itemHits, f.badNext)
	}
}

func TestAPIRetriesQuotaAndServerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		addMany(f, 120)
		f.fault(ordersPath,
			func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "20")
				w.Header().Set("x-amzn-RateLimit-Limit", "0.0167")
				spError(w, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
			},
			func(w http.ResponseWriter) { w.WriteHeader(500) },
			func(w http.ResponseWriter) { w.WriteHeader(502) },
			func(w http.ResponseWriter) { spError(w, 503, "ServiceUnavailable", "") },
		)
		start := time.Now()
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
		if err != nil || len(orders) != 120 {
			t.Fatalf("%d orders, err %v", len(orders), err)
		}
		if time.Since(start) < 20*time.Second {
			t.Errorf("Retry-After not honoured: %s", time.Since(start))
		}
	})
}

// TestAPIFollowsRateLimitHeader: Amazon says it applies 0.5 rps to item
// calls; the burst of 30 goes at once and the rest at that rate, though
// the source allows 1000 rps.
func TestAPIFollowsRateLimitHeader(t *testing.T) {
	for _, limit := range []string{"", "0.5"} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock())
			addMany(f, 25) // 50 item calls
			f.itemLimit = limit
			start := time.Now()
			orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
			if err != nil || len(orders) != 25 {
				t.Fatalf("%d orders, err %v", len(orders), err)
			}
			took := time.Since(start)
			if limit == "" && took > time.Second || limit != "" && took < 35*time.Second {
				t.Errorf("x-amzn-RateLimit-Limit %q: 50 item calls took %s", limit, took)
			}
		})
	}
}

func TestAPIExpiredTokenRefreshes(t *testing.T) {
	for _, as403 := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock())
			f.expiredAs403 = as403
			addMany(f, 120)
			store := &connectors.MemoryTokenStore{}
			src := source(f, apitest.Client(f))
			src.Tokens = store
			var err error
			var orders int
			for _, e := range (connector{}).Pull(t.Context(), src) {
				if e != nil {
					err = e
					break
				}
				if orders++; orders == 60 {
					f.expireAccess()
				}
			}
			if err != nil || orders != 120 || f.n != 2 {
				t.Fatalf("403=%v: %d orders, %d token calls, err %v", as403, orders, f.n, err)
			}
			// LWA does not rotate: the refresh token stays the seller's.
			if tok, _, _ := store.Load(t.Context()); tok.RefreshToken != lwaRefresh || tok.AccessToken != "Atza|access-2" {
				t.Errorf("saved %+v", tok)
			}
		})
	}
}

// TestAPIAccessTokenExpiresByClock: an hour later the saved access token
// is renewed before use, without a refused call.
func TestAPIAccessTokenExpiresByClock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
		src := source(f, apitest.Client(f))
		if _, _, err := apitest.Collect(connector{}.Pull(t.Context(), src)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Hour)
		f.expireAccess()
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 || f.n != 2 {
			t.Fatalf("%d orders, %d token calls, err %v", len(orders), f.n, err)
		}
	})
}

func TestAPIRefusedRefreshTokenIsAuthError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
		src := source(f, apitest.Client(f))
		src.Settings["refresh_token"] = "Atzr|revoked-token"
		_, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if !errors.Is(err, apiclient.ErrAuth) || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "revoked-token") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("secret in error: %v", err)
		}
	})
}

func TestAPIMissingSettings(t *testing.T) {
	src := connectors.APISource{Name: "amazon-br", Settings: map[string]string{"client_id": "x"}}
	_, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
	if err == nil || !strings.Contains(err.Error(), "client_secret, refresh_token") {
		t.Fatalf("err = %v", err)
	}
}

func TestAPIBadPayloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for name, c := range map[string]struct{ path, body string }{
			"truncated page":  {ordersPath, `{"payload":{"Orders":[{"AmazonOrderId":"701-0000001-0000001","OrderSta`},
			"malformed page":  {ordersPath, `{"payload":{"Orders":[{"AmazonOrderId":}]}}`},
			"no payload":      {ordersPath, `{"errors":[]}`},
			"truncated items": {ordersPath + "/", `{"payload":{"OrderItems":[{"ASIN":"B0`},
		} {
			f := newFakeSP(t, clock())
			f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
			f.fault(c.path, func(w http.ResponseWriter) { fmt.Fprint(w, c.body) })
			_, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
			if !errors.Is(err, apiclient.ErrData) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})
}

func TestAPIMalformedOrderIsRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		for i := 1; i <= 4; i++ {
			f.add(fmt.Sprintf("701-0000001-000000%d", i), "Shipped", t0.Add(time.Duration(i)*time.Hour))
		}
		f.orders["701-0000001-0000002"]["BuyerInfo"] = []any{"x"}
		f.orders["701-0000001-0000003"]["PurchaseDate"] = "ontem"
		f.items["701-0000001-0000004"][1].(map[string]any)["QuantityOrdered"] = map[string]any{"n": 1}
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
		if err != nil || len(orders) != 1 || len(rejects) != 3 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		for i, col := range []string{"BuyerInfo", "PurchaseDate", "QuantityOrdered"} {
			if r := rejects[i]; r.Column != col || r.Effect != connectors.RowSkipped || r.Source != Name {
				t.Errorf("reject %d: %+v, want column %s", i, r, col)
			}
		}
	})
}

func TestAPIEmptyAndUpdatedBetweenPulls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock())
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
		if err != nil || len(orders) != 0 || f.pages != 1 {
			t.Fatalf("empty: %d orders, %d pages, err %v", len(orders), f.pages, err)
		}
		f.add("701-0000001-0000001", "Unshipped", t0.Add(time.Hour))
		src := source(f, apitest.Client(f))
		src.Until = t0.Add(2 * time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusPaid {
			t.Fatalf("first pull: %+v", orders)
		}
		f.add("701-0000001-0000001", "Canceled", t0.Add(5*time.Hour))
		src.Since, src.Until = t0.Add(2*time.Hour), t0.Add(6*time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusCancelled || orders[0].StatusRaw != "Canceled" || !orders[0].UpdatedAt.Equal(t0.Add(5*time.Hour)) {
			t.Fatalf("second pull: %+v", orders)
		}
	})
}

// TestAPIBeforeBound: LastUpdatedBefore stays two minutes behind the
// clock. An Until in the future is clamped; an Until a moment ago is
// waited for rather than clamped, so no order falls between two runs.
func TestAPIBeforeBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		now := clock()
		f := newFakeSP(t, now)
		f.add("701-0000001-0000001", "Shipped", now().Add(-3*time.Minute))
		src := source(f, apitest.Client(f))
		src.Until = now().Add(time.Hour)
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 {
			t.Fatalf("future Until: %d orders, err %v", len(orders), err)
		}

		f.add("701-0000001-0000002", "Shipped", now().Add(-20*time.Second))
		src.Since, src.Until = now().Add(-5*time.Minute), now().Add(-10*time.Second)
		start := time.Now()
		orders, _, err = apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 2 {
			t.Fatalf("recent Until: %d orders, err %v", len(orders), err)
		}
		if time.Since(start) > 3*time.Minute {
			t.Errorf("waited %s", time.Since(start))
		}
		for _, b := range f.befores {
			if b.After(f.now().Add(-2 * time.Minute)) {
				t.Errorf("LastUpdatedBefore %s is less than 2 minutes before %s", b, f.now())
			}
		}
		if last := f.befores[len(f.befores)-1]; !last.Equal(src.Until.Truncate(time.Second)) {
			t.Errorf("LastUpdatedBefore %s, want Until %s", last, src.Until)
		}
	})
}

package amazon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"slices"
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

// fakeSP behaves like LWA and like Orders v0 or 2026-01-01, as version
// says: access tokens that expire, a refresh token that does not rotate,
// an updated-before bound refused when less than two minutes old, paging
// tokens that freeze the criteria, and faults queued per path prefix.
// Orders v0 serves items one per page from their own endpoint; 2026-01-01
// serves them inside the order, and serves only the data sets includedData
// asks for.
type fakeSP struct {
	t       *testing.T
	version string
	keys    orderKeys
	mu      sync.Mutex
	now     func() time.Time
	orders  map[string]map[string]any
	items   map[string][]any // v0 only: 2026-01-01 keeps them in the order
	tokens  map[string]cursor
	access  string
	n       int
	faults  map[string][]func(w http.ResponseWriter)
	pages   int
	// itemHits counts v0 item pages and 2026-01-01 getOrder calls.
	itemHits int
	// itemLimit, when set, is sent as x-amzn-RateLimit-Limit on items.
	itemLimit string
	// searchLimit is sent as x-amzn-RateLimit-Limit on searchOrders.
	searchLimit string
	// expiredAs403 answers a stale token as SP-API does: 403 "expired".
	expiredAs403 bool
	befores      []time.Time
	badNext      []string
	// pageSize, when set, is the most orders a page holds.
	pageSize int
	// emptyFirst answers a first page with no orders and a token.
	emptyFirst bool
	// omitItems leaves orderItems out of searchOrders.
	omitItems bool
}

// orderKeys are where a version keeps the fields the fake sets and sorts
// by, as dotted paths.
type orderKeys struct{ fixture, id, created, updated, status string }

var versionKeys = map[string]orderKeys{
	VersionV0:   {"testdata/api/order.json", "AmazonOrderId", "PurchaseDate", "LastUpdateDate", "OrderStatus"},
	Version2026: {"testdata/api/order-2026-01-01.json", "orderId", "createdTime", "lastUpdatedTime", "fulfillment.fulfillmentStatus"},
}

type criteria struct{ after, before time.Time }

// cursor is what a paging token stands for.
type cursor struct {
	criteria
	off    int
	issued time.Time
}

func newFakeSP(t *testing.T, now func() time.Time, version string) *fakeSP {
	return &fakeSP{t: t, version: version, keys: versionKeys[version], now: now, orders: map[string]map[string]any{}, items: map[string][]any{},
		tokens: map[string]cursor{}, faults: map[string][]func(http.ResponseWriter){}, searchLimit: "0.0056"}
}

// eachVersion runs a test once per Orders API version.
func eachVersion(t *testing.T, test func(t *testing.T, version string)) {
	for _, v := range []string{VersionV0, Version2026} {
		t.Run(v, func(t *testing.T) { test(t, v) })
	}
}

func decodeFile(t testing.TB, path string, into any) {
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

// at follows a dotted path through nested objects; set creates none.
func at(m map[string]any, path string) any {
	var v any = m
	for _, k := range strings.Split(path, ".") {
		o, _ := v.(map[string]any)
		v = o[k]
	}
	return v
}

func set(m map[string]any, path string, v any) {
	ks := strings.Split(path, ".")
	for _, k := range ks[:len(ks)-1] {
		m = m[k].(map[string]any)
	}
	m[ks[len(ks)-1]] = v
}

// status spells a v0 status as the fake's version does.
func (f *fakeSP) status(v0 string) string {
	if f.version == VersionV0 {
		return v0
	}
	if v0 == "Canceled" {
		return "CANCELLED"
	}
	return strings.ToUpper(v0)
}

// load reads the fixture order, and for v0 its items.
func (f *fakeSP) load() (map[string]any, []any) {
	var o map[string]any
	var items []any
	decodeFile(f.t, f.keys.fixture, &o)
	if f.version == VersionV0 {
		decodeFile(f.t, "testdata/api/items.json", &items)
	}
	return o, items
}

func (f *fakeSP) put(o map[string]any, items []any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id := o[f.keys.id].(string)
	f.orders[id] = o
	if f.version == VersionV0 {
		f.items[id] = items
	}
}

// add stores the fixture order under id, updated at the given time.
func (f *fakeSP) add(id, v0Status string, updated time.Time) {
	o, items := f.load()
	set(o, f.keys.id, id)
	set(o, f.keys.status, f.status(v0Status))
	set(o, f.keys.created, updated.Add(-time.Hour).Format(time.RFC3339))
	set(o, f.keys.updated, updated.UTC().Format(time.RFC3339))
	f.put(o, items)
}

// item is the order's i-th item, in either version's place for it.
func (f *fakeSP) item(id string, i int) map[string]any {
	if f.version == VersionV0 {
		return f.items[id][i].(map[string]any)
	}
	return f.orders[id]["orderItems"].([]any)[i].(map[string]any)
}

func (f *fakeSP) fault(path string, fs ...func(http.ResponseWriter)) {
	f.mu.Lock()
	f.faults[path] = append(f.faults[path], fs...)
	f.mu.Unlock()
}

func (f *fakeSP) expireAccess() { f.mu.Lock(); f.access = "Atza|expired-by-server"; f.mu.Unlock() }

// listPath is the version's order list.
func (f *fakeSP) listPath() string {
	if f.version == VersionV0 {
		return ordersPath
	}
	return searchPath
}

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
	switch {
	case f.version == VersionV0 && r.URL.Path == ordersPath:
		f.getOrders(w, q)
	case f.version == VersionV0 && strings.HasPrefix(r.URL.Path, ordersPath+"/") && strings.HasSuffix(r.URL.Path, "/orderItems"):
		f.getOrderItems(w, q, strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, ordersPath+"/"), "/orderItems"))
	case f.version == Version2026 && r.URL.Path == searchPath:
		f.searchOrders(w, q)
	case f.version == Version2026 && strings.HasPrefix(r.URL.Path, searchPath+"/"):
		f.getOrder(w, q, strings.TrimPrefix(r.URL.Path, searchPath+"/"))
	default:
		spError(w, 404, "NotFound", "no such path")
	}
}

// checkBefore records an updated-before bound and refuses one less than
// two minutes before the request.
func (f *fakeSP) checkBefore(w http.ResponseWriter, name string, before time.Time) bool {
	f.befores = append(f.befores, before)
	if before.After(f.now().Add(-2 * time.Minute)) {
		spError(w, 400, "InvalidInput", name+" must be at least 2 minutes before the request time")
		return false
	}
	return true
}

// hits are the orders updated in [c.after, c.before], oldest first.
func (f *fakeSP) hits(c criteria) []map[string]any {
	var hits []map[string]any
	for _, o := range f.orders {
		u, _ := time.Parse(time.RFC3339, at(o, f.keys.updated).(string))
		if !u.Before(c.after) && !u.After(c.before) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool {
		a, b := at(hits[i], f.keys.updated).(string), at(hits[j], f.keys.updated).(string)
		return a < b || a == b && at(hits[i], f.keys.id).(string) < at(hits[j], f.keys.id).(string)
	})
	return hits
}

// page cuts the page at cur out of the hits; next is "" on the last page.
func (f *fakeSP) page(cur cursor, size int) (orders []map[string]any, next string) {
	if f.pageSize > 0 {
		size = min(size, f.pageSize)
	}
	hits := f.hits(cur.criteria)
	orders = hits[min(cur.off, len(hits)):min(cur.off+size, len(hits))]
	if cur.off+size < len(hits) {
		next = f.token(cursor{criteria: cur.criteria, off: cur.off + size})
	}
	return orders, next
}

// token issues a paging token for cur.
func (f *fakeSP) token(cur cursor) string {
	t := fmt.Sprintf("%d/%d", cur.off, len(f.tokens))
	cur.issued = f.now()
	f.tokens[t] = cur
	return t
}

func (f *fakeSP) getOrders(w http.ResponseWriter, q url.Values) {
	if q.Get("MarketplaceIds") != MarketplaceBR {
		spError(w, 400, "InvalidInput", "MarketplaceIds is required")
		return
	}
	f.pages++
	var cur cursor
	if nt := q.Get("NextToken"); nt != "" {
		if len(q) != 2 {
			f.badNext = append(f.badNext, q.Encode())
		}
		var ok bool
		if cur, ok = f.tokens[nt]; !ok {
			spError(w, 400, "InvalidInput", "Invalid NextToken")
			return
		}
	} else {
		after, err1 := time.Parse(time.RFC3339, q.Get("LastUpdatedAfter"))
		before, err2 := time.Parse(time.RFC3339, q.Get("LastUpdatedBefore"))
		n, _ := strconv.Atoi(q.Get("MaxResultsPerPage"))
		if err1 != nil || err2 != nil || n < 1 || n > 100 {
			spError(w, 400, "InvalidInput", "bad criteria")
			return
		}
		if !f.checkBefore(w, "LastUpdatedBefore", before) {
			return
		}
		cur.criteria = criteria{after, before}
	}
	orders, next := f.page(cur, 100)
	payload := map[string]any{"Orders": append([]map[string]any{}, orders...), "LastUpdatedBefore": cur.before.Format(time.RFC3339)}
	if next != "" {
		payload["NextToken"] = next
	}
	w.Header().Set("x-amzn-RateLimit-Limit", "0.0167")
	json.NewEncoder(w).Encode(map[string]any{"payload": payload})
}

func (f *fakeSP) getOrderItems(w http.ResponseWriter, q url.Values, id string) {
	f.itemHits++
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
		Settings: map[string]string{"client_id": "amzn1.application-oa2-client.abc", "client_secret": lwaSecret, "refresh_token": lwaRefresh,
			"api_version": f.version},
		Since: t0, Until: t0.Add(48 * time.Hour),
		Tokens: &connectors.MemoryTokenStore{}, HTTP: hc, RequestsPerSecond: 1000, Now: f.now,
	}
}

// pullAll runs a pull through the in-process transport.
func pullAll(t *testing.T, f *fakeSP) ([]*normalize.Order, []connectors.Reject, error) {
	return apitest.Collect(connector{}.Pull(t.Context(), source(f, apitest.Client(f))))
}

// fileOrder is the order the flat-file fixture holds in its rows 2–3.
func fileOrder(t *testing.T) *normalize.Order {
	files, _, err := apitest.Collect(connector{}.ReadFile(t.Context(), connectors.File{Path: "testdata/all-orders-by-order-date.tsv", Account: "loja"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range files {
		if o.OrderID == "701-0000001-0000001" {
			return o
		}
	}
	t.Fatal("the fixture lacks order 701-0000001-0000001")
	return nil
}

// TestAPIMatchesFlatFile pulls, with each API version, the order the flat
// file fixture holds in its rows 2–3 and expects the same canonical
// values.
func TestAPIMatchesFlatFile(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), version)
			f.put(f.load())
			src := source(f, apitest.Client(f))
			src.Since, src.Until = time.Date(2026, 2, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 2, 13, 0, 0, 0, 0, time.UTC)
			orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
			if err != nil || len(orders) != 1 || len(rejects) != 0 {
				t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
			}
			got, want := orders[0], fileOrder(t)
			// What the flat file has no column for, or only a file can say.
			w := *want
			w.SourceFile, w.SourceRow = "", 0
			w.StatusRaw = f.status(w.StatusRaw)
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
	})
}

func addMany(f *fakeSP, n int) {
	for i := range n {
		f.add(fmt.Sprintf("701-%07d-%07d", i, i), "Shipped", t0.Add(time.Duration(i)*10*time.Minute))
	}
}

// checkMany checks the orders addMany stored, each with its two items.
func checkMany(t *testing.T, orders []*normalize.Order, n int) {
	t.Helper()
	if len(orders) != n {
		t.Fatalf("%d orders, want %d", len(orders), n)
	}
	for i, o := range orders {
		if want := fmt.Sprintf("701-%07d-%07d", i, i); o.OrderID != want || len(o.Lines) != 2 {
			t.Fatalf("order %d is %s with %d lines, want %s with 2", i, o.OrderID, len(o.Lines), want)
		}
	}
}

// TestAPIPagination runs against a real loopback server: pages and (v0)
// item pages, nothing outside [Since, Until), and each version's paging
// token sent with the criteria it wants: v0's NextToken with nothing but
// the marketplace, 2026-01-01's paginationToken with all of them again.
func TestAPIPagination(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		f := newFakeSP(t, func() time.Time { return t0.Add(72 * time.Hour) }, version)
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
		checkMany(t, orders, 237)
		items := 2 * 237
		if version == Version2026 {
			items = 0 // they come in the search response
		}
		if f.pages != 3 || f.itemHits != items || len(f.badNext) != 0 {
			t.Errorf("%d order pages, %d item calls, paging queries with other criteria %v", f.pages, f.itemHits, f.badNext)
		}
	})
}

func TestAPIRetriesQuotaAndServerErrors(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), version)
			addMany(f, 120)
			f.fault(f.listPath(),
				func(w http.ResponseWriter) {
					w.Header().Set("Retry-After", "20")
					w.Header().Set("x-amzn-RateLimit-Limit", "0.0056")
					spError(w, 429, "QuotaExceeded", "You exceeded your quota for the requested resource.")
				},
				func(w http.ResponseWriter) { w.WriteHeader(500) },
				func(w http.ResponseWriter) { w.WriteHeader(502) },
				func(w http.ResponseWriter) { spError(w, 503, "ServiceUnavailable", "") },
			)
			start := time.Now()
			orders, _, err := pullAll(t, f)
			if err != nil {
				t.Fatal(err)
			}
			checkMany(t, orders, 120)
			if time.Since(start) < 20*time.Second {
				t.Errorf("Retry-After not honoured: %s", time.Since(start))
			}
		})
	})
}

// TestAPIFollowsRateLimitHeader: Amazon says it applies 0.5 rps to v0's
// item calls; the burst of 30 goes at once and the rest at that rate,
// though the source allows 1000 rps.
func TestAPIFollowsRateLimitHeader(t *testing.T) {
	for _, limit := range []string{"", "0.5"} {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), VersionV0)
			addMany(f, 25) // 50 item calls
			f.itemLimit = limit
			start := time.Now()
			orders, _, err := pullAll(t, f)
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
	eachVersion(t, func(t *testing.T, version string) {
		for _, as403 := range []bool{false, true} {
			synctest.Test(t, func(t *testing.T) {
				f := newFakeSP(t, clock(), version)
				f.expiredAs403 = as403
				f.pageSize = 30 // so that pages are fetched after the expiry
				addMany(f, 120)
				store := &connectors.MemoryTokenStore{}
				src := source(f, apitest.Client(f))
				src.Tokens = store
				var err error
				var orders int
				for r, e := range (connector{}).Pull(t.Context(), src) {
					if e != nil {
						err = e
						break
					}
					if r.Order == nil {
						continue
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
	})
}

// TestAPIAccessTokenExpiresByClock: an hour later the saved access token
// is renewed before use, without a refused call.
func TestAPIAccessTokenExpiresByClock(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), version)
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
	})
}

func TestAPIRefusedRefreshTokenIsAuthError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeSP(t, clock(), Version2026)
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
	src.Settings = map[string]string{"client_id": "x", "client_secret": "y", "refresh_token": "z", "api_version": "2021-01-01"}
	_, _, err = apitest.Collect(connector{}.Pull(t.Context(), src))
	if err == nil || !strings.Contains(err.Error(), `api_version "2021-01-01" is not 2026-01-01 or v0`) {
		t.Fatalf("err = %v", err)
	}
}

// TestAPIBadPayloads: a page that cannot be read ends the pull with a
// data error naming the endpoint, rather than passing for a shorter list.
func TestAPIBadPayloads(t *testing.T) {
	cases := map[string]map[string]struct{ path, body string }{
		VersionV0: {
			"truncated page":  {ordersPath, `{"payload":{"Orders":[{"AmazonOrderId":"701-0000001-0000001","OrderSta`},
			"malformed page":  {ordersPath, `{"payload":{"Orders":[{"AmazonOrderId":}]}}`},
			"no payload":      {ordersPath, `{"errors":[]}`},
			"truncated items": {ordersPath + "/", `{"payload":{"OrderItems":[{"ASIN":"B0`},
		},
		Version2026: {
			"truncated page":     {searchPath, `{"orders":[{"orderId":"701-0000001-0000001","createdTi`},
			"malformed page":     {searchPath, `{"orders":[{"orderId":}]}`},
			"no orders":          {searchPath, `{"pagination":{"nextToken":"x"}}`},
			"payload-wrapped":    {searchPath, `{"payload":{"orders":[]}}`},
			"truncated getOrder": {searchPath + "/", `{"order":{"orderId":"701-0000001-0000001","orderItems":[{"orderIt`},
			"no order":           {searchPath + "/", `{"errors":[]}`},
		},
	}
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			for name, c := range cases[version] {
				f := newFakeSP(t, clock(), version)
				f.add("701-0000001-0000001", "Shipped", t0.Add(time.Hour))
				f.omitItems = c.path == searchPath+"/" // so that getOrder is called
				// A body that stays bad is retried, then fails.
				f.fault(c.path, slices.Repeat([]func(http.ResponseWriter){func(w http.ResponseWriter) { fmt.Fprint(w, c.body) }}, 10)...)
				_, _, err := pullAll(t, f)
				if !errors.Is(err, apiclient.ErrData) || !strings.Contains(err.Error(), c.path) {
					t.Errorf("%s: err = %v", name, err)
				}
			}
		})
	})
}

// TestAPIMalformedOrderIsRejected: each bad order is rejected alone, with
// the field at fault, and the others come through.
func TestAPIMalformedOrderIsRejected(t *testing.T) {
	bad := map[string]struct{ buyer, created, qty string }{
		VersionV0:   {"BuyerInfo", "PurchaseDate", "QuantityOrdered"},
		Version2026: {"buyer", "createdTime", "quantityOrdered"},
	}
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), version)
			for i := 1; i <= 4; i++ {
				f.add(fmt.Sprintf("701-0000001-000000%d", i), "Shipped", t0.Add(time.Duration(i)*time.Hour))
			}
			b := bad[version]
			f.orders["701-0000001-0000002"][b.buyer] = []any{"x"}
			f.orders["701-0000001-0000003"][b.created] = "ontem"
			f.item("701-0000001-0000004", 1)[b.qty] = map[string]any{"n": 1}
			orders, rejects, err := pullAll(t, f)
			if err != nil || len(orders) != 1 || len(rejects) != 3 {
				t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
			}
			for i, col := range []string{b.buyer, b.created, b.qty} {
				if r := rejects[i]; !strings.HasSuffix(r.Column, col) || r.Effect != connectors.RowSkipped || r.Source != Name {
					t.Errorf("reject %d: %+v, want column %s", i, r, col)
				}
			}
		})
	})
}

func TestAPIEmptyAndUpdatedBetweenPulls(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			f := newFakeSP(t, clock(), version)
			orders, _, err := pullAll(t, f)
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
			if len(orders) != 1 || orders[0].Status != normalize.StatusCancelled || orders[0].StatusRaw != f.status("Canceled") ||
				!orders[0].UpdatedAt.Equal(t0.Add(5*time.Hour)) {
				t.Fatalf("second pull: %+v", orders)
			}
		})
	})
}

// TestAPIBeforeBound: the updated-before bound stays two minutes behind
// the clock. An Until in the future is clamped; an Until a moment ago is
// waited for rather than clamped, so no order falls between two runs.
func TestAPIBeforeBound(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) {
		synctest.Test(t, func(t *testing.T) {
			now := clock()
			f := newFakeSP(t, now, version)
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
					t.Errorf("updated-before bound %s is less than 2 minutes before %s", b, f.now())
				}
			}
			if last := f.befores[len(f.befores)-1]; !last.Equal(src.Until.Truncate(time.Second)) {
				t.Errorf("updated-before bound %s, want Until %s", last, src.Until)
			}
		})
	})
}

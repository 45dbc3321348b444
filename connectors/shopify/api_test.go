package shopify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	accessToken = "shpat_0123456789abcdef"
	ordersURL   = "/admin/api/2025-10/orders.json"
)

// fakeShopify behaves like REST Admin orders.json: a static token, open
// orders only unless status=any, cursor pages in the Link header that
// refuse filters beside limit and fields, and the store's leaky bucket of
// 40 calls draining 2 a second, answered 429 when full.
type fakeShopify struct {
	t        *testing.T
	mu       sync.Mutex
	orders   map[string]map[string]any
	cursors  map[string]fakeCursor
	pageSize int
	faults   []func(w http.ResponseWriter)
	calls    int
	refused  int
	level    float64
	drained  time.Time
	// host is what the Link header points to.
	host      string
	noAny     []string
	badFilter []string
}

type fakeCursor struct {
	min, max time.Time
	offset   int
	status   string
}

func newFakeShopify(t *testing.T) *fakeShopify {
	return &fakeShopify{t: t, orders: map[string]map[string]any{}, cursors: map[string]fakeCursor{}, pageSize: 250, host: "http://loja.test", drained: time.Now()}
}

func template(t testing.TB) map[string]any {
	b, err := os.ReadFile("testdata/api/order.json")
	if err != nil {
		t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// add stores an order numbered n updated at the given time.
func (f *fakeShopify) add(n int, financial string, updated time.Time) {
	m := template(f.t)
	m["id"], m["name"], m["financial_status"] = json.Number(strconv.Itoa(6634244370000+n)), fmt.Sprintf("#%d", n), financial
	m["created_at"] = updated.Add(-time.Hour).In(time.FixedZone("", -3*3600)).Format(time.RFC3339)
	m["updated_at"] = updated.In(time.FixedZone("", -3*3600)).Format(time.RFC3339)
	if financial == "voided" {
		m["cancelled_at"] = m["updated_at"]
	}
	f.mu.Lock()
	f.orders[m["name"].(string)] = m
	f.mu.Unlock()
}

func (f *fakeShopify) fault(fs ...func(http.ResponseWriter)) {
	f.mu.Lock()
	f.faults = append(f.faults, fs...)
	f.mu.Unlock()
}

func (f *fakeShopify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	now := time.Now()
	f.level = max(0, f.level-now.Sub(f.drained).Seconds()*2)
	f.drained = now
	if f.level+1 > 40 {
		f.refused++
		w.Header().Set("Retry-After", "2.0")
		w.WriteHeader(429)
		fmt.Fprint(w, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`)
		return
	}
	f.level++
	w.Header().Set("X-Shopify-Shop-Api-Call-Limit", fmt.Sprintf("%d/40", int(f.level+0.5)))
	if len(f.faults) > 0 {
		fault := f.faults[0]
		f.faults = f.faults[1:]
		fault(w)
		return
	}
	if r.Header.Get("X-Shopify-Access-Token") != accessToken {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	if r.URL.Path != ordersURL {
		w.WriteHeader(404)
		fmt.Fprint(w, `{"errors":"Not Found"}`)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 250 {
		w.WriteHeader(400)
		return
	}
	var c fakeCursor
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				f.badFilter = append(f.badFilter, k)
				w.WriteHeader(400)
				fmt.Fprint(w, `{"errors":{"page_info":["Invalid value."]}}`)
				return
			}
		}
		var ok bool
		if c, ok = f.cursors[pi]; !ok {
			w.WriteHeader(400)
			return
		}
	} else {
		c.status = q.Get("status")
		if c.status != "any" {
			f.noAny = append(f.noAny, r.URL.RawQuery)
		}
		var err1, err2 error
		c.min, err1 = time.Parse(time.RFC3339, q.Get("updated_at_min"))
		c.max, err2 = time.Parse(time.RFC3339, q.Get("updated_at_max"))
		if err1 != nil || err2 != nil {
			w.WriteHeader(400)
			return
		}
	}
	var hits []map[string]any
	for _, o := range f.orders {
		u, _ := time.Parse(time.RFC3339, o["updated_at"].(string))
		open := o["cancelled_at"] == nil
		if !u.Before(c.min) && !u.After(c.max) && (c.status == "any" || open) {
			hits = append(hits, o)
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i]["id"].(json.Number) < hits[j]["id"].(json.Number) })
	n := min(limit, f.pageSize)
	page := hits[min(c.offset, len(hits)):min(c.offset+n, len(hits))]
	if c.offset+n < len(hits) {
		pi := fmt.Sprintf("eyJsYXN0X2lk%d", len(f.cursors))
		nc := c
		nc.offset += n
		f.cursors[pi] = nc
		w.Header().Set("Link", fmt.Sprintf(`<%s%s?limit=%d&page_info=%s>; rel="next"`, f.host, ordersURL, limit, pi))
		if c.offset > 0 {
			w.Header().Add("Link", fmt.Sprintf(`<%s%s?limit=%d&page_info=prev>; rel="previous"`, f.host, ordersURL, limit))
		}
	}
	if page == nil {
		page = []map[string]any{}
	}
	json.NewEncoder(w).Encode(map[string]any{"orders": page})
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func source(hc *http.Client) connectors.APISource {
	return connectors.APISource{
		Name: "shopify-loja", Account: "loja",
		BaseURL:  "http://loja.test",
		Settings: map[string]string{"shop": "loja.myshopify.com", "access_token": accessToken},
		Since:    t0, Until: t0.Add(48 * time.Hour),
		HTTP: hc, RequestsPerSecond: 1000,
	}
}

// TestAPIMatchesExport pulls order #1001 of the export fixture and expects
// the values the export gives.
func TestAPIMatchesExport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		f.orders["#1001"] = template(t)
		src := source(apitest.Client(f))
		src.Since, src.Until = time.Date(2025, 8, 8, 0, 0, 0, 0, time.UTC), time.Date(2025, 8, 9, 0, 0, 0, 0, time.UTC)
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 || len(rejects) != 0 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		got := orders[0]
		files, _, err := apitest.Collect(connector{}.ReadFile(t.Context(), connectors.File{Path: "testdata/orders-export.csv", Account: "loja"}))
		if err != nil || len(files) == 0 || files[0].OrderID != "#1001" {
			t.Fatalf("reading the export: %v", err)
		}
		want := *files[0]
		want.SourceFile, want.SourceRow, want.Lines = "", 0, nil
		g := *got
		g.Lines = nil
		if fmt.Sprintf("%+v", g) != fmt.Sprintf("%+v", want) {
			t.Errorf("api    %+v\nexport %+v", g, want)
		}
		if len(got.Lines) != len(files[0].Lines) {
			t.Fatalf("%d lines, export has %d", len(got.Lines), len(files[0].Lines))
		}
		for i, gl := range got.Lines {
			wl := files[0].Lines[i]
			wl.SourceRow = 0
			// The API also names the product and the variant apart.
			wl.ListingID, wl.Variation = string(template(t)["line_items"].([]any)[i].(map[string]any)["product_id"].(json.Number)), "1 UNIDADE"
			if gl != wl {
				t.Errorf("line %d: api %+v, export %+v", i+1, gl, wl)
			}
		}
	})
}

// TestAPIPagination runs against a real loopback server: Link pages,
// status=any on the first request and nothing but page_info and limit on
// the next ones, nothing outside [Since, Until).
func TestAPIPagination(t *testing.T) {
	f := newFakeShopify(t)
	f.pageSize = 50
	for i := range 237 {
		f.add(2000+i, "paid", t0.Add(time.Duration(i)*10*time.Minute))
	}
	f.add(1998, "voided", t0.Add(12*time.Hour)) // not open: needs status=any
	f.add(1999, "paid", t0.Add(-time.Second))
	f.add(9999, "paid", t0.Add(48*time.Hour)) // updated_at_max is inclusive, Until is not
	srv := httptest.NewServer(f)
	defer srv.Close()
	f.host = srv.URL
	src := source(srv.Client())
	src.BaseURL = srv.URL
	orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
	if err != nil || len(rejects) != 0 {
		t.Fatalf("rejects %v, err %v", rejects, err)
	}
	if len(orders) != 238 || orders[0].OrderID != "#1998" || orders[0].Status != normalize.StatusCancelled {
		t.Fatalf("%d orders, first %+v", len(orders), orders[0])
	}
	for i, o := range orders[1:] {
		if want := fmt.Sprintf("#%d", 2000+i); o.OrderID != want {
			t.Fatalf("order %d is %s, want %s", i, o.OrderID, want)
		}
	}
	if f.calls != 5 || len(f.noAny) != 0 || len(f.badFilter) != 0 {
		t.Errorf("%d calls, without status=any %v, filters beside page_info %v", f.calls, f.noAny, f.badFilter)
	}
}

// TestAPIStaysUnderCallLimit: a pull at 1000 rps would empty the store's
// bucket of 40 in a moment; following X-Shopify-Shop-Api-Call-Limit it
// gets no 429.
func TestAPIStaysUnderCallLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		f.pageSize = 1
		for i := range 120 {
			f.add(2000+i, "paid", t0.Add(time.Duration(i)*time.Minute))
		}
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(apitest.Client(f))))
		if err != nil || len(orders) != 120 || f.refused != 0 {
			t.Fatalf("%d orders, %d refused, err %v", len(orders), f.refused, err)
		}
	})
}

func TestAPIRetriesQuotaAndServerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		f.pageSize = 50
		for i := range 120 {
			f.add(2000+i, "paid", t0.Add(time.Duration(i)*time.Minute))
		}
		f.fault(
			func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "20.0")
				w.WriteHeader(429)
				fmt.Fprint(w, `{"errors":"Exceeded 2 calls per second for api client."}`)
			},
			func(w http.ResponseWriter) { w.WriteHeader(500) },
			func(w http.ResponseWriter) { w.WriteHeader(502) },
			func(w http.ResponseWriter) { w.WriteHeader(503) },
		)
		start := time.Now()
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(apitest.Client(f))))
		if err != nil || len(orders) != 120 {
			t.Fatalf("%d orders, err %v", len(orders), err)
		}
		if time.Since(start) < 20*time.Second {
			t.Errorf("Retry-After not honoured: %s", time.Since(start))
		}
	})
}

func TestAPIInvalidTokenIsAuthError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		f.add(2000, "paid", t0.Add(time.Hour))
		src := source(apitest.Client(f))
		src.Settings["access_token"] = "shpat_revoked-token-123"
		_, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if !errors.Is(err, apiclient.ErrAuth) || apiclient.Class(err) != "auth" || f.calls != 1 {
			t.Fatalf("%d calls, err = %v", f.calls, err)
		}
		if strings.Contains(err.Error(), "revoked-token") {
			t.Errorf("secret in error: %v", err)
		}
	})
}

func TestAPISettings(t *testing.T) {
	_, _, err := apitest.Collect(connector{}.Pull(t.Context(), connectors.APISource{Name: "s", Settings: map[string]string{}}))
	if err == nil || !strings.Contains(err.Error(), "access_token, shop") {
		t.Errorf("err = %v", err)
	}
	p, err := newPull(connectors.APISource{Settings: map[string]string{"shop": "loja", "access_token": accessToken}})
	if err != nil || p.base.String() != "https://loja.myshopify.com" || p.path != "/admin/api/"+DefaultAPIVersion+"/orders.json" {
		t.Errorf("%+v, %v", p, err)
	}
}

func TestAPIBadPayloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for name, fault := range map[string]func(w http.ResponseWriter){
			"truncated": func(w http.ResponseWriter) { fmt.Fprint(w, `{"orders":[{"id":6634244374859,"name":"#10`) },
			"malformed": func(w http.ResponseWriter) { fmt.Fprint(w, `{"orders":[{"id":}]}`) },
			"no orders": func(w http.ResponseWriter) { fmt.Fprint(w, `{}`) },
			"foreign link": func(w http.ResponseWriter) {
				w.Header().Set("Link", `<https://evil.test/admin/api/2025-10/orders.json?page_info=abc&limit=250>; rel="next"`)
				fmt.Fprint(w, `{"orders":[]}`)
			},
		} {
			f := newFakeShopify(t)
			f.fault(slices.Repeat([]func(http.ResponseWriter){fault}, 10)...)
			_, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(apitest.Client(f))))
			if !errors.Is(err, apiclient.ErrData) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})
}

func TestAPIMalformedOrderIsRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		for i := range 4 {
			f.add(2000+i, "paid", t0.Add(time.Duration(i+1)*time.Hour))
		}
		f.orders["#2001"]["customer"] = []any{1}
		f.orders["#2002"]["current_total_price"] = "sessenta"
		f.orders["#2003"]["email"] = "pedro@"
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(apitest.Client(f))))
		if err != nil || len(orders) != 2 || len(rejects) != 3 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		want := []struct {
			col    string
			effect connectors.Effect
		}{{"customer", connectors.RowSkipped}, {"current_total_price", connectors.RowSkipped}, {"email", connectors.ValueDropped}}
		for i, w := range want {
			if r := rejects[i]; r.Column != w.col || r.Effect != w.effect || r.Source != Name {
				t.Errorf("reject %d: %+v, want %s %v", i, r, w.col, w.effect)
			}
		}
	})
}

func TestAPIEmptyAndUpdatedBetweenPulls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeShopify(t)
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(apitest.Client(f))))
		if err != nil || len(orders) != 0 || f.calls != 2 { // one list call per day
			t.Fatalf("empty: %d orders, %d calls, err %v", len(orders), f.calls, err)
		}
		f.add(2000, "paid", t0.Add(time.Hour))
		src := source(apitest.Client(f))
		src.Until = t0.Add(2 * time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusShipped {
			t.Fatalf("first pull: %+v", orders)
		}
		f.add(2000, "voided", t0.Add(5*time.Hour))
		src.Since, src.Until = t0.Add(2*time.Hour), t0.Add(6*time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusCancelled || !orders[0].UpdatedAt.Equal(t0.Add(5*time.Hour)) {
			t.Fatalf("second pull: %+v", orders)
		}
	})
}

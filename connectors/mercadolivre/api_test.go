package mercadolivre

import (
	"bytes"
	"context"
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

// fakeML behaves like the Orders API: rotating single-use refresh tokens,
// bearer access tokens that expire, hour-granular date filters, offset
// paging, and faults queued per path.
type fakeML struct {
	t        *testing.T
	mu       sync.Mutex
	orders   map[string]map[string]any
	refresh  string // the one refresh token that works
	access   string
	n        int
	faults   map[string][]func(w http.ResponseWriter) // by path prefix
	searches int
	bills    int
	billing  []byte
}

func newFakeML(t *testing.T) *fakeML {
	b, err := os.ReadFile("testdata/api/billing_info.json")
	if err != nil {
		t.Fatal(err)
	}
	return &fakeML{t: t, orders: map[string]map[string]any{}, refresh: "TG-initial", faults: map[string][]func(http.ResponseWriter){}, billing: b}
}

func template(t *testing.T) map[string]any {
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

// add stores an order with a 16-digit id updated at the given time.
func (f *fakeML) add(id int64, status string, updated time.Time) {
	m := template(f.t)
	m["id"] = json.Number(strconv.FormatInt(id, 10))
	m["status"] = status
	m["date_closed"] = updated.Add(-time.Hour).In(time.FixedZone("", -4*3600)).Format("2006-01-02T15:04:05.000-07:00")
	m["last_updated"] = updated.In(time.FixedZone("", -4*3600)).Format("2006-01-02T15:04:05.000-07:00")
	f.mu.Lock()
	f.orders[strconv.FormatInt(id, 10)] = m
	f.mu.Unlock()
}

func (f *fakeML) fault(path string, fs ...func(http.ResponseWriter)) {
	f.mu.Lock()
	f.faults[path] = append(f.faults[path], fs...)
	f.mu.Unlock()
}

func (f *fakeML) expireAccess() { f.mu.Lock(); f.access = "expired-by-server"; f.mu.Unlock() }

func mlParse(t *testing.T, s string) time.Time {
	x, err := time.Parse("2006-01-02T15:04:05.000-07:00", s)
	if err != nil {
		t.Errorf("bad date %q: %v", s, err)
	}
	return x
}

func (f *fakeML) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for p, q := range f.faults {
		if strings.HasPrefix(r.URL.Path, p) && len(q) > 0 {
			f.faults[p] = q[1:]
			q[0](w)
			return
		}
	}
	if r.URL.Path == "/oauth/token" {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_secret") != "s3cret-app-key" || r.PostForm.Get("refresh_token") != f.refresh {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Error validating grant. Your authorization code or refresh token may be expired or it was already used","status":400}`)
			return
		}
		f.n++
		f.refresh = fmt.Sprintf("TG-rotated-%d", f.n)
		f.access = fmt.Sprintf("APP_USR-access-%d", f.n)
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":21600,"scope":"offline_access read","user_id":987654321,"refresh_token":%q}`, f.access, f.refresh)
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+f.access || f.access == "" {
		w.WriteHeader(401)
		fmt.Fprint(w, `{"message":"invalid access token","error":"unauthorized","status":401}`)
		return
	}
	switch {
	case r.URL.Path == "/orders/search":
		f.searches++
		q := r.URL.Query()
		if q.Get("seller") != "987654321" || q.Get("sort") != "date_asc" {
			w.WriteHeader(400)
			return
		}
		// Minutes and below are ignored, as the API does.
		from := mlParse(f.t, q.Get("order.date_last_updated.from")).Truncate(time.Hour)
		to := mlParse(f.t, q.Get("order.date_last_updated.to")).Truncate(time.Hour).Add(time.Hour)
		var hits []map[string]any
		for _, o := range f.orders {
			u := mlParse(f.t, o["last_updated"].(string))
			if !u.Before(from) && u.Before(to) {
				hits = append(hits, o)
			}
		}
		sort.Slice(hits, func(i, j int) bool {
			return hits[i]["date_closed"].(string) < hits[j]["date_closed"].(string) ||
				hits[i]["date_closed"].(string) == hits[j]["date_closed"].(string) && hits[i]["id"].(json.Number) < hits[j]["id"].(json.Number)
		})
		off, _ := strconv.Atoi(q.Get("offset"))
		lim, _ := strconv.Atoi(q.Get("limit"))
		page := hits[min(off, len(hits)):min(off+lim, len(hits))]
		if page == nil {
			page = []map[string]any{}
		}
		json.NewEncoder(w).Encode(map[string]any{"results": page, "paging": map[string]any{"total": len(hits), "offset": off, "limit": lim}})
	case strings.HasPrefix(r.URL.Path, "/orders/billing-info/MLB/"):
		f.bills++
		w.Write(f.billing)
	default:
		w.WriteHeader(404)
	}
}

var t0 = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func source(f *fakeML, store connectors.TokenStore, hc *http.Client) connectors.APISource {
	return connectors.APISource{
		Name: "ml-main", Account: "loja",
		BaseURL: "http://ml.test", TokenURL: "http://ml.test/oauth/token",
		Settings: map[string]string{"client_id": "123", "client_secret": "s3cret-app-key", "refresh_token": "TG-initial", "seller_id": "987654321"},
		Since:    t0, Until: t0.Add(48 * time.Hour),
		Tokens: store, HTTP: hc, RequestsPerSecond: 1000,
	}
}

func TestPullMapsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		f.add(2000099900000111, "paid", t0.Add(3*time.Hour))
		store := &connectors.MemoryTokenStore{}
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, store, apitest.Client(f))))
		if err != nil || len(orders) != 1 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		o := orders[0]
		want := normalize.Order{
			Source: Name, Account: "loja", OrderID: "2000099900000111", PackID: "2000099900000010",
			OrderedAt: time.Date(2026, 2, 3, 12, 5, 11, 0, time.UTC), UpdatedAt: t0.Add(3 * time.Hour),
			Status: normalize.StatusDelivered, StatusRaw: "paid", Currency: "BRL",
			ItemsTotal: normalize.Cents(7990), Shipping: normalize.Cents(0), Fees: normalize.Cents(1318), OrderTotal: normalize.Cents(7990),
			PaymentMethod: "credit_card", Installments: 1,
			Buyer: normalize.Buyer{Ref: "123456789", Name: "Joao Souza Exemplo", Document: "98765432100", DocumentType: normalize.DocCPF},
		}
		got := *o
		got.Lines = nil
		if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("got  %+v\nwant %+v", got, want)
		}
		l := o.Lines[0]
		if l.SKU != "SKU-ROSA-M" || l.ListingID != "MLB9990000002" || l.Quantity != 1 || l.UnitPrice != normalize.Cents(7990) || l.LineTotal != normalize.Cents(7990) || l.Variation != "Cor: Rosa" {
			t.Errorf("line %+v", l)
		}
		if tok, _, _ := store.Load(t.Context()); tok.RefreshToken != "TG-rotated-1" {
			t.Errorf("rotated token not saved: %+v", tok)
		}
	})
}

// TestPullPagination runs against a real loopback server: many pages, in
// date_closed order, nothing outside [Since, Until).
func TestPullPagination(t *testing.T) {
	f := newFakeML(t)
	for i := range 237 {
		f.add(2000099900001000+int64(i), "paid", t0.Add(time.Duration(i)*10*time.Minute))
	}
	f.add(2000099900009998, "paid", t0.Add(-30*time.Minute))          // same hour as nothing; before Since
	f.add(2000099900009999, "paid", t0.Add(48*time.Hour+time.Minute)) // after Until, inside the widened hour
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := source(f, &connectors.MemoryTokenStore{}, srv.Client())
	src.BaseURL, src.TokenURL = srv.URL, srv.URL+"/oauth/token"
	orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
	if err != nil {
		t.Fatal(err)
	}
	if len(orders) != 237 {
		t.Fatalf("%d orders, want 237", len(orders))
	}
	for i, o := range orders {
		if want := strconv.FormatInt(2000099900001000+int64(i), 10); o.OrderID != want {
			t.Fatalf("order %d is %s, want %s", i, o.OrderID, want)
		}
	}
	if f.searches != 5 || f.bills != 1 {
		t.Errorf("%d search pages and %d billing calls, want 5 and 1 (billing is cached per buyer)", f.searches, f.bills)
	}
}

func TestPullRetriesQuotaAndServerErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		for i := range 120 {
			f.add(2000099900001000+int64(i), "paid", t0.Add(time.Duration(i)*time.Minute))
		}
		f.fault("/orders/search",
			func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "20")
				w.WriteHeader(429)
				fmt.Fprint(w, `{"message":"local_rate_limited"}`)
			},
			func(w http.ResponseWriter) { w.WriteHeader(500) },
			func(w http.ResponseWriter) { w.WriteHeader(502) },
			func(w http.ResponseWriter) { w.WriteHeader(503) },
		)
		start := time.Now()
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, &connectors.MemoryTokenStore{}, apitest.Client(f))))
		if err != nil || len(orders) != 120 {
			t.Fatalf("%d orders, err %v", len(orders), err)
		}
		if time.Since(start) < 20*time.Second {
			t.Errorf("Retry-After not honoured: %s", time.Since(start))
		}
	})
}

func TestPullExpiredTokenRefreshesAndRotates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		for i := range 120 {
			f.add(2000099900001000+int64(i), "paid", t0.Add(time.Duration(i)*time.Minute))
		}
		store := &connectors.MemoryTokenStore{}
		var err error
		var orders int
		for r, e := range (connector{}).Pull(t.Context(), source(f, store, apitest.Client(f))) {
			if e != nil {
				err = e
				break
			}
			if r.Order == nil {
				continue
			}
			if orders++; orders == 60 {
				f.expireAccess() // revoked mid-pull
			}
		}
		if err != nil || orders != 120 {
			t.Fatalf("%d orders, err %v", orders, err)
		}
		if tok, _, _ := store.Load(t.Context()); tok.RefreshToken != "TG-rotated-2" || store.Saves() != 2 {
			t.Errorf("after a 401 the rotated pair must be saved: %+v, %d saves", tok, store.Saves())
		}
	})
}

func TestPullReusedRefreshTokenIsAuthError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		f.add(2000099900000111, "paid", t0.Add(time.Hour))
		// The first run's refresh token was used by another process.
		f.refresh = "TG-someone-else"
		_, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, &connectors.MemoryTokenStore{}, apitest.Client(f))))
		if !errors.Is(err, apiclient.ErrAuth) || apiclient.Class(err) != "auth" || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), "TG-initial") || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("secret in error: %v", err)
		}
	})
}

// TestCrashAfterRefresh: the job dies right after a refresh. The rotated
// token was saved first, so the next run goes on with it; the spent
// initial token would fail.
func TestCrashAfterRefresh(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		f.add(2000099900000111, "paid", t0.Add(time.Hour))
		store := &connectors.MemoryTokenStore{}
		ctx, cancel := context.WithCancel(t.Context())
		f.fault("/orders/search", func(w http.ResponseWriter) { cancel(); w.WriteHeader(503) })
		_, _, err := apitest.Collect(connector{}.Pull(ctx, source(f, store, apitest.Client(f))))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if tok, _, _ := store.Load(t.Context()); tok.RefreshToken != "TG-rotated-1" {
			t.Fatalf("saved %+v", tok)
		}
		f.expireAccess() // the next night: the access token is long gone
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, store, apitest.Client(f))))
		if err != nil || len(orders) != 1 {
			t.Fatalf("second run: %d orders, err %v", len(orders), err)
		}
	})
}

func TestPullBadPayloads(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for name, body := range map[string]string{
			"truncated": `{"results":[{"id":2000099900000111,"status":"pa`,
			"malformed": `{"results":[{"id":}]}`,
			"no paging": `{"results":[]}`,
		} {
			f := newFakeML(t)
			// A body that stays bad is retried, then fails.
			f.fault("/orders/search", slices.Repeat([]func(http.ResponseWriter){func(w http.ResponseWriter) { fmt.Fprint(w, body) }}, 10)...)
			_, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, &connectors.MemoryTokenStore{}, apitest.Client(f))))
			if !errors.Is(err, apiclient.ErrData) {
				t.Errorf("%s: err = %v", name, err)
			}
		}
	})
}

func TestPullMalformedOrderIsRejected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		f.add(2000099900000111, "paid", t0.Add(time.Hour))
		f.add(2000099900000112, "paid", t0.Add(2*time.Hour))
		f.add(2000099900000113, "paid", t0.Add(3*time.Hour))
		f.orders["2000099900000112"]["buyer"] = map[string]any{"id": []int{1}}
		f.orders["2000099900000113"]["date_created"] = "ontem"
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, &connectors.MemoryTokenStore{}, apitest.Client(f))))
		if err != nil || len(orders) != 1 || len(rejects) != 2 {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
		if r := rejects[0]; r.Column != "buyer.id" || r.Effect != connectors.RowSkipped || r.Row != 0 || r.Source != Name {
			t.Errorf("reject %+v", r)
		}
		if r := rejects[1]; r.Column != "date_created" || r.Effect != connectors.RowSkipped {
			t.Errorf("reject %+v", r)
		}
	})
}

func TestPullEmptyAndUpdatedBetweenPulls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		store := &connectors.MemoryTokenStore{}
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, store, apitest.Client(f))))
		if err != nil || len(orders) != 0 {
			t.Fatalf("empty: %d orders, err %v", len(orders), err)
		}
		f.add(2000099900000111, "paid", t0.Add(time.Hour))
		src := source(f, store, apitest.Client(f))
		src.Until = t0.Add(2 * time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusDelivered {
			t.Fatalf("first pull: %+v", orders)
		}
		f.add(2000099900000111, "cancelled", t0.Add(5*time.Hour))
		src.Since, src.Until = t0.Add(2*time.Hour), t0.Add(6*time.Hour)
		orders, _, _ = apitest.Collect(connector{}.Pull(t.Context(), src))
		if len(orders) != 1 || orders[0].Status != normalize.StatusCancelled || !orders[0].UpdatedAt.Equal(t0.Add(5*time.Hour)) {
			t.Fatalf("second pull: %+v", orders)
		}
	})
}

func TestPartialContent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFakeML(t)
		f.add(2000099900000111, "paid", t0.Add(time.Hour))
		f.fault("/orders/search", func(w http.ResponseWriter) {
			w.Header().Set("X-Content-Missing", "buyer, feedback")
			w.WriteHeader(http.StatusPartialContent)
			o := f.orders["2000099900000111"]
			json.NewEncoder(w).Encode(map[string]any{"results": []any{o}, "paging": map[string]any{"total": 1}})
		})
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(f, &connectors.MemoryTokenStore{}, apitest.Client(f))))
		if err != nil || len(orders) != 1 || len(rejects) != 1 || rejects[0].Effect != connectors.ValueDropped {
			t.Fatalf("%d orders, rejects %v, err %v", len(orders), rejects, err)
		}
	})
}

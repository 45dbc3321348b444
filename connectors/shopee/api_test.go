package shopee

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

const partnerKey = "shpk-partner-key-123"

// fakeShopee checks every signature and timestamp, answers errors in 200
// bodies, refuses windows over 15 days and batches over 50, and rotates
// single-use refresh tokens.
type fakeShopee struct {
	t       *testing.T
	mu      sync.Mutex
	orders  map[string]map[string]any
	refresh string
	access  string
	n       int
	lists   int
	faults  []func(w http.ResponseWriter)
}

func newFake(t *testing.T) *fakeShopee {
	return &fakeShopee{t: t, orders: map[string]map[string]any{}, refresh: "rt-initial"}
}

func (f *fakeShopee) add(sn, status string, updated time.Time) {
	b, err := os.ReadFile("testdata/api/get_order_detail.json")
	if err != nil {
		f.t.Fatal(err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var env map[string]any
	d.Decode(&env)
	o := env["response"].(map[string]any)["order_list"].([]any)[0].(map[string]any)
	o["order_sn"], o["order_status"], o["update_time"] = sn, status, updated.Unix()
	f.mu.Lock()
	f.orders[sn] = o
	f.mu.Unlock()
}

func answer(w http.ResponseWriter, errCode string, resp any) {
	json.NewEncoder(w).Encode(map[string]any{"request_id": "r1", "error": errCode, "message": "", "response": resp})
}

func (f *fakeShopee) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.faults) > 0 && r.URL.Path != tokenPath {
		fault := f.faults[0]
		f.faults = f.faults[1:]
		fault(w)
		return
	}
	q := r.URL.Query()
	ts, _ := strconv.ParseInt(q.Get("timestamp"), 10, 64)
	if d := time.Since(time.Unix(ts, 0)); d > 5*time.Minute || d < -5*time.Minute {
		answer(w, "error_sign", nil)
		return
	}
	if r.URL.Path == tokenPath {
		if q.Get("sign") != Sign([]byte(partnerKey), "2001887", r.URL.Path, q.Get("timestamp")) {
			answer(w, "error_sign", nil)
			return
		}
		var body struct {
			RefreshToken string `json:"refresh_token"`
			PartnerID    int64  `json:"partner_id"`
			ShopID       int64  `json:"shop_id"`
		}
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &body)
		if body.RefreshToken != f.refresh || body.ShopID != 777 {
			fmt.Fprint(w, `{"error":"error_param","message":"Invalid refresh_token."}`)
			return
		}
		f.n++
		f.refresh, f.access = fmt.Sprintf("rt-%d", f.n), fmt.Sprintf("at-%d", f.n)
		fmt.Fprintf(w, `{"error":"","access_token":%q,"refresh_token":%q,"expire_in":14400}`, f.access, f.refresh)
		return
	}
	tok := q.Get("access_token")
	if q.Get("sign") != Sign([]byte(partnerKey), "2001887", r.URL.Path, q.Get("timestamp"), tok, "777") {
		answer(w, "error_sign", nil)
		return
	}
	if tok != f.access || tok == "" {
		answer(w, "invalid_acceess_token", nil)
		return
	}
	switch r.URL.Path {
	case listPath:
		f.lists++
		from, _ := strconv.ParseInt(q.Get("time_from"), 10, 64)
		to, _ := strconv.ParseInt(q.Get("time_to"), 10, 64)
		if to-from > 15*24*3600 || q.Get("time_range_field") != "update_time" {
			answer(w, "error_param", nil)
			return
		}
		var sns []string
		for sn, o := range f.orders {
			u, _ := o["update_time"].(int64)
			if u >= from && u <= to {
				sns = append(sns, sn)
			}
		}
		sort.Strings(sns)
		off, _ := strconv.Atoi(q.Get("cursor"))
		size, _ := strconv.Atoi(q.Get("page_size"))
		end := min(off+size, len(sns))
		list := []map[string]any{}
		for _, sn := range sns[min(off, len(sns)):end] {
			list = append(list, map[string]any{"order_sn": sn})
		}
		next := ""
		if end < len(sns) {
			next = strconv.Itoa(end)
		}
		answer(w, "", map[string]any{"more": next != "", "next_cursor": next, "order_list": list})
	case detailPath:
		sns := strings.Split(q.Get("order_sn_list"), ",")
		if len(sns) > 50 || !strings.Contains(q.Get("response_optional_fields"), "item_list") {
			answer(w, "error_param", nil)
			return
		}
		list := []any{}
		for _, sn := range sns {
			if o, ok := f.orders[sn]; ok {
				list = append(list, o)
			}
		}
		answer(w, "", map[string]any{"order_list": list})
	default:
		w.WriteHeader(404)
	}
}

var t0 = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // synctest's epoch

func source(store connectors.TokenStore, hc *http.Client, since, until time.Time) connectors.APISource {
	return connectors.APISource{
		Name: "shopee-br", Account: "loja", BaseURL: "http://shopee.test",
		Settings: map[string]string{"partner_id": "2001887", "partner_key": partnerKey, "shop_id": "777", "refresh_token": "rt-initial"},
		Since:    since, Until: until, Tokens: store, HTTP: hc, RequestsPerSecond: 1000,
	}
}

// TestPullWindowsPagesBatches: 40 days of orders over a real loopback
// server: three windows, cursor pages of 100, detail batches of 50, every
// call signed.
func TestPullWindowsPagesBatches(t *testing.T) {
	f := newFake(t)
	now := time.Now().Truncate(time.Second)
	since := now.Add(-40 * 24 * time.Hour)
	for i := range 260 {
		f.add(fmt.Sprintf("2602%06dX", i), "COMPLETED", since.Add(time.Duration(i)*3*time.Hour))
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	src := source(&connectors.MemoryTokenStore{}, srv.Client(), since, now)
	src.BaseURL = srv.URL
	orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
	if err != nil || len(rejects) != 0 {
		t.Fatalf("err %v rejects %v", err, rejects)
	}
	if len(orders) != 260 {
		t.Fatalf("%d orders, want 260", len(orders))
	}
	for i := 1; i < len(orders); i++ {
		if orders[i].UpdatedAt.Before(orders[i-1].UpdatedAt) {
			t.Fatalf("order %d updated before order %d", i, i-1)
		}
	}
	if f.lists < 4 {
		t.Errorf("%d list calls; 40 days need 3 windows and one has 2 pages", f.lists)
	}
}

func TestPullMapsOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		f.add("260211ABCD1234", "COMPLETED", time.Now().Add(-time.Hour))
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), source(&connectors.MemoryTokenStore{}, apitest.Client(f), t0.Add(-24*time.Hour), time.Now())))
		if err != nil || len(orders) != 1 {
			t.Fatalf("%d orders rejects %v err %v", len(orders), rejects, err)
		}
		o := orders[0]
		if o.OrderID != "260211ABCD1234" || o.Status != normalize.StatusDelivered || o.OrderTotal != normalize.Cents(9235) ||
			o.Buyer.Ref != "cliente_exemplo01" || o.Buyer.Document != "12345678909" || o.Buyer.DocumentType != normalize.DocCPF ||
			o.Ship.RecipientName != "" || o.Ship.RecipientPhone != "" || o.Ship.Street != "" || o.Ship.State != "SP" || o.Ship.PostalCode != "01001000" ||
			o.ItemsTotal != normalize.Cents(9235) || len(o.Lines) != 2 || o.Lines[0].SKU != "GL-COR-DOURADO" || o.Lines[0].Quantity != 3 ||
			!o.OrderedAt.Equal(time.Unix(1770759120, 0)) || o.OrderedAt.Location() != time.UTC || o.PaymentMethod != "Pix" {
			t.Errorf("%+v", o)
		}
		if len(rejects) != 0 {
			t.Errorf("masked values are not errors: %v", rejects)
		}
	})
}

func TestPullRefreshOnBodyErrorAndRotation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		f.add("A1", "READY_TO_SHIP", time.Now().Add(-time.Hour))
		store := &connectors.MemoryTokenStore{}
		src := source(store, apitest.Client(f), time.Now().Add(-2*time.Hour), time.Now())
		if orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), src)); err != nil || len(orders) != 1 || orders[0].Status != normalize.StatusPaid {
			t.Fatalf("%v %v", orders, err)
		}
		f.access = "revoked" // the 4-hour access token died
		f.add("A1", "SHIPPED", time.Now().Add(-time.Minute))
		src.Since = time.Now().Add(-30 * time.Minute)
		orders, _, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 || orders[0].Status != normalize.StatusShipped {
			t.Fatalf("second pull: %v %v", orders, err)
		}
		if tok, _, _ := store.Load(t.Context()); tok.RefreshToken != "rt-2" {
			t.Errorf("saved %+v", tok)
		}
		// Reusing a spent refresh token fails as an auth error.
		f.access = "revoked"
		_, _, err = apitest.Collect(connector{}.Pull(t.Context(), source(&connectors.MemoryTokenStore{}, apitest.Client(f), src.Since, time.Now())))
		if !errors.Is(err, apiclient.ErrAuth) || strings.Contains(err.Error(), "rt-initial") {
			t.Fatalf("reused token: %v", err)
		}
	})
}

func TestPullRetriesAndBadPages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFake(t)
		f.add("A1", "COMPLETED", time.Now().Add(-time.Hour))
		f.add("A2", "COMPLETED", time.Now().Add(-time.Hour))
		f.orders["A2"]["item_list"] = "oops"
		f.faults = []func(http.ResponseWriter){
			func(w http.ResponseWriter) { w.Header().Set("Retry-After", "3"); w.WriteHeader(429) },
			func(w http.ResponseWriter) { w.WriteHeader(502) },
		}
		start := time.Now()
		src := source(&connectors.MemoryTokenStore{}, apitest.Client(f), time.Now().Add(-2*time.Hour), time.Now())
		orders, rejects, err := apitest.Collect(connector{}.Pull(t.Context(), src))
		if err != nil || len(orders) != 1 || len(rejects) != 1 || rejects[0].Column != "item_list" || time.Since(start) < 3*time.Second {
			t.Fatalf("orders %d rejects %v err %v after %s", len(orders), rejects, err, time.Since(start))
		}
		f.faults = slices.Repeat([]func(http.ResponseWriter){func(w http.ResponseWriter) { fmt.Fprint(w, `{"error":"","response":{"more":fal`) }}, 10)
		if _, _, err := apitest.Collect(connector{}.Pull(t.Context(), src)); !errors.Is(err, apiclient.ErrData) {
			t.Fatalf("truncated page: %v", err)
		}
	})
}

func TestSignDocExample(t *testing.T) {
	// The base string of Shopee's documentation example.
	got := Sign([]byte("k"), "2001887", "/api/v2/shop/get_shop_info", "1655714431", "59777174636562737266615546704c6d", "14701711")
	m := Sign([]byte("k"), "2001887/api/v2/shop/get_shop_info165571443159777174636562737266615546704c6d14701711")
	if got != m || len(got) != 64 || strings.ToLower(got) != got {
		t.Errorf("%s vs %s", got, m)
	}
}

package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

// fakeML is a small Mercado Livre: OAuth with single-use refresh tokens,
// /orders/search with offset paging, billing info per buyer.
type fakeML struct {
	mu      sync.Mutex
	refresh string // the only refresh token that works
	issued  int
	status  string // status of order 2
	queries []string
}

func (f *fakeML) handler(t *testing.T) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		r.ParseForm()
		if r.Form.Get("refresh_token") != f.refresh {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token already used","status":400}`)
			return
		}
		f.issued++
		f.refresh = fmt.Sprintf("TG-rotated-%d", f.issued)
		fmt.Fprintf(w, `{"access_token":"APP_USR-%d","token_type":"Bearer","expires_in":21600,"refresh_token":%q}`, f.issued, f.refresh)
	})
	mux.HandleFunc("GET /orders/search", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.queries = append(f.queries, r.URL.Query().Get("order.date_last_updated.from"))
		if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer APP_USR-") {
			w.WriteHeader(401)
			return
		}
		order := func(id, status, updated string) map[string]any {
			return map[string]any{
				"id": json.Number(id), "date_created": "2026-11-10T08:05:11.000-03:00", "date_closed": "2026-11-10T08:05:14.000-03:00",
				"last_updated": updated, "status": status, "currency_id": "BRL", "total_amount": 79.9, "paid_amount": 79.9,
				"order_items": []any{map[string]any{"item": map[string]any{"id": "MLB9990000002", "title": "Camiseta", "seller_sku": "SKU-1"}, "quantity": 1, "unit_price": 79.9, "currency_id": "BRL"}},
				"buyer":       map[string]any{"id": 123456789, "billing_info": map[string]any{"id": "677400000000000001"}},
				"seller":      map[string]any{"id": 987654321}, "tags": []string{"paid"},
			}
		}
		results := []any{order("2000099900000111", "paid", "2026-11-15T12:00:00.000-03:00"), order("2000099900000222", f.status, "2026-11-18T12:00:00.000-03:00")}
		json.NewEncoder(w).Encode(map[string]any{"paging": map[string]any{"total": 2, "offset": 0, "limit": 50}, "results": results})
	})
	mux.HandleFunc("GET /orders/billing-info/MLB/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"site_id":"MLB","buyer":{"cust_id":123456789,"billing_info":{"name":"Maria","last_name":"da Silva","identification":{"type":"CPF","number":"12345678909"}}}}`)
	})
	return mux
}

func TestSyncPullsAnAPISource(t *testing.T) {
	ml := &fakeML{refresh: "TG-first", status: "paid"}
	srv := httptest.NewServer(ml.handler(t))
	defer srv.Close()
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	t.Setenv("OH_ML_SECRET", "client-s3cret")
	cfg := writeConfig(t, dir, `out: `+out+`
sources:
  - name: ml-main
    connector: mercadolivre
    account: main
    start: 2026-11-01
    lookback: 72h
    api:
      base_url: `+srv.URL+`
      token_url: `+srv.URL+`/oauth/token
      client_id: "123"
      client_secret: ${OH_ML_SECRET}
      refresh_token: TG-first
      seller_id: "987654321"
`)
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("first sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if readManifest(t, out).Tables["orders"].Rows != 2 {
		t.Fatal("the API's two orders are not in the dataset")
	}
	// The rotated refresh token was saved, privately; the one in the
	// configuration is spent.
	tok, err := os.ReadFile(filepath.Join(out, dataset.StateDir, "tokens", "ml-main.json"))
	if err != nil || !strings.Contains(string(tok), "TG-rotated-1") {
		t.Fatalf("rotated token not saved: %s %v", tok, err)
	}
	if st, _ := os.Stat(filepath.Join(out, dataset.StateDir, "tokens", "ml-main.json")); st.Mode().Perm() != 0o600 {
		t.Errorf("token file mode %v", st.Mode().Perm())
	}
	st, err := dataset.LoadSourceState(out, "ml-main")
	if err != nil || st.Cursor == nil {
		t.Fatalf("no cursor saved: %+v %v", st, err)
	}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, "client-s3cret") || strings.Contains(s, "TG-rotated") {
			t.Fatal("a secret was printed")
		}
	}

	// Next night the order was cancelled: the pull starts at the cursor
	// minus the look-back, uses the saved token, and updates the order.
	ml.status = "cancelled"
	r = run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 {
		t.Fatalf("second sync: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	orders := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records
	if len(orders) != 2 {
		t.Fatalf("%d orders after the second pull, want 2", len(orders))
	}
	for _, o := range orders {
		if o["order_id"] == "2000099900000222" && o["status"] != "cancelled" {
			t.Errorf("order not updated: %v", o["status"])
		}
		if o["buyer_document"] != "12345678909" {
			t.Errorf("billing info not applied: %v", o["buyer_document"])
		}
	}
}

package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/normalize"
)

// TestFileBackfillThenAPISync imports a Mercado Livre report, then syncs
// the same orders from the API, which now shows one of them cancelled and
// without the buyer's document (billing info unavailable): the order is
// there once, with the latest status and the CPF learnt from the report,
// and its customer keeps that CPF.
func TestFileBackfillThenAPISync(t *testing.T) {
	report := filepath.Join("..", "testdata", "exports", "20261031_Vendas_BR_Mercado_Libre_y_Mercado_Shops_2026-10-31_08-18hs_558381390.xlsx")
	c, _ := connectors.Lookup("mercadolivre")
	var target *normalize.Order
	for rec, err := range c.(connectors.FileReader).ReadFile(t.Context(), connectors.File{Path: report, Account: "main"}) {
		if err != nil {
			t.Fatal(err)
		}
		if o := rec.Order; o != nil && o.Buyer.DocumentType == normalize.DocCPF && o.PackID == "" && o.Status != normalize.StatusCancelled {
			target = o
		}
	}
	if target == nil {
		t.Fatal("the demo report has no single order with a CPF")
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "data")
	if r := run(t, t.Context(), "import", "--out", out, report); r.code != 0 && r.code != exitRejected {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	before := readManifest(t, out).Tables["orders"].Rows

	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"access_token":"APP_USR-1","token_type":"Bearer","expires_in":21600,"refresh_token":"TG-2"}`)
	})
	mux.HandleFunc("GET /orders/search", func(w http.ResponseWriter, r *http.Request) {
		o := map[string]any{
			"id": json.Number(target.OrderID), "date_created": target.OrderedAt.Format("2006-01-02T15:04:05.000Z07:00"),
			"date_closed": target.OrderedAt.Format("2006-01-02T15:04:05.000Z07:00"), "last_updated": "2026-11-19T12:00:00.000-03:00",
			"status": "cancelled", "currency_id": "BRL", "total_amount": 10, "paid_amount": 10,
			"order_items": []any{map[string]any{"item": map[string]any{"id": target.Lines[0].ListingID, "title": target.Lines[0].Title, "seller_sku": target.Lines[0].SKU}, "quantity": target.Lines[0].Quantity, "unit_price": 10, "currency_id": "BRL"}},
			"buyer":  map[string]any{"id": 555, "billing_info": map[string]any{"id": "999"}},
			"seller": map[string]any{"id": 987654321},
		}
		json.NewEncoder(w).Encode(map[string]any{"paging": map[string]any{"total": 1, "offset": 0, "limit": 50}, "results": []any{o}})
	})
	mux.HandleFunc("GET /orders/billing-info/MLB/{id}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cfg := writeConfig(t, dir, `out: `+out+`
sources:
  - name: ml
    connector: mercadolivre
    start: 2026-11-01
    api: {base_url: "`+srv.URL+`", token_url: "`+srv.URL+`/oauth/token", client_id: "1", client_secret: "x", refresh_token: TG-1, seller_id: "987654321"}
`)
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != 0 && r.code != exitRejected {
		t.Fatalf("sync: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := readManifest(t, out).Tables["orders"].Rows; n != before {
		t.Fatalf("%d orders after the API sync, want the %d the report had", n, before)
	}
	var got map[string]any
	for _, o := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
		if o["order_id"] == target.OrderID {
			got = o
		}
	}
	if got == nil || got["status"] != "cancelled" || got["buyer_document"] != target.Buyer.Document {
		t.Fatalf("order after sync: %v (want cancelled with CPF %s)", got, target.Buyer.Document)
	}
	for _, c := range parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records {
		if c["customer_id"] == got["customer_id"] && c["document"] != target.Buyer.Document {
			t.Errorf("the customer lost the CPF: %v", c["document"])
		}
	}
}

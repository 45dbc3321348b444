package cmd

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/xuri/excelize/v2"

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
			"buyer":       map[string]any{"id": 555, "billing_info": map[string]any{"id": "999"}},
			"seller":      map[string]any{"id": 987654321},
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

// shopeeExport writes a Shopee Seller Centre export of the given orders:
// toship shows buyers in clear and waiting to ship; all (after delivery)
// shows them masked, as Shopee does.
func shopeeExport(t *testing.T, path string, toship bool, n int) {
	t.Helper()
	header := []string{"ID do pedido", "Status do pedido", "Status da Devolução / Reembolso", "Número de rastreamento",
		"Opção de envio", "Data prevista de envio", "Data de criação do pedido", "Hora do pagamento do pedido",
		"Nº de referência do SKU principal", "Nome do Produto", "Número de referência SKU", "Nome da variação",
		"Preço original", "Preço acordado", "Quantidade", "Subtotal do produto", "Desconto do vendedor",
		"Número de produtos pedidos", "Valor Total", "Taxa de envio pagas pelo comprador", "Total global",
		"Nome de usuário (comprador)", "Nome do destinatário", "Telefone", "CPF do Comprador", "Endereço de entrega",
		"Cidade", "Bairro", "Cidade", "UF", "País", "CEP"}
	if !toship {
		header = append(header, "Cancelar Motivo")
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "orders")
	sw, err := f.NewStreamWriter("orders")
	if err != nil {
		t.Fatal(err)
	}
	cells := func(vals []string) []any {
		out := make([]any, len(vals))
		for i, v := range vals {
			out[i] = v
		}
		return out
	}
	sw.SetRow("A1", cells(header))
	cpfs := []string{"12345678909", "98765432100", "11144477735"}
	for i := range n {
		status, name, phone, cpf, street := "A Enviar", fmt.Sprintf("Comprador Exemplo %c", 'A'+i), "******99", cpfs[i%len(cpfs)], "Rua das Flores, 1"+fmt.Sprint(i)
		if !toship {
			status, name, cpf, street = "Concluído", "C******"+string(rune('a'+i)), "", "R******"
		}
		row := []string{fmt.Sprintf("2602%02dABCD%04d", 10+i, i), status, "", "BR123", "Shopee Xpress", "2026-02-20 23:59",
			fmt.Sprintf("2026-02-%02d 18:32", 10+i), fmt.Sprintf("2026-02-%02d 18:40", 10+i), "GL-COR", "Glitter", "GL-COR-OURO", "Ouro",
			"25.00", "22.50", "2", "45.00", "0.00", "2", "45.00", "10.00", "55.00",
			fmt.Sprintf("cliente_exemplo%02d", i), name, phone, cpf, street, "", "Centro", "São Paulo", "São Paulo", "BR", "01001-000"}
		if !toship {
			row = append(row, "")
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, cells(row))
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}

// TestShopeeSightingsEnrichInEitherOrder imports the same Shopee orders as
// Order.toship (clear) and Order.all (masked after delivery), in both
// orders and twice: one order each, the latest status, and the CPF and
// recipient only Order.toship showed, on the order and on its customer.
func TestShopeeSightingsEnrichInEitherOrder(t *testing.T) {
	in := t.TempDir()
	toship := filepath.Join(in, "Order.toship.20260210_20260220.xlsx")
	all := filepath.Join(in, "Order.all.20260201_20260228.xlsx")
	shopeeExport(t, toship, true, 6)
	shopeeExport(t, all, false, 6)
	var dumps []string
	for i, files := range [][]string{{toship, all}, {all, toship}, {all, toship, all, toship}} {
		out := filepath.Join(t.TempDir(), "data")
		for _, f := range files {
			if r := run(t, t.Context(), "import", "--out", out, f); r.code != 0 {
				t.Fatalf("case %d import %s: %d %s", i, filepath.Base(f), r.code, r.stderr)
			}
		}
		orders := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet"))
		if len(orders.Records) != 6 {
			t.Fatalf("case %d: %d orders, want 6", i, len(orders.Records))
		}
		customers := map[string]map[string]any{}
		for _, c := range parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records {
			customers[c["customer_id"].(string)] = c
		}
		for _, o := range orders.Records {
			if o["status"] != "delivered" || o["buyer_document"] == nil || o["recipient_name"] == nil || o["ship_street"] != nil && o["ship_street"] == "R******" {
				t.Fatalf("case %d: order %v lost what toship showed, or its latest status", i, o)
			}
			if c := customers[o["customer_id"].(string)]; c["document"] != o["buyer_document"] {
				t.Fatalf("case %d: customer %v lacks the order's CPF", i, c)
			}
		}
		dumps = append(dumps, canonicalIDs(string(stripVolatile(orders.JSONL))))
	}
	if dumps[0] != dumps[1] || dumps[1] != dumps[2] {
		t.Error("the dataset depends on the order the exports were imported in")
	}
}

// canonicalIDs renames customer ids by first appearance. Imported in
// separate runs, a customer keeps the id its first run gave it, so which
// export came first may name it differently; who belongs with whom must
// not differ.
func canonicalIDs(jsonl string) string {
	names := map[string]string{}
	return customerIDPattern.ReplaceAllStringFunc(jsonl, func(m string) string {
		if _, ok := names[m]; !ok {
			names[m] = fmt.Sprintf(`"customer_id":"C%d"`, len(names))
		}
		return names[m]
	})
}

var customerIDPattern = regexp.MustCompile(`"customer_id":"[^"]*"`)

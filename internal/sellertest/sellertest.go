// Package sellertest builds small datasets with the import engine, from
// exports whose report numbers were worked out by hand, for the tests of
// the report and the exports.
package sellertest

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/importer"
)

// shopifyHeader is the header of a Shopify orders export.
const shopifyHeader = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,Payment Terms Name,Next Payment Due At,Payment References"

// shopifyCSV writes a Shopify export with the given cells per order; the
// columns it does not name stay empty.
func shopifyCSV(t testing.TB, orders []map[string]string) []byte {
	t.Helper()
	header := strings.Split(shopifyHeader, ",")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header)
	for i, o := range orders {
		row := make([]string, len(header))
		for j, h := range header {
			row[j] = o[h]
		}
		if o["Id"] == "" {
			row[slicesIndex(header, "Id")] = "500100" + string(rune('0'+i))
		}
		w.Write(row)
	}
	w.Flush()
	return b.Bytes()
}

func slicesIndex(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	panic(s)
}

func order(name, email, buyer, created, currency, total, qty, title, price, sku, cancelled string) map[string]string {
	fin := "paid"
	if cancelled != "" {
		fin = "voided"
	}
	return map[string]string{
		"Name": name, "Email": email, "Financial Status": fin, "Fulfillment Status": "fulfilled",
		"Currency": currency, "Subtotal": total, "Shipping": "0.00", "Taxes": "0.00", "Total": total,
		"Discount Amount": "0.00", "Created at": created, "Lineitem quantity": qty, "Lineitem name": title,
		"Lineitem price": price, "Lineitem sku": sku, "Billing Name": buyer, "Shipping Name": buyer,
		"Billing City": "São Paulo", "Billing Province": "SP", "Billing Country": "BR",
		"Cancelled at": cancelled, "Source": "web",
	}
}

// KnownExports are a Shopify export and a pt-BR CSV with a handful of
// orders. As of 2026-06-30 in São Paulo, with the default rules:
//
//   - Ana Souza (ana@example.com): Shopify #1 (2026-01-10, R$ 100, 2 x
//     SKU-A) and #2 (28 Feb 22:30 local, 1 Mar in UTC, R$ 200, SKU-B), and
//     the CSV order 9001 (2026-05-05, R$ 50, SKU-A, category Cozinha, the
//     only line with a category): recurring, on two channels, 56 days
//     since her latest purchase.
//   - Bruno Lima: #3 (2026-01-15, R$ 300, 3 x SKU-C) and #4 cancelled:
//     inactive, 166 days.
//   - Carla Reis: #5 (2026-06-20, EUR 40, SKU-D) and #7 after the as-of
//     date: new.
//   - Diego Alves: #6 cancelled: no purchase.
//   - a buyer whose name, e-mail, title and SKU start with =, +, @: #8
//     (2026-06-25, R$ 10): new.
func KnownExports(t testing.TB) map[string][]byte {
	shopify := shopifyCSV(t, []map[string]string{
		order("#1", "ana@example.com", "Ana Souza", "2026-01-10 10:00:00 -0300", "BRL", "100.00", "2", "Caneca azul", "50.00", "SKU-A", ""),
		// 22:30 in São Paulo on 28 February is 1 March in UTC: a February sale.
		order("#2", "ana@example.com", "Ana Souza", "2026-02-28 22:30:00 -0300", "BRL", "200.00", "1", "Bule", "200.00", "SKU-B", ""),
		order("#3", "bruno@example.com", "Bruno Lima", "2026-01-15 09:00:00 -0300", "BRL", "300.00", "3", "Prato", "100.00", "SKU-C", ""),
		order("#4", "bruno@example.com", "Bruno Lima", "2026-02-01 09:00:00 -0300", "BRL", "80.00", "1", "Prato", "80.00", "SKU-C", "2026-02-02 09:00:00 -0300"),
		order("#5", "carla@example.com", "Carla Reis", "2026-06-20 12:00:00 -0300", "EUR", "40.00", "1", "Taça", "40.00", "SKU-D", ""),
		order("#6", "diego@example.com", "Diego Alves", "2026-03-01 12:00:00 -0300", "BRL", "90.00", "1", "Jarra", "90.00", "SKU-E", "2026-03-01 13:00:00 -0300"),
		// After the as-of date: not in the report.
		order("#7", "carla@example.com", "Carla Reis", "2026-07-05 12:00:00 -0300", "EUR", "55.00", "1", "Taça", "55.00", "SKU-D", ""),
		// A value a spreadsheet would run as a formula.
		order("#8", "=cmd@example.com", "=HYPERLINK(\"http://x\";\"y\")", "2026-06-25 12:00:00 -0300", "BRL", "10.00", "1", "+Tampa", "10.00", "@SKU-F", ""),
	})
	ptbr := "Pedido;Data;Cliente;E-mail;SKU;Produto;Categoria;Quantidade;Valor Unitário;Valor Total\n" +
		"9001;05/05/2026 14:00;Ana Souza;ana@example.com;SKU-A;Caneca azul;Cozinha;1;50,00;50,00\n"
	mapping := "columns:\n  order_id: Pedido\n  ordered_at: Data\n  buyer_name: Cliente\n  buyer_email: E-mail\n" +
		"  sku: SKU\n  title: Produto\n  category: Categoria\n  quantity: Quantidade\n  unit_price: Valor Unitário\n  line_total: Valor Total\n" +
		"money: br\ndate_layout: \"02/01/2006 15:04\"\ntimezone: America/Sao_Paulo\ndelimiter: \";\"\n"
	return map[string][]byte{
		"orders_export.csv": shopify,
		"loja.csv":          []byte(ptbr),
		"loja.mapping.yaml": []byte(mapping),
	}
}

// Import writes files to a folder and imports them with the import engine
// into a new dataset, whose folder it returns.
func Import(t testing.TB, files map[string][]byte) string {
	t.Helper()
	return ImportWith(t, files, importer.Options{Command: "import"})
}

// ImportWith is Import with the import engine's options (--pii, as-of).
func ImportWith(t testing.TB, files map[string][]byte, opts importer.Options) string {
	t.Helper()
	in := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(t.TempDir(), "data")
	paths, _, err := connectors.WalkExports(in)
	if err != nil {
		t.Fatal(err)
	}
	exports := make([]importer.File, len(paths))
	for i, p := range paths {
		exports[i] = importer.File{Path: p, Account: "main"}
	}
	run, err := importer.Open(context.Background(), out, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	if _, err := run.ReadFiles(exports); err != nil {
		t.Fatal(err)
	}
	for _, input := range run.Inputs() {
		if input.Failed() {
			t.Fatalf("import %s: %v", input.Path, input.Err)
		}
	}
	stats, err := run.Commit("import " + in)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Rejects != 0 {
		t.Fatalf("import rejected %d rows or values", stats.Rejects)
	}
	return out
}

// Load reads the history of the dataset in dir as of a day in São Paulo.
func Load(t testing.TB, dir, asOf string, rules history.Rules) *history.History {
	t.Helper()
	opt, err := history.ParseOptions(history.DefaultZone, asOf, time.Now(), rules)
	if err != nil {
		t.Fatal(err)
	}
	src, err := history.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	h, err := history.Load(context.Background(), src, opt)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

package shopify_test

import (
	"encoding/csv"
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("shopify")
	if !ok {
		t.Fatal("shopify is not registered")
	}
	return c.(connectors.FileReader)
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures: map[string]func(string) error{
			"orders-export.csv":               writeExport,
			"orders-export-excel-resaved.csv": writeResaved,
		},
		Rejects: map[string][]connectortest.Want{
			"orders-export.csv": {
				{Row: 8, Column: "Total", Effect: connectors.RowSkipped},
				{Row: 9, Column: "Email", Effect: connectors.ValueDropped},
			},
			"orders-export-excel-resaved.csv": {
				{Row: 2, Column: "Billing Phone", Effect: connectors.ValueDropped},
				{Row: 2, Column: "Shipping Phone", Effect: connectors.ValueDropped},
			},
		},
	})
}

// header is the orders export as Shopify writes it in 2025.
var header = strings.Split("Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"+
	"Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,"+
	"Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,"+
	"Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,"+
	"Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,"+
	"Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,"+
	"Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,"+
	"Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,"+
	"Lineitem discount,Tax 1 Name,Tax 1 Value,Tax 2 Name,Tax 2 Value,Tax 3 Name,Tax 3 Value,Tax 4 Name,Tax 4 Value,"+
	"Tax 5 Name,Tax 5 Value,Phone,Receipt Number,Duties,Billing Province Name,Shipping Province Name,Payment ID,"+
	"Payment Terms Name,Next Payment Due At,Payment References", ",")

// first is an order's first line: the order's own fields and its first item.
func first(name, email, financial, fulfillment, created, subtotal, shipping, total string) map[string]string {
	return map[string]string{
		"Name": name, "Email": email, "Financial Status": financial, "Paid at": created,
		"Fulfillment Status": fulfillment, "Accepts Marketing": "no", "Currency": "BRL", "Subtotal": subtotal,
		"Shipping": shipping, "Taxes": "0.00", "Total": total, "Discount Amount": "0.00", "Shipping Method": "Sedex",
		"Created at": created, "Lineitem requires shipping": "true", "Lineitem taxable": "false",
		"Payment Method": "Appmax", "Source": "web",
	}
}

func address(v map[string]string, person, street, city, zip, uf, phone string) map[string]string {
	for _, p := range []string{"Billing", "Shipping"} {
		v[p+" Name"], v[p+" Street"], v[p+" Address1"] = person, street, street
		v[p+" City"], v[p+" Zip"], v[p+" Province"], v[p+" Country"], v[p+" Phone"] = city, zip, uf, "BR", phone
	}
	return v
}

func item(v map[string]string, qty int, name, price, sku, status string) map[string]string {
	l := maps.Clone(v)
	l["Lineitem quantity"], l["Lineitem name"], l["Lineitem price"] = fmt.Sprint(qty), name, price
	l["Lineitem sku"], l["Lineitem fulfillment status"] = sku, status
	return l
}

// next is a following line of an order: its name and its item only.
func next(name string, qty int, item, price, sku, status string) map[string]string {
	return map[string]string{"Name": name, "Lineitem quantity": fmt.Sprint(qty), "Lineitem name": item,
		"Lineitem price": price, "Lineitem sku": sku, "Lineitem fulfillment status": status,
		"Lineitem requires shipping": "true", "Lineitem taxable": "false"}
}

func encode(rows []map[string]string, comma rune) string {
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Comma = comma
	w.Write(header)
	for _, r := range rows {
		cells := make([]string, len(header))
		for i, h := range header {
			cells[i] = r[h]
		}
		w.Write(cells)
	}
	w.Flush()
	return b.String()
}

// writeExport is an export as Shopify writes it: a two-line order, the CPF
// in the checkout's note attributes (three lines long), a cancelled order,
// and bad records on lines 8 and 9 among good ones.
func writeExport(path string) error {
	o := address(first("#1001", "maria@example.com", "paid", "fulfilled", "2025-08-08 13:33:14 -0300", "147.80", "12.90", "160.70"),
		"Maria Exemplo", "Rua Exemplo, \u2060455", "São Paulo", "'01001-000", "SP", "+55 11 98765-4321")
	o["Note Attributes"] = "billing_cpf: 123.456.789-09\nshipping_street_number: 455\nshipping_neighborhood: Centro\npayment_installment: 3"
	o["Id"] = "6634244374859"
	rows := []map[string]string{
		item(o, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", "fulfilled"),
		next("#1001", 1, "Sabonete - 1 UNIDADE", "79.90", "SAB-01", "fulfilled"),
	}
	c := address(first("#1002", "joao@example.com", "voided", "", "2025-08-09 10:00:00 -0300", "67.90", "0.00", "67.90"),
		"João Exemplo", "Rua Dois, 10", "Rio de Janeiro", "'20040-002", "RJ", "(21) 99876-5432")
	c["Cancelled at"] = "2025-08-09 12:00:00 -0300"
	rows = append(rows, item(c, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", ""))
	// 5: a total that is not an amount: skipped.
	b := address(first("#1003", "ana@example.com", "paid", "", "2025-08-10 09:00:00 -0300", "67.90", "0.00", "sessenta"),
		"Ana Exemplo", "Rua Tres, 3", "Curitiba", "'80010-000", "PR", "41987654321")
	rows = append(rows, item(b, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", ""))
	// 6: an e-mail without a domain: dropped, the order kept.
	d := address(first("#1004", "pedro@", "paid", "", "2025-08-11 09:00:00 -0300", "67.90", "0.00", "67.90"),
		"Pedro Exemplo", "Rua Quatro, 4", "Manaus", "'69005-000", "AM", "")
	rows = append(rows, item(d, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", ""))
	e := address(first("#1005", "maria@example.com", "paid", "fulfilled", "2025-08-12 09:00:00 -0300", "67.90", "0.00", "67.90"),
		"Maria Exemplo", "Rua Exemplo, 455", "São Paulo", "'01001-000", "SP", "11987654321")
	rows = append(rows, item(e, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", "fulfilled"))
	return connectortest.WriteText(path, encode(rows, ','))
}

// writeResaved is an export after Excel in Portuguese saved it again:
// semicolons, day-first dates without offset, and a phone turned into
// "5,52E+12", which is lost and dropped.
func writeResaved(path string) error {
	o := address(first("#1075", "cliente@example.com", "paid", "fulfilled", "09/09/2025 22:59", "62.47", "0.00", "62.47"),
		"Cliente Exemplo", "Rua Exemplo, 455", "Lençóis Paulista", "18683-000", "SP", "5,52E+12")
	o["Paid at"] = "09/09/2025 23:01"
	rows := []map[string]string{item(o, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", "fulfilled")}
	p := address(first("#1076", "outro@example.com", "paid", "", "10/09/2025 08:15", "67.90", "0.00", "67.90"),
		"Outro Exemplo", "Rua Dois, 10", "Bauru", "17010-000", "SP", "14998765432")
	rows = append(rows, item(p, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", ""))
	return connectortest.WriteText(path, "\ufeff"+strings.ReplaceAll(encode(rows, ';'), "\n", "\r\n"))
}

// TestReal reads the real exports of a Brazilian store.
func TestReal(t *testing.T) {
	for _, c := range []struct {
		file   string
		orders int
	}{
		{"orders_export.csv", 50},
		{"orders_export_subset.csv", 33},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := connectortest.RealData(t, "seller-b-shopify-br", c.file)
			m, res := connectortest.ReadReal(t, reader(t), path)
			if m.Layout != "orders-export" {
				t.Errorf("layout %q", m.Layout)
			}
			for _, r := range res.Rejects {
				t.Errorf("reject: %s", r)
			}
			checkOrders(t, res, c.orders)
			if c.file != "orders_export.csv" {
				return
			}
			emails := map[string]int{}
			for _, o := range res.Orders {
				if o.Buyer.Email != "" {
					emails[o.Buyer.Email]++
				}
			}
			repeat := 0
			for _, n := range emails {
				if n > 1 {
					repeat++
				}
			}
			if repeat != 4 {
				t.Errorf("%d e-mails with more than one order, want 4", repeat)
			}
		})
	}
}

// TestRealExcelResaved reads the exports Excel re-saved: the only rejects
// are the phone Excel turned into "5,52E+12", which has lost its digits.
func TestRealExcelResaved(t *testing.T) {
	for _, c := range []struct {
		file   string
		orders int
	}{
		{"orders_export_excel_resaved_1.csv", 3},
		{"orders_export_excel_resaved_2.csv", 1},
	} {
		t.Run(c.file, func(t *testing.T) {
			path := connectortest.RealData(t, "seller-b-shopify-br", c.file)
			m, res := connectortest.ReadReal(t, reader(t), path)
			if m.Layout != "orders-export-excel-resaved" {
				t.Errorf("layout %q", m.Layout)
			}
			checkOrders(t, res, c.orders)
			cols := map[string]bool{}
			for _, r := range res.Rejects {
				if r.Effect != connectors.ValueDropped || r.Value != "5,52E+12" {
					t.Errorf("reject: %s (%s, %q)", r, r.Effect, r.Value)
				}
				cols[r.Column] = true
			}
			if len(res.Rejects) != 2 || !cols["Billing Phone"] || !cols["Shipping Phone"] {
				t.Errorf("rejects %v, want the billing and shipping phone", res.Rejects)
			}
		})
	}
}

// TestRealDevstore reads a development store's export: EUR, example.com
// buyers, orders of several lines.
func TestRealDevstore(t *testing.T) {
	path := connectortest.RealData(t, "shopify-devstore", "orders_export.csv")
	_, res := connectortest.ReadReal(t, reader(t), path)
	for _, r := range res.Rejects {
		t.Errorf("reject: %s", r)
	}
	ids := map[string]int{}
	for _, o := range res.Orders {
		ids[o.OrderID]++
		if o.Currency != "" && o.Currency != "EUR" {
			t.Errorf("order %s: currency %q", o.OrderID, o.Currency)
		}
	}
	if len(ids) != 19 {
		t.Errorf("%d distinct orders, want 19", len(ids))
	}
	t.Run("OneRecordPerOrder", func(t *testing.T) {
		if len(res.Orders) != len(ids) {
			// This export writes "Created at" on every line of an order.
			t.Fatalf("%d records for %d orders", len(res.Orders), len(ids))
		}
	})
}

// checkOrders asserts the number of orders, each read once with a total.
func checkOrders(t *testing.T, res connectortest.Result, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, o := range res.Orders {
		if seen[o.OrderID] {
			t.Errorf("order %s read twice", o.OrderID)
		}
		seen[o.OrderID] = true
		if !o.OrderTotal.Valid || o.Currency != "BRL" || o.Status == normalize.StatusUnknown {
			t.Errorf("order %s: total %v, currency %q, status %s", o.OrderID, o.OrderTotal, o.Currency, o.Status)
		}
	}
	if len(res.Orders) != want {
		t.Errorf("%d orders, want %d", len(res.Orders), want)
	}
}

func BenchmarkReadFile(b *testing.B) {
	var rows []map[string]string
	for i := range 2500 {
		name := fmt.Sprintf("#%d", 1000+i)
		o := address(first(name, "maria@example.com", "paid", "fulfilled", "2025-08-08 13:33:14 -0300", "147.80", "12.90", "160.70"),
			"Maria Exemplo", "Rua Exemplo, 455", "São Paulo", "'01001-000", "SP", "+55 11 98765-4321")
		rows = append(rows, item(o, 1, "Hidratante Facial - 1 UNIDADE", "67.90", "HPNK-30ML", "fulfilled"),
			next(name, 1, "Sabonete - 1 UNIDADE", "79.90", "SAB-01", "fulfilled"))
	}
	path := filepath.Join(b.TempDir(), "orders_export.csv")
	if err := connectortest.WriteText(path, encode(rows, ',')); err != nil {
		b.Fatal(err)
	}
	connectortest.Bench(b, reader(b), path, len(rows))
}

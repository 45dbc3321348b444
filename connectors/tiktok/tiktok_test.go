package tiktok_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("tiktok")
	if !ok {
		t.Fatal("tiktok is not registered")
	}
	return c.(connectors.FileReader)
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures: map[string]func(string) error{
			"order-sku-list.xlsx": writeXLSX,
			"order-sku-list.csv":  writeCSV,
		},
		Rejects: map[string][]connectortest.Want{
			"order-sku-list.xlsx": {
				{Row: 6, Column: "SKU Subtotal After Discount", Effect: connectors.RowSkipped},
				{Row: 7, Column: "CPF Number", Effect: connectors.ValueDropped},
				{Row: 8, Column: "Created Time", Effect: connectors.RowSkipped},
				{Row: 8, Column: "Paid Time", Effect: connectors.RowSkipped},
			},
		},
	})
}

var header = []string{"Order ID", "Package ID", "Order Status", "Order Substatus", "Cancelation/Return Type",
	"Normal or Pre-order", "SKU ID", "Seller SKU", "Product Name", "Variation", "Product Category", "Quantity",
	"Sku Quantity of return", "SKU Unit Original Price", "SKU Subtotal Before Discount", "SKU Platform Discount",
	"SKU Seller Discount", "SKU Subtotal After Discount", "Shipping Fee After Discount", "Original Shipping Fee",
	"Shipping Fee Seller Discount", "Shipping Fee Platform Discount", "Payment platform discount", "Order Amount",
	"Payment Method", "Order Refund Amount", "Cancel By", "Cancel Reason", "Created Time", "Paid Time", "RTS Time",
	"Shipped Time", "Delivered Time", "Cancelled Time", "Fulfillment Type", "Warehouse Name", "Tracking ID",
	"Delivery Option Type", "Delivery Option", "Weight(kg)", "Shipping Provider Name", "Buyer Username", "CPF Number",
	"CPF Name", "Recipient", "Phone #", "Street Name", "Street Number", "Neighborhood", "House Name or Number", "City",
	"State", "Country", "Zipcode", "Shipping Information", "Invoice Status", "Buyer Message", "Seller Note"}

// description is the row TikTok writes under the header, one sentence per
// column (some left empty).
func description() []string {
	d := make([]string, len(header))
	for i, h := range header {
		if i%5 != 3 {
			d[i] = "The order's " + strings.ToLower(h) + "."
		}
	}
	return d
}

type table struct {
	h    tabular.Header
	rows [][]string
}

func newTable() *table {
	return &table{h: tabular.NewHeader(header, nil), rows: [][]string{header}}
}

func (t *table) add(vals map[string]string) {
	row := make([]string, len(header))
	for k, v := range vals {
		i := t.h.Index(k)
		if i < 0 {
			panic("no column " + k)
		}
		row[i] = v
	}
	t.rows = append(t.rows, row)
}

func order(id, status, created string) map[string]string {
	return map[string]string{
		"Order ID": id, "Package ID": "11899" + id[5:], "Order Status": status, "Normal or Pre-order": "Normal",
		"Created Time": created, "Paid Time": created, "Fulfillment Type": "Fulfillment by seller",
		"Warehouse Name": "Depósito 1", "Delivery Option Type": "Shipped via platform", "Delivery Option": "Entrega padrão",
		"Payment Method": "Pix", "Country": "Brasil", "Shipping Fee Seller Discount": "BRL 0,00",
	}
}

func shipping(o map[string]string, after, original, platform, amount string) map[string]string {
	o["Shipping Fee After Discount"] = after
	o["Original Shipping Fee"] = original
	o["Shipping Fee Platform Discount"] = platform
	o["Order Amount"] = amount
	return o
}

func buyer(o map[string]string, user, cpf, cpfName, recipient, phone, street, number, bairro, city, uf, zip string) map[string]string {
	o["Buyer Username"] = user
	o["CPF Number"] = cpf
	o["CPF Name"] = cpfName
	o["Recipient"] = recipient
	o["Phone #"] = phone
	o["Street Name"] = street
	o["Street Number"] = number
	o["Neighborhood"] = bairro
	o["House Name or Number"] = "casa 2"
	o["City"] = city
	o["State"] = uf
	o["Zipcode"] = zip
	o["Shipping Information"] = recipient + "\n" + phone + "\n" + street + " " + number + " " + bairro + "\n" + city + ", " + uf + "\n" + zip + "\nBrasil"
	return o
}

func sku(o map[string]string, skuID, sellerSKU, name string, qty int, price, platformDisc, sellerDisc, after string) map[string]string {
	l := maps.Clone(o)
	l["SKU ID"] = skuID
	l["Seller SKU"] = sellerSKU
	l["Product Name"] = name
	l["Variation"] = "Padrão"
	l["Product Category"] = "Casa"
	l["Quantity"] = fmt.Sprint(qty)
	l["Sku Quantity of return"] = "0"
	l["SKU Unit Original Price"] = price
	l["SKU Subtotal Before Discount"] = brl(parseBRL(price) * int64(qty))
	l["SKU Platform Discount"] = platformDisc
	l["SKU Seller Discount"] = sellerDisc
	l["SKU Subtotal After Discount"] = after
	l["Weight(kg)"] = "1.4"
	return l
}

func parseBRL(s string) int64 {
	a, err := normalize.ParseMoney(s, normalize.MoneyBR)
	if err != nil {
		panic(err)
	}
	return a.Cents
}

func brl(c int64) string {
	return "BRL " + normalize.FormatMoney(normalize.Cents(c), normalize.MoneyBR)
}

// orders fills t with the fixture's orders; bad seeds rows 6–8 with faults.
func orders(t *table, bad bool) {
	// A two-SKU order: the order's amounts once, the lines' summed.
	o := buyer(shipping(order("583100000000000001", "A ser enviado", "03/17/2026 10:25:21 AM"), "BRL 2,00", "BRL 12,00", "BRL 10,00", "BRL 171,80"),
		"comprador_tt", "12345678909", "MARIA TESTE", "Maria Teste", "(+55)119******99", "Rua Exemplo", "10", "Centro", "São Paulo", "SP", "01001000")
	o["Order Substatus"] = "Aguardando envio"
	t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 10,00", "BRL 0,00", "BRL 89,90"))
	t.add(sku(o, "1734600000000000002", "SKU-PINK", "Tinta Pink", 1, "BRL 89,90", "BRL 0,00", "BRL 10,00", "BRL 79,90"))
	// Delivered, paid by card in installments.
	o = buyer(shipping(order("583100000000000002", "Concluído", "03/01/2026 9:05:00 PM"), "BRL 6,90", "BRL 16,90", "BRL 10,00", "BRL 1.206,80"),
		"outro_tt", "98765432100", "JOAO TESTE", "SINUCU'GOSO", "(+55)219******06", "Rua Tefela", "39", "Bento Ribeiro", "Rio de Janeiro", "rj", "21331000")
	o["Payment Method"] = "Parcelamento de cartão de crédito"
	o["Delivered Time"] = "03/09/2026 02:10:00 PM"
	o["Shipped Time"] = "03/03/2026 08:00:00 AM"
	t.add(sku(o, "1734600000000000003", "SKU-KIT", "Kit Completo", 2, "BRL 599,95", "BRL 0,00", "BRL 0,00", "BRL 1.199,90"))
	if bad {
		// An amount that is not in reais: skipped.
		o = buyer(shipping(order("583100000000000003", "A ser enviado", "03/17/2026 11:00:00 AM"), "BRL 0,00", "BRL 0,00", "BRL 0,00", "BRL 99,90"),
			"terceiro_tt", "11144477735", "ANA TESTE", "Ana Teste", "(+55)319******55", "Rua Um", "1", "Centro", "Belo Horizonte", "MG", "31540000")
		t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 0,00", "BRL 0,00", "BRL 9x,90"))
		// A CPF with wrong check digits: dropped, the order kept.
		o = buyer(shipping(order("583100000000000004", "A ser enviado", "03/17/2026 11:30:00 AM"), "BRL 0,00", "BRL 0,00", "BRL 0,00", "BRL 99,90"),
			"quarto_tt", "12345678900", "PEDRO TESTE", "Pedro Teste", "(+55)419******44", "Rua Dois", "2", "Centro", "Curitiba", "PR", "80010000")
		t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 0,00", "BRL 0,00", "BRL 99,90"))
		// A date in another layout: skipped.
		o = buyer(shipping(order("583100000000000005", "A ser enviado", "2026-03-17 12:00"), "BRL 0,00", "BRL 0,00", "BRL 0,00", "BRL 99,90"),
			"quinto_tt", "98765432100", "JOAO TESTE", "Joao Teste", "(+55)219******06", "Rua Tres", "3", "Centro", "Niterói", "RJ", "24020000")
		t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 0,00", "BRL 0,00", "BRL 99,90"))
	}
	// Cancelled by the buyer.
	o = buyer(shipping(order("583100000000000006", "Cancelado", "03/02/2026 07:45:10 AM"), "BRL 0,00", "BRL 12,00", "BRL 12,00", "BRL 89,90"),
		"comprador_tt", "12345678909", "MARIA TESTE", "Maria Teste", "(+55)119******99", "Rua Exemplo", "10", "Centro", "São Paulo", "SP", "01001000")
	o["Cancelation/Return Type"] = "Cancel"
	o["Cancel By"] = "Buyer"
	o["Cancelled Time"] = "03/02/2026 09:00:00 AM"
	t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 10,00", "BRL 0,00", "BRL 89,90"))
}

// writeXLSX writes the XLSX flavour: the description row under the header,
// then bad rows 6–8 among good orders.
func writeXLSX(path string) error {
	t := newTable()
	t.rows = append(t.rows, description())
	orders(t, true)
	return connectortest.WriteXLSX(path, connectortest.Sheet{Name: "OrderSKUList", Rows: anyRows(t.rows)})
}

func anyRows(rows [][]string) [][]any {
	out := make([][]any, len(rows))
	for i, r := range rows {
		out[i] = make([]any, len(r))
		for j, c := range r {
			out[i][j] = c
		}
	}
	return out
}

// writeCSV writes the CSV flavour: every cell, header included, ends in a
// tab, and cells with a comma, a quote or a line break are quoted.
func writeCSV(path string) error {
	t := newTable()
	orders(t, false)
	var b strings.Builder
	for _, row := range t.rows {
		for i, c := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			c += "\t"
			if strings.ContainsAny(c, ",\"\n") {
				c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
			b.WriteString(c)
		}
		b.WriteString("\r\n")
	}
	return connectortest.WriteText(path, b.String())
}

func TestFlavours(t *testing.T) {
	for _, name := range []string{"order-sku-list.xlsx", "order-sku-list.csv"} {
		t.Run(name, func(t *testing.T) {
			res := connectortest.Read(t.Context(), reader(t), filepath.Join("testdata", name))
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			byID := map[string]*normalize.Order{}
			for _, o := range res.Orders {
				byID[o.OrderID] = o
			}
			o := byID["583100000000000001"]
			if o == nil || len(o.Lines) != 2 {
				t.Fatalf("two-SKU order: %+v", o)
			}
			// 189.80 of products, 20.00 of SKU discounts, 2.00 of shipping
			// after its discount: 171.80 paid.
			if o.ItemsTotal.Cents != 18980 || o.Discount.Cents != 2000 || o.Shipping.Cents != 200 || o.OrderTotal.Cents != 17180 {
				t.Errorf("amounts: items %v discount %v shipping %v total %v", o.ItemsTotal, o.Discount, o.Shipping, o.OrderTotal)
			}
			if o.Status != normalize.StatusPaid || o.StatusRaw != "A ser enviado / Aguardando envio" {
				t.Errorf("status %s %q", o.Status, o.StatusRaw)
			}
			if o.Buyer.Ref != "comprador_tt" || o.Buyer.Document != "12345678909" || o.Buyer.Name != "MARIA TESTE" ||
				o.Ship.RecipientName != "Maria Teste" || o.Ship.RecipientPhone != "" || o.Ship.State != "SP" || o.Ship.Country != "BR" {
				t.Errorf("buyer %+v ship %+v", o.Buyer, o.Ship)
			}
			if !o.OrderedAt.Equal(time.Date(2026, 3, 17, 13, 25, 21, 0, time.UTC)) {
				t.Errorf("ordered_at %v", o.OrderedAt)
			}
			o = byID["583100000000000002"]
			if o.OrderTotal.Cents != 120680 || o.Status != normalize.StatusDelivered || o.Ship.State != "RJ" ||
				!o.UpdatedAt.Equal(time.Date(2026, 3, 9, 17, 10, 0, 0, time.UTC)) {
				t.Errorf("delivered order: %+v", o)
			}
			if o := byID["583100000000000006"]; o.Status != normalize.StatusCancelled {
				t.Errorf("cancelled order: %s", o.Status)
			}
		})
	}
}

// TestReal reads the real "to ship" export: two orders, row 2 describing
// the columns, phones masked.
func TestReal(t *testing.T) {
	path := connectortest.RealData(t, "seller-a-ml-shopee-tiktok", "Para enviar pedido-2026-03-17-13_33.xlsx")
	m, res := connectortest.ReadReal(t, reader(t), path)
	if m.Layout != "order-sku-list" {
		t.Errorf("layout %q", m.Layout)
	}
	if len(res.Rejects) != 0 || len(res.Records) != 2 || len(res.Orders) != 2 {
		t.Errorf("%d records, %d orders, rejects %v", len(res.Records), len(res.Orders), res.Rejects)
	}
	for _, o := range res.Orders {
		if o.Buyer.Document == "" || o.Buyer.Ref == "" || o.Ship.RecipientPhone != "" || !o.OrderTotal.Valid || o.SourceRow < 3 {
			t.Errorf("order %s: %+v", o.OrderID, o)
		}
	}
}

func BenchmarkReadFile(b *testing.B) {
	for _, kind := range []string{"xlsx", "csv"} {
		b.Run(kind, func(b *testing.B) {
			t := newTable()
			rows := 0
			for i := range 3000 {
				o := buyer(shipping(order(fmt.Sprintf("5831%014d", i), "A ser enviado", "03/17/2026 10:25:21 AM"), "BRL 2,00", "BRL 12,00", "BRL 10,00", "BRL 91,90"),
					"comprador_tt", "12345678909", "MARIA TESTE", "Maria Teste", "(+55)119******99", "Rua Exemplo", "10", "Centro", "São Paulo", "SP", "01001000")
				t.add(sku(o, "1734600000000000001", "SKU-CINZA", "Tinta Cinza Claro", 1, "BRL 99,90", "BRL 10,00", "BRL 0,00", "BRL 89,90"))
				rows++
			}
			path := filepath.Join(b.TempDir(), "orders."+kind)
			var err error
			if kind == "xlsx" {
				err = connectortest.WriteXLSX(path, connectortest.Sheet{Name: "OrderSKUList", Rows: anyRows(t.rows)})
			} else {
				var sb strings.Builder
				for _, row := range t.rows {
					for i, c := range row {
						if i > 0 {
							sb.WriteByte(',')
						}
						sb.WriteString(`"` + strings.ReplaceAll(c+"\t", `"`, `""`) + `"`)
					}
					sb.WriteString("\n")
				}
				err = connectortest.WriteText(path, sb.String())
			}
			if err != nil {
				b.Fatal(err)
			}
			connectortest.Bench(b, reader(b), path, rows)
		})
	}
}

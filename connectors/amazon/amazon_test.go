package amazon_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("amazon")
	if !ok {
		t.Fatal("amazon is not registered")
	}
	return c.(connectors.FileReader)
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures: map[string]func(string) error{
			"all-orders-by-order-date.tsv":      writeByOrderDate,
			"all-orders-by-last-update-mws.tsv": writeByLastUpdate,
		},
		Rejects: map[string][]connectortest.Want{
			"all-orders-by-order-date.tsv": {
				{Row: 5, Column: "purchase-date", Effect: connectors.RowSkipped},
				{Row: 6, Column: "ship-postal-code", Effect: connectors.ValueDropped},
				{Row: 6, Column: "cpf", Effect: connectors.ValueDropped},
			},
		},
	})
}

// headerByOrderDate is GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL;
// the report by last update lacks "cpf", and MWS-era files add "url".
var headerByOrderDate = strings.Fields(`amazon-order-id merchant-order-id purchase-date last-updated-date order-status
	fulfillment-channel sales-channel order-channel ship-service-level product-name sku asin item-status quantity
	currency item-price item-tax shipping-price shipping-tax gift-wrap-price gift-wrap-tax item-promotion-discount
	ship-promotion-discount ship-city ship-state ship-postal-code ship-country promotion-ids cpf is-business-order
	purchase-order-number price-designation`)

func headerByLastUpdateMWS() []string {
	var h []string
	for _, c := range headerByOrderDate {
		switch c {
		case "cpf":
			continue
		case "ship-service-level":
			h = append(h, "url")
		}
		h = append(h, c)
	}
	return h
}

type flatFile struct {
	header []string
	b      strings.Builder
}

func newFlatFile(header []string) *flatFile {
	f := &flatFile{header: header}
	f.b.WriteString(strings.Join(header, "\t") + "\n")
	return f
}

// add writes a row; columns not given are empty, as Amazon leaves them.
func (f *flatFile) add(vals map[string]string) {
	cells := make([]string, len(f.header))
	for i, h := range f.header {
		cells[i] = vals[h]
	}
	f.b.WriteString(strings.Join(cells, "\t") + "\n")
}

func item(id, date, status, itemStatus, sku, asin, name string, qty int, price, ship string) map[string]string {
	return map[string]string{
		"amazon-order-id": id, "purchase-date": date, "last-updated-date": date, "order-status": status,
		"fulfillment-channel": "Merchant", "sales-channel": "Amazon.com.br", "ship-service-level": "Standard",
		"product-name": name, "sku": sku, "asin": asin, "item-status": itemStatus, "quantity": fmt.Sprint(qty),
		"currency": "BRL", "item-price": price, "shipping-price": ship, "is-business-order": "false",
	}
}

func shipTo(v map[string]string, city, state, zip, country, cpf string) map[string]string {
	v["ship-city"], v["ship-state"], v["ship-postal-code"], v["ship-country"], v["cpf"] = city, state, zip, country, cpf
	return v
}

// writeByOrderDate is a Brazilian report by order date, with bad rows 5
// and 6 among good ones, and a product name Amazon quoted.
func writeByOrderDate(path string) error {
	f := newFlatFile(headerByOrderDate)
	// 2–3: one order, two items; the order's amounts are their sums.
	a := shipTo(item("701-0000001-0000001", "2026-02-10T20:32:11+00:00", "Shipped", "Shipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 2, "159.80", "12.90"),
		"São Paulo", "SP", "01001-000", "BR", "12345678909")
	a["last-updated-date"] = "2026-02-12T13:01:44+00:00"
	f.add(a)
	b := shipTo(item("701-0000001-0000001", "2026-02-10T20:32:11+00:00", "Shipped", "Shipped", "SKU-ROSA-M", "B0TESTBR02", `Camiseta "Rosa" M 24"`, 1, "79.90", "0.00"),
		"São Paulo", "SP", "01001-000", "BR", "12345678909")
	b["item-promotion-discount"] = "-8.00"
	b["last-updated-date"] = "2026-02-12T13:01:44+00:00"
	f.add(b)
	// 4: cancelled before it was priced.
	f.add(shipTo(item("701-0000002-0000002", "2026-02-11T10:00:00+00:00", "Cancelled", "Cancelled", "SKU-PRETO-G", "B0TESTBR03", "Camiseta Básica Preta G", 1, "", ""),
		"Rio de Janeiro", "Rio de Janeiro", "20040-002", "BR", ""))
	// 5: a purchase date without a year: skipped.
	d := shipTo(item("701-0000003-0000003", "10/02 08:00", "Shipped", "Shipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 1, "79.90", "9.90"),
		"Curitiba", "PR", "80010-000", "BR", "11144477735")
	d["last-updated-date"] = "2026-02-12T09:00:00+00:00"
	f.add(d)
	// 6: a CEP of letters and a CPF with wrong check digits: dropped.
	f.add(shipTo(item("701-0000004-0000004", "2026-02-12T15:45:00+00:00", "Pending", "Unshipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 1, "79.90", "9.90"),
		"Manaus", "AM", "CEP-XYZ", "BR", "12345678900"))
	// 7: a business order.
	c := shipTo(item("701-0000005-0000005", "2026-02-13T09:00:00+00:00", "Shipped", "Shipped", "SKU-KIT", "B0TESTBR04", "Kit Completo", 3, "269.70", "0.00"),
		"Manaus", "Amazonas", "69005-000", "BR", "11222333000181")
	c["is-business-order"] = "true"
	f.add(c)
	return connectortest.WriteText(path, f.b.String())
}

// writeByLastUpdate is an MWS-era report by last update: "url", no "cpf",
// an order shipped abroad.
func writeByLastUpdate(path string) error {
	f := newFlatFile(headerByLastUpdateMWS())
	f.add(shipTo(item("171-0000006-0000006", "2017-06-17T08:04:21+00:00", "Shipped", "Shipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 1, "89.95", ""),
		"Townname", "GA", "30041-8435", "US", ""))
	f.add(shipTo(item("171-0000007-0000007", "2017-06-18T10:00:00+00:00", "Shipped", "Shipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 1, "89.95", "5.00"),
		"Belo Horizonte", "Minas Gerais", "30130-000", "BR", ""))
	return connectortest.WriteText(path, f.b.String())
}

// TestReal reads the real flat file header with its one scrubbed row.
func TestReal(t *testing.T) {
	path := connectortest.RealData(t, "amazon", "all_orders_flatfile_header_and_scrubbed_row.tsv")
	m, res := connectortest.ReadReal(t, reader(t), path)
	if m.Layout != "all-orders-by-last-update-mws" {
		t.Errorf("layout %q", m.Layout)
	}
	if len(res.Rejects) != 0 || len(res.Orders) != 1 {
		t.Fatalf("%d orders, rejects %v", len(res.Orders), res.Rejects)
	}
	o := res.Orders[0]
	if o.ItemsTotal.Cents != 8995 || o.Currency != "EUR" || o.Ship.Country != "US" || o.Status != normalize.StatusShipped {
		t.Errorf("order %+v", o)
	}
}

func BenchmarkReadFile(b *testing.B) {
	f := newFlatFile(headerByOrderDate)
	const rows = 5000
	for i := range rows {
		f.add(shipTo(item(fmt.Sprintf("701-%07d-%07d", i/2, i/2), "2026-02-10T20:32:11+00:00", "Shipped", "Shipped", "SKU-AZUL-G", "B0TESTBR01", "Camiseta Básica Azul G", 2, "159.80", "12.90"),
			"São Paulo", "SP", "01001-000", "BR", "12345678909"))
	}
	path := filepath.Join(b.TempDir(), "orders.tsv")
	if err := connectortest.WriteText(path, f.b.String()); err != nil {
		b.Fatal(err)
	}
	connectortest.Bench(b, reader(b), path, rows)
}

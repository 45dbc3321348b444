package dataset

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchOrders makes n orders with realistic cardinalities: a handful of
// sources and statuses, many buyers, unique order ids.
func benchOrders(n int) []OrderRow {
	sources := []string{"mercadolivre", "shopee", "amazon", "shopify", "magalu"}
	statuses := []string{"paid", "shipped", "delivered", "cancelled", "returned"}
	cities := []string{"São Paulo", "Rio de Janeiro", "Belo Horizonte", "Curitiba", "Porto Alegre", "Recife"}
	states := []string{"SP", "RJ", "MG", "PR", "RS", "PE"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]OrderRow, n)
	for i := range rows {
		at := base.Add(time.Duration(i) * 37 * time.Second)
		total := int64(1990 + (i*7919)%250000)
		ship := int64((i * 31) % 3000)
		rows[i] = OrderRow{
			Source:        sources[i%len(sources)],
			Account:       "main",
			OrderID:       fmt.Sprintf("20000%014d", 8123456789+i),
			CustomerID:    fmt.Sprintf("c_%07d", i%(n/3+1)),
			OrderedAt:     &at,
			UpdatedAt:     &at,
			Status:        statuses[i%len(statuses)],
			StatusRaw:     statuses[i%len(statuses)],
			Currency:      "BRL",
			ItemsTotal:    &total,
			Shipping:      &ship,
			OrderTotal:    &total,
			PaymentMethod: "credit_card",
			Installments:  int32(1 + i%12),
			BuyerName:     fmt.Sprintf("Cliente %d", i%(n/3+1)),
			BuyerDocument: fmt.Sprintf("%011d", 10000000000+i%(n/3+1)),
			BuyerEmail:    fmt.Sprintf("cliente%d@example.com.br", i%(n/3+1)),
			BuyerPhone:    fmt.Sprintf("+55119%08d", i%(n/3+1)),
			ShipCity:      cities[i%len(cities)],
			ShipState:     states[i%len(states)],
			ShipCountry:   "BR",
			SourceFile:    "vendas.xlsx",
			SourceRow:     int64(i + 2),
			IngestedAt:    base,
		}
	}
	return rows
}

func BenchmarkWriteOrders(b *testing.B) {
	const n = 200_000
	rows := benchOrders(n)
	dir := b.TempDir()
	var size int64
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		pf, err := NewParquetFile[OrderRow](filepath.Join(dir, fmt.Sprintf("o%d.parquet", i)))
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < n; j += 4096 {
			if err := pf.Write(rows[j:min(j+4096, n)]); err != nil {
				b.Fatal(err)
			}
		}
		if err := pf.Commit(); err != nil {
			b.Fatal(err)
		}
		size = pf.Size()
	}
	sec := b.Elapsed().Seconds() / float64(b.N)
	b.ReportMetric(float64(n)/sec, "rows/s")
	b.ReportMetric(float64(size)/sec/1e6, "MB/s")
	b.ReportMetric(float64(size)/1e6, "MB/file")
}

// BenchmarkOrderRows converts the fixture orders as the write pass does,
// reusing one slice for the lines.
func BenchmarkOrderRows(b *testing.B) {
	orders := fixtureOrders()
	ingested := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]OrderRow, 0, len(orders))
	var items []ItemRow
	b.ReportAllocs()
	for b.Loop() {
		rows, items = rows[:0], items[:0]
		for i := range orders {
			var row OrderRow
			row, items = AppendOrderRows(items, &orders[i], "c_0001", ingested)
			rows = append(rows, row)
		}
	}
	b.ReportMetric(float64(len(orders)*b.N)/b.Elapsed().Seconds(), "orders/s")
}

package dataset

import (
	"fmt"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

// BenchmarkErasuresMatch is what an import pays per order read once a
// seller has erased many buyers: 2,000 forgotten people with five
// identifiers and three orders each.
func BenchmarkErasuresMatch(b *testing.B) {
	e, err := LoadErasures(b.TempDir(), true)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 2000 {
		for k := range 5 {
			e.Add("email", fmt.Sprintf("p%d-%d@example.com", i, k), false)
		}
		for k := range 3 {
			e.AddOrder("shopee", "main", fmt.Sprintf("O%d-%d", i, k), false)
		}
	}
	o := &normalize.Order{Source: "shopee", Account: "main", OrderID: "N1",
		Buyer: normalize.Buyer{Email: "new@example.com", Phone: "+5511987654321", Document: "52998224725"}}
	b.ReportAllocs()
	for b.Loop() {
		if erased, _ := e.Match(o); erased {
			b.Fatal("a stranger matched")
		}
	}
}

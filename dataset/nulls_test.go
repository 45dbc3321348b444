package dataset

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/internal/parquettest"
)

// TestEmptyOptionalIsNull writes optional columns whose values switch
// between empty and filled in many patterns, and reads them back with an
// independent reader: every empty value must be NULL and every filled one
// itself, wherever it falls in a batch.
func TestEmptyOptionalIsNull(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	patterns := map[string]func(i int) bool{
		"one filled second":   func(i int) bool { return i == 1 },
		"alternating":         func(i int) bool { return i%2 == 0 },
		"runs of 63":          func(i int) bool { return (i/63)%2 == 1 },
		"filled after 70":     func(i int) bool { return i >= 70 },
		"empty after 65":      func(i int) bool { return i < 65 },
		"random":              func(int) bool { return rnd.IntN(3) == 0 },
		"all empty":           func(int) bool { return false },
		"all filled":          func(int) bool { return true },
		"filled every 64th+1": func(i int) bool { return i%64 == 1 },
	}
	for name, filled := range patterns {
		for _, n := range []int{3, 17, 100, 300} {
			t.Run(fmt.Sprintf("%s/%d", name, n), func(t *testing.T) {
				rows := make([]OrderRow, n)
				want := make([]bool, n)
				for i := range rows {
					rows[i] = OrderRow{Source: "s", Account: "a", OrderID: fmt.Sprint(i), Status: "paid"}
					if want[i] = filled(i); want[i] {
						rows[i].PaymentMethod = "pix"
						rows[i].RecipientPhone = fmt.Sprintf("+55119%08d", i)
						rows[i].Installments = 3
					}
				}
				p := filepath.Join(t.TempDir(), "o.parquet")
				pf, err := NewParquetFile[OrderRow](p)
				if err != nil {
					t.Fatal(err)
				}
				if err := pf.Write(rows); err != nil {
					t.Fatal(err)
				}
				if err := pf.Commit(); err != nil {
					t.Fatal(err)
				}
				got := parquettest.Read(t, p).Records
				for i, rec := range got {
					for _, col := range []string{"payment_method", "recipient_phone", "installments"} {
						if isNull := rec[col] == nil; isNull == want[i] {
							t.Fatalf("row %d: %s = %#v, want filled %v", i, col, rec[col], want[i])
						}
					}
				}
			})
		}
	}
}

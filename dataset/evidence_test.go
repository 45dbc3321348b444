package dataset

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// An identities file written before the evidence column existed must read
// back, with evidence empty, so a run can seed its resolver from it.
func TestIdentitiesWithoutEvidenceColumnRead(t *testing.T) {
	type oldIdentityRow struct {
		CustomerID  string `parquet:"customer_id"`
		Kind        string `parquet:"kind,dict"`
		Value       string `parquet:"value"`
		Source      string `parquet:"source,dict"`
		OrdersCount int32  `parquet:"orders_count"`
	}
	p := filepath.Join(t.TempDir(), "part-old.parquet")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[oldIdentityRow](f)
	want := []oldIdentityRow{
		{CustomerID: "c1", Kind: "cpf", Value: "52998224725", Source: "shopee", OrdersCount: 2},
		{CustomerID: "c2", Kind: "email", Value: "a@b.com.br", Source: "shopify", OrdersCount: 1},
	}
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	var got []IdentityRow
	n, err := ReadFile(context.Background(), p, make([]IdentityRow, 8), func(rows []IdentityRow) error {
		got = append(got, rows...)
		return nil
	})
	if err != nil {
		t.Fatalf("reading an identities file without evidence: %v", err)
	}
	if n != int64(len(want)) || len(got) != len(want) {
		t.Fatalf("read %d rows, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.CustomerID != w.CustomerID || g.Kind != w.Kind || g.Value != w.Value || g.Source != w.Source || g.OrdersCount != w.OrdersCount {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
		if g.Evidence != "" {
			t.Errorf("row %d evidence = %q, want empty", i, g.Evidence)
		}
	}
}

func fixtureLinks() []LinkRow {
	return []LinkRow{
		{CustomerID: "c_0001", OrderA: "mercadolivre/main/2000001", OrderB: "shopee/main/250101ABC", Weight: 9.25, Probability: 0.99836,
			NameFrequency: -1.5, Fields: `[{"field":"name","level":"exact","weight":8.1,"agree":true},{"field":"phone","level":"missing","weight":0,"agree":false}]`},
	}
}

package importer

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/pii"
)

// TestCompareTellsDatasetsApart checks dataset.Compare, which the
// benchmark and TestIncrementalEqualsFull trust to tell an incremental
// dataset from one import: it must find a missing order, a different
// grouping of the same orders, and an id the stable-id rule kept, and
// find nothing between two imports of the same files.
func TestCompareTellsDatasetsApart(t *testing.T) {
	history := generated(t, 11, 160, day(2024, 1), day(2024, 11))
	first := shopifyFile(t, "first.csv", []shopOrder{
		{id: 9301, name: "Paulo Souza", email: "paulo.souza.test@example.com", at: "2024-02-02 10:00:00 -0300"},
	})
	second := shopifyFile(t, "second.csv", []shopOrder{
		{id: 9302, name: "Paulo Souza", email: "paulo.souza.test@example.com", doc: cpf(123456789), at: "2024-05-02 10:00:00 -0300"},
	})
	both := append(append([]File{}, first...), second...)
	build := func(o Options, runs ...[]File) *dataset.Dataset {
		dir := filepath.Join(t.TempDir(), "data")
		for _, files := range runs {
			importFiles(t, dir, o, files)
		}
		ds, err := dataset.OpenReadOnly(dir)
		if err != nil {
			t.Fatal(err)
		}
		return ds
	}
	compare := func(a, b *dataset.Dataset) *dataset.Comparison {
		c, err := dataset.Compare(t.Context(), a, b)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	table := func(c *dataset.Comparison, name string) dataset.TableComparison {
		for _, tc := range c.Tables {
			if tc.Table == name {
				return tc
			}
		}
		t.Fatalf("no table %s compared", name)
		return dataset.TableComparison{}
	}

	full := build(Options{}, append(append([]File{}, history...), both...))
	t.Run("same files", func(t *testing.T) {
		c := compare(build(Options{}, append(append([]File{}, history...), both...)), full)
		if !c.SameRows() || len(c.IDsDiffer)+len(c.Merged) > 0 {
			t.Fatalf("two imports of the same files differ:\n%s", c)
		}
	})
	t.Run("missing order", func(t *testing.T) {
		c := compare(build(Options{}, history, first), full)
		o := table(c, dataset.TableOrders)
		if c.SameRows() || o.OnlyIncremental != 0 || o.OnlyFull == 0 || len(o.Samples[1]) == 0 || !strings.Contains(o.Samples[1][0], "#9302") {
			t.Fatalf("the order only the full import holds is not found:\n%s", c)
		}
	})
	t.Run("grouping", func(t *testing.T) {
		// Under --pii hash an order read back keeps its customer (a pin):
		// a phone a later run finds shared by six people no longer links
		// Marta's two orders in one import of every file, but her earlier
		// customer still holds them in a dataset that saw her first.
		protect, err := pii.New(string(pii.Hash), "a-test-key-of-32-bytes-0123456789")
		if err != nil {
			t.Fatal(err)
		}
		marta := shopifyFile(t, "marta.csv", []shopOrder{
			{id: 9001, name: "Marta Lima", phone: "(11) 95555-1212", at: "2024-03-02 10:00:00 -0300"},
			{id: 9002, name: "Marta Lima", phone: "(11) 95555-1212", at: "2024-09-12 10:00:00 -0300"},
		})
		var crowd []shopOrder
		for i, n := range []string{"Ana Prado", "Bruno Reis", "Carla Dias", "Diego Melo", "Elisa Cruz", "Fábio Luz"} {
			crowd = append(crowd, shopOrder{id: 9100 + i, name: n, phone: "(11) 95555-1212", at: fmt.Sprintf("2024-%02d-05 10:00:00 -0300", 1+i)})
		}
		shared := shopifyFile(t, "crowd.csv", crowd)
		o := Options{PII: protect}
		c := compare(build(o, marta, shared), build(o, append(append([]File{}, marta...), shared...)))
		orders := table(c, dataset.TableOrders)
		if orders.Rows[0] != orders.Rows[1] {
			t.Fatalf("the same files gave %d and %d orders", orders.Rows[0], orders.Rows[1])
		}
		if orders.OnlyIncremental != 1 || orders.OnlyFull != 1 || table(c, dataset.TableCustomers).OnlyFull == 0 {
			t.Fatalf("Marta's orders, apart in one import and together in the pinned dataset, are not told:\n%s", c)
		}
	})
	t.Run("kept id", func(t *testing.T) {
		c := compare(build(Options{}, history, first, second), full)
		if !c.SameRows() {
			t.Fatalf("rows differ:\n%s", c)
		}
		if len(c.IDsDiffer) != 1 || len(c.Merged) != 0 || !strings.HasSuffix(c.IDsDiffer[0].Label, "#9301") {
			t.Fatalf("the customer who kept the id of its e-mail when a later run gave it a CPF is not told:\n%s", c)
		}
	})
}

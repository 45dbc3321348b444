package importer

import (
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/dataset"
)

// TestHeaderOnlyFirstImport: an export with no orders, as the first import
// of a new dataset, commits a valid dataset whose every table is there,
// empty, with its schema.
func TestHeaderOnlyFirstImport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	empty := filepath.Join(t.TempDir(), "orders_export_1.csv")
	shopifyRows(t, empty, 0, nil)
	st, ins := importFiles(t, dir, Options{}, []File{{Path: empty, Account: "main"}})
	if ins[0].Failed() || ins[0].Match.Connector != "shopify" {
		t.Fatalf("input: %+v", ins[0])
	}
	if st.Orders != 0 || st.Lines != 0 || st.Customers != 0 {
		t.Errorf("stats: %+v", *st)
	}
	m, err := dataset.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, table := range dataset.Tables() {
		tf, ok := m.Tables[table.Name]
		if !ok || len(tf.Files) == 0 || tf.Rows != 0 {
			t.Errorf("table %s: %+v, want one empty file", table.Name, tf)
		}
	}
	// A later import over the empty dataset works as over any other.
	st, _ = importFiles(t, dir, Options{}, exportFiles(t))
	if st.Orders != 960 || st.NewOrders != 960 || st.Months != 35 {
		t.Errorf("import over the empty dataset: %+v", *st)
	}
}

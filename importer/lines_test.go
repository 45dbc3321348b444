package importer

import (
	"bytes"
	"encoding/csv"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/internal/parquettest"
)

// shopifyRows writes the header and the first n orders' rows of the bundled
// Shopify export to a file, with edit applied to each row.
func shopifyRows(t *testing.T, path string, n int, edit func(header, row []string)) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "exports", "shopify_orders_export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(rows[0])
	for _, r := range rows[1 : n+1] {
		if edit != nil {
			edit(rows[0], r)
		}
		w.Write(r)
	}
	w.Flush()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func column(header []string, name string) int {
	for i, h := range header {
		if h == name {
			return i
		}
	}
	panic("no column " + name)
}

// TestEditedOrderReplacesLines re-imports an order whose line was edited
// (another SKU): the dataset ends with the new line only, the run counts the
// order and the log names it.
func TestEditedOrderReplacesLines(t *testing.T) {
	dir := t.TempDir()
	first := filepath.Join(t.TempDir(), "orders_export_1.csv")
	edited := filepath.Join(t.TempDir(), "orders_export_2.csv")
	shopifyRows(t, first, 3, nil)
	shopifyRows(t, edited, 3, func(h, r []string) {
		if r[column(h, "Name")] == "#1001" {
			r[column(h, "Lineitem sku")] = "EDITED-SKU-B"
		}
	})
	st, _ := importFiles(t, dir, Options{}, []File{{Path: first, Account: "main"}})
	if st.LinesChanged != 0 {
		t.Errorf("first import: %d orders with changed lines, want 0", st.LinesChanged)
	}
	var log bytes.Buffer
	st, _ = importFiles(t, dir, Options{Logger: slog.New(slog.NewTextHandler(&log, nil))}, []File{{Path: edited, Account: "main"}})
	if st.LinesChanged != 1 || st.Updated != 1 {
		t.Errorf("re-import of the edit: %d orders with changed lines, %d updated; want 1, 1", st.LinesChanged, st.Updated)
	}
	if !strings.Contains(log.String(), `msg="order lines changed" source=shopify account=main order_id=`) ||
		!strings.Contains(log.String(), "1001") {
		t.Errorf("log does not name the edited order:\n%s", log.String())
	}
	items := string(parquettest.ReadGlob(t, filepath.Join(dir, "order_items", "*", "*.parquet")).JSONL)
	if !strings.Contains(items, "EDITED-SKU-B") || strings.Contains(items, "ESC049-CINZA") {
		t.Errorf("order_items keep the old line or lack the new one:\n%s", items)
	}
	// Read again, the same edit changes nothing.
	st, _ = importFiles(t, dir, Options{}, []File{{Path: edited, Account: "main"}})
	if st.LinesChanged != 0 {
		t.Errorf("third import: %d orders with changed lines, want 0", st.LinesChanged)
	}
}

package connectors_test

import (
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/orderhist/orderhist/connectors"
	_ "github.com/orderhist/orderhist/connectors/all"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/internal/testgen"
)

// generate writes one synthetic export of layout and returns its path.
func generate(t *testing.T, layout string) string {
	t.Helper()
	dir := t.TempDir()
	res, err := testgen.Generate(testgen.Config{Seed: 3, People: 30, Lines: 40, Layouts: []string{layout}, Noise: "none", OutDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range res.Files {
		if p := filepath.Join(dir, f.File); strings.HasSuffix(p, ".xlsx") || strings.HasSuffix(p, ".csv") || strings.HasSuffix(p, ".tsv") {
			return p
		}
	}
	t.Fatalf("no export of %s in %v", layout, res.Files)
	return ""
}

// resaveAsCSV writes the first sheet of a workbook as Excel's pt-BR "CSV"
// does: ';' between cells.
func resaveAsCSV(t *testing.T, xlsx string) string {
	t.Helper()
	rows, err := tabular.OpenSheet(xlsx, "", tabular.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	p := strings.TrimSuffix(xlsx, ".xlsx") + ".csv"
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := csv.NewWriter(f)
	w.Comma = ';'
	for rows.Next() {
		if err := w.Write(rows.Row().Cells); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return p
}

// resaveAsXLSX writes a CSV export into a workbook, as Excel's "Save as"
// does.
func resaveAsXLSX(t *testing.T, path string) string {
	t.Helper()
	r, err := tabular.OpenCSV(path, tabular.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	f := excelize.NewFile()
	defer f.Close()
	put := func(n int, cells []string) {
		row := make([]any, len(cells))
		for i, c := range cells {
			row[i] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, n)
		if err := f.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	put(1, r.Header())
	for n := 2; r.Next(); n++ {
		put(n, r.Row().Cells)
	}
	p := strings.TrimSuffix(path, filepath.Ext(path)) + ".xlsx"
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func route(t *testing.T, path string) (connectors.Match, error) {
	t.Helper()
	s, err := connectors.ReadSample(path)
	if err != nil {
		t.Fatal(err)
	}
	_, m, err := connectors.Route(s)
	return m, err
}

// TestRouteResavedExport: a marketplace export saved again in the other
// format is named, with what to do, instead of "no connector".
func TestRouteResavedExport(t *testing.T) {
	for _, tc := range []struct {
		layout string
		resave func(*testing.T, string) string
		want   []string
	}{
		{testgen.LayoutShopeeAll, resaveAsCSV, []string{"Shopee Order.all export", "saved again as CSV", "import the original XLSX file"}},
		{testgen.LayoutMercadoLivre, resaveAsCSV, []string{"Mercado Livre", "saved again as CSV", "original XLSX"}},
		{testgen.LayoutShopify, resaveAsXLSX, []string{"Shopify", "saved again as XLSX", "original CSV"}},
	} {
		t.Run(tc.layout, func(t *testing.T) {
			orig := generate(t, tc.layout)
			if _, err := route(t, orig); err != nil {
				t.Fatalf("the original does not route: %v", err)
			}
			_, err := route(t, tc.resave(t, orig))
			if !errors.Is(err, connectors.ErrResaved) || !errors.Is(err, connectors.ErrNoConnector) {
				t.Fatalf("err %v", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q does not say %q", err, w)
				}
			}
		})
	}
}

// TestRouteMappingError: a typo in the mapping file beside a sheet is
// shown as the mapping's own error.
func TestRouteMappingError(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pedidos.csv")
	if err := os.WriteFile(p, []byte("Pedido;Data;Total\n1;05/03/2026;10,00\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mapping := filepath.Join(dir, "pedidos.mapping.yaml")
	if err := os.WriteFile(mapping, []byte("columns:\n  order_id: Pedido\n  ordered_at: Data\n  order_totl: Total\nmoney: br\ndate_layout: \"02/01/2006\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := route(t, p)
	if !errors.Is(err, connectors.ErrNoConnector) || !strings.Contains(err.Error(), "order_totl") || !strings.Contains(err.Error(), "pedidos.mapping.yaml") || strings.Contains(err.Error(), "no connector reads") {
		t.Fatalf("err %v", err)
	}
	// Without the mapping file the sheet is simply not recognised.
	os.Remove(mapping)
	if _, err := route(t, p); !errors.Is(err, connectors.ErrNoConnector) || !strings.Contains(err.Error(), "no connector reads") {
		t.Fatalf("err %v", err)
	}
}

// TestWalkExports lists what a folder import reads and why it leaves out
// every other file.
func TestWalkExports(t *testing.T) {
	dir := t.TempDir()
	put := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fixture := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("tabular", "testdata", "kinds", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	xlsx, err := os.ReadFile(generate(t, testgen.LayoutShopeeAll))
	if err != nil {
		t.Fatal(err)
	}
	put("pedidos.csv", []byte("a,b\n1,2\n"))
	put("shopee/Order.all.xlsx", xlsx)
	put("shopee/renomeado.xls", xlsx)
	put("texto.xls", []byte("a\tb\n1\t2\n"))
	put("protegido.xlsx.bak", fixture("protegido.xlsx"))
	put("antigo.xls", fixture("vendas.xls"))
	put("planilha.ods", fixture("pedidos.ods"))
	put("relatorio.pdf", fixture("relatorio.pdf"))
	put("print.png", fixture("print.png"))
	put("~$Order.all.xlsx", []byte{0})
	put(".DS_Store", []byte{0})
	put(".git/config", []byte("x"))
	put("pedidos.mapping.yaml", []byte("columns: {}\n"))
	put("LEIA-ME.md", []byte("# notas\n"))

	files, skipped, err := connectors.WalkExports(dir)
	if err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { r, _ := filepath.Rel(dir, p); return filepath.ToSlash(r) }
	var got []string
	for _, f := range files {
		got = append(got, rel(f))
	}
	if want := []string{"pedidos.csv", "shopee/Order.all.xlsx", "shopee/renomeado.xls", "texto.xls"}; !slices.Equal(got, want) {
		t.Errorf("files %q, want %q", got, want)
	}
	wantSkipped := map[string]string{
		"protegido.xlsx.bak":   "password-protected",
		"antigo.xls":           "Excel 97-2003 (.xls)",
		"planilha.ods":         "OpenDocument spreadsheet (.ods)",
		"relatorio.pdf":        "PDF",
		"print.png":            "PNG image",
		"~$Order.all.xlsx":     "lock file",
		".DS_Store":            "hidden",
		"pedidos.mapping.yaml": "mapping file",
		"LEIA-ME.md":           "not an export",
	}
	for _, s := range skipped {
		r := rel(s.Path)
		want, ok := wantSkipped[r]
		if !ok || !strings.Contains(s.Reason, want) {
			t.Errorf("skipped %s: %q, want %q", r, s.Reason, want)
		}
		delete(wantSkipped, r)
	}
	for r := range wantSkipped {
		t.Errorf("%s is not listed as skipped", r)
	}
}

// TestReadSampleNamesTheProblem: files that are not spreadsheets fail
// with an error naming the file and what it is.
func TestReadSampleNamesTheProblem(t *testing.T) {
	for name, want := range map[string]string{
		"protegido.xlsx": "password-protected",
		"vendas.xls":     "old Excel 97-2003 (.xls) workbook",
		"pedidos.ods":    "OpenDocument spreadsheet",
		"relatorio.pdf":  "PDF document",
		"foto.jpg":       "JPEG image",
	} {
		p := filepath.Join("tabular", "testdata", "kinds", name)
		_, err := connectors.ReadSample(p)
		var fe *tabular.FileError
		if !errors.As(err, &fe) || fe.File != p || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", name, err, want)
		}
	}
}

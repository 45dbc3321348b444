package export_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/orderhist/orderhist/export"
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/internal/sellertest"
)

const formulaName = `=HYPERLINK("http://x";"y")`

func knownHistory(t *testing.T) (history.Committed, *history.History) {
	t.Helper()
	dir := sellertest.Import(t, sellertest.KnownExports(t))
	src, err := history.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return src, sellertest.Load(t, dir, "2026-06-30", history.DefaultRules)
}

// readXLSX reads back every cell of the only sheet, checking on the way
// that no cell holds a formula.
func readXLSX(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 1 {
		t.Fatalf("sheets %v, want one", sheets)
	}
	rows, err := f.GetRows(sheets[0], excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	for r, row := range rows {
		for c := range row {
			ref, _ := excelize.CoordinatesToCellName(c+1, r+1)
			formula, err := f.GetCellFormula(sheets[0], ref)
			if err != nil {
				t.Fatal(err)
			}
			if formula != "" {
				t.Errorf("cell %s holds the formula %q", ref, formula)
			}
			if typ, _ := f.GetCellType(sheets[0], ref); typ == excelize.CellTypeFormula {
				t.Errorf("cell %s is a formula cell", ref)
			}
		}
	}
	return rows
}

// cellsByHeader turns rows into one map per data row, keyed by header.
func cellsByHeader(rows [][]string) []map[string]string {
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			if i < len(row) {
				m[h] = row[i]
			} else {
				m[h] = ""
			}
		}
		out = append(out, m)
	}
	return out
}

func TestCustomersXLSX(t *testing.T) {
	_, h := knownHistory(t)
	var buf bytes.Buffer
	n, err := export.Customers(context.Background(), &buf, h, export.Options{Format: export.FormatXLSX, Lang: "pt-BR"})
	if err != nil {
		t.Fatal(err)
	}
	rows := readXLSX(t, buf.Bytes())
	if n != 5 || len(rows) != 6 {
		t.Fatalf("%d customers written, %d rows read; want 5 and a header", n, len(rows))
	}
	wantHeader := []string{"ID do cliente", "Nome", "Usuário no marketplace", "CPF/CNPJ", "E-mail", "Telefone", "Cidade", "UF",
		"Canais", "Segmento", "Compras", "Pedidos cancelados", "Primeira compra", "Última compra", "Dias sem comprar",
		"Moeda", "Total gasto", "Ticket médio", "Gasto em outras moedas", "RFM recência", "RFM frequência"}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Errorf("header\n got %q\nwant %q", rows[0], wantHeader)
	}
	got := cellsByHeader(rows)
	// Biggest spenders first; Excel dates are serial day numbers.
	want := []map[string]string{
		{"Nome": "Ana Souza", "Canais": "CSV, Shopify", "Segmento": "recorrente", "Compras": "3", "Pedidos cancelados": "0",
			"Primeira compra": "46032", "Última compra": "46147", "Dias sem comprar": "56", "Moeda": "BRL",
			"Total gasto": "350", "Ticket médio": "116.67", "RFM recência": "4", "RFM frequência": "3", "E-mail": "ana@example.com"},
		{"Nome": "Bruno Lima", "Canais": "Shopify", "Segmento": "inativo", "Compras": "1", "Pedidos cancelados": "1",
			"Primeira compra": "46037", "Última compra": "46037", "Dias sem comprar": "166", "Moeda": "BRL",
			"Total gasto": "300", "Ticket médio": "300", "RFM recência": "3", "RFM frequência": "1", "E-mail": "bruno@example.com"},
		{"Nome": formulaName, "Canais": "Shopify", "Segmento": "novo", "Compras": "1", "Pedidos cancelados": "0",
			"Primeira compra": "46198", "Última compra": "46198", "Dias sem comprar": "5", "Moeda": "BRL",
			"Total gasto": "10", "Ticket médio": "10", "RFM recência": "5", "RFM frequência": "1"},
		{"Nome": "Carla Reis", "Canais": "Shopify", "Segmento": "novo", "Compras": "1", "Pedidos cancelados": "0",
			"Primeira compra": "46193", "Última compra": "46193", "Dias sem comprar": "10", "Moeda": "EUR",
			"Total gasto": "40", "Ticket médio": "40", "RFM recência": "5", "RFM frequência": "1", "E-mail": "carla@example.com"},
		{"Nome": "Diego Alves", "Canais": "Shopify", "Segmento": "sem compra", "Compras": "0", "Pedidos cancelados": "1",
			"Primeira compra": "", "Última compra": "", "Dias sem comprar": "", "Moeda": "",
			"Total gasto": "", "Ticket médio": "", "RFM recência": "", "RFM frequência": "", "E-mail": "diego@example.com"},
	}
	// Real amounts are never compared across currencies: the BRL buyers
	// (the main currency) first, then Carla's EUR 40, then Diego's nothing.
	for i, w := range want {
		for k, v := range w {
			if got[i][k] != v {
				t.Errorf("row %d (%s), %s: %q, want %q", i+2, got[i]["Nome"], k, got[i][k], v)
			}
		}
		if !strings.HasPrefix(got[i]["ID do cliente"], "c_") {
			t.Errorf("row %d: customer id %q", i+2, got[i]["ID do cliente"])
		}
	}
}

// readCSV checks the byte order mark and parses the rest.
func readCSV(t *testing.T, data []byte, comma rune) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(data, []byte("\uFEFF"))
	if !ok {
		t.Fatal("CSV without a UTF-8 byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = comma
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestCustomersCSV(t *testing.T) {
	_, h := knownHistory(t)
	for _, tc := range []struct {
		lang   string
		comma  rune
		header string
		ana    map[string]string
	}{
		{"pt-BR", ';', "Nome", map[string]string{"Última compra": "05/05/2026", "Total gasto": "350,00", "Ticket médio": "116,67", "Segmento": "recorrente"}},
		{"en", ',', "Name", map[string]string{"Latest purchase": "2026-05-05", "Total spent": "350.00", "Average ticket": "116.67", "Segment": "recurring"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var buf bytes.Buffer
			if _, err := export.Customers(context.Background(), &buf, h, export.Options{Format: export.FormatCSV, Lang: tc.lang}); err != nil {
				t.Fatal(err)
			}
			rows := cellsByHeader(readCSV(t, buf.Bytes(), tc.comma))
			if len(rows) != 5 {
				t.Fatalf("%d rows, want 5", len(rows))
			}
			ana := rows[0]
			if ana[tc.header] != "Ana Souza" {
				t.Fatalf("first row is %q", ana[tc.header])
			}
			for k, v := range tc.ana {
				if ana[k] != v {
					t.Errorf("Ana's %s: %q, want %q", k, ana[k], v)
				}
			}
			// The formula buyer's name is kept, behind an apostrophe.
			if got := rows[2][tc.header]; got != "'"+formulaName {
				t.Errorf("formula name written as %q", got)
			}
		})
	}
}

func TestOrdersExport(t *testing.T) {
	src, h := knownHistory(t)
	for _, tc := range []struct {
		name   string
		filter export.Filter
		orders []string
	}{
		{"all", export.Filter{}, []string{"#1", "#3", "#4", "#2", "#6", "9001", "#5", "#8", "#7"}},
		{"channel", export.Filter{Channel: "csv"}, []string{"9001"}},
		{"segment", export.Filter{Segment: history.SegmentInactive}, []string{"#3", "#4"}},
		{"inactive days", export.Filter{InactiveDays: 50}, []string{"#1", "#3", "#4", "#2", "9001"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := export.Orders(context.Background(), &buf, src, h, export.Options{Format: export.FormatXLSX, Lang: "pt-BR", Filter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			rows := cellsByHeader(readXLSX(t, buf.Bytes()))
			var got []string
			for _, r := range rows {
				got = append(got, r["Pedido"])
			}
			if n != len(tc.orders) || !sameSet(got, tc.orders) {
				t.Errorf("orders %v (%d), want %v", got, n, tc.orders)
			}
			for _, r := range rows {
				if r["Pedido"] == "#8" {
					if r["Nome no pedido"] != formulaName || r["Cliente"] != formulaName {
						t.Errorf("formula buyer's order: %q / %q", r["Nome no pedido"], r["Cliente"])
					}
				}
				if r["Pedido"] == "#2" && (r["Total do pedido"] != "200" || r["Situação"] != "pago" && r["Situação"] != "enviado" && r["Situação"] != "entregue") {
					t.Errorf("order #2: total %q, status %q", r["Total do pedido"], r["Situação"])
				}
				if r["Pedido"] == "#4" && r["Situação"] != "cancelado" {
					t.Errorf("order #4 status %q, want cancelado", r["Situação"])
				}
			}
		})
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestCustomerFilters(t *testing.T) {
	_, h := knownHistory(t)
	for _, tc := range []struct {
		name   string
		filter export.Filter
		want   []string
	}{
		{"segment new", export.Filter{Segment: history.SegmentNew}, []string{formulaName, "Carla Reis"}},
		{"segment no purchase", export.Filter{Segment: history.SegmentNoPurchase}, []string{"Diego Alves"}},
		{"channel", export.Filter{Channel: "csv"}, []string{"Ana Souza"}},
		{"inactive days", export.Filter{InactiveDays: 50}, []string{"Ana Souza", "Bruno Lima"}},
		{"inactive days and channel", export.Filter{InactiveDays: 50, Channel: "shopify"}, []string{"Ana Souza", "Bruno Lima"}},
		{"nobody", export.Filter{InactiveDays: 500}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := export.Customers(context.Background(), &buf, h, export.Options{Format: export.FormatXLSX, Lang: "en", Filter: tc.filter})
			if err != nil {
				t.Fatal(err)
			}
			rows := readXLSX(t, buf.Bytes())
			var got []string
			for _, r := range cellsByHeader(rows) {
				got = append(got, r["Name"])
			}
			if n != len(tc.want) || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("customers %q (%d), want %q", got, n, tc.want)
			}
			if rows[0][0] != "Customer id" {
				t.Errorf("header %q", rows[0])
			}
		})
	}
}

func TestOptionsCheck(t *testing.T) {
	for _, o := range []export.Options{
		{Format: "ods", Lang: "pt-BR"},
		{Format: "xlsx", Lang: "fr"},
		{Format: "csv", Lang: "en", Filter: export.Filter{InactiveDays: -1}},
	} {
		if o.Check() == nil {
			t.Errorf("%+v passed the check", o)
		}
	}
}

package tabular

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/xuri/excelize/v2"
)

// mlRow builds row i of a sheet shaped like Mercado Livre's "Vendas BR":
// 63 columns of order ids, dates and statuses as text, amounts as numbers,
// buyer and address text, and the single spaces it writes for "empty".
func mlRow(r *rand.Rand, i int) []any {
	statuses := []string{"Entregue", "Cancelada pelo comprador", "Pronta para emitir NF-e de venda", "A caminho", "Devolução em andamento"}
	names := []string{"João Silva", "Maria Conceição", "Ana Luíza Araújo", "Pedro Henrique", "Gabriel Lopes"}
	streets := []string{"Rua Santos Dumont", "Avenida Laura Silva", "Rua Dom Pedro II", "Travessa São João", "Rua Professora Alice Andrade"}
	cities := []string{"São Paulo", "Rio de Janeiro", "Santo André", "Maceió", "Recife"}
	row := make([]any, 63)
	for c := range row {
		row[c] = " "
	}
	units := 1 + r.IntN(3)
	price := float64(1000+r.IntN(40000)) / 100
	name := names[r.IntN(len(names))]
	cpf := fmt.Sprintf("%011d", r.Int64N(1e11))
	row[0] = strconv.FormatInt(2000008634690713+int64(i)*7919, 10)
	row[1] = fmt.Sprintf("%d de janeiro de 2024 %02d:%02d hs.", 1+i%28, i%24, i%60)
	row[2] = statuses[r.IntN(len(statuses))]
	row[3] = "Chegou em 10 de janeiro"
	row[4], row[5] = "Sim", "Não"
	row[6] = units
	row[7] = price * float64(units)
	row[8], row[9] = "", ""
	row[10] = -float64(r.IntN(5000)) / 100
	row[12], row[13] = -19.9, -19.9
	row[16] = price*float64(units) - 31.02
	row[17] = "janeiro 2024"
	row[19] = fmt.Sprintf("SKU%04d", r.IntN(500))
	row[20] = fmt.Sprintf("MLB%d", 1737629496+r.IntN(1000))
	row[21] = "Mercado Livre"
	row[22] = "Boneca Articulada & Acessórios <Kit>"
	row[24] = price
	row[25] = "Clássico"
	row[26] = "Autorizado"
	row[27] = name
	row[28] = "CPF " + cpf
	row[29] = fmt.Sprintf("%s %d, Jardim Europa - CEP: %08d, %s", streets[r.IntN(len(streets))], 1+r.IntN(999), r.IntN(1e8), cities[r.IntN(len(cities))])
	row[32] = name
	row[33] = "Não"
	row[34] = cpf
	row[35] = fmt.Sprintf("%s %d - CEP %08d - Parque São Jorge, %s", streets[r.IntN(len(streets))], 1+r.IntN(999), r.IntN(1e8), cities[r.IntN(len(cities))])
	row[36] = cities[r.IntN(len(cities))]
	row[37] = "São Paulo"
	row[38] = fmt.Sprintf("%08d", r.IntN(1e8))
	row[39] = "Brasil"
	row[40] = "Correios e pontos de envio"
	row[41] = "2 de janeiro | 19:18"
	row[42] = "10 de janeiro | 01:18"
	return row
}

// writeMLSheet writes a "Vendas BR"-shaped workbook of n data rows under
// the five title rows and the header, with excelize's StreamWriter (inline
// strings, as the project's generator writes them) or, when shared is set,
// its ordinary writer (a shared string table, as Mercado Livre writes it).
func writeMLSheet(tb testing.TB, path string, n int, shared bool) {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "Vendas BR"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		tb.Fatal(err)
	}
	header := make([]any, 63)
	for i := range header {
		header[i] = fmt.Sprintf("Coluna %d (BRL)", i+1)
	}
	r := rand.New(rand.NewPCG(1, 2))
	var (
		put   func(row int, vals []any) error
		flush func() error
	)
	if shared {
		put = func(row int, vals []any) error {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return f.SetSheetRow(sheet, cell, &vals)
		}
	} else {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			tb.Fatal(err)
		}
		put = func(row int, vals []any) error {
			cell, _ := excelize.CoordinatesToCellName(1, row)
			return sw.SetRow(cell, vals)
		}
		flush = sw.Flush
	}
	rows := [][]any{{nil}, {"Neste relatório, você encontra as informações das suas vendas."}, {nil, nil, nil, "Ir para Faturas"}, {"Vendas"}, {"Vendas", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "Publicidade"}, header}
	for i, vals := range rows {
		if err := put(i+1, vals); err != nil {
			tb.Fatal(err)
		}
	}
	for i := range n {
		if err := put(len(rows)+1+i, mlRow(r, i)); err != nil {
			tb.Fatal(err)
		}
	}
	if flush != nil {
		if err := flush(); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkXLSXRows reads a 20,000-row, 63-column Mercado Livre-shaped
// sheet through excelize's Rows and Columns with RawCellValue and through
// SheetRows, opening the file included.
func BenchmarkXLSXRows(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	for _, layout := range []struct {
		name   string
		shared bool
	}{{"inline", false}, {"shared", true}} {
		p := filepath.Join(dir, layout.name+".xlsx")
		writeMLSheet(b, p, n, layout.shared)
		b.Run(layout.name+"/excelize", func(b *testing.B) {
			rows := 0
			for b.Loop() {
				rows += readExcelize(b, p)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
		b.Run(layout.name+"/reader", func(b *testing.B) {
			rows := 0
			for b.Loop() {
				rows += readReader(b, p)
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

func readExcelize(tb testing.TB, path string) int {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: DefaultLimits.MaxUnzipBytes, UnzipXMLSizeLimit: DefaultLimits.MaxXMLBytes})
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Rows(f.GetSheetList()[0])
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if _, err := rows.Columns(); err != nil {
			tb.Fatal(err)
		}
		n++
	}
	return n
}

func readReader(tb testing.TB, path string) int {
	rows, err := OpenSheet(path, "", Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if rows.Row().Problem != nil {
			tb.Fatal(rows.Row().Problem)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return n
}

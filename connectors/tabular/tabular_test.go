package tabular

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func cp1252(t testing.TB, s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type readResult struct {
	encoding  string
	delimiter rune
	header    []string
	rows      [][]string
	numbers   []int
	problems  []string
	err       error
}

func readAll(t *testing.T, path string, opts CSVOptions) readResult {
	t.Helper()
	r, err := OpenCSV(path, opts)
	if err != nil {
		return readResult{err: err}
	}
	defer r.Close()
	res := readResult{encoding: r.Encoding(), delimiter: r.Delimiter(), header: r.Header()}
	for r.Next() {
		row := r.Row()
		res.numbers = append(res.numbers, row.Number)
		if row.Problem != nil {
			res.problems = append(res.problems, row.Problem.Error())
			res.rows = append(res.rows, nil)
			continue
		}
		res.rows = append(res.rows, append([]string(nil), row.Cells...))
	}
	res.err = r.Err()
	return res
}

func TestCSVEncodingAndDelimiter(t *testing.T) {
	const text = "Pedido;Cliente;Cidade;Valor Total\r\n1001;\"Conceição, Maria\";São Paulo;\"1.204,70\"\r\n1002;João;Manaus;89,90\r\n"
	for _, tc := range []struct {
		name     string
		data     []byte
		encoding string
	}{
		{"utf-8", []byte(text), EncodingUTF8},
		{"utf-8 with BOM", append([]byte{0xEF, 0xBB, 0xBF}, text...), EncodingUTF8BOM},
		{"windows-1252", cp1252(t, text), EncodingWindows1252},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := readAll(t, write(t, "x.csv", tc.data), CSVOptions{})
			if res.err != nil {
				t.Fatal(res.err)
			}
			if res.encoding != tc.encoding || res.delimiter != ';' {
				t.Fatalf("encoding %s delimiter %q", res.encoding, res.delimiter)
			}
			if res.header[0] != "Pedido" || res.header[3] != "Valor Total" {
				t.Fatalf("header %q (BOM must not stick to the first name)", res.header)
			}
			if res.rows[0][1] != "Conceição, Maria" || res.rows[0][2] != "São Paulo" || res.rows[0][3] != "1.204,70" {
				t.Fatalf("row %q", res.rows[0])
			}
			if res.numbers[0] != 2 || res.numbers[1] != 3 {
				t.Fatalf("line numbers %v", res.numbers)
			}
		})
	}
}

func TestSniffDelimiterIgnoresAmounts(t *testing.T) {
	for _, tc := range []struct {
		line string
		want rune
	}{
		{"amazon-order-id\tpurchase-date\titem-price", '\t'},
		{"Pedido;Valor;Frete", ';'},
		{"Name,Email,Total", ','},
		{`"Nome, completo";Valor`, ';'},
		{"single", ','},
	} {
		if got := SniffDelimiter(tc.line); got != tc.want {
			t.Errorf("SniffDelimiter(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

func TestSniffEncodingCutRune(t *testing.T) {
	// "ã" is two bytes in UTF-8; a sample cut between them is still UTF-8.
	b := []byte("Conceição")
	if got := SniffEncoding(b[:len(b)-2], false); got != EncodingUTF8 {
		t.Fatalf("cut sample: %s", got)
	}
	if got := SniffEncoding(b[:len(b)-2], true); got != EncodingWindows1252 {
		t.Fatalf("complete file ending mid-rune: %s", got)
	}
}

func TestCSVExcelSepLine(t *testing.T) {
	res := readAll(t, write(t, "x.csv", []byte("sep=;\nA;B\n1,5;2\n")), CSVOptions{})
	if res.err != nil || res.delimiter != ';' || res.header[1] != "B" || res.rows[0][0] != "1,5" || res.numbers[0] != 3 {
		t.Fatalf("%+v", res)
	}
}

func TestCSVBadRowsGoOn(t *testing.T) {
	data := "a,b,c\n1,2,3\n4,\"x\"y,6\n7,8,9,10\n11,12\n\n,,\n13,14,15\n"
	res := readAll(t, write(t, "x.csv", []byte(data)), CSVOptions{})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.rows) != 5 {
		t.Fatalf("rows %q numbers %v", res.rows, res.numbers)
	}
	want := []int{2, 3, 4, 5, 8}
	for i, n := range want {
		if res.numbers[i] != n {
			t.Fatalf("line numbers %v, want %v", res.numbers, want)
		}
	}
	if len(res.problems) != 2 || !strings.Contains(res.problems[0], "not valid CSV") || !strings.Contains(res.problems[1], "has no column") {
		t.Fatalf("problems %q", res.problems)
	}
	if res.rows[3][2] != "" {
		t.Fatalf("short row not padded: %q", res.rows[3])
	}
}

func TestCSVUnterminatedQuoteFailsFile(t *testing.T) {
	data := "a,b\n1,2\n3,\"never ends\n4,5\n"
	res := readAll(t, write(t, "x.csv", []byte(data)), CSVOptions{})
	var fe *FileError
	if !errors.As(res.err, &fe) || fe.Row != 3 || !strings.Contains(fe.Error(), "never ends") && !strings.Contains(fe.Error(), "quote") {
		t.Fatalf("err %v", res.err)
	}
	if !strings.Contains(fe.Error(), "x.csv") {
		t.Fatalf("error does not name the file: %v", fe)
	}
}

func TestCSVLimits(t *testing.T) {
	big := strings.Repeat("x", 100)
	res := readAll(t, write(t, "x.csv", []byte("a,b\n1,"+big+"\n")), CSVOptions{Limits: Limits{MaxCellBytes: 50, MaxRecordBytes: 1000, MaxUnzipBytes: 1, MaxXMLBytes: 1}})
	if len(res.problems) != 1 || !strings.Contains(res.problems[0], "more than the 50") {
		t.Fatalf("%+v", res)
	}
}

func TestHeaderDuplicatesByGroup(t *testing.T) {
	names := []string{"N.º de venda", "Estado", "Unidades", "Comprador", "Estado", "Unidades", "Unidades"}
	groups := []string{"Vendas", "", "", "Compradores", "", "Devoluções", "Reclamações"}
	h := NewHeader(names, groups)
	for _, tc := range []struct {
		name string
		want int
	}{
		{"Estado", 1}, {"estado#2", 4}, {"Compradores/Estado", 4}, {"Vendas/Estado", 1},
		{"Unidades", 2}, {"Devoluções/Unidades", 5}, {"Reclamações/Unidades", 6}, {"Unidades#3", 6},
		{"  N.º  de venda ", 0}, {"missing", -1},
	} {
		if got := h.Index(tc.name); got != tc.want {
			t.Errorf("Index(%q) = %d, want %d", tc.name, got, tc.want)
		}
	}
	m, err := h.Map([]Column{{Names: []string{"Pedido", "N.º de venda"}, Required: true}, {Names: []string{"CPF"}, Required: true}, {Names: []string{"SKU"}}})
	var mc *MissingColumnsError
	if !errors.As(err, &mc) || len(mc.Missing) != 1 || mc.Missing[0] != "CPF" || !strings.Contains(err.Error(), `"CPF"`) {
		t.Fatalf("err %v", err)
	}
	if m.Get([]string{"2000", "x"}, 0) != "2000" || m.Get([]string{"2000"}, 2) != "" || m.Name(0) != "N.º de venda" {
		t.Fatal("mapping")
	}
}

func xlsxFile(t *testing.T, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "orders")
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("orders", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestXLSXRowsRawAndNumbered(t *testing.T) {
	p := xlsxFile(t, [][]any{
		{"ID", "Valor", "Qtd", "Data"},
		{"2000015340969076", 80.38, 1.0, "2 de fevereiro de 2026 15:44 hs."},
		{},
		{"2000015340969077", -13.26, 2, ""},
	})
	wb, err := OpenXLSX(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if s := wb.Sheets(); len(s) != 1 || s[0] != "orders" {
		t.Fatalf("sheets %v", s)
	}
	rows, err := wb.Rows("orders")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	rows.SetWidth(4)
	var got [][]string
	var nums []int
	for rows.Next() {
		r := rows.Row()
		nums = append(nums, r.Number)
		got = append(got, append([]string(nil), r.Cells...))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 4 || nums[3] != 4 || got[1][0] != "2000015340969076" || got[1][1] != "80.38" || got[3][1] != "-13.26" || len(got[3]) != 4 {
		t.Fatalf("rows %q numbers %v", got, nums)
	}
}

func TestXLSXBrokenFileNamesIt(t *testing.T) {
	p := xlsxFile(t, [][]any{{"a"}, {"1"}})
	data, _ := os.ReadFile(p)
	cut := write(t, "cut.xlsx", data[:len(data)/2])
	_, err := OpenXLSX(cut, Limits{})
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "cut.xlsx") || !strings.Contains(err.Error(), "damaged") {
		t.Fatalf("err %v", err)
	}
}

// FuzzCSV feeds arbitrary bytes to the CSV reader: it must never panic,
// rows must come in increasing line order, every row must be as wide as the
// header, and a file error must name the file.
func FuzzCSV(f *testing.F) {
	f.Add([]byte("Pedido;Valor\r\n1;\"1.204,70\"\r\n"))
	f.Add([]byte("sep=;\na;b\n1;2\n"))
	f.Add([]byte("a,b\n1,\"x\ny\"\n3,\"open\n"))
	f.Add(append([]byte{0xEF, 0xBB, 0xBF}, "a\tb\n1\t2\n"...))
	f.Add([]byte{0xFF, 0xFE, 'a', 0, '\n', 0})
	f.Add(cp1252(f, "Cidade;UF\nSão Paulo;SP\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		r, err := OpenCSV(p, CSVOptions{})
		if err != nil {
			if !strings.Contains(err.Error(), "f.csv") {
				t.Fatalf("open error does not name the file: %v", err)
			}
			return
		}
		defer r.Close()
		last := r.HeaderLine()
		for r.Next() {
			row := r.Row()
			if row.Number <= last && row.Problem == nil {
				t.Fatalf("row %d after line %d", row.Number, last)
			}
			last = row.Number
			if row.Problem == nil && len(row.Cells) != len(r.Header()) {
				t.Fatalf("row of %d cells, header of %d", len(row.Cells), len(r.Header()))
			}
		}
		if err := r.Err(); err != nil && !strings.Contains(err.Error(), "f.csv") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

func TestCSVUnquotedKeepsQuotes(t *testing.T) {
	data := "id\tname\tprice\n1\tMonitor LED 24\"\t10.00\n2\t\"Quoted\" start\t5.00\n"
	res := readAll(t, write(t, "x.tsv", []byte(data)), CSVOptions{Delimiter: '\t', Unquoted: true})
	if res.err != nil || len(res.problems) != 0 {
		t.Fatalf("%+v", res)
	}
	if res.rows[0][1] != `Monitor LED 24"` || res.rows[1][1] != `"Quoted" start` || res.rows[1][2] != "5.00" {
		t.Fatalf("rows %q", res.rows)
	}
}

// TestXLSXUnzipLimit refuses a workbook that unpacks to more than the
// limit (a zip bomb is the extreme case), naming the file.
func TestXLSXUnzipLimit(t *testing.T) {
	rows := make([][]any, 2000)
	for i := range rows {
		rows[i] = []any{strings.Repeat("a", 200), i}
	}
	p := xlsxFile(t, rows)
	_, err := OpenXLSX(p, Limits{MaxCellBytes: 1 << 10, MaxRecordBytes: 1 << 20, MaxUnzipBytes: 64 << 10, MaxXMLBytes: 32 << 10})
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "x.xlsx") || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Fatalf("err %v", err)
	}
	wb, err := OpenXLSX(p, Limits{})
	if err != nil {
		t.Fatalf("within the default limits: %v", err)
	}
	wb.Close()
}

// TestXLSXHugeCellIsARowProblem bounds one cell.
func TestXLSXHugeCellIsARowProblem(t *testing.T) {
	p := xlsxFile(t, [][]any{{"a", "b"}, {strings.Repeat("x", 5000), "1"}, {"ok", "2"}})
	wb, err := OpenXLSX(p, Limits{MaxCellBytes: 1000, MaxRecordBytes: 1 << 20, MaxUnzipBytes: 1 << 30, MaxXMLBytes: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, _ := wb.Rows("orders")
	defer rows.Close()
	var problems, ok int
	for rows.Next() {
		if rows.Row().Problem != nil {
			problems++
		} else {
			ok++
		}
	}
	if problems != 1 || ok != 2 {
		t.Fatalf("problems %d ok %d", problems, ok)
	}
}

package tabular

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// xlsxPackage builds the smallest workbook excelize and Excel open around
// one worksheet part and, when sst is not empty, a shared string table.
func xlsxPackage(t testing.TB, sheetXML, sstXML string) []byte {
	t.Helper()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	put := func(name, body string) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	put("[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)
	put("_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)
	put("xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="`+mainNS+`" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>`)
	rels := `<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>`
	if sstXML != "" {
		rels += `<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>`
		put("xl/sharedStrings.xml", sstXML)
	}
	put("xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`+rels+`</Relationships>`)
	put("xl/worksheets/sheet1.xml", sheetXML)
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// sheetDoc wraps sheetData content in a worksheet.
func sheetDoc(rows string) string {
	return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="` + mainNS + `"><sheetData>` + rows + `</sheetData></worksheet>`
}

// sstDoc builds a shared string table of plain items.
func sstDoc(items ...string) string {
	var b strings.Builder
	b.WriteString(`<sst xmlns="` + mainNS + `">`)
	for _, s := range items {
		b.WriteString("<si><t>")
		xml.EscapeText(&b, []byte(s))
		b.WriteString("</t></si>")
	}
	b.WriteString("</sst>")
	return b.String()
}

// render prints a dump the way the table below spells expectations.
func render(d sheetDump) string {
	var b strings.Builder
	for i, n := range d.numbers {
		if d.problems[i] != "" {
			fmt.Fprintf(&b, "%d problem: %s\n", n, d.problems[i])
			continue
		}
		fmt.Fprintf(&b, "%d %q\n", n, d.rows[i])
	}
	return b.String()
}

func TestXLSXScannerCases(t *testing.T) {
	for _, tc := range []struct {
		name  string
		sheet string // sheetData content, or a whole document starting with '<?' or '<x:'
		sst   string
		want  string
	}{
		{
			name:  "basic types",
			sheet: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>80.38</v></c><c r="C1" t="inlineStr"><is><t>x</t></is></c><c r="D1" s="2"><v>46256.6076</v></c></row>`,
			sst:   sstDoc("ID"),
			want:  "1 [\"ID\" \"80.38\" \"x\" \"46256.6076\"]\n",
		},
		{
			name:  "self-closing cells and rows",
			sheet: `<row r="1"><c r="A1"/><c r="B1" s="3"/><c r="C1"><v>1</v></c></row><row r="2"/><row r="3" spans="1:2"><c r="B3"><v>2</v></c></row>`,
			want:  "1 [\"\" \"\" \"1\"]\n2 []\n3 [\"\" \"2\"]\n",
		},
		{
			name:  "attribute order and quotes",
			sheet: `<row r='1'><c t='inlineStr' r='B1'><is><t>q</t></is></c><c s="0" t="str" r="D1"><v>s</v></c><c r="E1" t='str'><v>it's "x"</v></c></row>`,
			want:  "1 [\"\" \"q\" \"\" \"s\" \"it's \\\"x\\\"\"]\n",
		},
		{
			name:  "whitespace inside tags",
			sheet: "<row  r = \"1\" >\n<c\n r=\"A1\"\tt=\"b\" ><v>1</v></c ></row >",
			want:  "1 [\"1\"]\n",
		},
		{
			name: "prefixed SpreadsheetML",
			sheet: `<?xml version="1.0"?><x:worksheet xmlns:x="` + mainNS + `"><x:dimension ref="A1:B1"/><x:sheetData><x:row r="1"><x:c r="A1" t="s"><x:v>0</x:v></x:c>` +
				`<x:c r="B1" t="inlineStr"><x:is><x:r><x:t>a</x:t></x:r><x:r><x:t>b</x:t></x:r></x:is></x:c></x:row></x:sheetData></x:worksheet>`,
			sst:  `<x:sst xmlns:x="` + mainNS + `"><x:si><x:t>ID</x:t></x:si></x:sst>`,
			want: "1 [\"ID\" \"ab\"]\n",
		},
		{
			name:  "entities and character references",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><t>Tom &amp; Jerry &lt;3 &gt; &quot;x&quot; &apos;y&apos;</t></is></c><c r="B1" t="str"><v>a&#10;b&#x41;&#xe3;&#128512;</v></c><c r="C1" t="&#115;"><v>&#48;</v></c></row>`,
			sst:   sstDoc("zero"),
			want:  "1 [\"Tom & Jerry <3 > \\\"x\\\" 'y'\" \"a\\nbAã😀\" \"zero\"]\n",
		},
		{
			name:  "line ends",
			sheet: "<row r=\"1\"><c r=\"A1\" t=\"str\"><v>a\r\nb\rc&#13;d&#13;&#10;e</v></c></row>",
			want:  "1 [\"a\\nb\\nc\\rd\\r\\ne\"]\n",
		},
		{
			name:  "CDATA, comments and processing instructions",
			sheet: `<row r="1"><c r="A1" t="str"><v><![CDATA[<b>&amp;</b>]]></v></c><c r="B1" t="inlineStr"><is><t>a<!-- no <c> here -->b<?pi x?>c</t></is></c></row><!-- <row r="2"><c><v>9</v></c></row> -->`,
			want:  "1 [\"<b>&amp;</b>\" \"abc\"]\n",
		},
		{
			name:  "spaces kept",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">  x  </t></is></c><c r="B1" t="inlineStr"><is><t> </t></is></c><c r="C1" t="str"><v> y </v></c></row>`,
			want:  "1 [\"  x  \" \" \" \" y \"]\n",
		},
		{
			name:  "_xHHHH_ escapes decoded in strings only",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><t>a_x000D_b_x005F_x000D_c_xD800_d_x00e3_</t></is></c><c r="B1" t="str"><v>a_x000D_b</v></c><c r="C1" t="s"><v>0</v></c><c r="D1" t="inlineStr"><is><t>_x00</t><r><t>41_</t></r></is></c></row>`,
			sst:   `<sst xmlns="` + mainNS + `"><si><t>x_x0009_y</t></si></sst>`,
			want:  "1 [\"a\\rb_x000D_cdã\" \"a_x000D_b\" \"x\\ty\" \"A\"]\n",
		},
		{
			name: "rich text and phonetic runs",
			sheet: `<row r="1"><c r="A1" t="inlineStr"><is><r><rPr><b/><sz val="9.0"/></rPr><t>Bold</t></r><r><t xml:space="preserve"> text</t></r><rPh sb="0" eb="1"><t>ふりがな</t></rPh><phoneticPr fontId="1"/></is></c>` +
				`<c r="B1" t="s"><v>0</v></c><c r="C1" t="inlineStr"><is><r><t>run</t></r><t>text</t></is></c><c r="D1" t="inlineStr"><is><t>first</t><t>last</t><r><t>x</t><t>y</t></r></is></c></row>`,
			sst:  `<sst xmlns="` + mainNS + `" count="1"><si><r><t>Vendas</t></r><r><rPr><u val="none"/></rPr><t xml:space="preserve">  Status</t></r><rPh sb="0" eb="1"><t>no</t></rPh></si></sst>`,
			want: "1 [\"Bold text\" \"Vendas  Status\" \"textrun\" \"lasty\"]\n",
		},
		{
			name:  "columns past Z",
			sheet: `<row r="1"><c r="Z1"><v>26</v></c><c r="AA1"><v>27</v></c><c r="AC1"><v>29</v></c></row>`,
			want:  "1 [\"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"\" \"26\" \"27\" \"\" \"29\"]\n",
		},
		{
			name:  "cells without r follow the previous one",
			sheet: `<row r="1"><c><v>1</v></c><c r="C1"><v>3</v></c><c><v>4</v></c><c/><c><v>6</v></c></row>`,
			want:  "1 [\"1\" \"\" \"3\" \"4\" \"\" \"6\"]\n",
		},
		{
			name:  "rows without r follow the previous one",
			sheet: `<row><c><v>1</v></c></row><row r="4"><c><v>4</v></c></row><row><c><v>5</v></c></row>`,
			want:  "1 [\"1\"]\n2 []\n3 []\n4 [\"4\"]\n5 [\"5\"]\n",
		},
		{
			name:  "repeated row numbers merge",
			sheet: `<row r="1"><c r="A1" t="str"><v>a</v></c></row><row r="1"><c r="B1" t="str"><v>b</v></c></row><row r="1"><c r="D1" t="str"><v>d</v></c></row><row r="2"><c r="A2"><v>1</v></c></row>`,
			want:  "1 [\"a\" \"b\" \"\" \"d\"]\n2 [\"1\"]\n",
		},
		{
			name:  "row numbers going back merge into the current row",
			sheet: `<row r="3"><c r="A3"><v>3</v></c></row><row r="2"><c r="B2"><v>2</v></c></row><row r="5"><c r="A5"><v>5</v></c></row>`,
			want:  "1 []\n2 []\n3 [\"3\" \"2\"]\n4 []\n5 [\"5\"]\n",
		},
		{
			name:  "a cell placed before the last goes after it",
			sheet: `<row r="1"><c r="C1"><v>c</v></c><c r="A1"><v>a</v></c><c r="D1"><v>d</v></c></row>`,
			want:  "1 [\"\" \"\" \"c\" \"a\" \"d\"]\n",
		},
		{
			name:  "cell types as written",
			sheet: `<row r="1"><c r="A1" t="b"><v>1</v></c><c r="B1" t="e"><v>#N/A</v></c><c r="C1" t="d"><v>2026-02-02T15:44:00</v></c><c r="D1" t="n"><v>1.5E-7</v></c><c r="E1" t="inlineStr"><v>fallback</v></c><c r="F1" t="s"/><c r="G1" t="weird"><v>w</v></c></row>`,
			want:  "1 [\"1\" \"#N/A\" \"2026-02-02T15:44:00\" \"1.5E-7\" \"fallback\" \"\" \"w\"]\n",
		},
		{
			name:  "formulas",
			sheet: `<row r="1"><c r="A1"><f>1+1</f></c><c r="C1"><f>B1</f><v>2</v></c><c r="D1" t="str"><f>"a"&amp;"b"</f><v>ab</v></c></row><row r="2"><c r="B2"><f t="shared" si="0"/></c></row>`,
			want:  "1 [\"\" \"\" \"2\" \"ab\"]\n2 [\"\" \"\"]\n",
		},
		{
			name:  "shared string indexes",
			sheet: `<row r="1"><c r="A1" t="s"><v> 1 </v></c><c r="B1" t="s"><v>99</v></c><c r="C1" t="s"><v>x</v></c><c r="D1" t="s"><v>-1</v></c><c r="E1" t="s"><v>1</v></c></row>`,
			sst:   sstDoc("ID", "Second"),
			want:  "1 [\"Second\" \"\" \"ID\" \"\" \"Second\"]\n",
		},
		{
			name:  "a bad cell reference is a row problem",
			sheet: `<row r="1"><c r="1A"><v>1</v></c><c r="B1"><v>2</v></c></row><row r="2"><c r="A2"><v>2</v></c><c r="XFE2"><v>3</v></c></row><row r="3"><c r="$B$3"><v>3</v></c><c r="c3"><v>4</v></c><c r="D03"><v>5</v></c></row>`,
			want:  "1 problem: the row cannot be read: cannot convert cell \"1A\" to coordinates: invalid cell name \"1A\"\n2 problem: the row cannot be read: the column number must be greater than or equal to 1 and less than or equal to 16384\n3 [\"\" \"3\" \"4\" \"5\"]\n",
		},
		{
			name:  "a bad style empties the cell",
			sheet: `<row r="1"><c r="A1" s="x"><v>1</v></c><c r="B1"><v>2</v></c><c s="-" r="E1"><v>3</v></c><c><v>4</v></c></row>`,
			want:  "1 [\"\" \"2\" \"\" \"4\"]\n",
		},
		{
			name:  "a bad row number is a row problem",
			sheet: `<row r="x"><c><v>1</v></c></row><row r="2"><c><v>2</v></c></row>`,
			want:  "1 problem: the row cannot be read: strconv.Atoi: parsing \"x\": invalid syntax\n2 [\"2\"]\n",
		},
		{
			name:  "leading empty rows",
			sheet: `<row r="3"><c r="A3"><v>1</v></c></row>`,
			want:  "1 []\n2 []\n3 [\"1\"]\n",
		},
		{
			name:  "empty sheet",
			sheet: `<?xml version="1.0"?><worksheet xmlns="` + mainNS + `"><dimension ref="A1"/><sheetData/></worksheet>`,
			want:  "",
		},
		{
			name:  "no sheetData at all",
			sheet: `<?xml version="1.0"?><chartsheet xmlns="` + mainNS + `"><sheetViews/></chartsheet>`,
			want:  "",
		},
		{
			name:  "declared encoding",
			sheet: "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><worksheet xmlns=\"" + mainNS + "\"><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>S\xe3o Paulo</t></is></c></row></sheetData></worksheet>",
			want:  "1 [\"São Paulo\"]\n",
		},
		{
			name:  "unknown elements are skipped",
			sheet: `<row r="1"><c r="A1"><extLst><ext><v>7</v></ext></extLst></c><c r="B1"><v>1<x>2</x>3</v></c></row>`,
			want:  "1 [\"7\" \"13\"]\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.sheet
			if !strings.HasPrefix(doc, "<?") && !strings.HasPrefix(doc, "<x:") {
				doc = sheetDoc(doc)
			}
			p := filepath.Join(t.TempDir(), "x.xlsx")
			if err := os.WriteFile(p, xlsxPackage(t, doc, tc.sst), 0o644); err != nil {
				t.Fatal(err)
			}
			got := readerSheet(t, p, "S", DefaultLimits)
			if got.err != nil {
				t.Fatal(got.err)
			}
			if r := render(got); r != tc.want {
				t.Errorf("got\n%swant\n%s", r, tc.want)
			}
			sameSheet(t, "excelize", excelizeSheet(t, p, "S", DefaultLimits), got)
		})
	}
}

// TestXLSXScannerXFD places a cell in the last column Excel has.
func TestXLSXScannerXFD(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.xlsx")
	os.WriteFile(p, xlsxPackage(t, sheetDoc(`<row r="1"><c r="B1"><v>b</v></c><c r="XFD1"><v>last</v></c></row>`), ""), 0o644)
	got := readerSheet(t, p, "S", DefaultLimits)
	if got.err != nil || len(got.rows) != 1 || len(got.rows[0]) != excelize.MaxColumns || got.rows[0][1] != "b" || got.rows[0][excelize.MaxColumns-1] != "last" {
		t.Fatalf("%v %d", got.err, len(got.rows))
	}
	sameSheet(t, "excelize", excelizeSheet(t, p, "S", DefaultLimits), got)
}

// TestXLSXDamagedXML: a worksheet cut short or not well-formed fails the
// file at the row where reading stopped (excelize ended such a sheet
// silently).
func TestXLSXDamagedXML(t *testing.T) {
	head := `<?xml version="1.0"?><worksheet xmlns="` + mainNS + `"><dimension ref="A1:B9"/><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`
	for _, tc := range []struct {
		name, doc string
		row       int
		msg       string
	}{
		{"cut inside a cell", head + `<row r="2"><c r="A2"><v>2`, 2, "ends in the middle"},
		{"cut inside a tag", head + `<row r="2"><c r="A2`, 2, "ends in the middle"},
		{"cut between rows", head, 2, "ends in the middle"},
		{"cut inside an entity", head + `<row r="2"><c r="A2" t="str"><v>a&am`, 2, "entity"},
		{"unknown entity", head + `<row r="2"><c r="A2" t="str"><v>a&nbsp;b</v></c></row></sheetData></worksheet>`, 2, "&nbsp;"},
		{"unquoted attribute", head + `<row r=2><c><v>2</v></c></row></sheetData></worksheet>`, 2, "unquoted"},
		{"stray end tag", `<worksheet></worksheet></sheetData>`, 1, "unexpected end tag"},
		{"row past the last Excel row", head + `<row r="1048577"><c><v>1</v></c></row></sheetData></worksheet>`, 2, "row number exceeds maximum limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "cut.xlsx")
			os.WriteFile(p, xlsxPackage(t, tc.doc, ""), 0o644)
			got := readerSheet(t, p, "S", DefaultLimits)
			var fe *FileError
			if !errors.As(got.err, &fe) || fe.Row != tc.row || !strings.Contains(fe.Error(), "cut.xlsx") || !strings.Contains(fe.Error(), tc.msg) {
				t.Fatalf("err %v (row %d), want row %d and %q", got.err, rowOf(fe), tc.row, tc.msg)
			}
		})
	}
}

func rowOf(fe *FileError) int {
	if fe == nil {
		return -1
	}
	return fe.Row
}

// TestXLSXDamagedZip flips bytes in the compressed worksheet: inflating or
// the checksum fails, and the error names the file and a row.
func TestXLSXDamagedZip(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.xlsx")
	writeMLSheet(t, p, 300, false)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var off, size int64
	for _, f := range zr.File {
		if f.Name == "xl/worksheets/sheet1.xml" {
			off, _ = f.DataOffset()
			size = int64(f.CompressedSize64)
		}
	}
	for _, at := range []int64{size / 3, size - 20} {
		bad := bytes.Clone(data)
		for i := off + at; i < off+at+8; i++ {
			bad[i] ^= 0x5A
		}
		q := filepath.Join(t.TempDir(), "damaged.xlsx")
		os.WriteFile(q, bad, 0o644)
		got := readerSheet(t, q, "Vendas BR", DefaultLimits)
		var fe *FileError
		if !errors.As(got.err, &fe) || fe.Row < 1 || !strings.Contains(fe.Error(), "damaged.xlsx") {
			t.Fatalf("at %d: err %v after %d rows", at, got.err, len(got.rows))
		}
	}
}

// TestXLSXCellLimits: a string over MaxCellBytes, inline or shared, is a
// problem of its row and the stream goes on, as with excelize.
func TestXLSXCellLimits(t *testing.T) {
	big := strings.Repeat("é", 3000)
	doc := sheetDoc(`<row r="1"><c r="A1" t="inlineStr"><is><t>` + big + `</t></is></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2"><v>1</v></c></row>` +
		`<row r="3"><c r="A3" t="str"><v>` + big + `</v></c></row>` +
		`<row r="4"><c r="A4" t="inlineStr"><is><r><t>` + big + `</t></r><r><t>` + big + `</t></r></is></c></row>` +
		`<row r="5"><c r="A5" t="inlineStr"><is><t>ok</t></is></c><c r="B5" t="s"><v>1</v></c></row>`)
	p := filepath.Join(t.TempDir(), "x.xlsx")
	os.WriteFile(p, xlsxPackage(t, doc, sstDoc(big+big, "short")), 0o644)
	limits := Limits{MaxCellBytes: 1000, MaxRecordBytes: 1 << 20, MaxUnzipBytes: 1 << 30, MaxXMLBytes: 1 << 20}
	got := readerSheet(t, p, "S", limits)
	want := "1 problem: cell 1 holds 6000 bytes, more than the 1000 a cell may hold\n" +
		"2 problem: cell 1 holds 12000 bytes, more than the 1000 a cell may hold\n" +
		"3 problem: cell 1 holds 6000 bytes, more than the 1000 a cell may hold\n" +
		"4 problem: cell 1 holds 12000 bytes, more than the 1000 a cell may hold\n" +
		"5 [\"ok\" \"short\"]\n"
	if r := render(got); got.err != nil || r != want {
		t.Fatalf("%v\n%s", got.err, r)
	}
	sameSheet(t, "excelize", excelizeSheet(t, p, "S", limits), got)
}

// TestXLSXInvalidUTF8IsARowProblem: excelize stopped at bytes that are not
// UTF-8; the reader reports the row and goes on.
func TestXLSXInvalidUTF8IsARowProblem(t *testing.T) {
	doc := sheetDoc("<row r=\"1\"><c r=\"A1\" t=\"str\"><v>ok</v></c></row><row r=\"2\"><c r=\"A2\" t=\"str\"><v>a</v></c><c r=\"B2\" t=\"str\"><v>\xff</v></c></row><row r=\"3\"><c r=\"A3\" t=\"s\"><v>0</v></c></row><row r=\"4\"><c r=\"A4\"><v>4</v></c></row>")
	p := filepath.Join(t.TempDir(), "x.xlsx")
	os.WriteFile(p, xlsxPackage(t, doc, "<sst><si><t>\xc3</t></si></sst>"), 0o644)
	got := readerSheet(t, p, "S", DefaultLimits)
	want := "1 [\"ok\"]\n2 problem: cell 2 is not valid UTF-8 text (the file is damaged)\n3 problem: cell 1: shared string 0 is not valid UTF-8 text (the file is damaged)\n4 [\"4\"]\n"
	if r := render(got); got.err != nil || r != want {
		t.Fatalf("%v\n%s", got.err, r)
	}
}

// TestXLSXWorkbookStructure: sheets in workbook order, selection by name
// in any case, relative and absolute targets, the date system.
func TestXLSXWorkbookStructure(t *testing.T) {
	f := excelize.NewFile()
	f.SetSheetName("Sheet1", "Vendas BR")
	f.NewSheet("Outra")
	f.SetCellValue("Vendas BR", "A1", "primeira")
	f.SetCellValue("Outra", "B2", "segunda")
	yes := true
	if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "x.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	f.Close()
	compareWorkbook(t, p, DefaultLimits)
	wb, err := OpenXLSX(p, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	if s := wb.Sheets(); len(s) != 2 || s[0] != "Vendas BR" || s[1] != "Outra" || !wb.Date1904() || wb.Path() != p {
		t.Fatalf("sheets %q date1904 %v", s, wb.Date1904())
	}
	rows, err := wb.Rows("outra")
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	rows.Next()
	if r := rows.Row(); r.Number != 2 || len(r.Cells) != 2 || r.Cells[1] != "segunda" || rows.Sheet() != "outra" {
		t.Fatalf("%+v", r)
	}
	rows.Close()
	_, err = wb.Rows("missing")
	var fe *FileError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "sheet missing does not exist") {
		t.Fatalf("err %v", err)
	}
	sr, err := OpenSheet(p, "renamed", Limits{})
	if err != nil || sr.Sheet() != "Vendas BR" {
		t.Fatalf("first sheet: %v", err)
	}
	sr.Close()
}

// TestXLSXNotAZip keeps the messages for files that are not workbooks,
// encrypted ones included: they are what excelize's error made of them.
func TestXLSXNotAZip(t *testing.T) {
	f := excelize.NewFile()
	f.SetCellValue("Sheet1", "A1", "x")
	encrypted := filepath.Join(t.TempDir(), "bad.xlsx")
	if err := f.SaveAs(encrypted, excelize.Options{Password: "secret"}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, p := range []string{
		write(t, "bad.xlsx", []byte("PK\x03\x04 not really")),
		write(t, "bad.xlsx", append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)),
		encrypted,
	} {
		_, err := OpenXLSX(p, Limits{})
		_, xerr := excelize.OpenFile(p)
		var fe *FileError
		if !errors.As(err, &fe) || xerr == nil || fe.Err.Error() != explainOpenError(xerr, DefaultLimits).Error() || !strings.Contains(err.Error(), "bad.xlsx") {
			t.Errorf("%v, excelize %v", err, xerr)
		}
	}
}

// TestXLSXGeneratedMatchesExcelize writes workbooks with excelize's own
// writers (shared strings, inline strings, rich text, formulas, booleans,
// gaps, characters XML must escape) and reads them back both ways.
func TestXLSXGeneratedMatchesExcelize(t *testing.T) {
	texts := []any{
		"a & b < c > d \"q\" 'a'", "line1\nline2", "crlf\r\nx", "tab\tx", " lead", "trail ", "ã é ç Ü 😀 中文",
		"_x000D_ literal", "_x005F_", "ctrl\x01\x1f", "", " ", "&amp; as text", "<![CDATA[x]]>", "]]>",
		80.38, -13.26, 1e-7, 1.2345678901234567e+19, int64(9007199254740993), 0, true, false,
		time.Date(2026, 2, 2, 15, 44, 0, 0, time.UTC), 90 * time.Minute,
	}
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "normal")
	for i, v := range texts {
		// Scatter the cells over rows and columns with gaps.
		cell, _ := excelize.CoordinatesToCellName(1+(i*7)%40, 1+i*3)
		if err := f.SetCellValue("normal", cell, v); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SetCellRichText("normal", "C2", []excelize.RichTextRun{{Text: "Vendas", Font: &excelize.Font{Bold: true}}, {Text: "  Status &<> das vendas"}}); err != nil {
		t.Fatal(err)
	}
	f.SetCellFormula("normal", "D2", "SUM(A1:A3)")
	f.SetCellFormula("normal", "E2", `"a"&"b"`)
	f.SetCellValue("normal", "E2", "ab")
	f.SetCellValue("normal", "AB300", "far")

	f.NewSheet("stream")
	sw, err := f.NewStreamWriter("stream")
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range texts {
		row := []any{v, nil, fmt.Sprint(v), excelize.Cell{Formula: "A1*2"}, excelize.Cell{Value: i, Formula: "ROW()"},
			[]excelize.RichTextRun{{Text: "rich "}, {Text: fmt.Sprint(v), Font: &excelize.Font{Italic: true}}}}
		cell, _ := excelize.CoordinatesToCellName(1+i%3, 1+i*2)
		if err := sw.SetRow(cell, row); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "gen.xlsx")
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	compareWorkbook(t, p, DefaultLimits)
}

// fuzzSST is the shared string table the fuzz target reads cells against.
var fuzzSST = &sharedStrings{s: []string{"ID", "Valor", "a & b", ""}}

// FuzzXLSXSheet feeds arbitrary worksheet XML to the reader: it must never
// panic, never hand out more cells than the input can place, and fail only
// with a *FileError naming the file. When encoding/xml accepts the input as
// a whole, the rows must be excelize's.
func FuzzXLSXSheet(f *testing.F) {
	f.Add([]byte(sheetDoc(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1"><v>80.38</v></c><c r="C1" t="inlineStr"><is><t>x &amp; y</t></is></c></row>`)))
	f.Add([]byte(sheetDoc(`<row r="1"><c r="A1" t="str"><v>a</v></c></row><row r="1"><c r="B1" t="str"><v>b</v></c></row><row><c><v>1</v></c><c r="D2"/></row>`)))
	f.Add([]byte(`<x:worksheet xmlns:x="` + mainNS + `"><x:dimension ref="A1:C3"/><x:sheetData><x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:r><x:t>a</x:t></x:r><x:rPh><x:t>b</x:t></x:rPh></x:is></x:c></x:row></x:sheetData></x:worksheet>`))
	f.Add([]byte(sheetDoc("<row r='3'><c r='C3' s='x'><v>1</v></c><c><f>1</f></c><c t=\"s\"><v> 2 </v></c><c t=\"e\"><v><![CDATA[#N/A\r\n]]></v></c><!-- c --></row>")))
	f.Add([]byte(sheetDoc(`<row r="1"><c r="XFD1"><v>1</v></c><c r="1A"><v>2</v></c></row><row r="x"/><row r="9"><c r="C1"><v>&#10;&#x41;</v></c></row>`)))
	f.Add([]byte(`<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`))
	r := mathrand.New(mathrand.NewPCG(1, 1))
	for range 8 {
		f.Add([]byte(randomSheet(r)))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got := fuzzRead(t, data)
		if got.err != nil {
			var fe *FileError
			if !errors.As(got.err, &fe) || !strings.Contains(fe.Error(), "fuzz.xlsx") {
				t.Fatalf("error %v is not a *FileError naming the file", got.err)
			}
		}
		for i, cells := range got.rows {
			if len(cells) > excelize.MaxColumns+len(data) {
				t.Fatalf("row %d has %d cells from %d bytes", got.numbers[i], len(cells), len(data))
			}
		}
		if got.err != nil || got.truncated || !wellFormed(data) {
			return
		}
		want := excelizeXML(t, data)
		sameSheet(t, "excelize", want, got)
	})
}

// fuzzRead reads worksheet XML through SheetRows without a zip around it.
func fuzzRead(t testing.TB, data []byte) sheetDump {
	w := &Workbook{path: "fuzz.xlsx", limits: DefaultLimits}
	rows := newSheetRows(w, "S", io.NopCloser(nil), bytes.NewReader(data), fuzzSST)
	defer rows.Close()
	// What the reader holds must follow from the input, not from numbers
	// written in it.
	defer func() {
		if c := cap(rows.sr.x.buf); c > 2*maxMarkup {
			t.Fatalf("scan buffer of %d bytes", c)
		}
		if c := cap(rows.sr.arena); c > 2*len(data)+1024 {
			t.Fatalf("row text of %d bytes from %d bytes of input", c, len(data))
		}
		if c := cap(rows.sr.refs); c > 2*(excelize.MaxColumns+len(data)) {
			t.Fatalf("%d cells from %d bytes of input", c, len(data))
		}
	}()
	var d sheetDump
	for rows.Next() {
		r := rows.Row()
		problem := ""
		if r.Problem != nil {
			problem = r.Problem.Error()
		}
		d.numbers = append(d.numbers, r.Number)
		d.rows = append(d.rows, append([]string(nil), r.Cells...))
		d.problems = append(d.problems, problem)
		if r.Number > excelize.TotalRows {
			t.Fatal("more rows than a sheet can have")
		}
		if len(d.numbers) == fuzzMaxRows {
			// A far row number makes a million empty rows: correct, but
			// slow to compare.
			d.truncated = true
			return d
		}
	}
	d.err = rows.Err()
	return d
}

const fuzzMaxRows = 20000

// wellFormed reports whether encoding/xml, as excelize runs it, reads the
// whole document without an error.
func wellFormed(data []byte) bool {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	for {
		_, err := d.Token()
		if err == io.EOF {
			return true
		}
		if err != nil {
			return false
		}
	}
}

// excelizeXML reads worksheet XML with excelize, against the fuzz shared
// strings.
func excelizeXML(t testing.TB, data []byte) sheetDump {
	var sst strings.Builder
	sst.WriteString(`<sst xmlns="` + mainNS + `">`)
	for _, s := range fuzzSST.s {
		sst.WriteString("<si><t>")
		xml.EscapeText(&sst, []byte(s))
		sst.WriteString("</t></si>")
	}
	sst.WriteString("</sst>")
	p := filepath.Join(t.TempDir(), "fuzz.xlsx")
	if err := os.WriteFile(p, xlsxPackage(t, string(data), sst.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return excelizeSheet(t, p, "S", DefaultLimits)
}

// randomSheet writes a well-formed worksheet mixing what real generators
// and damaged-but-parseable files contain: rows with, without and with
// repeated or decreasing numbers, cells with and without references, in
// and out of order, every cell type, rich text, formulas, entities, CDATA,
// comments, unknown elements, prefixes and both quote styles.
func randomSheet(r *mathrand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	p := pick("", "", "x:")
	q := pick(`"`, `'`)
	attr := func(name, val string) string { return " " + name + "=" + q + val + q }
	texts := []string{"", " ", "a", "Tom &amp; Jerry", "&lt;b&gt;", "a&#10;b", "&#xE3;o", "x_x000D_y", "_x005F_x0041_", "São Paulo", "1 ", "<![CDATA[c&d]]>", "a<!-- c -->b", "line\r\nend"}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><` + p + `worksheet xmlns` + strings.TrimSuffix(":"+p, ":") + `="` + mainNS + `">`)
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, `<%sdimension ref="A1:C%d"/>`, p, r.IntN(12))
	}
	b.WriteString("<" + p + "sheetData>")
	row := 0
	for range r.IntN(8) {
		switch r.IntN(5) {
		case 0:
			row = max(row, 0)
		case 1:
			row = r.IntN(6) + 1
		default:
			row += r.IntN(3)
		}
		b.WriteString("<" + p + "row")
		if r.IntN(4) > 0 {
			num := strconv.Itoa(max(row, 1))
			if r.IntN(40) == 0 {
				num = pick("x", "", "-1", "+2", "02")
			}
			b.WriteString(attr("r", num))
		}
		if r.IntN(6) == 0 {
			b.WriteString(attr("spans", "1:3"))
		}
		if r.IntN(8) == 0 {
			b.WriteString("/>")
			continue
		}
		b.WriteString(">")
		for range r.IntN(6) {
			b.WriteString("<" + p + "c")
			attrs := []string{}
			if r.IntN(4) > 0 {
				ref := pick("A", "B", "C", "D", "Z", "AA", "b", "$C$") + strconv.Itoa(max(row, 1))
				if r.IntN(30) == 0 {
					ref = pick("1A", "XFE1", "A0", "", "A1048577")
				}
				attrs = append(attrs, attr("r", ref))
			}
			if r.IntN(3) == 0 {
				attrs = append(attrs, attr("s", pick("0", "3", "x", "-1", "")))
			}
			typ := pick("", "s", "str", "inlineStr", "b", "e", "n", "d")
			if typ != "" {
				attrs = append(attrs, attr("t", typ))
			}
			r.Shuffle(len(attrs), func(i, j int) { attrs[i], attrs[j] = attrs[j], attrs[i] })
			b.WriteString(strings.Join(attrs, ""))
			if r.IntN(7) == 0 {
				b.WriteString("/>")
				continue
			}
			b.WriteString(">")
			for range r.IntN(3) + 1 {
				switch r.IntN(7) {
				case 0, 1, 2:
					v := pick(texts...)
					if typ == "s" {
						v = pick("0", "1", "2", "3", " 1 ", "9", "x", "")
					}
					b.WriteString("<" + p + "v>" + v + "</" + p + "v>")
				case 3:
					b.WriteString("<" + p + "f>" + pick("1+1", "A1&amp;B1", "") + "</" + p + "f>")
				case 4:
					b.WriteString("<" + p + "is>")
					for range r.IntN(3) {
						if r.IntN(2) == 0 {
							b.WriteString("<" + p + "t>" + pick(texts...) + "</" + p + "t>")
						} else {
							b.WriteString("<" + p + "r><" + p + "rPr><" + p + "b/></" + p + "rPr><" + p + "t>" + pick(texts...) + "</" + p + "t></" + p + "r>")
						}
					}
					if r.IntN(4) == 0 {
						b.WriteString("<" + p + "rPh><" + p + "t>ph</" + p + "t></" + p + "rPh>")
					}
					b.WriteString("</" + p + "is>")
				case 5:
					b.WriteString("<!-- note -->")
				default:
					b.WriteString("<" + p + "extLst><" + p + "ext/></" + p + "extLst>")
				}
			}
			b.WriteString("</" + p + "c>")
		}
		b.WriteString("</" + p + "row>")
	}
	b.WriteString("</" + p + "sheetData></" + p + "worksheet>")
	return b.String()
}

// TestXLSXRandomSheetsMatchExcelize compares many random well-formed
// worksheets with excelize. ORDERHIST_XLSX_RANDOM raises the count.
func TestXLSXRandomSheetsMatchExcelize(t *testing.T) {
	n := 300
	if s := os.Getenv("ORDERHIST_XLSX_RANDOM"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	r := mathrand.New(mathrand.NewPCG(7, uint64(n)))
	for i := range n {
		doc := randomSheet(r)
		got := fuzzRead(t, []byte(doc))
		want := excelizeXML(t, []byte(doc))
		sameSheet(t, fmt.Sprintf("sheet %d", i), want, got)
		if t.Failed() {
			t.Fatalf("sheet:\n%s", doc)
		}
	}
}

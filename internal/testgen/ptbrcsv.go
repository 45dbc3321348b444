package testgen

import (
	"bufio"
	"encoding/csv"
	"os"
	"strconv"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// ptbrHeader is the generic pt-BR spreadsheet export: one row per order
// line, order fields repeated on each.
var ptbrHeader = []string{"Pedido", "Data", "Cliente", "CPF/CNPJ", "E-mail", "Telefone", "Cidade", "UF", "CEP",
	"SKU", "Produto", "Quantidade", "Valor Unitário", "Valor Total"}

// ptbrMapping is the generic CSV connector's mapping for pedidos_ptbr.csv.
const ptbrMapping = `# Mapping for pedidos_ptbr.csv (generic pt-BR CSV connector).
columns:
  order_id: Pedido
  ordered_at: Data
  buyer_name: Cliente
  buyer_document: CPF/CNPJ
  buyer_email: E-mail
  buyer_phone: Telefone
  ship_city: Cidade
  ship_state: UF
  ship_postal_code: CEP
  sku: SKU
  title: Produto
  quantity: Quantidade
  unit_price: Valor Unitário
  line_total: Valor Total
money: br
date_layout: "02/01/2006 15:04"
timezone: America/Sao_Paulo
delimiter: ";"
encoding: windows-1252
`

func buildCSV(g *gen, p *purchase, left int) {
	r := g.r
	n := min(linesPerOrder.pick(r), left)
	p.rows = n
	p.at = g.timeAt(n)
	o := p.addOrder()
	o.at = p.at
	o.id = strconv.FormatUint(10001+g.seq, 10)
	g.fillLines(o, n)
	for _, l := range o.lines {
		p.units += l.qty
	}
	p.itemsTotal = o.items
	p.orderTotal = o.items

	nz, b := &g.nz, p.buyer
	a := p.recipient.Address
	id := ident{name: nz.name(r, b), city: nz.city(r, a.City), uf: nz.uf(r, a), cep: nz.cep(r, a.CEP, true, true)}
	switch {
	case chance(r, nz.placeholder):
		id.document = placeholderCPF
	case chance(r, nz.missingDoc):
	default:
		id.document = nz.document(r, b.Document, true, true)
		p.ev.doc = b.Document
	}
	switch {
	case chance(r, nz.placeholder):
		id.email = placeholderEmail
	case chance(r, nz.missingEmail):
	default:
		id.email = nz.email(r, b.Email)
		p.ev.email = b.Email
	}
	ph := b.Phone
	if b.Landline != "" && chance(r, nz.landlineAsPhone) {
		ph = b.Landline
	}
	switch {
	case chance(r, nz.placeholder):
		id.phone = placeholderPhone
	case chance(r, nz.missingPhone):
	default:
		id.phone = nz.phone(r, ph, phoneMasked)
		p.ev.phone = ph
	}
	p.id = id
}

type ptbrWriter struct {
	f   *os.File
	bw  *bufio.Writer
	tw  *transform.Writer
	w   *csv.Writer
	rec []string
}

// openCSV writes as Excel's "CSV (separado por vírgulas)" does in a
// Brazilian locale: Windows-1252, semicolons, CRLF.
func openCSV(path string, _ *Config) (rowWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	tw := transform.NewWriter(bw, charmap.Windows1252.NewEncoder())
	w := csv.NewWriter(tw)
	w.Comma, w.UseCRLF = ';', true
	pw := &ptbrWriter{f: f, bw: bw, tw: tw, w: w, rec: make([]string, len(ptbrHeader))}
	if err := w.Write(ptbrHeader); err != nil {
		f.Close()
		return nil, err
	}
	return pw, nil
}

func (w *ptbrWriter) write(p *purchase) error {
	o, id := &p.orders[0], &p.id
	date := o.at.In(saoPaulo).Format("02/01/2006 15:04")
	for _, l := range o.lines {
		r := w.rec
		r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8] = o.id, date, id.name, id.document, id.email, id.phone, id.city, id.uf, id.cep
		r[9], r[10], r[11], r[12], r[13] = l.prod.sku, l.prod.fullTitle(" "), strconv.Itoa(l.qty), brMoney(l.unit), brMoney(l.total)
		if err := w.w.Write(r); err != nil {
			return err
		}
	}
	return nil
}

func (w *ptbrWriter) close() error {
	w.w.Flush()
	err := w.w.Error()
	if err == nil {
		err = w.tw.Close()
	}
	if err == nil {
		err = w.bw.Flush()
	}
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

package mercadolivre_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("mercadolivre")
	if !ok {
		t.Fatal("mercadolivre is not registered")
	}
	return c.(connectors.FileReader)
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures: map[string]func(string) error{
			"vendas-br-63.xlsx": writeVendas63,
			"vendas-br-65.xlsx": writeVendas65,
		},
		Rejects: map[string][]connectortest.Want{
			"vendas-br-63.xlsx": {
				{Row: 14, Column: "Data da venda", Effect: connectors.RowSkipped},
				{Row: 15, Column: "CPF", Effect: connectors.ValueDropped},
				{Row: 15, Column: "CEP", Effect: connectors.ValueDropped},
				{Row: 16, Column: "Receita por produtos (BRL)", Effect: connectors.RowSkipped},
				{Row: 18, Column: "Unidades", Effect: connectors.RowSkipped},
			},
			"vendas-br-65.xlsx": {
				{Row: 7, Column: "Estado", Effect: connectors.ValueDropped},
			},
		},
	})
}

// The 63 columns of the report as of March 2026, under their groups.
var (
	header63 = []string{"N.º de venda", "Data da venda", "Estado", "Descrição do status", "Pacote de diversos produtos",
		"Pertence a um kit", "Unidades", "Receita por produtos (BRL)", "Receita por acréscimo no preço (pago pelo comprador)",
		"Taxa de parcelamento equivalente ao acréscimo", "Tarifa de venda e impostos (BRL)", "Receita por envio (BRL)",
		"Tarifas de envio (BRL)", "Custo de envio com base nas medidas e peso declarados",
		"Custo por diferenças nas medidas e no peso do pacote", "Cancelamentos e reembolsos (BRL)", "Total (BRL)",
		"Mês de faturamento das suas tarifas", "Venda por publicidade", "SKU", "# de anúncio", "Canal de venda",
		"Título do anúncio", "Variação", "Preço unitário de venda do anúncio (BRL)", "Tipo de anúncio", "NF-e em anexo",
		"Dados pessoais ou da empresa", "Tipo e número do documento", "Endereço", "Tipo de contribuinte",
		"Inscrição estadual", "Comprador", "Negócio", "CPF", "Endereço", "Cidade", "Estado", "CEP", "País",
		"Forma de entrega", "Data a caminho", "Data de entrega", "Motorista", "Número de rastreamento",
		"URL de acompanhamento", "Unidades", "Forma de entrega", "Data a caminho", "Data de entrega", "Motorista",
		"Número de rastreamento", "URL de acompanhamento", "Revisado pelo Mercado Livre", "Data de revisão",
		"Dinheiro liberado", "Resultado", "Destino", "Motivo do resultado", "Unidades", "Reclamação aberta",
		"Reclamação encerrada", "Em mediação"}
	groups63 = []group{{"Vendas", 18}, {"Publicidade", 1}, {"Anúncios", 7}, {"Faturamento ao comprador", 6},
		{"Compradores", 8}, {"Envios", 6}, {"Devoluções", 13}, {"Reclamações", 4}}
)

type group struct {
	name string
	size int
}

// layout65 is the later vintage: "Depósito" after the sale date and
// "Descontos e bônus" after the refunds, both in the Vendas group.
func layout65() ([]string, []group) {
	h := slices.Clone(header63)
	h = slices.Insert(h, 16, "Descontos e bônus")
	h = slices.Insert(h, 2, "Depósito")
	g := slices.Clone(groups63)
	g[0].size += 2
	return h, g
}

// vendas builds a report: preamble rows, the group row, the header, rows.
type vendas struct {
	header []string
	groups []group
	h      tabular.Header
	rows   [][]any
	merges [][2]string
}

var moneyColumns = map[string]bool{
	"Receita por produtos (BRL)": true, "Receita por acréscimo no preço (pago pelo comprador)": true,
	"Taxa de parcelamento equivalente ao acréscimo": true, "Tarifa de venda e impostos (BRL)": true,
	"Receita por envio (BRL)": true, "Tarifas de envio (BRL)": true,
	"Custo de envio com base nas medidas e peso declarados": true,
	"Custo por diferenças nas medidas e no peso do pacote":  true, "Cancelamentos e reembolsos (BRL)": true,
	"Total (BRL)": true, "Descontos e bônus": true, "Unidades": true,
}

func newVendas(header []string, groups []group, preamble [][]any) *vendas {
	v := &vendas{header: header, groups: groups, rows: preamble}
	groupRow := make([]any, len(header))
	names := make([]string, len(header))
	col := 0
	for _, g := range groups {
		groupRow[col] = g.name
		names[col] = g.name
		if g.size > 1 {
			a, _ := excelize.CoordinatesToCellName(col+1, len(preamble)+1)
			b, _ := excelize.CoordinatesToCellName(col+g.size, len(preamble)+1)
			v.merges = append(v.merges, [2]string{a, b})
		}
		col += g.size
	}
	hdr := make([]any, len(header))
	for i, n := range header {
		hdr[i] = n
	}
	v.rows = append(v.rows, groupRow, hdr)
	v.h = tabular.NewHeader(header, names)
	return v
}

// add appends a row: every text cell a space and every money cell empty,
// as the report writes them, then the given values by (qualified) name.
func (v *vendas) add(vals map[string]any) {
	row := make([]any, len(v.header))
	for i, n := range v.header {
		if !moneyColumns[n] {
			row[i] = " "
		}
	}
	for k, val := range vals {
		i := v.h.Index(k)
		if i < 0 {
			panic("no column " + k)
		}
		row[i] = val
	}
	v.rows = append(v.rows, row)
}

func (v *vendas) blank() { v.rows = append(v.rows, nil) }

func (v *vendas) write(path string) error {
	return connectortest.WriteXLSX(path, connectortest.Sheet{Name: "Vendas BR", Rows: v.rows, Merges: v.merges})
}

// buyer fills the buyer and address columns of a row.
func buyer(vals map[string]any, name, doc, docType, city, state, cep string) map[string]any {
	vals["Dados pessoais ou da empresa"] = name
	vals["Comprador"] = name
	vals["Tipo e número do documento"] = docType + " " + doc
	vals["CPF"] = doc
	vals["Faturamento ao comprador/Endereço"] = "Rua Exemplo 100, " + city + " - CEP: " + cep + ", " + state
	vals["Compradores/Endereço"] = "Rua Exemplo 100 / apto 1 - CEP " + cep + " - Centro, " + city + ", " + state
	vals["Cidade"] = city
	vals["Compradores/Estado"] = state
	vals["CEP"] = cep
	vals["País"] = "Brasil"
	vals["Envios/Forma de entrega"] = "Correios e pontos de envio"
	return vals
}

func product(vals map[string]any, sku, listing, title, variation string, units, price any) map[string]any {
	vals["SKU"] = sku
	vals["# de anúncio"] = listing
	vals["Título do anúncio"] = title
	vals["Variação"] = variation
	vals["Vendas/Unidades"] = units
	vals["Preço unitário de venda do anúncio (BRL)"] = price
	vals["Canal de venda"] = "Mercado Livre"
	vals["Tipo de anúncio"] = "Premium"
	return vals
}

func money(vals map[string]any, items, fee, shipRevenue, shipFee, refunds, total any) map[string]any {
	vals["Receita por produtos (BRL)"] = items
	vals["Tarifa de venda e impostos (BRL)"] = fee
	vals["Receita por envio (BRL)"] = shipRevenue
	vals["Tarifas de envio (BRL)"] = shipFee
	vals["Custo de envio com base nas medidas e peso declarados"] = shipFee
	vals["Cancelamentos e reembolsos (BRL)"] = refunds
	vals["Total (BRL)"] = total
	vals["Mês de faturamento das suas tarifas"] = "março 2026"
	return vals
}

func sale(id, date, status string) map[string]any {
	return map[string]any{"N.º de venda": id, "Data da venda": date, "Vendas/Estado": status, "Pacote de diversos produtos": "Não"}
}

func child(id, date, status string) map[string]any {
	return map[string]any{"N.º de venda": id, "Data da venda": date, "Vendas/Estado": status, "Pacote de diversos produtos": "Sim"}
}

func summary(id, date string, n int) map[string]any {
	return map[string]any{"N.º de venda": id, "Data da venda": date, "Vendas/Estado": fmt.Sprintf("Pacote de %d produtos", n), "Vendas/Unidades": nil}
}

func preamble(asOf string) [][]any {
	rows := [][]any{
		nil,
		{"Neste relatório, você encontra as informações das suas vendas."},
		{nil, nil, nil, "Ir para Faturas e relatórios das suas tarifas"},
	}
	if asOf != "" {
		rows = append(rows, []any{"Vendas  Status das suas vendas em " + asOf + "."})
	}
	return rows
}

// writeVendas63 is the March 2026 vintage: header on row 6, the report's
// generation time on row 4, carts, every status family, and seeded bad rows
// (14, 15, 16, 18) among good ones.
func writeVendas63(path string) error {
	v := newVendas(header63, groups63, preamble("11 de março de 2026, às 08:18 hs"))
	type N = connectortest.Number
	// 7: an ordinary sale.
	v.add(buyer(product(money(sale("2000099900000001", "2 de fevereiro de 2026 15:44 hs.", "Entregue"),
		80.38, -13.26, "", -16.17, "", 50.95), "SKU-AZUL-G", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 80.38),
		"Maria Exemplo", "12345678909", "CPF", "São Paulo", "São Paulo", "01001000"))
	// 8: a company buyer, whose CNPJ sits in the "CPF" column; cancelled.
	v.add(buyer(product(money(sale("2000099900000020", "4 de fevereiro de 2026 22:34 hs.", "Cancelada pelo comprador"),
		79.9, -13.18, "", -16.17, -50.55, 0.0), "SKU-PRETO-G", "MLB9990000002", "Camiseta Básica", "Cor : Preto", N("1.0"), 79.9),
		"EXEMPLO COMERCIO LTDA", "11222333000181", "CNPJ", "Manaus", "Amazonas", "69005000"))
	// 9–12: a cart of three; 100.00 of products and 17.00 of fees do not
	// split evenly by price.
	v.add(buyer(money(summary("2000099900000010", "3 de fevereiro de 2026 09:05 hs.", 3),
		100.0, -17.0, 12.99, -12.99, "", 83.0), "João Exemplo", "98765432100", "CPF", "Rio de Janeiro", "Rio de Janeiro", "20040002"))
	v.add(product(child("2000099900000111", "3 de fevereiro de 2026 09:05 hs.", "Entregue"), "SKU-ROSA-M", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", N("1.0"), 33.33))
	v.add(product(child("2000099900000121", " ", "A caminho"), "SKU-VERDE-P", "MLB9990000003", "Camiseta Básica", "Cor : Verde", N("1.0"), 33.33))
	v.add(product(child("2000099900000131", "3 de fevereiro de 2026 09:04 hs.", "Devolução a caminho"), "SKU-BRANCO-P", "MLB9990000003", "Camiseta Básica", "Cor : Branco", N("1.0"), 33.34))
	// 13: a state without accents and a CEP that lost its leading zero.
	v.add(buyer(product(money(sale("2000099900000030", "5 de março de 2026 10:00 hs.", "Para enviar no dia 17 de março"),
		130.0, -28.46, 19.99, -19.99, "", 101.54), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("2.0"), 65.0),
		"Ana Exemplo", "11144477735", "CPF", "Osasco", "Sao Paulo", "6010000"))
	// 14: a date that does not exist: the row is skipped.
	v.add(buyer(product(money(sale("2000099900000040", "31 de fevereiro de 2026 10:00 hs.", "Entregue"),
		65.0, -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"Ana Exemplo", "11144477735", "CPF", "Osasco", "São Paulo", "06010000"))
	// 15: a CPF with wrong check digits and a short CEP: both dropped, the
	// order kept.
	v.add(buyer(product(money(sale("2000099900000050", "6 de março de 2026 11:30 hs.", "Etiqueta pronta para imprimir"),
		65.0, -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"Pedro Exemplo", "12345678900", "CPF", "Curitiba", "Paraná", "800"))
	// 16: an amount that is not a number: skipped.
	v.add(buyer(product(money(sale("2000099900000060", "6 de março de 2026 12:00 hs.", "Entregue"),
		"sessenta", -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"Pedro Exemplo", "12345678909", "CPF", "Curitiba", "Paraná", "80010000"))
	// 17–19: a cart of two whose first order has unreadable units: the
	// other takes the cart's money.
	v.add(buyer(money(summary("2000099900000070", "7 de março de 2026 08:00 hs.", 2),
		159.8, -26.36, "", -32.34, "", 101.1), "Maria Exemplo", "12345678909", "CPF", "São Paulo", "São Paulo", "01001000"))
	v.add(product(child("2000099900000171", "7 de março de 2026 08:00 hs.", "Entregue"), "SKU-ROSA-M", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", "dois", 79.9))
	v.add(product(child("2000099900000172", "7 de março de 2026 08:00 hs.", "Entregue"), "SKU-ROSA-G", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", N("1.0"), 79.9))
	// 20: amounts with binary float noise, as numeric cells carry them.
	v.add(buyer(product(money(sale("2000099900000080", "8 de março de 2026 18:20 hs.", "Pronta para emitir NF-e de venda"),
		80.38, N("-13.260000000000002"), "", -16.17, "", 50.95), "SKU-AZUL-G", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 80.38),
		"Maria Exemplo", "12345678909", "CPF", "São Paulo", "São Paulo", "01001000"))
	// 21: a dispute the seller won; 22 blank; 23: a status no rule knows.
	v.add(buyer(product(money(sale("2000099900000090", "9 de fevereiro de 2026 07:00 hs.", "Mediação finalizada. Te demos o dinheiro."),
		65.0, -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"João Exemplo", "98765432100", "CPF", "Rio de Janeiro", "Rio de Janeiro", "20040002"))
	v.blank()
	v.add(buyer(product(money(sale("2000099900000100", "10 de fevereiro de 2026 07:00 hs.", "Reclamação aberta para resolver hoje"),
		65.0, -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"João Exemplo", "98765432100", "CPF", "Rio de Janeiro", "Rio de Janeiro", "20040002"))
	return v.write(path)
}

// writeVendas65 is the 65-column vintage with a shorter preamble (header on
// row 5, no generation time), a retyped "Nº de venda", a cart cut short by
// an ordinary sale, and a cart that ends the file.
func writeVendas65(path string) error {
	h, g := layout65()
	h[0] = "Nº de venda"
	v := newVendas(h, g, preamble(""))
	type N = connectortest.Number
	id := func(vals map[string]any) map[string]any {
		vals["Nº de venda"] = vals["N.º de venda"]
		delete(vals, "N.º de venda")
		vals["Depósito"] = "Full"
		return vals
	}
	// 6: an ordinary sale, shipped and delivered.
	s := buyer(product(money(sale("2000099900000201", "20 de dezembro de 2025 21:00 hs.", "Entregue"),
		89.9, -14.83, "", -14.97, "", 60.1), "SKU-AZUL-G", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 89.9),
		"Maria Exemplo", "12345678909", "CPF", "São Paulo", "São Paulo", "01001000")
	s["Envios/Data a caminho"] = "23 de dezembro | 01:33"
	s["Envios/Data de entrega"] = "2 de janeiro | 09:37"
	v.add(id(s))
	// 7–8: a cart of three with one order row only.
	v.add(id(buyer(money(summary("2000099900000210", "21 de dezembro de 2025 10:00 hs.", 3),
		239.7, -39.54, "", -46.11, "", 154.05), "João Exemplo", "98765432100", "CPF", "Rio de Janeiro", "Rio de Janeiro", "20040002")))
	v.add(id(product(child("2000099900000211", "21 de dezembro de 2025 10:00 hs.", "Entregue"), "SKU-ROSA-M", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", N("1.0"), 79.9)))
	// 9: an ordinary sale closes the cart early.
	v.add(id(buyer(product(money(sale("2000099900000220", "22 de dezembro de 2025 11:00 hs.", "A caminho"),
		65.0, -14.23, "", "", "", 50.77), "SKU-AZUL-M", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 65.0),
		"Ana Exemplo", "11144477735", "CPF", "Osasco", "São Paulo", "06010000")))
	// 10–12: a cart that ends the file.
	v.add(id(buyer(money(summary("2000099900000230", "23 de dezembro de 2025 12:00 hs.", 2),
		154.9, -38.82, 21.99, -21.99, -94.09, 21.99), "EXEMPLO COMERCIO LTDA", "11222333000181", "CNPJ", "Manaus", "Amazonas", "69005000")))
	v.add(id(product(child("2000099900000231", "23 de dezembro de 2025 12:00 hs.", "Cancelada pelo comprador"), "SKU-ROSA-M", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", N("2.0"), 65.0)))
	v.add(id(product(child("2000099900000232", "23 de dezembro de 2025 12:00 hs.", "Para enviar amanhã"), "SKU-GLITTER", "MLB9990000004", "Glitter 100g", " ", N("1.0"), 24.9)))
	return v.write(path)
}

func TestCarts(t *testing.T) {
	res := connectortest.Read(t.Context(), reader(t), filepath.Join("testdata", "vendas-br-63.xlsx"))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	byID := map[string]*normalize.Order{}
	for _, o := range res.Orders {
		byID[o.OrderID] = o
	}
	if byID["2000099900000010"] != nil || byID["2000099900000070"] != nil {
		t.Error("a cart summary became an order")
	}
	// 100.00 over 33.33, 33.33, 33.34; 29.99 of fees, 83.00 net and 12.99
	// of shipping in the same proportions, the odd centavos to the largest
	// remainders.
	want := []struct {
		id                string
		items, fees, net  int64
		shipping, ordered int64
	}{
		{"2000099900000111", 3333, 1000, 2767, 433, 3766},
		{"2000099900000121", 3333, 999, 2766, 433, 3766},
		{"2000099900000131", 3334, 1000, 2767, 433, 3767},
	}
	var items, fees, net, ship int64
	for _, w := range want {
		o := byID[w.id]
		if o == nil {
			t.Fatalf("cart order %s missing", w.id)
		}
		if o.PackID != "2000099900000010" || o.Buyer.Document != "98765432100" || o.Ship.State != "RJ" {
			t.Errorf("%s: pack %q, document %q, state %q", w.id, o.PackID, o.Buyer.Document, o.Ship.State)
		}
		got := []int64{o.ItemsTotal.Cents, o.Fees.Cents, o.NetTotal.Cents, o.Shipping.Cents, o.OrderTotal.Cents}
		if !slices.Equal(got, []int64{w.items, w.fees, w.net, w.shipping, w.ordered}) {
			t.Errorf("%s: items, fees, net, shipping, total = %v", w.id, got)
		}
		items += o.ItemsTotal.Cents
		fees += o.Fees.Cents
		net += o.NetTotal.Cents
		ship += o.Shipping.Cents
	}
	if items != 10000 || fees != 1700+1299 || net != 8300 || ship != 1299 {
		t.Errorf("the cart's parts add up to items %d, fees %d, net %d, shipping %d", items, fees, net, ship)
	}
	// The order without a date takes the cart's.
	if !byID["2000099900000121"].OrderedAt.Equal(byID["2000099900000111"].OrderedAt) {
		t.Error("a cart order without a date did not take the cart's")
	}
	// A cart order whose row was skipped leaves the money to the other.
	if o := byID["2000099900000172"]; o == nil || o.ItemsTotal.Cents != 15980 || o.NetTotal.Cents != 10110 {
		t.Errorf("the cart's surviving order: %+v", o)
	}
	// The report's generation time is every order's updated_at.
	asOf := time.Date(2026, 3, 11, 11, 18, 0, 0, time.UTC)
	for _, o := range res.Orders {
		if !o.UpdatedAt.Equal(asOf) {
			t.Errorf("%s: updated_at %v, want %v", o.OrderID, o.UpdatedAt, asOf)
		}
	}
	statuses := map[string]normalize.Status{
		"2000099900000001": normalize.StatusDelivered, "2000099900000020": normalize.StatusCancelled,
		"2000099900000121": normalize.StatusShipped, "2000099900000131": normalize.StatusReturned,
		"2000099900000030": normalize.StatusPaid, "2000099900000090": normalize.StatusDelivered,
		"2000099900000100": normalize.StatusUnknown,
	}
	for id, s := range statuses {
		if o := byID[id]; o == nil || o.Status != s || o.Lines[0].Status != s {
			t.Errorf("%s: status %v, want %s", id, o, s)
		}
	}
	if o := byID["2000099900000020"]; o.Buyer.DocumentType != normalize.DocCNPJ || o.Buyer.Document != "11222333000181" {
		t.Errorf("CNPJ in the CPF column: %q %q", o.Buyer.Document, o.Buyer.DocumentType)
	}
	if o := byID["2000099900000030"]; o.Ship.State != "SP" || o.Ship.PostalCode != "06010000" {
		t.Errorf("state %q, CEP %q", o.Ship.State, o.Ship.PostalCode)
	}
}

func TestVintage65(t *testing.T) {
	res := connectortest.Read(t.Context(), reader(t), filepath.Join("testdata", "vendas-br-65.xlsx"))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	byID := map[string]*normalize.Order{}
	for _, o := range res.Orders {
		byID[o.OrderID] = o
	}
	// Without the generation time, updated_at is the last shipping event;
	// the yearless delivery date falls in the year after the sale.
	if o := byID["2000099900000201"]; o == nil || !o.UpdatedAt.Equal(time.Date(2026, 1, 2, 12, 37, 0, 0, time.UTC)) {
		t.Errorf("updated_at from the delivery date: %+v", o)
	}
	// A cart cut short gives its whole amount to the order that is there.
	if o := byID["2000099900000211"]; o == nil || o.ItemsTotal.Cents != 23970 || o.PackID != "2000099900000210" {
		t.Errorf("short cart: %+v", o)
	}
	// The last cart, flushed at the end of the file.
	a, b := byID["2000099900000231"], byID["2000099900000232"]
	if a == nil || b == nil || a.ItemsTotal.Cents+b.ItemsTotal.Cents != 15490 || a.ItemsTotal.Cents != 13000 ||
		a.NetTotal.Cents+b.NetTotal.Cents != 2199 || b.Buyer.DocumentType != normalize.DocCNPJ {
		t.Errorf("last cart: %+v %+v", a, b)
	}
	if len(res.Orders) != 5 {
		t.Errorf("%d orders, want 5", len(res.Orders))
	}
}

// TestReal reads the real report: 1,491 data rows, of which 57 are cart
// summaries over 125 cart orders.
func TestReal(t *testing.T) {
	path := connectortest.RealData(t, "seller-a-ml-shopee-tiktok",
		"20260311_Vendas_BR_Mercado_Libre_y_Mercado_Shops_2026-03-11_08-18hs_767713367.xlsx")
	m, res := connectortest.ReadReal(t, reader(t), path)
	if m.Layout != "vendas-br-63" || m.HeaderRow != 6 {
		t.Errorf("match %+v", m)
	}
	if len(res.Rejects) != 0 {
		for _, r := range res.Rejects {
			t.Log(r)
		}
		t.Errorf("%d rejects, want none", len(res.Rejects))
	}
	const rows, summaries, inCarts = 1491, 57, 125
	if len(res.Orders) != rows-summaries {
		t.Errorf("%d orders, want %d", len(res.Orders), rows-summaries)
	}
	packs := map[string]int{}
	docs := map[string]bool{}
	ids := map[string]bool{}
	for _, o := range res.Orders {
		if ids[o.OrderID] {
			t.Errorf("order %s read twice", o.OrderID)
		}
		ids[o.OrderID] = true
		if o.Buyer.Document == "" {
			t.Errorf("order %s (row %d) has no buyer document", o.OrderID, o.SourceRow)
		}
		docs[o.Buyer.Document] = true
		if o.PackID == "" {
			continue
		}
		packs[o.PackID]++
		l := o.Lines[0]
		if o.ItemsTotal.Cents != l.UnitPrice.Cents*int64(l.Quantity) {
			t.Errorf("cart order %s: items %v, price × units %v × %d", o.OrderID, o.ItemsTotal, l.UnitPrice, l.Quantity)
		}
		if !o.NetTotal.Valid || o.Ship.PostalCode == "" {
			t.Errorf("cart order %s lacks the cart's money or address", o.OrderID)
		}
	}
	n := 0
	for _, c := range packs {
		n += c
	}
	if len(packs) != summaries || n != inCarts {
		t.Errorf("%d carts over %d orders, want %d over %d", len(packs), n, summaries, inCarts)
	}
	// 1,253 distinct documents over the 1,366 rows that carry a buyer.
	if len(docs) != 1253 {
		t.Errorf("%d distinct buyer documents, want 1253", len(docs))
	}
}

func BenchmarkReadFile(b *testing.B) {
	const orders = 3000
	path := filepath.Join(b.TempDir(), "vendas.xlsx")
	rows, err := writeBench(path, orders)
	if err != nil {
		b.Fatal(err)
	}
	connectortest.Bench(b, reader(b), path, rows)
}

// writeBench writes a report of ordinary sales with a cart of two every
// tenth sale; it returns the number of data rows.
func writeBench(path string, orders int) (int, error) {
	v := newVendas(header63, groups63, preamble("11 de março de 2026, às 08:18 hs"))
	type N = connectortest.Number
	rows := 0
	for i := range orders {
		id := fmt.Sprintf("20000999%08d", i)
		if i%10 == 9 {
			v.add(buyer(money(summary(id, "3 de fevereiro de 2026 09:05 hs.", 2),
				159.8, -26.36, "", -32.34, "", 101.1), "João Exemplo", "98765432100", "CPF", "Rio de Janeiro", "Rio de Janeiro", "20040002"))
			for k := range 2 {
				v.add(product(child(fmt.Sprintf("30000999%07d%d", i, k), "3 de fevereiro de 2026 09:05 hs.", "Entregue"),
					"SKU-ROSA-M", "MLB9990000003", "Camiseta Básica", "Cor : Rosa", N("1.0"), 79.9))
			}
			rows += 3
			continue
		}
		v.add(buyer(product(money(sale(id, "2 de fevereiro de 2026 15:44 hs.", "Entregue"),
			80.38, -13.26, "", -16.17, "", 50.95), "SKU-AZUL-G", "MLB9990000001", "Camiseta Básica", "Cor : Azul", N("1.0"), 80.38),
			"Maria Exemplo", "12345678909", "CPF", "São Paulo", "São Paulo", "01001000"))
		rows++
	}
	return rows, v.write(path)
}

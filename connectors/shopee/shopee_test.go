package shopee_test

import (
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("shopee")
	if !ok {
		t.Fatal("shopee is not registered")
	}
	return c.(connectors.FileReader)
}

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures: map[string]func(string) error{
			"order-all.xlsx":         writeOrderAll,
			"order-toship.xlsx":      writeOrderToship,
			"order-all-renamed.xlsx": writeRenamed,
		},
		Rejects: map[string][]connectortest.Want{
			"order-all.xlsx": {
				{Row: 7, Column: "Quantidade", Effect: connectors.RowSkipped},
				{Row: 9, Column: "Data de criação do pedido", Effect: connectors.RowSkipped},
				{Row: 10, Column: "CEP", Effect: connectors.ValueDropped},
				{Row: 10, Column: "UF", Effect: connectors.ValueDropped},
				{Row: 11, Column: "Total global", Effect: connectors.RowSkipped},
			},
		},
	})
}

// The Order.all header as Shopee writes it in 2026; Order.toship lacks
// "Cancelar Motivo".
var headerAll = []string{"ID do pedido", "Status do pedido", "Hot Listing", "Cancelar Motivo",
	"Status da Devolução / Reembolso", "Número de rastreamento", "Opção de envio", "Método de envio",
	"Data prevista de envio", "Tempo de Envio", "Data de criação do pedido", "Hora do pagamento do pedido",
	"Nº de referência do SKU principal", "Nome do Produto", "Número de referência SKU", "Nome da variação",
	"Preço original", "Preço acordado", "Quantidade", "Returned quantity", "Subtotal do produto",
	"Desconto do vendedor", "Desconto do vendedor", "Incentivo Shopee para ação comercial",
	"Ajuste por participação em ação comercial", "Peso total SKU", "Número de produtos pedidos",
	"Peso total do pedido", "Código do Cupom", "Cupom do vendedor", "Seller Absorbed Coin Cashback", "Cupom Shopee",
	"Indicador da Leve Mais por Menos", "Desconto Shopee da Leve Mais por Menos",
	"Desconto da Leve Mais por Menos do vendedor", "Compensar Moedas Shopee", "Total descontado Cartão de Crédito",
	"Valor Total", "Taxa de envio pagas pelo comprador", "Desconto de Frete Aproximado", "Taxa de Envio Reversa",
	"Taxa de transação", "Taxa de comissão bruta", "Net Commission Fee", "Taxa de serviço bruta",
	"Taxa de serviço líquida", "Total global", "Valor estimado do frete", "Nome de usuário (comprador)",
	"Nome do destinatário", "Telefone", "CPF do Comprador", "Endereço de entrega", "Cidade", "Bairro", "Cidade", "UF",
	"País", "CEP", "Observação do comprador", "Hora completa do pedido", "Nota"}

func headerToship() []string {
	return slices.DeleteFunc(slices.Clone(headerAll), func(s string) bool { return s == "Cancelar Motivo" })
}

// sheet builds an "orders" sheet; every cell is text, as Shopee writes it.
type sheet struct {
	header []string
	h      tabular.Header
	rows   [][]any
}

func newSheet(header []string) *sheet {
	s := &sheet{header: header, h: tabular.NewHeader(header, nil)}
	row := make([]any, len(header))
	for i, n := range header {
		row[i] = n
	}
	s.rows = append(s.rows, row)
	return s
}

func (s *sheet) add(vals map[string]string) {
	row := make([]any, len(s.header))
	for i := range row {
		row[i] = ""
	}
	for k, v := range vals {
		i := s.h.Index(k)
		if i < 0 {
			continue // a column this vintage lacks
		}
		row[i] = v
	}
	s.rows = append(s.rows, row)
}

func (s *sheet) write(path string) error {
	return connectortest.WriteXLSX(path, connectortest.Sheet{Name: "orders", Rows: s.rows})
}

// order is the order-level part of a row, repeated on each of its lines.
func order(id, status, created string) map[string]string {
	return map[string]string{
		"ID do pedido": id, "Status do pedido": status, "Hot Listing": "N", "Data de criação do pedido": created,
		"Hora do pagamento do pedido": created, "Opção de envio": "Shopee Xpress", "Método de envio": "Retirada",
		"Data prevista de envio": "2026-02-11 23:59", "Tempo de Envio": "-", "Hora completa do pedido": "-",
		"Cupom do vendedor": "0.00", "Cupom Shopee": "0.00", "Indicador da Leve Mais por Menos": "N",
		"Desconto Shopee da Leve Mais por Menos": "0.00", "Desconto da Leve Mais por Menos do vendedor": "0.00",
		"Compensar Moedas Shopee": "0", "Total descontado Cartão de Crédito": "0.00", "Taxa de Envio Reversa": "0.00",
		"Taxa de transação": "0.00", "País": "BR",
	}
}

func amounts(o map[string]string, value, shipping, commission, service, total string) map[string]string {
	o["Valor Total"] = value
	o["Taxa de envio pagas pelo comprador"] = shipping
	o["Taxa de comissão bruta"] = commission
	o["Net Commission Fee"] = commission
	o["Taxa de serviço bruta"] = service
	o["Taxa de serviço líquida"] = service
	o["Total global"] = total
	return o
}

func buyer(o map[string]string, user, recipient, phone, cpf, address, city, bairro, uf, cep string) map[string]string {
	o["Nome de usuário (comprador)"] = user
	o["Nome do destinatário"] = recipient
	o["Telefone"] = phone
	o["CPF do Comprador"] = cpf
	o["Endereço de entrega"] = address
	o["Cidade#2"] = city
	o["Cidade do destinatário"] = city
	o["Bairro"] = bairro
	o["UF"] = uf
	o["UF do destinatário"] = uf
	o["CEP"] = cep
	return o
}

// line adds one order line to a copy of the order's columns.
func line(o map[string]string, parent, name, sku, variation, price, deal, qty, subtotal string) map[string]string {
	l := maps.Clone(o)
	l["Nº de referência do SKU principal"] = parent
	l["Nome do Produto"] = name
	l["Número de referência SKU"] = sku
	l["Nome da variação"] = variation
	l["Preço original"] = price
	l["Preço acordado"] = deal
	l["Quantidade"] = qty
	l["Returned quantity"] = "0"
	l["Subtotal do produto"] = subtotal
	l["Desconto do vendedor"] = "0.00"
	l["Desconto do vendedor#2"] = "0.00"
	return l
}

// writeOrderAll is an Order.all part: masked buyers, a three-line order,
// cancellations, a return, and bad rows 7, 9, 10 and 11 among good ones.
func writeOrderAll(path string) error {
	s := newSheet(headerAll)
	// 2–4: three lines of one order; its amounts repeat on each.
	o := buyer(amounts(order("260211ABCD1234", "Concluído", "2026-02-10 18:32"), "92.35", "0.00", "16.62", "6.93", "91.35"),
		"cliente_exemplo01", "M****a", "******99", "", "R******", "São Paulo", "Centro", "São Paulo", "01001-000")
	o["Hora completa do pedido"] = "2026-02-20 10:00"
	o["Tempo de Envio"] = "2026-02-12 15:37"
	o["Compensar Moedas Shopee"] = "100"
	s.add(line(o, "GL-COR", "Glitter 100g", "GL-COR-DOURADO", "Dourado", "22.50", "22.50", "2", "45.00"))
	s.add(line(o, "GL-COR", "Glitter 100g", "GL-COR-PRATA", "Prata", "22.50", "22.50", "1", "22.50"))
	s.add(line(o, "DESEMP", "Desempenadeira", "DESEMP-03", "", "24.85", "24.85", "1", "24.85"))
	// 5: cancelled before payment.
	o = buyer(amounts(order("260212EFGH5678", "Cancelado", "2026-02-11 21:40"), "0.00", "0.00", "0.00", "0.00", "0.00"),
		"outro_cliente", "Joana Exemplo", "******00", "******", "R******", "Rio de Janeiro", "Centro", "Rio de Janeiro", "20040002")
	o["Cancelar Motivo"] = "Cancelado automaticamente pelo sistema da Shopee. Motivo : Pedido não pago"
	o["Hora do pagamento do pedido"] = "-"
	s.add(line(o, "PPL014", "Papel de Parede Líquido", "PPL014_bege", "Bege", "65.00", "65.00", "1", "65.00"))
	// 6–7: the second line's quantity is not a number: that line is
	// skipped, the order kept with its first.
	o = buyer(amounts(order("260213JKLM9012", "O comprador pode pedir uma devolução até 2026-03-11", "2026-02-12 08:05"), "202.45", "2.65", "35.96", "15.00", "202.44"),
		"cliente_exemplo01", "M****a", "******99", "12345678909", "R******", "São Paulo", "Centro", "Sao Paulo", "01001000")
	o["Compensar Moedas Shopee"] = "1"
	s.add(line(o, "PPL008", "Kit Papel de Parede", "PPL008_caramelo", "Caramelo", "99.90", "99.90", "2", "199.80"))
	s.add(line(o, "PPL008", "Kit Papel de Parede", "PPL008_cinza", "Cinza", "99.90", "99.90", "dois", "199.80"))
	// 8: a line returned.
	o = buyer(amounts(order("260214NPQR3456", "Concluído", "2026-02-13 12:00"), "99.90", "0.00", "17.98", "7.50", "99.90"),
		"terceiro_cliente", "P******a", "******74", "", "R******", "Campo Grande", "Centro", "Mato Grosso do Sul", "79002000")
	o["Status da Devolução / Reembolso"] = "Solicitação aprovada"
	s.add(line(o, "PPL003", "Papel de Parede Líquido", "PPL003_Cinza Claro", "Cinza Claro", "99.90", "99.90", "1", "99.90"))
	// 9: no creation date: skipped.
	o = buyer(amounts(order("260215STUV7890", "Enviado", "-"), "99.90", "0.00", "17.98", "7.50", "99.90"),
		"quarto_cliente", "A******o", "******11", "", "R******", "Recife", "Boa Viagem", "Pernambuco", "51020000")
	s.add(line(o, "PPL003", "Papel de Parede Líquido", "PPL003_Cinza Claro", "Cinza Claro", "99.90", "99.90", "1", "99.90"))
	// 10: a CEP and a state that cannot be read: dropped, the order kept.
	o = buyer(amounts(order("260216WXYZ1234", "Enviado", "2026-02-15 09:10"), "99.90", "0.00", "17.98", "7.50", "99.90"),
		"quinto_cliente", "B******a", "******22", "", "R******", "Atlântida", "Centro", "Estado Imaginário", "9502")
	s.add(line(o, "PPL003", "Papel de Parede Líquido", "PPL003_Cinza Claro", "Cinza Claro", "99.90", "99.90", "1", "99.90"))
	// 11: an order total written with a comma: skipped.
	o = buyer(amounts(order("260217AAAA0001", "Entregue", "2026-02-16 09:10"), "99.90", "0.00", "17.98", "7.50", "99,90"),
		"sexto_cliente", "C******a", "******33", "", "R******", "Belém", "Centro", "Pará", "66010000")
	s.add(line(o, "PPL003", "Papel de Parede Líquido", "PPL003_Cinza Claro", "Cinza Claro", "99.90", "99.90", "1", "99.90"))
	// 12: untranslated status, pick-up.
	o = buyer(amounts(order("260218BBBB0002", "Order Received", "2026-02-17 20:00"), "22.50", "0.00", "4.05", "4.79", "22.50"),
		"setimo_cliente", "D******e", "******44", "", "R******", "Monte Sião", "Centro", "Minas Gerais", "37580000")
	o["Opção de envio"] = "Retirada pelo Comprador"
	s.add(line(o, "GLITTER_DOURADO", "Glitter 100g", "", "", "22.50", "22.50", "1", "22.50"))
	return s.write(path)
}

// writeOrderToship is an Order.toship export: open orders, names, streets
// and CPFs in clear, phones still masked.
func writeOrderToship(path string) error {
	s := newSheet(headerToship())
	o := buyer(amounts(order("2603131CRN4E6G", "A Enviar", "2026-03-12 17:54"), "130.00", "0.00", "23.40", "12.55", "130.00"),
		"cliente_exemplo01", "Maria Exemplo", "******19", "12345678909", "R Exemplo, 732, Curitiba, Paraná, 81240000",
		"Curitiba", "Cidade Industrial", "Paraná", "81240000")
	o["Hora do pagamento do pedido"] = "2026-03-13 14:02"
	l := line(o, "PPL012", "Kit Papel de Parede", "PPL012_cinza", "Cinza", "99.90", "65.00", "2", "130.00")
	l["Desconto do vendedor"], l["Desconto do vendedor#2"] = "69.80", "69.80"
	s.add(l)
	o = buyer(amounts(order("2603132WNYY5X4", "A Enviar", "2026-03-13 08:29"), "65.00", "0.00", "11.70", "6.28", "55.00"),
		"outro_cliente", "Joana Exemplo", "******93", "98765432100", "R Exemplo, 263, Carapicuíba, São Paulo, 06360000",
		"Carapicuíba", "Vila Exemplo", "São Paulo", "06360-000")
	o["Cupom Shopee"] = "10.00"
	s.add(line(o, "PPL_BEGE_AREIA", "Kit Papel de Parede", "PPL_BEGE_AREIA", "", "99.90", "65.00", "1", "65.00"))
	return s.write(path)
}

// writeRenamed uses the header names of other export vintages, with one
// "Cidade" column only.
func writeRenamed(path string) error {
	h := slices.Clone(headerAll)
	rename := map[string]string{"ID do pedido": "N.º do pedido", "Nome de usuário (comprador)": "Nome de usuário (Comprador)",
		"UF": "UF do destinatário", "País": "País do destinatário", "Net Commission Fee": "Taxa de comissão líquida"}
	for i, n := range h {
		if r, ok := rename[n]; ok {
			h[i] = r
		}
	}
	i := slices.Index(h, "Cidade")
	h = slices.Delete(h, i, i+1)
	h[slices.Index(h, "Cidade")] = "Cidade do destinatário"
	s := newSheet(h)
	o := buyer(amounts(order("260220CCCC0003", "Concluído", "2026-02-19 10:00"), "65.00", "0.00", "11.70", "6.28", "65.00"),
		"cliente_exemplo01", "M****a", "******99", "", "R******", "São Paulo", "Centro", "SP", "01001000")
	o["N.º do pedido"] = o["ID do pedido"]
	s.add(line(o, "PPL_BEGE_AREIA", "Kit Papel de Parede", "PPL_BEGE_AREIA", "", "99.90", "65.00", "1", "65.00"))
	return s.write(path)
}

func TestOrderAll(t *testing.T) {
	res := connectortest.Read(t.Context(), reader(t), filepath.Join("testdata", "order-all.xlsx"))
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	byID := map[string]*normalize.Order{}
	for _, o := range res.Orders {
		byID[o.OrderID] = o
	}
	o := byID["260211ABCD1234"]
	if o == nil || len(o.Lines) != 3 {
		t.Fatalf("three-line order: %+v", o)
	}
	// Order-level amounts once, not three times; the items total is the
	// sum of the lines.
	if o.OrderTotal.Cents != 9135 || o.ItemsTotal.Cents != 9235 || o.Fees.Cents != 1662+693 || o.Shipping.Cents != 0 {
		t.Errorf("amounts: total %v items %v fees %v shipping %v", o.OrderTotal, o.ItemsTotal, o.Fees, o.Shipping)
	}
	if o.Buyer.Ref != "cliente_exemplo01" || o.Ship.RecipientName != "" || o.Ship.RecipientPhone != "" || o.Ship.Street != "" {
		t.Errorf("masked buyer: %+v %+v", o.Buyer, o.Ship)
	}
	if o.Ship.City != "São Paulo" || o.Ship.State != "SP" || o.Ship.PostalCode != "01001000" {
		t.Errorf("address: %+v", o.Ship)
	}
	if want := time.Date(2026, 2, 20, 13, 0, 0, 0, time.UTC); !o.UpdatedAt.Equal(want) || !o.OrderedAt.Equal(time.Date(2026, 2, 10, 21, 32, 0, 0, time.UTC)) {
		t.Errorf("ordered %v updated %v", o.OrderedAt, o.UpdatedAt)
	}
	if o := byID["260212EFGH5678"]; o.Status != normalize.StatusCancelled || o.Buyer.Document != "" {
		t.Errorf("cancelled order: %s, document %q", o.Status, o.Buyer.Document)
	}
	if o := byID["260213JKLM9012"]; o.Status != normalize.StatusDelivered || len(o.Lines) != 1 || o.Buyer.Document != "12345678909" || o.Ship.State != "SP" {
		t.Errorf("order with a skipped line: %+v", o)
	}
	if o := byID["260214NPQR3456"]; o.Status != normalize.StatusReturned || o.Lines[0].Status != normalize.StatusReturned {
		t.Errorf("returned: %s", o.Status)
	}
	if o := byID["260218BBBB0002"]; o.Status != normalize.StatusDelivered || o.Lines[0].SKU != "GLITTER_DOURADO" {
		t.Errorf("order received: %s %q", o.Status, o.Lines[0].SKU)
	}
}

// TestRealOrderAll reads a real Order.all part: 5,198 lines of 5,000
// orders, buyers masked.
func TestRealOrderAll(t *testing.T) {
	path := connectortest.RealData(t, "seller-a-ml-shopee-tiktok", "Order.all.20260201_20260228_part_2_of_3.xlsx")
	m, res := connectortest.ReadReal(t, reader(t), path)
	if m.Layout != "order-all" {
		t.Errorf("layout %q", m.Layout)
	}
	users := check(t, res, 5198, 5000)
	repeat := 0
	for u, n := range users {
		if n > 1 && u != "" {
			repeat++
		}
	}
	// 489 usernames with more than one order, counting as one the two
	// orders that carry no username at all.
	if repeat != 488 {
		t.Errorf("%d usernames with more than one order, want 488", repeat)
	}
	if users[""] != 2 {
		t.Errorf("%d orders without a username, want 2", users[""])
	}
}

// TestRealOrderToship reads a real Order.toship: 1,192 lines, buyers in
// clear.
func TestRealOrderToship(t *testing.T) {
	path := connectortest.RealData(t, "seller-a-ml-shopee-tiktok", "Order.toship.20260213_20260315.xlsx")
	m, res := connectortest.ReadReal(t, reader(t), path)
	if m.Layout != "order-toship" {
		t.Errorf("layout %q", m.Layout)
	}
	check(t, res, 1192, 1154)
	cpfs := map[string]int{}
	noName := 0
	for _, o := range res.Orders {
		if o.Buyer.Document == "" || o.Ship.Street == "" {
			t.Errorf("order %s lacks its clear buyer data", o.OrderID)
		}
		if o.Ship.RecipientName == "" {
			noName++
		}
		cpfs[o.Buyer.Document]++
	}
	// Two recipients are written as digits, which are no name.
	if noName != 2 {
		t.Errorf("%d orders without a recipient name, want 2", noName)
	}
	repeat := 0
	for _, n := range cpfs {
		if n > 1 {
			repeat++
		}
	}
	if len(cpfs) != 1135 || repeat != 15 {
		t.Errorf("%d CPFs, %d with more than one order; want 1135 and 15", len(cpfs), repeat)
	}
}

// check asserts the line and order counts, no rejects, no order split or
// duplicated; it returns the number of orders per username.
func check(t *testing.T, res connectortest.Result, lines, orders int) map[string]int {
	t.Helper()
	for _, r := range res.Rejects {
		t.Errorf("reject: %s", r)
	}
	seen := map[string]bool{}
	users := map[string]int{}
	n := 0
	for _, o := range res.Orders {
		if seen[o.OrderID] {
			t.Errorf("order %s read twice", o.OrderID)
		}
		seen[o.OrderID] = true
		n += len(o.Lines)
		if !o.OrderTotal.Valid || !o.ItemsTotal.Valid || o.Ship.State == "" || o.Ship.PostalCode == "" {
			t.Errorf("order %s: total %v, items %v, state %q, CEP %q", o.OrderID, o.OrderTotal, o.ItemsTotal, o.Ship.State, o.Ship.PostalCode)
		}
		users[o.Buyer.Ref]++
	}
	if n != lines || len(res.Orders) != orders {
		t.Errorf("%d lines in %d orders, want %d in %d", n, len(res.Orders), lines, orders)
	}
	return users
}

// TestRealCrossChannel finds the buyers who bought on both Mercado Livre
// and Shopee: three CPFs of the real files.
func TestRealCrossChannel(t *testing.T) {
	shopee := connectortest.RealData(t, "seller-a-ml-shopee-tiktok", "Order.toship.20260213_20260315.xlsx")
	ml := connectortest.RealData(t, "seller-a-ml-shopee-tiktok", "20260311_Vendas_BR_Mercado_Libre_y_Mercado_Shops_2026-03-11_08-18hs_767713367.xlsx")
	mlc, ok := connectors.Lookup("mercadolivre")
	if !ok {
		t.Skip("mercadolivre is not registered")
	}
	_, a := connectortest.ReadReal(t, reader(t), shopee)
	_, b := connectortest.ReadReal(t, mlc.(connectors.FileReader), ml)
	docs := map[string]bool{}
	for _, o := range a.Orders {
		docs[o.Buyer.Document] = true
	}
	both := map[string]bool{}
	for _, o := range b.Orders {
		if o.Buyer.DocumentType == normalize.DocCPF && docs[o.Buyer.Document] {
			both[o.Buyer.Document] = true
		}
	}
	if len(both) != 3 {
		t.Errorf("%d CPFs in both channels, want 3", len(both))
	}
}

func BenchmarkReadFile(b *testing.B) {
	const orders = 3000
	path := filepath.Join(b.TempDir(), "Order.all.xlsx")
	s := newSheet(headerAll)
	rows := 0
	for i := range orders {
		o := buyer(amounts(order(fmt.Sprintf("2602%02dX%07d", i%28+1, i), "Concluído", "2026-02-10 18:32"), "92.35", "0.00", "16.62", "6.93", "91.35"),
			"cliente_exemplo01", "M****a", "******99", "", "R******", "São Paulo", "Centro", "São Paulo", "01001-000")
		s.add(line(o, "GL-COR", "Glitter 100g", "GL-COR-DOURADO", "Dourado", "22.50", "22.50", "2", "45.00"))
		rows++
		if i%20 == 0 {
			s.add(line(o, "DESEMP", "Desempenadeira", "DESEMP-03", "", "24.85", "24.85", "1", "24.85"))
			rows++
		}
	}
	if err := s.write(path); err != nil {
		b.Fatal(err)
	}
	connectortest.Bench(b, reader(b), path, rows)
}

package csv_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/connectortest"
	ohcsv "github.com/orderhist/orderhist/connectors/csv"
	"github.com/orderhist/orderhist/normalize"
)

func reader(t testing.TB) connectors.FileReader {
	c, ok := connectors.Lookup("csv")
	if !ok {
		t.Fatal("csv is not registered")
	}
	return c.(connectors.FileReader)
}

const mapping = `# pedidos.csv: an ERP's pt-BR export, one row per order line.
columns:
  order_id: Pedido
  ordered_at: Data
  status: Situação
  buyer_name: Cliente
  buyer_document: CPF/CNPJ
  buyer_email: E-mail
  buyer_phone: Telefone
  ship_city: Cidade
  ship_state: UF
  ship_postal_code: CEP
  shipping: Frete
  sku: SKU
  title: Produto
  quantity: Quantidade
  unit_price: Valor Unitário
money: br
date_layout: "02/01/2006 15:04"
timezone: America/Sao_Paulo
delimiter: ";"
encoding: windows-1252
status:
  Faturado: paid
`

// pedidos is a Windows-1252, ';'-separated, CRLF export as Excel in
// Portuguese writes it. Row 5 has an amount that is not one (the row is
// skipped), row 6 a CEP with a digit missing (the value is dropped).
const pedidos = "Pedido;Data;Situação;Cliente;CPF/CNPJ;E-mail;Telefone;Cidade;UF;CEP;Frete;SKU;Produto;Quantidade;Valor Unitário\r\n" +
	"1001;10/02/2026 17:30;Entregue;Maria da Conceição;123.456.789-09;Maria@Example.com;(11) 98765-4321;São Paulo;SP;01001-000;15,00;CAM-AZ-G;Camiseta Básica Azul G;2;79,90\r\n" +
	"1001;10/02/2026 17:30;Entregue;Maria da Conceição;123.456.789-09;Maria@Example.com;(11) 98765-4321;São Paulo;SP;01001-000;15,00;CAN-BR;Caneca Branca;1;1.029,90\r\n" +
	"1002;11/02/2026 09:05;Faturado;Loja Exemplo LTDA;11.222.333/0001-81;;;Manaus;Amazonas;69005-000;0,00;CAN-PR;Caneca Preta;1;89,90\r\n" +
	"1003;12/02/2026 10:00;Cancelado;João Souza;987.654.321-00;joao@example.com;21998765432;Rio de Janeiro;RJ;20040-002;0,00;CAN-PR;Caneca Preta;1;8x,90\r\n" +
	"1004;13/02/2026 11:11;Pendente;Ana Lima;;ana@example.com;;Curitiba;PR;8001-000;0,00;CAN-PR;Caneca Preta;3;10,00\r\n" +
	"1005;14/02/2026 08:00;Enviado;Rui Alves;111.444.777-35;rui@example.com;(31) 3222-1234;Belo Horizonte;MG;30140-000;12,50;CAN-BR;Caneca Branca;1;29,90\r\n"

func writePedidos(path string) error {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(pedidos))
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func writeMapping(path string) error { return os.WriteFile(path, []byte(mapping), 0o644) }

func TestConformance(t *testing.T) {
	connectortest.Run(t, connectortest.Opt{
		Connector: reader(t),
		Fixtures:  map[string]func(string) error{"pedidos.csv": writePedidos},
		Support:   map[string]func(string) error{"pedidos.mapping.yaml": writeMapping},
		Rejects: map[string][]connectortest.Want{
			"pedidos.csv": {
				{Row: 5, Column: "Valor Unitário", Effect: connectors.RowSkipped},
				{Row: 6, Column: "CEP", Effect: connectors.ValueDropped},
			},
		},
	})
}

func read(t *testing.T, path string, opts map[string]string) []*normalize.Order {
	t.Helper()
	var out []*normalize.Order
	for rec, err := range reader(t).ReadFile(t.Context(), connectors.File{Path: path, Account: "main", Options: opts}) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Order != nil {
			out = append(out, rec.Order)
		}
	}
	return out
}

func TestOrdersFromMapping(t *testing.T) {
	orders := read(t, filepath.Join("testdata", "pedidos.csv"), nil)
	if len(orders) != 4 {
		t.Fatalf("%d orders, want 4 (1001, 1002, 1004, 1005; 1003's only row is bad)", len(orders))
	}
	o := orders[0]
	if o.Source != "csv" || o.OrderID != "1001" || len(o.Lines) != 2 || o.Status != normalize.StatusDelivered {
		t.Fatalf("order %+v", o)
	}
	// 2 × 79,90 + 1.029,90 = 1.189,70 of items; shipping is an order-level
	// value repeated on each line and counted once.
	if o.ItemsTotal.String() != "1189.70" || o.Shipping.String() != "15.00" || o.OrderTotal.String() != "1204.70" {
		t.Fatalf("amounts items %s shipping %s total %s", o.ItemsTotal, o.Shipping, o.OrderTotal)
	}
	if o.OrderedAt.Format("2006-01-02T15:04Z07:00") != "2026-02-10T20:30Z" {
		t.Fatalf("ordered_at %v (São Paulo is UTC-3)", o.OrderedAt)
	}
	if o.Buyer.Document != "12345678909" || o.Buyer.Email != "maria@example.com" || o.Buyer.Phone != "+5511987654321" || o.Buyer.Name != "Maria da Conceição" {
		t.Fatalf("buyer %+v", o.Buyer)
	}
	if b := orders[1]; b.Status != normalize.StatusPaid || b.Buyer.DocumentType != normalize.DocCNPJ || b.Ship.State != "AM" {
		t.Fatalf("order 1002 %+v", b)
	}
}

func TestMappingErrorsNameTheKey(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"columns: {order_id: A, ordered_at: B}\nmony: br\n", "mony"},
		{"columns: {order_id: A}\n", "ordered_at is required"},
		{"columns: {order_id: A, ordered_at: B, price: C}\n", `"price" is not a field`},
		{"columns: {order_id: A, ordered_at: B}\nmoney: us\n", "money"},
		{"columns: {order_id: A, ordered_at: B}\ntimezone: Mars/Olympus\n", "timezone"},
		{"columns: {order_id: A, ordered_at: B}\ndelimiter: ';;'\n", "delimiter"},
		{"columns: {order_id: A, ordered_at: B}\nstatus: {X: shipped-ish}\n", "status"},
	} {
		p := filepath.Join(t.TempDir(), "m.yaml")
		os.WriteFile(p, []byte(tc.yaml), 0o644)
		_, err := ohcsv.LoadMapping(p)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want it to name %q", tc.yaml, err, tc.want)
		}
	}
}

func TestNeedsMapping(t *testing.T) {
	p := filepath.Join(t.TempDir(), "orders.csv")
	os.WriteFile(p, []byte("a;b\n1;2\n"), 0o644)
	for _, err := range reader(t).ReadFile(t.Context(), connectors.File{Path: p}) {
		if err == nil || !strings.Contains(err.Error(), "mapping") || !strings.Contains(err.Error(), "orders.csv") {
			t.Fatalf("err %v", err)
		}
		return
	}
	t.Fatal("no error")
}

func TestMappingOption(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "export.csv")
	if err := writePedidos(p); err != nil {
		t.Fatal(err)
	}
	m := filepath.Join(dir, "elsewhere.yaml")
	writeMapping(m)
	if n := len(read(t, p, map[string]string{"mapping": m})); n != 4 {
		t.Fatalf("%d orders", n)
	}
}

func TestSourceLabel(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "magalu.csv")
	if err := writePedidos(p); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(ohcsv.Sidecar(p), []byte("source: magalu\n"+mapping), 0o644)
	if o := read(t, p, nil); len(o) != 4 || o[0].Source != "magalu" {
		t.Fatalf("source %q", o[0].Source)
	}
	os.WriteFile(ohcsv.Sidecar(p), []byte("source: shopee\n"+mapping), 0o644)
	for _, err := range reader(t).ReadFile(t.Context(), connectors.File{Path: p}) {
		if err == nil || !strings.Contains(err.Error(), "source") {
			t.Fatalf("a mapping may not pass its rows off as another connector's: %v", err)
		}
		break
	}
}

// FuzzLoadMapping: any file either loads into a mapping that names its
// two required columns, or fails with an error naming the file.
func FuzzLoadMapping(f *testing.F) {
	f.Add(mapping)
	f.Add("columns: {order_id: A, ordered_at: B}\nmoney: dot\n")
	f.Add("columns: [a, b]\n")
	f.Add("source: magalu\ncolumns: {order_id: A, ordered_at: B}\nstatus: {X: paid}\ndelimiter: tab\n")
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(t.TempDir(), "m.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ohcsv.LoadMapping(p)
		if err != nil {
			if !strings.Contains(err.Error(), "m.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if strings.TrimSpace(m.Columns["order_id"]) == "" || strings.TrimSpace(m.Columns["ordered_at"]) == "" {
			t.Fatalf("accepted a mapping without its required columns: %+v", m.Columns)
		}
	})
}

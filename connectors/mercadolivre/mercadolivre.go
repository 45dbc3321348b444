// Package mercadolivre reads Mercado Livre's "Vendas BR" report (Vendas →
// Faturas e relatórios → Vendas, XLSX): a preamble of varying height, a
// merged group row over a header of 63 or 65 columns with repeated names,
// numeric money cells, Portuguese dates, blanks written as a space, and carts
// written as a summary row followed by one row per order in the cart.
package mercadolivre

import (
	"fmt"
	"slices"
	"strings"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "mercadolivre"

type connector struct{}

func init() { connectors.Register(connector{}) }

// Column positions in columns.
const (
	colSaleID = iota
	colSaleDate
	colStatus
	colUnits
	colItemsRevenue
	colSurcharge
	colInstallmentFee
	colSaleFee
	colShippingRevenue
	colShippingFee
	colSizeWeightFee
	colTotal
	colSKU
	colListingID
	colTitle
	colVariation
	colUnitPrice
	colBillingName
	colDocument
	colBuyer
	colCPF
	colShipAddress
	colCity
	colState
	colPostalCode
	colCountry
	colShippedAt
	colDeliveredAt
)

// saleIDNames are the spellings of the id column: the report writes "N.º"
// with U+00BA, and sellers who retype headers write "Nº" or "N°".
var saleIDNames = []string{"N.º de venda", "Nº de venda", "N° de venda", "N.° de venda", "N. de venda"}

// Names repeated in the header ("Estado" is the order status in the Vendas
// group and the buyer's state in the Compradores group) are qualified by
// their group, with plain and "Name#2" names for files whose group row is
// missing; resolve picks one kind or the other.
var columns = []tabular.Column{
	colSaleID:          {Names: saleIDNames, Required: true, Field: "order_id"},
	colSaleDate:        {Names: []string{"Data da venda"}, Required: true, Field: "ordered_at"},
	colStatus:          {Names: []string{"Vendas/Estado", "Estado"}, Required: true, Field: "status"},
	colUnits:           {Names: []string{"Vendas/Unidades", "Unidades"}, Required: true, Field: "quantity"},
	colItemsRevenue:    {Names: []string{"Receita por produtos (BRL)"}, Required: true, Field: "items_total"},
	colSurcharge:       {Names: []string{"Receita por acréscimo no preço (pago pelo comprador)"}, Field: "order_total"},
	colInstallmentFee:  {Names: []string{"Taxa de parcelamento equivalente ao acréscimo"}, Field: "fees"},
	colSaleFee:         {Names: []string{"Tarifa de venda e impostos (BRL)", "Tarifa de venda e impostos"}, Field: "fees"},
	colShippingRevenue: {Names: []string{"Receita por envio (BRL)"}, Field: "shipping"},
	colShippingFee:     {Names: []string{"Tarifas de envio (BRL)"}, Field: "fees"},
	colSizeWeightFee:   {Names: []string{"Custo por diferenças nas medidas e no peso do pacote"}, Field: "fees"},
	colTotal:           {Names: []string{"Total (BRL)"}, Required: true, Field: "net_total"},
	colSKU:             {Names: []string{"Anúncios/SKU", "SKU"}, Field: "sku"},
	colListingID:       {Names: []string{"# de anúncio"}, Field: "listing_id"},
	colTitle:           {Names: []string{"Título do anúncio"}, Field: "title"},
	colVariation:       {Names: []string{"Variação"}, Field: "variation"},
	colUnitPrice:       {Names: []string{"Preço unitário de venda do anúncio (BRL)"}, Field: "unit_price"},
	colBillingName:     {Names: []string{"Dados pessoais ou da empresa"}, Field: "buyer_name"},
	colDocument:        {Names: []string{"Tipo e número do documento"}, Field: "buyer_document"},
	colBuyer:           {Names: []string{"Compradores/Comprador", "Comprador"}, Field: "buyer_name"},
	colCPF:             {Names: []string{"Compradores/CPF", "CPF"}, Field: "buyer_document"},
	colShipAddress:     {Names: []string{"Compradores/Endereço", "Endereço#2"}, Field: "ship_street"},
	colCity:            {Names: []string{"Compradores/Cidade", "Cidade"}, Field: "ship_city"},
	colState:           {Names: []string{"Compradores/Estado", "Estado#2"}, Field: "ship_state"},
	colPostalCode:      {Names: []string{"Compradores/CEP", "CEP"}, Field: "ship_postal_code"},
	colCountry:         {Names: []string{"Compradores/País", "País"}, Field: "ship_country"},
	colShippedAt:       {Names: []string{"Envios/Data a caminho", "Data a caminho"}},
	colDeliveredAt:     {Names: []string{"Envios/Data de entrega", "Data de entrega"}},
}

var layouts = []connectors.Layout{{
	Name:   "vendas-br",
	Kind:   "xlsx",
	Sheet:  "Vendas BR",
	Marker: saleIDNames,
	Signature: []string{"N.º de venda", "Data da venda", "Estado", "Descrição do status", "Pacote de diversos produtos",
		"Pertence a um kit", "Unidades", "Receita por produtos (BRL)", "Tarifa de venda e impostos (BRL)",
		"Receita por envio (BRL)", "Tarifas de envio (BRL)", "Cancelamentos e reembolsos (BRL)", "Total (BRL)",
		"Mês de faturamento das suas tarifas", "SKU", "# de anúncio", "Título do anúncio", "Variação",
		"Preço unitário de venda do anúncio (BRL)", "Dados pessoais ou da empresa", "Tipo e número do documento",
		"Comprador", "CPF", "Cidade", "CEP", "Forma de entrega"},
	Required:    tabular.RequiredNames(columns),
	Description: `Mercado Livre "Vendas BR" report (XLSX)`,
}}

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "Mercado Livre (Vendas BR report)",
		Formats: []string{"xlsx"},
		Layouts: layouts,
	}
}

// Detect matches the report and names its vintage by its column count
// ("vendas-br-63", "vendas-br-65"): Mercado Livre adds columns over time.
// Required columns are looked up under every name they go by, as ReadFile
// does, so a retyped "Nº de venda" is not reported missing.
func (connector) Detect(s *connectors.Sample) connectors.Match {
	m := connectors.MatchLayouts(Name, s, layouts)
	if m.Score == 0 {
		return m
	}
	if m.HeaderRow > headerScan {
		// ReadFile looks no further for the header.
		return connectors.Match{Connector: Name}
	}
	for _, sh := range s.Sheets {
		if sh.Name != m.Sheet || m.HeaderRow < 1 || m.HeaderRow > len(sh.Rows) {
			continue
		}
		h := header(sh.Rows, m.HeaderRow-1)
		m.Missing = missing(h)
		n := 0
		for _, c := range h.Names() {
			if tabular.CleanHeader(c) != "" {
				n++
			}
		}
		m.Layout = fmt.Sprintf("%s-%d", m.Layout, n)
	}
	return m
}

// header builds the header at rows[i] with the row above it as the group
// row; a row above that is not a group row (a title) only makes the
// group-qualified names miss, and the "#2" names take over.
func header(rows [][]string, i int) tabular.Header {
	var groups []string
	if i > 0 {
		groups = rows[i-1]
	}
	return tabular.NewHeader(rows[i], groups)
}

// isHeader reports whether a row is the header row.
func isHeader(cells []string) bool {
	for _, c := range cells {
		c = tabular.CleanHeader(c)
		for _, n := range saleIDNames {
			if strings.EqualFold(c, n) {
				return true
			}
		}
	}
	return false
}

// resolve returns the columns to look up in h. When the header has its
// group row, a column qualified by its group is found in that group only:
// were the Vendas "Estado" missing, a plain "Estado" would find the buyer's
// state and read it as the order status. Without the group row, the plain
// and "#2" names are all there is.
func resolve(h tabular.Header) []tabular.Column {
	grouped := slices.ContainsFunc(saleIDNames, func(n string) bool { return h.Has("Vendas/" + n) })
	out := make([]tabular.Column, len(columns))
	for i, c := range columns {
		out[i] = c
		if !strings.Contains(c.Names[0], "/") {
			continue
		}
		var names []string
		for _, n := range c.Names {
			if strings.Contains(n, "/") == grouped {
				names = append(names, n)
			}
		}
		out[i].Names = names
	}
	return out
}

func missing(h tabular.Header) []string {
	var out []string
	for _, c := range resolve(h) {
		if !c.Required {
			continue
		}
		found := false
		for _, n := range c.Names {
			if h.Has(n) {
				found = true
				break
			}
		}
		if !found {
			out = append(out, c.Names[0])
		}
	}
	return out
}

// Columns lists the columns read, for `orderhist detect`.
func (connector) Columns() []tabular.Column { return columns }

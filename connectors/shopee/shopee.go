// Package shopee reads Shopee's Seller Centre order exports (Meus Pedidos →
// Exportar): Order.all and Order.toship, XLSX workbooks written by Excelize
// with one sheet, "orders", a header on row 1 and every cell text. Each row
// is one order line; the order's own columns (amounts, buyer, address) are
// repeated on every line of the order.
package shopee

import (
	"slices"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "shopee"

type connector struct{}

func init() { connectors.Register(connector{}) }

// Column positions in columns.
const (
	colOrderID = iota
	colStatus
	colCancelReason
	colReturnStatus
	colCreatedAt
	colPaidAt
	colShippedAt
	colCompletedAt
	colParentSKU
	colProductName
	colSKU
	colVariation
	colDealPrice
	colQuantity
	colSubtotal
	colSellerCoupon
	colShopeeCoupon
	colBundleShopee
	colBundleSeller
	colOrderValue
	colBuyerShipping
	colReverseShipping
	colTransactionFee
	colCommission
	colServiceFee
	colGrandTotal
	colUsername
	colRecipient
	colPhone
	colCPF
	colAddress
	colCity
	colFirstCity
	colNeighborhood
	colState
	colCountry
	colPostalCode
)

// The header names drift between exports and years; each column lists the
// names it has gone by. "Cidade" appears twice in the current export and
// the first is always empty, so the second is read, then the first.
var columns = []tabular.Column{
	colOrderID:         {Names: []string{"ID do pedido", "N.º do pedido", "Nº do pedido", "Número do pedido"}, Required: true, Field: "order_id"},
	colStatus:          {Names: []string{"Status do pedido"}, Required: true, Field: "status"},
	colCancelReason:    {Names: []string{"Cancelar Motivo", "Motivo do cancelamento"}},
	colReturnStatus:    {Names: []string{"Status da Devolução / Reembolso"}, Field: "status"},
	colCreatedAt:       {Names: []string{"Data de criação do pedido"}, Required: true, Field: "ordered_at"},
	colPaidAt:          {Names: []string{"Hora do pagamento do pedido"}},
	colShippedAt:       {Names: []string{"Tempo de Envio"}},
	colCompletedAt:     {Names: []string{"Hora completa do pedido"}},
	colParentSKU:       {Names: []string{"Nº de referência do SKU principal", "N.º de referência do SKU principal"}, Field: "listing_id"},
	colProductName:     {Names: []string{"Nome do Produto"}, Field: "title"},
	colSKU:             {Names: []string{"Número de referência SKU"}, Field: "sku"},
	colVariation:       {Names: []string{"Nome da variação"}, Field: "variation"},
	colDealPrice:       {Names: []string{"Preço acordado"}, Field: "unit_price"},
	colQuantity:        {Names: []string{"Quantidade"}, Required: true, Field: "quantity"},
	colSubtotal:        {Names: []string{"Subtotal do produto"}, Required: true, Field: "line_total"},
	colSellerCoupon:    {Names: []string{"Cupom do vendedor"}},
	colShopeeCoupon:    {Names: []string{"Cupom Shopee"}},
	colBundleShopee:    {Names: []string{"Desconto Shopee da Leve Mais por Menos"}},
	colBundleSeller:    {Names: []string{"Desconto da Leve Mais por Menos do vendedor"}},
	colOrderValue:      {Names: []string{"Valor Total"}, Required: true, Field: "items_total"},
	colBuyerShipping:   {Names: []string{"Taxa de envio pagas pelo comprador"}, Field: "shipping"},
	colReverseShipping: {Names: []string{"Taxa de Envio Reversa"}},
	colTransactionFee:  {Names: []string{"Taxa de transação"}, Field: "fees"},
	colCommission:      {Names: []string{"Net Commission Fee", "Taxa de comissão líquida", "Taxa de comissão bruta"}, Field: "fees"},
	colServiceFee:      {Names: []string{"Taxa de serviço líquida", "Taxa de serviço bruta"}, Field: "fees"},
	colGrandTotal:      {Names: []string{"Total global"}, Field: "order_total"},
	colUsername:        {Names: []string{"Nome de usuário (comprador)"}, Field: "buyer_ref"},
	colRecipient:       {Names: []string{"Nome do destinatário"}, Field: "recipient_name"},
	colPhone:           {Names: []string{"Telefone", "Telefone do destinatário"}, Field: "recipient_phone"},
	colCPF:             {Names: []string{"CPF do Comprador"}, Field: "buyer_document"},
	colAddress:         {Names: []string{"Endereço de entrega"}, Field: "ship_street"},
	colCity:            {Names: []string{"Cidade#2", "Cidade do destinatário"}, Field: "ship_city"},
	colFirstCity:       {Names: []string{"Cidade"}},
	colNeighborhood:    {Names: []string{"Bairro", "Bairro do destinatário"}, Field: "ship_neighborhood"},
	colState:           {Names: []string{"UF", "UF do destinatário"}, Field: "ship_state"},
	colCountry:         {Names: []string{"País", "País do destinatário"}, Field: "ship_country"},
	colPostalCode:      {Names: []string{"CEP", "CEP do destinatário"}, Field: "ship_postal_code"},
}

// signature identifies the export; Order.toship is Order.all without
// "Cancelar Motivo".
var signature = []string{"ID do pedido", "Status do pedido", "Status da Devolução / Reembolso", "Número de rastreamento",
	"Opção de envio", "Data prevista de envio", "Data de criação do pedido", "Hora do pagamento do pedido",
	"Nº de referência do SKU principal", "Nome do Produto", "Número de referência SKU", "Nome da variação",
	"Preço original", "Preço acordado", "Quantidade", "Subtotal do produto", "Desconto do vendedor",
	"Número de produtos pedidos", "Valor Total", "Taxa de envio pagas pelo comprador", "Total global",
	"Nome de usuário (comprador)", "Nome do destinatário", "Telefone", "CPF do Comprador", "Endereço de entrega",
	"Bairro", "UF", "CEP"}

var layouts = []connectors.Layout{{
	Name:        "order-all",
	Kind:        "xlsx",
	Sheet:       "orders",
	Signature:   append(slices.Clone(signature), "Cancelar Motivo"),
	Required:    tabular.RequiredNames(columns),
	Description: "Shopee Order.all export (XLSX, all orders)",
}, {
	Name:        "order-toship",
	Kind:        "xlsx",
	Sheet:       "orders",
	Signature:   signature,
	Required:    tabular.RequiredNames(columns),
	Description: "Shopee Order.toship export (XLSX, orders to ship)",
}}

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "Shopee (Seller Centre order export)",
		Formats: []string{"xlsx"},
		Layouts: layouts,
	}
}

// Detect tells Order.all from Order.toship by "Cancelar Motivo" (an
// Order.all file matches both, and the first layout wins the tie). Required
// columns are looked up under every name they go by, as ReadFile does.
func (connector) Detect(s *connectors.Sample) connectors.Match {
	m := connectors.MatchLayouts(Name, s, layouts)
	if m.Score == 0 {
		return m
	}
	for _, sh := range s.Sheets {
		if sh.Name == m.Sheet && m.HeaderRow >= 1 && m.HeaderRow <= len(sh.Rows) {
			m.Missing = missing(tabular.NewHeader(sh.Rows[m.HeaderRow-1], nil))
		}
	}
	return m
}

func missing(h tabular.Header) []string {
	var out []string
	for _, c := range columns {
		if c.Required && !slices.ContainsFunc(c.Names, h.Has) {
			out = append(out, c.Names[0])
		}
	}
	return out
}

// Columns lists the columns read, for `orderhist detect`.
func (connector) Columns() []tabular.Column { return columns }

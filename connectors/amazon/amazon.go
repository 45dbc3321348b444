// Package amazon reads Amazon's "All Orders" flat-file reports
// (GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL and
// …_BY_LAST_UPDATE_GENERAL): tab-separated, one row per order item, times in
// UTC with an explicit offset, dot-decimal money.
package amazon

import (
	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "amazon"

type connector struct{}

func init() { connectors.Register(connector{}) }

// Column positions in columns.
const (
	colOrderID = iota
	colMerchantOrderID
	colPurchaseDate
	colLastUpdated
	colOrderStatus
	colFulfillment
	colSalesChannel
	colProductName
	colSKU
	colASIN
	colItemStatus
	colQuantity
	colCurrency
	colItemPrice
	colItemTax
	colShippingPrice
	colShippingTax
	colGiftWrapPrice
	colGiftWrapTax
	colItemPromo
	colShipPromo
	colShipCity
	colShipState
	colShipPostalCode
	colShipCountry
	colCPF
	colBusinessOrder
)

// Header names are as Amazon writes them; older vintages add columns (url,
// number-of-items, tax-collection-model…) that are not needed here.
var columns = []tabular.Column{
	colOrderID:         {Names: []string{"amazon-order-id"}, Required: true, Field: "order_id"},
	colMerchantOrderID: {Names: []string{"merchant-order-id"}},
	colPurchaseDate:    {Names: []string{"purchase-date"}, Required: true, Field: "ordered_at"},
	colLastUpdated:     {Names: []string{"last-updated-date"}, Field: "updated_at"},
	colOrderStatus:     {Names: []string{"order-status"}, Required: true, Field: "status"},
	colFulfillment:     {Names: []string{"fulfillment-channel"}},
	colSalesChannel:    {Names: []string{"sales-channel"}},
	colProductName:     {Names: []string{"product-name"}, Field: "title"},
	colSKU:             {Names: []string{"sku"}, Field: "sku"},
	colASIN:            {Names: []string{"asin"}, Field: "listing_id"},
	colItemStatus:      {Names: []string{"item-status"}, Field: "order_items.status"},
	colQuantity:        {Names: []string{"quantity", "quantity-purchased"}, Required: true, Field: "quantity"},
	colCurrency:        {Names: []string{"currency"}, Field: "currency"},
	colItemPrice:       {Names: []string{"item-price"}, Required: true, Field: "line_total"},
	colItemTax:         {Names: []string{"item-tax"}, Field: "order_total"},
	colShippingPrice:   {Names: []string{"shipping-price"}, Field: "shipping"},
	colShippingTax:     {Names: []string{"shipping-tax"}, Field: "order_total"},
	colGiftWrapPrice:   {Names: []string{"gift-wrap-price"}, Field: "shipping"},
	colGiftWrapTax:     {Names: []string{"gift-wrap-tax"}, Field: "order_total"},
	colItemPromo:       {Names: []string{"item-promotion-discount"}, Field: "discount"},
	colShipPromo:       {Names: []string{"ship-promotion-discount"}, Field: "discount"},
	colShipCity:        {Names: []string{"ship-city"}, Field: "ship_city"},
	colShipState:       {Names: []string{"ship-state"}, Field: "ship_state"},
	colShipPostalCode:  {Names: []string{"ship-postal-code"}, Field: "ship_postal_code"},
	colShipCountry:     {Names: []string{"ship-country"}, Field: "ship_country"},
	colCPF:             {Names: []string{"cpf"}, Field: "buyer_document"},
	colBusinessOrder:   {Names: []string{"is-business-order"}},
}

var layouts = []connectors.Layout{{
	Name:        "all-orders",
	Kind:        "csv",
	Description: "Amazon All Orders flat file (tab-separated)",
	Signature: []string{"amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date", "order-status",
		"fulfillment-channel", "sales-channel", "ship-service-level", "product-name", "sku", "asin", "item-status",
		"quantity", "currency", "item-price", "ship-city", "ship-state", "ship-postal-code", "ship-country"},
	Required: tabular.RequiredNames(columns),
}}

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "Amazon (All Orders flat file)",
		Formats: []string{"csv"},
		Layouts: layouts,
	}
}

// Detect matches the flat file and names its vintage: only the report by
// order date carries the Brazilian "cpf" column, and MWS-era files have "url".
func (connector) Detect(s *connectors.Sample) connectors.Match {
	m := connectors.MatchLayouts(Name, s, layouts)
	if m.Score == 0 || len(s.Sheets) == 0 || len(s.Sheets[0].Rows) == 0 {
		return m
	}
	h := tabular.NewHeader(s.Sheets[0].Rows[0], nil)
	switch {
	case h.Has("cpf"):
		m.Layout = "all-orders-by-order-date"
	default:
		m.Layout = "all-orders-by-last-update"
	}
	if h.Has("url") {
		m.Layout += "-mws"
	}
	return m
}

func (connector) Columns() []tabular.Column { return columns }

// Package shopify reads Shopify's orders export CSV (Admin → Orders →
// Export), both as Shopify writes it (comma, UTF-8, times with the store's
// offset) and after Excel in Portuguese re-saved it (semicolon, day-first
// dates without offset, long numbers turned into "5,52E+12").
package shopify

import (
	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "shopify"

type connector struct{}

func init() { connectors.Register(connector{}) }

const (
	colName = iota
	colEmail
	colFinancialStatus
	colPaidAt
	colFulfillmentStatus
	colCurrency
	colSubtotal
	colShipping
	colTaxes
	colTotal
	colDiscountAmount
	colCreatedAt
	colQuantity
	colLineName
	colLinePrice
	colLineSKU
	colLineFulfillment
	colBillingName
	colBillingStreet
	colBillingCity
	colBillingZip
	colBillingProvince
	colBillingCountry
	colBillingPhone
	colShippingName
	colShippingStreet
	colShippingCity
	colShippingZip
	colShippingProvince
	colShippingCountry
	colShippingPhone
	colNoteAttributes
	colCancelledAt
	colPaymentMethod
	colRefunded
	colID
	colPhone
)

var columns = []tabular.Column{
	colName:              {Names: []string{"Name"}, Required: true, Field: "order_id"},
	colEmail:             {Names: []string{"Email"}, Field: "buyer_email"},
	colFinancialStatus:   {Names: []string{"Financial Status"}, Field: "status"},
	colPaidAt:            {Names: []string{"Paid at"}, Field: "updated_at"},
	colFulfillmentStatus: {Names: []string{"Fulfillment Status"}, Field: "status"},
	colCurrency:          {Names: []string{"Currency"}, Field: "currency"},
	colSubtotal:          {Names: []string{"Subtotal"}},
	colShipping:          {Names: []string{"Shipping"}, Field: "shipping"},
	colTaxes:             {Names: []string{"Taxes"}},
	colTotal:             {Names: []string{"Total"}, Required: true, Field: "order_total"},
	colDiscountAmount:    {Names: []string{"Discount Amount"}, Field: "discount"},
	colCreatedAt:         {Names: []string{"Created at"}, Required: true, Field: "ordered_at"},
	colQuantity:          {Names: []string{"Lineitem quantity"}, Required: true, Field: "quantity"},
	colLineName:          {Names: []string{"Lineitem name"}, Field: "title"},
	colLinePrice:         {Names: []string{"Lineitem price"}, Required: true, Field: "unit_price"},
	colLineSKU:           {Names: []string{"Lineitem sku"}, Field: "sku"},
	colLineFulfillment:   {Names: []string{"Lineitem fulfillment status"}, Field: "order_items.status"},
	colBillingName:       {Names: []string{"Billing Name"}, Field: "buyer_name"},
	colBillingStreet:     {Names: []string{"Billing Street", "Billing Address1"}},
	colBillingCity:       {Names: []string{"Billing City"}, Field: "ship_city"},
	colBillingZip:        {Names: []string{"Billing Zip"}, Field: "ship_postal_code"},
	colBillingProvince:   {Names: []string{"Billing Province"}, Field: "ship_state"},
	colBillingCountry:    {Names: []string{"Billing Country"}, Field: "ship_country"},
	colBillingPhone:      {Names: []string{"Billing Phone"}, Field: "buyer_phone"},
	colShippingName:      {Names: []string{"Shipping Name"}},
	colShippingStreet:    {Names: []string{"Shipping Street", "Shipping Address1"}},
	colShippingCity:      {Names: []string{"Shipping City"}, Field: "ship_city"},
	colShippingZip:       {Names: []string{"Shipping Zip"}, Field: "ship_postal_code"},
	colShippingProvince:  {Names: []string{"Shipping Province"}, Field: "ship_state"},
	colShippingCountry:   {Names: []string{"Shipping Country"}, Field: "ship_country"},
	colShippingPhone:     {Names: []string{"Shipping Phone"}},
	colNoteAttributes:    {Names: []string{"Note Attributes"}, Field: "buyer_document"},
	colCancelledAt:       {Names: []string{"Cancelled at"}, Field: "updated_at"},
	colPaymentMethod:     {Names: []string{"Payment Method"}, Field: "payment_method"},
	colRefunded:          {Names: []string{"Refunded Amount"}},
	colID:                {Names: []string{"Id"}},
	colPhone:             {Names: []string{"Phone"}, Field: "buyer_phone"},
}

var layouts = []connectors.Layout{{
	Name:        "orders-export",
	Kind:        "csv",
	Description: "Shopify orders export CSV",
	Signature: []string{"Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Currency", "Subtotal",
		"Shipping", "Taxes", "Total", "Created at", "Lineitem quantity", "Lineitem name", "Lineitem price",
		"Lineitem sku", "Billing Name", "Shipping Name"},
	Required: tabular.RequiredNames(columns),
}}

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "Shopify (orders export CSV)",
		Formats: []string{"csv"},
		Layouts: layouts,
		Options: []connectors.Option{{
			Name:    "timezone",
			Help:    "time zone of dates written without an offset (exports re-saved by Excel)",
			Default: "America/Sao_Paulo",
		}},
	}
}

// Detect names the header vintage (exports before the tail columns from
// "Phone" on were added) and whether Excel re-saved the file.
func (connector) Detect(s *connectors.Sample) connectors.Match {
	m := connectors.MatchLayouts(Name, s, layouts)
	if m.Score == 0 || len(s.Sheets) == 0 || len(s.Sheets[0].Rows) == 0 {
		return m
	}
	h := tabular.NewHeader(s.Sheets[0].Rows[0], nil)
	if !h.Has("Payment References") && !h.Has("Phone") {
		m.Layout = "orders-export-legacy"
	}
	if s.Delimiter == ';' {
		m.Layout += "-excel-resaved"
	}
	return m
}

func (connector) Columns() []tabular.Column { return columns }

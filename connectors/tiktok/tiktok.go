// Package tiktok reads TikTok Shop's order export ("Para enviar pedido" and
// the other order tabs): an XLSX workbook with the sheet "OrderSKUList",
// English headers on row 1 and a description of each column on row 2, or
// the CSV flavour of the same, whose cells end in a tab. One row per SKU of
// an order; the order's own columns repeat on each of its rows.
package tiktok

import (
	"slices"
	"strings"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "tiktok"

type connector struct{}

func init() { connectors.Register(connector{}) }

// Column positions in columns.
const (
	colOrderID = iota
	colStatus
	colSubstatus
	colCancelReturnType
	colSKUID
	colSellerSKU
	colProductName
	colVariation
	colCategory
	colQuantity
	colUnitPrice
	colSubtotalBefore
	colPlatformDiscount
	colSellerDiscount
	colSubtotalAfter
	colShipping
	colOrderAmount
	colPaymentMethod
	colCreatedAt
	colPaidAt
	colRTSAt
	colShippedAt
	colDeliveredAt
	colCancelledAt
	colUsername
	colCPF
	colCPFName
	colRecipient
	colPhone
	colStreet
	colNumber
	colNeighborhood
	colCity
	colState
	colCountry
	colZipcode
)

var columns = []tabular.Column{
	colOrderID:          {Names: []string{"Order ID"}, Required: true, Field: "order_id"},
	colStatus:           {Names: []string{"Order Status"}, Required: true, Field: "status"},
	colSubstatus:        {Names: []string{"Order Substatus"}},
	colCancelReturnType: {Names: []string{"Cancelation/Return Type", "Cancellation/Return Type"}},
	colSKUID:            {Names: []string{"SKU ID"}, Field: "listing_id"},
	colSellerSKU:        {Names: []string{"Seller SKU"}, Field: "sku"},
	colProductName:      {Names: []string{"Product Name"}, Field: "title"},
	colVariation:        {Names: []string{"Variation"}, Field: "variation"},
	colCategory:         {Names: []string{"Product Category"}, Field: "category"},
	colQuantity:         {Names: []string{"Quantity"}, Required: true, Field: "quantity"},
	colUnitPrice:        {Names: []string{"SKU Unit Original Price"}, Field: "unit_price"},
	colSubtotalBefore:   {Names: []string{"SKU Subtotal Before Discount"}, Field: "line_total"},
	colPlatformDiscount: {Names: []string{"SKU Platform Discount"}, Field: "discount"},
	colSellerDiscount:   {Names: []string{"SKU Seller Discount"}, Field: "discount"},
	colSubtotalAfter:    {Names: []string{"SKU Subtotal After Discount"}, Required: true},
	colShipping:         {Names: []string{"Shipping Fee After Discount"}, Field: "shipping"},
	colOrderAmount:      {Names: []string{"Order Amount"}, Required: true, Field: "order_total"},
	colPaymentMethod:    {Names: []string{"Payment Method"}, Field: "payment_method"},
	colCreatedAt:        {Names: []string{"Created Time"}, Required: true, Field: "ordered_at"},
	colPaidAt:           {Names: []string{"Paid Time"}},
	colRTSAt:            {Names: []string{"RTS Time"}},
	colShippedAt:        {Names: []string{"Shipped Time"}},
	colDeliveredAt:      {Names: []string{"Delivered Time"}},
	colCancelledAt:      {Names: []string{"Cancelled Time"}},
	colUsername:         {Names: []string{"Buyer Username"}, Field: "buyer_ref"},
	colCPF:              {Names: []string{"CPF Number"}, Field: "buyer_document"},
	colCPFName:          {Names: []string{"CPF Name"}, Field: "buyer_name"},
	colRecipient:        {Names: []string{"Recipient"}, Field: "recipient_name"},
	colPhone:            {Names: []string{"Phone #"}, Field: "recipient_phone"},
	colStreet:           {Names: []string{"Street Name"}, Field: "ship_street"},
	colNumber:           {Names: []string{"Street Number"}, Field: "ship_number"},
	colNeighborhood:     {Names: []string{"Neighborhood"}, Field: "ship_neighborhood"},
	colCity:             {Names: []string{"City"}, Field: "ship_city"},
	colState:            {Names: []string{"State"}, Field: "ship_state"},
	colCountry:          {Names: []string{"Country"}, Field: "ship_country"},
	colZipcode:          {Names: []string{"Zipcode"}, Field: "ship_postal_code"},
}

var signature = []string{"Order ID", "Package ID", "Order Status", "Order Substatus", "Cancelation/Return Type",
	"SKU ID", "Seller SKU", "Product Name", "Variation", "Quantity", "SKU Unit Original Price",
	"SKU Subtotal Before Discount", "SKU Platform Discount", "SKU Seller Discount", "SKU Subtotal After Discount",
	"Shipping Fee After Discount", "Order Amount", "Payment Method", "Created Time", "Paid Time",
	"Buyer Username", "CPF Number", "Recipient", "Phone #", "Street Name", "City", "State", "Zipcode"}

var layouts = []connectors.Layout{{
	Name:        "order-sku-list",
	Kind:        "xlsx",
	Sheet:       "OrderSKUList",
	Signature:   signature,
	Required:    tabular.RequiredNames(columns),
	Description: "TikTok Shop order export (XLSX, sheet OrderSKUList)",
}, {
	Name:        "order-sku-list-csv",
	Kind:        "csv",
	Signature:   signature,
	Required:    tabular.RequiredNames(columns),
	Description: "TikTok Shop order export (CSV)",
}}

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "TikTok Shop (order export)",
		Formats: []string{"xlsx", "csv"},
		Layouts: layouts,
	}
}

// Detect matches both flavours. The CSV's header cells end in a tab, which
// the generic delimiter sniffing counts as the delimiter; such a header is
// split again on commas before it is matched.
func (connector) Detect(s *connectors.Sample) connectors.Match {
	if s.Kind == tabular.KindCSV && s.Delimiter == '\t' && len(s.Sheets) == 1 && len(s.Sheets[0].Rows) > 0 {
		if cells, ok := splitTabbedHeader(s.Sheets[0].Rows[0]); ok {
			c := *s
			c.Delimiter = ','
			c.Sheets = []connectors.SheetSample{{Name: s.Sheets[0].Name, Rows: [][]string{cells}}}
			s = &c
		}
	}
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

// splitTabbedHeader rebuilds a header line that was split on the tabs that
// end its cells ("Order ID\t,Package ID\t,…") and splits it on commas.
func splitTabbedHeader(cells []string) ([]string, bool) {
	line := strings.Join(cells, "\t")
	if !strings.Contains(line, ",") {
		return nil, false
	}
	out := strings.Split(line, ",")
	for i, c := range out {
		out[i] = tabular.CleanHeader(strings.Trim(strings.TrimSpace(c), `"`))
	}
	return out, true
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

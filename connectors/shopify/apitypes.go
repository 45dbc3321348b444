package shopify

import (
	"encoding/json"

	"github.com/orderhist/orderhist/connectors/apiclient"
)

// ordersPage is GET /admin/api/{version}/orders.json. Orders stay raw so
// that one order of the wrong shape is rejected alone.
type ordersPage struct {
	Orders *[]json.RawMessage `json:"orders"`
}

// apiOrder is a REST Admin order, with the fields orderhist keeps.
type apiOrder struct {
	ID                    apiclient.Text `json:"id"`
	Name                  string         `json:"name"`
	Email                 string         `json:"email"`
	Phone                 string         `json:"phone"`
	CreatedAt             string         `json:"created_at"`
	UpdatedAt             string         `json:"updated_at"`
	CancelledAt           string         `json:"cancelled_at"`
	FinancialStatus       string         `json:"financial_status"`
	FulfillmentStatus     string         `json:"fulfillment_status"`
	Currency              string         `json:"currency"`
	SubtotalPrice         apiclient.Text `json:"subtotal_price"`
	TotalShippingPriceSet *struct {
		ShopMoney struct {
			Amount apiclient.Text `json:"amount"`
		} `json:"shop_money"`
	} `json:"total_shipping_price_set"`
	ShippingLines []struct {
		Price apiclient.Text `json:"price"`
	} `json:"shipping_lines"`
	TotalDiscounts apiclient.Text `json:"total_discounts"`
	TotalPrice     apiclient.Text `json:"total_price"`
	// The current_ totals are the order as it is now, after edits,
	// returns and refunds (REST 2024-01 on); the others are as placed.
	CurrentTotalDiscounts apiclient.Text `json:"current_total_discounts"`
	CurrentTotalPrice     apiclient.Text `json:"current_total_price"`
	Gateway               string         `json:"gateway"`
	PaymentGatewayNames   []string       `json:"payment_gateway_names"`
	BillingAddress        *address       `json:"billing_address"`
	ShippingAddress       *address       `json:"shipping_address"`
	Customer              *struct {
		Phone string `json:"phone"`
	} `json:"customer"`
	NoteAttributes []struct {
		Name  string         `json:"name"`
		Value apiclient.Text `json:"value"`
	} `json:"note_attributes"`
	LineItems []apiLine   `json:"line_items"`
	Refunds   []apiRefund `json:"refunds"`
}

type address struct {
	Name         string         `json:"name"`
	Phone        string         `json:"phone"`
	Address1     string         `json:"address1"`
	City         string         `json:"city"`
	Zip          apiclient.Text `json:"zip"`
	Province     string         `json:"province"`
	ProvinceCode string         `json:"province_code"`
	Country      string         `json:"country"`
	CountryCode  string         `json:"country_code"`
}

// apiLine is a line as placed: an edit or a refund never deletes it nor
// lowers its quantity, only its current_quantity.
type apiLine struct {
	ID              apiclient.Text `json:"id"`
	SKU             string         `json:"sku"`
	Name            string         `json:"name"`
	Title           string         `json:"title"`
	VariantTitle    string         `json:"variant_title"`
	Quantity        apiclient.Text `json:"quantity"`
	CurrentQuantity apiclient.Text `json:"current_quantity"`
	Price           apiclient.Text `json:"price"`
	// DiscountAllocations are the discounts on all Quantity units, the
	// order's own discounts spread over its lines included.
	DiscountAllocations []struct {
		Amount apiclient.Text `json:"amount"`
	} `json:"discount_allocations"`
	ProductID         apiclient.Text `json:"product_id"`
	FulfillmentStatus string         `json:"fulfillment_status"`
}

// apiRefund is one refund of the order. An order edit that removes units
// also shows here, as refund line items with restock_type "cancel".
type apiRefund struct {
	RefundLineItems []struct {
		LineItemID apiclient.Text `json:"line_item_id"`
		Quantity   apiclient.Text `json:"quantity"`
		// RestockType is "cancel" (units never sent), "return" (units
		// sent and sent back), "no_restock" or the old "legacy_restock".
		RestockType string `json:"restock_type"`
	} `json:"refund_line_items"`
}

package amazon

import (
	"encoding/json"

	"github.com/orderhist/orderhist/connectors/apiclient"
)

// ordersPage is GET /orders/v0/orders. Orders stay raw so that one order of
// the wrong shape is rejected alone.
type ordersPage struct {
	Payload *struct {
		Orders            []json.RawMessage `json:"Orders"`
		NextToken         string            `json:"NextToken"`
		LastUpdatedBefore string            `json:"LastUpdatedBefore"`
	} `json:"payload"`
}

// itemsPage is GET /orders/v0/orders/{id}/orderItems.
type itemsPage struct {
	Payload *struct {
		AmazonOrderID string            `json:"AmazonOrderId"`
		OrderItems    []json.RawMessage `json:"OrderItems"`
		NextToken     string            `json:"NextToken"`
	} `json:"payload"`
}

// money is SP-API's Money: the amount is a decimal string.
type money struct {
	CurrencyCode string         `json:"CurrencyCode"`
	Amount       apiclient.Text `json:"Amount"`
}

func (m *money) amount() json.Number {
	if m == nil {
		return ""
	}
	return json.Number(m.Amount)
}

// apiOrder is an Orders v0 order, with the fields orderhist keeps.
type apiOrder struct {
	AmazonOrderID  string `json:"AmazonOrderId"`
	PurchaseDate   string `json:"PurchaseDate"`
	LastUpdateDate string `json:"LastUpdateDate"`
	OrderStatus    string `json:"OrderStatus"`
	OrderTotal     *money `json:"OrderTotal"`
	BuyerInfo      *struct {
		BuyerEmail   string `json:"BuyerEmail"`
		BuyerName    string `json:"BuyerName"`
		BuyerTaxInfo *struct {
			CompanyLegalName   string `json:"CompanyLegalName"`
			TaxClassifications []struct {
				Name  string         `json:"Name"`
				Value apiclient.Text `json:"Value"`
			} `json:"TaxClassifications"`
		} `json:"BuyerTaxInfo"`
	} `json:"BuyerInfo"`
	ShippingAddress *struct {
		Name          string         `json:"Name"`
		City          string         `json:"City"`
		StateOrRegion string         `json:"StateOrRegion"`
		PostalCode    apiclient.Text `json:"PostalCode"`
		CountryCode   string         `json:"CountryCode"`
		Phone         apiclient.Text `json:"Phone"`
	} `json:"ShippingAddress"`
}

// apiItem is an order item; ItemPrice is the line total, not the unit
// price, as item-price in the flat file.
type apiItem struct {
	ASIN              string         `json:"ASIN"`
	SellerSKU         string         `json:"SellerSKU"`
	OrderItemID       apiclient.Text `json:"OrderItemId"`
	Title             string         `json:"Title"`
	QuantityOrdered   json.Number    `json:"QuantityOrdered"`
	ItemPrice         *money         `json:"ItemPrice"`
	ItemTax           *money         `json:"ItemTax"`
	ShippingPrice     *money         `json:"ShippingPrice"`
	ShippingTax       *money         `json:"ShippingTax"`
	GiftWrapPrice     *money         `json:"GiftWrapPrice"`
	GiftWrapTax       *money         `json:"GiftWrapTax"`
	PromotionDiscount *money         `json:"PromotionDiscount"`
	ShippingDiscount  *money         `json:"ShippingDiscount"`
}

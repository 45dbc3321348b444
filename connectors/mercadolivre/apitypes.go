package mercadolivre

import (
	"encoding/json"

	"github.com/orderhist/orderhist/connectors/apiclient"
)

// searchPage is one page of GET /orders/search. Orders stay raw so that one
// order of the wrong shape is rejected alone.
type searchPage struct {
	Results []json.RawMessage `json:"results"`
	Paging  struct {
		Total  json.Number `json:"total"`
		Offset json.Number `json:"offset"`
		Limit  json.Number `json:"limit"`
	} `json:"paging"`
}

// apiOrder is an order of the Orders API, with the fields orderhist keeps.
type apiOrder struct {
	ID              apiclient.Text `json:"id"`
	DateCreated     string         `json:"date_created"`
	DateClosed      string         `json:"date_closed"`
	LastUpdated     string         `json:"last_updated"`
	DateLastUpdated string         `json:"date_last_updated"`
	PackID          apiclient.Text `json:"pack_id"`
	Status          string         `json:"status"`
	OrderItems      []apiItem      `json:"order_items"`
	TotalAmount     json.Number    `json:"total_amount"`
	PaidAmount      json.Number    `json:"paid_amount"`
	CurrencyID      string         `json:"currency_id"`
	Buyer           apiBuyer       `json:"buyer"`
	Payments        []apiPayment   `json:"payments"`
	Tags            []string       `json:"tags"`
}

type apiItem struct {
	Item struct {
		ID                  apiclient.Text `json:"id"`
		Title               string         `json:"title"`
		SellerSKU           string         `json:"seller_sku"`
		SellerCustomField   string         `json:"seller_custom_field"`
		VariationAttributes []struct {
			Name      string `json:"name"`
			ValueName string `json:"value_name"`
		} `json:"variation_attributes"`
	} `json:"item"`
	Quantity  json.Number `json:"quantity"`
	UnitPrice json.Number `json:"unit_price"`
	SaleFee   json.Number `json:"sale_fee"`
}

// apiBuyer: current orders carry only the id and the billing-info id;
// older ones also had the nickname, names, e-mail and phone.
type apiBuyer struct {
	ID        apiclient.Text `json:"id"`
	Nickname  string         `json:"nickname"`
	FirstName string         `json:"first_name"`
	LastName  string         `json:"last_name"`
	Email     string         `json:"email"`
	Phone     *struct {
		AreaCode apiclient.Text `json:"area_code"`
		Number   apiclient.Text `json:"number"`
	} `json:"phone"`
	BillingInfo struct {
		ID apiclient.Text `json:"id"`
	} `json:"billing_info"`
}

// apiPayment is one payment of the order. A refund, whole or partial,
// shows here: status "refunded" and transaction_amount_refunded.
type apiPayment struct {
	Status                    string      `json:"status"`
	TransactionAmountRefunded json.Number `json:"transaction_amount_refunded"`
	ShippingCost              json.Number `json:"shipping_cost"`
	Installments              json.Number `json:"installments"`
	PaymentType               string      `json:"payment_type"`
}

// billingInfo is GET /orders/billing-info/MLB/{id}.
type billingInfo struct {
	Buyer struct {
		BillingInfo struct {
			Name           string `json:"name"`
			LastName       string `json:"last_name"`
			Identification struct {
				Type   string         `json:"type"`
				Number apiclient.Text `json:"number"`
			} `json:"identification"`
		} `json:"billing_info"`
	} `json:"buyer"`
}

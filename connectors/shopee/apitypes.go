package shopee

import (
	"encoding/json"

	"github.com/orderhist/orderhist/connectors/apiclient"
)

// envelope is every Shopee answer: errors come in a 200 body.
type envelope struct {
	Error     string          `json:"error"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Response  json.RawMessage `json:"response"`
}

type orderList struct {
	More       bool   `json:"more"`
	NextCursor string `json:"next_cursor"`
	OrderList  []struct {
		OrderSN string `json:"order_sn"`
	} `json:"order_list"`
}

type orderDetail struct {
	OrderList []json.RawMessage `json:"order_list"`
}

type apiOrder struct {
	OrderSN          string         `json:"order_sn"`
	Region           string         `json:"region"`
	Currency         string         `json:"currency"`
	OrderStatus      string         `json:"order_status"`
	CreateTime       json.Number    `json:"create_time"`
	UpdateTime       json.Number    `json:"update_time"`
	TotalAmount      json.Number    `json:"total_amount"`
	BuyerUserID      apiclient.Text `json:"buyer_user_id"`
	BuyerUsername    string         `json:"buyer_username"`
	BuyerCPF         apiclient.Text `json:"buyer_cpf_id"`
	PaymentMethod    string         `json:"payment_method"`
	RecipientAddress struct {
		Name        string         `json:"name"`
		Phone       string         `json:"phone"`
		District    string         `json:"district"`
		City        string         `json:"city"`
		State       string         `json:"state"`
		Region      string         `json:"region"`
		Zipcode     apiclient.Text `json:"zipcode"`
		FullAddress string         `json:"full_address"`
	} `json:"recipient_address"`
	ItemList []struct {
		ItemID                 apiclient.Text `json:"item_id"`
		ItemName               string         `json:"item_name"`
		ItemSKU                string         `json:"item_sku"`
		ModelName              string         `json:"model_name"`
		ModelSKU               string         `json:"model_sku"`
		ModelQuantityPurchased json.Number    `json:"model_quantity_purchased"`
		ModelOriginalPrice     json.Number    `json:"model_original_price"`
		ModelDiscountedPrice   json.Number    `json:"model_discounted_price"`
	} `json:"item_list"`
}

type tokenAnswer struct {
	Error        string      `json:"error"`
	Message      string      `json:"message"`
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	ExpireIn     json.Number `json:"expire_in"`
}

package amazon

import (
	"encoding/json"
	"fmt"
	"strings"

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

// money is v0's Money: the amount is a decimal string.
type money struct {
	CurrencyCode string         `json:"CurrencyCode"`
	Amount       apiclient.Text `json:"Amount"`
}

func (m *money) at(col string) value {
	if m == nil {
		return value{col: col}
	}
	return value{col, string(m.Amount)}
}

func (m *money) currency() string {
	if m == nil {
		return ""
	}
	return m.CurrencyCode
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
	ShippingAddress *address `json:"ShippingAddress"`
}

// address is the shipping address of either version: v0 capitalises the
// names that 2026-01-01 writes in camelCase, and encoding/json matches
// keys regardless of case.
type address struct {
	Name          string         `json:"name"`
	City          string         `json:"city"`
	StateOrRegion string         `json:"stateOrRegion"`
	PostalCode    apiclient.Text `json:"postalCode"`
	CountryCode   string         `json:"countryCode"`
	Phone         apiclient.Text `json:"phone"`
}

// view names each value as the version spells it, for rejects.
func (a *address) view(prefix string, capital bool) *shipView {
	col := func(name string) string {
		if capital {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		return prefix + name
	}
	return &shipView{
		name: a.Name, city: a.City,
		phone:   value{col("phone"), string(a.Phone)},
		state:   value{col("stateOrRegion"), a.StateOrRegion},
		postal:  value{col("postalCode"), string(a.PostalCode)},
		country: value{col("countryCode"), a.CountryCode},
	}
}

func (o *apiOrder) view() orderView {
	v := orderView{
		id:       value{"AmazonOrderId", o.AmazonOrderID},
		ordered:  value{"PurchaseDate", o.PurchaseDate},
		updated:  value{"LastUpdateDate", o.LastUpdateDate},
		status:   o.OrderStatus,
		currency: o.OrderTotal.currency(),
	}
	if a := o.ShippingAddress; a != nil {
		v.ship = a.view("ShippingAddress.", true)
	}
	if b := o.BuyerInfo; b != nil {
		v.buyerName = b.BuyerName
		v.buyerEmail = value{"BuyerInfo.BuyerEmail", b.BuyerEmail}
		if t := b.BuyerTaxInfo; t != nil {
			for i, c := range t.TaxClassifications {
				v.documents = append(v.documents, value{fmt.Sprintf("BuyerInfo.BuyerTaxInfo.TaxClassifications[%d].Value", i), string(c.Value)})
			}
		}
	}
	return v
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

func (it *apiItem) view(i int) lineView {
	col := fmt.Sprintf("OrderItems[%d]", i)
	return lineView{
		sku: it.SellerSKU, asin: it.ASIN, title: it.Title,
		qty:      value{col + ".QuantityOrdered", string(it.QuantityOrdered)},
		currency: it.ItemPrice.currency(),
		item:     []value{it.ItemPrice.at(col + ".ItemPrice")},
		ship:     []value{it.ShippingPrice.at(col + ".ShippingPrice"), it.GiftWrapPrice.at(col + ".GiftWrapPrice")},
		tax:      []value{it.ItemTax.at(col + ".ItemTax"), it.ShippingTax.at(col + ".ShippingTax"), it.GiftWrapTax.at(col + ".GiftWrapTax")},
		disc:     []value{it.PromotionDiscount.at(col + ".PromotionDiscount"), it.ShippingDiscount.at(col + ".ShippingDiscount")},
	}
}

// searchPage is GET /orders/2026-01-01/orders (searchOrders): no payload
// wrapper, and the next page's token under pagination, which is absent on
// the last page.
type searchPage struct {
	Orders     []json.RawMessage `json:"orders"`
	Pagination *struct {
		NextToken string `json:"nextToken"`
	} `json:"pagination"`
}

// getOrderPage is GET /orders/2026-01-01/orders/{orderId} (getOrder).
type getOrderPage struct {
	Order json.RawMessage `json:"order"`
}

// money2026 is the 2026-01-01 Money: camelCase, the amount a decimal
// string.
type money2026 struct {
	Amount       apiclient.Text `json:"amount"`
	CurrencyCode string         `json:"currencyCode"`
}

// order2026 is a 2026-01-01 Order with the fields orderhist keeps. Buyer,
// recipient, fulfillment, proceeds and tax come only when includedData
// asks for them; orderItems always.
type order2026 struct {
	OrderID         string `json:"orderId"`
	CreatedTime     string `json:"createdTime"`
	LastUpdatedTime string `json:"lastUpdatedTime"`
	Buyer           *struct {
		BuyerName  string `json:"buyerName"`
		BuyerEmail string `json:"buyerEmail"`
	} `json:"buyer"`
	Recipient *struct {
		DeliveryAddress *address `json:"deliveryAddress"`
	} `json:"recipient"`
	Proceeds *struct {
		GrandTotal *money2026 `json:"grandTotal"`
	} `json:"proceeds"`
	Tax *struct {
		TaxRegistrations []struct {
			EntityType            string         `json:"entityType"`
			TaxRegistrationType   string         `json:"taxRegistrationType"`
			TaxRegistrationNumber apiclient.Text `json:"taxRegistrationNumber"`
		} `json:"taxRegistrations"`
	} `json:"tax"`
	Fulfillment *struct {
		FulfillmentStatus string `json:"fulfillmentStatus"`
	} `json:"fulfillment"`
	// OrderItems is nil when the order came without them, which the model
	// does not allow but getOrder can mend.
	OrderItems []item2026 `json:"orderItems"`
}

// item2026 is a 2026-01-01 OrderItem. Its money is in proceeds.breakdowns,
// one entry per category; product.price.unitPrice is the one amount that
// comes without includedData=PROCEEDS.
type item2026 struct {
	OrderItemID     apiclient.Text `json:"orderItemId"`
	QuantityOrdered json.Number    `json:"quantityOrdered"`
	Product         *struct {
		ASIN      string `json:"asin"`
		Title     string `json:"title"`
		SellerSKU string `json:"sellerSku"`
		Price     *struct {
			UnitPrice *money2026 `json:"unitPrice"`
		} `json:"price"`
	} `json:"product"`
	Proceeds *struct {
		Breakdowns []struct {
			Type     string     `json:"type"`
			Subtotal *money2026 `json:"subtotal"`
		} `json:"breakdowns"`
	} `json:"proceeds"`
	// Cancellation comes with includedData=CANCELLATION: a request (by
	// the buyer) and, once done, its execution.
	Cancellation *struct {
		CancellationExecution *struct {
			CancelledBy string `json:"cancelledBy"`
		} `json:"cancellationExecution"`
	} `json:"cancellation"`
}

func (o *order2026) view() orderView {
	v := orderView{
		id:      value{"orderId", o.OrderID},
		ordered: value{"createdTime", o.CreatedTime},
		updated: value{"lastUpdatedTime", o.LastUpdatedTime},
	}
	if o.Fulfillment != nil {
		v.status = o.Fulfillment.FulfillmentStatus
	}
	if o.Proceeds != nil && o.Proceeds.GrandTotal != nil {
		v.currency = o.Proceeds.GrandTotal.CurrencyCode
	}
	if r := o.Recipient; r != nil && r.DeliveryAddress != nil {
		v.ship = r.DeliveryAddress.view("recipient.deliveryAddress.", false)
	}
	if b := o.Buyer; b != nil {
		v.buyerName = b.BuyerName
		v.buyerEmail = value{"buyer.buyerEmail", b.BuyerEmail}
	}
	if o.Tax != nil {
		// The marketplace's and the seller's registrations (Amazon's own
		// CNPJ among them) come in the same list; only the buyer's are the
		// buyer's document, and of those only CPF and CNPJ.
		for i, r := range o.Tax.TaxRegistrations {
			t := strings.ToUpper(r.TaxRegistrationType)
			if strings.EqualFold(r.EntityType, "BUYER") && (t == "CPF" || t == "CNPJ") {
				v.documents = append(v.documents, value{fmt.Sprintf("tax.taxRegistrations[%d].taxRegistrationNumber", i), string(r.TaxRegistrationNumber)})
			}
		}
	}
	return v
}

// total is the order's grandTotal, kept for an order with no priced item.
func (o *order2026) total() value {
	if o.Proceeds == nil || o.Proceeds.GrandTotal == nil {
		return value{}
	}
	return value{"proceeds.grandTotal.amount", string(o.Proceeds.GrandTotal.Amount)}
}

// view sorts the item's proceeds into the amounts the flat file has: ITEM
// is the line total, SHIPPING and GIFT_WRAP are shipping, TAX is every tax
// of the item and DISCOUNT its promotions. COD_FEE and OTHER have no
// counterpart in v0's amounts or the flat file and are left out.
func (it *item2026) view(i int) lineView {
	col := fmt.Sprintf("orderItems[%d]", i)
	v := lineView{qty: value{col + ".quantityOrdered", string(it.QuantityOrdered)}}
	if p := it.Product; p != nil {
		v.sku, v.asin, v.title = p.SellerSKU, p.ASIN, p.Title
		if p.Price != nil && p.Price.UnitPrice != nil {
			v.unit = value{col + ".product.price.unitPrice.amount", string(p.Price.UnitPrice.Amount)}
			v.currency = p.Price.UnitPrice.CurrencyCode
		}
	}
	if c := it.Cancellation; c != nil && c.CancellationExecution != nil {
		v.cancelled = true
	}
	if it.Proceeds == nil {
		return v
	}
	for j, b := range it.Proceeds.Breakdowns {
		if b.Subtotal == nil {
			continue
		}
		a := value{fmt.Sprintf("%s.proceeds.breakdowns[%d].subtotal.amount", col, j), string(b.Subtotal.Amount)}
		switch strings.ToUpper(b.Type) {
		case "ITEM":
			v.item = append(v.item, a)
			if b.Subtotal.CurrencyCode != "" {
				v.currency = b.Subtotal.CurrencyCode
			}
		case "SHIPPING", "GIFT_WRAP":
			v.ship = append(v.ship, a)
		case "TAX":
			v.tax = append(v.tax, a)
		case "DISCOUNT":
			v.disc = append(v.disc, a)
		}
	}
	return v
}

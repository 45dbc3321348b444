package export

import (
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/history"
)

// locale holds one language's words and formats.
type locale struct {
	msg            map[string]string
	comma          rune
	decimalSep     string
	dateLayout     string
	dateTimeLayout string
	xlsxDate       string
	xlsxDateTime   string
	loc            *time.Location
}

func newLocale(lang string, h *history.History) *locale {
	if lang == "en" {
		return &locale{msg: wordsEN, comma: ',', decimalSep: ".", dateLayout: "2006-01-02", dateTimeLayout: "2006-01-02 15:04",
			xlsxDate: "yyyy-mm-dd", xlsxDateTime: "yyyy-mm-dd hh:mm", loc: h.Location}
	}
	return &locale{msg: wordsPT, comma: ';', decimalSep: ",", dateLayout: "02/01/2006", dateTimeLayout: "02/01/2006 15:04",
		xlsxDate: "dd/mm/yyyy", xlsxDateTime: "dd/mm/yyyy hh:mm", loc: h.Location}
}

func (l *locale) T(key string) string {
	if s, ok := l.msg[key]; ok {
		return s
	}
	return key
}

// decimal writes cents with two decimals and no thousands separator, which
// every spreadsheet and CRM import reads as one number.
func (l *locale) decimal(cents int64) string {
	sign, u := "", uint64(cents)
	if cents < 0 {
		sign, u = "-", uint64(-(cents+1))+1 // no overflow at the smallest int64
	}
	frac := strconv.FormatUint(u%100, 10)
	if len(frac) == 1 {
		frac = "0" + frac
	}
	return sign + strconv.FormatUint(u/100, 10) + l.decimalSep + frac
}

func customerColumns(l *locale) []column {
	return []column{
		{l.T("customer_id"), kText, 20},
		{l.T("name"), kText, 32},
		{l.T("usernames"), kText, 24},
		{l.T("document"), kText, 18},
		{l.T("email"), kText, 30},
		{l.T("phone"), kText, 16},
		{l.T("city"), kText, 20},
		{l.T("state"), kText, 5},
		{l.T("channels"), kText, 22},
		{l.T("segment"), kText, 12},
		{l.T("purchases"), kInt, 9},
		{l.T("cancelled"), kInt, 10},
		{l.T("first_purchase"), kDate, 12},
		{l.T("last_purchase"), kDate, 12},
		{l.T("days_since"), kInt, 10},
		{l.T("currency"), kText, 7},
		{l.T("total_spent"), kMoney, 13},
		{l.T("avg_ticket"), kMoney, 12},
		{l.T("other_currencies"), kText, 18},
		{l.T("rfm_recency"), kInt, 9},
		{l.T("rfm_frequency"), kInt, 9},
	}
}

func customerRow(l *locale, c *history.Customer) []cell {
	main := c.MainSpend()
	var others []string
	for _, m := range c.Spend[min(1, len(c.Spend)):] {
		others = append(others, m.Currency+" "+l.decimal(m.Cents))
	}
	avg := cell{null: true}
	if t, ok := c.AvgTicket(); ok {
		avg = money(t.Cents)
	}
	spent, cur := cell{null: true}, main.Currency
	if len(c.Spend) > 0 {
		spent = money(main.Cents)
	}
	days, rec, freq := count(c.DaysSince), count(c.Recency), count(c.Frequency)
	if c.Purchases == 0 {
		days, rec, freq = cell{null: true}, cell{null: true}, cell{null: true}
	}
	return []cell{
		text(c.ID), text(c.Name), text(strings.Join(c.Usernames, ", ")), text(c.Document), text(c.Email), text(c.Phone),
		text(c.City), text(c.State), text(channelList(c.Channels)), text(l.T("seg_" + string(c.Segment))),
		count(c.Purchases), count(c.Cancelled), moment(c.FirstPurchase), moment(c.LastPurchase), days,
		text(cur), spent, avg, text(strings.Join(others, "; ")), rec, freq,
	}
}

func orderColumns(l *locale) []column {
	return []column{
		{l.T("channel"), kText, 14},
		{l.T("account"), kText, 10},
		{l.T("order_id"), kText, 22},
		{l.T("pack_id"), kText, 18},
		{l.T("ordered_at"), kDateTime, 16},
		{l.T("status"), kText, 12},
		{l.T("currency"), kText, 7},
		{l.T("order_total"), kMoney, 13},
		{l.T("items_total"), kMoney, 13},
		{l.T("shipping"), kMoney, 10},
		{l.T("discount"), kMoney, 10},
		{l.T("payment_method"), kText, 16},
		{l.T("installments"), kInt, 8},
		{l.T("customer_id"), kText, 20},
		{l.T("customer"), kText, 30},
		{l.T("buyer_name"), kText, 30},
		{l.T("usernames"), kText, 22},
		{l.T("document"), kText, 18},
		{l.T("email"), kText, 30},
		{l.T("phone"), kText, 16},
		{l.T("city"), kText, 20},
		{l.T("state"), kText, 5},
		{l.T("postal_code"), kText, 10},
	}
}

func orderRow(l *locale, o *history.OrderRecord, c *history.Customer) []cell {
	var at time.Time
	if o.OrderedAt != nil {
		at = *o.OrderedAt
	}
	display := ""
	if c != nil {
		display = c.Display()
	}
	inst := cell{null: o.Installments == 0, n: int64(o.Installments)}
	return []cell{
		text(channelName(o.Source)), text(o.Account), text(o.OrderID), text(o.PackID), moment(at),
		text(l.T("status_" + o.Status)), text(o.Currency), optMoney(o.OrderTotal), optMoney(o.ItemsTotal),
		optMoney(o.Shipping), optMoney(o.Discount), text(o.PaymentMethod), inst,
		text(o.CustomerID), text(display), text(o.BuyerName), text(o.BuyerRef), text(o.BuyerDocument),
		text(o.BuyerEmail), text(o.BuyerPhone), text(o.ShipCity), text(o.ShipState), text(o.ShipPostalCode),
	}
}

var channelNames = map[string]string{
	"mercadolivre": "Mercado Livre", "shopee": "Shopee", "tiktok": "TikTok Shop",
	"amazon": "Amazon", "shopify": "Shopify", "csv": "CSV",
}

func channelName(s string) string {
	if n, ok := channelNames[s]; ok {
		return n
	}
	return s
}

func channelList(list []string) string {
	names := make([]string, len(list))
	for i, s := range list {
		names[i] = channelName(s)
	}
	return strings.Join(names, ", ")
}

var wordsPT = map[string]string{
	"sheet_customers":  "Clientes",
	"sheet_orders":     "Pedidos",
	"customer_id":      "ID do cliente",
	"name":             "Nome",
	"usernames":        "Usuário no marketplace",
	"document":         "CPF/CNPJ",
	"email":            "E-mail",
	"phone":            "Telefone",
	"city":             "Cidade",
	"state":            "UF",
	"postal_code":      "CEP",
	"channels":         "Canais",
	"segment":          "Segmento",
	"purchases":        "Compras",
	"cancelled":        "Pedidos cancelados",
	"first_purchase":   "Primeira compra",
	"last_purchase":    "Última compra",
	"days_since":       "Dias sem comprar",
	"currency":         "Moeda",
	"total_spent":      "Total gasto",
	"avg_ticket":       "Ticket médio",
	"other_currencies": "Gasto em outras moedas",
	"rfm_recency":      "RFM recência",
	"rfm_frequency":    "RFM frequência",
	"channel":          "Canal",
	"account":          "Conta",
	"order_id":         "Pedido",
	"pack_id":          "Carrinho",
	"ordered_at":       "Data do pedido",
	"status":           "Situação",
	"order_total":      "Total do pedido",
	"items_total":      "Total dos itens",
	"shipping":         "Frete",
	"discount":         "Desconto",
	"payment_method":   "Forma de pagamento",
	"installments":     "Parcelas",
	"customer":         "Cliente",
	"buyer_name":       "Nome no pedido",
	"seg_new":          "novo",
	"seg_recurring":    "recorrente",
	"seg_inactive":     "inativo",
	"seg_no_purchase":  "sem compra",
	"status_pending":   "pendente",
	"status_paid":      "pago",
	"status_shipped":   "enviado",
	"status_delivered": "entregue",
	"status_cancelled": "cancelado",
	"status_returned":  "devolvido",
	"status_unknown":   "desconhecida",
}

var wordsEN = map[string]string{
	"sheet_customers":  "Customers",
	"sheet_orders":     "Orders",
	"customer_id":      "Customer id",
	"name":             "Name",
	"usernames":        "Marketplace username",
	"document":         "CPF/CNPJ",
	"email":            "E-mail",
	"phone":            "Phone",
	"city":             "City",
	"state":            "State",
	"postal_code":      "Postal code",
	"channels":         "Channels",
	"segment":          "Segment",
	"purchases":        "Purchases",
	"cancelled":        "Cancelled orders",
	"first_purchase":   "First purchase",
	"last_purchase":    "Latest purchase",
	"days_since":       "Days without buying",
	"currency":         "Currency",
	"total_spent":      "Total spent",
	"avg_ticket":       "Average ticket",
	"other_currencies": "Spent in other currencies",
	"rfm_recency":      "RFM recency",
	"rfm_frequency":    "RFM frequency",
	"channel":          "Channel",
	"account":          "Account",
	"order_id":         "Order",
	"pack_id":          "Cart",
	"ordered_at":       "Ordered at",
	"status":           "Status",
	"order_total":      "Order total",
	"items_total":      "Items total",
	"shipping":         "Shipping",
	"discount":         "Discount",
	"payment_method":   "Payment method",
	"installments":     "Installments",
	"customer":         "Customer",
	"buyer_name":       "Name on the order",
	"seg_new":          "new",
	"seg_recurring":    "recurring",
	"seg_inactive":     "inactive",
	"seg_no_purchase":  "no purchase",
	"status_pending":   "pending",
	"status_paid":      "paid",
	"status_shipped":   "shipped",
	"status_delivered": "delivered",
	"status_cancelled": "cancelled",
	"status_returned":  "returned",
	"status_unknown":   "unknown",
}

package report

import (
	"fmt"
	"strings"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"

	"github.com/orderhist/orderhist/history"
)

// Languages the page is written in; the first is the default.
var Languages = []string{"pt-BR", "en"}

// ParseLang accepts a --lang value.
func ParseLang(s string) (string, error) {
	for _, l := range Languages {
		if strings.EqualFold(s, l) {
			return l, nil
		}
	}
	return "", fmt.Errorf("unknown language %q (known: %s)", s, strings.Join(Languages, ", "))
}

// locale formats numbers, money, dates and words in one language.
type locale struct {
	lang string
	p    *message.Printer
	msg  map[string]string
}

func newLocale(lang string) *locale {
	tag := language.BrazilianPortuguese
	msg := messagesPT
	if lang == "en" {
		tag, msg = language.AmericanEnglish, messagesEN
	}
	return &locale{lang: lang, p: message.NewPrinter(tag), msg: msg}
}

// T is the text of a message key; a missing key is a programming error the
// tests catch, shown as the key itself.
func (l *locale) T(key string) string {
	if s, ok := l.msg[key]; ok {
		return s
	}
	return key
}

// Tf formats a message with arguments.
func (l *locale) Tf(key string, args ...any) string { return l.p.Sprintf(l.T(key), args...) }

func (l *locale) Int(n int) string { return l.p.Sprint(number.Decimal(n)) }

func (l *locale) Percent(part, whole int) string {
	if whole == 0 {
		return "–"
	}
	return l.p.Sprint(number.Percent(float64(part)/float64(whole), number.Scale(1)))
}

// Money formats cents in a currency with its symbol ("R$ 1.234,56").
func (l *locale) Money(cur string, cents int64) string {
	u, err := currency.ParseISO(cur)
	if err != nil {
		code := cur
		if code == "" {
			code = l.T("no_currency")
		}
		return code + " " + l.p.Sprint(number.Decimal(float64(cents)/100, number.Scale(2)))
	}
	return l.p.Sprint(currency.Symbol(u.Amount(float64(cents) / 100)))
}

// MoneyList formats amounts in several currencies, never added together.
func (l *locale) MoneyList(list []history.Money) string {
	if len(list) == 0 {
		return "–"
	}
	parts := make([]string, len(list))
	for i, m := range list {
		parts[i] = l.Money(m.Currency, m.Cents)
	}
	return strings.Join(parts, " + ")
}

var monthNamesPT = [...]string{"jan", "fev", "mar", "abr", "mai", "jun", "jul", "ago", "set", "out", "nov", "dez"}
var monthNamesEN = [...]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// Month formats "2026-02" as "fev/26" or "Feb 26".
func (l *locale) Month(ym string) string {
	var y, m int
	if _, err := fmt.Sscanf(ym, "%d-%d", &y, &m); err != nil || m < 1 || m > 12 {
		return ym
	}
	if l.lang == "en" {
		return fmt.Sprintf("%s %02d", monthNamesEN[m-1], y%100)
	}
	return fmt.Sprintf("%s/%02d", monthNamesPT[m-1], y%100)
}

// Date formats a day the way the language writes it.
func (l *locale) Date(t interface{ Format(string) string }) string {
	if l.lang == "en" {
		return t.Format("2006-01-02")
	}
	return t.Format("02/01/2006")
}

func (l *locale) Segment(s history.Segment) string { return l.T("seg_" + string(s)) }

func (l *locale) Channel(s string) string {
	if name, ok := channelNames[s]; ok {
		return name
	}
	return s
}

var channelNames = map[string]string{
	"mercadolivre": "Mercado Livre",
	"shopee":       "Shopee",
	"tiktok":       "TikTok Shop",
	"amazon":       "Amazon",
	"shopify":      "Shopify",
	"csv":          "CSV",
}

var messagesPT = map[string]string{
	"title":              "Relatório de clientes",
	"subtitle":           "Situação em %s · fuso horário %s · gerado pelo orderhist",
	"no_currency":        "sem moeda",
	"kpi_customers":      "clientes",
	"kpi_buyers":         "com compra",
	"kpi_orders":         "pedidos",
	"kpi_revenue":        "faturamento",
	"nav_sales":          "Vendas",
	"nav_customers":      "Novos e recorrentes",
	"nav_segments":       "Segmentos e RFM",
	"nav_top":            "Melhores clientes",
	"nav_cross":          "Vários canais",
	"nav_winback":        "Reconquistar",
	"nav_products":       "Produtos",
	"nav_notes":          "Definições",
	"sales_title":        "Vendas por mês e canal",
	"sales_intro":        "Pedidos não cancelados, pelo mês da compra no fuso %s. Valores em moedas diferentes nunca são somados.",
	"chart_revenue":      "Faturamento por mês (%s)",
	"chart_orders":       "Pedidos por mês",
	"chart_ticket":       "Ticket médio por mês (%s)",
	"sales_table":        "Tabela mês a mês",
	"col_month":          "Mês",
	"col_channel":        "Canal",
	"col_orders":         "Pedidos",
	"col_revenue":        "Faturamento",
	"col_ticket":         "Ticket médio",
	"col_cancelled":      "Cancelados",
	"cust_title":         "Clientes novos e recorrentes por mês",
	"cust_intro":         "Quem comprou no mês: pela primeira vez (novo) ou de novo (recorrente). Um cliente conta uma vez por mês.",
	"series_new":         "Novos",
	"series_returning":   "Recorrentes",
	"chart_customers":    "Clientes que compraram por mês",
	"cohort_title":       "Retenção por coorte",
	"cohort_intro":       "Cada linha é o mês da primeira compra; cada coluna, quantos meses depois. A célula mostra a parcela dos clientes da coorte que comprou naquele mês.",
	"cohort_rows":        "Mês da primeira compra",
	"cohort_cols":        "Meses depois da primeira compra",
	"col_cohort_size":    "Clientes",
	"seg_title":          "Segmentos",
	"seg_new":            "Novo",
	"seg_recurring":      "Recorrente",
	"seg_inactive":       "Inativo",
	"seg_no_purchase":    "Sem compra",
	"seg_def_new":        "Menos de %d compras, a última há menos de %d dias.",
	"seg_def_recurring":  "%d compras ou mais, a última há menos de %d dias.",
	"seg_def_inactive":   "Última compra há %d dias ou mais.",
	"seg_def_no":         "Todos os pedidos cancelados ou sem data.",
	"seg_def_purchase":   "Compra é um pedido não cancelado. Os dias contam até %s, no fuso %s. Mude as regras com --inactive-days e --recurring-orders.",
	"col_segment":        "Segmento",
	"col_definition":     "Definição",
	"col_customers":      "Clientes",
	"col_spend":          "Gasto total",
	"chart_segments":     "Clientes por segmento",
	"rfm_title":          "Grade RFM",
	"rfm_intro":          "Recência (dias desde a última compra) nas linhas, frequência (número de compras) nas colunas. Cada célula: clientes e quanto gastaram.",
	"rfm_recency":        "Recência",
	"rfm_frequency":      "Frequência",
	"rfm_frequency_axis": "Frequência (compras)",
	"chart_rfm":          "Clientes por célula RFM",
	"chart_rfm_spend":    "Gasto por célula RFM (%s)",
	"rfm_days_le":        "até %d dias",
	"rfm_days_gt":        "mais de %d dias",
	"rfm_orders_one":     "1 compra",
	"rfm_orders_n":       "%d compras",
	"rfm_orders_range":   "%d–%d compras",
	"rfm_orders_ge":      "%d+ compras",
	"top_title":          "Melhores clientes",
	"top_intro":          "Os %d clientes que mais gastaram em %s. Onde o marketplace escondeu o nome, aparece o usuário no marketplace.",
	"col_rank":           "#",
	"col_customer":       "Cliente",
	"col_user":           "Usuário no marketplace",
	"col_channels":       "Canais",
	"col_purchases":      "Compras",
	"col_last":           "Última compra",
	"col_days":           "Dias sem comprar",
	"cross_title":        "Clientes em mais de um canal",
	"cross_intro":        "%s clientes compraram em mais de um canal (mostrando até %d, por gasto).",
	"cross_none":         "Nenhum cliente comprou em mais de um canal.",
	"wb_title":           "Clientes para reconquistar",
	"wb_intro":           "%s clientes não compram há %d dias ou mais; juntos gastaram %s. Mostrando até %d, por gasto. A lista completa: orderhist export customers --segment inactive.",
	"wb_none":            "Nenhum cliente está há %d dias ou mais sem comprar.",
	"prod_title":         "O que os clientes compram",
	"prod_intro":         "Produtos (por SKU, ou anúncio, ou título) por unidades vendidas em pedidos não cancelados.",
	"prod_overall":       "Todos os clientes",
	"chart_products":     "Produtos mais vendidos (unidades)",
	"col_product":        "Produto",
	"col_units":          "Unidades",
	"col_buyers":         "Clientes",
	"prod_none":          "Nenhum produto neste segmento.",
	"prod_no_category":   "Nenhuma exportação importada traz a categoria dos produtos (só a do TikTok Shop e planilhas com uma coluna de categoria a trazem), por isso o relatório agrupa por produto.",
	"cat_intro":          "As categorias são as que o canal dá (só o TikTok Shop e planilhas com uma coluna de categoria as trazem); as vendas sem categoria ficam fora delas.",
	"cat_title":          "Categorias",
	"chart_categories":   "Categorias mais vendidas (unidades)",
	"col_category":       "Categoria",
	"cat_none":           "Nenhuma categoria neste segmento.",
	"notes_title":        "Definições e observações",
	"note_undated":       "%s pedidos sem data ficaram fora dos gráficos mensais.",
	"note_later":         "%s pedidos feitos depois de %s ficaram fora do relatório.",
	"note_revenue":       "Faturamento é a soma do total dos pedidos não cancelados (frete incluído, como o marketplace informa). Ticket médio = faturamento ÷ pedidos com total conhecido.",
	"note_readonly":      "Este relatório só lê o conjunto de dados; não altera nada.",
	"empty":              "O conjunto de dados ainda não tem pedidos.",
}

var messagesEN = map[string]string{
	"title":              "Customer report",
	"subtitle":           "As of %s · time zone %s · made by orderhist",
	"no_currency":        "no currency",
	"kpi_customers":      "customers",
	"kpi_buyers":         "with a purchase",
	"kpi_orders":         "orders",
	"kpi_revenue":        "revenue",
	"nav_sales":          "Sales",
	"nav_customers":      "New and returning",
	"nav_segments":       "Segments and RFM",
	"nav_top":            "Top customers",
	"nav_cross":          "Several channels",
	"nav_winback":        "Win back",
	"nav_products":       "Products",
	"nav_notes":          "Definitions",
	"sales_title":        "Sales by month and channel",
	"sales_intro":        "Orders that were not cancelled, by month of purchase in the %s time zone. Amounts in different currencies are never added together.",
	"chart_revenue":      "Revenue per month (%s)",
	"chart_orders":       "Orders per month",
	"chart_ticket":       "Average ticket per month (%s)",
	"sales_table":        "Month by month",
	"col_month":          "Month",
	"col_channel":        "Channel",
	"col_orders":         "Orders",
	"col_revenue":        "Revenue",
	"col_ticket":         "Average ticket",
	"col_cancelled":      "Cancelled",
	"cust_title":         "New and returning customers per month",
	"cust_intro":         "Who bought in the month: for the first time (new) or again (returning). A customer counts once a month.",
	"series_new":         "New",
	"series_returning":   "Returning",
	"chart_customers":    "Customers who bought, per month",
	"cohort_title":       "Cohort retention",
	"cohort_intro":       "Each row is the month of the first purchase; each column, how many months later. A cell shows the share of the cohort that bought in that month.",
	"cohort_rows":        "Month of first purchase",
	"cohort_cols":        "Months after the first purchase",
	"col_cohort_size":    "Customers",
	"seg_title":          "Segments",
	"seg_new":            "New",
	"seg_recurring":      "Recurring",
	"seg_inactive":       "Inactive",
	"seg_no_purchase":    "No purchase",
	"seg_def_new":        "Fewer than %d purchases, the latest less than %d days ago.",
	"seg_def_recurring":  "%d purchases or more, the latest less than %d days ago.",
	"seg_def_inactive":   "Latest purchase %d days ago or more.",
	"seg_def_no":         "Every order cancelled or without a date.",
	"seg_def_purchase":   "A purchase is an order that was not cancelled. Days are counted up to %s in the %s time zone. Change the rules with --inactive-days and --recurring-orders.",
	"col_segment":        "Segment",
	"col_definition":     "Definition",
	"col_customers":      "Customers",
	"col_spend":          "Total spent",
	"chart_segments":     "Customers per segment",
	"rfm_title":          "RFM grid",
	"rfm_intro":          "Recency (days since the latest purchase) in rows, frequency (number of purchases) in columns. Each cell: customers and what they spent.",
	"rfm_recency":        "Recency",
	"rfm_frequency":      "Frequency",
	"rfm_frequency_axis": "Frequency (purchases)",
	"chart_rfm":          "Customers per RFM cell",
	"chart_rfm_spend":    "Spend per RFM cell (%s)",
	"rfm_days_le":        "up to %d days",
	"rfm_days_gt":        "over %d days",
	"rfm_orders_one":     "1 purchase",
	"rfm_orders_n":       "%d purchases",
	"rfm_orders_range":   "%d–%d purchases",
	"rfm_orders_ge":      "%d+ purchases",
	"top_title":          "Top customers",
	"top_intro":          "The %d customers who spent the most in %s. Where the marketplace hid the name, the marketplace username is shown.",
	"col_rank":           "#",
	"col_customer":       "Customer",
	"col_user":           "Marketplace username",
	"col_channels":       "Channels",
	"col_purchases":      "Purchases",
	"col_last":           "Latest purchase",
	"col_days":           "Days without buying",
	"cross_title":        "Customers on more than one channel",
	"cross_intro":        "%s customers bought on more than one channel (showing up to %d, by spend).",
	"cross_none":         "No customer bought on more than one channel.",
	"wb_title":           "Customers to win back",
	"wb_intro":           "%s customers have not bought for %d days or more; together they spent %s. Showing up to %d, by spend. The full list: orderhist export customers --segment inactive.",
	"wb_none":            "No customer has gone %d days or more without buying.",
	"prod_title":         "What customers buy",
	"prod_intro":         "Products (by SKU, else listing, else title) by units sold in orders that were not cancelled.",
	"prod_overall":       "All customers",
	"chart_products":     "Best-selling products (units)",
	"col_product":        "Product",
	"col_units":          "Units",
	"col_buyers":         "Customers",
	"prod_none":          "No product in this segment.",
	"prod_no_category":   "No imported export carries product categories (only TikTok Shop's and sheets with a category column do), so the report groups by product.",
	"cat_intro":          "Categories are the ones the channel gives (only TikTok Shop and sheets with a category column carry them); sales without one are left out of them.",
	"cat_title":          "Categories",
	"chart_categories":   "Best-selling categories (units)",
	"col_category":       "Category",
	"cat_none":           "No category in this segment.",
	"notes_title":        "Definitions and notes",
	"note_undated":       "%s orders without a date are left out of the monthly charts.",
	"note_later":         "%s orders placed after %s are left out of the report.",
	"note_revenue":       "Revenue is the sum of order totals of orders that were not cancelled (shipping included, as the marketplace reports it). Average ticket = revenue ÷ orders with a known total.",
	"note_readonly":      "This report only reads the dataset; it changes nothing.",
	"empty":              "The dataset has no orders yet.",
}

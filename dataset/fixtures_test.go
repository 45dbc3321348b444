package dataset

import (
	"fmt"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

var (
	fixIngested = time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	brt         = time.FixedZone("BRT", -3*3600)
)

func ptr[T any](v T) *T { return &v }

// fixtureOrders covers the shapes that matter for the files: all fields set,
// almost nothing set, ids longer than an int64, negative and zero money,
// non-UTC input times, sub-microsecond precision and non-ASCII text.
func fixtureOrders() []normalize.Order {
	return []normalize.Order{
		{
			Source: "mercadolivre", Account: "main", OrderID: "2000008123456789012", PackID: "2000004567890123",
			OrderedAt: time.Date(2026, 2, 14, 21, 30, 5, 123456789, brt),
			UpdatedAt: time.Date(2026, 2, 16, 9, 0, 0, 0, time.UTC),
			Status:    normalize.StatusDelivered, StatusRaw: "delivered", Currency: "BRL",
			ItemsTotal: normalize.Cents(123456), Shipping: normalize.Cents(0), Discount: normalize.Cents(-1326),
			Fees: normalize.Cents(18518), OrderTotal: normalize.Cents(122130), NetTotal: normalize.Cents(103612),
			PaymentMethod: "credit_card", Installments: 3,
			Buyer: normalize.Buyer{Ref: "JOAOCONCEICAO", Name: "João da Conceição", Document: "12345678909",
				DocumentType: normalize.DocCPF, Email: "joao@example.com.br", Phone: "+5511987654321"},
			Ship:       normalize.Address{City: "São Paulo", State: "SP", PostalCode: "01310100", Country: "BR"},
			SourceFile: "vendas_2026-02.xlsx", SourceRow: 7,
			Lines: []normalize.Line{
				{LineNo: 1, SKU: "CAM-001-P", ListingID: "MLB1234567890", Title: "Camiseta \"básica\"", Variation: "P / Azul", Category: "Roupas",
					Quantity: 2, UnitPrice: normalize.Cents(4990), LineTotal: normalize.Cents(9980)},
				{LineNo: 2, SKU: "CAL-7", ListingID: "MLB9876543210", Title: "Calça jeans", Quantity: 1,
					UnitPrice: normalize.Cents(113476), LineTotal: normalize.Cents(113476), Status: normalize.StatusReturned},
			},
		},
		{
			Source: "shopee", Account: "loja2", OrderID: "240301ABCDEF",
			OrderedAt: time.Date(2026, 3, 1, 0, 15, 0, 0, time.UTC),
			// Everything else unknown: must come out as nulls, not "" or 0.
			Lines: []normalize.Line{{Title: "Kit 3 meias", Quantity: 0}},
		},
		{
			Source: "amazon", Account: "main", OrderID: "702-1234567-1234567",
			Status: normalize.StatusCancelled, StatusRaw: "Canceled", Currency: "BRL",
			OrderTotal: normalize.Cents(99999999999999999), Installments: 1,
			Buyer:      normalize.Buyer{Name: "ACME Comércio LTDA", Document: "12ABC34501DE35", DocumentType: normalize.DocCNPJ},
			Ship:       normalize.Address{City: "Porto Alegre", State: "RS", Country: "BR"},
			SourceFile: "amazon-orders.csv", SourceRow: 1048576,
		},
	}
}

func fixtureOrderRows() ([]OrderRow, []ItemRow) {
	var orders []OrderRow
	var items []ItemRow
	for i, o := range fixtureOrders() {
		r, its := OrderRows(&o, fmt.Sprintf("c_%04d", i+1), fixIngested.In(brt))
		orders = append(orders, r)
		items = append(items, its...)
	}
	return orders, items
}

func fixtureCustomers() []CustomerRow {
	return []CustomerRow{
		{
			CustomerID: "c_0001", Name: "João da Conceição", Document: "12345678909", Email: "joao@example.com.br",
			Phone: "+5511987654321", City: "São Paulo", State: "SP", PostalCode: "01310100",
			FirstOrderAt: ptr(time.Date(2025, 11, 2, 13, 0, 0, 0, time.UTC)),
			LastOrderAt:  ptr(time.Date(2026, 2, 15, 0, 30, 5, 123456000, time.UTC)),
			OrdersCount:  3, ItemsCount: 5, TotalSpent: 250000, AvgTicket: ptr(int64(83333)),
			AvgDaysBetweenOrders: ptr(52.25), Channels: []string{"mercadolivre", "shopee"},
			CancelledCount: 0, ReturnedCount: 1, Segment: "recurring", RFMRecency: 5, RFMFrequency: 4, RFMMonetary: 5,
			Usernames: []string{"123456789", "joao.conceicao"}, Currency: "BRL",
		},
		{
			CustomerID: "c_0002", OrdersCount: 1, ItemsCount: 0, TotalSpent: 0,
			Channels: []string{}, Segment: "new", RFMRecency: 5, RFMFrequency: 1, RFMMonetary: 1,
		},
		{
			CustomerID: "c_0003", Name: "ACME Comércio LTDA", Document: "12ABC34501DE35", City: "Porto Alegre", State: "RS",
			OrdersCount: 1, CancelledCount: 1, TotalSpent: 0, Channels: []string{"amazon"}, Segment: "inactive",
			RFMRecency: 1, RFMFrequency: 1, RFMMonetary: 1,
		},
	}
}

func fixtureIdentities() []IdentityRow {
	return []IdentityRow{
		{CustomerID: "c_0001", Kind: "cpf", Value: "12345678909", Source: "mercadolivre",
			FirstSeenAt: ptr(time.Date(2025, 11, 2, 13, 0, 0, 0, time.UTC)), LastSeenAt: ptr(time.Date(2026, 2, 15, 0, 30, 5, 0, time.UTC)), OrdersCount: 2, Evidence: "strong"},
		{CustomerID: "c_0001", Kind: "email", Value: "joao@example.com.br", Source: "shopee", OrdersCount: 1, Evidence: "strong"},
		{CustomerID: "c_0003", Kind: "cnpj", Value: "12ABC34501DE35", Source: "amazon",
			FirstSeenAt: ptr(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)), LastSeenAt: ptr(time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)), OrdersCount: 1},
	}
}

func fixtureMerges() []MergeRow {
	return []MergeRow{
		{MergedID: "c_0009", CustomerID: "c_0001", MergedAt: time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC), Reason: "same cpf"},
		{MergedID: "c_0010", CustomerID: "c_0001", MergedAt: time.Date(2026, 3, 1, 6, 0, 0, 0, brt), Reason: "same email"},
	}
}

func fixtureRejects() []RejectRow {
	return []RejectRow{
		{Source: "mercadolivre", SourceFile: "vendas_2026-02.xlsx", SourceRow: 12, Column: "Total (BRL)", Value: "1.234,5x",
			Reason: `"1.234,5x" is not an amount like 1.234,56`, RunID: "20260301T060000Z", Sheet: "Vendas BR", Effect: EffectRowSkipped},
		{Source: "shopee", SourceFile: "Order.all.20260301.xlsx", SourceRow: 3, Column: "CPF", Value: "111.111.111-11",
			Reason: "CPF check digits do not match", RunID: "20260301T060000Z", Effect: EffectValueDropped},
		{Source: "mercadolivre", Reason: "order has no id", RunID: "20260301T060000Z", Effect: EffectRowSkipped},
	}
}

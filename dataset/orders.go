package dataset

import (
	"strings"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// This file is the one place that maps a canonical order to its rows and
// back, and that says which month partition an order belongs to.

// OrderRows converts a canonical order into its orders row and its
// order_items rows. Unknown values (empty strings, zero times, invalid
// amounts) become nulls. An empty status becomes "unknown", the contract's
// word for a status that could not be read; a line without its own status
// takes the order's.
func OrderRows(o *normalize.Order, customerID string, ingestedAt time.Time) (OrderRow, []ItemRow) {
	return AppendOrderRows(nil, o, customerID, ingestedAt)
}

// orderScalars holds what the optional numbers and times of one order's
// rows point to. One allocation per order, and one for its lines' prices,
// replace one per value: the write pass converts millions of orders.
type orderScalars struct {
	amounts            [6]int64
	orderedAt, updated time.Time
}

// AppendOrderRows is OrderRows appending the order's lines to items, so that
// a caller converting many orders reuses one slice for their lines.
func AppendOrderRows(items []ItemRow, o *normalize.Order, customerID string, ingestedAt time.Time) (OrderRow, []ItemRow) {
	status := string(o.Status)
	if status == "" {
		status = string(normalize.StatusUnknown)
	}
	sc := new(orderScalars)
	orderedAt := setTime(&sc.orderedAt, o.OrderedAt)
	row := OrderRow{
		Source:            o.Source,
		Account:           o.Account,
		OrderID:           o.OrderID,
		PackID:            o.PackID,
		CustomerID:        customerID,
		OrderedAt:         orderedAt,
		UpdatedAt:         setTime(&sc.updated, o.UpdatedAt),
		Status:            status,
		StatusRaw:         o.StatusRaw,
		Currency:          o.Currency,
		ItemsTotal:        setAmount(&sc.amounts[0], o.ItemsTotal),
		Shipping:          setAmount(&sc.amounts[1], o.Shipping),
		Discount:          setAmount(&sc.amounts[2], o.Discount),
		Fees:              setAmount(&sc.amounts[3], o.Fees),
		OrderTotal:        setAmount(&sc.amounts[4], o.OrderTotal),
		NetTotal:          setAmount(&sc.amounts[5], o.NetTotal),
		PaymentMethod:     o.PaymentMethod,
		Installments:      o.Installments,
		BuyerRef:          o.Buyer.Ref,
		BuyerName:         o.Buyer.Name,
		BuyerDocument:     o.Buyer.Document,
		BuyerDocumentType: string(o.Buyer.DocumentType),
		BuyerEmail:        o.Buyer.Email,
		BuyerPhone:        o.Buyer.Phone,
		ShipCity:          o.Ship.City,
		ShipState:         o.Ship.State,
		ShipPostalCode:    o.Ship.PostalCode,
		ShipCountry:       o.Ship.Country,
		SourceFile:        o.SourceFile,
		SourceRow:         int64(o.SourceRow),
		IngestedAt:        ingestedAt.UTC(),
		RecipientName:     o.Ship.RecipientName,
		RecipientPhone:    o.Ship.RecipientPhone,
		ShipStreet:        o.Ship.Street,
		ShipNumber:        o.Ship.Number,
		ShipNeighborhood:  o.Ship.Neighborhood,
	}
	if len(o.Lines) == 0 {
		return row, items
	}
	prices := make([]int64, 2*len(o.Lines))
	for i := range o.Lines {
		l := &o.Lines[i]
		lineNo := int32(l.LineNo)
		if lineNo <= 0 {
			lineNo = int32(i + 1)
		}
		lineStatus := string(l.Status)
		if lineStatus == "" {
			lineStatus = status
		}
		items = append(items, ItemRow{
			Source:     o.Source,
			Account:    o.Account,
			OrderID:    o.OrderID,
			LineNo:     lineNo,
			CustomerID: customerID,
			OrderedAt:  orderedAt,
			SKU:        l.SKU,
			ListingID:  l.ListingID,
			Title:      l.Title,
			Variation:  l.Variation,
			Quantity:   l.Quantity,
			UnitPrice:  setAmount(&prices[2*i], l.UnitPrice),
			LineTotal:  setAmount(&prices[2*i+1], l.LineTotal),
			Status:     lineStatus,
			Category:   l.Category,
		})
	}
	return row, items
}

// HiveNullPartition is the folder value Hive, Spark and DuckDB read as a null
// partition key.
const HiveNullPartition = "__HIVE_DEFAULT_PARTITION__"

// Month is the month an order placed at t belongs to, e.g. "2026-02" (in
// UTC, like ordered_at). An unknown time goes to the Hive null partition
// rather than to a made-up month.
func Month(t time.Time) string {
	if t.IsZero() {
		return HiveNullPartition
	}
	return t.UTC().Format("2006-01")
}

// MonthPartition is the partition of the orders and order_items of a month
// (see Month), e.g. "ordered_month=2026-02".
func MonthPartition(month string) string { return PartitionOrderedMonth + "=" + month }

// PartitionMonth is the month of a partition (see MonthPartition); false
// for anything else.
func PartitionMonth(partition string) (string, bool) {
	m, ok := strings.CutPrefix(partition, PartitionOrderedMonth+"=")
	if !ok || m == "" {
		return "", false
	}
	return m, true
}

// OrderedMonth returns the partition of an order placed at t, e.g.
// "ordered_month=2026-02".
func OrderedMonth(t time.Time) string { return MonthPartition(Month(t)) }

// OrderFromRow turns an orders row back into a canonical order, without
// its lines (see LineFromRow). Nulls become unknown values: a null amount
// stays unknown, never R$ 0,00.
func OrderFromRow(row *OrderRow) normalize.Order {
	return normalize.Order{
		Source: row.Source, Account: row.Account, OrderID: row.OrderID, PackID: row.PackID,
		OrderedAt: timeVal(row.OrderedAt), UpdatedAt: timeVal(row.UpdatedAt),
		Status: normalize.Status(row.Status), StatusRaw: row.StatusRaw, Currency: row.Currency,
		ItemsTotal: amountVal(row.ItemsTotal), Shipping: amountVal(row.Shipping), Discount: amountVal(row.Discount),
		Fees: amountVal(row.Fees), OrderTotal: amountVal(row.OrderTotal), NetTotal: amountVal(row.NetTotal),
		PaymentMethod: row.PaymentMethod, Installments: row.Installments,
		Buyer: normalize.Buyer{
			Ref: row.BuyerRef, Name: row.BuyerName, Document: row.BuyerDocument,
			DocumentType: normalize.DocType(row.BuyerDocumentType), Email: row.BuyerEmail,
			EmailKind: emailKindOf(row.BuyerEmail), Phone: row.BuyerPhone,
		},
		Ship: normalize.Address{
			RecipientName: row.RecipientName, RecipientPhone: row.RecipientPhone,
			Street: row.ShipStreet, Number: row.ShipNumber, Neighborhood: row.ShipNeighborhood,
			City: row.ShipCity, State: row.ShipState, PostalCode: row.ShipPostalCode, Country: row.ShipCountry,
		},
		SourceFile: row.SourceFile, SourceRow: int(row.SourceRow),
	}
}

// LineFromRow turns an order_items row back into an order line.
func LineFromRow(it *ItemRow) normalize.Line {
	return normalize.Line{
		LineNo: int(it.LineNo), SKU: it.SKU, ListingID: it.ListingID, Title: it.Title, Variation: it.Variation,
		Quantity: it.Quantity, UnitPrice: amountVal(it.UnitPrice), LineTotal: amountVal(it.LineTotal),
		Status: normalize.Status(it.Status), Category: it.Category,
	}
}

// ItemOrderKey is the key (normalize.Order.Key) of an order_items row's
// order.
func ItemOrderKey(it *ItemRow) string {
	return it.Source + "\x00" + it.Account + "\x00" + it.OrderID
}

// RowOrderKey is the key (normalize.Order.Key) of an orders row's order.
func RowOrderKey(row *OrderRow) string {
	return row.Source + "\x00" + row.Account + "\x00" + row.OrderID
}

// emailKindOf recovers what the dataset does not store: whether an address
// is the buyer's own or a marketplace relay.
func emailKindOf(addr string) normalize.EmailKind {
	if addr == "" {
		return normalize.EmailNone
	}
	_, kind, err := normalize.ParseEmail(addr)
	if err != nil {
		return normalize.EmailNone
	}
	return kind
}

// TimeVal is a nullable time column's value, the zero time for null.
func TimeVal(t *time.Time) time.Time { return timeVal(t) }

func timeVal(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// TimePtr is the nullable column value of t: nil for the zero time.
func TimePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

func amountVal(c *int64) normalize.Amount {
	if c == nil {
		return normalize.Amount{}
	}
	return normalize.Cents(*c)
}

// setTime stores t in UTC at dst and returns dst, or nil for the zero time.
func setTime(dst *time.Time, t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	*dst = t.UTC()
	return dst
}

// setAmount stores a's cents at dst and returns dst, or nil when a is
// unknown.
func setAmount(dst *int64, a normalize.Amount) *int64 {
	if !a.Valid {
		return nil
	}
	*dst = a.Cents
	return dst
}

package output

import (
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// Row types, one per table. Field order is column order, and both follow the
// dataset contract; schema.go derives the published schema from these tags.
//
// Nullability conventions:
//   - optional strings are plain strings tagged "optional": parquet-go writes
//     "" as null, which is what the contract asks for, without a pointer per
//     value;
//   - optional integers where 0 cannot be a real value (installments,
//     quantity, source_row) use the same zero-is-null rule;
//   - money uses *int64 when optional, because 0,00 is a real amount;
//   - optional timestamps use *time.Time, because the zero time must never be
//     written as year 1.
//
// Every file is zstd-compressed (set on the writer); "dict" marks columns
// whose values repeat across rows, where dictionary encoding shrinks pages.

// OrderRow is one row of the orders table. The ordered_month column is not
// stored in the files: it is the Hive partition folder, and readers with
// hive_partitioning (DuckDB, Spark, BigQuery external tables) add it from the
// path.
type OrderRow struct {
	Source            string     `parquet:"source,dict"`
	Account           string     `parquet:"account,dict"`
	OrderID           string     `parquet:"order_id"`
	PackID            string     `parquet:"pack_id,optional"`
	CustomerID        string     `parquet:"customer_id"`
	OrderedAt         *time.Time `parquet:"ordered_at,optional,timestamp(microsecond)"`
	UpdatedAt         *time.Time `parquet:"updated_at,optional,timestamp(microsecond)"`
	Status            string     `parquet:"status,dict"`
	StatusRaw         string     `parquet:"status_raw,optional,dict"`
	Currency          string     `parquet:"currency,optional,dict"`
	ItemsTotal        *int64     `parquet:"items_total,optional,decimal(2:18)"`
	Shipping          *int64     `parquet:"shipping,optional,decimal(2:18)"`
	Discount          *int64     `parquet:"discount,optional,decimal(2:18)"`
	Fees              *int64     `parquet:"fees,optional,decimal(2:18)"`
	OrderTotal        *int64     `parquet:"order_total,optional,decimal(2:18)"`
	NetTotal          *int64     `parquet:"net_total,optional,decimal(2:18)"`
	PaymentMethod     string     `parquet:"payment_method,optional,dict"`
	Installments      int32      `parquet:"installments,optional"`
	BuyerRef          string     `parquet:"buyer_ref,optional"`
	BuyerName         string     `parquet:"buyer_name,optional"`
	BuyerDocument     string     `parquet:"buyer_document,optional"`
	BuyerDocumentType string     `parquet:"buyer_document_type,optional,dict"`
	BuyerEmail        string     `parquet:"buyer_email,optional"`
	BuyerPhone        string     `parquet:"buyer_phone,optional"`
	ShipCity          string     `parquet:"ship_city,optional,dict"`
	ShipState         string     `parquet:"ship_state,optional,dict"`
	ShipPostalCode    string     `parquet:"ship_postal_code,optional"`
	ShipCountry       string     `parquet:"ship_country,optional,dict"`
	SourceFile        string     `parquet:"source_file,optional,dict"`
	SourceRow         int64      `parquet:"source_row,optional"`
	IngestedAt        time.Time  `parquet:"ingested_at,timestamp(microsecond)"`
	// Columns beyond the contract, after it so positional readers are not
	// disturbed: the delivery details identity resolution weighs (a gift's
	// recipient is not its buyer) and that a later run needs to merge an
	// order seen again without losing what it knew.
	RecipientName    string `parquet:"recipient_name,optional"`
	RecipientPhone   string `parquet:"recipient_phone,optional"`
	ShipStreet       string `parquet:"ship_street,optional"`
	ShipNumber       string `parquet:"ship_number,optional"`
	ShipNeighborhood string `parquet:"ship_neighborhood,optional"`
}

// ItemRow is one row of the order_items table, partitioned like orders.
type ItemRow struct {
	Source     string     `parquet:"source,dict"`
	Account    string     `parquet:"account,dict"`
	OrderID    string     `parquet:"order_id"`
	LineNo     int32      `parquet:"line_no"`
	CustomerID string     `parquet:"customer_id"`
	OrderedAt  *time.Time `parquet:"ordered_at,optional,timestamp(microsecond)"`
	SKU        string     `parquet:"sku,optional"`
	ListingID  string     `parquet:"listing_id,optional"`
	Title      string     `parquet:"title,optional"`
	Variation  string     `parquet:"variation,optional"`
	Quantity   int32      `parquet:"quantity,optional"`
	UnitPrice  *int64     `parquet:"unit_price,optional,decimal(2:18)"`
	LineTotal  *int64     `parquet:"line_total,optional,decimal(2:18)"`
	Status     string     `parquet:"status,dict"`
}

// CustomerRow is one row of the customers table.
//
// avg_days_between_orders is a DOUBLE, not a decimal: it is a mean of day
// gaps, a statistic with no exact value to preserve, and null for customers
// with a single order. Money stays DECIMAL(18,2).
type CustomerRow struct {
	CustomerID           string     `parquet:"customer_id"`
	Name                 string     `parquet:"name,optional"`
	Document             string     `parquet:"document,optional"`
	Email                string     `parquet:"email,optional"`
	Phone                string     `parquet:"phone,optional"`
	City                 string     `parquet:"city,optional,dict"`
	State                string     `parquet:"state,optional,dict"`
	PostalCode           string     `parquet:"postal_code,optional"`
	FirstOrderAt         *time.Time `parquet:"first_order_at,optional,timestamp(microsecond)"`
	LastOrderAt          *time.Time `parquet:"last_order_at,optional,timestamp(microsecond)"`
	OrdersCount          int32      `parquet:"orders_count"`
	ItemsCount           int32      `parquet:"items_count"`
	TotalSpent           int64      `parquet:"total_spent,decimal(2:18)"`
	AvgTicket            *int64     `parquet:"avg_ticket,optional,decimal(2:18)"`
	AvgDaysBetweenOrders *float64   `parquet:"avg_days_between_orders,optional"`
	Channels             []string   `parquet:"channels,list" parquet-element:",dict"`
	CancelledCount       int32      `parquet:"cancelled_count"`
	ReturnedCount        int32      `parquet:"returned_count"`
	Segment              string     `parquet:"segment,dict"`
	RFMRecency           int32      `parquet:"rfm_recency"`
	RFMFrequency         int32      `parquet:"rfm_frequency"`
	RFMMonetary          int32      `parquet:"rfm_monetary"`
}

// IdentityRow is one row of the identities table.
type IdentityRow struct {
	CustomerID  string     `parquet:"customer_id"`
	Kind        string     `parquet:"kind,dict"`
	Value       string     `parquet:"value"`
	Source      string     `parquet:"source,dict"`
	FirstSeenAt *time.Time `parquet:"first_seen_at,optional,timestamp(microsecond)"`
	LastSeenAt  *time.Time `parquet:"last_seen_at,optional,timestamp(microsecond)"`
	OrdersCount int32      `parquet:"orders_count"`
}

// MergeRow is one row of the customer_merges table.
type MergeRow struct {
	MergedID   string    `parquet:"merged_id"`
	CustomerID string    `parquet:"customer_id"`
	MergedAt   time.Time `parquet:"merged_at,timestamp(microsecond)"`
	Reason     string    `parquet:"reason,dict"`
}

// Reject effects: whether the whole source row was left out, or the row was
// kept with one value set to null.
const (
	EffectRowSkipped   = "row_skipped"
	EffectValueDropped = "value_dropped"
)

// RejectRow is one row of the rejects table. Sheet and Effect extend the
// contract's columns, after them, so positional readers are not disturbed.
type RejectRow struct {
	Source     string `parquet:"source,dict"`
	SourceFile string `parquet:"source_file,optional,dict"`
	SourceRow  int64  `parquet:"source_row,optional"`
	Column     string `parquet:"column,optional,dict"`
	Value      string `parquet:"value,optional"`
	Reason     string `parquet:"reason"`
	RunID      string `parquet:"run_id,dict"`
	Sheet      string `parquet:"sheet,optional,dict"`
	Effect     string `parquet:"effect,dict"`
}

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
// replace one per value: the write pass converts millions of orders, and
// at 8.3M orders the separate allocations cost 5 s of CPU in OrderRows.
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
		})
	}
	return row, items
}

// HiveNullPartition is the folder value Hive, Spark and DuckDB read as a null
// partition key.
const HiveNullPartition = "__HIVE_DEFAULT_PARTITION__"

// OrderedMonth returns the partition of an order placed at t, e.g.
// "ordered_month=2026-02" (in UTC, like ordered_at). An unknown time goes to
// the Hive null partition rather than to a made-up month.
func OrderedMonth(t time.Time) string {
	if t.IsZero() {
		return "ordered_month=" + HiveNullPartition
	}
	return "ordered_month=" + t.UTC().Format("2006-01")
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

package dataset

import (
	"time"
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
	// Category comes after the contract's columns so positional readers
	// are not disturbed; datasets written before it read it as empty.
	Category string `parquet:"category,optional,dict"`
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
	// The columns below come after the contract's, so positional readers
	// are not disturbed; datasets written before them read them as empty.
	Usernames []string `parquet:"usernames,list"`
	Currency  string   `parquet:"currency,optional,dict"`
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
	// Evidence comes after the contract's columns so positional readers are
	// not disturbed; datasets written before it read it as empty.
	Evidence string `parquet:"evidence,optional,dict"`
}

// LinkRow is one row of the customer_links table: a link the resolver made
// on scored name and address evidence. The per-field comparison is a JSON
// array so the table stays flat and a change to the compared fields does
// not change the table's columns.
type LinkRow struct {
	CustomerID    string  `parquet:"customer_id"`
	OrderA        string  `parquet:"order_a"`
	OrderB        string  `parquet:"order_b"`
	Weight        float64 `parquet:"weight"`
	Probability   float64 `parquet:"probability"`
	NameFrequency float64 `parquet:"name_frequency"`
	Fields        string  `parquet:"fields"`
}

// LinkField is one element of LinkRow.Fields.
type LinkField struct {
	Field  string  `json:"field"`
	Level  string  `json:"level"`
	Weight float64 `json:"weight"`
	Agree  bool    `json:"agree"`
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

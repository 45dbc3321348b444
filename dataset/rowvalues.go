package dataset

import (
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
)

// rowAppender is implemented by the row types of the big tables (orders,
// order_items, identities), which turn themselves into Parquet values
// without reflection: Schema.Deconstruct allocates for every value, and
// those tables are where a run spends its allocation budget. The
// values follow the conventions in tables.go (an empty optional string, a
// zero optional integer and a nil pointer are null) and
// TestRowAppendersMatchDeconstruct holds them to Deconstruct's output value
// by value.
//
// The schemas are flat, so every field is one leaf column and the column
// index is the field's position, which is len(row) when its value is added.
type rowAppender interface {
	appendValues(row parquet.Row) parquet.Row
}

func (r *OrderRow) appendValues(row parquet.Row) parquet.Row {
	row = appendRequiredString(row, r.Source)
	row = appendRequiredString(row, r.Account)
	row = appendRequiredString(row, r.OrderID)
	row = appendOptionalString(row, r.PackID)
	row = appendRequiredString(row, r.CustomerID)
	row = appendOptionalTime(row, r.OrderedAt)
	row = appendOptionalTime(row, r.UpdatedAt)
	row = appendRequiredString(row, r.Status)
	row = appendOptionalString(row, r.StatusRaw)
	row = appendOptionalString(row, r.Currency)
	row = appendOptionalInt64(row, r.ItemsTotal)
	row = appendOptionalInt64(row, r.Shipping)
	row = appendOptionalInt64(row, r.Discount)
	row = appendOptionalInt64(row, r.Fees)
	row = appendOptionalInt64(row, r.OrderTotal)
	row = appendOptionalInt64(row, r.NetTotal)
	row = appendOptionalString(row, r.PaymentMethod)
	row = appendNonZeroInt32(row, r.Installments)
	row = appendOptionalString(row, r.BuyerRef)
	row = appendOptionalString(row, r.BuyerName)
	row = appendOptionalString(row, r.BuyerDocument)
	row = appendOptionalString(row, r.BuyerDocumentType)
	row = appendOptionalString(row, r.BuyerEmail)
	row = appendOptionalString(row, r.BuyerPhone)
	row = appendOptionalString(row, r.ShipCity)
	row = appendOptionalString(row, r.ShipState)
	row = appendOptionalString(row, r.ShipPostalCode)
	row = appendOptionalString(row, r.ShipCountry)
	row = appendOptionalString(row, r.SourceFile)
	row = appendNonZeroInt64(row, r.SourceRow)
	row = append(row, parquet.Int64Value(r.IngestedAt.UnixMicro()).Level(0, 0, len(row)))
	row = appendOptionalString(row, r.RecipientName)
	row = appendOptionalString(row, r.RecipientPhone)
	row = appendOptionalString(row, r.ShipStreet)
	row = appendOptionalString(row, r.ShipNumber)
	row = appendOptionalString(row, r.ShipNeighborhood)
	return row
}

func (r *ItemRow) appendValues(row parquet.Row) parquet.Row {
	row = appendRequiredString(row, r.Source)
	row = appendRequiredString(row, r.Account)
	row = appendRequiredString(row, r.OrderID)
	row = append(row, parquet.Int32Value(r.LineNo).Level(0, 0, len(row)))
	row = appendRequiredString(row, r.CustomerID)
	row = appendOptionalTime(row, r.OrderedAt)
	row = appendOptionalString(row, r.SKU)
	row = appendOptionalString(row, r.ListingID)
	row = appendOptionalString(row, r.Title)
	row = appendOptionalString(row, r.Variation)
	row = appendNonZeroInt32(row, r.Quantity)
	row = appendOptionalInt64(row, r.UnitPrice)
	row = appendOptionalInt64(row, r.LineTotal)
	row = appendRequiredString(row, r.Status)
	row = appendOptionalString(row, r.Category)
	return row
}

// stringBytes views s as bytes without copying: the writer copies values
// into its column buffers before WriteRows returns, as Deconstruct relies on
// too.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func appendRequiredString(row parquet.Row, s string) parquet.Row {
	return append(row, parquet.ByteArrayValue(stringBytes(s)).Level(0, 0, len(row)))
}

func appendOptionalString(row parquet.Row, s string) parquet.Row {
	if s == "" {
		return appendNull(row)
	}
	return append(row, parquet.ByteArrayValue(stringBytes(s)).Level(0, 1, len(row)))
}

func appendOptionalTime(row parquet.Row, t *time.Time) parquet.Row {
	if t == nil {
		return appendNull(row)
	}
	return append(row, parquet.Int64Value(t.UnixMicro()).Level(0, 1, len(row)))
}

func appendOptionalInt64(row parquet.Row, v *int64) parquet.Row {
	if v == nil {
		return appendNull(row)
	}
	return append(row, parquet.Int64Value(*v).Level(0, 1, len(row)))
}

func appendNonZeroInt32(row parquet.Row, v int32) parquet.Row {
	if v == 0 {
		return appendNull(row)
	}
	return append(row, parquet.Int32Value(v).Level(0, 1, len(row)))
}

func appendNonZeroInt64(row parquet.Row, v int64) parquet.Row {
	if v == 0 {
		return appendNull(row)
	}
	return append(row, parquet.Int64Value(v).Level(0, 1, len(row)))
}

func appendNull(row parquet.Row) parquet.Row {
	return append(row, parquet.NullValue().Level(0, 0, len(row)))
}

func (r *IdentityRow) appendValues(row parquet.Row) parquet.Row {
	row = appendRequiredString(row, r.CustomerID)
	row = appendRequiredString(row, r.Kind)
	row = appendRequiredString(row, r.Value)
	row = appendRequiredString(row, r.Source)
	row = appendOptionalTime(row, r.FirstSeenAt)
	row = appendOptionalTime(row, r.LastSeenAt)
	row = append(row, parquet.Int32Value(r.OrdersCount).Level(0, 0, len(row)))
	row = appendOptionalString(row, r.Evidence)
	return row
}

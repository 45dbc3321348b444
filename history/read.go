package history

import (
	"context"
	"fmt"
	"time"

	"github.com/orderhist/orderhist/dataset"
)

// The row types below name only the columns this package uses; parquet-go
// then reads just those column chunks. Tags follow the dataset contract
// (orderhist schema).

// OrderRecord is one row of the orders table, with the columns a seller's
// spreadsheet shows.
type OrderRecord struct {
	Source         string     `parquet:"source"`
	Account        string     `parquet:"account"`
	OrderID        string     `parquet:"order_id"`
	PackID         string     `parquet:"pack_id,optional"`
	CustomerID     string     `parquet:"customer_id"`
	OrderedAt      *time.Time `parquet:"ordered_at,optional,timestamp(microsecond)"`
	Status         string     `parquet:"status"`
	Currency       string     `parquet:"currency,optional"`
	ItemsTotal     *int64     `parquet:"items_total,optional,decimal(2:18)"`
	Shipping       *int64     `parquet:"shipping,optional,decimal(2:18)"`
	Discount       *int64     `parquet:"discount,optional,decimal(2:18)"`
	OrderTotal     *int64     `parquet:"order_total,optional,decimal(2:18)"`
	PaymentMethod  string     `parquet:"payment_method,optional"`
	Installments   int32      `parquet:"installments,optional"`
	BuyerRef       string     `parquet:"buyer_ref,optional"`
	BuyerName      string     `parquet:"buyer_name,optional"`
	BuyerDocument  string     `parquet:"buyer_document,optional"`
	BuyerEmail     string     `parquet:"buyer_email,optional"`
	BuyerPhone     string     `parquet:"buyer_phone,optional"`
	ShipCity       string     `parquet:"ship_city,optional"`
	ShipState      string     `parquet:"ship_state,optional"`
	ShipPostalCode string     `parquet:"ship_postal_code,optional"`
}

// EachOrder calls fn with every order of the committed dataset, in the
// manifest's file order (month by month). fn must not keep the pointer.
func EachOrder(ctx context.Context, src Committed, fn func(*OrderRecord) error) error {
	return readTable(ctx, src, tableOrders, func(rows []OrderRecord) error {
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

type itemRow struct {
	Source     string     `parquet:"source"`
	Account    string     `parquet:"account"`
	OrderID    string     `parquet:"order_id"`
	CustomerID string     `parquet:"customer_id"`
	OrderedAt  *time.Time `parquet:"ordered_at,optional,timestamp(microsecond)"`
	SKU        string     `parquet:"sku,optional"`
	ListingID  string     `parquet:"listing_id,optional"`
	Title      string     `parquet:"title,optional"`
	Quantity   int32      `parquet:"quantity,optional"`
	LineTotal  *int64     `parquet:"line_total,optional,decimal(2:18)"`
	Status     string     `parquet:"status"`
	Category   string     `parquet:"category,optional"`
}

type customerRow struct {
	CustomerID string `parquet:"customer_id"`
	Name       string `parquet:"name,optional"`
	Document   string `parquet:"document,optional"`
	Email      string `parquet:"email,optional"`
	Phone      string `parquet:"phone,optional"`
	City       string `parquet:"city,optional"`
	State      string `parquet:"state,optional"`
}

type identityRow struct {
	CustomerID string `parquet:"customer_id"`
	Kind       string `parquet:"kind"`
	Value      string `parquet:"value"`
	Source     string `parquet:"source"`
}

const readBatch = 4096

// readTable calls fn with batches of a table's rows, file by file. fn must
// copy what it keeps: the batch is reused.
func readTable[T any](ctx context.Context, src Committed, table string, fn func([]T) error) error {
	buf := make([]T, readBatch)
	for _, f := range src.Files(table) {
		n, err := dataset.ReadFile(ctx, f.Path, buf, fn)
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
		if n != f.Rows {
			return fmt.Errorf("read %s: %d rows, the manifest says %d", f.Path, n, f.Rows)
		}
	}
	return nil
}

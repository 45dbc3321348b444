package cmd

import (
	"path/filepath"
	"time"

	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/normalize"
	"github.com/orderhist/orderhist/output"
)

// spoolExisting reads the dataset's orders and lines back into per-month
// spools, as the oldest sighting of each order, so a re-import merges with
// them instead of duplicating. Lines are joined to their orders one month at
// a time, so memory holds one month, never the whole dataset.
func (r *importRun) spoolExisting() (map[string]string, error) {
	// Rows are converted before spooling: a nil pointer and a zero amount differ,
	// would turn a real R$ 0,00 into a missing amount.
	orders := newMonthSpools[spooledOrder](r.spool, "prev-orders")
	err := output.ReadTable(r.ctx, r.ds, "orders", func(rows []output.OrderRow) error {
		for i := range rows {
			so := spooledOrder{Order: orderFromRow(&rows[i]), Rank: "0", IngestedAt: rows[i].IngestedAt, Prior: rows[i].CustomerID}
			if err := orders.Write(monthOf(rows[i].OrderedAt), &so); err != nil {
				return err
			}
		}
		return nil
	})
	orderPaths, cerr := orders.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	items := newMonthSpools[spooledLine](r.spool, "prev-items")
	err = output.ReadTable(r.ctx, r.ds, "order_items", func(rows []output.ItemRow) error {
		for i := range rows {
			it := &rows[i]
			sl := spooledLine{Key: it.Source + "\x00" + it.Account + "\x00" + it.OrderID, Line: lineFromRow(it)}
			if err := items.Write(monthOf(it.OrderedAt), &sl); err != nil {
				return err
			}
		}
		return nil
	})
	itemPaths, cerr := items.Close()
	if err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}

	out := map[string]string{}
	for month, op := range orderPaths {
		lines := map[string][]normalize.Line{}
		if ip, ok := itemPaths[month]; ok {
			err := readSpool(ip, func(sl *spooledLine) error {
				lines[sl.Key] = append(lines[sl.Key], sl.Line)
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
		p := filepath.Join(r.spool, "prev-"+month+".spool")
		w, err := createSpool[spooledOrder](p)
		if err != nil {
			return nil, err
		}
		err = readSpool(op, func(so *spooledOrder) error {
			so.Order.Lines = lines[so.Order.Key()]
			return w.Write(so)
		})
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		out[month] = p
		r.prevMonths[month] = true
	}
	return out, nil
}

// spooledLine is a line read back from the dataset, keyed by its order.
type spooledLine struct {
	Key  string
	Line normalize.Line
}

func monthOf(t *time.Time) string {
	if t == nil {
		return "unknown"
	}
	return t.UTC().Format("2006-01")
}

func orderFromRow(row *output.OrderRow) normalize.Order {
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

func lineFromRow(it *output.ItemRow) normalize.Line {
	return normalize.Line{
		LineNo: int(it.LineNo), SKU: it.SKU, ListingID: it.ListingID, Title: it.Title, Variation: it.Variation,
		Quantity: it.Quantity, UnitPrice: amountVal(it.UnitPrice), LineTotal: amountVal(it.LineTotal),
		Status: normalize.Status(it.Status),
	}
}

func timeVal(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

func amountVal(c *int64) normalize.Amount {
	if c == nil {
		return normalize.Amount{}
	}
	return normalize.Cents(*c)
}

// seedResolver hands the dataset's identities and merges to the resolver,
// so customers keep their ids.
func (r *importRun) seedResolver(res *dedupe.Resolver) error {
	err := output.ReadTable(r.ctx, r.ds, "identities", func(rows []output.IdentityRow) error {
		for _, row := range rows {
			res.Seed(dedupe.Identity{
				CustomerID: row.CustomerID, Kind: dedupe.Kind(row.Kind), Value: row.Value, Source: row.Source,
				FirstSeen: timeVal(row.FirstSeenAt), LastSeen: timeVal(row.LastSeenAt), OrdersCount: int64(row.OrdersCount),
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return output.ReadTable(r.ctx, r.ds, "customer_merges", func(rows []output.MergeRow) error {
		for _, row := range rows {
			res.SeedMerge(dedupe.Merge{MergedID: row.MergedID, CustomerID: row.CustomerID, MergedAt: row.MergedAt, Reason: row.Reason})
		}
		return nil
	})
}

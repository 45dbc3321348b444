package importer

import (
	"path/filepath"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/normalize"
)

// spoolExisting reads the dataset's orders and lines back into per-month
// spools, as the oldest sighting of each order, so a re-import merges with
// them instead of duplicating. Lines are joined to their orders one month at
// a time, so memory holds one month, never the whole dataset.
func (r *Run) spoolExisting() (map[string]string, error) {
	// Rows are converted before spooling: a nil pointer and a zero amount differ,
	// would turn a real R$ 0,00 into a missing amount.
	orders := newMonthSpools[spooledOrder](r.spool, "prev-orders")
	err := dataset.ReadTable(r.ctx, r.ds, "orders", func(rows []dataset.OrderRow) error {
		for i := range rows {
			so := spooledOrder{Order: dataset.OrderFromRow(&rows[i]), Rank: datasetRank.key(), IngestedAt: rows[i].IngestedAt, Prior: rows[i].CustomerID}
			if err := orders.Write(dataset.Month(dataset.TimeVal(rows[i].OrderedAt)), &so); err != nil {
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
	err = dataset.ReadTable(r.ctx, r.ds, "order_items", func(rows []dataset.ItemRow) error {
		for i := range rows {
			it := &rows[i]
			sl := spooledLine{Key: dataset.ItemOrderKey(it), Line: dataset.LineFromRow(it)}
			if err := items.Write(dataset.Month(dataset.TimeVal(it.OrderedAt)), &sl); err != nil {
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

// seedResolver hands the dataset's identities and merges to the resolver,
// so customers keep their ids.
func (r *Run) seedResolver(res *dedupe.Resolver) error {
	err := dataset.ReadTable(r.ctx, r.ds, "identities", func(rows []dataset.IdentityRow) error {
		for _, row := range rows {
			res.Seed(dedupe.Identity{
				CustomerID: row.CustomerID, Kind: dedupe.Kind(row.Kind), Value: row.Value, Source: row.Source,
				FirstSeen: dataset.TimeVal(row.FirstSeenAt), LastSeen: dataset.TimeVal(row.LastSeenAt), OrdersCount: int64(row.OrdersCount),
			})
		}
		return nil
	})
	if err != nil {
		return err
	}
	return dataset.ReadTable(r.ctx, r.ds, "customer_merges", func(rows []dataset.MergeRow) error {
		for _, row := range rows {
			res.SeedMerge(dedupe.Merge{MergedID: row.MergedID, CustomerID: row.CustomerID, MergedAt: row.MergedAt, Reason: row.Reason})
		}
		return nil
	})
}

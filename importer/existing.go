package importer

import (
	"path/filepath"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/normalize"
)

// existingMonths lists the months the dataset holds orders in.
func (r *Run) existingMonths() map[string]bool {
	out := map[string]bool{}
	for part := range r.ds.PartitionRows("orders") {
		if m, ok := dataset.PartitionMonth(part); ok {
			out[m] = true
		}
	}
	return out
}

// spoolExisting reads the dataset's orders and lines of the given months
// back into one spool per month, as the oldest sighting of each order, so
// a re-import merges with them instead of duplicating. Months are read one
// at a time, so memory holds one month's lines, never the whole dataset.
func (r *Run) spoolExisting(months []string) (map[string]string, error) {
	out := map[string]string{}
	for _, month := range months {
		p := filepath.Join(r.spool, "prev-"+month+".spool")
		w, err := createSpool[spooledOrder](p)
		if err != nil {
			return nil, err
		}
		err = r.readMonth(month, func(o *normalize.Order, row *dataset.OrderRow) error {
			// A nil pointer and a zero amount differ: rows are converted
			// before spooling, or a real R$ 0,00 would become a missing
			// amount.
			return w.Write(&spooledOrder{Order: *o, Rank: datasetRank.key(), IngestedAt: row.IngestedAt, Prior: row.CustomerID})
		})
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
		out[month] = p
	}
	return out, nil
}

// readMonth calls fn with each order the dataset holds in month, lines
// included, in the order of its files. The month's lines are held in
// memory while its orders are read.
func (r *Run) readMonth(month string, fn func(o *normalize.Order, row *dataset.OrderRow) error) error {
	part := dataset.MonthPartition(month)
	lines := map[string][]normalize.Line{}
	err := dataset.ReadPartition(r.ctx, r.ds, "order_items", part, func(rows []dataset.ItemRow) error {
		for i := range rows {
			k := dataset.ItemOrderKey(&rows[i])
			lines[k] = append(lines[k], dataset.LineFromRow(&rows[i]))
		}
		return nil
	})
	if err != nil {
		return err
	}
	return dataset.ReadPartition(r.ctx, r.ds, "orders", part, func(rows []dataset.OrderRow) error {
		for i := range rows {
			o := dataset.OrderFromRow(&rows[i])
			o.Lines = lines[o.Key()]
			if err := fn(&o, &rows[i]); err != nil {
				return err
			}
		}
		return nil
	})
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

package apitest

import (
	"fmt"
	"slices"

	"github.com/orderhist/orderhist/normalize"
)

// Syncs merges the orders of successive syncs the way a run keeps its
// dataset: each sync's sightings of an order are merged with the dataset's
// copy (rank "0", as a run reads it back), later syncs ranking above
// earlier ones. It returns the dataset after the last sync by order id, and
// the ids of the orders whose lines the last sync changed.
func Syncs(syncs ...[]*normalize.Order) (dataset map[string]*normalize.Order, linesChanged map[string]bool) {
	dataset = map[string]*normalize.Order{}
	for i, sync := range syncs {
		linesChanged = map[string]bool{}
		seen := map[string][]normalize.Sighting{}
		var ids []string
		for _, o := range sync {
			if _, ok := seen[o.OrderID]; !ok {
				ids = append(ids, o.OrderID)
			}
			seen[o.OrderID] = append(seen[o.OrderID], normalize.Sighting{Order: o, Rank: fmt.Sprintf("2%06d", i)})
		}
		for _, id := range ids {
			sg := seen[id]
			prev := dataset[id]
			if prev != nil {
				sg = append(sg, normalize.Sighting{Order: prev, Rank: "0"})
			}
			m := normalize.Merge(sg)
			linesChanged[id] = m.LinesChangedSince(prev)
			o := *m.Order
			o.Lines = slices.Clone(o.Lines)
			dataset[id] = &o
		}
	}
	return dataset, linesChanged
}

package apitest

import (
	"iter"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// Collect drains a pull: the orders and rejects it yielded, and the error
// that ended it, if any.
func Collect(seq iter.Seq2[connectors.Record, error]) ([]*normalize.Order, []connectors.Reject, error) {
	var orders []*normalize.Order
	var rejects []connectors.Reject
	for r, err := range seq {
		if err != nil {
			return orders, rejects, err
		}
		if r.Order != nil {
			orders = append(orders, r.Order)
		}
		rejects = append(rejects, r.Rejects...)
	}
	return orders, rejects, nil
}

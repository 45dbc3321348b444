package amazon

import (
	"context"
	"encoding/json"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
)

const (
	searchPath   = "/orders/2026-01-01/orders"
	searchFile   = "GET " + searchPath
	getOrderFile = "GET " + searchPath + "/{orderId}"
)

// includedData asks for every data set the mapping reads, which v0 gave
// without asking (or with a Restricted Data Token): status (FULFILLMENT),
// money (PROCEEDS), buyer name and e-mail (BUYER), ship address
// (RECIPIENT), the buyer's CPF or CNPJ (TAX) and the items cancelled
// (CANCELLATION). Items come without asking.
var includedData = strings.Join([]string{"BUYER", "RECIPIENT", "FULFILLMENT", "PROCEEDS", "TAX", "CANCELLATION"}, ",")

// search pages through searchOrders. Unlike v0's NextToken, a
// paginationToken must come with the criteria of the first page again, or
// Amazon refuses it; it expires after 24 hours.
func (p *pull) search(ctx context.Context, after, before time.Time, yield func(connectors.Record, error) bool) (int, error) {
	criteria := url.Values{
		"marketplaceIds":    {p.marketplace},
		"lastUpdatedAfter":  {apiTime(after)},
		"lastUpdatedBefore": {apiTime(before)},
		"includedData":      {includedData},
		"maxResultsPerPage": {strconv.Itoa(pageSize)},
	}
	fetch := func(next string) (page, error) {
		q := maps.Clone(criteria)
		if next != "" {
			q.Set("paginationToken", next)
		}
		var pg searchPage
		if err := p.get(ctx, p.oc, searchPath, q, &pg); err != nil {
			return page{}, err
		}
		if pg.Orders == nil {
			return page{}, dataError(searchPath, "the response has no orders")
		}
		out := page{orders: pg.Orders}
		if pg.Pagination != nil {
			out.next = pg.Pagination.NextToken
		}
		return out, nil
	}
	return p.walk(searchPath, fetch, func(raw json.RawMessage) (connectors.Record, error) { return p.order2026(ctx, raw) }, yield)
}

// order2026 maps one order of searchOrders; outside [Since, Until) it
// returns an empty Record.
func (p *pull) order2026(ctx context.Context, raw json.RawMessage) (connectors.Record, error) {
	var o order2026
	if rej := decode2026(raw, &o, searchFile, ""); rej != nil {
		return connectors.Record{Rejects: rej}, nil
	}
	f, out, rec := p.head(searchFile, o.view())
	if out == nil {
		return rec, nil
	}
	if o.OrderItems == nil {
		items, rej, err := p.getItems(ctx, out.OrderID)
		if err != nil || rej != nil {
			return connectors.Record{Rejects: rej}, err
		}
		o.OrderItems = items
	}
	for _, it := range o.OrderItems {
		addLine(f, out, it.view(len(out.Lines)))
	}
	return finish(f, out, o.total()), nil
}

// getItems fetches an order's items with getOrder, for an order that
// searchOrders gave without them.
func (p *pull) getItems(ctx context.Context, id string) ([]item2026, []connectors.Reject, error) {
	path := searchPath + "/" + url.PathEscape(id)
	var pg getOrderPage
	if err := p.get(ctx, p.ic, path, url.Values{"includedData": {includedData}}, &pg); err != nil {
		return nil, nil, err
	}
	if len(pg.Order) == 0 || string(pg.Order) == "null" {
		return nil, nil, dataError(path, "the response has no order")
	}
	var o order2026
	if rej := decode2026(pg.Order, &o, getOrderFile, "order "+id+": "); rej != nil {
		return nil, rej, nil
	}
	return o.OrderItems, nil, nil
}

// decode2026 decodes one order, or returns why it cannot be used.
func decode2026(raw json.RawMessage, o *order2026, file, prefix string) []connectors.Reject {
	rej := apiclient.DecodeOrder(raw, o)
	if rej == nil {
		return nil
	}
	rej.Source, rej.File = Name, file
	rej.Reason = prefix + rej.Reason
	return []connectors.Reject{*rej}
}

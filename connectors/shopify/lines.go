package shopify

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

// gone is what refunds took from one line item, by restock type.
type gone struct{ cancelled, returned, refunded int64 }

func (g gone) total() int64 { return g.cancelled + g.returned + g.refunded }

// refundsByLine sums each line item's refunded units by restock type.
func refundsByLine(f *apiclient.Fields, o *apiOrder) map[string]gone {
	out := map[string]gone{}
	for i, r := range o.Refunds {
		for j, rl := range r.RefundLineItems {
			col := fmt.Sprintf("refunds[%d].refund_line_items[%d]", i, j)
			q := int64(f.Int(col+".quantity", json.Number(rl.Quantity), false))
			g := out[string(rl.LineItemID)]
			switch strings.ToLower(strings.TrimSpace(rl.RestockType)) {
			case "cancel":
				g.cancelled += q
			case "return":
				g.returned += q
			default:
				// no_restock, legacy_restock: money back, the units
				// not counted back in stock.
				g.refunded += q
			}
			out[string(rl.LineItemID)] = g
		}
	}
	return out
}

// addLines writes the order as it is now: one line per line item with
// units left (current_quantity), priced at those units net of the line's
// discounts. A line an edit removed or whose units all went back leaves the
// order, and the order's items total follows.
//
// An order with no unit left (cancelled, or all of it returned) keeps its
// lines at quantity 0, marked cancelled or returned: a sighting without
// lines would leave the lines of an earlier sync in place. Its status says
// which: returned when any unit came back, cancelled when none did.
func addLines(f *apiclient.Fields, o *apiOrder, out *normalize.Order) {
	refunds := refundsByLine(f, o)
	type item struct {
		line normalize.Line
		left bool
	}
	items := make([]item, 0, len(o.LineItems))
	var anyLeft, anyReturned bool
	for i, it := range o.LineItems {
		c := fmt.Sprintf("line_items[%d]", i)
		qty := f.Int(c+".quantity", json.Number(it.Quantity), true)
		r := refunds[string(it.ID)]
		cur := qty
		if it.CurrentQuantity != "" {
			cur = f.Int(c+".current_quantity", json.Number(it.CurrentQuantity), true)
		} else {
			// Versions before 2024-01 have no current_quantity: the
			// units refunds took are what is gone.
			cur = int32(max(0, int64(qty)-r.total()))
		}
		if cur > qty {
			f.Skip(c+".current_quantity", string(it.CurrentQuantity), fmt.Sprintf("%d units now is more than the %d ordered", cur, qty))
			continue
		}
		l := normalize.Line{
			SKU:       normalize.CleanText(it.SKU),
			ListingID: string(it.ProductID),
			Title:     normalize.CleanText(it.Name),
			Variation: normalize.CleanText(it.VariantTitle),
			Quantity:  cur,
			UnitPrice: f.Money(c+".price", json.Number(it.Price)),
		}
		if l.Title == "" {
			// name is "title - variant_title", as the export's Lineitem name.
			l.Title = normalize.CleanText(strings.Trim(it.Title+" - "+it.VariantTitle, " -"))
		}
		var disc normalize.Amount
		for j, d := range it.DiscountAllocations {
			disc = disc.Add(f.Money(fmt.Sprintf("%s.discount_allocations[%d].amount", c, j), json.Number(d.Amount)))
		}
		if l.UnitPrice.Valid {
			total, ok := lineTotal(l.UnitPrice.Cents, disc.Cents, int64(cur), int64(qty))
			if !ok {
				f.Skip(c+".price", string(it.Price), "price × quantity does not fit an amount")
				continue
			}
			l.LineTotal = normalize.Cents(total)
		}
		if s := normalize.CleanText(it.FulfillmentStatus); s != "" {
			l.Status = normalize.StatusFromRules(s, fulfillmentRules)
			if l.Status == normalize.StatusUnknown {
				l.Status = ""
			}
		}
		if l.Status == "" {
			l.Status = out.Status
		}
		if cur == 0 {
			switch {
			case r.returned > 0:
				l.Status = normalize.StatusReturned
			case r.refunded > 0 && it.FulfillmentStatus != "":
				// Refunded after it was sent, without restock.
				l.Status = normalize.StatusReturned
			default:
				l.Status = normalize.StatusCancelled
			}
			anyReturned = anyReturned || l.Status == normalize.StatusReturned
		}
		anyLeft = anyLeft || cur > 0
		items = append(items, item{line: l, left: cur > 0})
	}
	if len(items) > 0 && !anyLeft && out.Status != normalize.StatusCancelled {
		out.Status = normalize.StatusCancelled
		if anyReturned {
			out.Status = normalize.StatusReturned
		}
	}
	for _, it := range items {
		if !it.left && anyLeft {
			continue
		}
		it.line.LineNo = len(out.Lines) + 1
		out.ItemsTotal = out.ItemsTotal.Add(it.line.LineTotal)
		out.Lines = append(out.Lines, it.line)
	}
}

// lineTotal is price × cur net of the discounts given on all qty units,
// in proportion to the units left (rounded half away from zero), or false
// when it overflows.
func lineTotal(price, disc, cur, qty int64) (int64, bool) {
	if cur != 0 && (price > math.MaxInt64/cur || price < math.MinInt64/cur) {
		return 0, false
	}
	gross := price * cur
	if disc == 0 || cur == 0 || qty == 0 {
		return gross, true
	}
	share := disc
	if cur != qty {
		if disc > math.MaxInt64/cur || disc < math.MinInt64/cur {
			return 0, false
		}
		n := disc * cur
		share = n / qty
		if rem := n % qty; 2*abs(rem) >= qty {
			if n < 0 {
				share--
			} else {
				share++
			}
		}
	}
	return gross - share, true
}

func abs(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

// now reads the current_ version of an order amount, what the buyer pays
// now (an edit, a return or a refund lowers the current_ totals, never the
// original ones), or the original where the API version has none.
func now(f *apiclient.Fields, col string, current, original apiclient.Text) normalize.Amount {
	if current != "" {
		return f.Money("current_"+col, json.Number(current))
	}
	return f.Money(col, json.Number(original))
}

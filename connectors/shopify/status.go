package shopify

import "github.com/orderhist/orderhist/normalize"

// Shopify splits an order's state in two: what was paid (financial) and
// what was sent (fulfillment); a cancelled order also has "Cancelled at".
var financialRules = []normalize.StatusRule{
	{Match: normalize.Equals("voided"), Status: normalize.StatusCancelled},
	{Match: normalize.Equals("refunded"), Status: normalize.StatusReturned},
	{Match: normalize.Equals("paid", "partially_paid", "partially_refunded"), Status: normalize.StatusPaid},
	{Match: normalize.Equals("pending", "authorized", "expired"), Status: normalize.StatusPending},
}

var fulfillmentRules = []normalize.StatusRule{
	{Match: normalize.Equals("fulfilled", "partial", "partially_fulfilled"), Status: normalize.StatusShipped},
	{Match: normalize.Equals("restocked"), Status: normalize.StatusReturned},
}

func status(financial, fulfillment string, cancelled bool) normalize.Status {
	if cancelled {
		return normalize.StatusCancelled
	}
	fin := normalize.StatusFromRules(financial, financialRules)
	if fin == normalize.StatusCancelled || fin == normalize.StatusReturned {
		return fin
	}
	if f := normalize.StatusFromRules(fulfillment, fulfillmentRules); f != normalize.StatusUnknown {
		return f
	}
	return fin
}

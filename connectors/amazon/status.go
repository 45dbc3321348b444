package amazon

import "github.com/orderhist/orderhist/normalize"

// Amazon writes order-status and item-status in English; the flat file uses
// both "Cancelled" and v0's "Canceled", and Orders 2026-01-01 writes its
// fulfillmentStatus in capitals with underscores (PARTIALLY_SHIPPED).
var statusRules = []normalize.StatusRule{
	{Match: normalize.Contains("cancel"), Status: normalize.StatusCancelled},
	{Match: normalize.Contains("return", "refund"), Status: normalize.StatusReturned},
	{Match: normalize.Contains("delivered"), Status: normalize.StatusDelivered},
	{Match: normalize.Prefix("shipped", "partiallyshipped", "partially shipped", "partially_shipped", "shipping"), Status: normalize.StatusShipped},
	{Match: normalize.Equals("unshipped", "invoiceunconfirmed", "pendingavailability", "pending_availability"), Status: normalize.StatusPaid},
	{Match: normalize.Equals("pending"), Status: normalize.StatusPending},
}

func status(raw string) normalize.Status { return normalize.StatusFromRules(raw, statusRules) }

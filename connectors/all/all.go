// Package all wires every connector into the binary: importing it registers
// them all. A connector package that is not imported here is not part of
// orderhist, and all_test.go fails the build for it.
package all

import (
	// File and API connectors, one per marketplace, in alphabetical order.
	_ "github.com/orderhist/orderhist/connectors/amazon"
	_ "github.com/orderhist/orderhist/connectors/csv"
	_ "github.com/orderhist/orderhist/connectors/mercadolivre"
	_ "github.com/orderhist/orderhist/connectors/shopee"
	_ "github.com/orderhist/orderhist/connectors/shopify"
	_ "github.com/orderhist/orderhist/connectors/tiktok"
)

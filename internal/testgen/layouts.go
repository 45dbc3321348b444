package testgen

import (
	"fmt"
	"time"
)

// layout is one kind of export file.
type layout struct {
	name, source string
	precision    time.Duration // what the file's timestamps can express
	wallClock    bool          // times written as São Paulo wall time, no offset
	recent       bool          // open-order export: only the last 15 days
	hasNet       bool          // the file states the seller's net amount
	maxRows      int           // data rows the format can hold (XLSX sheets end at 1,048,576)
	file         func(c *Config) string
	build        func(g *gen, p *purchase, left int)
	open         func(path string, c *Config) (rowWriter, error)
}

// rowWriter writes the rows of one file.
type rowWriter interface {
	write(p *purchase) error
	close() error
}

const xlsxMaxRows = 1 << 20

var layouts = []*layout{
	{
		name: LayoutAmazon, source: SourceAmazon, precision: time.Second, maxRows: -1,
		file: func(*Config) string {
			return "amazon_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL.tsv"
		},
		build: buildAmazon, open: openAmazon(true),
	},
	{
		name: LayoutAmazonLastUpdate, source: SourceAmazon, precision: time.Second, maxRows: -1,
		file: func(*Config) string {
			return "amazon_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL.tsv"
		},
		build: buildAmazon, open: openAmazon(false),
	},
	{
		name: LayoutShopify, source: SourceShopify, precision: time.Second, maxRows: -1,
		file:  func(*Config) string { return "shopify_orders_export.csv" },
		build: buildShopify, open: openShopify,
	},
	{
		name: LayoutMercadoLivre, source: SourceMercadoLivre, precision: time.Minute, wallClock: true, hasNet: true,
		maxRows: xlsxMaxRows - 6,
		file: func(c *Config) string {
			t := c.To.Add(-time.Minute).In(saoPaulo)
			return fmt.Sprintf("%s_Vendas_BR_Mercado_Libre_y_Mercado_Shops_%s_08-18hs_%d.xlsx",
				t.Format("20060102"), t.Format("2006-01-02"), mlAccount(c.Seed))
		},
		build: buildML, open: openML,
	},
	{
		name: LayoutShopeeAll, source: SourceShopee, precision: time.Minute, wallClock: true, maxRows: xlsxMaxRows - 1,
		file: func(c *Config) string {
			return "Order.all." + c.From.In(saoPaulo).Format("20060102") + "_" + c.To.Add(-time.Minute).In(saoPaulo).Format("20060102") + ".xlsx"
		},
		build: buildShopee, open: openShopee(true),
	},
	{
		name: LayoutShopeeToShip, source: SourceShopee, precision: time.Minute, wallClock: true, recent: true, maxRows: xlsxMaxRows - 1,
		file: func(c *Config) string {
			from := c.From
			if f := c.To.Add(-15 * 24 * time.Hour); f.After(from) {
				from = f
			}
			return "Order.toship." + from.In(saoPaulo).Format("20060102") + "_" + c.To.Add(-time.Minute).In(saoPaulo).Format("20060102") + ".xlsx"
		},
		build: buildShopee, open: openShopee(false),
	},
	{
		name: LayoutTikTok, source: SourceTikTok, precision: time.Second, wallClock: true, recent: true, maxRows: xlsxMaxRows - 2,
		file: func(c *Config) string {
			return "Para enviar pedido-" + c.To.Add(-time.Minute).In(saoPaulo).Format("2006-01-02-15_04") + ".xlsx"
		},
		build: buildTikTok, open: openTikTok,
	},
	{
		name: LayoutPtBRCSV, source: SourceCSV, precision: time.Minute, wallClock: true, maxRows: -1,
		file:  func(*Config) string { return "pedidos_ptbr.csv" },
		build: buildCSV, open: openCSV,
	},
}

func layoutByName(name string) *layout {
	for _, l := range layouts {
		if l.name == name {
			return l
		}
	}
	return nil
}

// mlAccount is the seller id Mercado Livre puts in the report's file name.
func mlAccount(seed int64) uint64 {
	return 100_000_000 + splitmix64(uint64(seed)^0x4d4c)%900_000_000
}

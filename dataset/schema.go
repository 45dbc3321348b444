package dataset

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"strings"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// SchemaVersion is the version of the dataset layout and of the manifest
// format. It changes only when a reader written for the old one would
// misread the new one.
const SchemaVersion = 1

// Logical types as the schema command prints them, named after the Parquet
// logical type each column is written with.
const (
	TypeString    = "STRING"
	TypeTimestamp = "TIMESTAMP(MICROS, UTC)"
	TypeDecimal   = "DECIMAL(18,2)"
	TypeInt32     = "INT32"
	TypeInt64     = "INT64"
	TypeDouble    = "DOUBLE"
	TypeBoolean   = "BOOLEAN"
	TypeListStr   = "LIST<STRING>"
)

// Table names, as they appear in folder names and in the manifest.
const (
	TableOrders     = "orders"
	TableOrderItems = "order_items"
	TableCustomers  = "customers"
	TableIdentities = "identities"
	TableMerges     = "customer_merges"
	TableRejects    = "rejects"
	TableLinks      = "customer_links"
)

// PartitionOrderedMonth is the Hive partition key of orders and order_items.
const PartitionOrderedMonth = "ordered_month"

// TableSchema describes one table of the dataset.
type TableSchema struct {
	Name          string `json:"name"`
	Description   string `json:"description"`
	PartitionedBy string `json:"partitioned_by,omitempty"` // Hive partition key, taken from folder names
	Files         string `json:"files"`                    // glob relative to the dataset folder
	// Iceberg is the folder of the table's Iceberg table, relative to the
	// dataset folder: its metadata is in Iceberg/metadata/.
	Iceberg string         `json:"iceberg"`
	Columns []ColumnSchema `json:"columns"`
}

// ColumnSchema describes one column as it is stored in the Parquet files.
type ColumnSchema struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Nullable    bool   `json:"nullable"`
	Description string `json:"description"`
}

type tableDef struct {
	name          string
	rowType       reflect.Type
	partitionedBy string
	description   string
	columns       map[string]string
}

// tableDefs holds what the Parquet schema cannot say: purpose, partitioning
// and a one-line description per column. Names and types come from the row
// structs, so the published schema cannot drift from the files.
var tableDefs = []tableDef{
	{
		name:          TableOrders,
		rowType:       reflect.TypeFor[OrderRow](),
		partitionedBy: PartitionOrderedMonth,
		description:   "One row per order.",
		columns: map[string]string{
			"source":              "Connector that read the order (mercadolivre, shopee, amazon, ...).",
			"account":             "Seller account label from the configuration.",
			"order_id":            "Order id as the seller sees it on the marketplace.",
			"pack_id":             "Cart id, where the marketplace groups several orders of one checkout.",
			"customer_id":         "Resolved customer; joins customers.customer_id.",
			"ordered_at":          "When the order was placed.",
			"updated_at":          "Last change the source reported for the order.",
			"status":              "pending, paid, shipped, delivered, cancelled, returned or unknown.",
			"status_raw":          "Status as the marketplace wrote it.",
			"currency":            "ISO 4217 currency code.",
			"items_total":         "Sum of the order lines.",
			"shipping":            "Shipping charged to the buyer.",
			"discount":            "Discounts applied to the order.",
			"fees":                "Marketplace fees charged to the seller.",
			"order_total":         "Total paid by the buyer.",
			"net_total":           "Amount received by the seller, where the source says.",
			"payment_method":      "Payment method as the source names it.",
			"installments":        "Number of installments the buyer chose.",
			"buyer_ref":           "The marketplace's own buyer id or username.",
			"buyer_name":          "Buyer name as given.",
			"buyer_document":      "Buyer CPF or CNPJ, digits and upper-case letters only.",
			"buyer_document_type": "cpf or cnpj.",
			"buyer_email":         "Buyer e-mail, lower case.",
			"buyer_phone":         "Buyer phone in E.164.",
			"ship_city":           "Shipping city.",
			"ship_state":          "Shipping state, UF code.",
			"ship_postal_code":    "Shipping CEP, 8 digits.",
			"ship_country":        "Shipping country, ISO 3166-1 alpha-2.",
			"source_file":         "Export file the order was read from; null for API pulls.",
			"source_row":          "First row (Excel row or CSV line) of the order in source_file.",
			"ingested_at":         "When the run that wrote this row read the order.",
			"recipient_name":      "Name of who receives the parcel, when the source gives it (may differ from the buyer).",
			"recipient_phone":     "Recipient phone in E.164.",
			"ship_street":         "Delivery street (and number, where the source writes them together).",
			"ship_number":         "Delivery street number, where the source has it apart.",
			"ship_neighborhood":   "Delivery neighbourhood (bairro).",
		},
	},
	{
		name:          TableOrderItems,
		rowType:       reflect.TypeFor[ItemRow](),
		partitionedBy: PartitionOrderedMonth,
		description:   "One row per order line.",
		columns: map[string]string{
			"source":      "Connector that read the order.",
			"account":     "Seller account label from the configuration.",
			"order_id":    "Order id; joins orders on (source, account, order_id).",
			"line_no":     "Line number within the order, 1..n.",
			"customer_id": "Resolved customer; joins customers.customer_id.",
			"ordered_at":  "When the order was placed.",
			"sku":         "Seller's SKU.",
			"listing_id":  "Marketplace listing id (MLB..., ASIN, item id).",
			"title":       "Item title as listed.",
			"variation":   "Variation (size, colour, ...) as listed.",
			"quantity":    "Units ordered.",
			"unit_price":  "Price of one unit.",
			"line_total":  "Total of the line.",
			"status":      "Line status, same vocabulary as orders.status.",
			"category":    "Product category as the source names it (TikTok Shop's Product Category, a csv mapping's category column); null where the source has none: Mercado Livre, Shopee, Amazon and Shopify exports carry no category.",
		},
	},
	{
		name:        TableCustomers,
		rowType:     reflect.TypeFor[CustomerRow](),
		description: "One row per resolved customer.",
		columns: map[string]string{
			"customer_id":             "Customer id, stable across runs.",
			"name":                    "Best known name.",
			"document":                "CPF or CNPJ.",
			"email":                   "Best known e-mail.",
			"phone":                   "Best known phone, E.164.",
			"city":                    "City of the latest order.",
			"state":                   "State (UF code) of the latest order.",
			"postal_code":             "CEP of the latest order, 8 digits.",
			"first_order_at":          "When the first order was placed.",
			"last_order_at":           "When the latest order was placed.",
			"orders_count":            "Number of orders.",
			"items_count":             "Number of units bought.",
			"total_spent":             "Sum of order totals in the customer's currency, cancelled orders excluded.",
			"avg_ticket":              "Average order total in the customer's currency, cancelled orders excluded.",
			"avg_days_between_orders": "Mean number of days between consecutive orders; null with a single order.",
			"channels":                "Sources the customer bought through.",
			"cancelled_count":         "Number of cancelled orders.",
			"returned_count":          "Number of returned orders.",
			"segment":                 "As of the manifest's as_of date, by the import's segment rules (defaults: --inactive-days 90, --recurring-orders 2; the report prints the same rules): inactive = latest purchase (an order not cancelled) 90 days ago or more; recurring = 2 purchases or more; new = fewer; no_purchase = every order cancelled or undated.",
			"rfm_recency":             "RFM recency score 1-5, by quintile of the latest order among all customers (5 = the most recent fifth).",
			"rfm_frequency":           "RFM frequency score 1-5, by quintile of the orders not cancelled.",
			"rfm_monetary":            "RFM monetary score 1-5, by quintile of total_spent.",
			"usernames":               "Marketplace usernames or buyer ids of the customer's orders, as the marketplaces give them (Shopee hides most buyers' names but not their username); keyed hashes under --pii hash, empty under drop.",
			"currency":                "ISO 4217 currency of total_spent and avg_ticket: the one most of the customer's priced orders are in; orders in another currency are left out of both.",
		},
	},
	{
		name:        TableIdentities,
		rowType:     reflect.TypeFor[IdentityRow](),
		description: "One row per (customer, identifier).",
		columns: map[string]string{
			"customer_id":   "Customer the identifier belongs to.",
			"kind":          "cpf, cnpj, email, phone, marketplace_user, ...",
			"value":         "Normalized identifier; a keyed hash under --pii hash.",
			"source":        "Connector the identifier was seen in.",
			"first_seen_at": "Order time of the first order carrying the identifier.",
			"last_seen_at":  "Order time of the latest order carrying the identifier.",
			"orders_count":  "Number of orders carrying the identifier.",
			"evidence":      "How the identifier linked the customer: strong, corroborated (name and address backed by a phone fragment or mailbox), scored (name and address above the match weight) or shared (held by too many people, linked nothing); null in datasets written before the column existed.",
		},
	},
	{
		name:        TableMerges,
		rowType:     reflect.TypeFor[MergeRow](),
		description: "Customer ids that were merged into another.",
		columns: map[string]string{
			"merged_id":   "Customer id that no longer exists.",
			"customer_id": "Customer id it now belongs to.",
			"merged_at":   "When the merge was found.",
			"reason":      "Why the two customers were merged.",
		},
	},
	{
		name:        TableRejects,
		rowType:     reflect.TypeFor[RejectRow](),
		description: "Rows or values that could not be used, with the reason.",
		columns: map[string]string{
			"source":      "Connector that read the row.",
			"source_file": "Export file; null for API pulls.",
			"source_row":  "Excel row or CSV line.",
			"column":      "Column as the source named it; null when the whole row is at fault.",
			"value":       "The value as found.",
			"reason":      "Why it could not be used.",
			"run_id":      "Run that found the problem.",
			"sheet":       "Worksheet, for spreadsheet exports.",
			"effect":      "row_skipped (the row is not in the dataset) or value_dropped (written as null).",
		},
	},
	{
		name:        TableLinks,
		rowType:     reflect.TypeFor[LinkRow](),
		description: "One row per link made on scored name and address evidence, with what it rested on.",
		columns: map[string]string{
			"customer_id":    "Customer the link joined.",
			"order_a":        "One order of the pair, as source/account/order_id.",
			"order_b":        "The other order of the pair, as source/account/order_id.",
			"weight":         "Match weight of the pair, in bits (log2 of the odds that the two orders are one buyer's).",
			"probability":    "Match probability the weight stands for.",
			"name_frequency": "Bits the name's frequency in the seller's data added (negative for a common name).",
			"fields":         `JSON array, one object per compared field: {"field","level","weight","agree"}; weight in bits, 0 for a field missing on either side.`,
		},
	},
}

var tableSchemas = sync.OnceValues(buildTables)

// Tables describes the dataset's tables in the order the contract lists them.
func Tables() []TableSchema {
	ts, err := tableSchemas()
	if err != nil {
		// Only a change to a row struct can get here, and the tests build
		// every schema, so this is a programming error.
		panic(err)
	}
	out := make([]TableSchema, len(ts))
	for i, t := range ts {
		out[i] = t
		out[i].Columns = append([]ColumnSchema(nil), t.Columns...)
	}
	return out
}

func lookupTable(name string) (*tableDef, bool) {
	for i := range tableDefs {
		if tableDefs[i].name == name {
			return &tableDefs[i], true
		}
	}
	return nil, false
}

func buildTables() ([]TableSchema, error) {
	out := make([]TableSchema, 0, len(tableDefs))
	for _, td := range tableDefs {
		ts, err := describe(td)
		if err != nil {
			return nil, err
		}
		out = append(out, ts)
	}
	return out, nil
}

func describe(td tableDef) (TableSchema, error) {
	files := td.name + "/*.parquet"
	if td.partitionedBy != "" {
		files = td.name + "/" + td.partitionedBy + "=*/*.parquet"
	}
	ts := TableSchema{Name: td.name, Description: td.description, PartitionedBy: td.partitionedBy, Files: files, Iceberg: td.name}
	schema := parquet.SchemaOf(reflect.New(td.rowType).Interface())
	for _, f := range schema.Fields() {
		typ, err := logicalType(f)
		if err != nil {
			return TableSchema{}, fmt.Errorf("table %s: column %s: %w", td.name, f.Name(), err)
		}
		ts.Columns = append(ts.Columns, ColumnSchema{
			Name:        f.Name(),
			Type:        typ,
			Nullable:    f.Optional(),
			Description: td.columns[f.Name()],
		})
	}
	return ts, nil
}

func logicalType(n parquet.Node) (string, error) {
	lt := n.Type().LogicalType()
	if !n.Leaf() {
		if lt != nil {
			if _, ok := lt.Value.(*format.ListType); ok {
				// LIST -> repeated group "list" -> element.
				if g := n.Fields(); len(g) == 1 && len(g[0].Fields()) == 1 {
					elem, err := logicalType(g[0].Fields()[0])
					if err == nil && elem == TypeString {
						return TypeListStr, nil
					}
				}
			}
		}
		return "", fmt.Errorf("unsupported group %s", n)
	}
	if lt != nil && lt.Value != nil {
		switch v := lt.Value.(type) {
		case *format.StringType:
			return TypeString, nil
		case *format.DecimalType:
			if v.Precision == 18 && v.Scale == 2 {
				return TypeDecimal, nil
			}
		case *format.TimestampType:
			if _, micros := v.Unit.Value.(*format.MicroSeconds); micros && v.IsAdjustedToUTC {
				return TypeTimestamp, nil
			}
		case *format.IntType:
			if v.IsSigned && v.BitWidth == 32 && n.Type().Kind() == parquet.Int32 {
				return TypeInt32, nil
			}
			if v.IsSigned && v.BitWidth == 64 && n.Type().Kind() == parquet.Int64 {
				return TypeInt64, nil
			}
		}
		return "", fmt.Errorf("unsupported logical type %s", lt)
	}
	switch n.Type().Kind() {
	case parquet.Int32:
		return TypeInt32, nil
	case parquet.Int64:
		return TypeInt64, nil
	case parquet.Double:
		return TypeDouble, nil
	case parquet.Boolean:
		return TypeBoolean, nil
	}
	return "", fmt.Errorf("unsupported physical type %s", n.Type())
}

// SchemaJSON writes the tables as JSON, for tools that generate their own DDL.
func SchemaJSON(w io.Writer) error {
	doc := struct {
		Version int           `json:"version"`
		Tables  []TableSchema `json:"tables"`
	}{SchemaVersion, Tables()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// SchemaDuckDB writes one view per table over the Parquet files in dir. The
// views keep dir as given and DuckDB resolves a relative one against its own
// working folder, so callers should pass an absolute path.
//
// Views rather than CREATE TABLE: a view reads the files at query time, so it
// shows the latest completed run with nothing to reload and no copy of the
// buyers' data inside the .duckdb file. Users who want a snapshot can still
// CREATE TABLE t AS FROM the view. The column list follows as comments, with
// DuckDB's names for the types, because DESCRIBE on a view does not carry
// descriptions.
func SchemaDuckDB(w io.Writer, dir string) error {
	dir = strings.TrimSuffix(filepath.ToSlash(dir), "/")
	if dir == "" {
		dir = "."
	}
	b := &strings.Builder{}
	fmt.Fprintf(b, "-- orderhist dataset, schema version %d: one view per table.\n", SchemaVersion)
	b.WriteString("-- Views read the Parquet files when queried, so they always show the latest\n")
	b.WriteString("-- completed run. Run this file with: duckdb my.duckdb < schema.sql\n")
	b.WriteString("-- Each table is also an Iceberg table: with the iceberg extension,\n")
	fmt.Fprintf(b, "-- SELECT * FROM iceberg_scan(%s) reads the snapshot of the last run.\n", sqlString(dir+"/orders"))
	for _, t := range Tables() {
		fmt.Fprintf(b, "\n-- %s\n", t.Description)
		fmt.Fprintf(b, "CREATE OR REPLACE VIEW %s AS\nSELECT * FROM read_parquet(%s", duckIdent(t.Name), sqlString(dir+"/"+duckGlob(t)))
		if t.PartitionedBy != "" {
			// Without hive_types DuckDB guesses the key's type from the
			// folder names; spelling it out keeps "2026-02" a VARCHAR.
			fmt.Fprintf(b, ", hive_partitioning = true, hive_types = {%s: VARCHAR}", sqlString(t.PartitionedBy))
		}
		b.WriteString(");\n")
		cols := append([]ColumnSchema(nil), t.Columns...)
		if t.PartitionedBy != "" {
			cols = append(cols, ColumnSchema{Name: t.PartitionedBy, Type: "partition", Nullable: true,
				Description: "From the folder name: month of ordered_at (UTC), YYYY-MM."})
		}
		width := 0
		for _, c := range cols {
			width = max(width, len(c.Name))
		}
		for _, c := range cols {
			typ := duckType(c.Type)
			if !c.Nullable {
				typ += " NOT NULL"
			}
			fmt.Fprintf(b, "--   %-*s  %-33s %s\n", width, c.Name, typ, c.Description)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func duckGlob(t TableSchema) string {
	if t.PartitionedBy != "" {
		return t.Name + "/**/*.parquet"
	}
	return t.Name + "/*.parquet"
}

func duckType(t string) string {
	switch t {
	case TypeString, "partition":
		return "VARCHAR"
	case TypeTimestamp:
		return "TIMESTAMP WITH TIME ZONE"
	case TypeDecimal:
		return "DECIMAL(18,2)"
	case TypeInt32:
		return "INTEGER"
	case TypeInt64:
		return "BIGINT"
	case TypeDouble:
		return "DOUBLE"
	case TypeBoolean:
		return "BOOLEAN"
	case TypeListStr:
		return "VARCHAR[]"
	}
	panic("no DuckDB type for " + t)
}

// SchemaBigQuery writes CREATE TABLE statements for native BigQuery tables.
//
// DDL rather than JSON schema files: one script creates every table with the
// exact types (NUMERIC(18,2), not the FLOAT64 or BIGNUMERIC an auto-detected
// load can pick; ARRAY<STRING>, not the list/element records a LIST becomes
// without list inference), required columns as NOT NULL, and the column
// descriptions, which the console then shows. Orders and items are
// partitioned by month of ordered_at, BigQuery's equivalent of the Hive
// folders. Each table is followed by the LOAD DATA statement that refreshes
// it from a copy of the dataset in Cloud Storage.
func SchemaBigQuery(w io.Writer) error {
	b := &strings.Builder{}
	fmt.Fprintf(b, "-- orderhist dataset, schema version %d, as BigQuery tables in dataset `orderhist`.\n", SchemaVersion)
	b.WriteString("-- Each run replaces whole tables, so reload them with LOAD DATA OVERWRITE after\n")
	b.WriteString("-- copying the dataset folder to Cloud Storage (replace gs://BUCKET/orderhist-data).\n")
	for _, t := range Tables() {
		fmt.Fprintf(b, "\nCREATE TABLE IF NOT EXISTS `orderhist.%s` (\n", t.Name)
		for i, c := range t.Columns {
			fmt.Fprintf(b, "  `%s` %s", c.Name, bqType(c.Type))
			if !c.Nullable && c.Type != TypeListStr { // REPEATED fields cannot be NOT NULL
				b.WriteString(" NOT NULL")
			}
			fmt.Fprintf(b, " OPTIONS (description = %s)", bqString(c.Description))
			if i < len(t.Columns)-1 {
				b.WriteString(",")
			}
			b.WriteString("\n")
		}
		b.WriteString(")\n")
		if t.PartitionedBy == PartitionOrderedMonth {
			b.WriteString("PARTITION BY TIMESTAMP_TRUNC(ordered_at, MONTH)\n")
		}
		fmt.Fprintf(b, "OPTIONS (description = %s);\n", bqString(t.Description))
		fmt.Fprintf(b, "-- LOAD DATA OVERWRITE `orderhist.%s`\n", t.Name)
		fmt.Fprintf(b, "--   FROM FILES (format = 'PARQUET', enable_list_inference = true,\n")
		fmt.Fprintf(b, "--     uris = ['gs://BUCKET/orderhist-data/%s/*.parquet']);\n", t.Name)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func bqType(t string) string {
	switch t {
	case TypeString:
		return "STRING"
	case TypeTimestamp:
		return "TIMESTAMP"
	case TypeDecimal:
		return "NUMERIC(18, 2)"
	case TypeInt32, TypeInt64:
		return "INT64"
	case TypeDouble:
		return "FLOAT64"
	case TypeBoolean:
		return "BOOL"
	case TypeListStr:
		return "ARRAY<STRING>"
	}
	panic("no BigQuery type for " + t)
}

// sqlString quotes s as a standard SQL string literal.
func sqlString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// bqString quotes s as a GoogleSQL string literal.
func bqString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// duckIdent quotes an identifier only when DuckDB needs it.
func duckIdent(s string) string {
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

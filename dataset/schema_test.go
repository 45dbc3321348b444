package dataset

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// contractColumns is the dataset contract's column list (with orderhist's
// documented extensions after each table's contract columns), copied here on
// purpose: the row structs may only change in ways this test is changed for.
var contractColumns = map[string][]string{
	TableOrders: {"source", "account", "order_id", "pack_id", "customer_id", "ordered_at", "updated_at",
		"status", "status_raw", "currency", "items_total", "shipping", "discount", "fees", "order_total",
		"net_total", "payment_method", "installments", "buyer_ref", "buyer_name", "buyer_document",
		"buyer_document_type", "buyer_email", "buyer_phone", "ship_city", "ship_state", "ship_postal_code",
		"ship_country", "source_file", "source_row", "ingested_at",
		"recipient_name", "recipient_phone", "ship_street", "ship_number", "ship_neighborhood"},
	TableOrderItems: {"source", "account", "order_id", "line_no", "customer_id", "ordered_at", "sku",
		"listing_id", "title", "variation", "quantity", "unit_price", "line_total", "status", "category"},
	TableCustomers: {"customer_id", "name", "document", "email", "phone", "city", "state", "postal_code",
		"first_order_at", "last_order_at", "orders_count", "items_count", "total_spent", "avg_ticket",
		"avg_days_between_orders", "channels", "cancelled_count", "returned_count", "segment",
		"rfm_recency", "rfm_frequency", "rfm_monetary", "usernames", "currency"},
	TableIdentities: {"customer_id", "kind", "value", "source", "first_seen_at", "last_seen_at", "orders_count", "evidence"},
	TableMerges:     {"merged_id", "customer_id", "merged_at", "reason"},
	TableRejects:    {"source", "source_file", "source_row", "column", "value", "reason", "run_id", "sheet", "effect"},
	TableLinks:      {"customer_id", "order_a", "order_b", "weight", "probability", "name_frequency", "fields"},
}

func TestTablesMatchContract(t *testing.T) {
	var order []string
	for _, ts := range Tables() {
		order = append(order, ts.Name)
		var cols []string
		for _, c := range ts.Columns {
			cols = append(cols, c.Name)
		}
		if want := contractColumns[ts.Name]; !slices.Equal(cols, want) {
			t.Errorf("table %s columns:\n got %v\nwant %v", ts.Name, cols, want)
		}
	}
	want := []string{TableOrders, TableOrderItems, TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks}
	if !slices.Equal(order, want) {
		t.Errorf("tables %v, want %v", order, want)
	}
}

func TestEveryColumnDescribed(t *testing.T) {
	for _, td := range tableDefs {
		ts, err := describe(td)
		if err != nil {
			t.Fatal(err)
		}
		if ts.Description == "" {
			t.Errorf("table %s has no description", ts.Name)
		}
		seen := map[string]bool{}
		for _, c := range ts.Columns {
			seen[c.Name] = true
			if c.Description == "" {
				t.Errorf("%s.%s has no description", ts.Name, c.Name)
			}
			if strings.Contains(c.Description, "\n") {
				t.Errorf("%s.%s: descriptions are one line", ts.Name, c.Name)
			}
		}
		for name := range td.columns {
			if !seen[name] {
				t.Errorf("%s: description for %q, which is not a column", ts.Name, name)
			}
		}
	}
}

func TestColumnTypes(t *testing.T) {
	want := map[string]string{
		"orders.order_id":                   TypeString,
		"orders.ordered_at":                 TypeTimestamp,
		"orders.order_total":                TypeDecimal,
		"orders.installments":               TypeInt32,
		"orders.source_row":                 TypeInt64,
		"customers.channels":                TypeListStr,
		"customers.avg_days_between_orders": TypeDouble,
		"customers.total_spent":             TypeDecimal,
		"customer_merges.merged_at":         TypeTimestamp,
	}
	nullable := map[string]bool{
		"orders.order_id": false, "orders.pack_id": true, "orders.ordered_at": true, "orders.ingested_at": false,
		"orders.order_total": true, "customers.total_spent": false, "customers.channels": false,
		"rejects.sheet": true, "rejects.effect": false,
	}
	for _, ts := range Tables() {
		for _, c := range ts.Columns {
			key := ts.Name + "." + c.Name
			if w, ok := want[key]; ok && c.Type != w {
				t.Errorf("%s: %s, want %s", key, c.Type, w)
			}
			if w, ok := nullable[key]; ok && c.Nullable != w {
				t.Errorf("%s: nullable %v, want %v", key, c.Nullable, w)
			}
		}
	}
}

func TestSchemaJSON(t *testing.T) {
	var b bytes.Buffer
	if err := SchemaJSON(&b); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version int
		Tables  []TableSchema
	}
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != SchemaVersion || len(doc.Tables) != len(tableDefs) {
		t.Errorf("version %d, %d tables", doc.Version, len(doc.Tables))
	}
	checkGolden(t, "schema.json", b.Bytes())
}

func TestSchemaDuckDB(t *testing.T) {
	var b bytes.Buffer
	if err := SchemaDuckDB(&b, "/data/it's here/"); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	b.Reset()
	if err := SchemaDuckDB(&b, "orderhist-data"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CREATE OR REPLACE VIEW orders AS\nSELECT * FROM read_parquet('/data/it''s here/orders/**/*.parquet', hive_partitioning = true, hive_types = {'ordered_month': VARCHAR});",
		"read_parquet('/data/it''s here/customers/*.parquet');",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q", want)
		}
	}
	checkGolden(t, "schema_duckdb.sql", b.Bytes())
}

func TestSchemaBigQuery(t *testing.T) {
	var b bytes.Buffer
	if err := SchemaBigQuery(&b); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{
		"CREATE TABLE IF NOT EXISTS `orderhist.orders` (",
		"`order_total` NUMERIC(18, 2) OPTIONS",
		"`order_id` STRING NOT NULL OPTIONS",
		"`channels` ARRAY<STRING> OPTIONS",
		"`ingested_at` TIMESTAMP NOT NULL OPTIONS",
		"PARTITION BY TIMESTAMP_TRUNC(ordered_at, MONTH)",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("missing %q", want)
		}
	}
	checkGolden(t, "schema_bigquery.sql", b.Bytes())
}

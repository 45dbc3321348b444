package dataset

import (
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/schema"

	"github.com/orderhist/orderhist/normalize"
)

// dictColumns are some of the columns tagged "dict"; the tag must reach the file.
var dictColumns = map[string]bool{"source": true, "status": true, "kind": true, "segment": true, "effect": true}

// rowGroupLimit is small so that the fixtures span several row groups.
const rowGroupLimit = 2

func TestTablesReadBackWithArrow(t *testing.T) {
	orders, items := fixtureOrderRows()
	t.Run(TableOrders, func(t *testing.T) { checkTable(t, TableOrders, orders) })
	t.Run(TableOrderItems, func(t *testing.T) { checkTable(t, TableOrderItems, items) })
	t.Run(TableCustomers, func(t *testing.T) { checkTable(t, TableCustomers, fixtureCustomers()) })
	t.Run(TableIdentities, func(t *testing.T) { checkTable(t, TableIdentities, fixtureIdentities()) })
	t.Run(TableMerges, func(t *testing.T) { checkTable(t, TableMerges, fixtureMerges()) })
	t.Run(TableRejects, func(t *testing.T) { checkTable(t, TableRejects, fixtureRejects()) })
	t.Run(TableLinks, func(t *testing.T) { checkTable(t, TableLinks, fixtureLinks()) })
}

func checkTable[T any](t *testing.T, table string, rows []T) {
	p := filepath.Join(t.TempDir(), "part.parquet")
	pf, err := NewParquetFile[T](p, WithMaxRowsPerRowGroup(rowGroupLimit), WithVersion("v1.2.3", "abc"), WithKeyValue("orderhist.table", table))
	if err != nil {
		t.Fatal(err)
	}
	// Two writes, to cross a row-group boundary inside a call and between calls.
	if err := pf.Write(rows[:1]); err != nil {
		t.Fatal(err)
	}
	if err := pf.Write(rows[1:]); err != nil {
		t.Fatal(err)
	}
	if err := pf.Commit(); err != nil {
		t.Fatal(err)
	}
	if pf.Rows() != int64(len(rows)) {
		t.Errorf("Rows() = %d, want %d", pf.Rows(), len(rows))
	}

	af := readWithArrow(t, p)
	var ts TableSchema
	for _, s := range Tables() {
		if s.Name == table {
			ts = s
		}
	}
	if len(af.schema.Fields()) != len(ts.Columns) {
		t.Fatalf("arrow sees %d columns, the schema has %d", len(af.schema.Fields()), len(ts.Columns))
	}
	md := af.rdr.MetaData()
	for i, f := range af.schema.Fields() {
		c := ts.Columns[i]
		if f.Name != c.Name {
			t.Errorf("column %d: arrow name %q, schema %q", i, f.Name, c.Name)
		}
		if got, want := fieldTypeString(f), arrowTypeFor(c.Type); got != want {
			t.Errorf("column %s: arrow type %s, want %s (%s)", c.Name, got, want, c.Type)
		}
		if f.Nullable != c.Nullable {
			t.Errorf("column %s: arrow nullable %v, schema %v", c.Name, f.Nullable, c.Nullable)
		}
	}
	// The Parquet annotations themselves, as arrow-go parses them.
	for i := 0; i < md.Schema.NumColumns(); i++ {
		col := md.Schema.Column(i)
		switch lt := col.LogicalType().(type) {
		case *schema.DecimalLogicalType:
			if lt.Precision() != 18 || lt.Scale() != 2 {
				t.Errorf("%s: %s, want DECIMAL(18,2)", col.Path(), lt)
			}
		case *schema.TimestampLogicalType:
			if !lt.IsAdjustedToUTC() || lt.TimeUnit() != schema.TimeUnitMicros {
				t.Errorf("%s: %s, want TIMESTAMP(MICROS, UTC)", col.Path(), lt)
			}
		}
	}
	maxGroups := (len(rows) + rowGroupLimit - 1) / rowGroupLimit
	if n := af.rdr.NumRowGroups(); n > maxGroups || n < 1 {
		t.Errorf("%d row groups for %d rows at %d per group", n, len(rows), rowGroupLimit)
	}
	for g := 0; g < af.rdr.NumRowGroups(); g++ {
		rg := md.RowGroup(g)
		if rg.NumRows() > rowGroupLimit {
			t.Errorf("row group %d has %d rows, limit %d", g, rg.NumRows(), rowGroupLimit)
		}
		for c := 0; c < rg.NumColumns(); c++ {
			cc, err := rg.ColumnChunk(c)
			if err != nil {
				t.Fatal(err)
			}
			if cc.Compression() != compress.Codecs.Zstd {
				t.Errorf("row group %d column %d: codec %s, want zstd", g, c, cc.Compression())
			}
			if name := cc.PathInSchema().String(); dictColumns[name] && !cc.HasDictionaryPage() {
				t.Errorf("row group %d column %s: no dictionary page", g, name)
			}
		}
	}
	if md.NumRows != int64(len(rows)) {
		t.Errorf("footer says %d rows, wrote %d", md.NumRows, len(rows))
	}
	if got := md.GetCreatedBy(); got != "orderhist version v1.2.3 (build abc)" {
		t.Errorf("created_by = %q", got)
	}
	if v := md.KeyValueMetadata().FindValue("orderhist.table"); v == nil || *v != table {
		t.Errorf("key-value metadata orderhist.table = %v", v)
	}
	checkGolden(t, table+".jsonl", af.jsonl)
}

func TestOrderRowsNulls(t *testing.T) {
	o := normalize.Order{Source: "shopee", Account: "a", OrderID: "1", Lines: []normalize.Line{{}, {LineNo: 7}}}
	row, items := OrderRows(&o, "c1", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if row.OrderedAt != nil || row.UpdatedAt != nil || row.OrderTotal != nil || row.Shipping != nil {
		t.Errorf("unknown values must be nil: %+v", row)
	}
	if row.Status != "unknown" {
		t.Errorf("empty status = %q, want unknown", row.Status)
	}
	if got := []int32{items[0].LineNo, items[1].LineNo}; !slices.Equal(got, []int32{1, 7}) {
		t.Errorf("line numbers %v, want [1 7]", got)
	}
	if items[0].Status != "unknown" || items[0].CustomerID != "c1" {
		t.Errorf("item %+v", items[0])
	}

	o.Status = normalize.StatusPaid
	o.OrderTotal = normalize.Cents(0)
	o.OrderedAt = time.Date(2026, 2, 1, 1, 0, 0, 0, brt)
	row, items = OrderRows(&o, "c1", time.Time{})
	if row.OrderTotal == nil || *row.OrderTotal != 0 {
		t.Errorf("a zero amount is a value, got %v", row.OrderTotal)
	}
	if items[1].Status != "paid" {
		t.Errorf("line without status = %q, want the order's", items[1].Status)
	}
	if row.OrderedAt.Location() != time.UTC || !row.OrderedAt.Equal(o.OrderedAt) {
		t.Errorf("ordered_at %v", row.OrderedAt)
	}
	if items[0].OrderedAt != row.OrderedAt {
		t.Errorf("items share the order's time")
	}
}

func TestOrderedMonth(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 2, 28, 23, 0, 0, 0, brt), "ordered_month=2026-03"}, // UTC month, like ordered_at
		{time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), "ordered_month=2026-02"},
		{time.Time{}, "ordered_month=__HIVE_DEFAULT_PARTITION__"},
	} {
		if got := OrderedMonth(c.t); got != c.want {
			t.Errorf("OrderedMonth(%v) = %q, want %q", c.t, got, c.want)
		}
	}
}

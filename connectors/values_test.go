package connectors

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// readValues reads a small pt-BR sheet (order id, purchase date, delivery
// date, unit price, quantity, shipping) through Fields and StreamRows, as a
// connector does, with ctx's run time.
func readValues(t *testing.T, ctx context.Context, csv string) (map[string]*normalize.Order, []Reject) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "vendas.csv")
	if err := os.WriteFile(p, []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := tabular.OpenCSV(p, tabular.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cols := []tabular.Column{{Names: []string{"Pedido"}}, {Names: []string{"Data"}}, {Names: []string{"Entrega"}}, {Names: []string{"Preço"}}, {Names: []string{"Qtd"}}, {Names: []string{"Frete"}}}
	m, err := tabular.NewHeader(r.Header(), nil).Map(cols)
	if err != nil {
		t.Fatal(err)
	}
	parse := func(s string) (time.Time, error) {
		return normalize.ParseLocalTime(s, normalize.SaoPaulo, normalize.LayoutBRDate)
	}
	f := NewFields(m, nil)
	read := func(row tabular.Row, emit Emit) bool {
		f.Reset(row.Cells)
		o := &normalize.Order{Source: "test", SourceFile: p, SourceRow: row.Number, OrderID: f.Require(0, "order id")}
		o.OrderedAt = f.Time(1, true, parse)
		o.UpdatedAt = Latest(o.OrderedAt, f.Time(2, false, parse))
		l := normalize.Line{LineNo: 1, UnitPrice: f.Money(3, normalize.MoneyBR), Quantity: f.Int(4, true, "quantity"), SourceRow: row.Number}
		l.LineTotal = l.UnitPrice.Times(l.Quantity)
		o.Lines = []normalize.Line{l}
		o.ItemsTotal = l.LineTotal
		o.Shipping = f.Money(5, normalize.MoneyBR)
		o.OrderTotal = o.ItemsTotal.Add(o.Shipping)
		rejects := f.Rejects("test", p, "", row.Number)
		if f.Skipped() {
			return emit(Record{Rejects: rejects})
		}
		return emit(Record{Order: o, Rejects: rejects})
	}
	orders := map[string]*normalize.Order{}
	var rejects []Reject
	for rec, err := range StreamRows(ctx, "test", p, "", r, read, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if rec.Order != nil {
			orders[rec.Order.OrderID] = rec.Order
		}
		rejects = append(rejects, rec.Rejects...)
	}
	return orders, rejects
}

// TestValuesAtTheEdge reads dates and amounts at and beyond every limit
// through the path every file connector takes.
func TestValuesAtTheEdge(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	ctx := WithRunTime(t.Context(), now)
	csv := "Pedido;Data;Entrega;Preço;Qtd;Frete\n" +
		"ok;01/01/2000;;10,00;1;\n" + // line 2
		"late-ok;07/12/2027;07/12/2027;10,00;1;\n" +
		"y9999;31/12/9999;;10,00;1;\n" + // line 4
		"y0001;01/01/0001;;10,00;1;\n" +
		"y1999;31/12/1999;;10,00;1;\n" + // line 6
		"next-year;09/12/2027;;10,00;1;\n" +
		"delivered-9999;05/03/2026;31/12/9999;10,00;1;\n" + // line 8
		"delivered-0001;05/03/2026;01/01/0001;10,00;1;\n" +
		"delivered-2028;05/03/2026;05/03/2028;10,00;1;\n" + // line 10
		"max-price;05/03/2026;;9.999.999.999.999.999,99;1;\n" +
		"price-times-2;05/03/2026;;9.999.999.999.999.999,99;2;\n" + // line 12
		"int64-cents;05/03/2026;;92.233.720.368.547.758,07;1;\n" +
		"sum-beyond;05/03/2026;;9.999.999.999.999.999,99;1;0,01\n" + // line 14
		"shipping-max;05/03/2026;;0,00;1;9.999.999.999.999.999,99\n"
	orders, rejects := readValues(t, ctx, csv)

	type want struct {
		row    int
		column string
		reason string
		effect Effect
	}
	wants := []want{
		{4, "Data", "after 2099", RowSkipped},
		{5, "Data", "before 2000-01-01", RowSkipped},
		{6, "Data", "before 2000-01-01", RowSkipped},
		{7, "ordered_at", "after 2027-12-07, a year after this run", RowSkipped},
		{8, "Entrega", "after 2099", ValueDropped},
		{9, "Entrega", "before 2000-01-01", ValueDropped},
		{10, "updated_at", "after 2027-12-07", ValueDropped},
		{12, "items_total", "DECIMAL(18,2)", RowSkipped},
		{12, "order_total", "DECIMAL(18,2)", RowSkipped},
		{12, "lines[1].line_total", "unit price × quantity", RowSkipped},
		{13, "Preço", "too large", RowSkipped},
		{14, "order_total", "DECIMAL(18,2)", RowSkipped},
	}
	var got []want
	for _, r := range rejects {
		got = append(got, want{r.Row, r.Column, r.Reason, r.Effect})
		if r.File == "" || r.Source != "test" {
			t.Errorf("reject does not name its file and source: %+v", r)
		}
	}
	if len(got) != len(wants) {
		t.Fatalf("rejects:\n%+v\nwant:\n%+v", got, wants)
	}
	for i, w := range wants {
		g := got[i]
		if g.row != w.row || g.column != w.column || !strings.Contains(g.reason, w.reason) || g.effect != w.effect {
			t.Errorf("reject %d = %+v, want %+v", i, g, w)
		}
	}
	for _, id := range []string{"ok", "late-ok", "delivered-9999", "delivered-0001", "delivered-2028", "max-price", "shipping-max"} {
		if orders[id] == nil {
			t.Errorf("order %s was not kept", id)
		}
	}
	if len(orders) != 7 {
		t.Errorf("kept %d orders, want 7", len(orders))
	}
	if o := orders["delivered-2028"]; o != nil && !o.UpdatedAt.IsZero() {
		t.Errorf("the out-of-range update time was kept: %v", o.UpdatedAt)
	}
	for _, id := range []string{"delivered-9999", "delivered-0001"} {
		if o := orders[id]; o != nil && !o.UpdatedAt.Equal(o.OrderedAt) {
			t.Errorf("%s: update time %v, want the purchase date", id, o.UpdatedAt)
		}
	}
	if o := orders["max-price"]; o != nil && o.OrderTotal != normalize.Cents(normalize.MaxCents) {
		t.Errorf("max price order total %v", o.OrderTotal)
	}

	// Without a run time only what no clock makes plausible is refused,
	// at the column that holds it.
	orders, rejects = readValues(t, t.Context(), csv)
	if orders["next-year"] == nil || orders["y9999"] != nil || orders["y0001"] != nil || rejects[0].Column != "Data" || !strings.Contains(rejects[0].Reason, "after 2099") {
		t.Errorf("without a run time: kept %v", keys(orders))
	}
}

func keys(m map[string]*normalize.Order) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestCheckRecordsAPI checks what an API pull yields, with the run's clock.
func TestCheckRecordsAPI(t *testing.T) {
	now := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC)
	good := &normalize.Order{Source: "api", OrderID: "1", OrderedAt: now, OrderTotal: normalize.Cents(100), Fees: normalize.Cents(5).Times(1 << 30).Times(1 << 30)}
	future := &normalize.Order{Source: "api", OrderID: "2", OrderedAt: now.AddDate(2, 0, 0)}
	seq := func(yield func(Record, error) bool) {
		_ = yield(Record{Order: good}, nil) && yield(Record{Order: future, Rejects: []Reject{{Reason: "phone dropped", Effect: ValueDropped}}}, nil)
	}
	var recs []Record
	for rec, err := range CheckRecords(seq, now) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	if len(recs) != 2 || recs[0].Order == nil || recs[0].Order.Fees.Valid || len(recs[0].Rejects) != 1 || recs[0].Rejects[0].Column != "fees" || recs[0].Rejects[0].Effect != ValueDropped {
		t.Fatalf("first record %+v", recs[0])
	}
	if recs[1].Order != nil || len(recs[1].Rejects) != 2 || recs[1].Rejects[0].Effect != RowSkipped || recs[1].Rejects[1].Column != "ordered_at" {
		t.Fatalf("second record %+v", recs[1])
	}
}

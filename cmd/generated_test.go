package cmd

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/internal/testgen"
)

// TestImportGeneratedMatchesKnownValues imports clean generated exports of
// every layout and checks, file by file, what the generator knows it wrote:
// rows, orders, lines, units, money totals and first/last times in UTC.
func TestImportGeneratedMatchesKnownValues(t *testing.T) {
	in := t.TempDir()
	res, err := testgen.Generate(testgen.Config{Seed: 3, People: 150, Lines: 1600, Noise: "none", OutDir: in,
		From: time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(in, testgen.TruthFile))
	out := filepath.Join(t.TempDir(), "data")
	r := run(t, t.Context(), "import", "--out", out, in)
	if r.code != 0 {
		t.Fatalf("clean generated input: code %d (want 0, no rejects)\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	type totals struct {
		orders, lines, units int
		items, total, net    int64
		hasNet               bool
		first, last          string
	}
	got := map[string]*totals{}
	key := func(source, order string) string { return source + "/" + order }
	fileOf := map[string]string{}
	for _, o := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
		f := filepath.Base(o["source_file"].(string))
		tt := got[f]
		if tt == nil {
			tt = &totals{}
			got[f] = tt
		}
		fileOf[key(o["source"].(string), o["order_id"].(string))] = f
		tt.orders++
		tt.items += cents(t, o["items_total"])
		tt.total += cents(t, o["order_total"])
		if o["net_total"] != nil {
			tt.hasNet = true
			tt.net += cents(t, o["net_total"])
		}
		at := o["ordered_at"].(string)
		if tt.first == "" || at < tt.first {
			tt.first = at
		}
		if at > tt.last {
			tt.last = at
		}
	}
	for _, it := range parquettest.ReadGlob(t, filepath.Join(out, "order_items", "*", "*.parquet")).Records {
		tt := got[fileOf[key(it["source"].(string), it["order_id"].(string))]]
		tt.lines++
		if q, ok := it["quantity"].(int32); ok {
			tt.units += int(q)
		}
	}
	rows := map[string]int64{}
	for _, in := range readManifest(t, out).Inputs {
		rows[filepath.Base(in.File)] = in.Rows
	}
	for _, want := range res.Files {
		g := got[want.File]
		if g == nil {
			t.Errorf("%s (%s): no orders imported", want.File, want.Layout)
			continue
		}
		if int(rows[want.File]) != want.Rows || g.orders != want.Orders || g.lines != want.Lines || g.units != want.Units {
			t.Errorf("%s: rows %d orders %d lines %d units %d, want %d %d %d %d", want.File, rows[want.File], g.orders, g.lines, g.units, want.Rows, want.Orders, want.Lines, want.Units)
		}
		if g.items != want.ItemsTotal || g.total != want.OrderTotal {
			t.Errorf("%s: items %d total %d centavos, want %d %d", want.File, g.items, g.total, want.ItemsTotal, want.OrderTotal)
		}
		if want.NetTotal != nil && g.net != *want.NetTotal {
			t.Errorf("%s: net %d, want %d", want.File, g.net, *want.NetTotal)
		}
		if want.FirstOrderedAt != nil && (g.first != want.FirstOrderedAt.UTC().Format(time.RFC3339) || g.last != want.LastOrderedAt.UTC().Format(time.RFC3339)) {
			t.Errorf("%s: first/last %s %s, want %s %s", want.File, g.first, g.last, want.FirstOrderedAt.UTC().Format(time.RFC3339), want.LastOrderedAt.UTC().Format(time.RFC3339))
		}
	}
}

// cents reads a DECIMAL(18,2) value as arrow-go prints it ("1234.50").
func cents(t *testing.T, v any) int64 {
	t.Helper()
	if v == nil {
		return 0
	}
	s := v.(string)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || len(frac) != 2 {
		t.Fatalf("not a DECIMAL(18,2): %q", v)
	}
	if neg {
		n = -n
	}
	return n
}

// TestImportBundledDemo imports the demo exports `make demo` uses: every
// connector reads its file and the orders add up to the generator's count.
func TestImportBundledDemo(t *testing.T) {
	dir := filepath.Join("..", "testdata", "exports")
	out := filepath.Join(t.TempDir(), "data")
	r := run(t, t.Context(), "import", "--out", out, dir)
	if r.code != exitOK && r.code != exitRejected {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := readManifest(t, out)
	connectorsSeen := map[string]bool{}
	for _, in := range m.Inputs {
		connectorsSeen[in.Connector] = true
	}
	for _, name := range []string{"amazon", "csv", "mercadolivre", "shopee", "shopify", "tiktok"} {
		if !connectorsSeen[name] {
			t.Errorf("the demo exports have no file for the %s connector", name)
		}
	}
	if m.Tables["orders"].Rows != 960 {
		t.Errorf("%d orders, want the generator's 960", m.Tables["orders"].Rows)
	}
}

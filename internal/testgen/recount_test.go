package testgen

import (
	"archive/zip"
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// The readers below re-count each generated file independently of the
// generator, the way a connector would, and must agree with the manifest.

type recount struct {
	rows, orders, lines, units int
	items, total, net          int64
	first, last                time.Time
	ids                        []string // order ids in file order, once each
	seen                       map[string]bool
}

func (c *recount) order(id string, at time.Time) bool {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[id] {
		return false
	}
	c.seen[id] = true
	c.ids = append(c.ids, id)
	c.orders++
	if c.first.IsZero() || at.Before(c.first) {
		c.first = at
	}
	if at.After(c.last) {
		c.last = at
	}
	return true
}

func parseDot(t *testing.T, s string) int64 {
	t.Helper()
	if s == "" {
		return 0
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, ok := strings.Cut(s, ".")
	if !ok {
		frac = "00"
	}
	if len(frac) == 1 {
		frac += "0"
	}
	w, err1 := strconv.ParseInt(whole, 10, 64)
	f, err2 := strconv.ParseInt(frac, 10, 64)
	if err1 != nil || err2 != nil || len(frac) != 2 {
		t.Fatalf("bad dot amount %q", s)
	}
	c := w*100 + f
	if neg {
		c = -c
	}
	return c
}

func parseBR(t *testing.T, s string) int64 {
	t.Helper()
	s = strings.TrimPrefix(s, "BRL ")
	if !brAmount.MatchString(s) {
		t.Fatalf("bad pt-BR amount %q", s)
	}
	return parseDot(t, strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", "."))
}

func parseIn(t *testing.T, layout, s string, loc *time.Location) time.Time {
	t.Helper()
	v, err := time.ParseInLocation(layout, s, loc)
	if err != nil {
		t.Fatalf("time %q: %v", s, err)
	}
	return v.UTC()
}

var (
	brAmount    = regexp.MustCompile(`^-?\d{1,3}(\.\d{3})*,\d{2}$`)
	shopeePhone = regexp.MustCompile(`^\*{6}\d\d$`)
	tiktokPhone = regexp.MustCompile(`^\(\+55\)\d{3}\*{6}\d\d$`)
	nonTextCell = regexp.MustCompile(`<c r="[A-Z]+\d+"( s="\d+")?>`)
)

var ptDate = regexp.MustCompile(`^(\d{1,2}) de ([a-zç]+) de (\d{4}) (\d{2}):(\d{2}) hs\.$`)

func parsePT(t *testing.T, s string) time.Time {
	t.Helper()
	m := ptDate.FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("bad ML date %q", s)
	}
	mon := slices.Index(ptMonths[:], m[2]) + 1
	d, _ := strconv.Atoi(m[1])
	y, _ := strconv.Atoi(m[3])
	h, _ := strconv.Atoi(m[4])
	mi, _ := strconv.Atoi(m[5])
	return time.Date(y, time.Month(mon), d, h, mi, 0, 0, saoPaulo).UTC()
}

func recountFile(t *testing.T, dir string, st FileStats) recount {
	t.Helper()
	path := filepath.Join(dir, st.File)
	switch st.Layout {
	case LayoutAmazon, LayoutAmazonLastUpdate:
		return recountAmazon(t, path, st.Layout == LayoutAmazon)
	case LayoutShopify:
		return recountShopify(t, path)
	case LayoutMercadoLivre:
		return recountML(t, path)
	case LayoutShopeeAll, LayoutShopeeToShip:
		return recountShopee(t, path, st.Layout == LayoutShopeeAll)
	case LayoutTikTok:
		return recountTikTok(t, path)
	case LayoutPtBRCSV:
		return recountCSV(t, path)
	}
	t.Fatalf("no reader for %s", st.Layout)
	return recount{}
}

func recountAmazon(t *testing.T, path string, withCPF bool) recount {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	head := strings.Split(sc.Text(), "\t")
	want := slices.Clone(amazonHeader)
	if !withCPF {
		want = slices.Delete(want, amazonCPFCol, amazonCPFCol+1)
	}
	if !slices.Equal(head, want) {
		t.Fatalf("amazon header = %v", head)
	}
	col := func(name string) int { return slices.Index(head, name) }
	var c recount
	for sc.Scan() {
		v := strings.Split(sc.Text(), "\t")
		if len(v) != len(head) {
			t.Fatalf("amazon row has %d fields", len(v))
		}
		c.rows++
		c.lines++
		c.order(v[col("amazon-order-id")], parseIn(t, time.RFC3339, v[col("purchase-date")], time.UTC))
		q, _ := strconv.Atoi(v[col("quantity")])
		c.units += q
		item := parseDot(t, v[col("item-price")])
		c.items += item
		c.total += item + parseDot(t, v[col("shipping-price")])
	}
	return c
}

func recountShopify(t *testing.T, path string) recount {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	head, err := r.Read()
	if err != nil || !slices.Equal(head, shopifyHeader) {
		t.Fatalf("shopify header = %v, %v", head, err)
	}
	col := func(name string) int { return slices.Index(head, name) }
	var c recount
	for {
		v, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c.rows++
		c.lines++
		q, _ := strconv.Atoi(v[col("Lineitem quantity")])
		c.units += q
		c.items += int64(q) * parseDot(t, v[col("Lineitem price")])
		if created := v[col("Created at")]; created != "" {
			if !c.order(v[col("Name")], parseIn(t, "2006-01-02 15:04:05 -0700", created, time.UTC)) {
				t.Fatalf("shopify order %s has two first lines", v[0])
			}
			c.total += parseDot(t, v[col("Total")])
			if z := v[col("Billing Zip")]; !strings.HasPrefix(z, "'") {
				t.Fatalf("shopify zip %q lacks its apostrophe", z)
			}
		} else if !c.seen[v[col("Name")]] || v[col("Total")] != "" {
			t.Fatalf("shopify continuation line of %s is malformed", v[0])
		}
	}
	return c
}

func openSheet(t *testing.T, path, sheet string) (*excelize.File, *excelize.Rows) {
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{sheet}) {
		t.Fatalf("%s: sheets %v, want [%s]", path, got, sheet)
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return f, rows
}

func pad(v []string, n int) []string {
	for len(v) < n {
		v = append(v, "")
	}
	return v
}

func recountML(t *testing.T, path string) recount {
	f, rows := openSheet(t, path, "Vendas BR")
	defer f.Close()
	defer rows.Close()
	var c recount
	n, children := 0, 0
	var cartAt time.Time
	for rows.Next() {
		n++
		v, err := rows.Columns()
		if err != nil {
			t.Fatal(err)
		}
		v = pad(v, mlCols)
		switch {
		case n == 5:
			if v[0] != "Vendas" || v[18] != "Publicidade" || v[59] != "Reclamações" {
				t.Fatalf("ML group row = %q", v)
			}
			continue
		case n == 6:
			if !slices.Equal(v, mlHeader) {
				t.Fatalf("ML header = %q", v)
			}
			continue
		case n < 6:
			continue
		}
		c.rows++
		at := parsePT(t, v[mlDate])
		if k, ok := strings.CutPrefix(v[mlStatus], "Pacote de "); ok {
			if children > 0 {
				t.Fatalf("row %d: cart starts inside a cart", n)
			}
			children, _ = strconv.Atoi(strings.TrimSuffix(k, " produtos"))
			cartAt = at
			if v[mlBuyer] == " " || v[mlUnits] != "" || v[mlSKU] != " " {
				t.Fatalf("row %d: cart summary is malformed: %q", n, v[:40])
			}
		} else {
			if children > 0 {
				children--
				if v[mlRevenue] != "" || v[mlTotal] != "" || v[mlBuyer] != " " || v[mlCPF] != " " || v[mlPack] != "Sim" {
					t.Fatalf("row %d: cart child carries money or buyer: %q", n, v[:40])
				}
				if at.Before(cartAt) {
					t.Fatalf("row %d: child sold before its cart", n)
				}
			}
			c.lines++
			u, err := strconv.Atoi(v[mlUnits])
			if err != nil {
				t.Fatalf("row %d: units %q", n, v[mlUnits])
			}
			c.units += u
			c.order(v[mlID], at)
		}
		rev := parseDot(t, v[mlRevenue])
		c.items += rev
		c.total += rev + parseDot(t, v[mlShipRevenue])
		c.net += parseDot(t, v[mlTotal])
		if shipCost, fees := v[mlShipCost], v[mlShipFees]; shipCost != fees {
			t.Fatalf("row %d: shipping fees %q and cost %q differ", n, fees, shipCost)
		}
	}
	if children != 0 {
		t.Fatal("ML file ends inside a cart")
	}
	if c.rows > 0 {
		raw := rawSheet(t, path, "xl/worksheets/sheet1.xml")
		for cell, want := range map[string]string{"A7": ` t="inlineStr"`, "H7": ``, "Q7": ``, "G7": ``} {
			m := regexp.MustCompile(`<c r="` + cell + `"( s="\d+")?( t="\w+")?>`).FindSubmatch(raw)
			if m == nil || string(m[2]) != want {
				t.Fatalf("ML cell %s is %q, want type %q", cell, m, want)
			}
		}
	}
	return c
}

func recountShopee(t *testing.T, path string, all bool) recount {
	// Every cell is text, and the sheet is stored as sheet2.xml.
	raw := rawSheet(t, path, "xl/worksheets/sheet2.xml")
	if m := nonTextCell.Find(raw); m != nil {
		t.Fatalf("shopee has a non-text cell: %s", m)
	}

	f, rows := openSheet(t, path, "orders")
	defer f.Close()
	defer rows.Close()
	want := slices.Clone(shopeeHeader)
	if !all {
		want = slices.Delete(want, shopeeCancelCol, shopeeCancelCol+1)
	}
	rows.Next()
	head, _ := rows.Columns()
	if !slices.Equal(head, want) {
		t.Fatalf("shopee header = %q", head)
	}
	col := func(name string) int { return slices.Index(head, name) }
	iSub, iTotal := col("Subtotal do produto"), col("Total global")
	var c recount
	for rows.Next() {
		v, _ := rows.Columns()
		v = pad(v, len(head))
		c.rows++
		c.lines++
		q, _ := strconv.Atoi(v[col("Quantidade")])
		c.units += q
		c.items += parseDot(t, v[iSub])
		at := parseIn(t, "2006-01-02 15:04", v[col("Data de criação do pedido")], saoPaulo)
		id := v[col("ID do pedido")]
		if c.order(id, at) {
			c.total += parseDot(t, v[iTotal])
		}
		if prefix := at.In(utc8).Format("060102"); !strings.HasPrefix(id, prefix) {
			t.Fatalf("shopee id %s does not start with its UTC+8 date %s", id, prefix)
		}
		if ph := v[col("Telefone")]; !shopeePhone.MatchString(ph) {
			t.Fatalf("shopee phone %q is not masked", ph)
		}
	}
	return c
}

func recountTikTok(t *testing.T, path string) recount {
	f, rows := openSheet(t, path, "OrderSKUList")
	defer f.Close()
	defer rows.Close()
	rows.Next()
	head, _ := rows.Columns()
	if !slices.Equal(head, tiktokHeader) {
		t.Fatalf("tiktok header = %q", head)
	}
	rows.Next()
	desc, _ := rows.Columns()
	if desc[0] != "Platform unique order ID." {
		t.Fatalf("tiktok row 2 = %q", desc[:3])
	}
	col := func(name string) int { return slices.Index(head, name) }
	var c recount
	for rows.Next() {
		v, _ := rows.Columns()
		v = pad(v, len(head))
		c.rows++
		c.lines++
		q, _ := strconv.Atoi(v[col("Quantity")])
		c.units += q
		c.items += parseBR(t, v[col("SKU Subtotal After Discount")])
		at := parseIn(t, "01/02/2006 03:04:05 PM", v[col("Created Time")], saoPaulo)
		if c.order(v[col("Order ID")], at) {
			c.total += parseBR(t, v[col("Order Amount")])
		}
		if ph := v[col("Phone #")]; !tiktokPhone.MatchString(ph) {
			t.Fatalf("tiktok phone %q is not masked", ph)
		}
	}
	return c
}

func recountCSV(t *testing.T, path string) recount {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(string(raw), "\r\n") || strings.Count(string(raw), "\r\n") != strings.Count(string(raw), "\n") {
		t.Fatal("pt-BR CSV lines do not end in CRLF")
	}
	text, err := charmap.Windows1252.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(strings.NewReader(string(text)))
	r.Comma = ';'
	head, err := r.Read()
	if err != nil || !slices.Equal(head, ptbrHeader) {
		t.Fatalf("pt-BR header = %q (%v)", head, err)
	}
	var c recount
	for {
		v, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c.rows++
		c.lines++
		q, _ := strconv.Atoi(v[11])
		c.units += q
		line := parseBR(t, v[13])
		if line != int64(q)*parseBR(t, v[12]) {
			t.Fatalf("pt-BR line total %s != %d × %s", v[13], q, v[12])
		}
		c.items += line
		c.total += line
		c.order(v[0], parseIn(t, "02/01/2006 15:04", v[1], saoPaulo))
	}
	return c
}

func checkCounts(t *testing.T, dir string, st FileStats) recount {
	t.Helper()
	c := recountFile(t, dir, st)
	got := fmt.Sprintf("rows=%d orders=%d lines=%d units=%d items=%d total=%d", c.rows, c.orders, c.lines, c.units, c.items, c.total)
	want := fmt.Sprintf("rows=%d orders=%d lines=%d units=%d items=%d total=%d", st.Rows, st.Orders, st.Lines, st.Units, st.ItemsTotal, st.OrderTotal)
	if got != want {
		t.Errorf("%s: file has %s, manifest says %s", st.Layout, got, want)
	}
	if st.NetTotal != nil && *st.NetTotal != c.net {
		t.Errorf("%s: net total %d in file, %d in manifest", st.Layout, c.net, *st.NetTotal)
	}
	if st.Orders > 0 && (!c.first.Equal(*st.FirstOrderedAt) || !c.last.Equal(*st.LastOrderedAt)) {
		t.Errorf("%s: file spans %s..%s, manifest %s..%s", st.Layout, c.first, c.last, st.FirstOrderedAt, st.LastOrderedAt)
	}
	return c
}

func decode1252(t *testing.T, b []byte) string {
	t.Helper()
	s, err := charmap.Windows1252.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(s)
}

func rawSheet(t *testing.T, path, name string) []byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		if strings.HasPrefix(f.Name, "xl/worksheets/") {
			names = append(names, f.Name)
		}
	}
	if !slices.Equal(names, []string{name}) {
		t.Fatalf("%s: worksheets %v, want %s only", path, names, name)
	}
	rc, err := z.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

package textlayout

import (
	"strings"
	"testing"

	"github.com/rivo/uniseg"
)

func TestShorten(t *testing.T) {
	for _, tc := range []struct {
		in    string
		width int
		want  string
	}{
		{"pedidos.csv", 20, "pedidos.csv"},
		{"/home/ana/Downloads/Order.all.20260201_20260228.xlsx", 30, "/home/ana…260201_20260228.xlsx"},
		{"relatório-março-ção.csv", 12, "rel…-ção.csv"},
		{"abc", 1, "…"},
		{"abc", 0, ""},
		{"日本語のファイル.csv", 10, "日…ル.csv"},
	} {
		got := Shorten(tc.in, tc.width)
		if got != tc.want {
			t.Errorf("Shorten(%q, %d) = %q, want %q", tc.in, tc.width, got, tc.want)
		}
		if w := uniseg.StringWidth(got); w > tc.width {
			t.Errorf("Shorten(%q, %d) is %d columns wide", tc.in, tc.width, w)
		}
	}
}

func TestTableFitsWidth(t *testing.T) {
	long := "/home/vendedora/Documentos/Exportações de pedidos/2026/março/Order.all.20260301_20260331_part_1_of_3.xlsx"
	for _, tc := range []struct {
		name  string
		width int
		rows  [][]string
		want  string
	}{
		{
			name:  "fits as it is",
			width: 100,
			rows:  [][]string{{"a.csv", "amazon", "10"}, {"bb.csv", "-", "-"}},
			want: "file    connector  rows\n" +
				"a.csv   amazon     10\n" +
				"bb.csv  -          -\n",
		},
		{
			name:  "first column gives way",
			width: 40,
			rows:  [][]string{{long, "shopee", "1200"}},
			want: "file                     connector  rows\n" +
				"/home/v…art_1_of_3.xlsx  shopee     1200\n",
		},
		{
			name:  "the widest column gives way first",
			width: 60,
			rows: [][]string{
				{"Order.all.20240101_20261031.xlsx", "shopee", "150"},
				{"Order.toship.20240101_20261031.xlsx", "shopee", "150"},
				{"pedidos.csv", "mapping:pedidos_ptbr_do_erp_da_loja.mapping.yaml", "150"},
			},
			want: "file                        connector                   rows\n" +
				"Order.al…101_20261031.xlsx  shopee                      150\n" +
				"Order.to…101_20261031.xlsx  shopee                      150\n" +
				"pedidos.csv                 mapping:…loja.mapping.yaml  150\n",
		},
		{
			name:  "floors hold",
			width: 10,
			rows:  [][]string{{long, "shopee", "1200"}},
			want: "file              connector  rows\n" +
				"/home…_of_3.xlsx  shopee     1200\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tb := NewTable("file", "connector", "rows")
			for _, r := range tc.rows {
				tb.Row(r...)
			}
			var b strings.Builder
			if err := tb.Write(&b, tc.width); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%s\nwant\n%s", b.String(), tc.want)
			}
			for _, l := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
				if w := uniseg.StringWidth(l); w > tc.width && tc.name != "floors hold" {
					t.Errorf("line %q is %d columns, over %d", l, w, tc.width)
				}
			}
		})
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name, first, indent, text string
		width                     int
		want                      string
	}{
		{"short", "orders:  ", "         ", "12 in the dataset", 40, "orders:  12 in the dataset\n"},
		{"hanging indent", "orders:  ", "         ", "12 in the dataset (3 new, 2 updated, 7 unchanged; 0 enriched)", 40,
			"orders:  12 in the dataset (3 new, 2\n" +
				"         updated, 7 unchanged; 0\n" +
				"         enriched)\n"},
		{"long word broken", "  ", "    ", "/a/very/long/path/that/does/not/fit.csv: bad", 20,
			"  /a/very/long/path/\n" +
				"    that/does/not/fi\n" +
				"    t.csv: bad\n"},
		{"empty text keeps the label", "note: ", "  ", "", 20, "note:\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := Wrap(&b, tc.first, tc.indent, tc.text, tc.width); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got\n%q\nwant\n%q", b.String(), tc.want)
			}
		})
	}
}

func TestItem(t *testing.T) {
	for _, tc := range []struct{ label, text, want string }{
		{"a.pdf", "this is a PDF document, not a spreadsheet", "  a.pdf: this is a PDF document, not a\n    spreadsheet\n"},
		{"exports/2026/março/relatorio.pdf", "a PDF", "  exports/2026/março/relatorio.pdf:\n    a PDF\n"},
	} {
		var b strings.Builder
		if err := Item(&b, tc.label, tc.text, 40); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("Item(%q) = %q, want %q", tc.label, b.String(), tc.want)
		}
	}
}

func TestCommonDir(t *testing.T) {
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{[]string{"exports/shopee/a.xlsx", "exports/shopee/b.xlsx"}, "exports/shopee/"},
		{[]string{"exports/shopee/a.xlsx", "exports/shop.csv"}, "exports/"},
		{[]string{"exports/a.csv", "exports-old/a.csv"}, ""},
		{[]string{"a.csv", "b.csv"}, ""},
		{[]string{"exports/a.csv"}, ""},
		{[]string{`C:\vendas\a.csv`, `C:\vendas\b.csv`}, `C:\vendas\`},
		{[]string{"/d/março/a.csv", "/d/março/b.csv", "/d/maio/c.csv"}, "/d/"},
	} {
		if got := CommonDir(tc.paths); got != tc.want {
			t.Errorf("CommonDir(%q) = %q, want %q", tc.paths, got, tc.want)
		}
	}
}

// FuzzWrap: whatever the text, every line fits the width and no word is
// lost.
func FuzzWrap(f *testing.F) {
	f.Add("orders: 12 in the dataset (3 new)", 20)
	f.Add("/a/very/long/path/ção/日本語.csv: a reason", 7)
	f.Fuzz(func(t *testing.T, text string, width int) {
		if width < 6 || width > 200 {
			return
		}
		var b strings.Builder
		if err := Wrap(&b, "ab: ", "    ", text, width); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			// A single grapheme wider than the room left (a wide
			// character) cannot be split; it is the only excuse.
			if w := uniseg.StringWidth(l); w > width+1 {
				t.Fatalf("line %q is %d columns, over %d", l, w, width)
			}
		}
		joined := strings.Join(strings.Fields(strings.TrimPrefix(out, "ab:")), "")
		if want := strings.Join(strings.Fields(text), ""); joined != want {
			t.Fatalf("text changed: %q, want %q", joined, want)
		}
	})
}

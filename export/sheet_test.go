package export

import (
	"bytes"
	"encoding/csv"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/history"
)

// FuzzCSVText: whatever text a buyer typed, the CSV reads back as that
// text, behind an apostrophe where a spreadsheet would take it for a
// formula, and no field starts a formula.
func FuzzCSVText(f *testing.F) {
	for _, s := range []string{"Ana", "=1+1", "+5511987654321", "-2", "@SUM(A1)", "\tx", "\r=x", "a;b", `"q"`, "linha\nnova", "São Paulo", ""} {
		f.Add(s, int64(-1050))
	}
	h := &history.History{Options: history.Options{Location: time.UTC}}
	f.Fuzz(func(t *testing.T, s string, cents int64) {
		for _, lang := range Languages {
			l := newLocale(lang, h)
			var buf bytes.Buffer
			sw, err := newCSV(&buf, l, []column{{"t", kText, 1}, {"m", kMoney, 1}})
			if err != nil {
				t.Fatal(err)
			}
			if err := sw.row([]cell{text(s), money(cents)}); err != nil {
				t.Fatal(err)
			}
			if err := sw.close(); err != nil {
				t.Fatal(err)
			}
			r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF"))))
			r.Comma = l.comma
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s: written CSV does not parse: %v\n%q", lang, err, buf.String())
			}
			if len(rows) != 2 || len(rows[1]) != 2 {
				t.Fatalf("%s: %d rows %q", lang, len(rows), rows)
			}
			got := rows[1][0]
			if dangerous(got) {
				t.Errorf("%s: %q written as %q, which starts a formula", lang, s, got)
			}
			want := s
			if dangerous(s) {
				want = "'" + s
			}
			// encoding/csv drops a \r before \n inside quotes on reading.
			if !strings.Contains(s, "\r") && got != want {
				t.Errorf("%s: %q read back as %q, want %q", lang, s, got, want)
			}
			if m := rows[1][1]; m != l.decimal(cents) {
				t.Errorf("%s: %d cents read back as %q", lang, cents, m)
			}
		}
	})
}

func TestDecimal(t *testing.T) {
	pt, en := newLocale("pt-BR", &history.History{}), newLocale("en", &history.History{})
	for _, tc := range []struct {
		cents  int64
		pt, en string
	}{
		{0, "0,00", "0.00"}, {5, "0,05", "0.05"}, {-5, "-0,05", "-0.05"}, {123456, "1234,56", "1234.56"},
		{-100, "-1,00", "-1.00"}, {math.MinInt64, "-92233720368547758,08", "-92233720368547758.08"}, {99999999999999999, "999999999999999,99", "999999999999999.99"},
	} {
		if got := pt.decimal(tc.cents); got != tc.pt {
			t.Errorf("pt-BR %d: %q, want %q", tc.cents, got, tc.pt)
		}
		if got := en.decimal(tc.cents); got != tc.en {
			t.Errorf("en %d: %q, want %q", tc.cents, got, tc.en)
		}
	}
}

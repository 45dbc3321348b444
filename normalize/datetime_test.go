package normalize

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
)

func utc(y int, m time.Month, d, h, mi, s int) time.Time {
	return time.Date(y, m, d, h, mi, s, 0, time.UTC)
}

func TestSaoPauloHistory(t *testing.T) {
	// Brazil kept DST until 2019: February 2018 was -02:00, 2026 is -03:00.
	for _, tc := range []struct{ local, want time.Time }{
		{time.Date(2018, 2, 10, 12, 0, 0, 0, SaoPaulo), utc(2018, 2, 10, 14, 0, 0)},
		{time.Date(2026, 2, 10, 12, 0, 0, 0, SaoPaulo), utc(2026, 2, 10, 15, 0, 0)},
		{time.Date(2018, 7, 10, 12, 0, 0, 0, SaoPaulo), utc(2018, 7, 10, 15, 0, 0)},
	} {
		if got := tc.local.UTC(); !got.Equal(tc.want) {
			t.Errorf("%v in UTC = %v, want %v", tc.local, got, tc.want)
		}
	}
	if _, off := time.Date(2026, 1, 1, 0, 0, 0, 0, UTCPlus8).Zone(); off != 8*3600 {
		t.Errorf("UTCPlus8 offset = %d", off)
	}
}

type ptCase struct {
	in   string
	ref  time.Time
	want time.Time
	err  string
}

var (
	saleFeb  = utc(2026, 2, 2, 18, 44, 0)  // 2 Feb 2026 15:44 in São Paulo
	saleDec  = utc(2025, 12, 28, 15, 0, 0) // 28 Dec 2025 12:00
	saleJan1 = utc(2026, 1, 1, 2, 30, 0)   // 31 Dec 2025 23:30 in São Paulo
)

var ptCases = []ptCase{
	// "Data da venda".
	{"2 de fevereiro de 2026 15:44 hs.", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15:44", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15:44 hs", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15:44hs.", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15:44 h", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15h44", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fevereiro de 2026 15:44:30", time.Time{}, utc(2026, 2, 2, 18, 44, 30), ""},
	{"  2  de  Fevereiro  de   2026  15:44  hs. ", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 DE FEVEREIRO DE 2026 15:44 HS.", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"02 de fevereiro de 2026 15:44 hs.", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2\u00a0de fevereiro de 2026\u206015:44 hs.", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 de fev. de 2026 15:44", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"2 fev 2026 15:44", time.Time{}, utc(2026, 2, 2, 18, 44, 0), ""},
	{"4 de março de 2026 00:24 hs.", time.Time{}, utc(2026, 3, 4, 3, 24, 0), ""},
	{"4 de marco de 2026 00:24 hs.", time.Time{}, utc(2026, 3, 4, 3, 24, 0), ""},
	{"4 de MARÇO de 2026 0:24", time.Time{}, utc(2026, 3, 4, 3, 24, 0), ""},
	{"1º de março de 2026 10:00", time.Time{}, utc(2026, 3, 1, 13, 0, 0), ""},
	{"11 de março de 2026, às 08:18 hs.", time.Time{}, utc(2026, 3, 11, 11, 18, 0), ""},
	{"31 de dezembro de 2025 23:59 hs.", time.Time{}, utc(2026, 1, 1, 2, 59, 0), ""},
	// DST era: -02:00.
	{"10 de fevereiro de 2018 12:00 hs.", time.Time{}, utc(2018, 2, 10, 14, 0, 0), ""},
	// DST began at midnight: 00:30 on 4 Nov 2018 never happened on the
	// clock; it is still a real date and is read with the new offset.
	{"4 de novembro de 2018 00:30", time.Time{}, utc(2018, 11, 4, 2, 30, 0), ""},
	// Yearless delivery dates, the year inferred from the sale.
	{"4 de março | 00:24", saleFeb, utc(2026, 3, 4, 3, 24, 0), ""},
	{"4 de março|00:24", saleFeb, utc(2026, 3, 4, 3, 24, 0), ""},
	{"4 de março 00:24 hs.", saleFeb, utc(2026, 3, 4, 3, 24, 0), ""},
	{"2 de janeiro | 10:00", saleDec, utc(2026, 1, 2, 13, 0, 0), ""},
	{"30 de dezembro | 09:00", saleDec, utc(2025, 12, 30, 12, 0, 0), ""},
	{"2 de fevereiro | 10:00", saleFeb, utc(2026, 2, 2, 13, 0, 0), ""}, // same day, before the sale time
	{"1 de janeiro | 08:00", saleJan1, utc(2026, 1, 1, 11, 0, 0), ""},
	{"29 de fevereiro | 10:00", utc(2027, 3, 10, 12, 0, 0), utc(2028, 2, 29, 13, 0, 0), ""},
	{"29 de fevereiro | 10:00", utc(2027, 1, 10, 12, 0, 0), time.Time{}, "no date within a year"},
	{"4 de março | 00:24", time.Time{}, time.Time{}, "order date is unknown"},
	// Empty.
	{"", time.Time{}, time.Time{}, ""},
	{" ", time.Time{}, time.Time{}, ""},
	{"-", time.Time{}, time.Time{}, ""},
	// Not dates.
	{"31 de fevereiro de 2026 10:00", time.Time{}, time.Time{}, "is not a real date"},
	{"2 de fevereiro de 2026", time.Time{}, time.Time{}, "has no time of day"},
	{"2 de febrero de 2026 10:00", time.Time{}, time.Time{}, "is not a date like 2 de fevereiro de 2026 15:44"},
	{"2026-02-02 15:44", time.Time{}, time.Time{}, "is not a date"},
	{"2 de fevereiro de 2026 25:00", time.Time{}, time.Time{}, "is not a date"},
	{"2 de fevereiro de 2026 15:60", time.Time{}, time.Time{}, "is not a date"},
	{"2 de fevereiro de 2026 15:44 hs. amanhã", time.Time{}, time.Time{}, "is not a date"},
	{"32 de março de 2026 10:00", time.Time{}, time.Time{}, "is not a date"},
	{"0 de março de 2026 10:00", time.Time{}, time.Time{}, "is not a date"},
	{"Para enviar no dia 17 de março", time.Time{}, time.Time{}, "is not a date"},
	{"março 2026", time.Time{}, time.Time{}, "is not a date"},
}

func TestParsePortugueseDateTime(t *testing.T) {
	for _, tc := range ptCases {
		got, err := ParsePortugueseDateTime(tc.in, SaoPaulo, tc.ref)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParsePortugueseDateTime(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || got.Location() != time.UTC {
			t.Errorf("ParsePortugueseDateTime(%q, ref %v) = %v, %v; want %v", tc.in, tc.ref, got, err, tc.want)
		}
	}
}

var ptMonthNames = [...]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}

func formatPT(t time.Time) string {
	return fmt.Sprintf("%d de %s de %04d %02d:%02d:%02d hs.", t.Day(), ptMonthNames[t.Month()-1], t.Year(), t.Hour(), t.Minute(), t.Second())
}

// sameInstantOrDSTRepeat accepts a one-hour difference, which is the
// wall-clock hour Brazil repeated when DST ended: one wall time, two instants.
func sameInstantOrDSTRepeat(a, b time.Time) bool {
	d := a.Sub(b)
	return d == 0 || d == time.Hour || d == -time.Hour
}

func FuzzParsePortugueseDateTime(f *testing.F) {
	for _, tc := range ptCases {
		f.Add(tc.in, tc.ref.Unix())
	}
	f.Fuzz(func(t *testing.T, s string, refUnix int64) {
		if refUnix < -1e10 || refUnix > 1e11 {
			refUnix %= 1e10
		}
		ref := time.Unix(refUnix, 0)
		got, err := ParsePortugueseDateTime(s, SaoPaulo, ref)
		if err != nil || got.IsZero() {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParsePortugueseDateTime(%q) not in UTC: %v", s, got)
		}
		back, err := ParsePortugueseDateTime(formatPT(got.In(SaoPaulo)), SaoPaulo, time.Time{})
		if err != nil || !sameInstantOrDSTRepeat(back, got) {
			t.Fatalf("ParsePortugueseDateTime(%q) = %v, but its formatted form reads %v, %v", s, got, back, err)
		}
	})
}

type localCase struct {
	in      string
	loc     *time.Location
	layouts []string
	want    time.Time
	err     string
}

var localCases = []localCase{
	// Shopee export: BRT wall time, no seconds; "-" when missing.
	{"2026-02-18 13:03", SaoPaulo, []string{LayoutISODateTimeMinute}, utc(2026, 2, 18, 16, 3, 0), ""},
	{"-", SaoPaulo, []string{LayoutISODateTimeMinute}, time.Time{}, ""},
	{"", SaoPaulo, []string{LayoutISODateTimeMinute}, time.Time{}, ""},
	{"2017-10-02 10:56:33", SaoPaulo, []string{LayoutISODateTime}, utc(2017, 10, 2, 13, 56, 33), ""},
	// TikTok: US 12-hour clock, also with a trailing tab (CSV variant).
	{"03/17/2026 10:25:21 AM", SaoPaulo, []string{LayoutUSDateTime12}, utc(2026, 3, 17, 13, 25, 21), ""},
	{"03/17/2026 10:25:21 AM\t", SaoPaulo, []string{LayoutUSDateTime12}, utc(2026, 3, 17, 13, 25, 21), ""},
	{"3/7/2026 9:05:00 PM", SaoPaulo, []string{LayoutUSDateTime12}, utc(2026, 3, 8, 0, 5, 0), ""},
	{"12/31/2025 12:00:00 AM", SaoPaulo, []string{LayoutUSDateTime12}, utc(2025, 12, 31, 3, 0, 0), ""},
	// pt-BR Excel CSV.
	{"10/02/2026 17:30", SaoPaulo, []string{LayoutBRDateTime}, utc(2026, 2, 10, 20, 30, 0), ""},
	{"09/09/2025 22:59", SaoPaulo, []string{LayoutBRDateTime}, utc(2025, 9, 10, 1, 59, 0), ""},
	{"1/2/2026 8:00", SaoPaulo, []string{LayoutBRDateTime}, utc(2026, 2, 1, 11, 0, 0), ""},
	{"10/02/2026 17:30:15", SaoPaulo, []string{LayoutBRDateTime, LayoutBRDateTimeSeconds}, utc(2026, 2, 10, 20, 30, 15), ""},
	{"10/02/2026", SaoPaulo, []string{LayoutBRDateTime, LayoutBRDate}, utc(2026, 2, 10, 3, 0, 0), ""},
	{"10/02/2018 12:00", SaoPaulo, []string{LayoutBRDateTime}, utc(2018, 2, 10, 14, 0, 0), ""}, // DST era
	{"04/11/2018 00:30", SaoPaulo, []string{LayoutBRDateTime}, utc(2018, 11, 4, 2, 30, 0), ""}, // in the DST gap
	{"10/02/2026\u00a017:30", SaoPaulo, []string{LayoutBRDateTime}, utc(2026, 2, 10, 20, 30, 0), ""},
	{"10/02/2026  17:30", SaoPaulo, []string{LayoutBRDateTime}, utc(2026, 2, 10, 20, 30, 0), ""},
	// Shopify: the store's offset wins over loc.
	{"2026-02-10 17:32:11 -0300", SaoPaulo, []string{LayoutShopify}, utc(2026, 2, 10, 20, 32, 11), ""},
	{"2025-10-07 09:50:26 +0200", SaoPaulo, []string{LayoutShopify}, utc(2025, 10, 7, 7, 50, 26), ""},
	{"2024-05-01 10:00:00 +0000", time.UTC, []string{LayoutShopify}, utc(2024, 5, 1, 10, 0, 0), ""},
	// APIs and Amazon's report: offsets, "Z", milliseconds.
	{"2026-02-03T08:05:11.000-04:00", SaoPaulo, []string{LayoutRFC3339}, utc(2026, 2, 3, 12, 5, 11), ""},
	{"2026-02-10T20:32:11+00:00", time.UTC, []string{LayoutRFC3339, LayoutISODateTime}, utc(2026, 2, 10, 20, 32, 11), ""},
	{"2017-06-17T08:04:21Z", time.UTC, []string{LayoutRFC3339}, utc(2017, 6, 17, 8, 4, 21), ""},
	{"2015-07-01T00:00:00.000-00:00", time.UTC, []string{LayoutRFC3339}, utc(2015, 7, 1, 0, 0, 0), ""},
	{"2026-02-10 20:32:11", time.UTC, []string{LayoutRFC3339, LayoutISODateTime}, utc(2026, 2, 10, 20, 32, 11), ""},
	{"2026-02-10 12:00:00", UTCPlus8, []string{LayoutISODateTime}, utc(2026, 2, 10, 4, 0, 0), ""}, // SHEIN
	// Not dates.
	{"31/02/2026", SaoPaulo, []string{LayoutBRDateTime, LayoutBRDate}, time.Time{}, `"31/02/2026" is not a date like 10/02/2026 17:30`},
	{"13/17/2026 10:25:21 AM", SaoPaulo, []string{LayoutUSDateTime12}, time.Time{}, "is not a date like 02/10/2026 05:30:00 PM"},
	{"2026-02-18 13:03", SaoPaulo, []string{LayoutBRDateTime}, time.Time{}, "is not a date"},
	{"17/03/2026 10:25:21 AM", SaoPaulo, []string{LayoutUSDateTime12}, time.Time{}, "is not a date"},
	{"46256.60763888889", SaoPaulo, []string{LayoutISODateTime}, time.Time{}, "is not a date like 2026-02-10 17:30:00"},
	{"2026-02-18", SaoPaulo, nil, time.Time{}, "no date layout"},
}

func TestParseLocalTime(t *testing.T) {
	for _, tc := range localCases {
		got, err := ParseLocalTime(tc.in, tc.loc, tc.layouts...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseLocalTime(%q, %v) = %v, %v; want error containing %q", tc.in, tc.layouts, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseLocalTime(%q, %v) = %v, %v; want %v", tc.in, tc.layouts, got, err, tc.want)
		}
	}
}

var fuzzLayouts = []string{LayoutISODateTimeMinute, LayoutISODateTime, LayoutUSDateTime12, LayoutBRDateTime, LayoutBRDateTimeSeconds, LayoutBRDate, LayoutShopify, LayoutRFC3339}

func FuzzParseLocalTime(f *testing.F) {
	for _, tc := range localCases {
		for i, l := range fuzzLayouts {
			if len(tc.layouts) > 0 && tc.layouts[0] == l {
				f.Add(tc.in, uint8(i))
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		layout := fuzzLayouts[int(which)%len(fuzzLayouts)]
		got, err := ParseLocalTime(s, SaoPaulo, layout)
		if err != nil || got.IsZero() {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseLocalTime(%q, %q) not in UTC: %v", s, layout, got)
		}
		if got.Year() < 1914 || got.Year() > 9999 {
			// Outside what the layouts write back: before 1914 São Paulo
			// ran on local mean time, -03:06:28, and numeric offsets have
			// no seconds.
			return
		}
		got = got.Truncate(time.Second) // fractional seconds are read but not written by these layouts
		back, err := ParseLocalTime(got.In(SaoPaulo).Format(layout), SaoPaulo, layout)
		if err != nil || !sameInstantOrDSTRepeat(back, got) {
			t.Fatalf("ParseLocalTime(%q, %q) = %v, but its formatted form reads %v, %v", s, layout, got, back, err)
		}
	})
}

type serialCase struct {
	in       string
	date1904 bool
	want     time.Time
	err      string
}

var serialCases = []serialCase{
	{"46256.60763888889", false, utc(2026, 8, 22, 17, 35, 0), ""},
	{"45658", false, utc(2025, 1, 1, 3, 0, 0), ""},
	{"45658.999999999", false, utc(2025, 1, 2, 3, 0, 0), ""}, // rounds to the next midnight
	{"45658.5000000001", false, utc(2025, 1, 1, 15, 0, 0), ""},
	{"43141.5", false, utc(2018, 2, 10, 14, 0, 0), ""}, // DST era
	{"1", false, utc(1900, 1, 1, 3, 6, 28), ""},        // São Paulo's 1900 offset was LMT -03:06:28
	{"59", false, utc(1900, 2, 28, 3, 6, 28), ""},
	{"60", false, time.Time{}, "29 February 1900"},
	{"61", false, utc(1900, 3, 1, 3, 6, 28), ""},
	{"0.5", false, time.Time{}, "time of day without a date"},
	{"44196", true, utc(2025, 1, 1, 3, 0, 0), ""},
	{"0", true, utc(1904, 1, 1, 3, 6, 28), ""},
	{"4.6256607638888891E4", false, utc(2026, 8, 22, 17, 35, 0), ""},
	{"", false, time.Time{}, ""},
	{" ", false, time.Time{}, ""},
	{"-1", true, time.Time{}, "before 1904"},
	{"-1", false, time.Time{}, "without a date"},
	{"200000", false, utc(2447, 7, 30, 3, 0, 0), ""},   // beyond a time.Duration's 292 years from the epoch
	{"2958465", false, utc(9999, 12, 31, 3, 0, 0), ""}, // Excel's last day
	{"1e10", false, time.Time{}, "past the year 9999"},
	{"NaN", false, time.Time{}, "is not an Excel date"},
	{"Inf", false, time.Time{}, "is not an Excel date"},
	{"46256,6", false, time.Time{}, "is not an Excel date"},
	{"10/02/2026", false, time.Time{}, "is not an Excel date"},
}

func TestParseExcelSerial(t *testing.T) {
	for _, tc := range serialCases {
		got, err := ParseExcelSerial(tc.in, tc.date1904, SaoPaulo)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseExcelSerial(%q, %v) = %v, %v; want error containing %q", tc.in, tc.date1904, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseExcelSerial(%q, %v) = %v, %v; want %v", tc.in, tc.date1904, got, err, tc.want)
		}
	}
	// In UTC the serial is the wall time itself.
	if got, _ := ParseExcelSerial("46256.60763888889", false, time.UTC); !got.Equal(utc(2026, 8, 22, 14, 35, 0)) {
		t.Errorf("ParseExcelSerial in UTC = %v", got)
	}
}

func FuzzParseExcelSerial(f *testing.F) {
	for _, tc := range serialCases {
		f.Add(tc.in, tc.date1904)
	}
	f.Fuzz(func(t *testing.T, s string, date1904 bool) {
		got, err := ParseExcelSerial(s, date1904, SaoPaulo)
		if err != nil || got.IsZero() {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseExcelSerial(%q) not in UTC", s)
		}
		if got.Nanosecond() != 0 {
			t.Fatalf("ParseExcelSerial(%q) = %v, not rounded to the second", s, got)
		}
		w := got.In(SaoPaulo)
		wall := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)
		epoch := excel1900
		if date1904 {
			epoch = excel1904
		}
		secs := wall.Unix() - epoch.Unix()
		if !date1904 && secs < 61*86400 {
			secs -= 86400
		}
		serial := strconv.FormatFloat(float64(secs)/86400, 'g', -1, 64)
		back, err := ParseExcelSerial(serial, date1904, SaoPaulo)
		if err != nil || !sameInstantOrDSTRepeat(back, got) {
			t.Fatalf("ParseExcelSerial(%q) = %v, but serial %s reads %v, %v", s, got, serial, back, err)
		}
	})
}

func TestParseUnixSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		err  string
	}{
		{"1770755400", utc(2026, 2, 10, 20, 30, 0), ""},
		{" 1770755400 ", utc(2026, 2, 10, 20, 30, 0), ""},
		{"0", time.Time{}, ""},
		{"", time.Time{}, ""},
		{"1770755400000", time.Time{}, "milliseconds"},
		{"-5", time.Time{}, "not a Unix time"},
		{"17707554.5", time.Time{}, "not a Unix time"},
		{"1.7707554e9", time.Time{}, "not a Unix time"},
		{"99999999999999999999", time.Time{}, "not a Unix time"},
	} {
		got, err := ParseUnixSeconds(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseUnixSeconds(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) || (!got.IsZero() && got.Location() != time.UTC) {
			t.Errorf("ParseUnixSeconds(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}

func FuzzParseUnixSeconds(f *testing.F) {
	for _, s := range []string{"1770755400", "0", "", "1770755400000", "-5", "00001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseUnixSeconds(s)
		if err != nil || got.IsZero() {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("ParseUnixSeconds(%q) not in UTC", s)
		}
		back, err := ParseUnixSeconds(strconv.FormatInt(got.Unix(), 10))
		if err != nil || !back.Equal(got) {
			t.Fatalf("ParseUnixSeconds(%q) = %v, written back reads %v, %v", s, got, back, err)
		}
	})
}

func BenchmarkParseLocalTime(b *testing.B) {
	in := []struct {
		s      string
		layout string
	}{
		{"2026-02-18 13:03", LayoutISODateTimeMinute},
		{"03/17/2026 10:25:21 AM", LayoutUSDateTime12},
		{"10/02/2026 17:30", LayoutBRDateTime},
		{"2026-02-10 17:32:11 -0300", LayoutShopify},
		{"2026-02-03T08:05:11.000-04:00", LayoutRFC3339},
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		v := in[i%len(in)]
		if _, err := ParseLocalTime(v.s, SaoPaulo, v.layout); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}

func BenchmarkParsePortugueseDateTime(b *testing.B) {
	in := []string{"2 de fevereiro de 2026 15:44 hs.", "4 de março | 00:24", "11 de março de 2026 08:18 hs."}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := ParsePortugueseDateTime(in[i%len(in)], SaoPaulo, saleFeb); err != nil {
			b.Fatal(err)
		}
		i++
	}
	reportValues(b)
}

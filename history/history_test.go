package history_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/internal/sellertest"
)

func TestParseOptions(t *testing.T) {
	now := time.Date(2026, 3, 1, 1, 30, 0, 0, time.UTC) // still 28 February in São Paulo
	for _, tc := range []struct {
		zone, asOf string
		want       string
		err        string
	}{
		{history.DefaultZone, "", "2026-02-28", ""},
		{"UTC", "", "2026-03-01", ""},
		{history.DefaultZone, "2026-11-01", "2026-11-01", ""},
		{history.DefaultZone, "01/11/2026", "", "as-of date"},
		{"Mars/Olympus", "", "", "time zone"},
		{"", "", "", "time zone"},
	} {
		opt, err := history.ParseOptions(tc.zone, tc.asOf, now, history.DefaultRules)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q %q: error %v, want %q", tc.zone, tc.asOf, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := opt.AsOf.Format(time.DateOnly); got != tc.want || opt.AsOf.Location() != opt.Location {
			t.Errorf("%q %q: as of %s in %s, want %s", tc.zone, tc.asOf, got, opt.AsOf.Location(), tc.want)
		}
	}
}

func TestRulesValidate(t *testing.T) {
	bad := []history.Rules{
		{InactiveDays: 0, RecurringOrders: 2, RecencyDays: history.DefaultRules.RecencyDays, FrequencyOrders: history.DefaultRules.FrequencyOrders},
		{InactiveDays: 90, RecurringOrders: 1, RecencyDays: history.DefaultRules.RecencyDays, FrequencyOrders: history.DefaultRules.FrequencyOrders},
		{InactiveDays: 90, RecurringOrders: 2, RecencyDays: [4]int{30, 30, 180, 365}, FrequencyOrders: history.DefaultRules.FrequencyOrders},
		{InactiveDays: 90, RecurringOrders: 2, RecencyDays: history.DefaultRules.RecencyDays, FrequencyOrders: [4]int{1, 3, 4, 6}},
	}
	for _, r := range bad {
		if r.Validate() == nil {
			t.Errorf("%+v passed", r)
		}
	}
	if err := history.DefaultRules.Validate(); err != nil {
		t.Error(err)
	}
}

func TestDaysBetween(t *testing.T) {
	sp, _ := time.LoadLocation(history.DefaultZone)
	ny, _ := time.LoadLocation("America/New_York")
	for _, tc := range []struct {
		a, b time.Time
		loc  *time.Location
		want int
	}{
		// 23:59 and 00:01 of the next day are one day apart.
		{time.Date(2026, 2, 28, 23, 59, 0, 0, sp), time.Date(2026, 3, 1, 0, 1, 0, 0, sp), sp, 1},
		// A UTC time is counted on its local day.
		{time.Date(2026, 3, 1, 1, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 12, 0, 0, 0, sp), sp, 1},
		// Across a daylight-saving change, days stay whole.
		{time.Date(2026, 3, 7, 12, 0, 0, 0, ny), time.Date(2026, 3, 9, 0, 30, 0, 0, ny), ny, 2},
		{time.Date(2026, 6, 30, 0, 0, 0, 0, sp), time.Date(2026, 1, 15, 9, 0, 0, 0, sp), sp, -166},
	} {
		if got := history.DaysBetween(tc.a, tc.b, tc.loc); got != tc.want {
			t.Errorf("%v .. %v: %d days, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestParseSegment(t *testing.T) {
	for _, s := range history.Segments {
		if got, err := history.ParseSegment(string(s)); err != nil || got != s {
			t.Errorf("%s: %v %v", s, got, err)
		}
	}
	if _, err := history.ParseSegment("vip"); err == nil || !strings.Contains(err.Error(), "new, recurring, inactive, no_purchase") {
		t.Errorf("unknown segment: %v", err)
	}
}

// TestLoadDamagedFile: a file the manifest lists but that is damaged or
// missing is an error naming it, never a crash or a silently short history.
func TestLoadDamagedFile(t *testing.T) {
	dir := sellertest.Import(t, sellertest.KnownExports(t))
	files, _ := filepath.Glob(filepath.Join(dir, "orders", "*", "*.parquet"))
	if len(files) == 0 {
		t.Fatal("no orders files")
	}
	opt, _ := history.ParseOptions(history.DefaultZone, "2026-06-30", time.Now(), history.DefaultRules)
	load := func() error {
		src, err := history.OpenDir(dir)
		if err != nil {
			return err
		}
		_, err = history.Load(context.Background(), src, opt)
		return err
	}
	data, _ := os.ReadFile(files[0])
	for name, damage := range map[string]func() error{
		"truncated": func() error { return os.WriteFile(files[0], data[:len(data)/2], 0o640) },
		"garbage":   func() error { return os.WriteFile(files[0], []byte("PAR1 not really PAR1"), 0o640) },
		"missing":   func() error { return os.Remove(files[0]) },
	} {
		if err := damage(); err != nil {
			t.Fatal(err)
		}
		err := load()
		if err == nil || !strings.Contains(err.Error(), filepath.Base(files[0])) {
			t.Errorf("%s: %v; want an error naming %s", name, err, filepath.Base(files[0]))
		}
		os.WriteFile(files[0], data, 0o640)
	}
	if err := load(); err != nil {
		t.Fatalf("restored file: %v", err)
	}
	if _, err := history.OpenDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "no dataset") {
		t.Errorf("empty folder: %v", err)
	}
}

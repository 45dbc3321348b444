package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/normalize"
)

// TestMonthSpoolsRemovedOnceRead checks that merging leaves no spool
// behind: a busy month's spools go once split into parts, each part once
// loaded, and a quiet month's spools once loaded. A backfill's scratch
// data is several times its exports, so it must not all wait for the end
// of the run.
func TestMonthSpoolsRemovedOnceRead(t *testing.T) {
	dir := t.TempDir()
	r := &Run{spool: dir, opts: Options{PartBytes: 1 << 10}.withDefaults()} // a few orders a part
	spool := func(name, month string, n int) string {
		path := filepath.Join(dir, name+"-"+month+".spool")
		w, err := createSpool[spooledOrder](path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			so := spooledOrder{Order: normalize.Order{Source: "shopee", Account: "main", OrderID: fmt.Sprintf("%s-%s-%d", name, month, i)}, Rank: "1"}
			if err := w.Write(&so); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return path
	}
	byMonth := map[string][]string{
		"2026-01": {spool("a", "2026-01", 200), spool("b", "2026-01", 100)},
		"2026-02": {spool("a", "2026-02", 2)},
	}
	if n := r.partsOf(byMonth["2026-01"]); n < 2 {
		t.Fatalf("the busy month would be merged in %d part; the test needs several", n)
	}
	parts, orders := 0, 0
	var ms monthSightings
	r.monthParts([]string{"2026-01", "2026-02"}, byMonth, func(p monthPart, err error) bool {
		if err != nil {
			t.Fatal(err)
		}
		loadPart(p, &ms)
		if ms.err != nil {
			t.Fatal(ms.err)
		}
		for _, p := range p.paths {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("%s is still there after it was loaded (%v)", filepath.Base(p), err)
			}
		}
		parts++
		ms.each(func([]normalize.Sighting, *spooledOrder) { orders++ })
		return true
	})
	if orders != 302 || parts < 3 {
		t.Fatalf("%d orders in %d parts, want 302 in at least 3", orders, parts)
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left behind: %s", e.Name())
	}
}

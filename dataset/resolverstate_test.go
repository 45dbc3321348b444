package dataset

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// resolverView is what ReadState gives of an order read back from its
// rows: the fields identity resolution reads, the rest zero.
func resolverView(row *OrderRow, items []ItemRow) normalize.Order {
	full := OrderFromRow(row)
	o := normalize.Order{
		Source: full.Source, Account: full.Account, OrderID: full.OrderID,
		Status: full.Status, Currency: full.Currency, ItemsTotal: full.ItemsTotal, OrderTotal: full.OrderTotal,
		Buyer: full.Buyer, Ship: full.Ship,
	}
	if !full.OrderedAt.IsZero() {
		o.OrderedAt = time.UnixMicro(full.OrderedAt.UnixMicro()).UTC()
	}
	for _, it := range items {
		if ItemOrderKey(&it) == RowOrderKey(row) {
			o.Lines = append(o.Lines, normalize.Line{Quantity: it.Quantity})
		}
	}
	return o
}

// writeState writes rows as the state of month 2026-02 and returns its
// entry.
func writeState(t testing.TB, dir string, rows []OrderRow, items []ItemRow) StateMonth {
	t.Helper()
	sw, err := CreateStateFile(dir, "2026-02", "20260301T000000Z-abcdef")
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		var q []int32
		for _, it := range items {
			if ItemOrderKey(&it) == RowOrderKey(&rows[i]) {
				q = append(q, it.Quantity)
			}
		}
		if err := sw.Add(&rows[i], q); err != nil {
			t.Fatal(err)
		}
	}
	sm, err := sw.Commit()
	if err != nil {
		t.Fatal(err)
	}
	return sm
}

func TestStateRoundTrip(t *testing.T) {
	rows, items := fixtureOrderRows()
	// More than a block of orders, so blocks are crossed.
	base := len(rows)
	for i := 0; len(rows) < stateBlock+10; i++ {
		r := rows[i%base]
		r.OrderID += "-" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		r.CustomerID = "c_" + r.OrderID
		rows = append(rows, r)
	}
	dir := t.TempDir()
	sm := writeState(t, dir, rows, items)
	if sm.Orders != int64(len(rows)) {
		t.Fatalf("entry counts %d orders, want %d", sm.Orders, len(rows))
	}
	var got []normalize.Order
	var customers []string
	err := ReadState(t.Context(), dir, sm, func(o *normalize.Order, customer string) error {
		got = append(got, *o)
		customers = append(customers, customer)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(rows) {
		t.Fatalf("read %d orders, want %d", len(got), len(rows))
	}
	for i := range rows {
		want := resolverView(&rows[i], items)
		if !reflect.DeepEqual(got[i], want) {
			t.Fatalf("order %d:\n got %+v\nwant %+v", i, got[i], want)
		}
		if customers[i] != rows[i].CustomerID {
			t.Fatalf("order %d: customer %q, want %q", i, customers[i], rows[i].CustomerID)
		}
	}
}

// TestStateDamaged: a state file that does not match its entry is reported
// as damaged before any order is handed on, so the caller can read the
// month's tables instead.
func TestStateDamaged(t *testing.T) {
	rows, items := fixtureOrderRows()
	for _, tc := range []struct {
		name   string
		damage func(p string, sm *StateMonth)
	}{
		{"byte flipped", func(p string, _ *StateMonth) {
			b, _ := os.ReadFile(p)
			b[len(b)/2] ^= 0x40
			os.WriteFile(p, b, 0o600)
		}},
		{"truncated", func(p string, _ *StateMonth) {
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)-3], 0o600)
		}},
		{"missing", func(p string, _ *StateMonth) { os.Remove(p) }},
		{"index counts other orders", func(_ string, sm *StateMonth) { sm.Orders++ }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sm := writeState(t, dir, rows, items)
			tc.damage(filepath.Join(dir, ResolverStateDir, sm.File), &sm)
			calls := 0
			err := ReadState(t.Context(), dir, sm, func(*normalize.Order, string) error { calls++; return nil })
			if !errors.Is(err, ErrStateDamaged) {
				t.Fatalf("err = %v, want ErrStateDamaged", err)
			}
			if tc.name != "index counts other orders" && calls != 0 {
				t.Errorf("%d orders handed on before the damage was found", calls)
			}
		})
	}
}

// TestStateIndexNeedsItsFiles: a month's state is used only while the
// manifest lists the very files it was made from.
func TestStateIndexNeedsItsFiles(t *testing.T) {
	dir := t.TempDir()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tx := ds.Begin("20260301T000000Z-abcdef")
	rows, items := fixtureOrderRows()
	part := MonthPartition("2026-02")
	of, err := CreateTable[OrderRow](tx, TableOrders, part)
	if err != nil {
		t.Fatal(err)
	}
	if err := of.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := of.Commit(); err != nil {
		t.Fatal(err)
	}
	itf, err := CreateTable[ItemRow](tx, TableOrderItems, part)
	if err != nil {
		t.Fatal(err)
	}
	if err := itf.Write(items); err != nil {
		t.Fatal(err)
	}
	if err := itf.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
		if err := writeEmpty(tx, table); err != nil {
			t.Fatal(err)
		}
	}
	sm := writeState(t, dir, rows, items)
	sm.OrdersFiles = []string{filepath.Base(of.Path())}
	sm.ItemsFiles = []string{filepath.Base(itf.Path())}
	ix := &StateIndex{Version: stateVersion, RunID: tx.RunID(), PII: "clear", Months: map[string]StateMonth{"2026-02": sm}}
	if err := WriteStateIndex(dir, ix); err != nil {
		t.Fatal(err)
	}
	// Before the commit the manifest lists none of the files.
	if got := LoadStateIndex(ds, "clear", ""); len(got.Months) != 0 {
		t.Fatalf("uncommitted state used: %+v", got.Months)
	}
	if err := tx.Commit(Manifest{}); err != nil {
		t.Fatal(err)
	}
	if got := LoadStateIndex(ds, "clear", ""); len(got.Months) != 1 {
		t.Fatalf("committed state not used: %+v", got.Months)
	}
	if got := LoadStateIndex(ds, "hash", "k"); len(got.Months) != 0 {
		t.Errorf("state of a clear dataset used under --pii hash")
	}
	ix.Months["2026-02"] = StateMonth{File: sm.File, OrdersFiles: []string{"part-other.parquet"}, ItemsFiles: sm.ItemsFiles}
	if err := WriteStateIndex(dir, ix); err != nil {
		t.Fatal(err)
	}
	if got := LoadStateIndex(ds, "clear", ""); len(got.Months) != 0 {
		t.Errorf("state of other files used: %+v", got.Months)
	}
	CleanState(dir, &StateIndex{RunID: "none"})
	if left, _ := os.ReadDir(filepath.Join(dir, ResolverStateDir)); len(left) != 0 {
		t.Errorf("CleanState left %d files", len(left))
	}
}

// FuzzReadState feeds arbitrary bytes as a state file whose entry matches
// its size and checksum, so decoding itself is attacked: it must return
// an error or orders, never panic or loop.
func FuzzReadState(f *testing.F) {
	rows, items := fixtureOrderRows()
	seedDir := f.TempDir()
	sm := writeState(f, seedDir, rows, items)
	good, err := os.ReadFile(filepath.Join(seedDir, ResolverStateDir, sm.File))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, int64(len(rows)))
	f.Add([]byte(stateMagic+"\x01"), int64(0))
	f.Add([]byte(stateMagic+"\x01\x01\xff\xff\xff\xff\x0f"), int64(1))
	f.Add(binary.AppendUvarint([]byte(stateMagic+"\x01\x02"), 5), int64(2))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, orders int64) {
		name := "2026-02-fuzz.state"
		p := filepath.Join(dir, ResolverStateDir, name)
		os.MkdirAll(filepath.Dir(p), 0o700)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sm := StateMonth{File: name, Bytes: int64(len(data)), CRC32C: crc32.Checksum(data, stateCRC), Orders: orders}
		n := 0
		err := ReadState(context.Background(), dir, sm, func(o *normalize.Order, _ string) error {
			n++
			if o == nil {
				t.Fatal("nil order")
			}
			return nil
		})
		if err == nil && int64(n) != orders {
			t.Fatalf("read %d orders without error, the entry says %d", n, orders)
		}
	})
}

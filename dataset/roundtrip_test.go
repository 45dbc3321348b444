package dataset

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// randomOrders makes n orders with every field drawn at random within what
// the dataset stores: dates from 2000 to 2100 at microsecond precision,
// amounts up to DECIMAL(18,2) either way or unknown, strings with accents,
// emoji, quotes, NULs and empties.
func randomOrders(rng *rand.Rand, n int) []normalize.Order {
	pick := func(xs ...string) string { return xs[rng.IntN(len(xs))] }
	str := func() string {
		return pick("", "a", "São Paulo", "Ação \"Frete\" grátis", "😀 emoji", "tab\tand\nnewline", "nul\x00byte",
			fmt.Sprint(rng.Int64()), "Rua D'Ávila, 1.234 - apto 5B")
	}
	when := func() time.Time {
		if rng.IntN(10) == 0 {
			return time.Time{}
		}
		from := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
		to := time.Date(2100, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro()
		return time.UnixMicro(from + rng.Int64N(to-from+1)).UTC()
	}
	amount := func() normalize.Amount {
		switch rng.IntN(6) {
		case 0:
			return normalize.Amount{}
		case 1:
			return normalize.Cents(normalize.MaxCents)
		case 2:
			return normalize.Cents(-normalize.MaxCents)
		case 3:
			return normalize.Cents(0)
		}
		return normalize.Cents(rng.Int64N(2*normalize.MaxCents+1) - normalize.MaxCents)
	}
	status := func() normalize.Status {
		return normalize.Status(pick("", "pending", "paid", "shipped", "delivered", "cancelled", "returned", "unknown"))
	}
	orders := make([]normalize.Order, n)
	for i := range orders {
		o := normalize.Order{
			Source: pick("mercadolivre", "shopee", "amazon", "shopify", "tiktok", "csv"), Account: pick("main", "loja-2"),
			OrderID: fmt.Sprintf("%d-%d", i, rng.Uint64()), PackID: str(),
			OrderedAt: when(), UpdatedAt: when(), Status: status(), StatusRaw: str(), Currency: pick("BRL", ""),
			ItemsTotal: amount(), Shipping: amount(), Discount: amount(), Fees: amount(), OrderTotal: amount(), NetTotal: amount(),
			PaymentMethod: str(), Installments: rng.Int32N(25),
			Buyer: normalize.Buyer{Ref: str(), Name: str(), Document: pick("", "12345678909", "11222333000181"),
				DocumentType: normalize.DocType(pick("", "cpf", "cnpj")), Email: pick("", "a@b.com.br", "x@relay.mercadolivre.com"),
				EmailKind: normalize.EmailKind(pick("", "personal", "relay")), Phone: pick("", "+5511987654321")},
			Ship: normalize.Address{RecipientName: str(), RecipientPhone: pick("", "+5521998765432"), Street: str(), Number: str(),
				Neighborhood: str(), City: str(), State: pick("", "SP", "AM"), PostalCode: pick("", "01001000"), Country: pick("", "BR")},
			SourceFile: str(), SourceRow: rng.IntN(1 << 20),
		}
		// Details that come in pairs come together, as connectors give them.
		if o.Buyer.Document == "" {
			o.Buyer.DocumentType = ""
		}
		if o.Buyer.Email == "" {
			o.Buyer.EmailKind = ""
		}
		for l := range rng.IntN(5) {
			o.Lines = append(o.Lines, normalize.Line{
				LineNo: l + 1, SKU: str(), ListingID: str(), Title: str(), Variation: str(), Category: str(),
				// A line without a status reads back with its order's.
				Quantity: rng.Int32N(1000), UnitPrice: amount(), LineTotal: amount(), Status: normalize.Status(pick("pending", "paid", "cancelled", "returned")),
			})
		}
		orders[i] = o
	}
	return orders
}

// writeOrders commits orders as the orders and order_items tables of a new
// dataset in dir, one file per partition, and returns the files' bytes by
// table and partition.
func writeOrders(t *testing.T, dir string, orders []normalize.Order, ingestedAt []time.Time) map[string][]byte {
	t.Helper()
	ds, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tx := ds.Begin("roundtrip")
	byPart := map[string][]OrderRow{}
	items := map[string][]ItemRow{}
	for i := range orders {
		row, its := OrderRows(&orders[i], "c_"+orders[i].OrderID, ingestedAt[i])
		part := OrderedMonth(orders[i].OrderedAt)
		byPart[part] = append(byPart[part], row)
		items[part] = append(items[part], its...)
	}
	for _, part := range slices.Sorted(maps.Keys(byPart)) {
		writeFile(t, tx, "orders", part, byPart[part])
		writeFile(t, tx, "order_items", part, items[part])
	}
	for _, table := range []string{TableCustomers, TableIdentities, TableMerges, TableRejects, TableLinks} {
		if err := writeEmpty(tx, table); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(testManifest()); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for table, tf := range ds.Manifest().Tables {
		for _, f := range tf.Files {
			b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatal(err)
			}
			files[table+"/"+filepath.Base(filepath.Dir(f.Path))] = b
		}
	}
	return files
}

// readOrders reads a dataset's orders back with their lines, in the order
// they were written, and each one's ingested_at.
func readOrders(t *testing.T, dir string) ([]normalize.Order, []time.Time) {
	t.Helper()
	ds, err := OpenReadOnly(dir)
	if err != nil {
		t.Fatal(err)
	}
	var orders []normalize.Order
	var ingested []time.Time
	index := map[string]int{}
	err = ReadTable(context.Background(), ds, "orders", func(rows []OrderRow) error {
		for i := range rows {
			index[RowOrderKey(&rows[i])] = len(orders)
			orders = append(orders, OrderFromRow(&rows[i]))
			ingested = append(ingested, rows[i].IngestedAt)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = ReadTable(context.Background(), ds, "order_items", func(rows []ItemRow) error {
		for i := range rows {
			o := &orders[index[ItemOrderKey(&rows[i])]]
			o.Lines = append(o.Lines, LineFromRow(&rows[i]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return orders, ingested
}

// TestRandomOrdersRoundTrip writes random orders, reads them back, writes
// what it read and compares the files byte for byte: everything the dataset
// holds reads back exactly as it was written.
func TestRandomOrdersRoundTrip(t *testing.T) {
	for seed := range uint64(2) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 20))
			orders := randomOrders(rng, 100)
			ingested := make([]time.Time, len(orders))
			for i := range ingested {
				ingested[i] = time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(1e12)) * time.Microsecond)
			}
			dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")
			first := writeOrders(t, dirA, orders, ingested)
			back, backIngested := readOrders(t, dirA)
			// Some details are told again from others when read (an
			// e-mail's kind from its address, a line's missing status from
			// its order's), so the property is on what the dataset holds:
			// the files rewritten from what was read are the same bytes.
			second := writeOrders(t, dirB, back, backIngested)
			if len(first) != len(second) {
				t.Fatalf("%d files written, %d rewritten", len(first), len(second))
			}
			for name, b := range first {
				if !bytes.Equal(b, second[name]) {
					t.Errorf("%s: rewritten from what was read, the file differs (%d and %d bytes)", name, len(b), len(second[name]))
				}
			}
		})
	}
}

package dataset

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/parquet-go/parquet-go"
)

// Compare tells whether two datasets hold the same customer-purchase
// history: an incremental one, built by a sequence of runs, and one import
// of the same files into an empty folder. It is what the benchmark and the
// tests use to check that incremental equals full.
//
// Customer ids are compared apart from the rows. In the rows, every
// customer_id is replaced by its customer's smallest order key, so two
// datasets that group the same orders into the same customers compare
// equal whatever ids they gave them, and any other difference in a row of
// any table shows. Columns that say when or by which run a row was written
// (orders.ingested_at, rejects.run_id) are left out, and so is
// customer_merges: a merge is the record of an id that a later run took
// away, which one import cannot have.
//
// Ids are then compared customer by customer. A customer whose ids differ
// and whose incremental id, or the one of the full import, a merge of the
// incremental dataset names is Merged; the others are IDsDiffer. The
// stable-id rule keeps the id a customer got when a run first saw it, so an
// id can also differ without a merge (a later run finds the customer's
// smallest identifier shared, or gives it a stronger one): the caller
// decides whether it expects none.
func Compare(ctx context.Context, incremental, full *Dataset) (*Comparison, error) {
	c := &Comparison{}
	// The two datasets are read side by side: reading the Parquet is
	// most of a comparison's cost.
	var a, b *canonical
	var errA, errB error
	done := make(chan struct{})
	go func() {
		defer close(done)
		a, errA = readCanonical(ctx, incremental)
	}()
	b, errB = readCanonical(ctx, full)
	<-done
	if errA != nil {
		return nil, fmt.Errorf("%s: %w", incremental.dir, errA)
	}
	if errB != nil {
		return nil, fmt.Errorf("%s: %w", full.dir, errB)
	}
	var err error
	for _, table := range compareTables {
		ta, tb := a.tables[table], b.tables[table]
		tc := TableComparison{Table: table, Rows: [2]int{len(ta), len(tb)}}
		onlyA, onlyB := multisetDiff(ta, tb)
		tc.OnlyIncremental, tc.OnlyFull = len(onlyA), len(onlyB)
		if len(onlyA)+len(onlyB) > 0 {
			if tc.Samples[0], err = a.samples(ctx, table, onlyA); err == nil {
				tc.Samples[1], err = b.samples(ctx, table, onlyB)
			}
			if err != nil {
				return nil, err
			}
		}
		c.Tables = append(c.Tables, tc)
	}
	merged := map[string]bool{}
	if err := ReadTable(ctx, incremental, TableMerges, func(rows []MergeRow) error {
		for i := range rows {
			merged[rows[i].MergedID], merged[rows[i].CustomerID] = true, true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	c.Merges = len(merged)
	for label, ida := range a.idOf {
		idb, ok := b.idOf[label]
		if !ok || ida == idb {
			continue
		}
		d := IDDifference{Label: label, Incremental: ida, Full: idb}
		if merged[ida] || merged[idb] {
			c.Merged = append(c.Merged, d)
		} else {
			c.IDsDiffer = append(c.IDsDiffer, d)
		}
	}
	for _, l := range [][]IDDifference{c.Merged, c.IDsDiffer} {
		slices.SortFunc(l, func(x, y IDDifference) int { return strings.Compare(x.Label, y.Label) })
	}
	return c, nil
}

// Comparison is what Compare found.
type Comparison struct {
	Tables []TableComparison
	// Merges is how many customer ids the incremental dataset's
	// customer_merges names.
	Merges int
	// Merged are customers grouped alike whose ids differ, one of them
	// named by a merge; IDsDiffer the others.
	Merged, IDsDiffer []IDDifference
}

// TableComparison is how one table compares.
type TableComparison struct {
	Table string
	// Rows are the row counts of the incremental and the full dataset.
	Rows [2]int
	// OnlyIncremental and OnlyFull count the rows one dataset holds and
	// the other does not (as multisets).
	OnlyIncremental, OnlyFull int
	// Samples are a few of those rows, as JSON with customer ids replaced.
	Samples [2][]string
}

// IDDifference is a customer that the two datasets group alike under
// different ids. Label is its smallest order key.
type IDDifference struct {
	Label, Incremental, Full string
}

// SameRows reports whether every compared table holds the same rows.
func (c *Comparison) SameRows() bool {
	for _, t := range c.Tables {
		if t.OnlyIncremental+t.OnlyFull > 0 {
			return false
		}
	}
	return true
}

// String describes the comparison, the differences first.
func (c *Comparison) String() string {
	var b strings.Builder
	for _, t := range c.Tables {
		if t.OnlyIncremental+t.OnlyFull == 0 {
			fmt.Fprintf(&b, "%s: %d rows alike\n", t.Table, t.Rows[0])
			continue
		}
		fmt.Fprintf(&b, "%s: DIFFERENT: %d rows incremental, %d full; %d only incremental, %d only full\n",
			t.Table, t.Rows[0], t.Rows[1], t.OnlyIncremental, t.OnlyFull)
		for i, side := range []string{"only incremental", "only full"} {
			for _, s := range t.Samples[i] {
				fmt.Fprintf(&b, "  %s: %s\n", side, s)
			}
		}
	}
	fmt.Fprintf(&b, "customer ids: %d differ where a merge names them, %d differ otherwise (%d ids named by merges)\n",
		len(c.Merged), len(c.IDsDiffer), c.Merges)
	for i, d := range c.IDsDiffer {
		if i == maxSamples {
			fmt.Fprintf(&b, "  …\n")
			break
		}
		fmt.Fprintf(&b, "  customer of %s: %s incremental, %s full\n", d.Label, d.Incremental, d.Full)
	}
	return b.String()
}

// maxSamples is how many differing rows or ids a comparison describes.
const maxSamples = 3

var compareTables = []string{TableOrders, TableOrderItems, TableCustomers, TableIdentities, TableLinks, TableRejects}

// canonical is a dataset's rows, hashed, with customer ids replaced.
type canonical struct {
	ds *Dataset
	// label is each customer id's smallest order key; idOf the reverse.
	label, idOf map[string]string
	tables      map[string][]rowHash
}

type rowHash [16]byte

// hashSeeds make the row hashes of both datasets of a comparison alike;
// they change from process to process, which is all a comparison needs.
var hashSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// notCompared are the columns of each table a comparison leaves out.
var notCompared = map[string]map[string]bool{
	TableOrders:  {"ingested_at": true},
	TableRejects: {"run_id": true},
}

// readCanonical reads every compared table of ds as hashes of its rows.
// The rows are read as Parquet values, not decoded into structs: a
// comparison reads two whole datasets, and decoding rows into structs
// (and encoding them to compare) cost several times the reading. A row's
// hash covers each non-null value with its column's name and its levels,
// so a file written before a column existed hashes as one whose column is
// null. A customer_id goes into the hash as its customer's label, known
// once every orders row was read.
func readCanonical(ctx context.Context, ds *Dataset) (*canonical, error) {
	c := &canonical{ds: ds, label: map[string]string{}, idOf: map[string]string{}, tables: map[string][]rowHash{}}
	type partial struct {
		h    rowHash
		cust int32 // index in custs, -1 for none
	}
	var custs []string
	custIdx := map[string]int32{}
	parts := map[string][]partial{}
	for _, table := range compareTables {
		var rows []partial
		err := eachRawRow(ctx, ds, table, notCompared[table], func(h rowHash, cust string, hasCust bool, key string) {
			p := partial{h: h, cust: -1}
			if hasCust {
				i, ok := custIdx[cust]
				if !ok {
					i = int32(len(custs))
					custs = append(custs, cust)
					custIdx[cust] = i
				}
				p.cust = i
				if table == TableOrders {
					if l, ok := c.label[cust]; !ok || key < l {
						c.label[cust] = key
					}
				}
			}
			rows = append(rows, p)
		})
		if err != nil {
			return nil, err
		}
		parts[table] = rows
	}
	for id, l := range c.label {
		c.idOf[l] = id
	}
	labels := make([]string, len(custs))
	for i, id := range custs {
		labels[i] = c.relabel(id)
	}
	for _, table := range compareTables {
		hashes := make([]rowHash, len(parts[table]))
		for i, p := range parts[table] {
			hashes[i] = p.h
			if p.cust >= 0 {
				hashes[i] = withLabel(p.h, labels[p.cust])
			}
		}
		delete(parts, table)
		slices.SortFunc(hashes, func(x, y rowHash) int { return bytes.Compare(x[:], y[:]) })
		c.tables[table] = hashes
	}
	return c, nil
}

// eachRawRow calls fn with the hash of every row of table, customer_id
// and the columns skip names left out, with the row's customer_id (and
// whether it has one) and, for orders, its order key.
func eachRawRow(ctx context.Context, ds *Dataset, table string, skip map[string]bool, fn func(h rowHash, cust string, hasCust bool, key string)) error {
	m := ds.Manifest()
	if m == nil {
		return nil
	}
	rows := make([]parquet.Row, 256)
	var hs [2]maphash.Hash
	for i := range hs {
		hs[i].SetSeed(hashSeeds[i])
	}
	var buf []byte
	for _, f := range m.Tables[table].Files {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := filepath.Join(ds.dir, filepath.FromSlash(f.Path))
		err := func() (err error) {
			file, err := os.Open(path)
			if err != nil {
				return err
			}
			defer file.Close()
			st, err := file.Stat()
			if err != nil {
				return err
			}
			defer recoverInto(&err)
			pf, err := parquet.OpenFile(file, st.Size())
			if err != nil {
				return err
			}
			cols := pf.Schema().Columns()
			const (
				plain = iota
				skipped
				custCol
				sourceCol
				accountCol
				orderIDCol
			)
			role := make([]int, len(cols))
			names := make([]string, len(cols))
			for i, path := range cols {
				names[i] = strings.Join(path, ".")
				switch {
				case skip[names[i]]:
					role[i] = skipped
				case names[i] == "customer_id":
					role[i] = custCol
				case table == TableOrders && names[i] == "source":
					role[i] = sourceCol
				case table == TableOrders && names[i] == "account":
					role[i] = accountCol
				case table == TableOrders && names[i] == "order_id":
					role[i] = orderIDCol
				}
			}
			r := parquet.NewReader(pf)
			defer r.Close()
			var n int64
			for {
				k, rerr := r.ReadRows(rows)
				for _, row := range rows[:k] {
					for i := range hs {
						hs[i].Reset()
					}
					var cust, source, account, orderID string
					hasCust := false
					for _, v := range row {
						col := v.Column()
						switch role[col] {
						case skipped:
							continue
						case custCol:
							cust, hasCust = string(v.ByteArray()), true
							continue
						case sourceCol:
							source = string(v.ByteArray())
						case accountCol:
							account = string(v.ByteArray())
						case orderIDCol:
							orderID = string(v.ByteArray())
						}
						if v.IsNull() {
							continue
						}
						buf = append(buf[:0], names[col]...)
						buf = append(buf, 0, byte(v.RepetitionLevel()), byte(v.DefinitionLevel()), byte(v.Kind()))
						buf = v.AppendBytes(buf)
						buf = binary.LittleEndian.AppendUint32(buf, uint32(len(buf)))
						for i := range hs {
							hs[i].Write(buf)
						}
					}
					var h rowHash
					binary.LittleEndian.PutUint64(h[:8], hs[0].Sum64())
					binary.LittleEndian.PutUint64(h[8:], hs[1].Sum64())
					key := ""
					if table == TableOrders {
						key = source + "/" + account + "/" + orderID
					}
					fn(h, cust, hasCust, key)
				}
				n += int64(k)
				if errors.Is(rerr, io.EOF) {
					break
				}
				if rerr != nil {
					return rerr
				}
			}
			if n != f.Rows {
				return fmt.Errorf("%d rows, the manifest says %d", n, f.Rows)
			}
			return nil
		}()
		if err != nil {
			return fmt.Errorf("read %s: %w", f.Path, err)
		}
	}
	return nil
}

// withLabel is a row's hash with its customer's label.
func withLabel(h rowHash, label string) rowHash {
	var out rowHash
	for i, seed := range hashSeeds {
		var mh maphash.Hash
		mh.SetSeed(seed)
		mh.Write(h[:])
		mh.WriteString(label)
		binary.LittleEndian.PutUint64(out[8*i:], mh.Sum64())
	}
	return out
}

// relabel is a customer id as the compared rows show it.
func (c *canonical) relabel(id string) string {
	if l, ok := c.label[id]; ok {
		return "customer of " + l
	}
	return "customer without orders " + id
}

// eachRow calls fn with every row of table as JSON, customer ids
// replaced and the columns not compared left out, with its hash: the
// table is read twice, as values for the hashes and as structs, both in
// the manifest's order of files and each file's order of rows.
func (c *canonical) eachRow(ctx context.Context, table string, fn func(row []byte, h rowHash) error) error {
	// The samples' hashes are the raw rows', read in the same order.
	var raw []rowHash
	if err := eachRawRow(ctx, c.ds, table, notCompared[table], func(h rowHash, cust string, hasCust bool, _ string) {
		if hasCust {
			h = withLabel(h, c.relabel(cust))
		}
		raw = append(raw, h)
	}); err != nil {
		return err
	}
	n := 0
	each := func(v any) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if n >= len(raw) {
			return fmt.Errorf("%s: more rows than read before", table)
		}
		n++
		return fn(b, raw[n-1])
	}
	switch table {
	case TableOrders:
		return eachCanonical(ctx, c.ds, table, each, func(r *OrderRow) {
			r.CustomerID = c.relabel(r.CustomerID)
			r.IngestedAt = time.Time{}
		})
	case TableOrderItems:
		return eachCanonical(ctx, c.ds, table, each, func(r *ItemRow) { r.CustomerID = c.relabel(r.CustomerID) })
	case TableCustomers:
		return eachCanonical(ctx, c.ds, table, each, func(r *CustomerRow) { r.CustomerID = c.relabel(r.CustomerID) })
	case TableIdentities:
		return eachCanonical(ctx, c.ds, table, each, func(r *IdentityRow) { r.CustomerID = c.relabel(r.CustomerID) })
	case TableLinks:
		return eachCanonical(ctx, c.ds, table, each, func(r *LinkRow) { r.CustomerID = c.relabel(r.CustomerID) })
	case TableRejects:
		return eachCanonical(ctx, c.ds, table, each, func(r *RejectRow) { r.RunID = "" })
	}
	return fmt.Errorf("compare: no table %s", table)
}

// eachCanonical reads table's rows of type T, makes each canonical with
// canon (a copy: the reader's batch is left alone) and hands it to each.
func eachCanonical[T any](ctx context.Context, ds *Dataset, table string, each func(any) error, canon func(*T)) error {
	return ReadTable(ctx, ds, table, func(rows []T) error {
		for i := range rows {
			r := rows[i]
			canon(&r)
			if err := each(&r); err != nil {
				return err
			}
		}
		return nil
	})
}

// samples reads table again for a few of the rows whose hashes are want.
func (c *canonical) samples(ctx context.Context, table string, want []rowHash) ([]string, error) {
	set := map[rowHash]bool{}
	for _, h := range want {
		set[h] = true
	}
	var out []string
	err := c.eachRow(ctx, table, func(row []byte, h rowHash) error {
		if len(out) < maxSamples && set[h] {
			out = append(out, string(row))
		}
		return nil
	})
	return out, err
}

// multisetDiff returns the hashes of sorted a that b lacks, and those of
// sorted b that a lacks, counting repeats.
func multisetDiff(a, b []rowHash) (onlyA, onlyB []rowHash) {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && bytes.Compare(a[i][:], b[j][:]) < 0:
			onlyA = append(onlyA, a[i])
			i++
		case i == len(a) || bytes.Compare(a[i][:], b[j][:]) > 0:
			onlyB = append(onlyB, b[j])
			j++
		default:
			i++
			j++
		}
	}
	return onlyA, onlyB
}

package dataset

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/orderhist/orderhist/normalize"
)

// The resolver state is what identity resolution reads of the dataset's
// orders, kept beside the tables so that a run does not decode the orders
// and order_items Parquet of months its inputs do not reach: each month's
// orders as the resolver sees them (ids, buyer and delivery details, date,
// status, currency, totals, line quantities and the customer id), in the
// order the month's orders file holds them.
//
// It is derived data, a cache of the tables, and is trusted only where it
// provably describes them: the index of a run names, for each month, the
// orders and order_items files (whose names carry their run id and are
// never reused) the month's state was made from, its size and CRC-32C.
// A month whose files in the committed manifest differ — a run killed
// before its commit point, `forget` rewriting the month, a state file
// damaged or missing — is read from its Parquet files as before, and the
// run writes its state anew. So a killed run can never leave tables and
// state out of step, and nothing here needs a change to the commit
// protocol.
//
// Why the resolver's inputs and not its conclusions (identifier →
// customer): the scored name and address model (dedupe/weak.go) is
// estimated from every order, the owner-count guards count every order of
// an identifier, and the customers' RFM quintiles rank every customer.
// Keeping the inputs keeps those statistics exact, so a run over the state
// resolves exactly as a run over the tables does; what it saves is the
// Parquet decoding, most of a nightly run's time.
//
// Under --pii hash or drop the state holds what the orders table holds:
// identifiers as keyed hashes (or nothing), never a clear value.
//
// Why a file of our own rather than an embedded store (bbolt, Pebble): the
// state is written whole per month and read whole per month, in file
// order, never looked up by key; a store would add a B-tree or LSM and its
// own crash recovery for what is a sequential, checksummed, append-once
// file. The records are zstd-compressed in blocks of stateBlock orders.

// ResolverStateDir is the folder of the resolver state, relative to the
// dataset folder.
var ResolverStateDir = filepath.Join(StateDir, "resolver")

const (
	stateMagic   = "OHRS"
	stateVersion = 1
	// stateBlock is how many orders one compressed block holds, so that a
	// reader holds one block's strings at a time.
	stateBlock = 4096
	// stateBlockBytes ends a block early once its records take this much,
	// so that long texts do not make a block large.
	stateBlockBytes = 4 << 20
	// maxStateBlock bounds a block's size as read, against a damaged
	// length.
	maxStateBlock = 64 << 20
)

var stateCRC = crc32.MakeTable(crc32.Castagnoli)

// StateIndex lists a run's resolver state: one file per month.
type StateIndex struct {
	Version int    `json:"version"`
	RunID   string `json:"run_id"`
	// PII and KeyCheck are the dataset's --pii mode and key check the
	// state was written under.
	PII      string                `json:"pii"`
	KeyCheck string                `json:"key_check,omitempty"`
	Months   map[string]StateMonth `json:"months"`
}

// StateMonth is the state of one month.
type StateMonth struct {
	File   string `json:"file"` // in ResolverStateDir
	Bytes  int64  `json:"bytes"`
	CRC32C uint32 `json:"crc32c"`
	Orders int64  `json:"orders"`
	// OrdersFiles and ItemsFiles are the base names of the month's orders
	// and order_items files the state describes, sorted.
	OrdersFiles []string `json:"orders_files"`
	ItemsFiles  []string `json:"items_files"`
}

func stateIndexName(runID string) string { return "index-" + runID + ".json" }

// LoadStateIndex returns the months of the dataset's resolver state that
// describe the dataset's committed tables, written under the given --pii
// mode and key check. Without a usable index it returns an empty one: the
// state is a cache, and a run without it reads the tables.
func LoadStateIndex(ds *Dataset, pii, keyCheck string) *StateIndex {
	out := &StateIndex{Version: stateVersion, PII: pii, KeyCheck: keyCheck, Months: map[string]StateMonth{}}
	m := ds.Manifest()
	if m == nil {
		return out
	}
	dir := filepath.Join(ds.dir, ResolverStateDir)
	ix, err := readStateIndex(filepath.Join(dir, stateIndexName(m.RunID)))
	if err != nil {
		// A commit that wrote no state (forget, an older build): the
		// newest index still describes the months it did not change.
		ix = newestStateIndex(dir)
	}
	if ix == nil || ix.Version != stateVersion || ix.PII != pii || ix.KeyCheck != keyCheck {
		return out
	}
	for month, sm := range ix.Months {
		part := MonthPartition(month)
		if !slices.Equal(sm.OrdersFiles, PartitionFiles(m, TableOrders, part)) ||
			!slices.Equal(sm.ItemsFiles, PartitionFiles(m, TableOrderItems, part)) ||
			!validStateName(sm.File) {
			continue
		}
		out.Months[month] = sm
	}
	return out
}

func readStateIndex(p string) (*StateIndex, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, err
	}
	var ix StateIndex
	if err := json.Unmarshal(data, &ix); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return &ix, nil
}

// newestStateIndex is the index of the latest run, by run id (which starts
// with the run's time), nil without one.
func newestStateIndex(dir string) *StateIndex {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	for i := len(entries) - 1; i >= 0; i-- {
		name := entries[i].Name()
		if strings.HasPrefix(name, "index-") && strings.HasSuffix(name, ".json") {
			if ix, err := readStateIndex(filepath.Join(dir, name)); err == nil {
				return ix
			}
		}
	}
	return nil
}

func validStateName(name string) bool {
	return name != "" && name == path.Base(name) && !strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".state")
}

// PartitionFiles are the base names of the files m lists in one partition
// of table, sorted.
func PartitionFiles(m *Manifest, table, partition string) []string {
	var out []string
	prefix := table + "/" + partition + "/"
	for _, f := range m.Tables[table].Files {
		if strings.HasPrefix(f.Path, prefix) {
			out = append(out, path.Base(f.Path))
		}
	}
	slices.Sort(out)
	return out
}

// WriteStateIndex writes ix, durably, as the index of run ix.RunID. Call it
// before the run's commit: a run killed before its commit point leaves an
// index naming files no manifest lists, which LoadStateIndex ignores.
func WriteStateIndex(dsDir string, ix *StateIndex) error {
	dir := filepath.Join(dsDir, ResolverStateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("resolver state: %w", err)
	}
	data, err := json.Marshal(ix)
	if err != nil {
		return fmt.Errorf("resolver state: %w", err)
	}
	return WriteFileAtomic(filepath.Join(dir, stateIndexName(ix.RunID)), append(data, '\n'), 0o600)
}

// CleanState removes the state files and indexes that ix does not use. Call
// it once ix's run is committed; whatever it misses, a later call removes.
func CleanState(dsDir string, ix *StateIndex) {
	dir := filepath.Join(dsDir, ResolverStateDir)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	keep := map[string]bool{stateIndexName(ix.RunID): true}
	for _, sm := range ix.Months {
		keep[sm.File] = true
	}
	for _, e := range entries {
		if !keep[e.Name()] && !e.IsDir() {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// StateWriter writes one month's resolver state.
type StateWriter struct {
	af      *AtomicFile
	w       *bufio.Writer
	crc     uint32
	n       int64
	enc     *zstd.Encoder
	block   []byte
	inBlock int
	orders  int64
	lenBuf  [2 * binary.MaxVarintLen64]byte
	err     error
}

var stateEncoders = sync.Pool{New: func() any {
	e, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedFastest), zstd.WithEncoderConcurrency(1))
	return e
}}

// CreateStateFile starts the state of month for the run runID.
func CreateStateFile(dsDir, month, runID string) (*StateWriter, error) {
	dir := filepath.Join(dsDir, ResolverStateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("resolver state: %w", err)
	}
	af, err := CreateAtomic(filepath.Join(dir, month+"-"+runID+".state"), 0o600)
	if err != nil {
		return nil, fmt.Errorf("resolver state: %w", err)
	}
	sw := &StateWriter{af: af, enc: stateEncoders.Get().(*zstd.Encoder)}
	sw.w = bufio.NewWriterSize(writerFunc(sw.write), 64<<10)
	_, sw.err = sw.w.WriteString(stateMagic + string(rune(stateVersion)))
	return sw, nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func (sw *StateWriter) write(p []byte) (int, error) {
	n, err := sw.af.Write(p)
	sw.crc = crc32.Update(sw.crc, stateCRC, p[:n])
	sw.n += int64(n)
	return n, err
}

// Add appends the order of an orders row, as written, with its lines'
// quantities.
func (sw *StateWriter) Add(row *OrderRow, quantities []int32) error {
	if sw.err != nil {
		return sw.err
	}
	b := sw.block
	for _, s := range [...]string{
		row.Source, row.Account, row.OrderID, row.CustomerID, row.Status, row.Currency,
		row.BuyerRef, row.BuyerName, row.BuyerDocument, row.BuyerDocumentType, row.BuyerEmail,
		string(emailKindOf(row.BuyerEmail)), row.BuyerPhone,
		row.RecipientName, row.RecipientPhone, row.ShipStreet, row.ShipNumber, row.ShipNeighborhood,
		row.ShipCity, row.ShipState, row.ShipPostalCode, row.ShipCountry,
	} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	var flags byte
	if row.OrderedAt != nil {
		flags |= 1
	}
	if row.ItemsTotal != nil {
		flags |= 2
	}
	if row.OrderTotal != nil {
		flags |= 4
	}
	b = append(b, flags)
	if row.OrderedAt != nil {
		b = binary.AppendVarint(b, row.OrderedAt.UnixMicro())
	}
	if row.ItemsTotal != nil {
		b = binary.AppendVarint(b, *row.ItemsTotal)
	}
	if row.OrderTotal != nil {
		b = binary.AppendVarint(b, *row.OrderTotal)
	}
	b = binary.AppendUvarint(b, uint64(len(quantities)))
	for _, q := range quantities {
		b = binary.AppendVarint(b, int64(q))
	}
	sw.block = b
	sw.orders++
	if sw.inBlock++; sw.inBlock == stateBlock || len(sw.block) >= stateBlockBytes {
		sw.flush()
	}
	return sw.err
}

// flush compresses the block and writes it: its order count, its length
// and the zstd frame.
func (sw *StateWriter) flush() {
	if sw.inBlock == 0 || sw.err != nil {
		return
	}
	frame := sw.enc.EncodeAll(sw.block, nil)
	n := binary.PutUvarint(sw.lenBuf[:], uint64(sw.inBlock))
	n += binary.PutUvarint(sw.lenBuf[n:], uint64(len(frame)))
	if _, err := sw.w.Write(sw.lenBuf[:n]); err != nil {
		sw.err = err
		return
	}
	if _, err := sw.w.Write(frame); err != nil {
		sw.err = err
	}
	sw.block, sw.inBlock = sw.block[:0], 0
}

// Commit ends the file and makes it visible; the month's entry lacks the
// partition's file names, which the caller fills in.
func (sw *StateWriter) Commit() (StateMonth, error) {
	sw.flush()
	if sw.err == nil {
		_, sw.err = sw.w.Write([]byte{0}) // an empty block ends the file
	}
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	stateEncoders.Put(sw.enc)
	sw.enc = nil
	if sw.err != nil {
		sw.af.Abort()
		return StateMonth{}, fmt.Errorf("resolver state %s: %w", sw.af.Name(), sw.err)
	}
	if err := sw.af.Commit(); err != nil {
		return StateMonth{}, fmt.Errorf("resolver state %s: %w", sw.af.Name(), err)
	}
	return StateMonth{File: filepath.Base(sw.af.Name()), Bytes: sw.n, CRC32C: sw.crc, Orders: sw.orders}, nil
}

// Abort discards the file.
func (sw *StateWriter) Abort() {
	if sw.enc != nil {
		stateEncoders.Put(sw.enc)
		sw.enc = nil
	}
	sw.af.Abort()
}

// ErrStateDamaged is wrapped by ReadState when a state file does not hold
// what its index says (size, checksum or format): the caller reads the
// month's tables instead.
var ErrStateDamaged = errors.New("resolver state damaged")

var stateDecoders = sync.Pool{New: func() any {
	d, _ := zstd.NewReader(nil, zstd.WithDecoderConcurrency(1), zstd.WithDecoderMaxMemory(maxStateBlock))
	return d
}}

// ReadState calls fn with each order of a month's state, in the order of
// the month's orders file, as dataset.OrderFromRow would give it for what
// the resolver reads (other fields are zero; each line carries only its
// quantity), and with its customer id. The file is checked against its
// size and checksum before fn is called once, so a damaged file is
// reported (ErrStateDamaged) before any order was handed on. An order and
// its strings are valid until fn returns for the last order of its block.
func ReadState(ctx context.Context, dsDir string, sm StateMonth, fn func(o *normalize.Order, customerID string) error) error {
	p := filepath.Join(dsDir, ResolverStateDir, sm.File)
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: %w", p, ErrStateDamaged)
		}
		return err
	}
	defer f.Close()
	h := crc32.New(stateCRC)
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if n != sm.Bytes || h.Sum32() != sm.CRC32C {
		return fmt.Errorf("%s: size or checksum differs from the index: %w", p, ErrStateDamaged)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	dec := stateDecoders.Get().(*zstd.Decoder)
	defer stateDecoders.Put(dec)
	br := bufio.NewReaderSize(f, 64<<10)
	damaged := func(what string) error { return fmt.Errorf("%s: %s: %w", p, what, ErrStateDamaged) }
	head := make([]byte, len(stateMagic)+1)
	if _, err := io.ReadFull(br, head); err != nil || string(head[:len(stateMagic)]) != stateMagic || head[len(stateMagic)] != stateVersion {
		return damaged("not a resolver state file of this version")
	}
	var frame, raw []byte
	var total int64
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		count, err := binary.ReadUvarint(br)
		if err != nil {
			return damaged("block header")
		}
		if count == 0 {
			break
		}
		size, err := binary.ReadUvarint(br)
		if err != nil || size > maxStateBlock || size > uint64(sm.Bytes) || count > stateBlock {
			return damaged("block header")
		}
		frame = slices.Grow(frame[:0], int(size))[:size]
		if _, err := io.ReadFull(br, frame); err != nil {
			return damaged("block")
		}
		if raw, err = dec.DecodeAll(frame, raw[:0]); err != nil {
			return damaged("block: " + err.Error())
		}
		// One string, one slice of orders and one of lines per block:
		// every field is a substring, every order's lines a part.
		d := stateDecoder{s: string(raw)}
		orders := make([]normalize.Order, count)
		for i := range orders {
			d.order(&orders[i])
			if d.bad {
				return damaged("record")
			}
			if err := fn(&orders[i], d.customer); err != nil {
				return err
			}
			total++
		}
		if d.i != len(d.s) {
			return damaged("block length")
		}
	}
	if total != sm.Orders {
		return damaged(fmt.Sprintf("%d orders, the index says %d", total, sm.Orders))
	}
	return nil
}

type stateDecoder struct {
	s        string
	i        int
	bad      bool
	customer string
	lines    []normalize.Line // the block's lines not handed out yet
}

// uvarint and varint decode as binary.Uvarint and binary.Varint do,
// reading the block's string in place.
func (d *stateDecoder) uvarint() uint64 {
	var x uint64
	var shift uint
	for k := 0; k < binary.MaxVarintLen64 && d.i < len(d.s); k++ {
		c := d.s[d.i]
		d.i++
		if c < 0x80 {
			if k == binary.MaxVarintLen64-1 && c > 1 {
				break // overflows 64 bits
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.bad = true
	d.i = len(d.s)
	return 0
}

func (d *stateDecoder) varint() int64 {
	ux := d.uvarint()
	x := int64(ux >> 1)
	if ux&1 != 0 {
		x = ^x
	}
	return x
}

func (d *stateDecoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.bad = true
		d.i = len(d.s)
		return ""
	}
	s := d.s[d.i : d.i+int(n)]
	d.i += int(n)
	return s
}

func (d *stateDecoder) order(o *normalize.Order) {
	o.Source, o.Account, o.OrderID, d.customer = d.str(), d.str(), d.str(), d.str()
	o.Status, o.Currency = normalize.Status(d.str()), d.str()
	b := &o.Buyer
	b.Ref, b.Name, b.Document = d.str(), d.str(), d.str()
	b.DocumentType, b.Email = normalize.DocType(d.str()), d.str()
	b.EmailKind, b.Phone = normalize.EmailKind(d.str()), d.str()
	a := &o.Ship
	a.RecipientName, a.RecipientPhone, a.Street, a.Number, a.Neighborhood = d.str(), d.str(), d.str(), d.str(), d.str()
	a.City, a.State, a.PostalCode, a.Country = d.str(), d.str(), d.str(), d.str()
	if d.i >= len(d.s) {
		d.bad = true
		return
	}
	flags := d.s[d.i]
	d.i++
	if flags&1 != 0 {
		o.OrderedAt = time.UnixMicro(d.varint()).UTC()
	}
	if flags&2 != 0 {
		o.ItemsTotal = normalize.Cents(d.varint())
	}
	if flags&4 != 0 {
		o.OrderTotal = normalize.Cents(d.varint())
	}
	n := d.uvarint()
	if n > uint64(len(d.s)-d.i) {
		d.bad = true
		return
	}
	if n == 0 {
		return
	}
	if len(d.lines) < int(n) {
		d.lines = make([]normalize.Line, max(int(n), 1024))
	}
	o.Lines, d.lines = d.lines[:n:n], d.lines[n:]
	for i := range o.Lines {
		o.Lines[i].Quantity = int32(d.varint())
	}
}

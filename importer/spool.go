package importer

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// spoolWriter appends values of one type to a scratch file. Orders are
// spooled by month so that each month can later be merged and written with
// only that month in memory.
//
// The format is private to one run: each value is a uvarint length and a
// payload of varints and length-prefixed strings, written by hand (no
// reflection); see encodeValue.
type spoolWriter[T any] struct {
	f   *os.File
	buf *bufio.Writer
	rec []byte // reused payload buffer
	hdr [binary.MaxVarintLen64]byte
}

func createSpool[T any](path string) (*spoolWriter[T], error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	// The IV goes first, unbuffered; then bufio batches small records into
	// large encrypted writes.
	enc, err := encryptTo(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &spoolWriter[T]{f: f, buf: bufio.NewWriterSize(enc, 64<<10)}, nil
}

func (w *spoolWriter[T]) Write(v *T) error {
	w.rec = encodeValue(w.rec[:0], v)
	return w.writePayload(w.rec)
}

func (w *spoolWriter[T]) Close() error {
	err := w.buf.Flush()
	if cerr := w.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readSpool calls fn for every value of a spool file. Each value is
// decoded afresh; its strings share one allocation per value.
func readSpool[T any](path string, fn func(*T) error) error {
	return eachPayload(path, func(raw []byte) error {
		var v T
		d := decoder{s: string(raw)}
		decodeValue(&d, &v)
		if d.err != nil {
			return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), d.err)
		}
		return fn(&v)
	})
}

// readMergedOrders is readSpool for the write pass, which copies what it
// needs of each order before the next: one order and its lines' memory
// serve every record, instead of being allocated afresh for each of the
// millions the pass reads. fn must not keep mo or its Lines; the strings
// are fresh for each record and may be kept.
func readMergedOrders(path string, fn func(mo *mergedOrder) error) error {
	var mo mergedOrder
	return eachPayload(path, func(raw []byte) error {
		lines := mo.Order.Lines[:0]
		mo = mergedOrder{}
		mo.Order.Lines = lines
		d := decoder{s: string(raw)}
		decodeValue(&d, &mo)
		if d.err != nil {
			return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), d.err)
		}
		return fn(&mo)
	})
}

// eachPayload calls fn with the undecoded payload of every value of a
// spool file; the slice is reused.
func eachPayload(path string, fn func(payload []byte) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec, err := decryptFrom(bufio.NewReaderSize(f, 64<<10))
	if err != nil {
		return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), err)
	}
	br := bufio.NewReaderSize(dec, 64<<10)
	var raw []byte
	for {
		n, err := binary.ReadUvarint(br)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), err)
		}
		if n > 1<<30 {
			return fmt.Errorf("read scratch file %s: corrupt record length %d", filepath.Base(path), n)
		}
		if uint64(cap(raw)) < n {
			raw = make([]byte, n)
		}
		raw = raw[:n]
		if _, err := io.ReadFull(br, raw); err != nil {
			return fmt.Errorf("read scratch file %s: %w", filepath.Base(path), err)
		}
		if err := fn(raw); err != nil {
			return err
		}
	}
}

// writePayload appends an already encoded value.
func (w *spoolWriter[T]) writePayload(payload []byte) error {
	k := binary.PutUvarint(w.hdr[:], uint64(len(payload)))
	if _, err := w.buf.Write(w.hdr[:k]); err != nil {
		return err
	}
	_, err := w.buf.Write(payload)
	return err
}

// encodeValue appends the payload of one spooled value.
func encodeValue(b []byte, v any) []byte {
	switch v := v.(type) {
	case *spooledOrder:
		b = appendOrder(b, &v.Order)
		b = appendString(b, v.Rank)
		b = appendString(b, v.Prior)
		return appendTime(b, v.IngestedAt)
	case *mergedOrder:
		b = appendOrder(b, &v.Order)
		b = appendUvarint(b, uint64(v.Seq))
		return appendTime(b, v.IngestedAt)
	case *spooledLine:
		b = appendString(b, v.Key)
		return appendLine(b, &v.Line)
	case *connectors.Reject:
		b = appendString(b, v.Source)
		b = appendString(b, v.File)
		b = appendString(b, v.Sheet)
		b = appendVarint(b, int64(v.Row))
		b = appendString(b, v.Column)
		b = appendString(b, v.Value)
		b = appendString(b, v.Reason)
		return appendString(b, string(v.Effect))
	}
	panic(fmt.Sprintf("spool: no encoding for %T", v))
}

func decodeValue(d *decoder, v any) {
	switch v := v.(type) {
	case *spooledOrder:
		d.order(&v.Order)
		v.Rank = d.str()
		v.Prior = d.str()
		v.IngestedAt = d.time()
	case *mergedOrder:
		d.order(&v.Order)
		v.Seq = uint32(d.uvarint())
		v.IngestedAt = d.time()
	case *spooledLine:
		v.Key = d.str()
		d.line(&v.Line)
	case *connectors.Reject:
		v.Source = d.str()
		v.File = d.str()
		v.Sheet = d.str()
		v.Row = int(d.varint())
		v.Column = d.str()
		v.Value = d.str()
		v.Reason = d.str()
		v.Effect = connectors.Effect(d.str())
	default:
		panic(fmt.Sprintf("spool: no decoding for %T", v))
	}
	if d.err == nil && len(d.s) != 0 {
		d.err = errors.New("corrupt record: trailing bytes")
	}
}

func appendUvarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }
func appendVarint(b []byte, x int64) []byte   { return binary.AppendVarint(b, x) }

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendTime writes a zero time as one 0 byte; otherwise 1 + offset flag,
// seconds and nanoseconds. Times are UTC in practice; another offset is kept
// as a fixed zone, as gob did.
func appendTime(b []byte, t time.Time) []byte {
	if t.IsZero() {
		return append(b, 0)
	}
	_, off := t.Zone()
	if off == 0 && t.Location() == time.UTC {
		b = append(b, 1)
	} else {
		b = append(b, 2)
		b = binary.AppendVarint(b, int64(off))
	}
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendAmount(b []byte, a normalize.Amount) []byte {
	if !a.Valid {
		if a.Cents == 0 {
			return append(b, 0)
		}
		b = append(b, 2)
		return binary.AppendVarint(b, a.Cents)
	}
	b = append(b, 1)
	return binary.AppendVarint(b, a.Cents)
}

func appendOrder(b []byte, o *normalize.Order) []byte {
	b = appendString(b, o.Source)
	b = appendString(b, o.Account)
	b = appendString(b, o.OrderID)
	b = appendString(b, o.PackID)
	b = appendTime(b, o.OrderedAt)
	b = appendTime(b, o.UpdatedAt)
	b = appendString(b, string(o.Status))
	b = appendString(b, o.StatusRaw)
	b = appendString(b, o.Currency)
	b = appendAmount(b, o.ItemsTotal)
	b = appendAmount(b, o.Shipping)
	b = appendAmount(b, o.Discount)
	b = appendAmount(b, o.Fees)
	b = appendAmount(b, o.OrderTotal)
	b = appendAmount(b, o.NetTotal)
	b = appendString(b, o.PaymentMethod)
	b = appendVarint(b, int64(o.Installments))
	by := &o.Buyer
	b = appendString(b, by.Ref)
	b = appendString(b, by.Name)
	b = appendString(b, by.Document)
	b = appendString(b, string(by.DocumentType))
	b = appendString(b, by.Email)
	b = appendString(b, string(by.EmailKind))
	b = appendString(b, by.Phone)
	s := &o.Ship
	b = appendString(b, s.RecipientName)
	b = appendString(b, s.RecipientPhone)
	b = appendString(b, s.Street)
	b = appendString(b, s.Number)
	b = appendString(b, s.Neighborhood)
	b = appendString(b, s.City)
	b = appendString(b, s.State)
	b = appendString(b, s.PostalCode)
	b = appendString(b, s.Country)
	b = appendString(b, o.SourceFile)
	b = appendVarint(b, int64(o.SourceRow))
	b = appendUvarint(b, uint64(len(o.Lines)))
	for i := range o.Lines {
		b = appendLine(b, &o.Lines[i])
	}
	return b
}

func appendLine(b []byte, l *normalize.Line) []byte {
	b = appendVarint(b, int64(l.LineNo))
	b = appendString(b, l.SKU)
	b = appendString(b, l.ListingID)
	b = appendString(b, l.Title)
	b = appendString(b, l.Variation)
	b = appendVarint(b, int64(l.Quantity))
	b = appendAmount(b, l.UnitPrice)
	b = appendAmount(b, l.LineTotal)
	b = appendString(b, string(l.Status))
	b = appendVarint(b, int64(l.SourceRow))
	return appendString(b, l.Category)
}

// decoder reads a payload held in one string, so decoded strings are
// substrings of it and cost no allocation of their own.
type decoder struct {
	s   string
	err error
}

var errShort = errors.New("corrupt record: truncated")

func (d *decoder) uvarint() uint64 {
	var x uint64
	var sh uint
	for i := 0; i < len(d.s); i++ {
		c := d.s[i]
		if c < 0x80 {
			if i >= binary.MaxVarintLen64 {
				break
			}
			d.s = d.s[i+1:]
			return x | uint64(c)<<sh
		}
		x |= uint64(c&0x7f) << sh
		sh += 7
	}
	if d.err == nil {
		d.err = errShort
	}
	d.s = ""
	return 0
}

func (d *decoder) varint() int64 {
	u := d.uvarint()
	x := int64(u >> 1)
	if u&1 != 0 {
		x = ^x
	}
	return x
}

func (d *decoder) byte() byte {
	if len(d.s) == 0 {
		if d.err == nil {
			d.err = errShort
		}
		return 0
	}
	c := d.s[0]
	d.s = d.s[1:]
	return c
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		if d.err == nil {
			d.err = errShort
		}
		d.s = ""
		return ""
	}
	v := d.s[:n]
	d.s = d.s[n:]
	return v
}

func (d *decoder) time() time.Time {
	switch d.byte() {
	case 0:
		return time.Time{}
	case 1:
		sec := d.varint()
		return time.Unix(sec, int64(d.uvarint())).UTC()
	case 2:
		off := d.varint()
		sec := d.varint()
		return time.Unix(sec, int64(d.uvarint())).In(time.FixedZone("", int(off)))
	}
	if d.err == nil {
		d.err = errors.New("corrupt record: bad time")
	}
	return time.Time{}
}

func (d *decoder) amount() normalize.Amount {
	switch d.byte() {
	case 0:
		return normalize.Amount{}
	case 1:
		return normalize.Amount{Cents: d.varint(), Valid: true}
	default:
		return normalize.Amount{Cents: d.varint()}
	}
}

func (d *decoder) order(o *normalize.Order) {
	o.Source = d.str()
	o.Account = d.str()
	o.OrderID = d.str()
	o.PackID = d.str()
	o.OrderedAt = d.time()
	o.UpdatedAt = d.time()
	o.Status = normalize.Status(d.str())
	o.StatusRaw = d.str()
	o.Currency = d.str()
	o.ItemsTotal = d.amount()
	o.Shipping = d.amount()
	o.Discount = d.amount()
	o.Fees = d.amount()
	o.OrderTotal = d.amount()
	o.NetTotal = d.amount()
	o.PaymentMethod = d.str()
	o.Installments = int32(d.varint())
	by := &o.Buyer
	by.Ref = d.str()
	by.Name = d.str()
	by.Document = d.str()
	by.DocumentType = normalize.DocType(d.str())
	by.Email = d.str()
	by.EmailKind = normalize.EmailKind(d.str())
	by.Phone = d.str()
	s := &o.Ship
	s.RecipientName = d.str()
	s.RecipientPhone = d.str()
	s.Street = d.str()
	s.Number = d.str()
	s.Neighborhood = d.str()
	s.City = d.str()
	s.State = d.str()
	s.PostalCode = d.str()
	s.Country = d.str()
	o.SourceFile = d.str()
	o.SourceRow = int(d.varint())
	n := d.uvarint()
	if n > uint64(len(d.s)) {
		if d.err == nil {
			d.err = errShort
		}
		return
	}
	if n > 0 {
		// A reused order (readMergedOrders) keeps its lines' memory.
		o.Lines = slices.Grow(o.Lines[:0], int(n))[:n]
		clear(o.Lines)
		for i := range o.Lines {
			d.line(&o.Lines[i])
		}
	}
}

func (d *decoder) line(l *normalize.Line) {
	l.LineNo = int(d.varint())
	l.SKU = d.str()
	l.ListingID = d.str()
	l.Title = d.str()
	l.Variation = d.str()
	l.Quantity = int32(d.varint())
	l.UnitPrice = d.amount()
	l.LineTotal = d.amount()
	l.Status = normalize.Status(d.str())
	l.SourceRow = int(d.varint())
	l.Category = d.str()
}

// monthSpools keeps one spool per month for one input.
type monthSpools[T any] struct {
	dir    string
	prefix string
	files  map[string]*spoolWriter[T]
	paths  map[string]string
}

func newMonthSpools[T any](dir, prefix string) *monthSpools[T] {
	return &monthSpools[T]{dir: dir, prefix: prefix, files: map[string]*spoolWriter[T]{}, paths: map[string]string{}}
}

func (m *monthSpools[T]) Write(month string, v *T) error {
	w, ok := m.files[month]
	if !ok {
		p := filepath.Join(m.dir, m.prefix+"-"+month+".spool")
		var err error
		if w, err = createSpool[T](p); err != nil {
			return err
		}
		m.files[month], m.paths[month] = w, p
	}
	return w.Write(v)
}

// Close closes every month's file and returns their paths by month.
func (m *monthSpools[T]) Close() (map[string]string, error) {
	var first error
	for _, w := range m.files {
		if err := w.Close(); err != nil && first == nil {
			first = err
		}
	}
	m.files = map[string]*spoolWriter[T]{}
	return m.paths, first
}

// Discard closes and removes every file.
func (m *monthSpools[T]) Discard() {
	m.Close()
	for _, p := range m.paths {
		os.Remove(p)
	}
	m.paths = map[string]string{}
}

// removeSpools deletes spools that were read for the last time. The run's
// scratch folder goes at its end anyway, but a run's spools add up to more
// than its exports; removed as soon as they are read, they stop taking
// disk space, and the kernel drops their pages instead of writing them out.
func removeSpools(paths []string) {
	for _, p := range paths {
		os.Remove(p)
	}
}

package connectors

import (
	"context"
	"iter"

	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// Emit hands one record to the consumer; false means the consumer stopped.
type Emit func(Record) bool

// Grouper assembles consecutive rows that belong to one order (exports write
// one row per order line) into one Record, without holding more than the
// order being read.
type Grouper struct {
	key string
	cur Record
}

// Current returns the order being assembled when key continues it, or nil
// when key starts another order (the caller then calls Start).
func (g *Grouper) Current(key string) *normalize.Order {
	if g.cur.Order != nil && key != "" && key == g.key {
		return g.cur.Order
	}
	return nil
}

// Start begins a new order and returns the finished previous one, if any.
func (g *Grouper) Start(key string, o *normalize.Order) (Record, bool) {
	prev, ok := g.Flush()
	g.key = key
	g.cur = Record{Order: o}
	return prev, ok
}

// AddRejects attaches a row's value problems to the order being assembled.
func (g *Grouper) AddRejects(r []Reject) { g.cur.Rejects = append(g.cur.Rejects, r...) }

// Flush returns the order being assembled, if any, and forgets it.
func (g *Grouper) Flush() (Record, bool) {
	if g.cur.Order == nil {
		return Record{}, false
	}
	r := g.cur
	g.cur, g.key = Record{}, ""
	return r, true
}

// RowFunc turns one row into zero or more finished records.
type RowFunc func(row tabular.Row, emit Emit) bool

// StreamRows drives a row stream: it checks for cancellation on every row,
// turns unreadable rows into rejects, calls fn for the others, then calls
// flush for what is still being assembled, and ends with the stream's error.
// Every order it hands on has passed CheckRecord, with the dates plausible
// at the run time ctx carries (see WithRunTime).
func StreamRows(ctx context.Context, source, file, sheet string, rows tabular.Rows, fn RowFunc, flush func(Emit) bool) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		rows := prefetch(rows)
		defer rows.Close()
		dates := RunDates(ctx)
		consumed := 0
		emit := func(r Record) bool {
			r.Rows, consumed = consumed, 0
			CheckRecord(&r, dates, sheet)
			return yield(r, nil)
		}
		for rows.Next() {
			if err := ctx.Err(); err != nil {
				yield(Record{}, err)
				return
			}
			row := rows.Row()
			if row.Problem != nil || !Blank(row.Cells) {
				consumed++
			}
			if row.Problem != nil {
				if !emit(Record{Rejects: []Reject{{Source: source, File: file, Sheet: sheet, Row: row.Number, Reason: row.Problem.Error(), Effect: RowSkipped}}}) {
					return
				}
				continue
			}
			if !fn(row, emit) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Record{}, err)
			return
		}
		if err := ctx.Err(); err != nil {
			yield(Record{}, err)
			return
		}
		if flush != nil {
			flush(emit)
		}
	}
}

// Fail is a sequence that yields one error: the file could not be read.
func Fail(err error) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) { yield(Record{}, err) }
}

// Blank reports whether a row holds nothing but empty cells, counting the
// single spaces and invisible characters exports write for "empty".
func Blank(cells []string) bool {
	for _, c := range cells {
		if normalize.CleanText(c) != "" {
			return false
		}
	}
	return true
}

// Lazy defers opening a file until the sequence is iterated, so a
// sequence that is never ranged over holds no file open, and each range
// reads the file afresh.
func Lazy(open func() iter.Seq2[Record, error]) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		for rec, err := range open() {
			if !yield(rec, err) {
				return
			}
		}
	}
}

// DataRows leaves out of a row stream the rows that are not data (a row
// describing the columns under the header), so they are neither read as
// orders nor counted as rows.
func DataRows(rows tabular.Rows, isData func(tabular.Row) bool) tabular.Rows {
	return &dataRows{Rows: rows, isData: isData}
}

type dataRows struct {
	tabular.Rows
	isData func(tabular.Row) bool
}

func (d *dataRows) Next() bool {
	for d.Rows.Next() {
		if d.isData(d.Rows.Row()) {
			return true
		}
	}
	return false
}

// prefetchBatch is how many rows the reading goroutine hands over at once:
// enough to make the hand-over cost nothing per row, few enough that a
// batch of the widest export stays well under a megabyte of cell headers.
const prefetchBatch = 512

// prefetchCells caps a batch's cells, so that a file whose rows are as wide
// as a row may be (thousands of cells) costs no more per batch than a
// typical export does.
const prefetchCells = prefetchBatch * 64

// prefetch reads rows in a goroutine of its own, a few batches ahead, so
// that splitting the file (CSV fields, worksheet XML) and turning rows into
// orders run on two cores. Rows come in the same order with the same
// numbers, problems and error; cells stay valid after the next Next, since
// each batch gets its own slices. Close stops the goroutine before it
// closes the underlying stream.
func prefetch(rows tabular.Rows) tabular.Rows {
	p := &prefetched{src: rows, batches: make(chan []tabular.Row, 2), stop: make(chan struct{}), done: make(chan struct{})}
	go p.run()
	return p
}

type prefetched struct {
	src     tabular.Rows
	batches chan []tabular.Row
	stop    chan struct{}
	done    chan struct{} // closed when run returns; src is then idle
	err     error         // src.Err(), read after done

	cur    []tabular.Row
	i      int
	ended  bool // Next returned false
	closed bool
}

func (p *prefetched) run() {
	defer close(p.done)
	defer close(p.batches)
	for {
		batch := make([]tabular.Row, 0, prefetchBatch)
		var cells []string
		ncells := 0
		for len(batch) < prefetchBatch && ncells < prefetchCells && p.src.Next() {
			row := p.src.Row()
			// One backing array per batch, not one per row.
			if cap(cells)-len(cells) < len(row.Cells) {
				cells = make([]string, 0, max(min(len(row.Cells)*prefetchBatch/4, prefetchCells), len(row.Cells)))
			}
			start := len(cells)
			cells = append(cells, row.Cells...)
			row.Cells = cells[start:len(cells):len(cells)]
			batch = append(batch, row)
			ncells += len(row.Cells)
		}
		if len(batch) == 0 {
			p.err = p.src.Err()
			return
		}
		select {
		case p.batches <- batch:
		case <-p.stop:
			return
		}
	}
}

func (p *prefetched) Next() bool {
	p.i++
	for p.i >= len(p.cur) {
		b, ok := <-p.batches
		if !ok {
			p.cur, p.i, p.ended = nil, 0, true
			return false
		}
		p.cur, p.i = b, 0
	}
	return true
}

func (p *prefetched) Row() tabular.Row { return p.cur[p.i] }

// Err is the stream's error once Next has returned false.
func (p *prefetched) Err() error {
	if !p.ended {
		return nil
	}
	<-p.done
	return p.err
}

func (p *prefetched) Close() error {
	if !p.closed {
		p.closed = true
		close(p.stop)
		<-p.done
	}
	return p.src.Close()
}

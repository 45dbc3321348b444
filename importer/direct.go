package importer

import (
	"errors"
	"fmt"
	"sync"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/normalize"
)

// A month of the dataset that none of a run's inputs reaches holds no
// order an input could meet: each of its orders is its only sighting. Such
// a month is neither spooled nor merged. Its orders go from the dataset's
// files straight to the resolver (directParts), and the month is kept byte
// for byte unless an order in it changes customer or belongs to an erased
// buyer; then it is rewritten from the dataset's files again (readDirect),
// each order with the handle the resolver gave it. Both read the month's
// files in the same order, so the n-th order read is the n-th handle.

// directMonth is a month no input reaches.
type directMonth struct {
	// handles are the resolver's handles of the month's orders, in the
	// order the dataset's files hold them. Only the goroutine that
	// observes orders writes them, while the merge pipeline runs.
	handles []uint32
	// keys are the hashes of the orders' keys (orderKeyHash) when they
	// were read from the resolver state, so that rewriting the month from
	// its tables can tell that both list the same orders alike.
	keys []uint64
	// state is the month's resolver state once read or written; nil when
	// it could not be written.
	state *dataset.StateMonth
}

// directPart is how many orders of a month no input reaches go to the
// resolver at a time: one read batch. With the months read ahead, a few
// such parts are in memory at once.
const directPart = 4096

// directReaders is how many months no input reaches are read at a time,
// ahead of the resolver: decoding Parquet is most of such a run, and the
// resolver takes their orders faster than one core decodes them.
const directReaders = 2

// readAhead reads the months of months no input reaches ahead of the merge
// pipeline, directReaders at a time, each into a channel of its parts;
// the channels come out of the returned one in month order. Everything
// stops once stop is closed; wait waits for every reader to end.
func (r *Run) readAhead(months []string, stop <-chan struct{}) (queue <-chan chan *mergedMonth, wait func()) {
	var wg sync.WaitGroup
	q := make(chan chan *mergedMonth, directReaders)
	slots := make(chan struct{}, directReaders)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(q)
		for _, m := range months {
			if r.direct[m] == nil {
				continue
			}
			// Slots are taken in month order, so the month the pipeline
			// waits for always has a reader.
			select {
			case slots <- struct{}{}:
			case <-stop:
				return
			}
			parts := make(chan *mergedMonth, 1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				defer close(parts)
				r.directParts(m, func(mm *mergedMonth) bool {
					select {
					case parts <- mm:
						return mm.err == nil
					case <-stop:
						return false
					}
				})
			}()
			select {
			case q <- parts:
			case <-stop:
				return
			}
		}
	}()
	return q, wg.Wait
}

// errStopped ends reading a month once the merge pipeline stopped.
var errStopped = errors.New("merge stopped")

// directParts reads the orders of a month no input reaches and hands them
// on to send in parts, as orders merged from one sighting each. It returns
// false once send does or an error was sent.
func (r *Run) directParts(month string, send func(*mergedMonth) bool) bool {
	var held, cur *mergedMonth
	first := true
	newPart := func() *mergedMonth {
		mm := &mergedMonth{monthPart: monthPart{month: month, direct: true, first: first}}
		mm.orders = make([]mergedSighting, 0, directPart)
		first = false
		return mm
	}
	// A part is sent once the next one exists, so the month's last part
	// can be marked as such.
	err := r.readMonthState(month, r.direct[month], func(o *normalize.Order, prior string) error {
		if cur == nil {
			cur = newPart()
		}
		m := mergedSighting{order: o, change: orderUnchanged, had: true, prior: prior}
		if m.erased, m.keep = r.erased.Match(o); m.erased {
			cur.touched = true
		}
		cur.orders = append(cur.orders, m)
		if len(cur.orders) < directPart {
			return nil
		}
		if held != nil && !send(held) {
			return errStopped
		}
		held, cur = cur, nil
		return nil
	})
	if errors.Is(err, errStopped) {
		return false
	}
	if err != nil {
		return send(&mergedMonth{monthPart: monthPart{month: month, direct: true}, err: err})
	}
	if held != nil {
		if cur == nil {
			held.last = true
		}
		if !send(held) {
			return false
		}
	}
	if cur == nil && held == nil {
		cur = newPart() // the files held no order: the month ends here
	}
	if cur != nil {
		cur.last = true
		return send(cur)
	}
	return true
}

// readDirect calls fn with each order of a month no input reached, as the
// write pass wants it: with the resolver's handle, an erased buyer's order
// anonymized or left out as the merge pass decided.
func (r *Run) readDirect(month string, fn func(*mergedOrder) error) error {
	dm := r.direct[month]
	handles := dm.handles
	n := 0
	err := r.readMonth(month, func(o *normalize.Order, row *dataset.OrderRow) error {
		if n == len(handles) {
			return fmt.Errorf("month %s: the dataset holds more orders than the run resolved", month)
		}
		if dm.keys != nil && dm.keys[n] != orderKeyHash(o.Source, o.Account, o.OrderID) {
			return fmt.Errorf("month %s: the resolver state lists order %s/%s/%s elsewhere than the orders table; run orderhist rebuild", month, o.Source, o.Account, o.OrderID)
		}
		mo := mergedOrder{Order: *o, IngestedAt: row.IngestedAt, Seq: handles[n]}
		n++
		erased, keep := r.erased.Match(o)
		if erased && !keep {
			return nil
		}
		if erased {
			dataset.Anonymize(&mo.Order)
		}
		return fn(&mo)
	})
	if err == nil && n != len(handles) {
		err = fmt.Errorf("month %s: the dataset holds fewer orders than the run resolved", month)
	}
	return err
}

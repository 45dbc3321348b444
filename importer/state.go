package importer

import (
	"errors"
	"path/filepath"
	"sync"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/normalize"
)

// A month no input reaches is read from the dataset's resolver state
// (dataset.ReadState) where the state describes the month's committed
// files, and from its Parquet files otherwise; reading the Parquet, the
// run writes the month's state as it goes. A month the run writes gets its
// state from the rows written. The run's state index lists every month the
// run kept or wrote with a state, and is written before the commit; see
// dataset/resolverstate.go for why a killed run cannot leave it out of step
// with the tables.

// runState is the resolver state a run reads and the one it writes.
type runState struct {
	// old are the months of the dataset's state that describe its tables.
	old *dataset.StateIndex
	mu  sync.Mutex
	// next is the state of the run's commit.
	next *dataset.StateIndex
}

// loadState reads the dataset's state index at the start of a build.
func (r *Run) loadState() {
	mode, check := string(r.protect.Mode()), r.protect.KeyCheck()
	r.state = &runState{next: &dataset.StateIndex{Version: 1, RunID: r.tx.RunID(), PII: mode, KeyCheck: check, Months: map[string]dataset.StateMonth{}}}
	if r.opts.ignoreState {
		r.state.old = &dataset.StateIndex{Months: map[string]dataset.StateMonth{}}
		return
	}
	r.state.old = dataset.LoadStateIndex(r.ds, mode, check)
}

// setState records the state of a month the run wrote or read.
func (r *Run) setState(month string, sm dataset.StateMonth) {
	r.state.mu.Lock()
	r.state.next.Months[month] = sm
	r.state.mu.Unlock()
}

// keepState carries the state of a month kept byte for byte: the one the
// run wrote while reading the month's tables, else the dataset's.
func (r *Run) keepState(month string) {
	if dm := r.direct[month]; dm != nil && dm.state != nil {
		r.setState(month, *dm.state)
		return
	}
	if sm, ok := r.state.old.Months[month]; ok {
		r.setState(month, sm)
	}
}

// writeStateIndex writes the run's state index, before the commit.
func (r *Run) writeStateIndex() {
	if err := dataset.WriteStateIndex(r.dir, r.state.next); err != nil {
		r.log.Warn("resolver state not written; the next run reads the tables instead", "error", err)
		r.state.next.Months = map[string]dataset.StateMonth{}
	}
}

// cleanState removes the state files the committed run no longer uses.
func (r *Run) cleanState() {
	if r.state != nil {
		dataset.CleanState(r.dir, r.state.next)
	}
}

// monthStateWriter writes a month's state beside its orders file; a state
// that cannot be written is left out with a warning, as the next run can
// read the month's tables instead.
type monthStateWriter struct {
	r     *Run
	month string
	w     *dataset.StateWriter
	qty   []int32
}

func (r *Run) newMonthStateWriter(month string) *monthStateWriter {
	w, err := dataset.CreateStateFile(r.dir, month, r.tx.RunID())
	if err != nil {
		r.log.Warn("resolver state not written", "month", month, "error", err)
	}
	return &monthStateWriter{r: r, month: month, w: w}
}

// addLines adds an orders row with the quantities of its lines.
func (mw *monthStateWriter) addLines(row *dataset.OrderRow, lines []normalize.Line) {
	mw.qty = mw.qty[:0]
	for i := range lines {
		mw.qty = append(mw.qty, lines[i].Quantity)
	}
	mw.add(row)
}

// addItems adds an orders row with its order_items rows.
func (mw *monthStateWriter) addItems(row *dataset.OrderRow, items []dataset.ItemRow) {
	mw.qty = mw.qty[:0]
	for i := range items {
		mw.qty = append(mw.qty, items[i].Quantity)
	}
	mw.add(row)
}

func (mw *monthStateWriter) add(row *dataset.OrderRow) {
	if mw.w == nil {
		return
	}
	if err := mw.w.Add(row, mw.qty); err != nil {
		mw.r.log.Warn("resolver state not written", "month", mw.month, "error", err)
		mw.w.Abort()
		mw.w = nil
	}
}

// commit ends the state of a month whose orders and order_items files are
// ordersFiles and itemsFiles; nil when it could not be written.
func (mw *monthStateWriter) commit(ordersFiles, itemsFiles []string) *dataset.StateMonth {
	if mw.w == nil {
		return nil
	}
	sm, err := mw.w.Commit()
	mw.w = nil
	if err != nil {
		mw.r.log.Warn("resolver state not written", "month", mw.month, "error", err)
		return nil
	}
	sm.OrdersFiles, sm.ItemsFiles = ordersFiles, itemsFiles
	return &sm
}

// abort discards the month's state.
func (mw *monthStateWriter) abort() {
	if mw.w != nil {
		mw.w.Abort()
		mw.w = nil
	}
}

// readMonthState reads a month no input reaches from the resolver state
// when the state describes it, else from its tables, writing its state.
// fn gets each order with its customer id; orders come in the order of the
// month's orders file either way.
func (r *Run) readMonthState(month string, dm *directMonth, fn func(o *normalize.Order, prior string) error) error {
	if sm, ok := r.state.old.Months[month]; ok {
		err := dataset.ReadState(r.ctx, r.dir, sm, func(o *normalize.Order, prior string) error {
			dm.keys = append(dm.keys, orderKeyHash(o.Source, o.Account, o.OrderID))
			return fn(o, prior)
		})
		if err == nil {
			dm.state = &sm
			return nil
		}
		if !errors.Is(err, dataset.ErrStateDamaged) || len(dm.keys) > 0 {
			return err
		}
		// Nothing was handed on: the month's tables say the same.
		r.log.Warn("resolver state unusable; reading the month's tables", "month", month, "error", err)
		dm.keys = nil
	}
	mw := r.newMonthStateWriter(month)
	err := r.readMonth(month, func(o *normalize.Order, row *dataset.OrderRow) error {
		mw.addLines(row, o.Lines)
		return fn(o, row.CustomerID)
	})
	if err != nil {
		mw.abort()
		return err
	}
	part := dataset.MonthPartition(month)
	m := r.ds.Manifest()
	dm.state = mw.commit(dataset.PartitionFiles(m, dataset.TableOrders, part), dataset.PartitionFiles(m, dataset.TableOrderItems, part))
	return nil
}

// orderKeyHash is a 64-bit FNV-1a hash of an order's key, which tells
// whether the state and the tables list a month's orders alike.
func orderKeyHash(parts ...string) uint64 {
	h := uint64(14695981039346656037)
	for _, p := range parts {
		for i := 0; i < len(p); i++ {
			h = (h ^ uint64(p[i])) * 1099511628211
		}
		h = (h ^ 0) * 1099511628211
	}
	return h
}

func baseName(p string) []string { return []string{filepath.Base(p)} }

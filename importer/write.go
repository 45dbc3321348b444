package importer

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/history"
)

// writeMonths writes months two at a time: a month's last row group is
// encoded and compressed while the next month's rows are decoded, so the
// cores are not left idle at every month's end.
func (r *Run) writeMonths(months []string, result *dedupe.Handles) error {
	const writing = "writing months"
	var done atomic.Int64
	r.opts.Stage(writing, 0, len(months))
	return eachConcurrently(r.ctx, 2, months, func(_ context.Context, m string) error {
		if err := r.writeMonth(m, result); err != nil {
			return err
		}
		r.opts.Stage(writing, int(done.Add(1)), len(months))
		return nil
	})
}

// writeMonth writes one month's orders and lines with their customer ids.
// Decoding the spool and encoding each table run in three goroutines, so
// the two cores share the Parquet encoding and compression.
func (r *Run) writeMonth(month string, result *dedupe.Handles) error {
	part := dataset.MonthPartition(month)
	writeBatch := r.opts.WriteBatch
	orders, err := dataset.CreateTable[dataset.OrderRow](r.tx, "orders", part, r.fileOptions()...)
	if err != nil {
		return err
	}
	items, err := dataset.CreateTable[dataset.ItemRow](r.tx, "order_items", part, r.fileOptions()...)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	ow := startTableWriter(orders, stop, writeBatch)
	iw := startTableWriter(items, stop, writeBatch)
	obuf, ibuf := ow.buffer(), iw.buffer()
	mw := r.newMonthStateWriter(month)
	read := func(fn func(*mergedOrder) error) error { return readMergedOrders(r.merged[month], fn) }
	if r.direct[month] != nil {
		read = func(fn func(*mergedOrder) error) error { return r.readDirect(month, fn) }
	} else if r.merged[month] == "" { // a dataset with no order: empty files
		read = func(func(*mergedOrder) error) error { return nil }
	}
	err = read(func(mo *mergedOrder) error {
		o := &mo.Order
		id := result.CustomerOf(mo.Seq)
		if id == "" {
			id = dataset.AnonymousCustomer // kept as history after an erasure
		}
		var row dataset.OrderRow
		start := len(ibuf)
		row, ibuf = dataset.AppendOrderRows(ibuf, o, id, mo.IngestedAt)
		dataset.ProtectOrder(r.protect, &row)
		mw.addItems(&row, ibuf[start:])
		obuf = append(obuf, row)
		if len(obuf) >= writeBatch {
			if obuf = ow.send(obuf); obuf == nil {
				return ow.wait()
			}
		}
		if len(ibuf) >= writeBatch {
			if ibuf = iw.send(ibuf); ibuf == nil {
				return iw.wait()
			}
		}
		return nil
	})
	if err == nil && r.merged[month] != "" {
		removeSpools([]string{r.merged[month]})
	}
	if err == nil {
		ow.send(obuf)
		iw.send(ibuf)
	} else {
		close(stop)
	}
	oerr, ierr := ow.wait(), iw.wait()
	if err == nil {
		err = oerr
	}
	if err == nil {
		err = ierr
	}
	if err != nil {
		mw.abort()
		return err
	}
	if sm := mw.commit(baseName(orders.Path()), baseName(items.Path())); sm != nil {
		r.setState(month, *sm)
	}
	return nil
}

// tableWriter writes and commits one table from its own goroutine; batches
// go back and forth over channels so a month allocates a few batches only.
type tableWriter[T any] struct {
	rows chan []T
	free chan []T
	done chan struct{}
	err  error
}

// tableTable is what writeMonth needs of an output table.
type tableTable[T any] interface {
	Write([]T) error
	Commit() error
}

func startTableWriter[T any](t tableTable[T], stop <-chan struct{}, writeBatch int) *tableWriter[T] {
	w := &tableWriter[T]{rows: make(chan []T, 2), free: make(chan []T, 3), done: make(chan struct{})}
	for range 3 {
		w.free <- make([]T, 0, writeBatch+64)
	}
	go func() {
		defer close(w.done)
		for {
			select {
			case b, ok := <-w.rows:
				if !ok {
					select {
					case <-stop:
						w.err = context.Canceled
					default:
						w.err = t.Commit()
					}
					return
				}
				if err := t.Write(b); err != nil {
					w.err = err
					return
				}
				clear(b)
				w.free <- b[:0]
			case <-stop:
				w.err = context.Canceled
				return
			}
		}
	}()
	return w
}

// buffer returns an empty batch.
func (w *tableWriter[T]) buffer() []T { return <-w.free }

// send hands a batch over and returns an empty one; nil when the writer
// stopped on an error.
func (w *tableWriter[T]) send(b []T) []T {
	select {
	case w.rows <- b:
	case <-w.done:
		return nil
	}
	select {
	case nb := <-w.free:
		return nb
	case <-w.done:
		return nil
	}
}

// wait ends the stream, waits for the commit and returns the first error.
func (w *tableWriter[T]) wait() error {
	select {
	case <-w.done:
	default:
		close(w.rows)
		<-w.done
	}
	return w.err
}

// writeCustomers writes customers, identities and merges. The customers
// table (building each history is most of the work) goes on one core and
// the other two tables on the other; each table's encoding runs beside
// the code that builds its rows.
func (r *Run) writeCustomers(result *dedupe.Result) error {
	var customers, merges int64
	jobs := []func() error{
		func() error {
			return writeTable(r, "customers", func(add func(dataset.CustomerRow) error) error {
				asOf, _ := r.asOfDay()
				for c := range result.Customers() {
					row := customerRow(c, r.opts.Rules, asOf)
					dataset.ProtectCustomer(r.protect, &row)
					customers++
					if err := add(row); err != nil {
						return err
					}
				}
				return nil
			})
		},
		func() error {
			err := writeTable(r, "identities", func(add func(dataset.IdentityRow) error) error {
				for id := range result.Identities() {
					err := add(dataset.IdentityRow{
						CustomerID: id.CustomerID, Kind: string(id.Kind), Value: id.Value, Source: id.Source,
						FirstSeenAt: dataset.TimePtr(id.FirstSeen), LastSeenAt: dataset.TimePtr(id.LastSeen), OrdersCount: int32(id.OrdersCount),
						Evidence: string(id.Evidence),
					})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			if err := writeLinks(r, result); err != nil {
				return err
			}
			return writeTable(r, "customer_merges", func(add func(dataset.MergeRow) error) error {
				for _, m := range result.Merges() {
					merges++
					if err := add(dataset.MergeRow{MergedID: m.MergedID, CustomerID: m.CustomerID, MergedAt: m.MergedAt.UTC(), Reason: m.Reason}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	err := eachConcurrently(r.ctx, len(jobs), jobs, func(_ context.Context, job func() error) error { return job() })
	r.stats.Customers += customers
	r.stats.Merges = merges
	return err
}

// writeTable creates an unpartitioned table and fills it with the rows
// fill adds, encoding them on the table writer's goroutine. On an error
// the table is left uncommitted, and the run's transaction discards it.
func writeTable[T any](r *Run, table string, fill func(add func(T) error) error) error {
	t, err := dataset.CreateTable[T](r.tx, table, "", r.fileOptions()...)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	w := startTableWriter(t, stop, r.opts.WriteBatch)
	buf := w.buffer()
	err = fill(func(row T) error {
		buf = append(buf, row)
		if len(buf) >= r.opts.WriteBatch {
			if buf = w.send(buf); buf == nil {
				return w.wait()
			}
		}
		return nil
	})
	if err == nil {
		w.send(buf)
	} else {
		close(stop)
	}
	if werr := w.wait(); err == nil {
		err = werr
	}
	return err
}

// customerRow is a customer's row; its segment is placed by rules as of
// the day asOf (in the seller's time zone), as the report places it.
func customerRow(c dedupe.Customer, rules history.Rules, asOf time.Time) dataset.CustomerRow {
	seg := rules.Place(int(c.Purchases), c.LastPurchaseAt, asOf, asOf.Location()).Segment
	row := dataset.CustomerRow{
		CustomerID: c.ID, Name: c.Name, Document: c.Document, Email: c.Email, Phone: c.Phone,
		City: c.City, State: c.State, PostalCode: c.PostalCode,
		FirstOrderAt: dataset.TimePtr(c.FirstOrderAt), LastOrderAt: dataset.TimePtr(c.LastOrderAt),
		OrdersCount: int32(c.OrdersCount), ItemsCount: int32(c.ItemsCount), TotalSpent: c.TotalSpent,
		Channels: c.Channels, CancelledCount: int32(c.CancelledCount), ReturnedCount: int32(c.ReturnedCount),
		Segment: string(seg), RFMRecency: c.RFMRecency, RFMFrequency: c.RFMFrequency, RFMMonetary: c.RFMMonetary,
		Usernames: c.Usernames, Currency: c.Currency,
	}
	if c.OrdersCount-c.CancelledCount > 0 {
		t := c.AvgTicket
		row.AvgTicket = &t
	}
	if c.HasAvgDays {
		d := c.AvgDaysBetweenOrders
		row.AvgDaysBetweenOrders = &d
	}
	return row
}

// writeRejects writes this run's rejects, and keeps the earlier runs'
// rejects of files this run did not read again.
func (r *Run) writeRejects() error {
	w, err := dataset.CreateTable[dataset.RejectRow](r.tx, "rejects", "", r.fileOptions()...)
	if err != nil {
		return err
	}
	reread := map[string]bool{}
	for _, in := range r.inputs {
		if !in.Failed() {
			reread[in.Path] = true
		}
	}
	var buf []dataset.RejectRow
	flush := func() error {
		err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	err = dataset.ReadTable(r.ctx, r.ds, "rejects", func(rows []dataset.RejectRow) error {
		for _, row := range rows {
			if !reread[row.SourceFile] {
				buf = append(buf, row)
			}
		}
		return flush()
	})
	if err != nil {
		return fmt.Errorf("read the dataset's rejects: %w", err)
	}
	for _, in := range r.inputs {
		if in.Failed() || in.rejects == "" {
			continue
		}
		err := readSpool(in.rejects, func(rj *connectors.Reject) error {
			buf = append(buf, dataset.RejectRow{
				Source: rj.Source, SourceFile: rj.File, SourceRow: int64(rj.Row), Column: rj.Column,
				Value: rj.Value, Reason: rj.Reason, RunID: r.runID, Sheet: rj.Sheet, Effect: string(rj.Effect),
			})
			dataset.ProtectReject(r.protect, &buf[len(buf)-1])
			r.stats.Rejects++
			if len(buf) == r.opts.WriteBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.stats.RejectedRows += in.Rejected
	}
	if err := flush(); err != nil {
		return err
	}
	return w.Commit()
}

// writeLinks writes what each scored link rested on, so explain can show
// it without resolving the whole dataset again.
func writeLinks(r *Run, result *dedupe.Result) error {
	return writeTable(r, dataset.TableLinks, func(add func(dataset.LinkRow) error) error {
		for id, wl := range result.AllWeakLinks() {
			fields := make([]dataset.LinkField, len(wl.Fields))
			for i, f := range wl.Fields {
				fields[i] = dataset.LinkField{Field: f.Field, Level: f.Level, Weight: f.Weight, Agree: f.Agree}
			}
			js, err := json.Marshal(fields)
			if err != nil {
				return err
			}
			err = add(dataset.LinkRow{
				CustomerID: id, OrderA: wl.Orders[0], OrderB: wl.Orders[1],
				Weight: wl.Weight, Probability: wl.Probability, NameFrequency: wl.NameFrequency, Fields: string(js),
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}

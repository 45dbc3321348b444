package cmd

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/version"
	"github.com/orderhist/orderhist/normalize"
	"github.com/orderhist/orderhist/output"
)

// writeBatch is how many rows go to a Parquet writer at a time.
const writeBatch = 4096

// input is one file of a run and what became of it.
type input struct {
	path   string
	index  int // place among the run's inputs; names its scratch files
	reader connectors.FileReader
	match  connectors.Match
	sha256 string
	size   int64
	err    error // the file could not be read; nothing of it is committed

	rows, orders, lines, rejected int64
	// newOrders and updated count the orders this input brought in first
	// or changed (when several inputs carry an order, the latest sighting
	// gets it).
	newOrders, updated int64

	months  map[string]string // spooled orders by month
	rejects string            // spooled rejects
	// rank orders this input's sightings among the run's others when
	// updated_at ties; files rank by content hash (input order never
	// matters), API pulls by the time they ran.
	rank string
}

func (in *input) failed() bool { return in.err != nil }

// spooledOrder is an order as pass 1 left it, with the rank that orders
// sightings of the same order.
type spooledOrder struct {
	Order normalize.Order
	Rank  string
	// IngestedAt is set for orders read back from the dataset, so an order
	// no file changes keeps the time it first came in.
	IngestedAt time.Time
	// Prior is the customer an order read back from the dataset had.
	Prior string
}

// mergedOrder is an order after every sighting was merged.
type mergedOrder struct {
	Order      normalize.Order
	IngestedAt time.Time
	// Seq is the resolver's handle of the order (dedupe.Result.CustomerOf).
	Seq uint32
}

// runStats are the figures the summary reports.
type runStats struct {
	orders, lines, newOrders, updated, unchanged, enriched, conflicts int64
	erased, keptMonths                                                int64
	rejects, rejectedRows                                             int64
	customers, merges                                                 int64
	months                                                            int
}

// importRun is one run of import: it reads inputs into a scratch spool,
// merges them with the dataset month by month, resolves customers, and
// commits the new dataset in one transaction.
type importRun struct {
	g      *globalOptions
	ctx    context.Context
	runID  string
	now    time.Time
	asOf   time.Time
	ds     *output.Dataset
	tx     *output.Tx
	spool  string
	inputs []*input
	stats  runStats
	// merged holds each month's merged orders (a spool path per month).
	merged map[string]string
	// rankOf finds the input of a sighting by its rank.
	rankOf map[string]*input
	// untouched are the months no new sighting reached, with their orders'
	// earlier customers: candidates to keep as they are.
	untouched map[string][]pinnedOrder
	// erased are the identifiers of buyers who asked to be forgotten.
	erased *erasures
	// prevMonths are the months the dataset already has.
	prevMonths map[string]bool
	lock       *datasetLock
	// stopGovernor ends the goroutine that keeps the soft memory limit
	// ahead of the live heap.
	stopGovernor func()
	// mu guards rankOf while files are read side by side.
	mu sync.Mutex
	// barBusy is held by the file whose progress bar is on screen; files
	// read beside it go without one.
	barBusy atomic.Bool
}

func newRunID(now time.Time) string {
	var b [3]byte
	rand.Read(b[:])
	return now.UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func runImport(cmd *cobra.Command, g *globalOptions, o importOptions, args []string) error {
	files, err := expandPaths(args)
	if err != nil {
		return err
	}
	opts, err := parseOptions(o.options)
	if err != nil {
		return err
	}
	var forced connectors.FileReader
	if o.connector != "" {
		if forced, err = lookupFileReader(o.connector); err != nil {
			return err
		}
	}
	r, err := startRun(cmd.Context(), g, "orderhist import")
	if err != nil {
		return err
	}
	defer r.close()
	jobs := make([]readJob, len(files))
	for i, path := range files {
		jobs[i] = readJob{in: r.addInput(path), forced: forced, file: connectors.File{Path: path, Account: o.account, Options: opts}}
	}
	if err := r.readFiles(jobs); err != nil {
		return err // cancelled, or the scratch folder failed
	}
	if failed := r.failed(); failed > 0 && o.strict {
		return fmt.Errorf("%d of %d files could not be read and --strict is set; nothing was committed", failed, len(r.inputs))
	}
	if err := r.finish("import " + strings.Join(args, " ")); err != nil {
		return err
	}
	r.printSummary(g.stdout)
	return r.outcome()
}

// softMemoryLimit is the heap size the garbage collector aims to stay under
// while the live heap is well below it. Without it the collector lets the
// heap grow to twice the live data, which at the resolver's peak is most of
// the run's RSS.
const softMemoryLimit = 256 << 20

// maxHeapHeadroom caps how far above the live heap the limit is set. Half
// the live heap is room enough to collect seldom; past 512 MiB of live data
// (the resolver of a 10M-line import holds about 1 GiB) half would add its
// own half gigabyte to the peak, while the data then is mostly flat arrays
// the collector does not need to scan.
const maxHeapHeadroom = 256 << 20

// memoryLimitFor is the soft memory limit for a live heap of live bytes:
// softMemoryLimit, or 1.5× the live heap when that is larger, but never more
// than maxHeapHeadroom above it, so a run whose live data outgrows
// softMemoryLimit (tens of millions of orders) is not made to collect
// without end, nor given memory it does not need.
func memoryLimitFor(live int64) int64 {
	return max(softMemoryLimit, live+min(live/2, maxHeapHeadroom))
}

// tuneMemoryLimit sets the soft memory limit for the live heap now.
// GOMEMLIMIT, when set, wins.
func tuneMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	var live int64
	if sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(sample[0].Value.Uint64())
	}
	debug.SetMemoryLimit(memoryLimitFor(live))
}

// gcPercent replaces GOGC's default of 100 for a run. While files are read
// the live heap is small (at most 19 MB in a 10M-line import), and at 100
// the collector ran 28 times a second to keep the heap under twice that.
// At 400 the read stage of the 1M-line mixed benchmark took 13% less time
// and the run 5-9% less CPU, at a peak RSS of 267-275 MiB against 266-270:
// the soft memory limit still caps the heap where the live data is large.
const gcPercent = 400

// governMemory keeps the soft memory limit ahead of the live heap for the
// whole run, until stop is called. Setting it only between stages was not
// enough: where the live heap grew within a stage to near the limit (the
// resolver's result, two busy months being written), the collector ran
// almost without pause and a 10M-line import took 350 s instead of 217 s.
// It also sets gcPercent, unless GOGC is set, until stop.
func governMemory() (stop func()) {
	restoreGC := func() {}
	if os.Getenv("GOGC") == "" {
		prev := debug.SetGCPercent(gcPercent)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	tuneMemoryLimit()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tuneMemoryLimit()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		restoreGC()
	}
}

// startRun takes the dataset's lock, sweeps what a killed run left, and
// opens a transaction and a scratch folder. close undoes what finish did
// not commit.
func startRun(ctx context.Context, g *globalOptions, command string) (*importRun, error) {
	if err := os.MkdirAll(g.out, 0o750); err != nil {
		return nil, fmt.Errorf("create the dataset folder: %w", err)
	}
	now := g.now().UTC()
	lock, err := lockDataset(g.out, command, now)
	if err != nil {
		return nil, err
	}
	removeStaleSpools(g.out)
	ds, err := output.Open(g.out)
	if err != nil {
		lock.Unlock()
		return nil, fmt.Errorf("open the dataset %s: %w", g.out, err)
	}
	if err := checkPIIMode(ds.Manifest(), g); err != nil {
		lock.Unlock()
		return nil, err
	}
	r := &importRun{g: g, ctx: ctx, now: now, asOf: g.asOfDate(), ds: ds, runID: newRunID(now), prevMonths: map[string]bool{}, untouched: map[string][]pinnedOrder{}, rankOf: map[string]*input{}, lock: lock}
	r.stopGovernor = governMemory()
	r.tx = ds.Begin(r.runID)
	if r.spool, err = os.MkdirTemp(g.out, spoolPrefix); err != nil {
		r.close()
		return nil, fmt.Errorf("create a scratch folder in %s: %w", g.out, err)
	}
	return r, nil
}

// close rolls back what was not committed and releases the lock.
func (r *importRun) close() {
	r.stopGovernor()
	r.tx.Rollback()
	if r.spool != "" {
		os.RemoveAll(r.spool)
	}
	r.lock.Unlock()
}

// failed counts the inputs that could not be read.
func (r *importRun) failed() int {
	n := 0
	for _, in := range r.inputs {
		if in.failed() {
			n++
		}
	}
	return n
}

// finish merges, resolves and commits what the inputs read. With no input
// read at all nothing is committed.
func (r *importRun) finish(command string) error {
	if len(r.inputs) > 0 && r.failed() == len(r.inputs) {
		return fmt.Errorf("no input could be read; nothing was committed")
	}
	if err := r.build(); err != nil {
		return err
	}
	return r.commit(command)
}

// outcome is the committed run's exit status: some inputs failed (4), or
// rows were rejected (3).
func (r *importRun) outcome() error {
	switch failed := r.failed(); {
	case failed > 0:
		return &quietError{code: exitPartial, err: &partialError{failed: failed, total: len(r.inputs)}}
	case r.stats.rejects > 0:
		return &quietError{code: exitRejected, err: &rejectedError{rows: r.stats.rejects}}
	}
	return nil
}

// addInput registers a file of the run. Inputs keep the order they were
// given in, whatever order they are read in.
func (r *importRun) addInput(path string) *input {
	in := &input{path: path, index: len(r.inputs)}
	r.inputs = append(r.inputs, in)
	return in
}

// readJob is one file to route and read.
type readJob struct {
	in     *input
	forced connectors.FileReader // nil: detect the connector
	file   connectors.File
}

// readFiles routes and reads files, one per core at a time: each file is
// parsed in a stream of its own, so a run of several exports (the nightly
// sync, a backfill folder) keeps both cores busy. Only cancellation or a
// scratch-disk failure stops the others.
func (r *importRun) readFiles(jobs []readJob) error {
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	return eachConcurrently(r.ctx, workers, jobs, func(ctx context.Context, j readJob) error {
		r.route(j.in, j.forced)
		return r.readFile(ctx, j.in, j.file)
	})
}

// eachConcurrently calls fn for every item, at most workers at a time. The
// first error cancels the context later calls get, and is returned rather
// than the cancellations it caused; items not started by then are skipped.
func eachConcurrently[T any](parent context.Context, workers int, items []T, fn func(context.Context, T) error) error {
	if len(items) == 0 {
		return parent.Err()
	}
	workers = max(1, workers)
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	next := make(chan T)
	errs := make(chan error, workers)
	for range workers {
		go func() {
			var first error
			for it := range next {
				if first == nil && ctx.Err() == nil {
					if first = fn(ctx, it); first != nil {
						cancel()
					}
				}
			}
			errs <- first
		}()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		next <- it
	}
	close(next)
	var err error
	for range workers {
		if e := <-errs; e != nil && (err == nil || errors.Is(err, context.Canceled)) {
			err = e
		}
	}
	if err == nil {
		err = parent.Err()
	}
	return err
}

// route finds the connector of a file and hashes it.
func (r *importRun) route(in *input, forced connectors.FileReader) {
	st, err := os.Stat(in.path)
	if err != nil {
		in.err = err
		return
	}
	in.size = st.Size()
	if in.sha256 == "" { // sync hashed it already, to skip files it has read
		if in.sha256, err = hashFile(in.path); err != nil {
			in.err = err
			return
		}
	}
	s, err := connectors.ReadSample(in.path)
	if err != nil {
		in.err = err
		return
	}
	if forced != nil {
		in.reader, in.match = forced, forced.Detect(s)
		in.match.Connector = forced.Info().Name
		return
	}
	in.reader, in.match, in.err = connectors.Route(s)
}

func hashFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// readFile is pass 1 for one routed file.
func (r *importRun) readFile(ctx context.Context, in *input, f connectors.File) error {
	if in.failed() {
		r.g.log.Error("cannot read file", "file", in.path, "error", in.err)
		return nil
	}
	bar := newProgress(r.g, &r.barBusy, in.path, in.size, in.match.Connector)
	defer bar.Finish()
	f.Wrap = bar.Wrap
	return r.consume(ctx, in, in.reader.ReadFile(ctx, f), bar)
}

// consume streams one input's records into per-month spools. An input that
// fails midway leaves nothing behind; only cancellation or a scratch-disk
// failure stops the run.
func (r *importRun) consume(ctx context.Context, in *input, records iter.Seq2[connectors.Record, error], bar *progress) error {
	prefix := fmt.Sprintf("in%05d", in.index)
	orders := newMonthSpools[spooledOrder](r.spool, prefix)
	rejectsPath := filepath.Join(r.spool, prefix+"-rejects.spool")
	rejects, err := createSpool[connectors.Reject](rejectsPath)
	if err != nil {
		return err
	}
	rejectedRows := map[int]bool{}
	// The dataset's own copy of an order ranks "0"; files rank by content so
	// the same files in any order give the same result.
	rank := "1" + in.rank
	if in.rank == "" {
		rank = "1" + in.sha256
	}
	r.mu.Lock()
	r.rankOf[rank] = in
	r.mu.Unlock()
	var fileErr error
	for rec, err := range readAhead(records) {
		if err != nil {
			fileErr = err
			break
		}
		in.rows += int64(rec.Rows)
		bar.AddRows(rec.Rows)
		for i := range rec.Rejects {
			rj := &rec.Rejects[i]
			if rj.Source == "" {
				rj.Source = in.match.Connector
			}
			if err := rejects.Write(rj); err != nil {
				orders.Discard()
				rejects.Close()
				return fmt.Errorf("write scratch file: %w", err)
			}
			if rj.Effect == connectors.RowSkipped {
				rejectedRows[rj.Row] = true
			}
		}
		if rec.Order != nil {
			in.orders++
			in.lines += int64(len(rec.Order.Lines))
			so := spooledOrder{Order: *rec.Order, Rank: rank}
			if err := orders.Write(rec.Order.Month(), &so); err != nil {
				orders.Discard()
				rejects.Close()
				return fmt.Errorf("write scratch file: %w", err)
			}
		}
	}
	rejects.Close()
	in.rejected = int64(len(rejectedRows))
	if fileErr != nil {
		orders.Discard()
		os.Remove(rejectsPath)
		if errors.Is(fileErr, context.Canceled) || ctx.Err() != nil {
			return context.Canceled
		}
		in.err = fileErr
		r.g.log.Error("cannot read file", "file", in.path, "error", fileErr)
		return nil
	}
	months, err := orders.Close()
	if err != nil {
		return fmt.Errorf("write scratch file: %w", err)
	}
	in.months = months
	in.rejects = rejectsPath
	r.g.log.Info("read file", "file", in.path, "connector", in.match.Connector, "layout", in.match.Layout,
		"rows", in.rows, "orders", in.orders, "rejected_rows", in.rejected)
	return nil
}

// readAhead runs a record stream in its own goroutine, a few hundred
// records ahead of the consumer, so parsing and spooling share the cores.
// Records come in the same order; stopping early stops the producer.
func readAhead(records iter.Seq2[connectors.Record, error]) iter.Seq2[connectors.Record, error] {
	const batch = 256
	type chunk struct {
		recs []connectors.Record
		err  error
	}
	return func(yield func(connectors.Record, error) bool) {
		ch := make(chan chunk, 4)
		stop := make(chan struct{})
		go func() {
			defer close(ch)
			send := func(c chunk) bool {
				select {
				case ch <- c:
					return true
				case <-stop:
					return false
				}
			}
			buf := make([]connectors.Record, 0, batch)
			for rec, err := range records {
				if err != nil {
					if len(buf) > 0 && !send(chunk{recs: buf}) {
						return
					}
					send(chunk{err: err})
					return
				}
				buf = append(buf, rec)
				if len(buf) == batch {
					if !send(chunk{recs: buf}) {
						return
					}
					buf = make([]connectors.Record, 0, batch)
				}
			}
			if len(buf) > 0 {
				send(chunk{recs: buf})
			}
		}()
		defer func() {
			close(stop)
			for range ch {
			}
		}()
		for c := range ch {
			for _, rec := range c.recs {
				if !yield(rec, nil) {
					return
				}
			}
			if c.err != nil {
				yield(connectors.Record{}, c.err)
				return
			}
		}
	}
}

// build is passes 2 and 3: merge every month, resolve customers, write the
// tables into the transaction.
func (r *importRun) build() error {
	existing, err := r.spoolExisting()
	if err != nil {
		return err
	}
	byMonth := map[string][]string{}
	for m, p := range existing {
		byMonth[m] = append(byMonth[m], p)
	}
	for _, in := range r.inputs {
		for m, p := range in.months {
			byMonth[m] = append(byMonth[m], p)
		}
	}
	ident, err := identityProtector(r.g)
	if err != nil {
		return err
	}
	if r.erased, err = loadErasures(r.g.out, false); err != nil {
		return err
	}
	res := dedupe.NewResolver(dedupe.Options{Now: r.now, StoredValue: func(k dedupe.Kind, v string) string { return ident.Value(string(k), v) }})
	if err := r.seedResolver(res); err != nil {
		return err
	}
	months := slices.Sorted(maps.Keys(byMonth))
	r.merged = map[string]string{}
	stage := r.stageTimer()
	if err := r.mergeMonths(months, byMonth, res); err != nil {
		return err
	}
	if err := writeHeapProfile(r.g.memProfile); err != nil {
		return err
	}
	stage("merge")
	result, err := res.Resolve(r.asOf)
	if err != nil {
		return fmt.Errorf("resolve customers: %w", err)
	}
	stage("resolve")
	// Customers first: after them only each order's customer id is
	// needed, and the rest of the resolution, most of the run's memory,
	// can go before the orders are written.
	if err := r.writeCustomers(result); err != nil {
		return err
	}
	stage("write customers")
	handles := result.Handles()
	result = nil
	var rewrite []string
	for _, m := range months {
		if !r.unchangedMonth(m, handles) {
			rewrite = append(rewrite, m)
			continue
		}
		// Nothing new in this month and no order changed customer: its
		// files stay as they are, byte for byte.
		if err := r.tx.KeepPartition("orders", "ordered_month="+m); err != nil {
			return err
		}
		if err := r.tx.KeepPartition("order_items", "ordered_month="+m); err != nil {
			return err
		}
		r.stats.keptMonths++
	}
	if err := r.writeMonths(rewrite, handles); err != nil {
		return err
	}
	r.stats.months = len(months)
	stage("write orders")
	return r.writeRejects()
}

// writeHeapProfile writes the live heap to path, if set.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return usageErrorf("--memprofile: %v", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return usageErrorf("--memprofile: %v", err)
	}
	return f.Close()
}

// stageTimer returns a function that logs how long the stage that just
// ended took, so a slow run can be told apart by stage from its log.
func (r *importRun) stageTimer() func(name string) {
	last := time.Now()
	return func(name string) {
		now := time.Now()
		r.g.log.Debug("stage done", "stage", name, "seconds", now.Sub(last).Seconds())
		last = now
	}
}

// latestInput is the input of an order's highest-ranked sighting read in
// this run.
func (r *importRun) latestInput(s []normalize.Sighting) *input {
	best := ""
	for _, sg := range s {
		if sg.Rank > best {
			best = sg.Rank
		}
	}
	return r.rankOf[best]
}

// unchangedMonth reports whether a month the dataset already has got no
// new sighting and kept every order with its customer.
func (r *importRun) unchangedMonth(month string, result *dedupe.Handles) bool {
	pins, ok := r.untouched[month]
	if !ok || !r.prevMonths[month] || !r.hasPartition("orders", month) || !r.hasPartition("order_items", month) {
		return false
	}
	for _, p := range pins {
		got := result.CustomerOf(p.seq)
		if got == "" {
			got = anonymousCustomer
		}
		if got != p.prior {
			return false
		}
	}
	return true
}

// hasPartition reports whether the current manifest lists files of a
// month in a table.
func (r *importRun) hasPartition(table, month string) bool {
	m := r.ds.Manifest()
	if m == nil {
		return false
	}
	prefix := table + "/ordered_month=" + month + "/"
	for _, f := range m.Tables[table].Files {
		if strings.HasPrefix(f.Path, prefix) {
			return true
		}
	}
	return false
}

// pinnedOrder is an order of an untouched month, with the customer it had.
type pinnedOrder struct {
	seq   uint32
	prior string
}

// monthSightings is one month part's spooled orders, sorted by order key.
// Sorting them, rather than grouping them in a map by key, spares a map
// entry and a slice per order; the keys were sorted anyway. One value
// serves every part in turn.
type monthSightings struct {
	all []partSighting // by key, then in the order read
	sg  []normalize.Sighting
	err error
}

// partSighting is one spooled sighting of an order.
type partSighting struct {
	key string
	so  *spooledOrder
	seq uint32
}

// each calls fn with every order's sightings, in key order, and with the
// dataset's copy of the order when it had one. sg is reused.
func (ms *monthSightings) each(fn func(sg []normalize.Sighting, prev *spooledOrder)) {
	for i := 0; i < len(ms.all); {
		key := ms.all[i].key
		sg := ms.sg[:0]
		var prev *spooledOrder
		for ; i < len(ms.all) && ms.all[i].key == key; i++ {
			so := ms.all[i].so
			if !so.IngestedAt.IsZero() {
				prev = so
			}
			sg = append(sg, normalize.Sighting{Order: &so.Order, Rank: so.Rank})
		}
		fn(sg, prev)
		ms.sg = sg
	}
}

// partBytes is about how much spooled data of a month is merged at once.
// A busy month is first split by a hash of the order key into parts, in
// one pass, so that memory is bounded by this and not by the busiest month
// (open-order exports put all their rows in the last days). Small parts
// also keep the merge's maps in cache: 4–8 MiB parts merged the 1M-line
// mixed benchmark fastest.
var partBytes int64 = 8 << 20

const maxParts = 256

// monthPart is one part of a month: the orders whose key hashes to bucket.
type monthPart struct {
	month           string
	bucket, buckets uint64
	paths           []string
}

// partsOf is how many parts a month's spools are merged in.
func partsOf(paths []string) uint64 {
	var size int64
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil {
			size += st.Size()
		}
	}
	return uint64(min(maxParts, max(1, (size+partBytes-1)/partBytes)))
}

// keyBucket is the part an order's spooled payload belongs to, read from
// the order key at its start (source, account, order id) without decoding
// the rest.
func keyBucket(payload []byte, buckets uint64) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037) // FNV-1a
	for range 3 {
		n, k := binary.Uvarint(payload)
		if k <= 0 || n > uint64(len(payload)-k) {
			break // a corrupt record: decoding it reports the error
		}
		for _, c := range payload[k : k+int(n)] {
			h = (h ^ uint64(c)) * prime
		}
		h = (h ^ 0) * prime
		payload = payload[k+int(n):]
	}
	return h % buckets
}

// splitMonth copies a month's spooled orders, undecoded, into one spool
// per part.
func (r *importRun) splitMonth(month string, paths []string, n uint64) ([]string, error) {
	out := make([]string, n)
	ws := make([]*spoolWriter[spooledOrder], n)
	closeAll := func() error {
		var first error
		for _, w := range ws {
			if w != nil {
				if err := w.Close(); first == nil {
					first = err
				}
			}
		}
		return first
	}
	for b := range n {
		out[b] = filepath.Join(r.spool, fmt.Sprintf("part-%s-%03d.spool", month, b))
		w, err := createSpool[spooledOrder](out[b])
		if err != nil {
			closeAll()
			return nil, err
		}
		ws[b] = w
	}
	for _, p := range paths {
		err := eachPayload(p, func(payload []byte) error {
			return ws[keyBucket(payload, n)].writePayload(payload)
		})
		if err != nil {
			closeAll()
			return nil, err
		}
	}
	return out, closeAll()
}

// monthParts yields the parts of each month in order, splitting busy
// months first. Each spool is removed once it was read.
func (r *importRun) monthParts(months []string, byMonth map[string][]string, yield func(monthPart, error) bool) {
	for _, m := range months {
		paths := byMonth[m]
		n := partsOf(paths)
		if n == 1 {
			if !yield(monthPart{month: m, buckets: 1, paths: paths}, nil) {
				return
			}
			continue
		}
		split, err := r.splitMonth(m, paths, n)
		if err != nil {
			yield(monthPart{month: m}, err)
			return
		}
		removeSpools(paths)
		for b, p := range split {
			if !yield(monthPart{month: m, bucket: uint64(b), buckets: n, paths: []string{p}}, nil) {
				return
			}
		}
	}
}

// loadPart reads every spool of one month part into ms, and removes them.
func loadPart(part monthPart, ms *monthSightings) {
	clear(ms.all) // let the last part's orders go
	ms.all, ms.err = ms.all[:0], nil
	for _, p := range part.paths {
		err := readSpool(p, func(so *spooledOrder) error {
			ms.all = append(ms.all, partSighting{key: so.Order.Key(), so: so, seq: uint32(len(ms.all))})
			return nil
		})
		if err != nil {
			ms.err = err
			return
		}
	}
	removeSpools(part.paths)
	slices.SortFunc(ms.all, func(a, b partSighting) int {
		return cmp.Or(strings.Compare(a.key, b.key), cmp.Compare(a.seq, b.seq))
	})
}

// orderChange says how a run changes an order the dataset may hold.
type orderChange uint8

const (
	orderNew orderChange = iota
	orderUnchanged
	orderUpdated
)

// mergedSighting is one order of a month once its sightings are merged:
// what the resolver is told of it and what the summary counts.
type mergedSighting struct {
	order      *normalize.Order // shared with a sighting: copied when written
	ingestedAt time.Time
	change     orderChange
	latest     *input // the input of the latest sighting read in this run
	enriched   bool
	conflict   bool
	erased     bool   // a buyer who asked to be forgotten came back
	keep       bool   // ...and their orders stay, anonymized
	had        bool   // the dataset held the order already
	prior      string // the customer it had then
	seq        uint32 // the resolver's handle
}

// mergedMonth is a month part's merged orders in key order.
type mergedMonth struct {
	monthPart
	orders  []mergedSighting
	touched bool
	err     error
}

// monthChanges gathers what the parts of one month say of it.
type monthChanges struct {
	month   string
	touched bool
	pins    []pinnedOrder
}

// mergeMonths merges every month's sightings, feeds the merged orders to
// the resolver in month, part and key order, and spools them for writing.
// The stages run side by side: one goroutine reads and merges the next
// part, this one observes, and another writes the part observed before.
func (r *importRun) mergeMonths(months []string, byMonth map[string][]string, res *dedupe.Resolver) error {
	stop := make(chan struct{})
	merged := make(chan *mergedMonth)
	go func() {
		defer close(merged)
		var ms monthSightings
		r.monthParts(months, byMonth, func(part monthPart, err error) bool {
			mm := &mergedMonth{monthPart: part, err: err}
			if err == nil {
				loadPart(part, &ms)
				if mm.err = ms.err; ms.err == nil {
					r.mergeSightings(mm, &ms)
				}
			}
			select {
			case merged <- mm:
			case <-stop:
				return false
			}
			return mm.err == nil
		})
	}()
	observed := make(chan *mergedMonth)
	written := make(chan error, 1)
	go func() {
		var w *spoolWriter[mergedOrder]
		var err error
		for mm := range observed {
			if err == nil {
				w, err = r.spoolMerged(w, mm)
			}
		}
		if w != nil {
			if cerr := w.Close(); err == nil {
				err = cerr
			}
		}
		written <- err
	}()
	err := func() error {
		var cur monthChanges
		for mm := range merged {
			if err := r.ctx.Err(); err != nil {
				return err
			}
			if mm.err != nil {
				return mm.err
			}
			if mm.bucket == 0 {
				cur = monthChanges{month: mm.month}
			}
			r.observeMonth(mm, res, &cur)
			if mm.bucket == mm.buckets-1 && !cur.touched {
				r.untouched[mm.month] = cur.pins
			}
			select {
			case observed <- mm:
			case err := <-written:
				written <- err
				return err
			}
		}
		return r.ctx.Err()
	}()
	close(observed)
	close(stop)
	for range merged {
	}
	if werr := <-written; err == nil {
		err = werr
	}
	return err
}

// mergeSightings merges each order's sightings of one month part. It reads the
// run's settings only, so it runs beside the resolver.
func (r *importRun) mergeSightings(mm *mergedMonth, ms *monthSightings) {
	mm.orders = make([]mergedSighting, 0, len(ms.all))
	ms.each(func(sg []normalize.Sighting, old *spooledOrder) {
		mr := normalize.Merge(sg)
		m := mergedSighting{order: mr.Order, ingestedAt: r.now, latest: r.latestInput(sg), enriched: mr.Enriched, conflict: len(mr.Conflicts) > 0}
		switch {
		case old == nil:
			mm.touched = true
		case len(sg) == 1 || mr.Order.Equal(&old.Order):
			// Seen again as it was (an export read twice): the month need
			// not be rewritten for it.
			m.change = orderUnchanged
			m.ingestedAt = old.IngestedAt
		default:
			m.change = orderUpdated
			mm.touched = true
		}
		if old != nil {
			m.had, m.prior = true, old.Prior
		}
		if m.erased, m.keep = r.erased.match(mr.Order); m.erased {
			mm.touched = true
		}
		mm.orders = append(mm.orders, m)
	})
}

// observeMonth tells the resolver of a month part's orders, in key order
// so that customer ids never depend on timing, counts them, and adds what
// it learns of the month to month.
func (r *importRun) observeMonth(mm *mergedMonth, res *dedupe.Resolver, month *monthChanges) {
	month.touched = month.touched || mm.touched
	for i := range mm.orders {
		m := &mm.orders[i]
		switch m.change {
		case orderNew:
			r.stats.newOrders++
			if m.latest != nil {
				m.latest.newOrders++
			}
		case orderUnchanged:
			r.stats.unchanged++
		case orderUpdated:
			r.stats.updated++
			if m.latest != nil {
				m.latest.updated++
			}
		}
		if m.enriched {
			r.stats.enriched++
		}
		if m.conflict {
			r.stats.conflicts++
		}
		switch {
		case m.erased:
			r.stats.erased++
			if !m.keep {
				continue
			}
			m.seq = 0
		case m.had && m.prior != "" && r.g.protect.Mode() != pii.Clear:
			// Read back hashed or dropped, the order's identifiers can no
			// longer link it; its earlier customer does.
			m.seq = res.ObservePinned(withoutProtected(m.order), m.prior)
		default:
			m.seq = res.Observe(m.order)
		}
		if m.had {
			month.pins = append(month.pins, pinnedOrder{seq: m.seq, prior: m.prior})
		}
		r.stats.orders++
		r.stats.lines += int64(len(m.order.Lines))
	}
	r.merged[mm.month] = filepath.Join(r.spool, "merged-"+mm.month+".spool")
}

// spoolMerged writes a month part's merged orders for the write pass,
// after those of the month's earlier parts; erased buyers' orders are
// anonymized or left out. It returns the month's open spool.
func (r *importRun) spoolMerged(w *spoolWriter[mergedOrder], mm *mergedMonth) (*spoolWriter[mergedOrder], error) {
	if mm.bucket == 0 {
		if w != nil {
			if err := w.Close(); err != nil {
				return nil, err
			}
		}
		var err error
		if w, err = createSpool[mergedOrder](filepath.Join(r.spool, "merged-"+mm.month+".spool")); err != nil {
			return nil, err
		}
	}
	for i := range mm.orders {
		m := &mm.orders[i]
		if m.erased && !m.keep {
			continue
		}
		mo := mergedOrder{Order: *m.order, IngestedAt: m.ingestedAt, Seq: m.seq}
		if m.erased {
			anonymize(&mo.Order)
		}
		if err := w.Write(&mo); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

// writeMonths writes months two at a time: a month's last row group is
// encoded and compressed while the next month's rows are decoded, so the
// cores are not left idle at every month's end.
func (r *importRun) writeMonths(months []string, result *dedupe.Handles) error {
	return eachConcurrently(r.ctx, 2, months, func(_ context.Context, m string) error {
		return r.writeMonth(m, result)
	})
}

// writeMonth writes one month's orders and lines with their customer ids.
// Decoding the spool and encoding each table run in three goroutines, so
// the two cores share the Parquet encoding and compression.
func (r *importRun) writeMonth(month string, result *dedupe.Handles) error {
	part := "ordered_month=" + month
	orders, err := output.CreateTable[output.OrderRow](r.tx, "orders", part, r.fileOptions()...)
	if err != nil {
		return err
	}
	items, err := output.CreateTable[output.ItemRow](r.tx, "order_items", part, r.fileOptions()...)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	ow := startTableWriter(orders, stop)
	iw := startTableWriter(items, stop)
	obuf, ibuf := ow.buffer(), iw.buffer()
	err = readMergedOrders(r.merged[month], func(mo *mergedOrder) error {
		o := &mo.Order
		id := result.CustomerOf(mo.Seq)
		if id == "" {
			id = anonymousCustomer // kept as history after an erasure
		}
		var row output.OrderRow
		row, ibuf = output.AppendOrderRows(ibuf, o, id, mo.IngestedAt)
		protectOrder(r.g.protect, &row)
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
	if err == nil {
		removeSpools([]string{r.merged[month]})
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
	return err
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

func startTableWriter[T any](t tableTable[T], stop <-chan struct{}) *tableWriter[T] {
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

func (r *importRun) fileOptions() []output.Option {
	v, c := version.Get()
	return []output.Option{output.WithVersion(v, c), output.WithKeyValue("orderhist.run_id", r.runID)}
}

// writeCustomers writes customers, identities and merges. The customers
// table (building each history is most of the work) goes on one core and
// the other two tables on the other; each table's encoding runs beside
// the code that builds its rows.
func (r *importRun) writeCustomers(result *dedupe.Result) error {
	var customers, merges int64
	jobs := []func() error{
		func() error {
			return writeTable(r, "customers", func(add func(output.CustomerRow) error) error {
				for c := range result.Customers() {
					row := customerRow(c)
					protectCustomer(r.g.protect, &row, documentType(c.Document))
					customers++
					if err := add(row); err != nil {
						return err
					}
				}
				return nil
			})
		},
		func() error {
			err := writeTable(r, "identities", func(add func(output.IdentityRow) error) error {
				for id := range result.Identities() {
					err := add(output.IdentityRow{
						CustomerID: id.CustomerID, Kind: string(id.Kind), Value: id.Value, Source: id.Source,
						FirstSeenAt: timePtr(id.FirstSeen), LastSeenAt: timePtr(id.LastSeen), OrdersCount: int32(id.OrdersCount),
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
			return writeTable(r, "customer_merges", func(add func(output.MergeRow) error) error {
				for _, m := range result.Merges() {
					merges++
					if err := add(output.MergeRow{MergedID: m.MergedID, CustomerID: m.CustomerID, MergedAt: m.MergedAt.UTC(), Reason: m.Reason}); err != nil {
						return err
					}
				}
				return nil
			})
		},
	}
	err := eachConcurrently(r.ctx, len(jobs), jobs, func(_ context.Context, job func() error) error { return job() })
	r.stats.customers += customers
	r.stats.merges = merges
	return err
}

// writeTable creates an unpartitioned table and fills it with the rows
// fill adds, encoding them on the table writer's goroutine. On an error
// the table is left uncommitted, and the run's transaction discards it.
func writeTable[T any](r *importRun, table string, fill func(add func(T) error) error) error {
	t, err := output.CreateTable[T](r.tx, table, "", r.fileOptions()...)
	if err != nil {
		return err
	}
	stop := make(chan struct{})
	w := startTableWriter(t, stop)
	buf := w.buffer()
	err = fill(func(row T) error {
		buf = append(buf, row)
		if len(buf) >= writeBatch {
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

func customerRow(c dedupe.Customer) output.CustomerRow {
	row := output.CustomerRow{
		CustomerID: c.ID, Name: c.Name, Document: c.Document, Email: c.Email, Phone: c.Phone,
		City: c.City, State: c.State, PostalCode: c.PostalCode,
		FirstOrderAt: timePtr(c.FirstOrderAt), LastOrderAt: timePtr(c.LastOrderAt),
		OrdersCount: int32(c.OrdersCount), ItemsCount: int32(c.ItemsCount), TotalSpent: c.TotalSpent,
		Channels: c.Channels, CancelledCount: int32(c.CancelledCount), ReturnedCount: int32(c.ReturnedCount),
		Segment: c.Segment, RFMRecency: c.RFMRecency, RFMFrequency: c.RFMFrequency, RFMMonetary: c.RFMMonetary,
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

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// writeRejects writes this run's rejects, and keeps the earlier runs'
// rejects of files this run did not read again.
func (r *importRun) writeRejects() error {
	w, err := output.CreateTable[output.RejectRow](r.tx, "rejects", "", r.fileOptions()...)
	if err != nil {
		return err
	}
	reread := map[string]bool{}
	for _, in := range r.inputs {
		if !in.failed() {
			reread[in.path] = true
		}
	}
	var buf []output.RejectRow
	flush := func() error {
		err := w.Write(buf)
		buf = buf[:0]
		return err
	}
	err = output.ReadTable(r.ctx, r.ds, "rejects", func(rows []output.RejectRow) error {
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
		if in.failed() || in.rejects == "" {
			continue
		}
		err := readSpool(in.rejects, func(rj *connectors.Reject) error {
			buf = append(buf, output.RejectRow{
				Source: rj.Source, SourceFile: rj.File, SourceRow: int64(rj.Row), Column: rj.Column,
				Value: rj.Value, Reason: rj.Reason, RunID: r.runID, Sheet: rj.Sheet, Effect: string(rj.Effect),
			})
			protectReject(r.g.protect, &buf[len(buf)-1])
			r.stats.rejects++
			if len(buf) == writeBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		r.stats.rejectedRows += in.rejected
	}
	if err := flush(); err != nil {
		return err
	}
	return w.Commit()
}

// commit writes the manifest and makes the new dataset the current one.
func (r *importRun) commit(command string) error {
	v, _ := version.Get()
	m := output.Manifest{
		Version: 1, RunID: r.runID, CreatedAt: r.now, OrderhistVersion: v, Command: command,
		AsOf: r.asOf.Format(time.DateOnly), PII: r.g.pii, PIIKeyCheck: r.g.protect.KeyCheck(),
	}
	if prev := r.ds.Manifest(); prev != nil {
		m.Erasures = prev.Erasures
	}
	for _, in := range r.inputs {
		if in.failed() {
			continue
		}
		m.Inputs = append(m.Inputs, output.Input{
			File: in.path, SHA256: in.sha256, Size: in.size, Rows: in.rows, Rejected: in.rejected,
			Connector: in.match.Connector, Layout: in.match.Layout,
		})
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if err := r.tx.Commit(m); err != nil {
		return fmt.Errorf("commit the dataset: %w", err)
	}
	return nil
}

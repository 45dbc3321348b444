package importer

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/normalize"
)

// build is passes 2 and 3: merge every month, resolve customers, write the
// tables into the transaction.
func (r *Run) build() error {
	// Only the months this run's inputs reach are merged: the dataset's
	// other months hold nothing an input could meet, and are read once,
	// straight into the resolver (directParts).
	byMonth := map[string][]string{}
	for _, in := range r.inputs {
		for m, p := range in.months {
			byMonth[m] = append(byMonth[m], p)
		}
	}
	r.prevMonths = r.existingMonths()
	r.loadState()
	r.direct = map[string]*directMonth{}
	var reread []string
	for m := range r.prevMonths {
		if _, ok := byMonth[m]; ok || r.opts.mergeEveryMonth {
			reread = append(reread, m)
		} else {
			r.direct[m] = &directMonth{}
		}
	}
	slices.Sort(reread)
	r.opts.Stage("reading the dataset", 0, 0)
	existing, err := r.spoolExisting(reread)
	if err != nil {
		return err
	}
	for m, p := range existing {
		// The dataset's copy first, as spooled before the inputs.
		byMonth[m] = append([]string{p}, byMonth[m]...)
	}
	ident, err := dataset.IdentityProtector(r.dir, r.protect)
	if err != nil {
		return err
	}
	if r.erased, err = dataset.LoadErasures(r.dir, false); err != nil {
		return err
	}
	r.erased.UseProtectors(r.protect, ident)
	_, asOfEnd := r.asOfDay()
	res := dedupe.NewResolver(dedupe.Options{Now: r.now, MatchWeight: r.opts.MatchWeight, PurchasesBefore: asOfEnd,
		StoredValue: func(k dedupe.Kind, v string) string { return ident.Value(string(k), v) }})
	if err := r.seedResolver(res); err != nil {
		return err
	}
	months := slices.Sorted(maps.Keys(byMonth))
	for m := range r.direct {
		months = append(months, m)
	}
	slices.Sort(months)
	r.merged = map[string]string{}
	stage := r.stageTimer()
	if err := r.mergeMonths(months, byMonth, res); err != nil {
		return err
	}
	if r.opts.BeforeResolve != nil {
		if err := r.opts.BeforeResolve(); err != nil {
			return err
		}
	}
	stage("merge")
	r.opts.Stage("resolving customers", 0, 0)
	result, err := res.Resolve(r.asOf)
	if err != nil {
		return fmt.Errorf("resolve customers: %w", err)
	}
	stage("resolve")
	r.stats.ScoredLinks = int64(result.Report().ScoredLinks)
	r.opts.Stage("writing customers", 0, 0)
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
		if err := r.tx.KeepPartition("orders", dataset.MonthPartition(m)); err != nil {
			return err
		}
		if err := r.tx.KeepPartition("order_items", dataset.MonthPartition(m)); err != nil {
			return err
		}
		r.keepState(m)
		r.stats.KeptMonths++
	}
	if len(months) == 0 {
		// No order anywhere (a header-only export as the first import):
		// the orders tables still get a file, empty, in the partition of
		// orders without a date, so the dataset is complete and every
		// Parquet reader finds their schema. The next run with orders
		// drops it, as it has no order to keep.
		rewrite = []string{dataset.HiveNullPartition}
	}
	if err := r.writeMonths(rewrite, handles); err != nil {
		return err
	}
	r.stats.Months = len(months)
	stage("write orders")
	r.opts.Stage("writing rejects", 0, 0)
	if err := r.writeRejects(); err != nil {
		return err
	}
	r.writeStateIndex()
	return nil
}

// latestInput is the input of an order's highest-ranked sighting read in
// this run.
func (r *Run) latestInput(s []normalize.Sighting) *Input {
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
func (r *Run) unchangedMonth(month string, result *dedupe.Handles) bool {
	pins, ok := r.untouched[month]
	if !ok || !r.prevMonths[month] || !r.ds.HasPartition("orders", dataset.MonthPartition(month)) || !r.ds.HasPartition("order_items", dataset.MonthPartition(month)) {
		return false
	}
	for _, p := range pins {
		got := result.CustomerOf(p.seq)
		if got == "" {
			got = dataset.AnonymousCustomer
		}
		if got != p.prior {
			return false
		}
	}
	return true
}

// internPrior returns one copy of each earlier customer id for the pins
// kept until the write pass: an id read from the resolver state is part of
// a whole block of the state, which it would otherwise keep in memory.
func (r *Run) internPrior(id string) string {
	if s, ok := r.priorIDs[id]; ok {
		return s
	}
	if r.priorIDs == nil {
		r.priorIDs = map[string]string{}
	}
	s := strings.Clone(id)
	r.priorIDs[s] = s
	return s
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

// monthPart is one part of a month: the orders whose key hashes to bucket,
// or, for a month no input reached (direct), a run of the dataset's orders.
type monthPart struct {
	month           string
	bucket, buckets uint64
	paths           []string
	// first and last mark a month's first and last part.
	first, last bool
	direct      bool
}

// partsOf is how many parts a month's spools are merged in: about one per
// Options.PartBytes of spooled data. Small parts also keep the merge's
// sorting in cache.
func (r *Run) partsOf(paths []string) uint64 {
	partBytes, maxParts := r.opts.PartBytes, int64(r.opts.MaxParts)
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
func (r *Run) splitMonth(month string, paths []string, n uint64) ([]string, error) {
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
func (r *Run) monthParts(months []string, byMonth map[string][]string, yield func(monthPart, error) bool) {
	for _, m := range months {
		if r.direct[m] != nil {
			if !yield(monthPart{month: m, direct: true, first: true, last: true}, nil) {
				return
			}
			continue
		}
		paths := byMonth[m]
		n := r.partsOf(paths)
		if n == 1 {
			if !yield(monthPart{month: m, buckets: 1, paths: paths, first: true, last: true}, nil) {
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
			if !yield(monthPart{month: m, bucket: uint64(b), buckets: n, paths: []string{p}, first: b == 0, last: uint64(b) == n-1}, nil) {
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
	latest     *Input // the input of the latest sighting read in this run
	enriched   bool
	conflict   bool
	// linesChanged: the lines differ from the dataset's copy, or, for an
	// order new to it, between this run's sightings.
	linesChanged bool
	erased       bool   // a buyer who asked to be forgotten came back
	keep         bool   // ...and their orders stay, anonymized
	had          bool   // the dataset held the order already
	prior        string // the customer it had then
	seq          uint32 // the resolver's handle
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
func (r *Run) mergeMonths(months []string, byMonth map[string][]string, res *dedupe.Resolver) error {
	stop := make(chan struct{})
	merged := make(chan *mergedMonth)
	ahead, waitAhead := r.readAhead(months, stop)
	go func() {
		defer close(merged)
		var ms monthSightings
		send := func(mm *mergedMonth) bool {
			select {
			case merged <- mm:
			case <-stop:
				return false
			}
			return mm.err == nil
		}
		r.monthParts(months, byMonth, func(part monthPart, err error) bool {
			if err == nil && part.direct {
				parts, ok := <-ahead
				if !ok {
					return false // stopped
				}
				for mm := range parts {
					if !send(mm) {
						return false
					}
				}
				return true
			}
			mm := &mergedMonth{monthPart: part, err: err}
			if err == nil {
				loadPart(part, &ms)
				if mm.err = ms.err; ms.err == nil {
					r.mergeSightings(mm, &ms)
				}
			}
			return send(mm)
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
	merging, done := "merging months", 0
	r.opts.Stage(merging, done, len(months))
	err := func() error {
		var cur monthChanges
		for mm := range merged {
			if err := r.ctx.Err(); err != nil {
				return err
			}
			if mm.err != nil {
				return mm.err
			}
			if mm.first {
				cur = monthChanges{month: mm.month}
			}
			r.observeMonth(mm, res, &cur)
			if mm.direct {
				dm := r.direct[mm.month]
				for i := range mm.orders {
					dm.handles = append(dm.handles, mm.orders[i].seq)
				}
			}
			if mm.last {
				if !cur.touched {
					r.untouched[mm.month] = cur.pins
				}
				done++
				r.opts.Stage(merging, done, len(months))
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
	waitAhead()
	if werr := <-written; err == nil {
		err = werr
	}
	return err
}

// mergeSightings merges each order's sightings of one month part. It reads the
// run's settings only, so it runs beside the resolver.
func (r *Run) mergeSightings(mm *mergedMonth, ms *monthSightings) {
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
			m.linesChanged = mr.LinesChangedSince(&old.Order)
		} else {
			m.linesChanged = mr.LinesChangedSince(nil)
		}
		if m.erased, m.keep = r.erased.Match(mr.Order); m.erased {
			mm.touched = true
		}
		mm.orders = append(mm.orders, m)
	})
}

// observeMonth tells the resolver of a month part's orders, in key order
// so that customer ids never depend on timing, counts them, and adds what
// it learns of the month to month.
func (r *Run) observeMonth(mm *mergedMonth, res *dedupe.Resolver, month *monthChanges) {
	month.touched = month.touched || mm.touched
	for i := range mm.orders {
		m := &mm.orders[i]
		switch m.change {
		case orderNew:
			r.stats.NewOrders++
			if m.latest != nil {
				m.latest.NewOrders++
			}
		case orderUnchanged:
			r.stats.Unchanged++
		case orderUpdated:
			r.stats.Updated++
			if m.latest != nil {
				m.latest.Updated++
			}
		}
		if m.enriched {
			r.stats.Enriched++
		}
		if m.conflict {
			r.stats.Conflicts++
		}
		if m.linesChanged {
			r.stats.LinesChanged++
			o := m.order
			r.log.Info("order lines changed", "source", o.Source, "account", o.Account, "order_id", o.OrderID, "lines", len(o.Lines))
		}
		switch {
		case m.erased:
			r.stats.Erased++
			if !m.keep {
				continue
			}
			m.seq = 0
		case m.had && m.prior != "" && r.protect.Mode() != pii.Clear:
			// Read back hashed or dropped, the order's identifiers can no
			// longer link it; its earlier customer does.
			m.seq = res.ObservePinned(dataset.WithoutProtected(m.order), m.prior)
		default:
			m.seq = res.Observe(m.order)
		}
		if m.had {
			month.pins = append(month.pins, pinnedOrder{seq: m.seq, prior: r.internPrior(m.prior)})
		}
		r.stats.Orders++
		r.stats.Lines += int64(len(m.order.Lines))
	}
	if !mm.direct {
		r.merged[mm.month] = filepath.Join(r.spool, "merged-"+mm.month+".spool")
	}
}

// spoolMerged writes a month part's merged orders for the write pass,
// after those of the month's earlier parts; erased buyers' orders are
// anonymized or left out. It returns the month's open spool.
func (r *Run) spoolMerged(w *spoolWriter[mergedOrder], mm *mergedMonth) (*spoolWriter[mergedOrder], error) {
	if mm.direct {
		return w, nil // written from the dataset, if at all (readDirect)
	}
	if mm.first {
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
			dataset.Anonymize(&mo.Order)
		}
		if err := w.Write(&mo); err != nil {
			w.Close()
			return nil, err
		}
	}
	return w, nil
}

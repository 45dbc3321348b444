package importer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/version"
	"github.com/orderhist/orderhist/normalize"
)

// Input is one input of a run (a file or an API pull) and what became of
// it. Its figures are final once the run is committed.
type Input struct {
	// Path is the file, or "api:NAME" for a pull.
	Path string
	// Match is the connector and layout that read it.
	Match  connectors.Match
	SHA256 string // of the file's content; empty for a pull
	Size   int64
	// Err says why the input could not be read; nothing of it is
	// committed.
	Err error

	Rows, Orders, Lines, Rejected int64
	// NewOrders and Updated count the orders this input brought in first
	// or changed (when several inputs carry an order, the latest sighting
	// gets it).
	NewOrders, Updated int64

	index   int // place among the run's inputs; names its scratch files
	reader  connectors.FileReader
	months  map[string]string // spooled orders by month
	rejects string            // spooled rejects
	// rank orders this input's sightings among the run's others when
	// updated_at and status tie (see rank).
	rank rank
	// Checkpoint is a pull's last checkpoint mark: once the run commits,
	// every order updated from the pull's Since to Checkpoint is in the
	// dataset, even when the pull failed later. Zero until the puller
	// marks one.
	Checkpoint time.Time

	// pullProgress is what of a pull was committed (see checkpoint.go).
	pullProgress
}

// Failed reports whether the input could not be read.
func (in *Input) Failed() bool { return in.Err != nil }

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

// Stats are the figures of a committed run.
type Stats struct {
	// Orders and Lines are what the dataset holds after the run.
	Orders, Lines int64
	// NewOrders, Updated and Unchanged say what the run did to each order;
	// Enriched orders kept a buyer detail an earlier sighting had, and
	// Conflicts were seen with different buyer details.
	NewOrders, Updated, Unchanged, Enriched, Conflicts int64
	// LinesChanged orders carry other lines than before: the latest
	// sighting's lines replaced the earlier ones (an edit, a cancelled or
	// returned item). Each is logged with its source, account and id.
	LinesChanged int64
	// Erased orders belong to buyers who asked to be forgotten: left out
	// or anonymized.
	Erased int64
	// Months is how many month partitions the dataset has; KeptMonths of
	// them were kept byte for byte.
	Months     int
	KeptMonths int64
	// Rejects is how many rejects the run wrote; RejectedRows how many
	// source rows were left out whole.
	Rejects, RejectedRows int64
	Customers, Merges     int64
	// ScoredLinks is how many links were made on scored name and address
	// evidence.
	ScoredLinks int64
}

// Run is one import run: it reads inputs into scratch spools, merges them
// with the dataset month by month, resolves customers, and commits the new
// dataset in one transaction. See the package documentation.
type Run struct {
	ctx     context.Context
	opts    Options
	log     *slog.Logger
	protect *pii.Protector
	dir     string
	runID   string
	now     time.Time
	asOf    time.Time
	session *dataset.Session
	ds      *dataset.Dataset
	tx      *dataset.Tx
	spool   string
	inputs  []*Input
	skipped []connectors.Skipped
	stats   Stats
	// merged holds each month's merged orders (a spool path per month).
	merged map[string]string
	// rankOf finds the input of a sighting by its rank.
	rankOf map[string]*Input
	// untouched are the months no new sighting reached, with their orders'
	// earlier customers: candidates to keep as they are.
	untouched map[string][]pinnedOrder
	// erased are the identifiers of buyers who asked to be forgotten.
	erased *dataset.Erasures
	// direct are the months of the dataset no input reaches (see
	// direct.go). The map is set before the merge pipeline starts and
	// only read while it runs.
	direct map[string]*directMonth
	// prevMonths are the months the dataset already has.
	prevMonths map[string]bool
	// stopGovernor ends the goroutine that keeps the soft memory limit
	// ahead of the live heap.
	stopGovernor func()
	// mu guards rankOf while files are read side by side.
	mu sync.Mutex
	// priorIDs holds one copy of each earlier customer id of the pins
	// (internPrior).
	priorIDs map[string]string
	// state is the resolver state the run reads and writes (state.go).
	state *runState
	// done is what the run committed before, when a pull checkpoints
	// (see checkpoint.go); inputs holds only what is not committed yet.
	done committed
}

// Open starts a run on the dataset in dir (created if need be): it takes
// the dataset's lock, repairs what a killed run left, and opens a
// transaction and a scratch folder. Close undoes what Commit did not
// commit, and must be called.
func Open(ctx context.Context, dir string, o Options) (*Run, error) {
	o = o.withDefaults()
	if err := o.Rules.Validate(); err != nil {
		return nil, fmt.Errorf("segment rules: %w", err)
	}
	var opts []dataset.SessionOption
	if o.Catalog != nil {
		opts = append(opts, dataset.WithCatalog(*o.Catalog))
	}
	if o.Remote != nil {
		opts = append(opts, dataset.WithRemote(*o.Remote))
	}
	s, err := dataset.OpenSession(dir, o.Command, o.Now(), o.PII, opts...)
	if err != nil {
		return nil, err
	}
	if o.SnapshotRetention != nil {
		s.SetRetention(dataset.Retention{Keep: *o.SnapshotRetention, Set: true})
	}
	r := &Run{
		ctx: ctx, opts: o, log: o.Logger, protect: o.PII, dir: s.Dataset.Dir(),
		session: s, ds: s.Dataset, tx: s.Tx, spool: s.Scratch, runID: s.RunID, now: s.Now, asOf: o.AsOf,
		prevMonths: map[string]bool{}, untouched: map[string][]pinnedOrder{}, rankOf: map[string]*Input{},
	}
	if r.asOf.IsZero() {
		y, m, d := r.now.Date()
		r.asOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	}
	r.stopGovernor = governMemory(o.GCPercent)
	return r, nil
}

// asOfDay is the as-of date as a day in the seller's time zone, and the
// instant it ends.
func (r *Run) asOfDay() (day, end time.Time) {
	y, m, d := r.asOf.Date()
	day = time.Date(y, m, d, 0, 0, 0, 0, r.opts.Location)
	return day, day.AddDate(0, 0, 1)
}

// ID is the run's id, as the manifest and every file it writes carry it.
func (r *Run) ID() string { return r.runID }

// Now is when the run started, in UTC.
func (r *Run) Now() time.Time { return r.now }

// Inputs are the run's inputs in the order they were added, those a
// checkpoint committed included.
func (r *Run) Inputs() []*Input {
	return append(r.done.inputs[:len(r.done.inputs):len(r.done.inputs)], r.inputs...)
}

// Close rolls back what was not committed and releases the lock.
func (r *Run) Close() {
	r.stopGovernor()
	r.session.Close()
}

// Failed counts the inputs that could not be read.
func (r *Run) Failed() int {
	n := 0
	for _, in := range r.Inputs() {
		if in.Failed() {
			n++
		}
	}
	return n
}

// Commit merges, resolves and writes what the inputs read, and commits
// the new dataset with command recorded in its manifest. With inputs
// added but none read nothing is committed.
func (r *Run) Commit(command string) (*Stats, error) {
	if r.done.commits > 0 && failedAll(r.inputs) {
		return r.Committed(), nil // a checkpoint committed the rest
	}
	if len(r.inputs) > 0 && failedAll(r.inputs) {
		return nil, fmt.Errorf("no input could be read; nothing was committed")
	}
	if err := r.buildAndCommit(command); err != nil {
		return nil, err
	}
	r.settle()
	return r.Committed(), nil
}

// Skip records files the run leaves out without reading them (see
// connectors.WalkExports), each logged with its reason so the log says
// what a folder held besides exports.
func (r *Run) Skip(files ...connectors.Skipped) {
	for _, f := range files {
		r.log.Warn("file skipped", "file", f.Path, "reason", f.Reason)
	}
	r.skipped = append(r.skipped, files...)
}

// Skipped are the files the run left out unread, in the order given to Skip.
func (r *Run) Skipped() []connectors.Skipped { return r.skipped }

// addInput registers an input of the run. Inputs keep the order they were
// added in, whatever order they are read in.
func (r *Run) addInput(path string) *Input {
	in := &Input{Path: path, index: r.nextIndex()}
	r.inputs = append(r.inputs, in)
	return in
}

// buildAndCommit merges, resolves and writes what the run read, and
// commits it; the stages it goes through are told to Options.Stage.
func (r *Run) buildAndCommit(command string) error {
	defer r.opts.Stage("", 0, 0)
	if err := r.build(); err != nil {
		return err
	}
	r.opts.Stage("committing", 0, 0)
	return r.commit(command)
}

// commit writes the manifest and makes the new dataset the current one.
func (r *Run) commit(command string) error {
	v, _ := version.Get()
	m := dataset.Manifest{
		Version: 1, RunID: r.runID, CreatedAt: r.now, OrderhistVersion: v, Command: command,
		AsOf: r.asOf.Format(time.DateOnly), PII: string(r.protect.Mode()), PIIKeyCheck: r.protect.KeyCheck(),
	}
	if prev := r.ds.Manifest(); prev != nil {
		m.Erasures = prev.Erasures
	}
	for _, in := range r.inputs {
		if in.Failed() {
			continue
		}
		m.Inputs = append(m.Inputs, dataset.Input{
			File: in.Path, SHA256: in.SHA256, Size: in.Size, Rows: in.Rows, Rejected: in.Rejected,
			Connector: in.Match.Connector, Layout: in.Match.Layout,
		})
	}
	if err := r.ctx.Err(); err != nil {
		return err
	}
	if err := r.tx.Commit(m); err != nil {
		return fmt.Errorf("commit the dataset: %w", err)
	}
	r.cleanState()
	return nil
}

func (r *Run) fileOptions() []dataset.Option { return r.session.FileOptions() }

// stageTimer returns a function that logs how long the stage that just
// ended took, so a slow run can be told apart by stage from its log.
func (r *Run) stageTimer() func(name string) {
	last := time.Now()
	return func(name string) {
		now := time.Now()
		r.log.Debug("stage done", "stage", name, "seconds", now.Sub(last).Seconds())
		last = now
	}
}

// Dir is the dataset folder the run writes.
func (r *Run) Dir() string { return r.dir }

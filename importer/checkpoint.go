package importer

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orderhist/orderhist/connectors"
)

// Checkpoints: a long API pull commits what it has pulled as it goes, so
// a fault or a kill hours into a first backfill keeps what came before it.
//
// A puller marks checkpoints (connectors.Record.Checkpoint): every order
// updated before the mark has been yielded. At the first mark after
// Options.CheckpointOrders orders or Options.CheckpointEvery of time since
// the run last committed, the pull's spools are closed and the run commits
// a normal transaction of everything it has read so far, the exports and
// earlier pulls of the run included: a commit merges every pending input
// with the dataset, and splitting them would mean a second merge of the
// same months for nothing. Then the AfterCheckpoint hook runs (sync saves
// the sources' state there: the cursor at the mark, only now that the data
// under it is committed), and the pull goes on into fresh spools under a
// new transaction. A pull that fails commits what it pulled, and its
// cursor is its last mark.

// committed is what a run has committed so far, for runs that commit more
// than once.
type committed struct {
	commits int
	// inputs were committed, or failed before the last commit.
	inputs []*Input
	// stats sums the figures that add up over commits; the others are
	// the last commit's.
	stats Stats
	// rejected is the rejected rows committed of each input.
	rejected map[*Input]int64
	// last is when the run last committed, or began its first pull.
	last time.Time
	// seq numbers inputs and pull segments, naming their scratch files.
	seq   int
	after func(in *Input) error
}

// pullProgress is a pull's progress as the run has committed it.
type pullProgress struct {
	// committedOrders is how many of the input's orders were committed;
	// savedMark is the mark AfterCheckpoint was last told of.
	committedOrders int64
	savedMark       time.Time
}

// AfterCheckpoint sets fn to run after each commit a pull makes on its
// own: at a checkpoint, or for what a failing pull had read. Everything
// the run read before is committed then too; in.Checkpoint is the cursor
// the pull's source may save. An error from fn stops the run.
func (r *Run) AfterCheckpoint(fn func(in *Input) error) { r.done.after = fn }

// Committed returns the figures of everything the run committed, or nil
// when it committed nothing.
func (r *Run) Committed() *Stats {
	if r.done.commits == 0 {
		return nil
	}
	st := r.done.stats
	if r.done.commits > 1 {
		// A pull's rejected rows add up over its segments, and an order
		// new in one commit and updated in a later one counts in both;
		// Unchanged is what is left of the dataset.
		st.RejectedRows = 0
		for _, n := range r.done.rejected {
			st.RejectedRows += n
		}
		st.Unchanged = max(0, st.Orders-st.NewOrders-st.Updated)
	}
	return &st
}

// failedAll reports whether every input of ins failed.
func failedAll(ins []*Input) bool {
	for _, in := range ins {
		if !in.Failed() {
			return false
		}
	}
	return true
}

func (r *Run) nextIndex() int {
	i := r.done.seq
	r.done.seq++
	return i
}

// settle records a commit: its figures, and its inputs as committed.
func (r *Run) settle() {
	d, st := &r.done, r.stats
	d.commits++
	d.stats.NewOrders += st.NewOrders
	d.stats.Updated += st.Updated
	d.stats.Enriched += st.Enriched
	d.stats.Conflicts += st.Conflicts
	d.stats.LinesChanged += st.LinesChanged
	d.stats.Erased += st.Erased
	d.stats.Rejects += st.Rejects
	d.stats.RejectedRows += st.RejectedRows
	d.stats.Unchanged = st.Unchanged
	d.stats.Orders, d.stats.Lines, d.stats.Months, d.stats.KeptMonths = st.Orders, st.Lines, st.Months, st.KeptMonths
	d.stats.Customers, d.stats.Merges, d.stats.ScoredLinks = st.Customers, st.Merges, st.ScoredLinks
	if d.rejected == nil {
		d.rejected = map[*Input]int64{}
	}
	for _, in := range r.inputs {
		if !in.Failed() {
			d.rejected[in] = in.Rejected
			in.committedOrders = in.Orders
		}
		in.months, in.rejects = nil, ""
	}
	d.inputs = append(d.inputs, r.inputs...)
	r.inputs = nil
	r.stats = Stats{}
	r.merged, r.direct, r.untouched, r.prevMonths = nil, nil, map[string][]pinnedOrder{}, map[string]bool{}
	d.last = time.Now()
}

// segment is the spools of what an input read since the run last
// committed.
type segment struct {
	orders      *monthSpools[spooledOrder]
	rejects     *spoolWriter[connectors.Reject]
	rejectsPath string
	written     int // orders and rejects spooled
}

func (r *Run) newSegment(in *Input) (*segment, error) {
	if r.done.last.IsZero() && in.rank.origin == fromPull {
		r.done.last = time.Now()
	}
	prefix := fmt.Sprintf("in%05d", in.index)
	s := &segment{orders: newMonthSpools[spooledOrder](r.spool, prefix), rejectsPath: filepath.Join(r.spool, prefix+"-rejects.spool")}
	var err error
	if s.rejects, err = createSpool[connectors.Reject](s.rejectsPath); err != nil {
		return nil, err
	}
	return s, nil
}

// seal closes the segment's spools and hands them to the input.
func (s *segment) seal(in *Input) error {
	rerr := s.rejects.Close()
	months, err := s.orders.Close()
	if err == nil {
		err = rerr
	}
	if err != nil {
		s.discard()
		return err
	}
	in.months, in.rejects = months, s.rejectsPath
	return nil
}

// discard removes the segment's spools.
func (s *segment) discard() {
	s.orders.Discard()
	s.rejects.Close()
	os.Remove(s.rejectsPath)
}

// checkpointDue reports whether a pull at a mark has read enough since
// the run last committed to commit now.
func (r *Run) checkpointDue(in *Input) bool {
	if !in.Checkpoint.After(in.savedMark) {
		return false
	}
	n := in.Orders - in.committedOrders
	byOrders := r.opts.CheckpointOrders > 0 && n >= int64(r.opts.CheckpointOrders)
	byTime := r.opts.CheckpointEvery > 0 && time.Since(r.done.last) >= r.opts.CheckpointEvery
	return byOrders || byTime
}

// atMark is a pull's checkpoint mark: it commits when one is due and goes
// on into a fresh segment.
func (r *Run) atMark(in *Input, seg *segment, mark time.Time) (*segment, error) {
	if in.rank.origin != fromPull {
		return seg, nil
	}
	if mark.After(in.Checkpoint) {
		in.Checkpoint = mark
	}
	if !r.checkpointDue(in) {
		return seg, nil
	}
	return r.checkpoint(in, seg)
}

// keepFailedPull commits what a failing pull read, so the next run goes
// on from its last mark rather than from where it started.
func (r *Run) keepFailedPull(in *Input, seg *segment, cause error) (*segment, error) {
	if in.rank.origin != fromPull || (seg.written == 0 && !in.Checkpoint.After(in.savedMark)) {
		return seg, nil
	}
	r.log.Warn("pull failed; committing what it read", "source", in.Path, "orders", in.Orders-in.committedOrders, "checkpoint", in.Checkpoint, "error", cause)
	return r.checkpoint(in, seg)
}

// checkpoint commits everything the run read, pull segment included, runs
// the AfterCheckpoint hook, and returns a fresh segment for the pull.
func (r *Run) checkpoint(in *Input, seg *segment) (*segment, error) {
	if err := seg.seal(in); err != nil {
		return nil, fmt.Errorf("write scratch file: %w", err)
	}
	pending := seg.written > 0
	for _, p := range r.inputs {
		pending = pending || (p != in && !p.Failed())
	}
	if pending {
		if err := r.buildAndCommit(r.opts.Command); err != nil {
			return nil, err
		}
		r.settle()
		// The pull goes on: it is pending again, with a fresh segment.
		if i := slices.Index(r.done.inputs, in); i >= 0 {
			r.done.inputs = slices.Delete(r.done.inputs, i, i+1)
		}
		r.inputs = append(r.inputs, in)
		if err := r.session.Next(); err != nil {
			return nil, err
		}
		r.tx, r.runID = r.session.Tx, r.session.RunID
		r.log.Info("checkpoint committed", "source", in.Path, "orders", in.Orders, "checkpoint", in.Checkpoint, "run", r.runID)
	} else {
		in.months, in.rejects = nil, ""
		os.Remove(seg.rejectsPath)
		r.done.last = time.Now()
	}
	if r.done.after != nil && !in.Checkpoint.IsZero() {
		if err := r.done.after(in); err != nil {
			return nil, fmt.Errorf("%s: the data up to %s was committed but its checkpoint was not saved: %w", in.Path, in.Checkpoint.Format(time.RFC3339), err)
		}
	}
	in.savedMark = in.Checkpoint
	in.index = r.nextIndex()
	return r.newSegment(in)
}

package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/dataset"
)

// File is one export file to read.
type File struct {
	Path string
	// Reader is the connector to read it with; nil detects it.
	Reader  connectors.FileReader
	Account string
	// Options are the connector's own settings for this file.
	Options map[string]string
	// SHA256 is the file's content hash, when the caller computed it
	// already (sync does, to skip files it has read); empty hashes it.
	SHA256 string
}

// ReadFiles routes and reads files into the run, one per core at a time:
// each file is parsed in a stream of its own, so a run of several exports
// (the nightly sync, a backfill folder) keeps both cores busy. A file that
// cannot be read is reported in its Input and left out; only cancellation
// or a scratch-disk failure stops the others, and is returned. The inputs
// come in the order of files.
func (r *Run) ReadFiles(files []File) ([]*Input, error) {
	type job struct {
		in *Input
		f  File
	}
	ins := make([]*Input, len(files))
	jobs := make([]job, len(files))
	for i, f := range files {
		ins[i] = r.addInput(f.Path)
		ins[i].SHA256 = f.SHA256
		jobs[i] = job{ins[i], f}
	}
	workers := min(runtime.GOMAXPROCS(0), len(jobs))
	err := eachConcurrently(r.ctx, workers, jobs, func(ctx context.Context, j job) error {
		r.route(j.in, j.f.Reader)
		return r.readFile(ctx, j.in, connectors.File{Path: j.f.Path, Account: j.f.Account, Options: j.f.Options})
	})
	return ins, err
}

// Pull reads the orders an API source yields into the run, as input
// "api:NAME". A pull that fails is reported in its Input, its error
// prefixed with its class (auth, rate limit, ...), and left out; only
// cancellation or a scratch-disk failure is returned.
func (r *Run) Pull(puller connectors.APIPuller, src connectors.APISource) (*Input, error) {
	in := r.addInput("api:" + src.Name)
	in.rank = pullRank(r.now, in.index)
	in.Match.Connector, in.Match.Layout = puller.Info().Name, "api"
	bar := r.opts.Progress(src.Name, -1, in.Match.Connector)
	defer bar.Finish()
	// An API's values are checked as a file's are: a connector's file
	// reader checks its rows itself, a puller's records are checked here.
	records := connectors.CheckRecords(puller.Pull(connectors.WithRunTime(r.ctx, r.now), src), r.now)
	if err := r.consume(r.ctx, in, records, bar); err != nil {
		return in, err
	}
	if in.Failed() {
		in.Err = fmt.Errorf("%s error: %w", apiclient.Class(in.Err), in.Err)
	}
	return in, nil
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
func (r *Run) route(in *Input, forced connectors.FileReader) {
	st, err := os.Stat(in.Path)
	if err != nil {
		in.Err = err
		return
	}
	in.Size = st.Size()
	if in.SHA256 == "" { // sync hashed it already, to skip files it has read
		if in.SHA256, err = HashFile(in.Path); err != nil {
			in.Err = err
			return
		}
	}
	s, err := connectors.ReadSample(in.Path)
	if err != nil {
		in.Err = err
		return
	}
	if forced != nil {
		in.reader, in.Match = forced, forced.Detect(s)
		in.Match.Connector = forced.Info().Name
		return
	}
	in.reader, in.Match, in.Err = connectors.Route(s)
}

// HashFile is the SHA-256 of a file's content, in hex, as inputs record it.
func HashFile(path string) (string, error) {
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
func (r *Run) readFile(ctx context.Context, in *Input, f connectors.File) error {
	if in.Failed() {
		r.log.Error("cannot read file", "file", in.Path, "error", in.Err)
		return nil
	}
	bar := r.opts.Progress(in.Path, in.Size, in.Match.Connector)
	defer bar.Finish()
	f.Wrap = bar.Wrap
	// The run's clock bounds the dates a file may hold, so a run replayed
	// with a fixed clock checks them as the original run did.
	return r.consume(ctx, in, in.reader.ReadFile(connectors.WithRunTime(ctx, r.now), f), bar)
}

// consume streams one input's records into per-month spools. An input that
// fails midway leaves nothing behind; only cancellation or a scratch-disk
// failure stops the run. A pull's checkpoint marks may commit what it read
// so far (see checkpoint.go), and a pull that fails keeps what it read.
func (r *Run) consume(ctx context.Context, in *Input, records iter.Seq2[connectors.Record, error], bar Progress) error {
	seg, err := r.newSegment(in)
	if err != nil {
		return err
	}
	rejectedRows := map[int]bool{}
	if in.rank.origin == fromDataset {
		in.rank = fileRank(in.SHA256)
	}
	rank := in.rank.key()
	r.mu.Lock()
	r.rankOf[rank] = in
	r.mu.Unlock()
	var fileErr error
	for rec, err := range readAhead(records) {
		if err != nil {
			fileErr = err
			break
		}
		if !rec.Checkpoint.IsZero() {
			in.Rejected = int64(len(rejectedRows))
			if seg, err = r.atMark(in, seg, rec.Checkpoint); err != nil {
				return err
			}
			continue
		}
		in.Rows += int64(rec.Rows)
		bar.AddRows(rec.Rows)
		for i := range rec.Rejects {
			rj := &rec.Rejects[i]
			if rj.Source == "" {
				rj.Source = in.Match.Connector
			}
			seg.written++
			if err := seg.rejects.Write(rj); err != nil {
				seg.discard()
				return fmt.Errorf("write scratch file: %w", err)
			}
			if rj.Effect == connectors.RowSkipped {
				rejectedRows[rj.Row] = true
			}
		}
		if rec.Order != nil {
			in.Orders++
			in.Lines += int64(len(rec.Order.Lines))
			so := spooledOrder{Order: *rec.Order, Rank: rank}
			seg.written++
			if err := seg.orders.Write(dataset.Month(rec.Order.OrderedAt), &so); err != nil {
				seg.discard()
				return fmt.Errorf("write scratch file: %w", err)
			}
		}
	}
	in.Rejected = int64(len(rejectedRows))
	if fileErr != nil && !errors.Is(fileErr, context.Canceled) && ctx.Err() == nil {
		if seg, err = r.keepFailedPull(in, seg, fileErr); err != nil {
			return err
		}
	}
	if fileErr != nil {
		seg.discard()
		if errors.Is(fileErr, context.Canceled) || ctx.Err() != nil {
			return context.Canceled
		}
		in.Err = fileErr
		r.log.Error("cannot read file", "file", in.Path, "error", fileErr)
		return nil
	}
	if err := seg.seal(in); err != nil {
		return fmt.Errorf("write scratch file: %w", err)
	}
	r.log.Info("read file", "file", in.Path, "connector", in.Match.Connector, "layout", in.Match.Layout,
		"rows", in.Rows, "orders", in.Orders, "rejected_rows", in.Rejected)
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

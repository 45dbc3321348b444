package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/lease"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/syncjob"
)

// Exit codes, as the contract gives them to cron jobs and scripts.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitRejected    = 3
	exitPartial     = 4
	exitAmbiguous   = 5 // explain: several customers match; they are listed
	exitLocked      = 75
	exitInterrupted = 130
)

// exitCodesHelp is the table --help shows; README.md gives the same.
const exitCodesHelp = `Exit codes:
  0    done: everything read was committed (dropped values are warnings)
  1    failed, nothing new committed
  2    usage or configuration error
  3    done, but rows were skipped (see rejects); --fail-on chooses when
  4    done for some inputs (files, sources), others failed
  5    explain: several customers match the query (they are listed)
  75   another run holds the dataset's lock
  130  interrupted`

// Values of --fail-on: which rejects make a finished run exit 3.
const (
	failOnSkipped = "skipped" // rows left out of the dataset
	failOnDropped = "dropped" // any reject, a value dropped from a kept row included
	failOnNever   = "never"
)

// rejectOutcome is the result of a committed run by its rejects and
// --fail-on: nil, or exit 3. Rejects below the threshold are logged as a
// warning, so a run exiting 0 still says it left something out.
func (g *globalOptions) rejectOutcome(s *importer.Stats) error {
	if s == nil || s.Rejects == 0 {
		return nil
	}
	fail := false
	switch g.failOn {
	case failOnSkipped:
		fail = s.RejectedRows > 0
	case failOnDropped:
		fail = true
	}
	if fail {
		return &quietError{code: exitRejected, err: &rejectedError{rows: s.Rejects}}
	}
	g.log.Warn("rejects recorded", "rejects", s.Rejects, "rows_skipped", s.RejectedRows,
		"see", g.out+"/rejects/")
	return nil
}

// usageError is a mistake in the command line or the configuration.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// rejectedError says the run finished but some rows went to rejects.
type rejectedError struct{ rows int64 }

func (e *rejectedError) Error() string {
	return fmt.Sprintf("%d rows or values were rejected; they are in the rejects table", e.rows)
}

// partialError says some inputs failed while the others were committed.
type partialError struct{ failed, total int }

func (e *partialError) Error() string {
	return fmt.Sprintf("%d of %d inputs failed; the others were committed", e.failed, e.total)
}

// quietError carries an exit code for a result already reported on stdout
// (the summary says it), so Main does not print it again.
type quietError struct {
	code int
	err  error
}

func (e *quietError) Error() string { return e.err.Error() }
func (e *quietError) Unwrap() error { return e.err }

func isQuietError(err error) bool {
	var q *quietError
	return errors.As(err, &q)
}

func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var (
		q  *quietError
		u  *usageError
		r  *rejectedError
		p  *partialError
		l  *dataset.LockedError
		ll *lease.LockedError
		m  *dataset.PIIMismatchError
		c  *syncjob.ConfigError
	)
	switch {
	case errors.As(err, &q):
		return q.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &u), errors.As(err, &m), errors.As(err, &c), errors.Is(err, backend.ErrConfig):
		return exitUsage
	case errors.As(err, &l), errors.As(err, &ll):
		return exitLocked
	case errors.As(err, &p):
		return exitPartial
	case errors.As(err, &r):
		return exitRejected
	}
	return exitFailed
}

package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/orderhist/orderhist/dataset"
)

// Exit codes, as the contract gives them to cron jobs and scripts.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitRejected    = 3
	exitPartial     = 4
	exitLocked      = 75
	exitInterrupted = 130
)

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
		q *quietError
		u *usageError
		r *rejectedError
		p *partialError
		l *dataset.LockedError
		m *dataset.PIIMismatchError
	)
	switch {
	case errors.As(err, &q):
		return q.code
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.As(err, &u), errors.As(err, &m):
		return exitUsage
	case errors.As(err, &l):
		return exitLocked
	case errors.As(err, &p):
		return exitPartial
	case errors.As(err, &r):
		return exitRejected
	}
	return exitFailed
}

// Package lease is an exclusive lock on a dataset that lives in the store
// itself, for stores where no operating system can hold one: a lease
// object (by convention _state/lock under the dataset's prefix) written
// with conditional writes.
//
//   - Acquire creates the object create-only (If-None-Match: *). Of two
//     runs that start at once, exactly one write succeeds; the other reads
//     the holder's details and returns a *LockedError naming it.
//   - The holder renews the lease while it runs (every TTL/3, by a
//     replace-if-unchanged write with the ETag of its own last write), so a
//     lease only expires when its holder is gone or cut off.
//   - An expired lease is taken over by a replace-if-unchanged write with
//     the stale lease's ETag: of two runs that find the same stale lease,
//     exactly one takes it. A lease whose holder ran on this host under a
//     process id that no longer exists is stale at once, so a run killed
//     with SIGKILL does not block the next run on the same machine for a
//     TTL.
//   - A holder that finds its lease replaced has lost it: Check and Lost
//     say so, and the dataset must not commit. The commit itself is a
//     conditional write too, so even a holder that has not noticed yet
//     cannot overwrite the new holder's commit.
//
// Expiry compares the holder's clock (which wrote Expires) with the
// taker's: a takeover waits for Grace past the expiry so that clocks that
// disagree by less than that cannot hand the lease to two runs. Host names
// must differ between the machines that share a dataset for the
// dead-process shortcut; where they might not, set Options.NoPIDCheck.
package lease

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/orderhist/orderhist/backend"
)

// DefaultKey is where a dataset's lease lives, relative to its root.
const DefaultKey = "_state/lock"

const (
	// DefaultTTL is how long a lease holds without renewal.
	DefaultTTL = 2 * time.Minute
	// DefaultGrace is how long past its expiry a lease is still respected,
	// for clocks that disagree.
	DefaultGrace = 30 * time.Second
)

var (
	// ErrLocked matches a *LockedError.
	ErrLocked = errors.New("locked by another run")
	// ErrLost: the lease expired or was taken over while held.
	ErrLost = errors.New("the lease was lost")
)

// Holder is the content of a lease object: who holds it, and until when.
type Holder struct {
	Host    string    `json:"host"`
	PID     int       `json:"pid"`
	Command string    `json:"command"`
	Started time.Time `json:"started"`
	Expires time.Time `json:"expires"`
	// ID is random per Acquire: two leases of one process differ.
	ID string `json:"id"`
}

func (h Holder) String() string {
	if h.PID == 0 && h.Host == "" {
		return "(holder unknown)"
	}
	return fmt.Sprintf("%q, pid %d on %s, since %s (lease until %s)", h.Command, h.PID, h.Host,
		h.Started.UTC().Format(time.RFC3339), h.Expires.UTC().Format(time.RFC3339))
}

// LockedError says that another run holds the lease. A command maps it to
// its "locked" exit code.
type LockedError struct {
	Location string // the lease object, as backend.Join shows it
	Holder   Holder
}

func (e *LockedError) Error() string {
	return "another orderhist run holds " + e.Location + ": " + e.Holder.String()
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Options tune Acquire.
type Options struct {
	Command string        // what the holder runs, for the message others get
	TTL     time.Duration // 0 means DefaultTTL
	Grace   time.Duration // 0 means DefaultGrace
	// NoPIDCheck turns off the takeover of a lease whose holder ran on
	// this host under a process id that is gone.
	NoPIDCheck bool
	// Now is the clock; nil means time.Now. For tests.
	Now func() time.Time
}

// Lease is a held lease. It renews itself until Release.
type Lease struct {
	b   backend.Backend
	key string
	o   Options

	// renewing orders renewals: the keep-alive's and a caller's Renew
	// would otherwise both write with the same If-Match, and the second
	// would take the first for a takeover.
	renewing sync.Mutex
	mu       sync.Mutex
	holder   Holder
	etag     string
	renewed  time.Time // when the last write of the lease succeeded
	lostErr  error
	lost     chan struct{}
	stop     chan struct{}
	stopped  chan struct{}
	released bool
}

// Acquire takes the lease at key, or returns a *LockedError naming the run
// that holds it.
func Acquire(ctx context.Context, b backend.Backend, key string, o Options) (*Lease, error) {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Grace <= 0 {
		o.Grace = DefaultGrace
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	host, _ := os.Hostname()
	id := make([]byte, 12)
	rand.Read(id)
	now := o.Now()
	l := &Lease{b: b, key: key, o: o,
		holder: Holder{Host: host, PID: os.Getpid(), Command: o.Command, Started: now.UTC(), ID: hex.EncodeToString(id)},
		lost:   make(chan struct{}), stop: make(chan struct{}), stopped: make(chan struct{})}

	cond := backend.Cond{IfNoneMatch: true}
	for range 10 {
		if err := l.write(ctx, cond); err == nil {
			go l.keepAlive()
			return l, nil
		} else if !errors.Is(err, backend.ErrPreconditionFailed) {
			return nil, err
		}
		// Taken: by whom, and is it stale?
		data, info, err := backend.ReadAll(ctx, b, key)
		if errors.Is(err, backend.ErrNotExist) {
			cond = backend.Cond{IfNoneMatch: true} // released meanwhile
			continue
		}
		if err != nil {
			return nil, err
		}
		var h Holder
		if json.Unmarshal(data, &h) != nil || h.Expires.IsZero() {
			// Not a lease this package wrote: respected for one TTL after
			// it was written, then taken over like any stale lease.
			h = Holder{Expires: info.ModTime.Add(o.TTL)}
		}
		if !l.stale(h) {
			return nil, &LockedError{Location: backend.Join(b.Location(), key), Holder: h}
		}
		// Exactly one of the runs that found it stale replaces it.
		cond = backend.Cond{IfMatch: info.ETag}
	}
	return nil, &backend.Error{Op: "lock", Location: b.Location(), Key: key,
		Err: errors.New("the lease kept changing while it was being taken; another run is taking it")}
}

func (l *Lease) stale(h Holder) bool {
	if l.o.Now().After(h.Expires.Add(l.o.Grace)) {
		return true
	}
	if !l.o.NoPIDCheck && h.Host != "" && h.Host == l.holder.Host && h.PID > 0 && h.PID != os.Getpid() {
		return !processAlive(h.PID)
	}
	return false
}

// write writes the lease with a fresh expiry under cond and records its
// ETag.
func (l *Lease) write(ctx context.Context, cond backend.Cond) error {
	l.mu.Lock()
	h := l.holder
	l.mu.Unlock()
	now := l.o.Now()
	h.Expires = now.Add(l.o.TTL).UTC()
	data, _ := json.MarshalIndent(h, "", "  ")
	info, err := backend.PutBytes(ctx, l.b, l.key, append(data, '\n'), cond)
	if err != nil {
		return err
	}
	l.mu.Lock()
	l.holder, l.etag, l.renewed = h, info.ETag, now
	l.mu.Unlock()
	return nil
}

// Holder is what the lease object says of this holder.
func (l *Lease) Holder() Holder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Renew extends the lease by a TTL now. It fails with ErrLost if the
// lease was taken over.
func (l *Lease) Renew(ctx context.Context) error {
	l.renewing.Lock()
	defer l.renewing.Unlock()
	if err := l.Check(); err != nil {
		return err
	}
	l.mu.Lock()
	etag := l.etag
	l.mu.Unlock()
	err := l.write(ctx, backend.Cond{IfMatch: etag})
	if errors.Is(err, backend.ErrPreconditionFailed) {
		l.markLost(fmt.Errorf("%w: %s was replaced by another run", ErrLost, backend.Join(l.b.Location(), l.key)))
		return l.Check()
	}
	return err
}

func (l *Lease) markLost(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lostErr == nil {
		l.lostErr = err
		close(l.lost)
	}
}

// Check returns nil while the lease is surely held: it was not found
// replaced, and its last renewal is younger than the TTL. A commit checks
// it just before its commit point.
func (l *Lease) Check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lostErr != nil {
		return l.lostErr
	}
	if l.released {
		return fmt.Errorf("%w: released", ErrLost)
	}
	if age := l.o.Now().Sub(l.renewed); age >= l.o.TTL {
		return fmt.Errorf("%w: not renewed for %s, longer than its %s term", ErrLost, age.Round(time.Second), l.o.TTL)
	}
	return nil
}

// Lost is closed when the lease is found taken over.
func (l *Lease) Lost() <-chan struct{} { return l.lost }

// keepAlive renews the lease every TTL/3 until Release. A renewal that
// fails for a passing reason is tried again at the next tick; Check turns
// false once the lease could have expired.
func (l *Lease) keepAlive() {
	defer close(l.stopped)
	t := time.NewTicker(l.o.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-l.lost:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), l.o.TTL/3)
			_ = l.Renew(ctx)
			cancel()
		}
	}
}

// Release stops the renewals and removes the lease, if it is still this
// holder's. It returns ErrLost, and leaves the object alone, if another
// run holds it now.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	if l.released {
		l.mu.Unlock()
		return nil
	}
	l.mu.Unlock()
	close(l.stop)
	<-l.stopped
	// Renewed first, so that the lease is far from its expiry while it is
	// deleted: no other run can take it over in between, which is what
	// keeps an unconditional delete safe on stores without conditional
	// deletes.
	err := l.Renew(ctx)
	l.mu.Lock()
	l.released = true
	etag := l.etag
	l.mu.Unlock()
	if err != nil {
		return err
	}
	if cd, ok := l.b.(backend.ConditionalDeleter); ok {
		err := cd.DeleteIfMatch(ctx, l.key, etag)
		if errors.Is(err, backend.ErrPreconditionFailed) {
			return fmt.Errorf("%w: %s was replaced by another run", ErrLost, backend.Join(l.b.Location(), l.key))
		}
		return err
	}
	return l.b.Delete(ctx, l.key)
}

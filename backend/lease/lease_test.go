package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/local"
	"github.com/orderhist/orderhist/backend/s3"
	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// stores runs fn against a local folder and, when versitygw is installed,
// a bucket on it. open returns a new handle on the same store each call,
// as a second process would have.
func stores(t *testing.T, fn func(t *testing.T, open func() backend.Backend)) {
	t.Run("local", func(t *testing.T) {
		dir := t.TempDir()
		fn(t, func() backend.Backend {
			s, err := local.Open(dir, local.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
	t.Run("versitygw", func(t *testing.T) {
		srv := s3test.Start(t)
		srv.Env(t)
		url := "s3://" + srv.Bucket(t) + "/dataset"
		fn(t, func() backend.Backend {
			s, err := s3.Open(s3test.Context(t), url, s3.Config{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		})
	})
}

func ctx() context.Context { return context.Background() }

func readHolder(t *testing.T, b backend.Backend) (Holder, backend.Info) {
	t.Helper()
	data, info, err := backend.ReadAll(ctx(), b, DefaultKey)
	if err != nil {
		t.Fatal(err)
	}
	var h Holder
	if err := json.Unmarshal(data, &h); err != nil {
		t.Fatalf("lease object %q: %v", data, err)
	}
	return h, info
}

func plant(t *testing.T, b backend.Backend, h Holder) {
	t.Helper()
	data, _ := json.Marshal(h)
	if _, err := backend.PutBytes(ctx(), b, DefaultKey, data, backend.Cond{}); err != nil {
		t.Fatal(err)
	}
}

// deadPID is the id of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestAcquireRelease(t *testing.T) {
	stores(t, func(t *testing.T, open func() backend.Backend) {
		b := open()
		l, err := Acquire(ctx(), b, DefaultKey, Options{Command: "orderhist import"})
		if err != nil {
			t.Fatal(err)
		}
		h, _ := readHolder(t, b)
		host, _ := os.Hostname()
		if h.PID != os.Getpid() || h.Host != host || h.Command != "orderhist import" || h.ID == "" ||
			time.Until(h.Expires) < DefaultTTL-time.Minute || time.Since(h.Started) > time.Minute {
			t.Errorf("lease object %+v does not describe this run", h)
		}

		_, err = Acquire(ctx(), open(), DefaultKey, Options{Command: "orderhist sync"})
		var le *LockedError
		if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
			t.Fatalf("second acquire: %v, want a *LockedError", err)
		}
		for _, want := range []string{`"orderhist import"`, fmt.Sprintf("pid %d", os.Getpid()), host, backend.Join(b.Location(), DefaultKey)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("locked error %q does not say %q", err, want)
			}
		}
		if err := l.Check(); err != nil {
			t.Errorf("check of a held lease: %v", err)
		}
		if err := l.Release(ctx()); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Stat(ctx(), DefaultKey); !errors.Is(err, backend.ErrNotExist) {
			t.Errorf("lease object after release: %v", err)
		}
		if err := l.Release(ctx()); err != nil {
			t.Errorf("second release: %v", err)
		}
		l2, err := Acquire(ctx(), open(), DefaultKey, Options{})
		if err != nil {
			t.Fatalf("acquire after release: %v", err)
		}
		l2.Release(ctx())
	})
}

func TestStaleLeases(t *testing.T) {
	host, _ := os.Hostname()
	now := time.Now()
	for _, tc := range []struct {
		name     string
		holder   *Holder // nil: plant garbage
		clock    time.Duration
		opts     Options
		takeover bool
	}{
		{name: "live", holder: &Holder{Host: "other", PID: 1, Expires: now.Add(time.Minute)}},
		{name: "expired within grace", holder: &Holder{Host: "other", PID: 1, Expires: now.Add(-DefaultGrace / 2)}},
		{name: "expired", holder: &Holder{Host: "other", PID: 1, Expires: now.Add(-DefaultGrace - time.Second)}, takeover: true},
		{name: "dead process on this host", holder: &Holder{Host: host, PID: -1, Expires: now.Add(time.Hour)}, takeover: true},
		{name: "dead process, check off", holder: &Holder{Host: host, PID: -1, Expires: now.Add(time.Hour)}, opts: Options{NoPIDCheck: true}},
		{name: "dead pid on another host", holder: &Holder{Host: "other", PID: -1, Expires: now.Add(time.Hour)}},
		{name: "live process on this host", holder: &Holder{Host: host, PID: os.Getppid(), Expires: now.Add(time.Hour)}},
		{name: "garbage, fresh", holder: nil},
		{name: "garbage, old", holder: nil, clock: 2*DefaultTTL + DefaultGrace, takeover: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stores(t, func(t *testing.T, open func() backend.Backend) {
				b := open()
				if tc.holder == nil {
					backend.PutBytes(ctx(), b, DefaultKey, []byte("not json"), backend.Cond{})
				} else {
					h := *tc.holder
					if h.PID == -1 {
						h.PID = deadPID(t)
					}
					plant(t, b, h)
				}
				o := tc.opts
				o.Now = func() time.Time { return time.Now().Add(tc.clock) }
				l, err := Acquire(ctx(), b, DefaultKey, o)
				if !tc.takeover {
					if !errors.Is(err, ErrLocked) {
						t.Fatalf("acquire: %v, want ErrLocked", err)
					}
					return
				}
				if err != nil {
					t.Fatalf("acquire of a stale lease: %v", err)
				}
				if h, _ := readHolder(t, b); h.ID != l.Holder().ID {
					t.Errorf("lease object %+v is not the taker's", h)
				}
				l.Release(ctx())
			})
		})
	}
}

// TestRace: of two runs that take the lease at once, through their own
// handles on the store, exactly one wins, both on a free lease and on a
// stale one.
func TestRace(t *testing.T) {
	stores(t, func(t *testing.T, open func() backend.Backend) {
		rounds := 50
		if testing.Short() {
			rounds = 10
		}
		for _, stale := range []bool{false, true} {
			for round := range rounds {
				if stale {
					plant(t, open(), Holder{Host: "gone", PID: 1, Expires: time.Now().Add(-time.Hour)})
				}
				var wg sync.WaitGroup
				leases := make([]*Lease, 2)
				errs := make([]error, 2)
				start := make(chan struct{})
				for i := range 2 {
					b := open()
					wg.Go(func() {
						<-start
						leases[i], errs[i] = Acquire(ctx(), b, DefaultKey, Options{Command: fmt.Sprint("run ", i)})
					})
				}
				close(start)
				wg.Wait()
				won := 0
				for i := range 2 {
					switch {
					case errs[i] == nil:
						won++
					case !errors.Is(errs[i], ErrLocked):
						t.Fatalf("stale %v round %d: %v", stale, round, errs[i])
					}
				}
				if won != 1 {
					t.Fatalf("stale %v round %d: %d runs took the lease, want exactly 1 (%v)", stale, round, won, errs)
				}
				for _, l := range leases {
					if l != nil {
						if err := l.Release(ctx()); err != nil {
							t.Fatal(err)
						}
					}
				}
			}
		}
	})
}

func TestRenewAndLoss(t *testing.T) {
	stores(t, func(t *testing.T, open func() backend.Backend) {
		b := open()
		ttl := time.Second
		l, err := Acquire(ctx(), b, DefaultKey, Options{TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		first, info := readHolder(t, b)
		// The keep-alive renews it: the object gets a new version with a
		// later expiry, and the same holder. (Waited for, not timed: a
		// loaded machine may be slow to renew.)
		var renewed Holder
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			var info2 backend.Info
			renewed, info2 = readHolder(t, b)
			if info2.ETag != info.ETag {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the keep-alive never renewed the lease")
			}
		}
		if !renewed.Expires.After(first.Expires) || renewed.ID != first.ID {
			t.Errorf("renewal wrote %+v over %+v", renewed, first)
		}
		// Renewals by the caller and by the keep-alive at once do not take
		// each other for a takeover: the caller renews back to back across
		// several of the keep-alive's ticks.
		for start := time.Now(); time.Since(start) < 2*ttl; {
			if err := l.Renew(ctx()); err != nil {
				t.Fatalf("renew: %v", err)
			}
		}
		if err := l.Check(); err != nil {
			t.Fatalf("check after a renewal: %v", err)
		}
		// Another run takes it over (as one would after a long pause of
		// this one).
		plant(t, open(), Holder{Host: "thief", PID: 7, Expires: time.Now().Add(time.Hour)})
		select {
		case <-l.Lost():
		case <-time.After(30 * time.Second):
			t.Fatal("the keep-alive did not notice the takeover")
		}
		if err := l.Check(); !errors.Is(err, ErrLost) {
			t.Errorf("check after takeover: %v, want ErrLost", err)
		}
		if err := l.Renew(ctx()); !errors.Is(err, ErrLost) {
			t.Errorf("renew after takeover: %v, want ErrLost", err)
		}
		if err := l.Release(ctx()); !errors.Is(err, ErrLost) {
			t.Errorf("release after takeover: %v, want ErrLost", err)
		}
		if h, _ := readHolder(t, b); h.Host != "thief" {
			t.Errorf("release removed or changed the new holder's lease: %+v", h)
		}
	})
}

func TestCheckAfterMissedRenewals(t *testing.T) {
	b, err := local.Open(t.TempDir(), local.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	skew := time.Duration(0)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return time.Now().Add(skew) }
	l, err := Acquire(ctx(), b, DefaultKey, Options{TTL: time.Hour, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx())
	mu.Lock()
	skew = 61 * time.Minute // as if the process had been suspended
	mu.Unlock()
	if err := l.Check(); !errors.Is(err, ErrLost) {
		t.Errorf("check an hour past the last renewal: %v, want ErrLost", err)
	}
}

package apiclient

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter paces one source's requests: a token bucket (golang.org/x/time/rate)
// of Rate requests a second and a small burst, plus a pause the API can
// impose (Retry-After, a bucket reported full). Its clock is injectable, so
// tests count requests per window of fake time instead of timing them.
type Limiter struct {
	mu    sync.Mutex
	lim   *rate.Limiter
	until time.Time // no request before this
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// NewLimiter returns a full bucket. A rate of zero or less means no limit
// (a nil *Limiter, which is ready to use).
func NewLimiter(r float64, burst int) *Limiter {
	if r <= 0 {
		return nil
	}
	return &Limiter{lim: rate.NewLimiter(rate.Limit(r), max(1, burst)), now: time.Now, sleep: Sleep}
}

// SetClock makes the limiter read time from now and wait with sleep.
func (l *Limiter) SetClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if now != nil {
		l.now = now
	}
	if sleep != nil {
		l.sleep = sleep
	}
}

// Rate is the current rate.
func (l *Limiter) Rate() float64 {
	if l == nil {
		return 0
	}
	return float64(l.lim.Limit())
}

// Burst is the bucket's size.
func (l *Limiter) Burst() int {
	if l == nil {
		return 0
	}
	return l.lim.Burst()
}

// Wait takes one token, waiting for it when the bucket is empty or the API
// asked for a pause. A cancelled wait gives its token back.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	now := l.now()
	// During a pause the token is taken at its end, so the bucket does not
	// refill behind the pause and release a burst when it is over.
	at := now
	if l.until.After(at) {
		at = l.until
	}
	r := l.lim.ReserveN(at, 1)
	d := r.DelayFrom(now)
	sleep := l.sleep
	l.mu.Unlock()
	if err := sleep(ctx, d); err != nil {
		l.mu.Lock()
		r.CancelAt(l.now())
		l.mu.Unlock()
		return err
	}
	return nil
}

// Lower brings the rate down to what an API says it applies (Amazon's
// x-amzn-RateLimit-Limit); it never raises it, so the configured rate stays
// a ceiling.
func (l *Limiter) Lower(r float64) {
	if l == nil || r <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if rate.Limit(r) < l.lim.Limit() {
		l.lim.SetLimitAt(l.now(), rate.Limit(r))
	}
}

// Pause makes the next request wait at least d: the API said its quota is
// used up, and every request sharing the bucket should hold back, not only
// the one that was refused.
func (l *Limiter) Pause(d time.Duration) {
	if l == nil || d <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if t := l.now().Add(d); t.After(l.until) {
		l.until = t
	}
}

// Sleep waits d or until ctx ends: the real clock's sleep.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

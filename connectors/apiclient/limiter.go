package apiclient

import (
	"context"
	"sync"
	"time"
)

// Limiter is a token bucket: Rate requests a second on average, Burst at
// once. Its clock is time.Now, so tests run it on synctest's fake clock.
type Limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewLimiter returns a full bucket. A rate of zero or less means no limit
// (a nil *Limiter, which is ready to use).
func NewLimiter(rate float64, burst int) *Limiter {
	if rate <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &Limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// Rate is the current rate.
func (l *Limiter) Rate() float64 {
	if l == nil {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

func (l *Limiter) refill(now time.Time) {
	if el := now.Sub(l.last).Seconds(); el > 0 {
		l.tokens = min(l.burst, l.tokens+el*l.rate)
	}
	l.last = now
}

// Wait takes one token, waiting for it when the bucket is empty. Waiters
// queue by reservation, so each is served in turn; a cancelled wait gives
// its token back.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return ctx.Err()
	}
	l.mu.Lock()
	l.refill(time.Now())
	l.tokens--
	var d time.Duration
	if l.tokens < 0 {
		d = time.Duration(-l.tokens / l.rate * float64(time.Second))
	}
	l.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	if err := sleep(ctx, d); err != nil {
		l.mu.Lock()
		l.tokens++
		l.mu.Unlock()
		return err
	}
	return nil
}

// Lower brings the rate down to what an API says it applies (Amazon's
// x-amzn-RateLimit-Limit); it never raises it, so the configured rate stays
// a ceiling.
func (l *Limiter) Lower(rate float64) {
	if l == nil || rate <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if rate < l.rate {
		l.refill(time.Now())
		l.rate = rate
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
	l.refill(time.Now())
	// The next Wait takes a token and waits for the deficit: d.
	if target := 1 - d.Seconds()*l.rate; l.tokens > target {
		l.tokens = target
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
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

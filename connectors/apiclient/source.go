package apiclient

import (
	"context"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/normalize"
)

// paceFactor is the share of the configured rate requests are paced at.
const paceFactor = 0.95

// ForSource builds the client of one pull: the source's HTTP client, clock
// and retry tuning, a limiter at the source's rate (or the connector's
// default) and the source's secret settings registered for redaction.
//
// A rate the source sets is a promise to an API that allows that many
// requests a second: requests are paced at 95% of it with a burst of at
// most the other 5% (at least one), so no second sees more than the rate
// and no 5 s more than the rate plus 10% (under 2 a second, where 10% of
// 5 s is less than one request, the bound is the rate plus one). A
// connector's default keeps its burst, which is the API's own documented
// plan (Amazon's usage plans) or none.
func ForSource(src connectors.APISource, defaultRate float64, burst int) *Client {
	rate := src.RequestsPerSecond
	if rate <= 0 {
		rate = defaultRate
	} else {
		burst = min(burst, max(1, int(rate*(1-paceFactor))))
	}
	// Requests leave a little slower than the rate: an API that counts
	// them per second sees them arrive with network jitter, and a request
	// it refuses costs a Retry-After (often a whole second) while one a
	// few milliseconds later costs 5%.
	rate *= paceFactor
	s := &Secrets{}
	for k, v := range src.Settings {
		if IsSecretSetting(k) {
			s.Add(v)
		}
	}
	t := src.Retry
	c := &Client{
		HTTP: src.HTTP, Limiter: NewLimiter(rate, burst), Secrets: s,
		MaxRetries: t.MaxRetries, BaseDelay: t.BaseDelay, MaxDelay: t.MaxDelay, MaxRetryAfter: t.MaxRetryAfter,
		RequestTimeout: t.RequestTimeout, StallTimeout: t.StallTimeout,
	}
	// Pacing and backoff follow a fake clock only when it can also sleep:
	// a Now without Sleep is a fixed date for tokens and bounds, and a
	// bucket on it would never refill.
	if src.Sleep != nil {
		c.Now, c.Sleep = src.Now, src.Sleep
		c.Limiter.SetClock(src.Now, src.Sleep)
	}
	return c
}

// Sleeper returns the source's sleep, or the real one.
func Sleeper(src connectors.APISource) func(ctx context.Context, d time.Duration) error {
	if src.Sleep != nil {
		return src.Sleep
	}
	return Sleep
}

// IsSecretSetting reports whether a setting holds a secret.
func IsSecretSetting(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "secret") || strings.Contains(n, "token") || strings.Contains(n, "key") || strings.Contains(n, "password")
}

// Require checks that the settings a connector needs are there.
func Require(src connectors.APISource, names ...string) error {
	var missing []string
	for _, n := range names {
		if strings.TrimSpace(src.Settings[n]) == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("source %q: missing setting(s) %s", src.Name, strings.Join(missing, ", "))
	}
	return nil
}

// Yielded remembers the update time of every order a pull has yielded, so
// an order an API returns twice (on two pages, or in two windows) is
// yielded once, and again only when it changed in between.
type Yielded map[string]time.Time

// Fresh reports whether o is new or newer than what was yielded, and
// records it.
func (y Yielded) Fresh(o *normalize.Order) bool {
	if o == nil {
		return true
	}
	if at, seen := y[o.OrderID]; seen && !o.UpdatedAt.After(at) {
		return false
	}
	y[o.OrderID] = o.UpdatedAt
	return true
}

// Windows splits [from, to) into windows of at most size, oldest first.
func Windows(from, to time.Time, size time.Duration) iter.Seq2[time.Time, time.Time] {
	return func(yield func(time.Time, time.Time) bool) {
		for a := from; a.Before(to); a = a.Add(size) {
			b := a.Add(size)
			if b.After(to) {
				b = to
			}
			if !yield(a, b) {
				return
			}
		}
	}
}

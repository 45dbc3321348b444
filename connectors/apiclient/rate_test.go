package apiclient

import (
	"context"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
)

// fakeClock sleeps by moving on.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.t = c.t.Add(d)
	}
	return ctx.Err()
}

// TestConfiguredRateHoldsInEvery5s: whatever the burst a connector asks
// for, a configured rate of 2 a second or more is never exceeded by more
// than 10% in any 5 s, pauses included; counted on a fake clock, not timed.
func TestConfiguredRateHoldsInEvery5s(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
	}{{5, 5}, {2, 4}, {20, 40}, {0.5, 30}, {1000, 20}} {
		clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		c := ForSource(connectors.APISource{RequestsPerSecond: tc.rate, Now: clock.now, Sleep: clock.sleep}, 1, tc.burst)
		var times []time.Time
		for i := range 2000 {
			if err := c.Limiter.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
			times = append(times, clock.t)
			if i%97 == 0 {
				c.Limiter.Pause(3 * time.Second) // a Retry-After
			}
			if i%13 == 0 {
				clock.t = clock.t.Add(700 * time.Millisecond) // work between calls
			}
		}
		limit := int(tc.rate*5*1.1 + 1e-9)
		if tc.rate < 2 {
			// Below 2 a second, 10% of 5 s is less than one request: the
			// bound is then the bucket's own, one request plus the rate.
			limit = 1 + int(tc.rate*5)
		}
		j, worst := 0, 0
		for i := range times {
			for times[i].Sub(times[j]) >= 5*time.Second {
				j++
			}
			worst = max(worst, i-j+1)
		}
		if worst > max(limit, 1) {
			t.Errorf("rate %v burst %d: %d requests in 5 s, at most %d allowed", tc.rate, tc.burst, worst, limit)
		}
	}
}

// TestShortLivedTokenIsNotRefreshedEveryCall: a token that lives 15 s is
// used for most of its life, not refreshed before every call because the
// usual two-minute margin is longer than its life.
func TestShortLivedTokenIsNotRefreshedEveryCall(t *testing.T) {
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	n := 0
	tk := &Tokens{Store: &connectors.MemoryTokenStore{}, Initial: "TG-1", Now: clock.now,
		Exchange: func(ctx context.Context, rt string) (connectors.Token, error) {
			n++
			return connectors.Token{AccessToken: "APP-" + rt, RefreshToken: rt + "x", ExpiresAt: clock.t.Add(15 * time.Second)}, nil
		}}
	for range 60 { // a minute, a call a second
		if _, err := tk.Access(t.Context()); err != nil {
			t.Fatal(err)
		}
		clock.t = clock.t.Add(time.Second)
	}
	if n < 4 || n > 6 {
		t.Errorf("%d refreshes in a minute of 15 s tokens, want about 5", n)
	}
}

package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient/apitest"
)

func get(url string) func() (*http.Request, error) {
	return func() (*http.Request, error) { return http.NewRequest(http.MethodGet, url, nil) }
}

// script answers the n-th request with steps[n] (the last one repeats).
func script(calls *atomic.Int32, steps ...func(w http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(calls.Add(1)) - 1
		steps[min(n, len(steps)-1)](w)
	})
}

func status(code int, hdr ...string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		fmt.Fprint(w, `{"message":"nope"}`)
	}
}

func ok(body string) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) { fmt.Fprint(w, body) }
}

func TestRetryAfterSeconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := &Client{HTTP: apitest.Client(script(&calls, status(429, "Retry-After", "7"), status(429, "Retry-After", "7"), ok(`{"a":1}`)))}
		start := time.Now()
		var out struct{ A int }
		if _, err := c.Do(t.Context(), get("http://api.test/x"), &out); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 14*time.Second {
			t.Errorf("waited %s, want exactly the 14s Retry-After asked for", got)
		}
		if calls.Load() != 3 || out.A != 1 {
			t.Errorf("calls %d, out %+v", calls.Load(), out)
		}
	})
}

func TestRetryAfterHTTPDate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		at := time.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
		c := &Client{HTTP: apitest.Client(script(&calls, status(503, "Retry-After", at), ok(`{}`)))}
		start := time.Now()
		if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 30*time.Second {
			t.Errorf("waited %s, want 30s", got)
		}
	})
}

func TestRetryAfterTooLongIsQuotaError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := &Client{HTTP: apitest.Client(script(&calls, status(429, "Retry-After", "86400")))}
		_, err := c.Do(t.Context(), get("http://api.test/x"), nil)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindQuota || e.RetryAfter != 24*time.Hour || !errors.Is(err, ErrQuota) {
			t.Fatalf("err = %v", err)
		}
		if calls.Load() != 1 || Class(err) != "quota" {
			t.Errorf("calls %d class %q", calls.Load(), Class(err))
		}
	})
}

func TestBackoffExponentialCapped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := &Client{
			HTTP:      apitest.Client(script(&calls, status(500), status(502), status(503), status(504), status(500), ok(`{}`))),
			BaseDelay: time.Second, MaxDelay: 4 * time.Second,
			Jitter: func() float64 { return 1 }, // the ceiling itself
		}
		start := time.Now()
		if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil {
			t.Fatal(err)
		}
		// 1 + 2 + 4 + 4 + 4: doubling, then capped.
		if got := time.Since(start); got != 15*time.Second {
			t.Errorf("waited %s, want 15s", got)
		}
	})
}

func TestBackoffFullJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := &Client{HTTP: apitest.Client(script(&calls, status(500), status(500), status(500), ok(`{}`))), BaseDelay: time.Second}
		start := time.Now()
		if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got >= 7*time.Second {
			t.Errorf("waited %s, more than the ceilings 1+2+4s", got)
		}
	})
}

func TestRetriesExhausted(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		c := &Client{HTTP: apitest.Client(script(&calls, status(503))), MaxRetries: 3}
		_, err := c.Do(t.Context(), get("http://api.test/x"), nil)
		var e *Error
		if !errors.As(err, &e) || e.Kind != KindNetwork || e.Status != 503 || !errors.Is(err, ErrNetwork) {
			t.Fatalf("err = %v", err)
		}
		if calls.Load() != 4 {
			t.Errorf("calls = %d, want 1 + 3 retries", calls.Load())
		}
	})
}

func TestClientErrorsAreNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, code := range []int{400, 404, 422} {
			var calls atomic.Int32
			c := &Client{HTTP: apitest.Client(script(&calls, status(code)))}
			_, err := c.Do(t.Context(), get("http://api.test/x"), nil)
			if !errors.Is(err, ErrData) || calls.Load() != 1 {
				t.Errorf("%d: err %v after %d calls", code, err, calls.Load())
			}
		}
	})
}

func TestRefreshOnceOn401(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		refreshes := 0
		c := &Client{
			HTTP:    apitest.Client(script(&calls, status(401), ok(`{}`))),
			Refresh: func(context.Context) error { refreshes++; return nil },
		}
		if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil || refreshes != 1 {
			t.Fatalf("err %v, refreshes %d", err, refreshes)
		}
		calls.Store(0)
		refreshes = 0
		c.HTTP = apitest.Client(script(&calls, status(401)))
		_, err := c.Do(t.Context(), get("http://api.test/x"), nil)
		if !errors.Is(err, ErrAuth) || refreshes != 1 || calls.Load() != 2 || Class(err) != "auth" {
			t.Fatalf("err %v, refreshes %d, calls %d", err, refreshes, calls.Load())
		}
	})
}

func TestCheckBodyErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		refreshes := 0
		c := &Client{
			HTTP:    apitest.Client(script(&calls, ok(`{"error":"invalid_access_token"}`), ok(`{"error":"error_busy"}`), ok(`{"error":""}`))),
			Refresh: func(context.Context) error { refreshes++; return nil },
			Check: func(_ *http.Response, body []byte) error {
				switch {
				case strings.Contains(string(body), "access_token"):
					return &Error{Kind: KindAuth}
				case strings.Contains(string(body), "busy"):
					return &Error{Kind: KindQuota}
				}
				return nil
			},
		}
		if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil || refreshes != 1 || calls.Load() != 3 {
			t.Fatalf("err %v refreshes %d calls %d", err, refreshes, calls.Load())
		}
	})
}

func TestBadBodies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for name, body := range map[string]string{
			"truncated": `{"results":[{"id":1},`,
			"malformed": `{"results":[}`,
			"trailing":  `{"results":[]} {"x":1}`,
			"empty":     ``,
			"html":      `<html>busy</html>`,
		} {
			// Once: retried, and the second answer is used.
			var calls atomic.Int32
			c := &Client{HTTP: apitest.Client(script(&calls, ok(body), ok(`{"results":[1]}`)))}
			var out struct{ Results []any }
			if _, err := c.Do(t.Context(), get("http://api.test/x"), &out); err != nil || calls.Load() != 2 || len(out.Results) != 1 {
				t.Errorf("%s once: err %v after %d calls, %d results", name, err, calls.Load(), len(out.Results))
			}
			// Always: a data error after the retries, never a short list.
			calls.Store(0)
			c = &Client{HTTP: apitest.Client(script(&calls, ok(body))), MaxRetries: 2}
			out.Results = nil
			_, err := c.Do(t.Context(), get("http://api.test/x"), &out)
			if !errors.Is(err, ErrData) || calls.Load() != 3 {
				t.Errorf("%s always: err %v after %d calls", name, err, calls.Load())
			}
		}
		var calls atomic.Int32
		c := &Client{HTTP: apitest.Client(script(&calls, ok(`{"a":"`+strings.Repeat("x", 2000)+`"}`))), MaxBody: 1000}
		if _, err := c.Do(t.Context(), get("http://api.test/x"), &struct{}{}); !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "larger than") {
			t.Errorf("oversized: %v", err)
		}
	})
}

type failing struct{}

func (failing) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

func TestSecretsNeverInErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		secrets := &Secrets{}
		secrets.Add("APP_USR-secret-access")
		c := &Client{HTTP: &http.Client{Transport: failing{}}, MaxRetries: -1, Secrets: secrets}
		_, err := c.Do(t.Context(), get("http://api.test/x?access_token=APP_USR-secret-access&sign=deadbeef99&shop_id=7"), nil)
		if err == nil || strings.Contains(err.Error(), "APP_USR") || strings.Contains(err.Error(), "deadbeef99") || !strings.Contains(err.Error(), "shop_id=7") {
			t.Fatalf("err = %v", err)
		}
		var calls atomic.Int32
		c = &Client{HTTP: apitest.Client(script(&calls, func(w http.ResponseWriter) {
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"bad token APP_USR-secret-access","raw":"client_secret=abc"}`)
		})), Secrets: secrets}
		_, err = c.Do(t.Context(), get("http://api.test/x"), nil)
		if err == nil || strings.Contains(err.Error(), "APP_USR") || strings.Contains(err.Error(), "client_secret") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLimiterPacing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		var times []time.Duration
		start := time.Now()
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			times = append(times, time.Since(start))
		})
		c := &Client{HTTP: apitest.Client(h), Limiter: NewLimiter(10, 1)}
		for range 21 {
			if _, err := c.Do(t.Context(), get("http://api.test/x"), nil); err != nil {
				t.Fatal(err)
			}
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("21 requests at 10/s took %s, want 2s", got)
		}
		for i := 1; i < len(times); i++ {
			if d := times[i] - times[i-1]; d < 100*time.Millisecond {
				t.Errorf("requests %d and %d only %s apart", i-1, i, d)
			}
		}
	})
}

func TestLimiterBurstAndLower(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := NewLimiter(1, 5)
		start := time.Now()
		for range 5 {
			if err := l.Wait(t.Context()); err != nil {
				t.Fatal(err)
			}
		}
		if time.Since(start) != 0 {
			t.Fatalf("a full bucket of 5 waited %s", time.Since(start))
		}
		l.Lower(0.5)
		l.Lower(100) // never raised
		if err := l.Wait(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := time.Since(start); got != 2*time.Second {
			t.Errorf("after lowering to 0.5/s waited %s, want 2s", got)
		}
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		if err := l.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("a wait longer than the context: %v", err)
		}
	})
}

func TestTokensSaveBeforeUse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &connectors.MemoryTokenStore{}
		n := 0
		tk := &Tokens{
			Store: store, Initial: "TG-0",
			Exchange: func(ctx context.Context, rt string) (connectors.Token, error) {
				n++
				return connectors.Token{AccessToken: fmt.Sprintf("AT-%d", n), RefreshToken: fmt.Sprintf("TG-%d", n), ExpiresAt: time.Now().Add(time.Hour)}, nil
			},
		}
		at, err := tk.Access(t.Context())
		if err != nil || at != "AT-1" {
			t.Fatalf("%q %v", at, err)
		}
		if saved, _, _ := store.Load(t.Context()); saved.RefreshToken != "TG-1" {
			t.Fatalf("saved %+v", saved)
		}
		time.Sleep(59 * time.Minute) // inside the margin
		if at, _ := tk.Access(t.Context()); at != "AT-2" {
			t.Errorf("a token about to expire was not refreshed: %q", at)
		}
		store.SaveErr = errors.New("disk full")
		if err := tk.Refresh(t.Context()); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("a failed save must fail the refresh: %v", err)
		}
		if at, _ := tk.Access(t.Context()); at != "AT-2" {
			t.Errorf("an unsaved token was handed out: %q", at)
		}
	})
}

func TestTokensSaveSurvivesCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &connectors.MemoryTokenStore{}
		ctx, cancel := context.WithCancel(t.Context())
		tk := &Tokens{Store: store, Initial: "TG-0", Exchange: func(context.Context, string) (connectors.Token, error) {
			cancel() // the job is killed while the refresh is in flight
			return connectors.Token{AccessToken: "AT-1", RefreshToken: "TG-1"}, nil
		}}
		tk.Access(ctx)
		if saved, ok, _ := store.Load(t.Context()); !ok || saved.RefreshToken != "TG-1" {
			t.Fatalf("the rotated token was lost: %+v", saved)
		}
	})
}

func TestOAuthRefreshInvalidGrant(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(400)
		fmt.Fprint(w, `{"error":"invalid_grant","error_description":"refresh token may be expired or it was already used","status":400}`)
	}))
	defer srv.Close()
	_, err := OAuthRefresh(t.Context(), &Client{}, srv.URL, map[string][]string{"refresh_token": {"TG-secret-refresh"}}, time.Now())
	if !errors.Is(err, ErrAuth) || !strings.Contains(err.Error(), "invalid_grant") || strings.Contains(err.Error(), "TG-secret") {
		t.Fatalf("err = %v", err)
	}
}

func TestRetryAfterParse(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"1.5":                           1500 * time.Millisecond,
		"-1":                            0,
		"Sun, 01 Mar 2026 12:00:20 GMT": 20 * time.Second,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0,
		"soon":                          0,
	} {
		h := http.Header{}
		h.Set("Retry-After", v)
		if got := RetryAfter(h, now); got != want {
			t.Errorf("%q: %s, want %s", v, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, _ := http.NewRequest("GET", "https://u:pw@h/p?access_token=a&sign=b&Key=c&x=1", nil)
	got := RedactURL(u.URL)
	for _, s := range []string{"pw", "=a", "=b", "=c"} {
		if strings.Contains(got, s) {
			t.Errorf("%s leaks %q", got, s)
		}
	}
}

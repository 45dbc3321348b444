package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const goodBody = `{"results":[1,2,3],"paging":{"total":3}}`

// fault answers the first n requests with a broken response, the rest
// with goodBody, over a real loopback connection.
func faulty(t *testing.T, n int32, broken func(w http.ResponseWriter, r *http.Request)) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= n {
			broken(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, goodBody)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

func hijack(w http.ResponseWriter) net.Conn {
	c, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	return c
}

func quick(srv *httptest.Server) *Client {
	return &Client{HTTP: srv.Client(), BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond,
		StallTimeout: 100 * time.Millisecond, RequestTimeout: 2 * time.Second}
}

// TestTransientFaultsRetried: each way a real connection fails mid-answer
// is retried, and the answer that finally comes whole is the one used.
func TestTransientFaultsRetried(t *testing.T) {
	faults := map[string]func(w http.ResponseWriter, r *http.Request){
		// Content-Length promises more than arrives.
		"short of Content-Length": func(w http.ResponseWriter, r *http.Request) {
			c := hijack(w)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(goodBody), goodBody[:10])
			c.Close()
		},
		// A proxy that cuts the body and fixes the length to match.
		"cut with matching length": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "10")
			fmt.Fprint(w, goodBody[:10])
		},
		"chunked, closed early": func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, goodBody[:12])
			http.NewResponseController(w).Flush()
			panic(http.ErrAbortHandler)
		},
		"reset mid-body": func(w http.ResponseWriter, r *http.Request) {
			c := hijack(w)
			fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(goodBody), goodBody[:8])
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		},
		"reset before the answer": func(w http.ResponseWriter, r *http.Request) {
			c := hijack(w)
			c.(*net.TCPConn).SetLinger(0)
			c.Close()
		},
		"stalled body": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(len(goodBody)))
			fmt.Fprint(w, goodBody[:5])
			http.NewResponseController(w).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		},
		"HTML page with 200": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
		},
		"HTML page with 502": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, "<html><body>502 Bad Gateway</body></html>")
		},
		"429 without Retry-After": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) },
	}
	for name, broken := range faults {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv, calls := faulty(t, 2, broken)
			var out struct{ Results []int }
			if _, err := quick(srv).Do(t.Context(), get(srv.URL+"/x"), &out); err != nil {
				t.Fatal(err)
			}
			if len(out.Results) != 3 || calls.Load() != 3 {
				t.Errorf("%d results after %d calls", len(out.Results), calls.Load())
			}
		})
	}
}

// TestSlowButSteadyBodyIsNotAStall: the stall deadline is about silence,
// not about the body's total time.
func TestSlowButSteadyBodyIsNotAStall(t *testing.T) {
	srv, calls := faulty(t, 1, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(len(goodBody)))
		for i := range len(goodBody) {
			fmt.Fprint(w, goodBody[i:i+1])
			http.NewResponseController(w).Flush()
			time.Sleep(10 * time.Millisecond)
		}
	})
	c := quick(srv)
	c.StallTimeout = 80 * time.Millisecond
	var out struct{ Results []int }
	if _, err := c.Do(t.Context(), get(srv.URL+"/x"), &out); err != nil || calls.Load() != 1 || len(out.Results) != 3 {
		t.Fatalf("err %v after %d calls", err, calls.Load())
	}
}

func TestStallAndDeadlineErrorsSayWhat(t *testing.T) {
	srv, _ := faulty(t, 100, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		fmt.Fprint(w, "{")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	c := quick(srv)
	c.MaxRetries = 1
	_, err := c.Do(t.Context(), get(srv.URL+"/x"), &struct{}{})
	if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "stalled") || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Errorf("stall: %v", err)
	}
	if strings.Contains(err.Error(), "network") {
		t.Errorf("the error names its class itself, which the report adds again: %v", err)
	}
	c.StallTimeout, c.RequestTimeout = time.Second, 150*time.Millisecond
	_, err = c.Do(t.Context(), get(srv.URL+"/x"), &struct{}{})
	if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "no complete response within 150ms") {
		t.Errorf("deadline: %v", err)
	}
}

// TestRetryAfterBudget: waits asked for add up over a call; the one that
// would pass the budget ends the call with a quota error saying when to
// try again, without waiting.
func TestRetryAfterBudget(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "120")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	clock := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	var slept time.Duration
	c := &Client{HTTP: srv.Client(), Now: func() time.Time { return clock },
		Sleep: func(ctx context.Context, d time.Duration) error { slept += d; clock = clock.Add(d); return nil }}
	_, err := c.Do(t.Context(), get(srv.URL+"/x"), nil)
	var e *Error
	if !errors.As(err, &e) || e.Kind != KindQuota || calls.Load() != 3 || slept != 4*time.Minute {
		t.Fatalf("err %v after %d calls, slept %s", err, calls.Load(), slept)
	}
	if want := "try again after 2026-03-01 02:06 UTC"; !strings.Contains(err.Error(), want) {
		t.Errorf("%v does not say %q", err, want)
	}
}

// TestRedirectsKeepCredentials: a redirect on the same host is followed
// with the request's credentials; one to another host is refused before
// anything is sent there, and a token endpoint follows none.
func TestRedirectsKeepCredentials(t *testing.T) {
	var leaked atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		fmt.Fprint(w, goodBody)
	}))
	defer other.Close()
	var sawAuth atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/final", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/steal?x=1", http.StatusTemporaryRedirect)
		case "/final":
			if r.Header.Get("x-amz-access-token") == "tok-123456" {
				sawAuth.Add(1)
			}
			fmt.Fprint(w, goodBody)
		}
	}))
	defer srv.Close()
	withToken := func(u string) func() (*http.Request, error) {
		return func() (*http.Request, error) {
			r, err := http.NewRequest(http.MethodGet, u, nil)
			r.Header.Set("x-amz-access-token", "tok-123456")
			return r, err
		}
	}
	c := quick(srv)
	if _, err := c.Do(t.Context(), withToken(srv.URL+"/same"), &struct{}{}); err != nil || sawAuth.Load() != 1 {
		t.Fatalf("same-host redirect: %v, token seen %d", err, sawAuth.Load())
	}
	_, err := c.Do(t.Context(), withToken(srv.URL+"/away"), &struct{}{})
	if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "credentials are only sent to") {
		t.Errorf("cross-host redirect: %v", err)
	}
	c.NoRedirect = true
	_, err = c.Do(t.Context(), withToken(srv.URL+"/same"), &struct{}{})
	if !errors.Is(err, ErrData) || !strings.Contains(err.Error(), "follow no redirect") {
		t.Errorf("token endpoint redirect: %v", err)
	}
	if leaked.Load() != 0 {
		t.Errorf("%d requests reached the other host", leaked.Load())
	}
}

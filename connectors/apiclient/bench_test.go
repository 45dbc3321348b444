package apiclient

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// BenchmarkPullRateLimited pulls from a local server that enforces N req/s
// the way APIs do, with a token bucket (burst 2, to absorb loopback jitter)
// that answers 429 when empty, with the client paced at N req/s: the
// achieved rate should be close to N and the server should refuse nothing.
func BenchmarkPullRateLimited(b *testing.B) {
	const rps = 50
	var (
		mu          sync.Mutex
		first, last time.Time
		served      int
		refused     int
	)
	tokens, filled := 2.0, time.Now()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now()
		tokens = min(2, tokens+now.Sub(filled).Seconds()*rps)
		filled = now
		if tokens < 1 {
			refused++
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		tokens--
		if served == 0 {
			first = now
		}
		last = now
		served++
		w.Write([]byte(`{"results":[],"paging":{"total":0}}`))
	}))
	defer srv.Close()
	c := &Client{HTTP: srv.Client(), Limiter: NewLimiter(rps, 1)}
	// The first request also opens the connection; counting from it would
	// make the rate look higher than it is.
	if _, err := c.Do(b.Context(), get(srv.URL+"/orders/search"), nil); err != nil {
		b.Fatal(err)
	}
	mu.Lock()
	served = 0
	mu.Unlock()
	b.ResetTimer()
	for b.Loop() {
		var page struct{ Results []any }
		if _, err := c.Do(b.Context(), get(srv.URL+"/orders/search"), &page); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	mu.Lock()
	defer mu.Unlock()
	if served > 1 {
		b.ReportMetric(float64(served-1)/last.Sub(first).Seconds(), "req/s")
	}
	b.ReportMetric(float64(refused), "refused")
}

package pullertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
)

// Bench pulls orders orders from p's fake behind a server that allows rps
// requests in any second per rate bucket (and answers 429 with
// Retry-After: 1 past that),
// with the source configured at rps, on the real clock. It reports the orders and requests a second reached and how many
// requests the server refused: a puller that paces itself well reaches
// close to rps with no refusals.
func Bench(b *testing.B, p Puller, rps float64, orders int) {
	clock := NewClock(T0.Add(60 * 24 * time.Hour))
	env := &Env{Store: &Store{}, Tokens: NewTokens(clock, "refresh-initial", p.Rotating, 6*time.Hour), Clock: clock}
	for i := range orders {
		created := T0.Add(time.Duration(i) * 40 * 24 * time.Hour / time.Duration(max(orders, 1)))
		env.Store.Put(Order{ID: p.NewID(i), Created: created, Updated: created.Add(time.Minute), Status: p.Statuses[0]})
	}
	api := p.API(env)
	var mu sync.Mutex
	recent := map[string][]time.Time{} // per rate bucket, requests served in the last second
	served, refused := 0, 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.IsToken(r) {
			mu.Lock()
			now, key := time.Now(), p.RateKey(r)
			for len(recent[key]) > 0 && now.Sub(recent[key][0]) >= time.Second {
				recent[key] = recent[key][1:]
			}
			if float64(len(recent[key])) >= rps {
				refused++
				mu.Unlock()
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			recent[key] = append(recent[key], now)
			served++
			mu.Unlock()
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	settings := map[string]string{}
	for k, v := range p.Settings {
		settings[k] = v
	}
	if p.Refresh {
		settings["refresh_token"] = "refresh-initial"
	}
	src := connectors.APISource{
		Name: "bench", Account: "bench", BaseURL: srv.URL, Settings: settings,
		Since: T0, Until: clock.Now().Add(-5 * time.Minute),
		Tokens: &connectors.MemoryTokenStore{}, HTTP: srv.Client(), RequestsPerSecond: rps, Now: clock.Now,
	}
	pulled := 0
	start := time.Now()
	for b.Loop() {
		n := 0
		for rec, err := range p.Connector.Pull(b.Context(), src) {
			if err != nil {
				b.Fatal(err)
			}
			if rec.Order != nil {
				n++
			}
		}
		if n != orders {
			b.Fatal(fmt.Sprintf("pulled %d orders of %d", n, orders))
		}
		pulled += n
	}
	el := time.Since(start).Seconds()
	mu.Lock()
	defer mu.Unlock()
	b.ReportMetric(float64(pulled)/el, "orders/s")
	b.ReportMetric(float64(served)/el, "req/s")
	b.ReportMetric(float64(refused), "refused")
}

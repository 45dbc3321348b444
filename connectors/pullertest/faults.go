package pullertest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Fault is one way a response goes wrong.
type Fault int

const (
	None              Fault = iota
	TooMany                 // 429 with a short Retry-After
	TooManyForHours         // 429 asking to come back in a day
	ServerError             // a burst of 500, 502, 503
	ResetMidBody            // TCP reset after part of the body
	ShortOfLength           // the connection closes before Content-Length bytes
	CutWithLength           // a cut body whose Content-Length matches it
	SlowBody                // the body stalls past the stall deadline
	HTMLPage                // a proxy's HTML page with status 200
	RedirectElsewhere       // 307 to another host
	numFaults
)

var faultNames = [...]string{"none", "429", "429 for a day", "5xx burst", "reset mid-body", "short of Content-Length", "cut with matching length", "slow body", "HTML page", "redirect to another host"}

func (f Fault) String() string { return faultNames[f] }

// stallFor is how long a slow body stalls; the suite's stall deadline is
// shorter.
const (
	stallFor     = 150 * time.Millisecond
	stallTimeout = 40 * time.Millisecond
)

// faulty wraps a fake API: it injects faults into the responses of
// requests plan picks, counts requests per rate bucket on the fake clock,
// and sends redirects to elsewhere, which counts whatever reaches it.
type faulty struct {
	next      http.Handler
	clock     *Clock
	rateKey   func(r *http.Request) string
	isToken   func(r *http.Request) bool
	plan      func(r *http.Request) Fault
	burst     int // 5xx left in the current burst
	mu        sync.Mutex
	times     map[string][]time.Time
	injected  map[Fault]int
	elsewhere *httptest.Server
	leaked    int
}

func newFaulty(next http.Handler, clock *Clock, isToken func(*http.Request) bool, key func(*http.Request) string) *faulty {
	f := &faulty{next: next, clock: clock, rateKey: key, isToken: isToken, times: map[string][]time.Time{}, injected: map[Fault]int{}}
	f.elsewhere = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.leaked++
		f.mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	return f
}

func (f *faulty) Close() { f.elsewhere.Close() }

// Leaked is how many requests reached the other host.
func (f *faulty) Leaked() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.leaked
}

func (f *faulty) Injected() map[Fault]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[Fault]int{}
	for k, v := range f.injected {
		out[k] = v
	}
	return out
}

func (f *faulty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	token := f.isToken(r)
	f.mu.Lock()
	if key := f.rateKey(r); key != "" && !token {
		f.times[key] = append(f.times[key], f.clock.Now())
	}
	fault := None
	switch {
	case f.burst > 0:
		fault, f.burst = ServerError, f.burst-1
		if f.burst == 0 {
			f.burst = -1 // one good answer before the next burst
		}
	case f.burst < 0:
		f.burst = 0
	case f.plan != nil:
		fault = f.plan(r)
		if fault == ServerError {
			f.burst = 1 + rand.IntN(4) // 2 to 5 in a row
		}
	}
	// A token endpoint that failed after rotating would lock any client
	// out; real ones fail before. Only faults that leave the request
	// unprocessed reach it.
	if token && fault != None && fault != TooMany && fault != ServerError {
		fault = None
	}
	if fault != None {
		f.injected[fault]++
	}
	f.mu.Unlock()
	switch fault {
	case None:
		f.next.ServeHTTP(w, r)
		return
	case TooMany:
		w.Header().Set("Retry-After", strconv.Itoa(1+rand.IntN(3)))
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message":"too many requests"}`)
		return
	case TooManyForHours:
		w.Header().Set("Retry-After", "86400")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"message":"daily quota exceeded"}`)
		return
	case ServerError:
		w.WriteHeader([]int{500, 502, 503}[rand.IntN(3)])
		fmt.Fprint(w, `{"message":"internal error"}`)
		return
	case HTMLPage:
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>")
		return
	case RedirectElsewhere:
		http.Redirect(w, r, f.elsewhere.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		return
	}
	// The rest damage the real answer.
	rec := httptest.NewRecorder()
	f.next.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	half := len(body) / 2
	switch fault {
	case CutWithLength:
		copyHeader(w, rec)
		w.Header().Set("Content-Length", strconv.Itoa(half))
		w.WriteHeader(rec.Code)
		w.Write(body[:half])
	case SlowBody:
		copyHeader(w, rec)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:half])
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
			return
		case <-time.After(stallFor):
		}
		w.Write(body[half:])
	case ShortOfLength, ResetMidBody:
		c, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		var head bytes.Buffer
		fmt.Fprintf(&head, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", rec.Code, http.StatusText(rec.Code), len(body))
		c.Write(head.Bytes())
		c.Write(body[:half])
		if tc, ok := c.(*net.TCPConn); ok && fault == ResetMidBody {
			tc.SetLinger(0)
		}
		c.Close()
	}
}

func copyHeader(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
}

// worstWindow is the most requests of one bucket in any span of width
// (sliding: every span that starts at a request).
func worstWindow(times []time.Time, width time.Duration) int {
	worst := 0
	j := 0
	for i := range times {
		for times[i].Sub(times[j]) >= width {
			j++
		}
		worst = max(worst, i-j+1)
	}
	return worst
}

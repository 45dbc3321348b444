package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Defaults for a zero Client. DefaultMaxRetryAfter is the most a call waits
// in total on what the API asks (Retry-After): a nightly job should not sit
// for hours on one request, and an API that asks for longer is better asked
// again on the next run, which the quota error says when to do.
const (
	DefaultMaxRetries     = 8
	DefaultBaseDelay      = 500 * time.Millisecond
	DefaultMaxDelay       = 30 * time.Second
	DefaultMaxBody        = 64 << 20
	DefaultMaxRetryAfter  = 5 * time.Minute
	DefaultRequestTimeout = 2 * time.Minute
	DefaultStallTimeout   = 30 * time.Second
	maxRedirects          = 5
)

// Client sends one source's API calls. Build one per pull: the limiter and
// the refresh state belong to one seller account.
//
// What is retried, with exponential backoff and full jitter: 5xx, 429,
// connection failures and resets, an attempt that outlives RequestTimeout,
// a body that stalls for StallTimeout, a body cut short (shorter than its
// Content-Length, closed early, or JSON that ends too soon) and an HTML
// page where JSON was expected (a proxy's error page). The backoff is the
// few lines of backoff() rather than a package: full jitter with an
// injectable random source and clock is what the tests need to run without
// real time, and a backoff package would add neither.
type Client struct {
	HTTP    *http.Client // nil: DefaultHTTP
	Limiter *Limiter     // nil: no pacing
	// MaxRetries is how often a transient failure is retried; 0 means
	// DefaultMaxRetries, a negative value none.
	MaxRetries int
	BaseDelay  time.Duration // first backoff ceiling; 0: DefaultBaseDelay
	MaxDelay   time.Duration // backoff ceiling; 0: DefaultMaxDelay
	// MaxRetryAfter is the most one call waits in total on Retry-After; an
	// API asking for more ends the call with a quota error that says when
	// to try again. 0: DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// RequestTimeout bounds one attempt, body included; StallTimeout is how
	// long a body may go without a byte. 0: the defaults.
	RequestTimeout, StallTimeout time.Duration
	MaxBody                      int64 // response size cap; 0: DefaultMaxBody
	// NoRedirect refuses every redirect: a token endpoint that redirects
	// would have the client secret and refresh token posted elsewhere.
	// Other calls follow redirects on the same host only.
	NoRedirect bool
	// Refresh gets a new access token. It is called at most once per call,
	// on a 401 or when Check says the token is bad, and the request is then
	// built again and sent.
	Refresh func(ctx context.Context) error
	// Check inspects a 2xx body for errors the API reports inside it
	// (Shopee answers 200 with "error" set). An *Error of KindAuth leads to
	// Refresh, KindQuota and KindNetwork are retried.
	Check func(resp *http.Response, body []byte) error
	// Observe sees every response's headers, to follow rate-limit headers.
	Observe func(h http.Header)
	Secrets *Secrets
	// Jitter returns a number in [0, 1); nil means math/rand/v2.
	Jitter func() float64
	// Now and Sleep are the clock of backoff and Retry-After; nil means
	// the real one. Deadlines always run on the real clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultHTTP is used when Client.HTTP is nil: it bounds the phases before
// a response, since a nightly job must not hang on a stalled connection.
// The whole attempt is bounded by Client.RequestTimeout.
var DefaultHTTP = &http.Client{
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 90 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	},
}

func (c *Client) maxRetries() int {
	switch {
	case c.MaxRetries < 0:
		return 0
	case c.MaxRetries == 0:
		return DefaultMaxRetries
	}
	return c.MaxRetries
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Client) sleep(ctx context.Context, d time.Duration) error {
	if c.Sleep != nil {
		return c.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Do sends the request req builds, retrying transient failures (see
// Client) with backoff, and decodes a 2xx JSON body into into (unless into
// is nil) with numbers kept as json.Number. req is called for every
// attempt, so a retried request carries a fresh signature and the current
// token. The returned response's body is already read and closed; its
// headers are there for paging links. Errors are *Error, or the context's
// error.
func (c *Client) Do(ctx context.Context, req func() (*http.Request, error), into any) (*http.Response, error) {
	refreshed := false
	retries := 0
	var waited time.Duration // on Retry-After, over the whole call
	for {
		if err := c.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		r, err := req()
		if err != nil {
			return nil, err
		}
		resp, body, err := c.send(ctx, r)
		if err == nil {
			if c.Observe != nil {
				c.Observe(resp.Header)
			}
			err = c.judge(r, resp, body, into)
		}
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		e, ok := err.(*Error)
		if !ok {
			return resp, err
		}
		switch {
		case e.Kind == KindAuth:
			if c.Refresh != nil && !refreshed && e.Status != http.StatusForbidden {
				refreshed = true
				if err := c.Refresh(ctx); err != nil {
					return resp, err
				}
				continue
			}
			return resp, e
		case !e.transient:
			return resp, e
		case e.RetryAfter > 0 && waited+e.RetryAfter > c.maxRetryAfter():
			// The API asked for a longer wait than a run should sit
			// through: stop, and say when to come back.
			q := *e
			q.Kind = KindQuota
			q.RetryAt = c.now().Add(e.RetryAfter)
			return resp, &q
		case retries >= c.maxRetries():
			e.Message += fmt.Sprintf(" (gave up after %d attempts)", retries+1)
			return resp, e
		}
		d := c.backoff(retries)
		if e.RetryAfter > 0 {
			d = e.RetryAfter
			waited += d
			// Other requests on this bucket hold back too.
			c.Limiter.Pause(d)
		}
		if err := c.sleep(ctx, d); err != nil {
			return nil, err
		}
		retries++
	}
}

// judge turns an answer into nil, or the *Error it is.
func (c *Client) judge(r *http.Request, resp *http.Response, body []byte, into any) error {
	if e := c.statusError(resp, body); e != nil {
		return e
	}
	if c.Check != nil {
		if err := c.Check(resp, body); err != nil {
			e, ok := err.(*Error)
			if !ok {
				return err
			}
			e.Message = c.Secrets.Clean(e.Message)
			e.transient = e.transient || e.Kind == KindQuota || e.Kind == KindNetwork
			return e
		}
	}
	if into == nil {
		return nil
	}
	return c.decode(r, resp, body, into)
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

var (
	errStalled        = errors.New("stalled")
	errAttemptTimeout = errors.New("attempt timed out")
)

// send makes one attempt and reads the body within the size cap, the
// attempt's deadline and the stall deadline.
func (c *Client) send(ctx context.Context, r *http.Request) (*http.Response, []byte, error) {
	timeout, stallAfter := c.RequestTimeout, c.StallTimeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	if stallAfter <= 0 {
		stallAfter = DefaultStallTimeout
	}
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	deadline := time.AfterFunc(timeout, func() { cancel(errAttemptTimeout) })
	defer deadline.Stop()
	resp, err := c.httpClient(r).Do(r.WithContext(actx))
	if err != nil {
		return nil, nil, c.networkError(r, 0, err, context.Cause(actx), timeout, stallAfter)
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	stall := time.AfterFunc(stallAfter, func() { cancel(errStalled) })
	defer stall.Stop()
	body, err := io.ReadAll(io.LimitReader(stallReader{resp.Body, stall, stallAfter}, limit+1))
	if err != nil {
		return resp, nil, c.networkError(r, resp.StatusCode, err, context.Cause(actx), timeout, stallAfter)
	}
	if int64(len(body)) > limit {
		return resp, nil, &Error{Kind: KindData, Status: resp.StatusCode, Message: fmt.Sprintf("%s %s: response larger than %d bytes", r.Method, RedactURL(r.URL), limit)}
	}
	return resp, body, nil
}

// stallReader pushes the stall deadline back with every byte that arrives.
type stallReader struct {
	r     io.Reader
	t     *time.Timer
	after time.Duration
}

func (s stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.t.Reset(s.after)
	}
	return n, err
}

func (c *Client) networkError(r *http.Request, status int, err, cause error, timeout, stallAfter time.Duration) error {
	var re *redirectError
	if errors.As(err, &re) {
		return &Error{Kind: KindData, Status: status, Message: fmt.Sprintf("%s %s: %s", r.Method, RedactURL(r.URL), re.why)}
	}
	why := ""
	switch cause {
	case errStalled:
		why = fmt.Sprintf("the response stalled: no data for %s", stallAfter)
	case errAttemptTimeout:
		why = fmt.Sprintf("no complete response within %s", timeout)
	default:
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF):
			why = "the connection closed before the whole response arrived"
		case errors.Is(err, syscall.ECONNRESET):
			why = "the connection was reset"
		}
	}
	msg := describe(r, err)
	if why != "" {
		msg = fmt.Sprintf("%s %s: %s", r.Method, RedactURL(r.URL), why)
	}
	return &Error{Kind: KindNetwork, Status: status, Message: c.Secrets.Clean(msg), transient: true}
}

// redirectError is a redirect refused because credentials would follow it.
type redirectError struct{ why string }

func (e *redirectError) Error() string { return e.why }

// httpClient is the configured client with the redirect policy: the
// credentials a request carries (Authorization, x-amz-access-token,
// X-Shopify-Access-Token, a signed query, a posted secret) are for the host
// it was built for, so a redirect is followed only on that host and scheme
// and never from a token endpoint.
func (c *Client) httpClient(r *http.Request) *http.Client {
	base := c.HTTP
	if base == nil {
		base = DefaultHTTP
	}
	hc := *base
	origin := r.URL
	hc.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		switch {
		case c.NoRedirect:
			return &redirectError{fmt.Sprintf("the token endpoint redirected to %s; token requests follow no redirect (check token_url)", next.URL.Host)}
		case !strings.EqualFold(next.URL.Host, origin.Host) || next.URL.Scheme != origin.Scheme:
			return &redirectError{fmt.Sprintf("redirected to %s://%s; credentials are only sent to %s (check base_url)", next.URL.Scheme, next.URL.Host, origin.Host)}
		case len(via) >= maxRedirects:
			return &redirectError{fmt.Sprintf("stopped after %d redirects", maxRedirects)}
		}
		return nil
	}
	return &hc
}

// describe says what failed without the URL's secrets: *url.Error would
// print the query string, which holds Shopee's token and signature.
func describe(r *http.Request, err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Sprintf("%s %s: %v", r.Method, RedactURL(r.URL), err)
}

// statusError classifies a non-2xx response.
func (c *Client) statusError(resp *http.Response, body []byte) *Error {
	s := resp.StatusCode
	if s >= 200 && s < 300 {
		return nil
	}
	e := &Error{Status: s, Message: c.Secrets.Clean(bodyMessage(body))}
	switch {
	case s == http.StatusUnauthorized || s == http.StatusForbidden:
		e.Kind = KindAuth
	case s == http.StatusTooManyRequests:
		e.Kind, e.transient = KindQuota, true
		e.RetryAfter = RetryAfter(resp.Header, c.now())
	case s >= 500:
		e.Kind, e.transient = KindNetwork, true
		e.RetryAfter = RetryAfter(resp.Header, c.now())
		if e.Message == "" && looksHTML(resp, body) {
			e.Message = "an HTML error page"
		}
	default:
		e.Kind = KindData
	}
	return e
}

// bodyMessage picks the error text out of an error body, so a page of HTML
// or an echoed request does not end up in a log.
func bodyMessage(body []byte) string {
	var m struct {
		Error       any    `json:"error"`
		Description string `json:"error_description"`
		Message     string `json:"message"`
		Errors      any    `json:"errors"`
	}
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	var parts []string
	if s, ok := m.Error.(string); ok && s != "" {
		parts = append(parts, s)
	}
	for _, s := range []string{m.Description, m.Message} {
		if s != "" {
			parts = append(parts, s)
		}
	}
	if list, ok := m.Errors.([]any); ok {
		for _, it := range list {
			if o, ok := it.(map[string]any); ok {
				for _, k := range []string{"code", "message"} {
					if s, ok := o[k].(string); ok && s != "" {
						parts = append(parts, s)
					}
				}
			}
		}
	} else if s, ok := m.Errors.(string); ok {
		parts = append(parts, s)
	}
	msg := strings.Join(parts, ": ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// decode reads one JSON value and nothing after it. A body that is not
// that is retried: a body cut short (whatever its Content-Length said) or a
// proxy's HTML page is what a flaky path delivers, and the same request
// usually succeeds. Never is a cut body read as a shorter list of orders.
func (c *Client) decode(r *http.Request, resp *http.Response, body []byte, into any) error {
	bad := func(why string) error {
		return &Error{Kind: KindData, Status: resp.StatusCode, Message: fmt.Sprintf("%s %s: %s", r.Method, RedactURL(r.URL), why), transient: true}
	}
	if looksHTML(resp, body) {
		return bad("an HTML page where JSON was expected (a proxy's error page?)")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return bad("empty response body")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(into); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return bad("the JSON response is cut short")
		}
		return bad("malformed JSON response: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("unexpected data after the JSON response")
	}
	return nil
}

// looksHTML tells an HTML page from a JSON body.
func looksHTML(resp *http.Response, body []byte) bool {
	if strings.Contains(strings.ToLower(resp.Header.Get("Content-Type")), "html") {
		return true
	}
	b := bytes.TrimSpace(body)
	return len(b) > 0 && b[0] == '<'
}

// backoff is exponential with full jitter: a random wait up to a ceiling
// that doubles per retry, so clients that failed together do not retry
// together.
func (c *Client) backoff(retry int) time.Duration {
	base, ceil := c.BaseDelay, c.MaxDelay
	if base <= 0 {
		base = DefaultBaseDelay
	}
	if ceil <= 0 {
		ceil = DefaultMaxDelay
	}
	d := ceil
	if retry < 30 {
		d = min(ceil, base<<retry)
	}
	j := c.Jitter
	if j == nil {
		j = rand.Float64
	}
	return time.Duration(j() * float64(d))
}

// RetryAfter reads Retry-After as seconds or an HTTP date; 0 when absent or
// unreadable.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil {
		if n <= 0 {
			return 0
		}
		return time.Duration(n * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

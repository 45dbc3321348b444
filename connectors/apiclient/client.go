package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for a zero Client.
const (
	DefaultMaxRetries    = 5
	DefaultBaseDelay     = 500 * time.Millisecond
	DefaultMaxDelay      = 60 * time.Second
	DefaultMaxBody       = 64 << 20
	DefaultMaxRetryAfter = 15 * time.Minute
)

// Client sends one source's API calls. Build one per pull: the limiter and
// the refresh state belong to one seller account.
type Client struct {
	HTTP    *http.Client // nil: DefaultHTTP
	Limiter *Limiter     // nil: no pacing
	// MaxRetries is how often a 429, 5xx or network failure is retried; 0
	// means DefaultMaxRetries, a negative value none.
	MaxRetries int
	BaseDelay  time.Duration // first backoff ceiling; 0: DefaultBaseDelay
	MaxDelay   time.Duration // backoff ceiling; 0: DefaultMaxDelay
	// MaxRetryAfter is the longest Retry-After honoured by waiting; a
	// longer one ends the call with a quota error, since a nightly job
	// should not sleep for hours.
	MaxRetryAfter time.Duration
	MaxBody       int64 // response size cap; 0: DefaultMaxBody
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
}

// DefaultHTTP is used when Client.HTTP is nil: it bounds every phase of a
// call, since a nightly job must not hang on a stalled connection.
var DefaultHTTP = &http.Client{
	Timeout: 2 * time.Minute,
	Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 90 * time.Second,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	},
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return DefaultHTTP
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

// Do sends the request req builds, retrying 429, 5xx and network failures
// with backoff, and decodes a 2xx JSON body into into (unless into is nil)
// with numbers kept as json.Number. req is called for every attempt, so a
// retried request carries a fresh signature and the current token. The
// returned response's body is already read and closed; its headers are
// there for paging links. Errors are *Error, or the context's error.
func (c *Client) Do(ctx context.Context, req func() (*http.Request, error), into any) (*http.Response, error) {
	refreshed := false
	retries := 0
	for {
		if err := c.Limiter.Wait(ctx); err != nil {
			return nil, err
		}
		r, err := req()
		if err != nil {
			return nil, err
		}
		resp, body, err := c.send(ctx, r)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			var e *Error
			if errors.As(err, &e) && e.Kind == KindData {
				return resp, err
			}
			if retries < c.maxRetries() {
				if err := sleep(ctx, c.backoff(retries)); err != nil {
					return nil, err
				}
				retries++
				continue
			}
			return resp, err
		}
		if c.Observe != nil {
			c.Observe(resp.Header)
		}
		apiErr := c.statusError(resp, body)
		if apiErr == nil && c.Check != nil {
			if err := c.Check(resp, body); err != nil {
				if !errors.As(err, &apiErr) {
					return resp, err
				}
				apiErr.Message = c.Secrets.Clean(apiErr.Message)
			}
		}
		if apiErr == nil {
			if into == nil {
				return resp, nil
			}
			return resp, c.decode(r, resp, body, into)
		}
		switch apiErr.Kind {
		case KindAuth:
			if c.Refresh != nil && !refreshed && apiErr.Status != http.StatusForbidden {
				refreshed = true
				if err := c.Refresh(ctx); err != nil {
					return resp, err
				}
				continue
			}
			return resp, apiErr
		case KindQuota, KindNetwork:
			if apiErr.RetryAfter > c.maxRetryAfter() || retries >= c.maxRetries() {
				return resp, apiErr
			}
			d := c.backoff(retries)
			if apiErr.RetryAfter > 0 {
				d = apiErr.RetryAfter
				// Other requests on this bucket hold back too.
				c.Limiter.Pause(d)
			}
			if err := sleep(ctx, d); err != nil {
				return nil, err
			}
			retries++
			continue
		}
		return resp, apiErr
	}
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

// send makes one attempt and reads the body within the size cap.
func (c *Client) send(ctx context.Context, r *http.Request) (*http.Response, []byte, error) {
	resp, err := c.httpClient().Do(r.WithContext(ctx))
	if err != nil {
		return nil, nil, &Error{Kind: KindNetwork, Message: c.Secrets.Clean(describe(r, err))}
	}
	defer resp.Body.Close()
	limit := c.MaxBody
	if limit <= 0 {
		limit = DefaultMaxBody
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return resp, nil, &Error{Kind: KindNetwork, Status: resp.StatusCode, Message: c.Secrets.Clean(describe(r, err))}
	}
	if int64(len(body)) > limit {
		return resp, nil, &Error{Kind: KindData, Status: resp.StatusCode, Message: fmt.Sprintf("%s %s: response larger than %d bytes", r.Method, RedactURL(r.URL), limit)}
	}
	return resp, body, nil
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
		e.Kind = KindQuota
		e.RetryAfter = RetryAfter(resp.Header, time.Now())
	case s >= 500:
		e.Kind = KindNetwork
		e.RetryAfter = RetryAfter(resp.Header, time.Now())
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

// decode reads one JSON value and nothing after it: a body cut short is
// a data error, never a shorter list of orders.
func (c *Client) decode(r *http.Request, resp *http.Response, body []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	bad := func(why string) error {
		return &Error{Kind: KindData, Status: resp.StatusCode, Message: fmt.Sprintf("%s %s: %s", r.Method, RedactURL(r.URL), why)}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return bad("empty response body")
	}
	if err := dec.Decode(into); err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return bad("the JSON response is truncated")
		}
		return bad("malformed JSON response: " + err.Error())
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("unexpected data after the JSON response")
	}
	return nil
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

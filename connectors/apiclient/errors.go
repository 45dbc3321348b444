// Package apiclient is the HTTP layer the order-API connectors share:
// pacing, retries, token refresh and the errors `orderhist sync` sorts into
// exit-code classes. It keeps secrets out of every error it returns.
//
// Pacing is golang.org/x/time/rate behind Limiter. Token refresh is this
// package's Tokens rather than golang.org/x/oauth2: Shopee's refresh is not
// an OAuth2 grant (a signed JSON POST), Mercado Livre's answer carries the
// user_id the puller needs, and the refresh must go through Client so that
// its retries, redirect refusal and secret redaction apply; oauth2's
// TokenSource offers none of that, and the part it would replace (save the
// rotated pair, then hand out the access token) is Tokens.refresh's dozen
// lines.
package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Kind is what a failure means for the person running the sync.
type Kind int

const (
	// KindNetwork: the API could not be reached or kept failing (5xx);
	// running again later may work.
	KindNetwork Kind = iota + 1
	// KindAuth: the seller must authorise the app again (or fix a key).
	KindAuth
	// KindQuota: the API refused more requests for now.
	KindQuota
	// KindData: the API answered something that cannot be used.
	KindData
)

func (k Kind) String() string {
	switch k {
	case KindNetwork:
		return "network"
	case KindAuth:
		return "auth"
	case KindQuota:
		return "quota"
	case KindData:
		return "data"
	}
	return "unknown"
}

type kindError Kind

func (k kindError) Error() string { return Kind(k).String() + " error" }

// Sentinels for errors.Is: errors.Is(err, apiclient.ErrAuth).
var (
	ErrNetwork error = kindError(KindNetwork)
	ErrAuth    error = kindError(KindAuth)
	ErrQuota   error = kindError(KindQuota)
	ErrData    error = kindError(KindData)
)

// Error is a failed API call. Message never holds a token, key or
// signature. Its text does not name its Kind: whoever reports the error
// names the class once (Class), so it never reads "network error: network
// error: …".
type Error struct {
	Kind    Kind
	Status  int // HTTP status, 0 when there was no response
	Message string
	// RetryAfter is how long the API asked to wait (quota errors).
	RetryAfter time.Duration
	// RetryAt is when to try again, for a quota error that ended a call
	// because the wait asked for was longer than a run waits.
	RetryAt time.Time
	Err     error // the cause, when it carries no secret
	// transient marks a failure the same request may not meet again.
	transient bool
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.Status != 0 {
		fmt.Fprintf(&b, "HTTP %d", e.Status)
	}
	if e.Message != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Message)
	}
	if b.Len() == 0 {
		b.WriteString(e.Kind.String() + " failure")
	}
	switch {
	case !e.RetryAt.IsZero():
		fmt.Fprintf(&b, " (the API asks to wait %s: try again after %s)", e.RetryAfter.Round(time.Second), e.RetryAt.UTC().Format("2006-01-02 15:04 UTC"))
	case e.RetryAfter > 0:
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter)
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is matches the Kind sentinels.
func (e *Error) Is(target error) bool {
	k, ok := target.(kindError)
	return ok && Kind(k) == e.Kind
}

// Class names the exit-code class of err: "auth", "quota", "data",
// "network", "cancelled", or "" for an error that is not an API failure.
func Class(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Kind.String()
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return "cancelled"
	}
	return ""
}

// sensitive are query parameters whose values are secrets.
var sensitive = map[string]bool{
	"access_token": true, "refresh_token": true, "token": true, "sign": true, "signature": true,
	"client_secret": true, "partner_key": true, "code": true, "api_key": true, "key": true,
	"password": true, "x-amz-signature": true, "x-amz-security-token": true, "code_verifier": true,
}

// RedactURL renders u with secret query values and any password replaced.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := *u
	if c.User != nil {
		c.User = url.User("REDACTED")
	}
	q := c.Query()
	changed := false
	for k := range q {
		if sensitive[strings.ToLower(k)] {
			q[k] = []string{"REDACTED"}
			changed = true
		}
	}
	if changed {
		c.RawQuery = q.Encode()
	}
	return c.String()
}

// Secrets is the set of secret strings a run has seen (tokens, keys), so
// that text the API echoes back can be cleaned before it reaches an error.
type Secrets struct {
	mu  sync.Mutex
	set []string
}

// Add remembers secrets; short strings are ignored, as replacing them would
// garble messages without protecting anything.
func (s *Secrets) Add(secrets ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		if len(v) >= 6 {
			s.set = append(s.set, v)
		}
	}
}

// Clean replaces every known secret in msg.
func (s *Secrets) Clean(msg string) string {
	if s == nil {
		return msg
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range s.set {
		msg = strings.ReplaceAll(msg, v, "REDACTED")
	}
	return msg
}

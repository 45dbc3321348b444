package connectors

import (
	"context"
	"iter"
	"net/http"
	"sync"
	"time"
)

// APIPuller is implemented by connectors with an order API.
type APIPuller interface {
	Connector
	// Pull yields the orders updated in [Since, Until), oldest first where
	// the API allows. An order the connector cannot use comes as a Record
	// with a nil Order and its Rejects, and the pull goes on; an error ends
	// the sequence.
	Pull(ctx context.Context, src APISource) iter.Seq2[Record, error]
}

// APIOptioner is implemented by API connectors to list the settings their
// Pull reads from APISource.Settings.
type APIOptioner interface {
	APIOptions() []Option
}

// APISource is one seller account to pull from.
type APISource struct {
	Name, Account string
	// BaseURL and TokenURL replace the production endpoints (sandbox,
	// tests); empty means production.
	BaseURL, TokenURL string
	// Settings are the connector's own settings: client_id, client_secret,
	// refresh_token (first run only), partner_id, partner_key, shop_id,
	// seller_id, marketplace_id, access_token, api_version…
	Settings map[string]string
	Since    time.Time
	Until    time.Time
	// Tokens keeps rotated tokens between runs.
	Tokens TokenStore
	// HTTP nil means a client with timeouts.
	HTTP *http.Client
	// RequestsPerSecond 0 means the connector's documented default.
	RequestsPerSecond float64
	// Now nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends; nil means a timer. Tests pass a fake
	// clock's Sleep together with its Now, so backoff, Retry-After and
	// pacing take no real time; Now without Sleep only dates tokens and
	// the pull's bounds.
	Sleep func(ctx context.Context, d time.Duration) error
	// Retry tunes the HTTP layer's retries and deadlines; zero values
	// mean its documented defaults.
	Retry RetryTuning
}

// RetryTuning overrides the HTTP layer's defaults (package apiclient),
// for tests and for sellers behind unusual proxies.
type RetryTuning struct {
	MaxRetries int // < 0: none
	// BaseDelay and MaxDelay bound the backoff between attempts.
	BaseDelay, MaxDelay time.Duration
	// MaxRetryAfter is the longest a call waits in total on Retry-After
	// before it gives up with a quota error.
	MaxRetryAfter time.Duration
	// RequestTimeout bounds one attempt; StallTimeout is how long a
	// response body may go without a byte.
	RequestTimeout, StallTimeout time.Duration
}

// Setting returns a setting, or "" when it is not set.
func (s APISource) Setting(name string) string { return s.Settings[name] }

// Clock returns the source's clock.
func (s APISource) Clock() func() time.Time {
	if s.Now != nil {
		return s.Now
	}
	return time.Now
}

// Token is an OAuth token pair. ExpiresAt is when the access token stops
// working; zero means unknown. UserID is the account the token belongs to,
// where the token endpoint says (Mercado Livre's user_id).
type Token struct {
	AccessToken, RefreshToken string
	ExpiresAt                 time.Time
	UserID                    string `json:",omitempty"`
}

// TokenStore persists tokens. Save must be durable (fsync) before it
// returns: a rotated refresh token is saved BEFORE the new access token is
// used, so a crash cannot lock the seller out.
type TokenStore interface {
	Load(ctx context.Context) (Token, bool, error)
	Save(ctx context.Context, t Token) error
}

// MemoryTokenStore keeps a token in memory, for tests and one-off runs.
type MemoryTokenStore struct {
	mu    sync.Mutex
	tok   Token
	ok    bool
	saves int
	// SaveErr, when set, makes Save fail, to show what a full disk does.
	SaveErr error
}

// NewMemoryTokenStore returns a store holding t.
func NewMemoryTokenStore(t Token) *MemoryTokenStore { return &MemoryTokenStore{tok: t, ok: true} }

func (m *MemoryTokenStore) Load(ctx context.Context) (Token, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.tok, m.ok, nil
}

func (m *MemoryTokenStore) Save(ctx context.Context, t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.SaveErr != nil {
		return m.SaveErr
	}
	m.tok, m.ok = t, true
	m.saves++
	return nil
}

// Saves counts the successful saves.
func (m *MemoryTokenStore) Saves() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.saves
}

package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orderhist/orderhist/connectors"
)

// Tokens hands out a valid access token, refreshing it when it is about to
// expire or the API refused it. A refreshed pair is saved to the store
// before the new access token is handed out: where refresh tokens are single
// use (Mercado Livre, Shopee) the old one is dead the moment the refresh
// succeeds, and a pair that was used but not saved locks the seller out.
type Tokens struct {
	Store connectors.TokenStore
	// Initial is the refresh token from the settings, used when the store
	// holds none (the first run).
	Initial string
	// Exchange trades a refresh token for a new pair; a pair without a
	// refresh token keeps the old one (Amazon LWA does not rotate).
	Exchange func(ctx context.Context, refreshToken string) (connectors.Token, error)
	Now      func() time.Time
	// Margin refreshes this long before the expiry, so a token does not die
	// between the check and the request.
	Margin  time.Duration
	Secrets *Secrets

	mu     sync.Mutex
	cur    connectors.Token
	loaded bool
	ttl    time.Duration // lifetime of the last token this run got
}

func (t *Tokens) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tokens) load(ctx context.Context) error {
	if t.loaded {
		return nil
	}
	tok, ok, err := t.Store.Load(ctx)
	if err != nil {
		return fmt.Errorf("loading the saved API token: %w", err)
	}
	if !ok || tok.RefreshToken == "" {
		tok = connectors.Token{RefreshToken: t.Initial}
	}
	t.cur, t.loaded = tok, true
	t.Secrets.Add(tok.AccessToken, tok.RefreshToken, t.Initial)
	return nil
}

// Access returns an access token that is valid now.
func (t *Tokens) Access(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(ctx); err != nil {
		return "", err
	}
	margin := t.Margin
	if margin == 0 {
		margin = 2 * time.Minute
	}
	// A short-lived token (some sandboxes hand out minutes) is used for
	// most of its life rather than refreshed before every call.
	if t.ttl > 0 && margin > t.ttl/5 {
		margin = t.ttl / 5
	}
	if t.cur.AccessToken == "" || (!t.cur.ExpiresAt.IsZero() && !t.now().Add(margin).Before(t.cur.ExpiresAt)) {
		if err := t.refresh(ctx); err != nil {
			return "", err
		}
	}
	return t.cur.AccessToken, nil
}

// UserID is the account of the current token, where the token endpoint
// said; it loads the saved token but does not refresh it.
func (t *Tokens) UserID(ctx context.Context) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(ctx); err != nil {
		return "", err
	}
	return t.cur.UserID, nil
}

// Refresh gets a new pair now, because the API refused the current one.
func (t *Tokens) Refresh(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.load(ctx); err != nil {
		return err
	}
	return t.refresh(ctx)
}

func (t *Tokens) refresh(ctx context.Context) error {
	if t.cur.RefreshToken == "" {
		return &Error{Kind: KindAuth, Message: "no refresh token: authorise the app for this account and set refresh_token"}
	}
	nt, err := t.Exchange(ctx, t.cur.RefreshToken)
	if err != nil {
		return err
	}
	if nt.AccessToken == "" {
		return &Error{Kind: KindData, Message: "the token endpoint returned no access token"}
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.cur.RefreshToken
	}
	if nt.UserID == "" {
		nt.UserID = t.cur.UserID
	}
	t.Secrets.Add(nt.AccessToken, nt.RefreshToken)
	// The old refresh token is spent: the new one is saved even when the
	// pull is being cancelled, or the next run has nothing that works.
	if err := t.Store.Save(context.WithoutCancel(ctx), nt); err != nil {
		return fmt.Errorf("saving the rotated API token (authorise the app again if this persists): %w", err)
	}
	t.cur = nt
	if !nt.ExpiresAt.IsZero() {
		t.ttl = nt.ExpiresAt.Sub(t.now())
	}
	return nil
}

// TokenResponse is the OAuth token endpoint's answer (Mercado Livre, LWA).
type TokenResponse struct {
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	ExpiresIn    json.Number `json:"expires_in"`
	// UserID is Mercado Livre's account id of the token (the seller id).
	UserID Text   `json:"user_id"`
	Error  string `json:"error"`
}

// OAuthRefresh posts a refresh_token grant as a form, as Mercado Livre and
// Amazon LWA take it. A refused grant (invalid_grant: expired, revoked or
// already used) is an auth error: the seller must authorise again.
func OAuthRefresh(ctx context.Context, c *Client, tokenURL string, form url.Values, now time.Time) (connectors.Token, error) {
	form.Set("grant_type", "refresh_token")
	tc := *c
	tc.Refresh, tc.Check, tc.Observe, tc.Limiter = nil, nil, nil, nil
	tc.NoRedirect = true
	var tr TokenResponse
	_, err := tc.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("Accept", "application/json")
		return r, nil
	}, &tr)
	if err != nil {
		return connectors.Token{}, AuthOnRefusal(err)
	}
	if tr.Error != "" {
		return connectors.Token{}, &Error{Kind: KindAuth, Message: "token refresh refused: " + tr.Error}
	}
	return connectors.Token{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ExpiresAt: Expiry(now, string(tr.ExpiresIn)), UserID: string(tr.UserID)}, nil
}

// AuthOnRefusal turns a token endpoint's 4xx into an auth error: whatever
// the status, the fix is to authorise again.
func AuthOnRefusal(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests {
		c := *e
		c.Kind = KindAuth
		if c.Message == "" {
			c.Message = "token refresh refused"
		} else {
			c.Message = "token refresh refused: " + c.Message
		}
		return &c
	}
	return err
}

// Expiry turns expires_in seconds into a time; unknown means zero.
func Expiry(now time.Time, expiresIn string) time.Time {
	n, err := strconv.ParseInt(strings.TrimSpace(expiresIn), 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return now.Add(time.Duration(n) * time.Second)
}

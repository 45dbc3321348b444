package amazon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

const (
	// Brazil is served by the North America endpoint.
	defaultBaseURL  = "https://sellingpartnerapi-na.amazon.com"
	defaultTokenURL = "https://api.amazon.com/auth/o2/token"
	tokenPath       = "/auth/o2/token"
	// MarketplaceBR is amazon.com.br.
	MarketplaceBR = "A2Q3Y263D00KWC"
	ordersPath    = "/orders/v0/orders"
	// Usage plans of getOrders and getOrderItems (v0), searchOrders and
	// getOrder (2026-01-01); the API lowers them per seller with
	// x-amzn-RateLimit-Limit.
	ordersRate, ordersBurst     = 0.0167, 20
	itemsRate, itemsBurst       = 0.5, 30
	searchRate, searchBurst     = 0.0056, 20
	getOrderRate, getOrderBurst = 0.5, 30
	pageSize                    = 100
	// settle is how far LastUpdatedBefore must stay behind now: Amazon
	// refuses a bound later than two minutes ago, and the margin keeps a
	// small clock skew from turning into a 400.
	settle = 2*time.Minute + 10*time.Second
	// Windows start at a week and stay between an hour and 30 days.
	firstWindow = 7 * 24 * time.Hour
	maxWindow   = 30 * 24 * time.Hour
	markEvery   = 2000
)

// APIOptions lists the settings Pull reads.
func (connector) APIOptions() []connectors.Option {
	return []connectors.Option{
		{Name: "client_id", Help: "LWA client id of the SP-API app (amzn1.application-oa2-client…)", Required: true},
		{Name: "client_secret", Help: "LWA client secret of the app", Required: true},
		{Name: "refresh_token", Help: "LWA refresh token (Atzr|…) from the seller's authorisation; Amazon does not rotate it", Required: true},
		{Name: "marketplace_id", Help: "marketplace to pull", Default: MarketplaceBR},
		{Name: "api_version", Help: "Orders API version: 2026-01-01, or v0 (deprecated by Amazon, removed 27 March 2027)", Default: Version2026},
	}
}

// Orders API versions api_version accepts.
const (
	Version2026 = "2026-01-01"
	VersionV0   = "v0"
)

var _ connectors.APIPuller = connector{}

// Pull yields the orders last updated in [Since, Until), each with its
// items, from the Orders API version the source names, window by window,
// oldest first; after each window a Record with Checkpoint marks that
// every order updated before its end has been yielded. Amazon gives no
// sort order for either version, so within a window orders come in the
// order the pages hold them. The last checkpoint can be short of Until:
// Amazon lists nothing updated in the last two minutes.
func (connector) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		p, err := newPull(src)
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		before, err := p.before(ctx)
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		list := p.orders
		if p.version == Version2026 {
			list = p.search
		}
		// Amazon gives no order within a list, so a checkpoint can only
		// come at a window's end. List calls are the scarce ones (one a
		// minute for v0, one every three for 2026-01-01), so the window
		// adapts: it doubles while windows are quiet and halves when one
		// brought more than markEvery orders.
		size := firstWindow
		for from := src.Since; from.Before(before); {
			to := from.Add(size)
			if to.After(before) {
				to = before
			}
			n, err := list(ctx, from, to, yield)
			if err != nil {
				if !errors.Is(err, errStop) {
					yield(connectors.Record{}, err)
				}
				return
			}
			if !yield(connectors.Record{Checkpoint: to}, nil) {
				return
			}
			switch {
			case n > markEvery && size > time.Hour:
				size /= 2
			case n < markEvery/4 && size < maxWindow:
				size *= 2
			}
			from = to
		}
	}
}

var errStop = errors.New("consumer stopped")

type pull struct {
	src         connectors.APISource
	oc, ic      *apiclient.Client
	tokens      *apiclient.Tokens
	base        string
	marketplace string
	version     string
	now         func() time.Time
	yielded     apiclient.Yielded
}

func newPull(src connectors.APISource) (*pull, error) {
	if err := apiclient.Require(src, "client_id", "client_secret", "refresh_token"); err != nil {
		return nil, err
	}
	p := &pull{src: src, base: strings.TrimRight(src.BaseURL, "/"), marketplace: src.Setting("marketplace_id"), version: src.Setting("api_version"), now: src.Clock(), yielded: apiclient.Yielded{}}
	switch p.version {
	case "":
		p.version = Version2026
	case Version2026, VersionV0:
	default:
		return nil, fmt.Errorf("source %q: api_version %q is not %s or %s", src.Name, p.version, Version2026, VersionV0)
	}
	if p.base == "" {
		p.base = defaultBaseURL
	}
	if p.marketplace == "" {
		p.marketplace = MarketplaceBR
	}
	// LWA is on another host than SP-API, and Amazon's own sandbox uses the
	// production LWA; a base_url elsewhere (a proxy, a test double) serves
	// the token endpoint too, so that credentials go where the calls go.
	tokenURL := src.TokenURL
	if tokenURL == "" {
		tokenURL = defaultTokenURL
		if u, err := url.Parse(p.base); err == nil && !strings.HasSuffix(strings.ToLower(u.Hostname()), ".amazon.com") {
			tokenURL = p.base + tokenPath
		}
	}
	// The list and the per-order call have separate usage plans, so each
	// gets its own bucket; a shared one would hold item calls to the much
	// slower list rate.
	if p.version == VersionV0 {
		p.oc = apiclient.ForSource(src, ordersRate, ordersBurst)
		p.ic = apiclient.ForSource(src, itemsRate, itemsBurst)
	} else {
		p.oc = apiclient.ForSource(src, searchRate, searchBurst)
		p.ic = apiclient.ForSource(src, getOrderRate, getOrderBurst)
	}
	p.ic.Secrets = p.oc.Secrets
	store := src.Tokens
	if store == nil {
		// LWA refresh tokens do not rotate, so nothing is lost when the
		// access token is only kept for this run.
		store = &connectors.MemoryTokenStore{}
	}
	p.tokens = &apiclient.Tokens{
		Store: store, Initial: src.Setting("refresh_token"), Now: p.now, Secrets: p.oc.Secrets,
		Exchange: func(ctx context.Context, rt string) (connectors.Token, error) {
			form := url.Values{"client_id": {src.Setting("client_id")}, "client_secret": {src.Setting("client_secret")}, "refresh_token": {rt}}
			return apiclient.OAuthRefresh(ctx, p.oc, tokenURL, form, p.now())
		},
	}
	for _, c := range []*apiclient.Client{p.oc, p.ic} {
		c.Refresh = p.tokens.Refresh
		c.Observe = lowerTo(c.Limiter)
	}
	return p, nil
}

// lowerTo follows x-amzn-RateLimit-Limit, the rate Amazon actually applies
// to this seller and operation, which can be below the documented plan.
func lowerTo(l *apiclient.Limiter) func(http.Header) {
	return func(h http.Header) {
		if v, err := strconv.ParseFloat(strings.TrimSpace(h.Get("x-amzn-RateLimit-Limit")), 64); err == nil && v > 0 {
			l.Lower(v)
		}
	}
}

// before is the LastUpdatedBefore of the pull. An Until less than settle
// ago is waited for, since clamping it would lose the orders updated in
// between when the caller moves its cursor to Until; an Until further
// ahead is clamped, as no order can have been updated there yet.
func (p *pull) before(ctx context.Context) (time.Time, error) {
	until := p.src.Until
	d := until.Sub(p.now().Add(-settle))
	switch {
	case d <= 0:
		return until, nil
	case d <= settle:
		if err := apiclient.Sleeper(p.src)(ctx, d); err != nil {
			return time.Time{}, err
		}
		return until, nil
	}
	return p.now().Add(-settle), nil
}

func (p *pull) get(ctx context.Context, c *apiclient.Client, path string, q url.Values, into any) error {
	u := p.base + path + "?" + q.Encode()
	send := func() error {
		_, err := c.Do(ctx, func() (*http.Request, error) {
			tok, err := p.tokens.Access(ctx)
			if err != nil {
				return nil, err
			}
			r, err := http.NewRequest(http.MethodGet, u, nil)
			if err != nil {
				return nil, err
			}
			r.Header.Set("x-amz-access-token", tok)
			r.Header.Set("Accept", "application/json")
			return r, nil
		}, into)
		return err
	}
	err := send()
	// SP-API answers an expired access token with 403, which the client
	// does not refresh on (a 403 is usually a missing role): refresh once
	// when Amazon says the token expired.
	var e *apiclient.Error
	if errors.As(err, &e) && e.Kind == apiclient.KindAuth && e.Status == http.StatusForbidden && strings.Contains(strings.ToLower(e.Message), "expired") {
		if rerr := p.tokens.Refresh(ctx); rerr != nil {
			return rerr
		}
		err = send()
	}
	// A refused request (400 InvalidInput, 404) says only what Amazon
	// disliked; which call it was is what the seller needs to report it.
	if errors.As(err, &e) && e.Kind == apiclient.KindData && e.Status >= 400 {
		e.Message = "GET " + path + ": " + e.Message
	}
	return err
}

func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// orders pages through getOrders.
func (p *pull) orders(ctx context.Context, after, before time.Time, yield func(connectors.Record, error) bool) (int, error) {
	fetch := func(next string) (page, error) {
		q := url.Values{"MarketplaceIds": {p.marketplace}}
		if next != "" {
			// NextToken carries the original criteria; sending them again
			// would be ignored at best.
			q.Set("NextToken", next)
		} else {
			q.Set("LastUpdatedAfter", apiTime(after))
			q.Set("LastUpdatedBefore", apiTime(before))
			q.Set("MaxResultsPerPage", strconv.Itoa(pageSize))
		}
		var pg ordersPage
		if err := p.get(ctx, p.oc, ordersPath, q, &pg); err != nil {
			return page{}, err
		}
		if pg.Payload == nil {
			return page{}, dataError(ordersPath, "the response has no payload")
		}
		return page{pg.Payload.Orders, pg.Payload.NextToken}, nil
	}
	return p.walk(ordersPath, fetch, func(raw json.RawMessage) (connectors.Record, error) { return p.order(ctx, raw) }, yield)
}

// page is one page of an order list: the orders, each still raw so that
// one of the wrong shape is rejected alone, and the token of the next.
type page struct {
	orders []json.RawMessage
	next   string
}

// walk pages through an order list, yielding each order that one maps to
// a Record and that was not yielded already; an empty Record (an order
// outside [Since, Until)) is passed over. It returns how many orders the
// list held.
func (p *pull) walk(path string, fetch func(next string) (page, error), one func(json.RawMessage) (connectors.Record, error), yield func(connectors.Record, error) bool) (int, error) {
	next, n := "", 0
	for {
		pg, err := fetch(next)
		if err != nil {
			return n, err
		}
		n += len(pg.orders)
		for _, raw := range pg.orders {
			rec, err := one(raw)
			if err != nil {
				return n, err
			}
			if (rec.Order == nil && rec.Rejects == nil) || !p.yielded.Fresh(rec.Order) {
				continue
			}
			if !yield(rec, nil) {
				return n, errStop
			}
		}
		if pg.next == "" {
			return n, nil
		}
		if pg.next == next {
			return n, dataError(path, "the API returned the same next-page token twice")
		}
		next = pg.next
	}
}

func dataError(path, why string) error {
	return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + path + ": " + why}
}

const (
	ordersFile = "GET /orders/v0/orders"
	itemsFile  = "GET /orders/v0/orders/{id}/orderItems"
)

// order maps one order and fetches its items; outside [Since, Until) it
// returns an empty Record.
func (p *pull) order(ctx context.Context, raw []byte) (connectors.Record, error) {
	var o apiOrder
	if rej := apiclient.DecodeOrder(raw, &o); rej != nil {
		rej.Source, rej.File = Name, ordersFile
		return connectors.Record{Rejects: []connectors.Reject{*rej}}, nil
	}
	f, out, rec := p.head(ordersFile, o.view())
	if out == nil {
		return rec, nil
	}
	rejects, err := p.items(ctx, out)
	if err != nil || rejects != nil {
		return connectors.Record{Rejects: rejects}, err
	}
	var total value
	if o.OrderTotal != nil {
		total = value{"OrderTotal.Amount", string(o.OrderTotal.Amount)}
	}
	return finish(f, out, total), nil
}

// items adds the order's lines, following NextToken. A bad item skips the
// whole order: its totals would be wrong without it.
func (p *pull) items(ctx context.Context, o *normalize.Order) ([]connectors.Reject, error) {
	path := ordersPath + "/" + url.PathEscape(o.OrderID) + "/orderItems"
	f := &apiclient.Fields{Source: Name, File: itemsFile}
	next := ""
	for {
		q := url.Values{}
		if next != "" {
			q.Set("NextToken", next)
		}
		var page itemsPage
		if err := p.get(ctx, p.ic, path, q, &page); err != nil {
			return nil, err
		}
		if page.Payload == nil {
			return nil, dataError(path, "the response has no payload")
		}
		for _, raw := range page.Payload.OrderItems {
			var it apiItem
			if rej := apiclient.DecodeOrder(raw, &it); rej != nil {
				rej.Source, rej.File = Name, itemsFile
				rej.Reason = "order " + o.OrderID + ": " + rej.Reason
				return []connectors.Reject{*rej}, nil
			}
			addLine(f, o, it.view(len(o.Lines)))
		}
		if page.Payload.NextToken == "" || page.Payload.NextToken == next {
			break
		}
		next = page.Payload.NextToken
	}
	if f.Skipped() {
		return f.Rejects(), nil
	}
	return nil, nil
}

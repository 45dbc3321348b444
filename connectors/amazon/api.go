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
	// MarketplaceBR is amazon.com.br.
	MarketplaceBR = "A2Q3Y263D00KWC"
	ordersPath    = "/orders/v0/orders"
	// Usage plans of getOrders and getOrderItems; the API lowers them per
	// seller with x-amzn-RateLimit-Limit.
	ordersRate, ordersBurst = 0.0167, 20
	itemsRate, itemsBurst   = 0.5, 30
	pageSize                = 100
	// settle is how far LastUpdatedBefore must stay behind now: Amazon
	// refuses a bound later than two minutes ago, and the margin keeps a
	// small clock skew from turning into a 400.
	settle = 2*time.Minute + 10*time.Second
)

// APIOptions lists the settings Pull reads.
func (connector) APIOptions() []connectors.Option {
	return []connectors.Option{
		{Name: "client_id", Help: "LWA client id of the SP-API app (amzn1.application-oa2-client…)", Required: true},
		{Name: "client_secret", Help: "LWA client secret of the app", Required: true},
		{Name: "refresh_token", Help: "LWA refresh token (Atzr|…) from the seller's authorisation; Amazon does not rotate it", Required: true},
		{Name: "marketplace_id", Help: "marketplace to pull", Default: MarketplaceBR},
	}
}

var _ connectors.APIPuller = connector{}

// Pull yields the orders last updated in [Since, Until) from Orders API v0,
// each with its items. Amazon gives no sort order for getOrders, so orders
// come in the order the pages hold them.
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
		if !src.Since.Before(before) {
			return
		}
		if err := p.orders(ctx, before, yield); err != nil && !errors.Is(err, errStop) {
			yield(connectors.Record{}, err)
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
	now         func() time.Time
}

func newPull(src connectors.APISource) (*pull, error) {
	if err := apiclient.Require(src, "client_id", "client_secret", "refresh_token"); err != nil {
		return nil, err
	}
	p := &pull{src: src, base: strings.TrimRight(src.BaseURL, "/"), marketplace: src.Setting("marketplace_id"), now: src.Clock()}
	if p.base == "" {
		p.base = defaultBaseURL
	}
	if p.marketplace == "" {
		p.marketplace = MarketplaceBR
	}
	tokenURL := src.TokenURL
	if tokenURL == "" {
		tokenURL = defaultTokenURL
	}
	// getOrders and getOrderItems have separate usage plans, so each gets
	// its own bucket; a shared one would hold item calls to the order rate.
	p.oc = apiclient.ForSource(src, ordersRate, ordersBurst)
	p.ic = apiclient.ForSource(src, itemsRate, itemsBurst)
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
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-t.C:
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
	return err
}

func apiTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// orders pages through getOrders.
func (p *pull) orders(ctx context.Context, before time.Time, yield func(connectors.Record, error) bool) error {
	next := ""
	for {
		q := url.Values{"MarketplaceIds": {p.marketplace}}
		if next != "" {
			// NextToken carries the original criteria; sending them again
			// would be ignored at best.
			q.Set("NextToken", next)
		} else {
			q.Set("LastUpdatedAfter", apiTime(p.src.Since))
			q.Set("LastUpdatedBefore", apiTime(before))
			q.Set("MaxResultsPerPage", strconv.Itoa(pageSize))
		}
		var page ordersPage
		if err := p.get(ctx, p.oc, ordersPath, q, &page); err != nil {
			return err
		}
		if page.Payload == nil {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + ordersPath + ": the response has no payload"}
		}
		for _, raw := range page.Payload.Orders {
			rec, err := p.order(ctx, raw)
			if err != nil {
				return err
			}
			if rec.Order == nil && rec.Rejects == nil {
				continue
			}
			if !yield(rec, nil) {
				return errStop
			}
		}
		if page.Payload.NextToken == "" {
			return nil
		}
		if page.Payload.NextToken == next {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + ordersPath + ": the API returned the same NextToken twice"}
		}
		next = page.Payload.NextToken
	}
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
	f := &apiclient.Fields{Source: Name, File: ordersFile}
	out := &normalize.Order{
		Source:    Name,
		Account:   p.src.Account,
		OrderID:   f.ID("AmazonOrderId", o.AmazonOrderID),
		OrderedAt: f.Time("PurchaseDate", o.PurchaseDate, true),
		UpdatedAt: f.Time("LastUpdateDate", o.LastUpdateDate, false),
		StatusRaw: normalize.CleanText(o.OrderStatus),
	}
	if !out.UpdatedAt.IsZero() && (out.UpdatedAt.Before(p.src.Since) || !out.UpdatedAt.Before(p.src.Until)) {
		return connectors.Record{}, nil
	}
	out.Status = status(out.StatusRaw)
	if o.OrderTotal != nil {
		out.Currency = o.OrderTotal.CurrencyCode
	}
	if a := o.ShippingAddress; a != nil {
		out.Ship.RecipientName = normalize.CleanName(a.Name)
		if a.Phone != "" {
			out.Ship.RecipientPhone = f.Phone("ShippingAddress.Phone", string(a.Phone))
		}
		out.Ship.City = normalize.CleanText(a.City)
		if a.CountryCode != "" {
			out.Ship.Country = f.Country("ShippingAddress.CountryCode", a.CountryCode)
		}
		if a.StateOrRegion != "" {
			out.Ship.State = f.State("ShippingAddress.StateOrRegion", a.StateOrRegion, out.Ship.Country)
		}
		if a.PostalCode != "" {
			out.Ship.PostalCode = f.PostalCode("ShippingAddress.PostalCode", string(a.PostalCode), out.Ship.Country)
		}
	}
	if b := o.BuyerInfo; b != nil {
		out.Buyer.Name = normalize.CleanName(b.BuyerName)
		if b.BuyerEmail != "" {
			// Amazon gives a relay (…@marketplace.amazon.com.br), which
			// ParseEmail marks as such so it is not matched as the buyer's.
			out.Buyer.Email, out.Buyer.EmailKind = f.Email("BuyerInfo.BuyerEmail", b.BuyerEmail)
		}
		if t := b.BuyerTaxInfo; t != nil {
			for i, c := range t.TaxClassifications {
				if c.Value == "" {
					continue
				}
				out.Buyer.Document, out.Buyer.DocumentType = f.Document(fmt.Sprintf("BuyerInfo.BuyerTaxInfo.TaxClassifications[%d].Value", i), string(c.Value))
				if out.Buyer.Document != "" {
					break
				}
			}
		}
	}
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}, nil
	}
	rejects, err := p.items(ctx, out)
	if err != nil || rejects != nil {
		return connectors.Record{Rejects: rejects}, err
	}
	if !out.OrderTotal.Valid && o.OrderTotal != nil {
		// An order without priced items (pending) still has Amazon's total.
		out.OrderTotal = f.Money("OrderTotal.Amount", o.OrderTotal.amount())
	}
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}, nil
	}
	return connectors.Record{Order: out, Rejects: f.Rejects()}, nil
}

// items adds the order's lines and sums their money into the order as the
// flat file's rows are summed. A bad item skips the whole order: its totals
// would be wrong without it.
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
			return nil, &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + path + ": the response has no payload"}
		}
		for _, raw := range page.Payload.OrderItems {
			var it apiItem
			if rej := apiclient.DecodeOrder(raw, &it); rej != nil {
				rej.Source, rej.File = Name, itemsFile
				rej.Reason = "order " + o.OrderID + ": " + rej.Reason
				return []connectors.Reject{*rej}, nil
			}
			col := fmt.Sprintf("OrderItems[%d]", len(o.Lines))
			l := normalize.Line{
				LineNo:    len(o.Lines) + 1,
				SKU:       normalize.CleanText(it.SellerSKU),
				ListingID: normalize.CleanText(it.ASIN),
				Title:     normalize.CleanText(it.Title),
				Quantity:  f.Int(col+".QuantityOrdered", json.Number(it.QuantityOrdered), true),
				Status:    o.Status,
			}
			a := lineAmounts{
				item: f.Money(col+".ItemPrice", it.ItemPrice.amount()),
				ship: f.Money(col+".ShippingPrice", it.ShippingPrice.amount()).Add(f.Money(col+".GiftWrapPrice", it.GiftWrapPrice.amount())),
				tax: f.Money(col+".ItemTax", it.ItemTax.amount()).Add(f.Money(col+".ShippingTax", it.ShippingTax.amount())).
					Add(f.Money(col+".GiftWrapTax", it.GiftWrapTax.amount())),
				disc: abs(f.Money(col+".PromotionDiscount", it.PromotionDiscount.amount())).Add(abs(f.Money(col+".ShippingDiscount", it.ShippingDiscount.amount()))),
			}
			l.LineTotal = a.item
			if l.LineTotal.Valid && l.Quantity > 0 {
				l.UnitPrice = normalize.Cents(divRound(l.LineTotal.Cents, int64(l.Quantity)))
			}
			if o.Currency == "" && it.ItemPrice != nil {
				o.Currency = it.ItemPrice.CurrencyCode
			}
			o.Lines = append(o.Lines, l)
			a.addTo(o)
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

package mercadolivre

import (
	"context"
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
	defaultBaseURL  = "https://api.mercadolibre.com"
	defaultTokenURL = "https://api.mercadolibre.com/oauth/token"
	// Mercado Livre publishes no rate; this stays well under what
	// integrations report as safe. A burst of 2 keeps any 5 s within 10%
	// of the rate.
	defaultRate, defaultBurst = 5, 2
	pageSize                  = 50
	// maxOffset is where practitioners see /orders/search stop paging; a
	// window with more orders is split in two.
	maxOffset = 10000
)

// APIOptions lists the settings Pull reads.
func (connector) APIOptions() []connectors.Option {
	return []connectors.Option{
		{Name: "client_id", Help: "app id (App ID) from the Mercado Livre developer panel", Required: true},
		{Name: "client_secret", Help: "app secret key", Required: true},
		{Name: "refresh_token", Help: "refresh token (TG-…) from the authorisation, for the first run; later runs use the saved, rotated one"},
		{Name: "seller_id", Help: "the seller's user id (user_id of the token)", Required: true},
		{Name: "billing_info", Help: "fetch buyer name and CPF/CNPJ from billing info (one call per buyer)", Default: "true"},
	}
}

var _ connectors.APIPuller = connector{}

// Pull yields the orders last updated in [Since, Until). Mercado Livre
// filters dates by the hour and sorts a seller's search by date_closed, so
// windows are widened to whole hours and orders outside [Since, Until) are
// left out here; orders come in date_closed order within a window.
func (connector) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		p, err := newPull(src)
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		from := src.Since.UTC().Truncate(time.Hour)
		to := src.Until.UTC()
		if t := to.Truncate(time.Hour); t.Before(to) {
			to = t.Add(time.Hour)
		}
		if !from.Before(to) {
			return
		}
		if err := p.window(ctx, from, to, yield); err != nil && !errors.Is(err, errStop) {
			yield(connectors.Record{}, err)
		}
	}
}

var errStop = errors.New("consumer stopped")

type pull struct {
	src     connectors.APISource
	c       *apiclient.Client
	tokens  *apiclient.Tokens
	base    string
	billing map[string]*billingInfo // by billing-info id; carts share a buyer
	doBill  bool
}

func newPull(src connectors.APISource) (*pull, error) {
	if err := apiclient.Require(src, "client_id", "client_secret", "seller_id"); err != nil {
		return nil, err
	}
	if src.Tokens == nil {
		return nil, fmt.Errorf("source %q: no token store: Mercado Livre refresh tokens are single use and must be saved", src.Name)
	}
	p := &pull{src: src, base: strings.TrimRight(src.BaseURL, "/"), billing: map[string]*billingInfo{}, doBill: src.Setting("billing_info") != "false"}
	if p.base == "" {
		p.base = defaultBaseURL
	}
	tokenURL := src.TokenURL
	if tokenURL == "" {
		tokenURL = defaultTokenURL
	}
	p.c = apiclient.ForSource(src, defaultRate, defaultBurst)
	now := src.Clock()
	p.tokens = &apiclient.Tokens{
		Store: src.Tokens, Initial: src.Setting("refresh_token"), Now: now, Secrets: p.c.Secrets,
		Exchange: func(ctx context.Context, rt string) (connectors.Token, error) {
			form := url.Values{"client_id": {src.Setting("client_id")}, "client_secret": {src.Setting("client_secret")}, "refresh_token": {rt}}
			return apiclient.OAuthRefresh(ctx, p.c, tokenURL, form, now())
		},
	}
	p.c.Refresh = p.tokens.Refresh
	return p, nil
}

func (p *pull) get(ctx context.Context, path string, q url.Values, into any) (*http.Response, error) {
	u := p.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return p.c.Do(ctx, func() (*http.Request, error) {
		tok, err := p.tokens.Access(ctx)
		if err != nil {
			return nil, err
		}
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		r.Header.Set("Accept", "application/json")
		return r, nil
	}, into)
}

// mlTime is the date format of the search filters.
func mlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000-00:00") }

// window pages through the orders last updated in [from, to), whole hours.
func (p *pull) window(ctx context.Context, from, to time.Time, yield func(connectors.Record, error) bool) error {
	for offset := 0; ; {
		q := url.Values{
			"seller":                       {p.src.Setting("seller_id")},
			"order.date_last_updated.from": {mlTime(from)},
			"order.date_last_updated.to":   {mlTime(to)},
			"sort":                         {"date_asc"},
			"offset":                       {strconv.Itoa(offset)},
			"limit":                        {strconv.Itoa(pageSize)},
		}
		var page searchPage
		resp, err := p.get(ctx, "/orders/search", q, &page)
		if err != nil {
			return err
		}
		total, err := strconv.Atoi(string(page.Paging.Total))
		if err != nil {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET /orders/search: the page has no paging.total"}
		}
		if offset == 0 && total > maxOffset && to.Sub(from) > time.Hour {
			mid := from.Add(to.Sub(from) / 2).Truncate(time.Hour)
			if !mid.After(from) {
				mid = from.Add(time.Hour)
			}
			if err := p.window(ctx, from, mid, yield); err != nil {
				return err
			}
			return p.window(ctx, mid, to, yield)
		}
		missing := resp.Header.Get("X-Content-Missing")
		for _, raw := range page.Results {
			rec, err := p.order(ctx, raw, missing)
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
		offset += len(page.Results)
		if len(page.Results) == 0 || offset >= total || offset >= maxOffset {
			return nil
		}
	}
}

const searchFile = "GET /orders/search"

// order maps one order; outside [Since, Until) it returns an empty Record.
func (p *pull) order(ctx context.Context, raw []byte, missing string) (connectors.Record, error) {
	var o apiOrder
	if rej := apiclient.DecodeOrder(raw, &o); rej != nil {
		rej.Source, rej.File = Name, searchFile
		return connectors.Record{Rejects: []connectors.Reject{*rej}}, nil
	}
	f := &apiclient.Fields{Source: Name, File: searchFile}
	out := &normalize.Order{
		Source:    Name,
		Account:   p.src.Account,
		OrderID:   f.ID("id", string(o.ID)),
		OrderedAt: f.Time("date_created", o.DateCreated, true),
		StatusRaw: o.Status,
		Currency:  o.CurrencyID,
	}
	updated := o.DateLastUpdated
	if updated == "" {
		updated = o.LastUpdated
	}
	out.UpdatedAt = f.Time("date_last_updated", updated, false)
	if !out.UpdatedAt.IsZero() && (out.UpdatedAt.Before(p.src.Since) || !out.UpdatedAt.Before(p.src.Until)) {
		return connectors.Record{}, nil
	}
	if o.PackID != "" {
		out.PackID = string(o.PackID)
	}
	if out.Currency == "" {
		out.Currency = "BRL"
	}
	out.Status = apiStatus(o.Status, o.Tags)

	var fees normalize.Amount
	for i, it := range o.OrderItems {
		col := fmt.Sprintf("order_items[%d]", i)
		l := normalize.Line{
			LineNo:    i + 1,
			SKU:       normalize.CleanText(it.Item.SellerSKU),
			ListingID: string(it.Item.ID),
			Title:     normalize.CleanText(it.Item.Title),
			Quantity:  f.Int(col+".quantity", it.Quantity, true),
			UnitPrice: f.Money(col+".unit_price", it.UnitPrice),
			Status:    out.Status,
		}
		if l.SKU == "" {
			l.SKU = normalize.CleanText(it.Item.SellerCustomField)
		}
		var vs []string
		for _, a := range it.Item.VariationAttributes {
			vs = append(vs, a.Name+": "+a.ValueName)
		}
		l.Variation = strings.Join(vs, ", ")
		if l.UnitPrice.Valid {
			l.LineTotal = normalize.Cents(l.UnitPrice.Cents * int64(l.Quantity))
		}
		out.ItemsTotal = out.ItemsTotal.Add(l.LineTotal)
		// sale_fee is per unit.
		if fee := f.Money(col+".sale_fee", it.SaleFee); fee.Valid {
			fees = fees.Add(normalize.Cents(fee.Cents * int64(l.Quantity)))
		}
		out.Lines = append(out.Lines, l)
	}
	out.Fees = fees
	for i, pay := range o.Payments {
		if pay.Status != "approved" {
			continue
		}
		out.Shipping = out.Shipping.Add(f.Money(fmt.Sprintf("payments[%d].shipping_cost", i), pay.ShippingCost))
		if out.PaymentMethod == "" {
			out.PaymentMethod = pay.PaymentType
			out.Installments = f.Int(fmt.Sprintf("payments[%d].installments", i), pay.Installments, false)
		}
	}
	// paid_amount includes the shipping the buyer paid; total_amount is
	// the products alone.
	out.OrderTotal = f.Money("paid_amount", o.PaidAmount)
	if !out.OrderTotal.Valid {
		out.OrderTotal = f.Money("total_amount", o.TotalAmount)
	}

	b := o.Buyer
	out.Buyer.Ref = string(b.ID)
	out.Buyer.Name = normalize.CleanName(strings.TrimSpace(b.FirstName + " " + b.LastName))
	if b.Email != "" {
		out.Buyer.Email, out.Buyer.EmailKind = f.Email("buyer.email", b.Email)
	}
	if b.Phone != nil && b.Phone.Number != "" {
		out.Buyer.Phone = f.PhoneParts("buyer.phone", string(b.Phone.AreaCode), string(b.Phone.Number))
	}
	if missing != "" {
		f.Drop("buyer", missing, "Mercado Livre left out part of the order (HTTP 206, X-Content-Missing: "+missing+")")
	}
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}, nil
	}
	if id := string(b.BillingInfo.ID); id != "" && p.doBill {
		if err := p.addBilling(ctx, id, out, f); err != nil {
			return connectors.Record{}, err
		}
	}
	return connectors.Record{Order: out, Rejects: f.Rejects()}, nil
}

// addBilling fills the buyer's name and document from billing info. A
// buyer Mercado Livre holds no billing data for (404) or will not show
// (403) keeps the order without them.
func (p *pull) addBilling(ctx context.Context, id string, o *normalize.Order, f *apiclient.Fields) error {
	bi, seen := p.billing[id]
	if !seen {
		bi = &billingInfo{}
		_, err := p.get(ctx, "/orders/billing-info/MLB/"+url.PathEscape(id), nil, bi)
		var e *apiclient.Error
		switch {
		case errors.As(err, &e) && (e.Status == http.StatusNotFound || e.Status == http.StatusForbidden):
			bi = nil
		case err != nil:
			return err
		}
		p.billing[id] = bi
	}
	if bi == nil {
		f.Drop("buyer.billing_info.id", id, "Mercado Livre has no billing info for this buyer")
		return nil
	}
	info := bi.Buyer.BillingInfo
	if name := normalize.CleanName(strings.TrimSpace(info.Name + " " + info.LastName)); name != "" {
		o.Buyer.Name = name
	}
	if n := string(info.Identification.Number); n != "" {
		col := "billing_info.identification.number"
		switch strings.ToUpper(info.Identification.Type) {
		case "CPF":
			if d, err := normalize.ParseCPF(n); err == nil && d != "" {
				o.Buyer.Document, o.Buyer.DocumentType = d, normalize.DocCPF
			} else {
				// As in the report, a "CPF" can hold a CNPJ.
				o.Buyer.Document, o.Buyer.DocumentType = f.Document(col, n)
			}
		default:
			o.Buyer.Document, o.Buyer.DocumentType = f.Document(col, n)
		}
	}
	return nil
}

// apiStatusRules read the Orders API's status, a different vocabulary from
// the report's prose. A sale the seller marked "not completed" reads
// "confirmed" here though the report says "Cancelada"; the API gives no way
// to tell it from an unpaid order.
var apiStatusRules = []normalize.StatusRule{
	{Match: normalize.Equals("cancelled", "invalid", "pending_cancel"), Status: normalize.StatusCancelled},
	{Match: normalize.Equals("partially_refunded", "refunded"), Status: normalize.StatusReturned},
	{Match: normalize.Equals("paid"), Status: normalize.StatusPaid},
	{Match: normalize.Equals("confirmed", "payment_required", "payment_in_process", "partially_paid"), Status: normalize.StatusPending},
}

// apiStatus refines "paid" with the shipping tags the order carries.
func apiStatus(raw string, tags []string) normalize.Status {
	s := normalize.StatusFromRules(raw, apiStatusRules)
	if s != normalize.StatusPaid {
		return s
	}
	for _, t := range tags {
		if t == "delivered" {
			return normalize.StatusDelivered
		}
	}
	for _, t := range tags {
		if t == "shipped" {
			return normalize.StatusShipped
		}
	}
	return s
}

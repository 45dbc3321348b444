package shopify

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
	// DefaultAPIVersion is a stable REST Admin version; Shopify keeps each
	// for a year, so a store may need a newer one set.
	DefaultAPIVersion = "2025-10"
	// Standard plans leak 2 calls a second from a bucket of 40 that every
	// app of the store shares; no burst leaves room for the others and
	// keeps any 5 s within 10% of the rate.
	defaultRate, defaultBurst = 2, 1
	pageSize                  = 250
	// markWindow bounds a checkpoint's distance: one list call a day of
	// history buys a checkpoint after every day.
	markWindow = 24 * time.Hour
)

// APIOptions lists the settings Pull reads.
func (connector) APIOptions() []connectors.Option {
	return []connectors.Option{
		{Name: "shop", Help: "the store's myshopify domain, e.g. loja.myshopify.com", Required: true},
		{Name: "access_token", Help: "Admin API access token (shpat_…) of a custom app with read_orders (read_all_orders for orders over 60 days old)", Required: true},
		{Name: "api_version", Help: "REST Admin API version", Default: DefaultAPIVersion},
	}
}

var _ connectors.APIPuller = connector{}

// Pull yields the orders updated in [Since, Until), one day's window at a
// time, oldest first, in the order Shopify pages each window; after each
// window a Record with Checkpoint marks that every order updated before its
// end has been yielded. Shopify has no refresh: a refused token ends the
// pull with an auth error.
func (connector) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		p, err := newPull(src)
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		for from, to := range apiclient.Windows(src.Since, src.Until, markWindow) {
			if err := p.orders(ctx, from, to, yield); err != nil {
				if !errors.Is(err, errStop) {
					yield(connectors.Record{}, err)
				}
				return
			}
			if !yield(connectors.Record{Checkpoint: to}, nil) {
				return
			}
		}
	}
}

var errStop = errors.New("consumer stopped")

type pull struct {
	src     connectors.APISource
	c       *apiclient.Client
	base    *url.URL
	path    string
	token   string
	yielded apiclient.Yielded
}

func newPull(src connectors.APISource) (*pull, error) {
	need := []string{"access_token"}
	if src.BaseURL == "" {
		need = append(need, "shop")
	}
	if err := apiclient.Require(src, need...); err != nil {
		return nil, err
	}
	raw := strings.TrimRight(src.BaseURL, "/")
	if raw == "" {
		shop := strings.TrimSpace(src.Setting("shop"))
		shop = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(shop, "https://"), "http://"), "/")
		if !strings.Contains(shop, ".") {
			// A bare handle ("loja") is how sellers often name their store.
			shop += ".myshopify.com"
		}
		raw = "https://" + shop
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("source %q: %q is not a shop address like loja.myshopify.com", src.Name, raw)
	}
	version := src.Setting("api_version")
	if version == "" {
		version = DefaultAPIVersion
	}
	p := &pull{src: src, base: base, path: "/admin/api/" + url.PathEscape(version) + "/orders.json", token: src.Setting("access_token"), yielded: apiclient.Yielded{}}
	p.c = apiclient.ForSource(src, defaultRate, defaultBurst)
	p.c.Secrets.Add(p.token)
	p.c.Observe = p.observe
	return p, nil
}

// observe reads X-Shopify-Shop-Api-Call-Limit ("32/40": calls in the
// store's bucket / its size). The bucket is shared with the store's other
// apps, so past half full the pull waits for it to drain back to half
// rather than run into 429s.
func (p *pull) observe(h http.Header) {
	used, size, ok := strings.Cut(h.Get("X-Shopify-Shop-Api-Call-Limit"), "/")
	if !ok {
		return
	}
	u, err1 := strconv.Atoi(strings.TrimSpace(used))
	s, err2 := strconv.Atoi(strings.TrimSpace(size))
	if err1 != nil || err2 != nil || s <= 0 || u*2 <= s {
		return
	}
	leak := p.c.Limiter.Rate()
	if leak <= 0 || leak > defaultRate {
		leak = defaultRate
	}
	p.c.Limiter.Pause(time.Duration(float64(u-s/2) / leak * float64(time.Second)))
}

func (p *pull) get(ctx context.Context, u string, into any) (*http.Response, error) {
	return p.c.Do(ctx, func() (*http.Request, error) {
		r, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return nil, err
		}
		r.Header.Set("X-Shopify-Access-Token", p.token)
		r.Header.Set("Accept", "application/json")
		return r, nil
	}, into)
}

// orders pages through orders.json. status=any is needed because the
// default is open orders only; the next pages are the Link header's URLs,
// since with page_info Shopify refuses any filter but limit and fields.
func (p *pull) orders(ctx context.Context, from, to time.Time, yield func(connectors.Record, error) bool) error {
	q := url.Values{
		"status":         {"any"},
		"updated_at_min": {from.UTC().Format(time.RFC3339)},
		"updated_at_max": {to.UTC().Format(time.RFC3339)},
		"limit":          {strconv.Itoa(pageSize)},
	}
	u := *p.base
	u.Path = p.path
	u.RawQuery = q.Encode()
	next := u.String()
	seen := map[string]bool{}
	for next != "" {
		seen[next] = true
		var page ordersPage
		resp, err := p.get(ctx, next, &page)
		if err != nil {
			if e := (*apiclient.Error)(nil); errors.As(err, &e) && e.Status == http.StatusUnauthorized {
				return fmt.Errorf("%w (check access_token: an uninstalled app's token stops working)", err)
			}
			return err
		}
		if page.Orders == nil {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + p.path + ": the response has no orders"}
		}
		for _, raw := range *page.Orders {
			rec := p.order(raw)
			if (rec.Order == nil && rec.Rejects == nil) || !p.yielded.Fresh(rec.Order) {
				continue
			}
			if !yield(rec, nil) {
				return errStop
			}
		}
		if next, err = p.nextLink(resp.Header); err != nil {
			return err
		}
		if seen[next] {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + p.path + ": the next page link points back to a page already read"}
		}
	}
	return nil
}

// nextLink reads rel="next" of the Link header. A link to another host is
// refused: the access token would go with it.
func (p *pull) nextLink(h http.Header) (string, error) {
	for _, v := range h.Values("Link") {
		for part := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(part, ";")
			if !ok || !strings.Contains(strings.ReplaceAll(params, " ", ""), `rel="next"`) {
				continue
			}
			target = strings.Trim(strings.TrimSpace(target), "<>")
			u, err := url.Parse(target)
			if err != nil || u.Host != p.base.Host || u.Query().Get("page_info") == "" {
				return "", &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + p.path + ": the next page link is not a page of this shop"}
			}
			u.Scheme = p.base.Scheme
			return u.String(), nil
		}
	}
	return "", nil
}

const ordersFile = "GET /admin/api/{version}/orders.json"

// order maps one order as the export's first line and item lines are read;
// outside [Since, Until) it returns an empty Record.
func (p *pull) order(raw []byte) connectors.Record {
	var o apiOrder
	if rej := apiclient.DecodeOrder(raw, &o); rej != nil {
		rej.Source, rej.File = Name, ordersFile
		return connectors.Record{Rejects: []connectors.Reject{*rej}}
	}
	f := &apiclient.Fields{Source: Name, File: ordersFile}
	out := &normalize.Order{
		Source:  Name,
		Account: p.src.Account,
		// The name ("#1001") is the id the export groups by, so a file
		// and a pull of the same order merge.
		OrderID:    f.ID("name", o.Name),
		OrderedAt:  f.Time("created_at", o.CreatedAt, true),
		UpdatedAt:  f.Time("updated_at", o.UpdatedAt, false),
		Currency:   normalize.CleanText(o.Currency),
		Discount:   now(f, "total_discounts", o.CurrentTotalDiscounts, o.TotalDiscounts),
		OrderTotal: now(f, "total_price", o.CurrentTotalPrice, o.TotalPrice),
	}
	if !out.UpdatedAt.IsZero() && (out.UpdatedAt.Before(p.src.Since) || !out.UpdatedAt.Before(p.src.Until)) {
		return connectors.Record{}
	}
	if s := o.TotalShippingPriceSet; s != nil && s.ShopMoney.Amount != "" {
		out.Shipping = f.Money("total_shipping_price_set.shop_money.amount", json.Number(s.ShopMoney.Amount))
	} else {
		for i, l := range o.ShippingLines {
			out.Shipping = out.Shipping.Add(f.Money(fmt.Sprintf("shipping_lines[%d].price", i), json.Number(l.Price)))
		}
	}
	cancelledAt := f.Time("cancelled_at", o.CancelledAt, false)
	fin, ful := normalize.CleanText(o.FinancialStatus), normalize.CleanText(o.FulfillmentStatus)
	out.StatusRaw = strings.Trim(fin+"/"+ful, "/")
	out.Status = status(fin, ful, !cancelledAt.IsZero())
	out.PaymentMethod = normalize.CleanText(strings.Join(o.PaymentGatewayNames, " + "))
	if out.PaymentMethod == "" {
		out.PaymentMethod = normalize.CleanText(o.Gateway)
	}

	bill, ship := o.BillingAddress, o.ShippingAddress
	if bill == nil {
		bill = &address{}
	}
	out.Buyer.Name = normalize.CleanName(bill.Name)
	if o.Email != "" {
		out.Buyer.Email, out.Buyer.EmailKind = f.Email("email", o.Email)
	}
	for _, ph := range []struct{ col, v string }{{"phone", o.Phone}, {"customer.phone", customerPhone(o)}, {"billing_address.phone", bill.Phone}} {
		if ph.v != "" {
			if out.Buyer.Phone = f.Phone(ph.col, ph.v); out.Buyer.Phone != "" {
				break
			}
		}
	}
	attrs := map[string]string{}
	for _, a := range o.NoteAttributes {
		k := strings.ToLower(strings.TrimSpace(a.Name))
		if _, dup := attrs[k]; !dup {
			attrs[k] = normalize.CleanText(string(a.Value))
		}
	}
	if doc := firstOf(attrs, "billing_cpf", "cpf", "billing_cnpj", "cnpj", "cpf_cnpj", "document", "documento", "billing_document"); doc != "" {
		out.Buyer.Document, out.Buyer.DocumentType = f.Document("note_attributes", doc)
	}
	if out.PaymentMethod == "" {
		out.PaymentMethod = firstOf(attrs, "payment_type", "payment_method")
	}
	if n := firstOf(attrs, "payment_installment", "installments"); n != "" {
		if v, ok := atoi32(n); ok {
			out.Installments = v
		}
	}

	col := "shipping_address"
	if ship == nil || (ship.City == "" && ship.CountryCode == "") {
		// Orders without shipping (digital goods) still have a billing
		// address; the recipient stays unknown, as in the export.
		col = "billing_address"
		if ship == nil {
			ship = &address{}
		}
		out.Ship.RecipientName = normalize.CleanName(ship.Name)
		out.Ship.Street = normalize.CleanText(ship.Address1)
		ship = &address{City: bill.City, Zip: bill.Zip, ProvinceCode: bill.ProvinceCode, Province: bill.Province, CountryCode: bill.CountryCode, Country: bill.Country}
	} else {
		out.Ship.RecipientName = normalize.CleanName(ship.Name)
		out.Ship.Street = normalize.CleanText(ship.Address1)
		if ship.Phone != "" {
			out.Ship.RecipientPhone = f.Phone("shipping_address.phone", ship.Phone)
		}
	}
	out.Ship.Number = firstOf(attrs, "shipping_street_number")
	out.Ship.Neighborhood = firstOf(attrs, "shipping_neighborhood")
	out.Ship.City = normalize.CleanText(ship.City)
	if cc := firstNonEmpty(ship.CountryCode, ship.Country); cc != "" {
		out.Ship.Country = f.Country(col+".country_code", cc)
	}
	if z := string(ship.Zip); z != "" {
		out.Ship.PostalCode = f.PostalCode(col+".zip", z, out.Ship.Country)
	}
	if st := firstNonEmpty(ship.ProvinceCode, ship.Province); st != "" {
		out.Ship.State = f.State(col+".province_code", st, out.Ship.Country)
	}

	addLines(f, &o, out)
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}
	}
	return connectors.Record{Order: out, Rejects: f.Rejects()}
}

func customerPhone(o apiOrder) string {
	if o.Customer == nil {
		return ""
	}
	return o.Customer.Phone
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

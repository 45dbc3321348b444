package shopee

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/normalize"
)

const (
	defaultBaseURL = "https://openplatform.shopee.com.br"
	tokenPath      = "/api/v2/auth/access_token/get"
	listPath       = "/api/v2/order/get_order_list"
	detailPath     = "/api/v2/order/get_order_detail"
	// Shopee publishes no rate for these calls. No burst: an API that
	// counts requests per second refuses the second of two sent at once.
	defaultRate, defaultBurst = 5, 1
	// markWindow is the list's window, well inside the 15 days the API
	// allows, so that checkpoints come at least once a day of orders.
	markWindow  = 24 * time.Hour
	detailBatch = 50
)

// detailFields are asked for explicitly: without them get_order_detail
// leaves out the buyer, the items and the total.
const detailFields = "buyer_user_id,buyer_username,recipient_address,item_list,pay_time,payment_method,total_amount,buyer_cpf_id,cancel_by,cancel_reason"

// APIOptions lists the settings Pull reads.
func (connector) APIOptions() []connectors.Option {
	return []connectors.Option{
		{Name: "partner_id", Help: "Open Platform partner (app) id", Required: true},
		{Name: "partner_key", Help: "Open Platform partner key (signs every call)", Required: true},
		{Name: "shop_id", Help: "the shop's id from the authorisation callback", Required: true},
		{Name: "refresh_token", Help: "refresh token for the first run; later runs use the saved, rotated one (valid 30 days)"},
	}
}

var _ connectors.APIPuller = connector{}

// Pull yields the orders updated in [Since, Until), window by window of
// one day (the API allows 15), oldest window first, each detail batch
// ordered by update_time. After each window a Record with Checkpoint marks
// that every order updated before its end has been yielded; the day keeps
// a fault's loss to one day of orders at the cost of one list call a day.
func (connector) Pull(ctx context.Context, src connectors.APISource) iter.Seq2[connectors.Record, error] {
	return func(yield func(connectors.Record, error) bool) {
		p, err := newPull(src)
		if err != nil {
			yield(connectors.Record{}, err)
			return
		}
		for from, to := range apiclient.Windows(src.Since, src.Until, markWindow) {
			if err := p.window(ctx, from, to, yield); err != nil {
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
	src       connectors.APISource
	c         *apiclient.Client
	tokens    *apiclient.Tokens
	base      string
	tokenURL  string
	partnerID int64
	shopID    int64
	key       []byte
	now       func() time.Time
	yielded   apiclient.Yielded
}

func newPull(src connectors.APISource) (*pull, error) {
	if err := apiclient.Require(src, "partner_id", "partner_key", "shop_id"); err != nil {
		return nil, err
	}
	if src.Tokens == nil {
		return nil, fmt.Errorf("source %q: no token store: Shopee refresh tokens are single use and must be saved", src.Name)
	}
	pid, err1 := strconv.ParseInt(src.Setting("partner_id"), 10, 64)
	sid, err2 := strconv.ParseInt(src.Setting("shop_id"), 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("source %q: partner_id and shop_id are numbers", src.Name)
	}
	p := &pull{src: src, base: strings.TrimRight(src.BaseURL, "/"), tokenURL: src.TokenURL, partnerID: pid, shopID: sid, key: []byte(src.Setting("partner_key")), now: src.Clock(), yielded: apiclient.Yielded{}}
	if p.base == "" {
		p.base = defaultBaseURL
	}
	if p.tokenURL == "" {
		p.tokenURL = p.base + tokenPath
	}
	p.c = apiclient.ForSource(src, defaultRate, defaultBurst)
	p.c.Check = check
	p.tokens = &apiclient.Tokens{Store: src.Tokens, Initial: src.Setting("refresh_token"), Now: p.now, Secrets: p.c.Secrets, Exchange: p.exchange}
	p.c.Refresh = p.tokens.Refresh
	return p, nil
}

// Sign is hex(HMAC-SHA256(partner_key, partner_id + path + timestamp +
// access_token + shop_id)); public calls (token refresh) sign without the
// last two.
func Sign(key []byte, parts ...string) string {
	m := hmac.New(sha256.New, key)
	for _, s := range parts {
		m.Write([]byte(s))
	}
	return hex.EncodeToString(m.Sum(nil))
}

// check reads the error Shopee reports in a 200 body.
func check(resp *http.Response, body []byte) error {
	var e envelope
	if json.Unmarshal(body, &e) != nil || e.Error == "" {
		return nil
	}
	return bodyError(e.Error, e.Message)
}

func bodyError(code, msg string) error {
	k := apiclient.KindData
	switch {
	case strings.Contains(code, "token"), strings.Contains(code, "auth"), strings.Contains(code, "sign"), strings.Contains(code, "permission"), strings.Contains(code, "shop"):
		k = apiclient.KindAuth
	case strings.Contains(code, "too_many"), strings.Contains(code, "limit"), strings.Contains(code, "busy"):
		k = apiclient.KindQuota
	case strings.Contains(code, "server"), strings.Contains(code, "inner"), strings.Contains(code, "timeout"):
		k = apiclient.KindNetwork
	}
	return &apiclient.Error{Kind: k, Message: strings.TrimSpace(code + ": " + msg)}
}

func (p *pull) exchange(ctx context.Context, rt string) (connectors.Token, error) {
	u, err := url.Parse(p.tokenURL)
	if err != nil {
		return connectors.Token{}, err
	}
	body, _ := json.Marshal(map[string]any{"refresh_token": rt, "partner_id": p.partnerID, "shop_id": p.shopID})
	tc := *p.c
	tc.Refresh, tc.Limiter, tc.Check = nil, nil, nil
	tc.NoRedirect = true
	var ans tokenAnswer
	_, err = tc.Do(ctx, func() (*http.Request, error) {
		ts := strconv.FormatInt(p.now().Unix(), 10)
		q := url.Values{"partner_id": {strconv.FormatInt(p.partnerID, 10)}, "timestamp": {ts},
			"sign": {Sign(p.key, strconv.FormatInt(p.partnerID, 10), u.Path, ts)}}
		r, err := http.NewRequest(http.MethodPost, p.tokenURL+"?"+q.Encode(), bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	}, &ans)
	if err != nil {
		return connectors.Token{}, apiclient.AuthOnRefusal(err)
	}
	if ans.Error != "" {
		return connectors.Token{}, &apiclient.Error{Kind: apiclient.KindAuth, Message: "token refresh refused: " + ans.Error + ": " + ans.Message}
	}
	return connectors.Token{AccessToken: ans.AccessToken, RefreshToken: ans.RefreshToken, ExpiresAt: apiclient.Expiry(p.now(), string(ans.ExpireIn))}, nil
}

// get calls a shop API with a fresh timestamp and signature per attempt.
func (p *pull) get(ctx context.Context, path string, q url.Values, into any) error {
	var env envelope
	_, err := p.c.Do(ctx, func() (*http.Request, error) {
		tok, err := p.tokens.Access(ctx)
		if err != nil {
			return nil, err
		}
		ts := strconv.FormatInt(p.now().Unix(), 10)
		pid, sid := strconv.FormatInt(p.partnerID, 10), strconv.FormatInt(p.shopID, 10)
		all := url.Values{}
		for k, v := range q {
			all[k] = v
		}
		all.Set("partner_id", pid)
		all.Set("timestamp", ts)
		all.Set("access_token", tok)
		all.Set("shop_id", sid)
		all.Set("sign", Sign(p.key, pid, path, ts, tok, sid))
		return http.NewRequest(http.MethodGet, p.base+path+"?"+all.Encode(), nil)
	}, &env)
	if err != nil {
		return err
	}
	if len(env.Response) == 0 || string(env.Response) == "null" {
		return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + path + ": the answer has no response"}
	}
	d := json.NewDecoder(bytes.NewReader(env.Response))
	d.UseNumber()
	if err := d.Decode(into); err != nil {
		return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + path + ": malformed response: " + err.Error()}
	}
	return nil
}

// window lists the orders updated in [from, to) and reads them in batches.
// time_to is inclusive at Shopee, so it stops a second short of to.
func (p *pull) window(ctx context.Context, from, to time.Time, yield func(connectors.Record, error) bool) error {
	cursor := ""
	for {
		q := url.Values{
			"time_range_field": {"update_time"},
			"time_from":        {strconv.FormatInt(from.Unix(), 10)},
			"time_to":          {strconv.FormatInt(to.Add(-time.Second).Unix(), 10)},
			"page_size":        {"100"},
			"cursor":           {cursor},
		}
		var list orderList
		if err := p.get(ctx, listPath, q, &list); err != nil {
			return err
		}
		var sns []string
		for _, o := range list.OrderList {
			sns = append(sns, o.OrderSN)
		}
		for batch := range slices.Chunk(sns, detailBatch) {
			if err := p.details(ctx, batch, yield); err != nil {
				return err
			}
		}
		if !list.More {
			return nil
		}
		if list.NextCursor == "" || list.NextCursor == cursor {
			return &apiclient.Error{Kind: apiclient.KindData, Message: "GET " + listPath + ": more=true without a new next_cursor"}
		}
		cursor = list.NextCursor
	}
}

const detailFile = "GET " + detailPath

func (p *pull) details(ctx context.Context, sns []string, yield func(connectors.Record, error) bool) error {
	var d orderDetail
	q := url.Values{"order_sn_list": {strings.Join(sns, ",")}, "response_optional_fields": {detailFields}}
	if err := p.get(ctx, detailPath, q, &d); err != nil {
		return err
	}
	var recs []connectors.Record
	for _, raw := range d.OrderList {
		recs = append(recs, p.order(raw))
	}
	slices.SortStableFunc(recs, func(a, b connectors.Record) int {
		if a.Order == nil || b.Order == nil {
			return 0
		}
		return a.Order.UpdatedAt.Compare(b.Order.UpdatedAt)
	})
	for _, r := range recs {
		if !p.yielded.Fresh(r.Order) {
			continue
		}
		if !yield(r, nil) {
			return errStop
		}
	}
	return nil
}

// apiStatusRules read get_order_detail's order_status.
var apiStatusRules = []normalize.StatusRule{
	{Match: normalize.Equals("CANCELLED", "IN_CANCEL"), Status: normalize.StatusCancelled},
	{Match: normalize.Equals("TO_RETURN"), Status: normalize.StatusReturned},
	{Match: normalize.Equals("COMPLETED"), Status: normalize.StatusDelivered},
	{Match: normalize.Equals("SHIPPED", "TO_CONFIRM_RECEIVE"), Status: normalize.StatusShipped},
	{Match: normalize.Equals("READY_TO_SHIP", "PROCESSED", "RETRY_SHIP", "INVOICE_PENDING"), Status: normalize.StatusPaid},
	{Match: normalize.Equals("UNPAID", "PENDING"), Status: normalize.StatusPending},
}

func (p *pull) order(raw json.RawMessage) connectors.Record {
	var a apiOrder
	if rej := apiclient.DecodeOrder(raw, &a); rej != nil {
		rej.Source, rej.File = Name, detailFile
		return connectors.Record{Rejects: []connectors.Reject{*rej}}
	}
	f := &apiclient.Fields{Source: Name, File: detailFile}
	o := &normalize.Order{
		Source:        Name,
		Account:       p.src.Account,
		OrderID:       normalize.CleanText(a.OrderSN),
		OrderedAt:     f.Unix("create_time", a.CreateTime, true),
		UpdatedAt:     f.Unix("update_time", a.UpdateTime, false),
		StatusRaw:     a.OrderStatus,
		Status:        normalize.StatusFromRules(a.OrderStatus, apiStatusRules),
		Currency:      a.Currency,
		OrderTotal:    f.Money("total_amount", a.TotalAmount),
		PaymentMethod: a.PaymentMethod,
	}
	if o.OrderID == "" {
		f.Skip("order_sn", "", "the order id is empty")
	}
	if o.Currency == "" {
		o.Currency = "BRL"
	}
	// As in the export: the username is the buyer's reference.
	o.Buyer.Ref = normalize.CleanText(a.BuyerUsername)
	if cpf := string(a.BuyerCPF); cpf != "" && !normalize.IsMasked(cpf) {
		o.Buyer.Document, o.Buyer.DocumentType = f.Document("buyer_cpf_id", cpf)
	}
	ra := a.RecipientAddress
	o.Ship.RecipientName = normalize.CleanName(ra.Name)
	if ra.Phone != "" && !normalize.IsMasked(ra.Phone) {
		o.Ship.RecipientPhone = f.Phone("recipient_address.phone", ra.Phone)
	}
	if !normalize.IsMasked(ra.FullAddress) {
		o.Ship.Street = normalize.CleanText(ra.FullAddress)
	}
	o.Ship.Neighborhood = normalize.CleanText(ra.District)
	o.Ship.City = normalize.CleanText(ra.City)
	if ra.State != "" {
		o.Ship.State = f.UF("recipient_address.state", ra.State)
	}
	if z := string(ra.Zipcode); z != "" {
		o.Ship.PostalCode = f.CEP("recipient_address.zipcode", z)
	}
	if c := ra.Region; c != "" {
		o.Ship.Country = f.Country("recipient_address.region", c)
	}
	for i, it := range a.ItemList {
		col := fmt.Sprintf("item_list[%d]", i)
		l := normalize.Line{
			LineNo:    i + 1,
			SKU:       normalize.CleanText(it.ModelSKU),
			ListingID: string(it.ItemID),
			Title:     normalize.CleanText(it.ItemName),
			Variation: normalize.CleanText(it.ModelName),
			Quantity:  f.Int(col+".model_quantity_purchased", it.ModelQuantityPurchased, true),
			UnitPrice: f.Money(col+".model_discounted_price", it.ModelDiscountedPrice),
			Status:    o.Status,
		}
		if l.SKU == "" {
			l.SKU = normalize.CleanText(it.ItemSKU)
		}
		// Bundle-deal items come with a discounted price of 0.
		if l.UnitPrice.Cents == 0 {
			if orig := f.Money(col+".model_original_price", it.ModelOriginalPrice); orig.Cents > 0 {
				l.UnitPrice = orig
			}
		}
		if l.UnitPrice.Valid {
			l.LineTotal = l.UnitPrice.Times(l.Quantity)
		}
		o.ItemsTotal = o.ItemsTotal.Add(l.LineTotal)
		o.Lines = append(o.Lines, l)
	}
	if f.Skipped() {
		return connectors.Record{Rejects: f.Rejects()}
	}
	return connectors.Record{Order: o, Rejects: f.Rejects()}
}

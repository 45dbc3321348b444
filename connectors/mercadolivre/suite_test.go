package mercadolivre

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors/pullertest"
)

const suiteSeller = "987654321"

// suiteAPI is Mercado Livre's Orders API as the suite drives it: rotating
// single-use refresh tokens whose answer carries user_id, bearer tokens,
// hour-granular filters, a search sorted by date_closed either way that
// refuses offsets from 10,000 on, status filters, billing info.
type suiteAPI struct{ env *pullertest.Env }

func (a suiteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/oauth/token" {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_secret") != "suite-secret" {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_client","status":400}`)
			return
		}
		access, refresh, ttl, ok := a.env.Tokens.Refresh(r.PostForm.Get("refresh_token"))
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_grant","error_description":"Error validating grant. Your authorization code or refresh token may be expired or it was already used","status":400}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d,"scope":"offline_access read","user_id":%s,"refresh_token":%q}`, access, ttl, suiteSeller, refresh)
		return
	}
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !a.env.Tokens.Valid(tok) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"message":"invalid access token","error":"unauthorized","status":401}`)
		return
	}
	switch {
	case r.URL.Path == "/users/me":
		fmt.Fprintf(w, `{"id":%s,"nickname":"LOJA"}`, suiteSeller)
	case r.URL.Path == "/orders/search":
		a.search(w, r)
	case strings.HasPrefix(r.URL.Path, "/orders/billing-info/MLB/"):
		fmt.Fprint(w, `{"site_id":"MLB","buyer":{"billing_info":{"name":"Maria","last_name":"Silva","identification":{"type":"CPF","number":"52998224725"}}}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (a suiteAPI) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"message":%q,"error":"bad_request","status":400}`, msg)
	}
	if q.Get("seller") != suiteSeller {
		bad("invalid seller")
		return
	}
	parse := func(k string) time.Time {
		t, err := time.Parse("2006-01-02T15:04:05.000-07:00", q.Get(k))
		if err != nil {
			return time.Time{}
		}
		return t.Truncate(time.Hour) // minutes and below are ignored
	}
	from, to := parse("order.date_last_updated.from"), parse("order.date_last_updated.to")
	off, err1 := strconv.Atoi(q.Get("offset"))
	lim, err2 := strconv.Atoi(q.Get("limit"))
	switch {
	case from.IsZero() || to.IsZero():
		bad("invalid date")
		return
	case err1 != nil || err2 != nil || lim < 1 || lim > 51 || off < 0:
		bad("invalid paging")
		return
	case off >= maxOffset:
		bad(fmt.Sprintf("offset must be lower than %d", maxOffset))
		return
	}
	var status map[string]bool
	if s := q.Get("order.status"); s != "" {
		status = map[string]bool{}
		for st := range strings.SplitSeq(s, ",") {
			status[st] = true
		}
	}
	a.env.Page()
	desc := false
	switch q.Get("sort") {
	case "", "date_asc":
	case "date_desc":
		desc = true
	default:
		bad("invalid sort")
		return
	}
	// The to bound names an hour that is included.
	page, total := a.env.Store.Page(from, to.Add(time.Hour), func(o pullertest.Order) bool { return status == nil || status[o.Status] }, desc, off, lim)
	if a.env.EmptyNow() {
		page = nil
	}
	results := make([]json.RawMessage, 0, len(page))
	for _, o := range page {
		results = append(results, suiteOrder(o))
	}
	json.NewEncoder(w).Encode(map[string]any{"results": results, "paging": map[string]any{"total": total, "offset": off, "limit": lim}})
}

func suiteOrder(o pullertest.Order) json.RawMessage {
	brt := time.FixedZone("", -3*3600)
	f := func(t time.Time) string { return t.In(brt).Format("2006-01-02T15:04:05.000-07:00") }
	return json.RawMessage(fmt.Sprintf(`{"id":%s,"date_created":%q,"date_closed":%q,"date_last_updated":%q,"last_updated":%q,"status":%q,`+
		`"order_items":[{"item":{"id":"MLB100","title":"Camiseta","seller_sku":"CAM-P"},"quantity":2,"unit_price":39.9,"sale_fee":6.5}],`+
		`"total_amount":79.8,"paid_amount":79.8,"currency_id":"BRL","buyer":{"id":5550001,"billing_info":{"id":"BI-%s"}},`+
		`"payments":[{"status":"approved","installments":1,"payment_type":"pix","shipping_cost":0}],"tags":["paid"]}`,
		o.ID, f(o.Created), f(o.Created), f(o.Updated), f(o.Updated), o.Status, o.ID[len(o.ID)-2:]))
}

func TestPullerConformance(t *testing.T) {
	// A search that stops at 500 takes the same paths as the real one at
	// 10,000 with a twentieth of the orders; busy_test.go runs the real size.
	old := maxOffset
	maxOffset = 500
	t.Cleanup(func() { maxOffset = old })
	conformance(t)
}

func conformance(t *testing.T) { pullertest.Run(t, suitePuller()) }

// BenchmarkPull reports the pull rate against an API allowing 20 requests
// a second.
func BenchmarkPull(b *testing.B) { pullertest.Bench(b, suitePuller(), 20, 2000) }

func suitePuller() pullertest.Puller {
	return pullertest.Puller{
		Connector: connector{},
		API:       func(env *pullertest.Env) http.Handler { return suiteAPI{env} },
		// No seller_id: it comes from the token.
		Settings: map[string]string{"client_id": "123", "client_secret": "suite-secret"},
		NewID:    func(i int) string { return strconv.FormatInt(2000012300000000+int64(i), 10) },
		Statuses: []string{"paid", "cancelled", "confirmed"},
		Refresh:  true, Rotating: true,
		IsToken:     func(r *http.Request) bool { return r.URL.Path == "/oauth/token" },
		RateKey:     func(r *http.Request) string { return "api" },
		SearchLimit: maxOffset,
	}
}

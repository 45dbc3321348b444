package shopee

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

const (
	suitePartner = "2001887"
	suiteKey     = "suite-partner-key"
	suiteShop    = "14701711"
)

// suiteAPI is Shopee's Open Platform as the suite drives it: signed
// calls, errors in 200 bodies, single-use refresh tokens, an id list in
// windows of at most 15 days with an opaque cursor, details by 50.
type suiteAPI struct{ env *pullertest.Env }

func shopeeError(w http.ResponseWriter, code, msg string) {
	fmt.Fprintf(w, `{"error":%q,"message":%q,"request_id":"r1"}`, code, msg)
}

func (a suiteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ts := q.Get("timestamp")
	if r.URL.Path == tokenPath {
		if q.Get("sign") != Sign([]byte(suiteKey), suitePartner, tokenPath, ts) {
			shopeeError(w, "error_sign", "Wrong sign.")
			return
		}
		var body struct {
			RefreshToken string `json:"refresh_token"`
			ShopID       int64  `json:"shop_id"`
		}
		json.NewDecoder(r.Body).Decode(&body)
		access, refresh, ttl, ok := a.env.Tokens.Refresh(body.RefreshToken)
		if !ok || strconv.FormatInt(body.ShopID, 10) != suiteShop {
			shopeeError(w, "error_param", "Invalid refresh_token.")
			return
		}
		fmt.Fprintf(w, `{"error":"","message":"","access_token":%q,"refresh_token":%q,"expire_in":%d,"shop_id":%s}`, access, refresh, ttl, suiteShop)
		return
	}
	tok := q.Get("access_token")
	if q.Get("sign") != Sign([]byte(suiteKey), suitePartner, r.URL.Path, ts, tok, suiteShop) {
		shopeeError(w, "error_sign", "Wrong sign.")
		return
	}
	if !a.env.Tokens.Valid(tok) {
		shopeeError(w, "invalid_access_token", "Invalid access_token.")
		return
	}
	switch r.URL.Path {
	case listPath:
		a.list(w, q)
	case detailPath:
		a.detail(w, q)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (a suiteAPI) list(w http.ResponseWriter, q map[string][]string) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	from, err1 := strconv.ParseInt(get("time_from"), 10, 64)
	to, err2 := strconv.ParseInt(get("time_to"), 10, 64)
	size, err3 := strconv.Atoi(get("page_size"))
	if err1 != nil || err2 != nil || err3 != nil || to < from || to-from > 15*24*3600 || size < 1 || size > 100 || get("time_range_field") != "update_time" {
		shopeeError(w, "error_param", "Invalid time range or page size.")
		return
	}
	a.env.Page()
	// time_to is inclusive.
	all := a.env.Store.Updated(time.Unix(from, 0), time.Unix(to+1, 0), nil)
	cursor, empty := strings.CutSuffix(get("cursor"), "~e")
	rest := all
	if cursor != "" {
		last, ok := a.env.Store.Get(cursor)
		if !ok {
			shopeeError(w, "error_param", "Invalid cursor.")
			return
		}
		rest = pullertest.After(all, last)
		if a.env.Dup && !empty {
			if i := indexOf(all, cursor); i >= 0 {
				rest = append([]pullertest.Order{all[i]}, rest...)
			}
		}
	}
	page := rest[:min(size, len(rest))]
	more := len(rest) > len(page)
	next := ""
	if more {
		next = page[len(page)-1].ID
	}
	if a.env.Empty && cursor != "" && !empty && a.env.EmptyNow() {
		page, more, next = nil, true, cursor+"~e"
	}
	var list []map[string]string
	for _, o := range page {
		list = append(list, map[string]string{"order_sn": o.ID, "order_status": o.Status})
	}
	json.NewEncoder(w).Encode(map[string]any{"error": "", "message": "", "response": map[string]any{"more": more, "next_cursor": next, "order_list": list}})
}

func indexOf(list []pullertest.Order, id string) int {
	for i, o := range list {
		if o.ID == id {
			return i
		}
	}
	return -1
}

func (a suiteAPI) detail(w http.ResponseWriter, q map[string][]string) {
	sns := strings.Split(strings.Join(q["order_sn_list"], ","), ",")
	if len(sns) > 50 {
		shopeeError(w, "error_param", "order_sn_list holds more than 50.")
		return
	}
	var out []json.RawMessage
	for _, sn := range sns {
		o, ok := a.env.Store.Get(sn)
		if !ok {
			continue
		}
		out = append(out, json.RawMessage(fmt.Sprintf(`{"order_sn":%q,"region":"BR","currency":"BRL","order_status":%q,"create_time":%d,"update_time":%d,`+
			`"total_amount":92.35,"buyer_user_id":123456,"buyer_username":"cliente_%s","buyer_cpf_id":"52998224725",`+
			`"recipient_address":{"name":"M****a","phone":"******99","city":"São Paulo","state":"São Paulo","zipcode":"01001000","full_address":"R****"},`+
			`"item_list":[{"item_id":2200000001,"item_name":"Brinco","item_sku":"GL","model_sku":"GL-COR","model_quantity_purchased":3,"model_original_price":30.8,"model_discounted_price":30.78}]}`,
			o.ID, o.Status, o.Created.Unix(), o.Updated.Unix(), o.ID)))
	}
	json.NewEncoder(w).Encode(map[string]any{"error": "", "message": "", "response": map[string]any{"order_list": out}})
}

func TestPullerConformance(t *testing.T) { pullertest.Run(t, suitePuller()) }

// BenchmarkPull reports the pull rate against an API allowing 20 requests
// a second.
func BenchmarkPull(b *testing.B) { pullertest.Bench(b, suitePuller(), 20, 2000) }

func suitePuller() pullertest.Puller {
	return pullertest.Puller{
		Connector: connector{},
		API:       func(env *pullertest.Env) http.Handler { return suiteAPI{env} },
		Settings:  map[string]string{"partner_id": suitePartner, "partner_key": suiteKey, "shop_id": suiteShop},
		NewID:     func(i int) string { return fmt.Sprintf("2601%06dBR", i) },
		Statuses:  []string{"COMPLETED", "CANCELLED", "SHIPPED"},
		Refresh:   true, Rotating: true,
		IsToken: func(r *http.Request) bool { return r.URL.Path == tokenPath },
		RateKey: func(r *http.Request) string { return "api" },
	}
}

package shopify

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors/pullertest"
)

const suiteToken = "shpat_suite0123456789"

// suiteAPI is the REST Admin orders list as the suite drives it: a static
// access token, inclusive updated_at bounds, status=any, and page_info
// cursors that freeze the filters and resume after the last order served.
type suiteAPI struct {
	env     *pullertest.Env
	mu      sync.Mutex
	cursors map[string]suiteCursor
}

type suiteCursor struct {
	min, max time.Time
	last     string
	empty    bool
}

func (a *suiteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("X-Shopify-Access-Token") != suiteToken {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}`)
		return
	}
	if r.URL.Path != "/admin/api/"+DefaultAPIVersion+"/orders.json" {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"errors":"Not Found"}`)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit < 1 || limit > 250 {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var c suiteCursor
	if pi := q.Get("page_info"); pi != "" {
		for k := range q {
			if k != "page_info" && k != "limit" && k != "fields" {
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"errors":{"page_info":["Invalid value."]}}`)
				return
			}
		}
		var ok bool
		if c, ok = a.cursors[pi]; !ok {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	} else {
		var err1, err2 error
		c.min, err1 = time.Parse(time.RFC3339, q.Get("updated_at_min"))
		c.max, err2 = time.Parse(time.RFC3339, q.Get("updated_at_max"))
		if err1 != nil || err2 != nil || q.Get("status") != "any" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
	}
	a.env.Page()
	all := a.env.Store.Updated(c.min, c.max.Add(time.Second), nil) // inclusive
	rest := all
	if c.last != "" {
		last, _ := a.env.Store.Get(c.last)
		rest = pullertest.After(all, last)
		if a.env.Dup && !c.empty {
			for _, o := range all {
				if o.ID == c.last {
					rest = append([]pullertest.Order{o}, rest...)
				}
			}
		}
	}
	page := rest[:min(limit, len(rest))]
	next := ""
	if len(rest) > len(page) {
		nc := c
		nc.last, nc.empty = page[len(page)-1].ID, false
		next = fmt.Sprintf("eyJsYXN0%d", len(a.cursors))
		a.cursors[next] = nc
	}
	if a.env.Empty && c.last != "" && !c.empty && a.env.EmptyNow() {
		nc := c
		nc.empty = true
		page, next = nil, fmt.Sprintf("eyJsYXN0%d", len(a.cursors))
		a.cursors[next] = nc
	}
	if next != "" {
		w.Header().Set("Link", fmt.Sprintf(`<http://%s%s?limit=%d&page_info=%s>; rel="next"`, r.Host, r.URL.Path, limit, url.QueryEscape(next)))
	}
	orders := []json.RawMessage{}
	for _, o := range page {
		orders = append(orders, json.RawMessage(fmt.Sprintf(`{"id":%s,"name":"#%s","email":"cliente%s@example.com","created_at":%q,"updated_at":%q,`+
			`"financial_status":%q,"fulfillment_status":null,"currency":"BRL","total_price":"204.70","total_discounts":"0.00",`+
			`"billing_address":{"name":"Maria da Silva","city":"São Paulo","zip":"01001-000","province_code":"SP","country_code":"BR"},`+
			`"line_items":[{"sku":"SKU-AZUL-G","name":"Camiseta - Azul / G","title":"Camiseta","variant_title":"Azul / G","quantity":2,"price":"94.85","product_id":7001}]}`,
			strings.TrimPrefix(o.ID, "#"), strings.TrimPrefix(o.ID, "#"), strings.TrimPrefix(o.ID, "#"),
			o.Created.Format(time.RFC3339), o.Updated.Format(time.RFC3339), o.Status)))
	}
	json.NewEncoder(w).Encode(map[string]any{"orders": orders})
}

func TestPullerConformance(t *testing.T) { pullertest.Run(t, suitePuller()) }

// BenchmarkPull reports the pull rate against an API allowing 20 requests
// a second.
func BenchmarkPull(b *testing.B) { pullertest.Bench(b, suitePuller(), 20, 2000) }

func suitePuller() pullertest.Puller {
	return pullertest.Puller{
		Connector: connector{},
		API:       func(env *pullertest.Env) http.Handler { return &suiteAPI{env: env, cursors: map[string]suiteCursor{}} },
		Settings:  map[string]string{"shop": "loja.myshopify.com", "access_token": suiteToken},
		NewID:     func(i int) string { return "#" + strconv.Itoa(1001+i) },
		Statuses:  []string{"paid", "refunded", "pending"},
		IsToken:   func(r *http.Request) bool { return false },
		RateKey:   func(r *http.Request) string { return "api" },
	}
}

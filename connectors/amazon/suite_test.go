package amazon

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors/pullertest"
)

// suiteAPI is LWA and SP-API Orders (v0 or 2026-01-01) as the suite
// drives them: access tokens that expire (refused with 403 "expired"), a
// refresh token that does not rotate, an updated-before bound that must be
// two minutes old, paging tokens that stand for the criteria and resume
// after the last order served.
type suiteAPI struct {
	t       testing.TB
	env     *pullertest.Env
	version string
	keys    orderKeys
	mu      sync.Mutex
	cursors map[string]suiteCursor
	fixture map[string]any
	items   []any
}

type suiteCursor struct {
	after, before time.Time
	last          string // id of the last order served
	empty         bool   // an empty page was served here
}

func newSuiteAPI(t testing.TB, env *pullertest.Env, version string) *suiteAPI {
	a := &suiteAPI{t: t, env: env, version: version, keys: versionKeys[version], cursors: map[string]suiteCursor{}}
	decodeFile(t, a.keys.fixture, &a.fixture)
	if version == VersionV0 {
		decodeFile(t, "testdata/api/items.json", &a.items)
	}
	return a
}

func (a *suiteAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == tokenPath {
		r.ParseForm()
		if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("client_secret") != lwaSecret {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		access, _, ttl, ok := a.env.Tokens.Refresh(r.PostForm.Get("refresh_token"))
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error_description":"The request has an invalid grant parameter : refresh_token","error":"invalid_grant"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":%d}`, access, ttl)
		return
	}
	if !a.env.Tokens.Valid(r.Header.Get("x-amz-access-token")) {
		spError(w, http.StatusForbidden, "Unauthorized", "The access token you provided has expired.")
		return
	}
	q := r.URL.Query()
	switch {
	case a.version == VersionV0 && r.URL.Path == ordersPath:
		a.list(w, q, "NextToken", "LastUpdatedAfter", "LastUpdatedBefore", "MaxResultsPerPage")
	case a.version == VersionV0 && strings.HasSuffix(r.URL.Path, "/orderItems"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, ordersPath+"/"), "/orderItems")
		if _, ok := a.env.Store.Get(id); !ok {
			spError(w, http.StatusNotFound, "NotFound", "order not found")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"payload": map[string]any{"AmazonOrderId": id, "OrderItems": a.items}})
	case a.version == Version2026 && r.URL.Path == searchPath:
		a.list(w, q, "paginationToken", "lastUpdatedAfter", "lastUpdatedBefore", "maxResultsPerPage")
	default:
		spError(w, http.StatusNotFound, "NotFound", "no such path")
	}
}

// order is the fixture order made into o. The fixture's nested objects
// are shared between orders, so only top-level keys are replaced and the
// status, which is nested in 2026-01-01, gets a copy of its object.
func (a *suiteAPI) order(o pullertest.Order) map[string]any {
	m := maps.Clone(a.fixture)
	if top, rest, nested := strings.Cut(a.keys.status, "."); nested {
		inner := maps.Clone(m[top].(map[string]any))
		inner[rest] = o.Status
		m[top] = inner
	} else {
		m[a.keys.status] = o.Status
	}
	m[a.keys.id] = o.ID
	m[a.keys.created] = o.Created.Format(time.RFC3339)
	m[a.keys.updated] = o.Updated.Format(time.RFC3339)
	return m
}

func (a *suiteAPI) list(w http.ResponseWriter, q url.Values, tokenKey, afterKey, beforeKey, sizeKey string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	var cur suiteCursor
	if tok := q.Get(tokenKey); tok != "" {
		var ok bool
		if cur, ok = a.cursors[tok]; !ok {
			spError(w, http.StatusBadRequest, "InvalidInput", "Invalid "+tokenKey)
			return
		}
	} else {
		after, err1 := time.Parse(time.RFC3339, q.Get(afterKey))
		before, err2 := time.Parse(time.RFC3339, q.Get(beforeKey))
		n, _ := strconv.Atoi(q.Get(sizeKey))
		if err1 != nil || err2 != nil || n < 1 || n > 100 || before.Before(after) {
			spError(w, http.StatusBadRequest, "InvalidInput", "bad criteria")
			return
		}
		if before.After(a.env.Clock.Now().Add(-2 * time.Minute)) {
			spError(w, http.StatusBadRequest, "InvalidInput", beforeKey+" must be at least 2 minutes before the request time")
			return
		}
		cur = suiteCursor{after: after, before: before}
	}
	a.env.Page()
	// Both bounds are inclusive.
	all := a.env.Store.Updated(cur.after, cur.before.Add(time.Second), nil)
	rest := all
	if cur.last != "" {
		last, _ := a.env.Store.Get(cur.last)
		rest = pullertest.After(all, last)
		if a.env.Dup && !cur.empty {
			for _, o := range all {
				if o.ID == cur.last {
					rest = append([]pullertest.Order{o}, rest...)
				}
			}
		}
	}
	page := rest[:min(100, len(rest))]
	next := ""
	if len(rest) > len(page) {
		c := cur
		c.last, c.empty = page[len(page)-1].ID, false
		next = fmt.Sprintf("tok-%d", len(a.cursors))
		a.cursors[next] = c
	}
	if a.env.Empty && cur.last != "" && !cur.empty && a.env.EmptyNow() {
		c := cur
		c.empty = true
		page, next = nil, fmt.Sprintf("tok-%d", len(a.cursors))
		a.cursors[next] = c
	}
	orders := []map[string]any{}
	for _, o := range page {
		orders = append(orders, a.order(o))
	}
	if a.version == VersionV0 {
		payload := map[string]any{"Orders": orders}
		if next != "" {
			payload["NextToken"] = next
		}
		json.NewEncoder(w).Encode(map[string]any{"payload": payload})
		return
	}
	out := map[string]any{"orders": orders}
	if next != "" {
		out["pagination"] = map[string]any{"nextToken": next}
	}
	json.NewEncoder(w).Encode(out)
}

func TestPullerConformance(t *testing.T) {
	eachVersion(t, func(t *testing.T, version string) { pullertest.Run(t, suitePuller(t, version)) })
}

// BenchmarkPull reports the pull rate against an API allowing 20 requests
// a second (both usage plans), items included.
func BenchmarkPull(b *testing.B) {
	for _, v := range []string{VersionV0, Version2026} {
		b.Run(v, func(b *testing.B) { pullertest.Bench(b, suitePuller(b, v), 20, 500) })
	}
}

func suitePuller(t testing.TB, version string) pullertest.Puller {
	statuses := map[string][]string{VersionV0: {"Shipped", "Canceled", "Unshipped"}, Version2026: {"SHIPPED", "CANCELLED", "UNSHIPPED"}}
	return pullertest.Puller{
		Connector: connector{},
		API:       func(env *pullertest.Env) http.Handler { return newSuiteAPI(t, env, version) },
		Settings:  map[string]string{"client_id": "amzn1.application-oa2-client.abc", "client_secret": lwaSecret, "api_version": version},
		NewID:     func(i int) string { return fmt.Sprintf("701-%07d-%07d", i/1000, i) },
		Statuses:  statuses[version],
		Refresh:   true,
		IsToken:   func(r *http.Request) bool { return r.URL.Path == tokenPath },
		RateKey: func(r *http.Request) string {
			if r.URL.Path == ordersPath || r.URL.Path == searchPath {
				return "orders"
			}
			return "items"
		},
	}
}

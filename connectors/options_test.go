package connectors_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	_ "github.com/orderhist/orderhist/connectors/all"
)

func TestCheckFileOptions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		connector string
		opts      map[string]string
		want      string // "" for accepted
	}{
		{"none", "shopify", nil, ""},
		{"known", "shopify", map[string]string{"timezone": "America/Manaus"}, ""},
		{"misspelt", "shopify", map[string]string{"timezon": "America/Manaus"}, "unknown option timezon for connector shopify; valid: timezone"},
		{"connector with none", "shopee", map[string]string{"timezone": "UTC"}, "unknown option timezone: connector shopee takes no options"},
		{"unknown connector left to lookup", "magalu", map[string]string{"x": "y"}, ""},
		{"any connector's", "", map[string]string{"mapping": "m.yaml", "timezone": "UTC"}, ""},
		{"no connector's", "", map[string]string{"timezon": "UTC"}, "unknown option timezon: no connector takes it; valid: mapping (csv), timezone (shopify)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := connectors.CheckFileOptions(tc.connector, tc.opts)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckAPISettings(t *testing.T) {
	shopify, _ := connectors.Lookup("shopify")
	if err := connectors.CheckAPISettings(shopify, map[string]string{"shop": "x", "access_token": "y", "base_url": "http://127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	err := connectors.CheckAPISettings(shopify, map[string]string{"shop": "x", "acess_token": "y"})
	if err == nil || err.Error() != "unknown setting acess_token for connector shopify; valid: shop, access_token, api_version, base_url, token_url" {
		t.Fatalf("error %v", err)
	}
}

func TestDescribeAddsAPISettings(t *testing.T) {
	info := connectors.Describe(mustLookup(t, "shopify"))
	if !slices.Contains(info.Formats, "api") || !slices.Contains(info.Formats, "csv") {
		t.Errorf("formats %v", info.Formats)
	}
	var names []string
	for _, o := range info.Options {
		names = append(names, o.Name)
		if o.Name == "shop" && !strings.HasPrefix(o.Help, "api: ") {
			t.Errorf("API setting help %q is not marked api:", o.Help)
		}
	}
	if !slices.Contains(names, "timezone") || !slices.Contains(names, "access_token") {
		t.Errorf("options %v", names)
	}
	if tiktok := connectors.Describe(mustLookup(t, "tiktok")); slices.Contains(tiktok.Formats, "api") {
		t.Errorf("tiktok has no puller, formats %v", tiktok.Formats)
	}
}

func mustLookup(t *testing.T, name string) connectors.Connector {
	t.Helper()
	c, ok := connectors.Lookup(name)
	if !ok {
		t.Fatalf("no connector %s", name)
	}
	return c
}

func TestInspectFile(t *testing.T) {
	exports := filepath.Join("..", "testdata", "exports")
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	r := connectors.InspectFile(t.Context(), filepath.Join(exports, "pedidos_ptbr.csv"), nil, nil, now)
	if r.Error != "" || r.Connector != "csv" || r.Encoding == "" || r.Delimiter != "semicolon" || r.Orders == 0 || r.Rows < r.Orders {
		t.Fatalf("pedidos_ptbr.csv: %+v", r)
	}
	r = connectors.InspectFile(t.Context(), filepath.Join(exports, "amazon_GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL.tsv"), nil, nil, now)
	if r.Error != "" || r.Connector != "amazon" || r.Delimiter != "tab" || r.Orders == 0 {
		t.Fatalf("amazon export: %+v", r)
	}
	if !slices.Contains(r.Mapping, connectors.ColumnMapping{Column: "amazon-order-id", Field: "order_id"}) {
		t.Errorf("mapping %v lacks amazon-order-id -> order_id", r.Mapping)
	}
	// Forced onto a connector it does not fit: the read says why.
	shopee, _ := mustLookup(t, "shopee").(connectors.FileReader)
	r = connectors.InspectFile(t.Context(), filepath.Join(exports, "shopify_orders_export.csv"), shopee, nil, now)
	if r.Error == "" || r.Connector != "shopee" || r.Orders != 0 {
		t.Errorf("shopify export read as shopee: %+v", r)
	}
	r = connectors.InspectFile(t.Context(), filepath.Join(t.TempDir(), "missing.csv"), nil, nil, now)
	if r.Error == "" {
		t.Errorf("a missing file: %+v", r)
	}
}

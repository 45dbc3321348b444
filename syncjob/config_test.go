package syncjob

import (
	"errors"
	"github.com/orderhist/orderhist/dataset"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/orderhist/orderhist/connectors/all"
)

func writeConfig(t *testing.T, dir, body string) string {
	t.Helper()
	p := filepath.Join(dir, "orderhist.yaml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// goTypeName is a Go type as the YAML decoder names one: words that mean
// nothing to a seller reading an error.
func hasGoTypeName(s string) bool {
	return strings.Contains(s, "syncjob.") || strings.Contains(s, "cmd.") ||
		strings.Contains(s, "map[") || strings.Contains(s, "[]") || strings.Contains(s, "!!")
}

func TestLoadErrorsNameTheKey(t *testing.T) {
	getenv := env(map[string]string{"SECRET": "s3cret"})
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown source key", "sources:\n  - name: a\n    connector: amazon\n    files: x/*.tsv\n    lookbak: 3d\n",
			"line 5: sources[0]: unknown key lookbak; valid: name, connector, account, files, api, options, start, lookback"},
		{"unknown top key", "outt: /tmp\nsources: []\n", "line 1: unknown key outt; valid: out, pii, match_weight, snapshot_retention, segments, catalog, s3, sources"},
		{"unknown key in a merge", "base: &b {lookbak: 3d}\nsources: []\n", "unknown key base"},
		{"unknown merged key", "sources:\n  - &a {name: a, connector: amazon, files: x}\n  - <<: *a\n    name: b\n    fille: y\n", "sources[1]: unknown key fille"},
		{"unknown file option", "sources:\n  - name: a\n    connector: shopify\n    files: x/*.csv\n    options: {timezon: America/Manaus}\n",
			"options: unknown option timezon for connector shopify; valid: timezone"},
		{"option of a connector with none", "sources:\n  - {name: a, connector: shopee, files: x, options: {mapping: m.yaml}}\n",
			"unknown option mapping: connector shopee takes no options"},
		{"unknown api setting", "sources:\n  - name: a\n    connector: mercadolivre\n    start: 2025-01-01\n    api: {client_id: x, client_secrett: \"${SECRET}\"}\n",
			"api: unknown setting client_secrett for connector mercadolivre; valid: client_id, client_secret, refresh_token, seller_id, billing_info, base_url, token_url"},
		{"options on an api source", "sources:\n  - {name: a, connector: shopify, start: 2025-01-01, api: {shop: x}, options: {timezone: UTC}}\n", "options are for files sources"},
		{"missing variable", "sources:\n  - name: a\n    connector: shopify\n    files: ${NOT_SET}/*.csv\n", "sources[0].files: environment variable NOT_SET is not set"},
		{"bad lookback", "sources:\n  - name: a\n    connector: amazon\n    files: x\n    lookback: soon\n", "lookback"},
		{"bad start", "sources:\n  - name: a\n    connector: amazon\n    files: x\n    start: 01/02/2025\n", "start"},
		{"bad pattern", "sources:\n  - {name: a, connector: amazon, files: \"x/[a-\"}\n", "not a valid pattern"},
		{"duplicate name", "sources:\n  - {name: a, connector: amazon, files: x}\n  - {name: a, connector: shopify, files: y}\n", "used by another source"},
		{"unknown connector", "sources:\n  - {name: a, connector: magalu, files: x}\n", "no connector named \"magalu\""},
		{"files and api", "sources:\n  - name: a\n    connector: amazon\n    files: x\n    api:\n      client_id: ${SECRET}\n", "not both"},
		{"neither", "sources:\n  - {name: a, connector: amazon}\n", "either files"},
		{"bad name", "sources:\n  - {name: A B, connector: amazon, files: x}\n", "name"},
		{"no sources", "out: x\n", "no source"},
		{"empty file", "", "no source"},
		{"bad pii", "pii: rot13\nsources:\n  - {name: a, connector: amazon, files: x}\n", "pii"},
		{"bad match weight", "match_weight: lots\nsources:\n  - {name: a, connector: amazon, files: x}\n", "match_weight"},
		{"negative snapshot retention", "snapshot_retention: -24h\nsources:\n  - {name: a, connector: amazon, files: x}\n", "snapshot_retention"},
		{"bad snapshot retention", "snapshot_retention: a month\nsources:\n  - {name: a, connector: amazon, files: x}\n", "snapshot_retention"},
		{"unknown segments key", "segments: {inactive: 30}\nsources:\n  - {name: a, connector: amazon, files: x}\n",
			"segments: unknown key inactive; valid: timezone, inactive_days, recurring_orders"},
		{"segments not a set", "segments: 30\nsources:\n  - {name: a, connector: amazon, files: x}\n", "segments: must be a set of keys"},
		{"bad time zone", "segments: {timezone: Brasilia}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "segments.timezone: unknown time zone \"Brasilia\""},
		{"bad inactive days", "segments: {inactive_days: 0}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "segments.inactive_days: \"0\" must be a whole number"},
		{"bad recurring orders", "segments: {recurring_orders: two}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "segments.recurring_orders"},
		{"sources not a list", "sources: amazon\n", "line 1: sources: must be a list"},
		{"source not a mapping", "sources:\n  - amazon\n", "line 2: sources[0]: must be a set of keys"},
		{"files a list", "sources:\n  - {name: a, connector: amazon, files: [x, y]}\n", "sources[0].files: must be a single value"},
		{"options a list", "sources:\n  - {name: a, connector: csv, files: x, options: [mapping]}\n", "sources[0].options: must be a set of keys"},
		{"nested option", "sources:\n  - {name: a, connector: csv, files: x, options: {mapping: {file: m}}}\n", "sources[0].options.mapping: must be a single value"},
		{"top a list", "- out: x\n", "line 1: must be a set of keys"},
		{"s3 out without bucket", "out: s3:///x\nsources:\n  - {name: a, connector: amazon, files: x}\n", "out: \"s3:///x\" is not a valid S3 location (s3://BUCKET/PREFIX): the bucket name is missing"},
		{"s3 out bad bucket", "out: s3://My_Bucket/x\nsources:\n  - {name: a, connector: amazon, files: x}\n", "bucket \"My_Bucket\""},
		{"gs out", "out: gs://bucket\nsources:\n  - {name: a, connector: amazon, files: x}\n", "the scheme must be s3://, not gs://"},
		{"https out", "out: https://example.com/data\nsources:\n  - {name: a, connector: amazon, files: x}\n", "not a bucket location"},
		{"s3 block without s3 out", "out: ./data\ns3: {endpoint: \"http://127.0.0.1:7070\"}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "s3: the block is set but out"},
		{"s3 unknown key", "out: s3://bucket/x\ns3: {endpoint: \"http://127.0.0.1:7070\", access_key: x}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "s3: unknown key access_key"},
		{"not yaml", "sources: [\n", "did not find expected"},
		{"catalog type", "catalog: {type: rest, uri: \"postgres://u:${SECRET}@db:5432/cat\", namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: type \"rest\": the only catalog type is sql"},
		{"catalog no type", "catalog: {uri: \"postgres://u:${SECRET}@db:5432/cat\", namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: type \"\""},
		{"catalog unknown key", "catalog: {type: sql, url: x, namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: unknown key url; valid: type, uri, namespace, name"},
		{"catalog not a set", "catalog: sql\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: must be a set of keys"},
		{"catalog no uri", "catalog: {type: sql, namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: uri is empty"},
		{"catalog mysql", "catalog: {type: sql, uri: \"mysql://u:${SECRET}@db/cat\", namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: uri: scheme \"mysql\": only PostgreSQL"},
		{"catalog no database", "catalog: {type: sql, uri: \"postgres://u:${SECRET}@db:5432\", namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: uri names no host or no database"},
		{"catalog bad uri", "catalog: {type: sql, uri: \"postgres://u:${SECRET}@db:port/x\", namespace: orderhist}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: uri is not"},
		{"catalog no namespace", "catalog: {type: sql, uri: \"postgres://u:${SECRET}@db:5432/cat\"}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: namespace is empty"},
		{"catalog bad namespace", "catalog: {type: sql, uri: \"postgres://u:${SECRET}@db:5432/cat\", namespace: \"a;drop\"}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: namespace \"a;drop\""},
		{"catalog bad name", "catalog: {type: sql, uri: \"postgres://u:${SECRET}@db:5432/cat\", namespace: x, name: 1x}\nsources:\n  - {name: a, connector: amazon, files: x}\n", "catalog: name \"1x\""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, t.TempDir(), tc.yaml)
			_, err := Load(p, getenv)
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v (%T), want a ConfigError with %q", err, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), p+": ") {
				t.Errorf("error %q does not start with the configuration's path", err)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Error("a secret from the environment appeared in an error")
			}
			if hasGoTypeName(err.Error()) {
				t.Errorf("error %q names a Go type", err)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), env(nil))
	var ce *ConfigError
	if !errors.As(err, &ce) || !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want a ConfigError wrapping not-exist", err)
	}
}

// TestLoadResolvesRelativePaths: cron runs in another folder than the
// configuration's, so out:, files: and options naming files are taken
// relative to the configuration file, not to the working directory.
func TestLoadResolvesRelativePaths(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "etc")
	os.MkdirAll(dir, 0o755)
	abs := filepath.Join(t.TempDir(), "abs")
	p := writeConfig(t, dir, `out: ./data
sources:
  - {name: a, connector: csv, files: "drop/*.csv", options: {mapping: maps/erp.yaml}}
  - {name: b, connector: shopify, files: ../shop/*.csv, options: {timezone: America/Manaus}}
  - {name: c, connector: amazon, files: "${ABS}/*.tsv"}
  - name: d
    connector: mercadolivre
    start: 2025-01-01
    api: {client_id: "1", client_secret: x, base_url: "http://127.0.0.1:1"}
`)
	t.Chdir(t.TempDir()) // somewhere else, as cron would be
	c, err := Load(p, env(map[string]string{"ABS": abs}))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ got, want string }{
		{c.Out, filepath.Join(dir, "data")},
		{c.Sources[0].Files, filepath.Join(dir, "drop", "*.csv")},
		{c.Sources[0].Options["mapping"], filepath.Join(dir, "maps", "erp.yaml")},
		{c.Sources[1].Files, filepath.Join(filepath.Dir(dir), "shop", "*.csv")},
		{c.Sources[1].Options["timezone"], "America/Manaus"}, // not a path
		{c.Sources[2].Files, filepath.Join(abs, "*.tsv")},
		{c.Sources[3].API["base_url"], "http://127.0.0.1:1"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
	if c.Sources[0].Account != "main" || c.Sources[3].lookback != DefaultLookback {
		t.Errorf("defaults not applied: %+v", c.Sources)
	}
}

func TestLoadEmptyOutStaysEmpty(t *testing.T) {
	p := writeConfig(t, t.TempDir(), "sources:\n  - {name: a, connector: amazon, files: x}\n")
	c, err := Load(p, env(nil))
	if err != nil || c.Out != "" {
		t.Fatalf("out %q, err %v: an unset out must leave --out to decide", c.Out, err)
	}
}

func TestConfigPath(t *testing.T) {
	for _, tc := range []struct{ flag, env, want string }{
		{"/etc/a.yaml", "/etc/b.yaml", "/etc/a.yaml"},
		{"", "/etc/b.yaml", "/etc/b.yaml"},
		{"", "", "orderhist.yaml"},
	} {
		if got := ConfigPath(tc.flag, env(map[string]string{"ORDERHIST_CONFIG": tc.env})); got != tc.want {
			t.Errorf("ConfigPath(%q) with $ORDERHIST_CONFIG=%q = %q, want %q", tc.flag, tc.env, got, tc.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]string{"72h": "72h0m0s", "3d": "72h0m0s", "90m": "1h30m0s"} {
		d, err := parseDuration(in)
		if err != nil || d.String() != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"soon", "xd", "3 days"} {
		if _, err := parseDuration(in); err == nil {
			t.Errorf("parseDuration(%q) accepted", in)
		}
	}
}

// FuzzLoadConfig: any configuration either loads with every source valid
// (a unique name, a known connector, files or an api) or is a
// ConfigError that names no Go type.
func FuzzLoadConfig(f *testing.F) {
	f.Add("sources:\n  - {name: a, connector: amazon, files: x/*.tsv}\n")
	f.Add("out: /tmp/x\npii: hash\nsources:\n  - name: b\n    connector: shopify\n    files: ${HOME}/*.csv\n    lookback: 3d\n")
	f.Add("sources:\n  - {name: a, connector: amazon}\n")
	f.Add("sources:\n  - &a {name: a, connector: csv, files: x, options: {mapping: m}}\n  - <<: *a\n    name: b\n")
	f.Add("sources: {a: b}\nout: [1]\n")
	f.Fuzz(func(t *testing.T, body string) {
		p := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		c, err := Load(p, func(string) string { return "v" })
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("not a ConfigError: %v", err)
			}
			if hasGoTypeName(strings.TrimPrefix(err.Error(), p)) {
				t.Fatalf("error names a Go type: %v", err)
			}
			return
		}
		seen := map[string]bool{}
		for _, s := range c.Sources {
			if !sourceName.MatchString(s.Name) || seen[s.Name] || (s.Files == "") == (len(s.API) == 0) {
				t.Fatalf("accepted an invalid source: %+v", s)
			}
			seen[s.Name] = true
		}
	})
}

func TestLoadSegments(t *testing.T) {
	dir := t.TempDir()
	cfg, err := Load(writeConfig(t, dir, "segments:\n  timezone: America/Manaus\n  inactive_days: 60\n  recurring_orders: 3\nsources:\n  - {name: a, connector: amazon, files: x}\n"), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Segments; s.Timezone != "America/Manaus" || s.Inactive != 60 || s.Recurring != 3 {
		t.Errorf("segments %+v", s)
	}
}

func TestLoadCatalog(t *testing.T) {
	getenv := env(map[string]string{"CATALOG_URI": "postgres://lake:pw@db.internal:5432/iceberg?sslmode=require"})
	p := writeConfig(t, t.TempDir(), "catalog:\n  type: sql\n  uri: ${CATALOG_URI}\n  namespace: orderhist\nsources:\n  - {name: a, connector: amazon, files: x}\n")
	c, err := Load(p, getenv)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Catalog.Dataset()
	want := dataset.CatalogConfig{URI: "postgres://lake:pw@db.internal:5432/iceberg?sslmode=require", Namespace: "orderhist"}
	if got != want {
		t.Errorf("catalog %+v, want %+v", got, want)
	}
}

package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixedNow makes runs reproducible: ingested_at and the run id's time part.
var fixedNow = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type result struct {
	code   int
	stdout string
	stderr string
}

// run executes the command line in-process, as main does.
func run(t *testing.T, ctx context.Context, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	g := &globalOptions{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, now: func() time.Time { return fixedNow }}
	code := g.execute(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// Synthetic exports in the marketplaces' shapes. Names, CPFs (valid check
// digits) and ids are invented.
const amazonTSV = "amazon-order-id\tmerchant-order-id\tpurchase-date\tlast-updated-date\torder-status\tfulfillment-channel\tsales-channel\torder-channel\tship-service-level\tproduct-name\tsku\tasin\titem-status\tquantity\tcurrency\titem-price\titem-tax\tshipping-price\tshipping-tax\tgift-wrap-price\tgift-wrap-tax\titem-promotion-discount\tship-promotion-discount\tship-city\tship-state\tship-postal-code\tship-country\tpromotion-ids\tcpf\tis-business-order\tpurchase-order-number\tprice-designation\n" +
	"701-0000001-0000001\t\t2026-02-10T20:32:11+00:00\t2026-02-12T13:01:44+00:00\tShipped\tMerchant\tAmazon.com.br\t\tStandard\tCamiseta Azul G\tSKU-AZUL-G\tB0TEST0001\tShipped\t2\tBRL\t159.80\t\t12.90\t\t\t\t\t\tSão Paulo\tSP\t01001-000\tBR\t\t12345678909\tfalse\t\t\n" +
	"701-0000001-0000001\t\t2026-02-10T20:32:11+00:00\t2026-02-12T13:01:44+00:00\tShipped\tMerchant\tAmazon.com.br\t\tStandard\tCaneca Branca\tSKU-CANECA\tB0TEST0002\tShipped\t1\tBRL\t29.90\t\t0.00\t\t\t\t\t\tSão Paulo\tSP\t01001-000\tBR\t\t12345678909\tfalse\t\t\n" +
	"701-0000002-0000002\t\t2026-03-01T02:05:00+00:00\t2026-03-01T02:40:00+00:00\tCancelled\tAmazon\tAmazon.com.br\t\tExpedited\tCaneca Branca\tSKU-CANECA\tB0TEST0002\tCancelled\t0\tBRL\t\t\t\t\t\t\t\t\tManaus\tAM\t69005-000\tBR\t\t98765432100\tfalse\t\t\n"

const shopifyCSV = "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Street,Billing Address1,Billing Address2,Billing Company,Billing City,Billing Zip,Billing Province,Billing Country,Billing Phone,Shipping Name,Shipping Street,Shipping Address1,Shipping Address2,Shipping Company,Shipping City,Shipping Zip,Shipping Province,Shipping Country,Shipping Phone,Notes,Note Attributes,Cancelled at,Payment Method,Payment Reference,Refunded Amount,Vendor,Outstanding Balance,Employee,Location,Device ID,Id,Tags,Risk Level,Source,Lineitem discount\n" +
	"#1001,Maria.Silva@Example.com,paid,2026-02-10 17:32:11 -0300,fulfilled,2026-02-11 09:00:00 -0300,no,BRL,109.80,15.00,0.00,124.80,,0.00,PAC,2026-02-10 17:30:02 -0300,1,Camiseta Básica - Azul / G,79.90,,SKU-AZUL-G,true,true,fulfilled,Maria da Silva,\"Rua das Flores, 100\",\"Rua das Flores, 100\",Apto 12,,São Paulo,'01001-000,SP,BR,+5511987654321,Maria da Silva,\"Rua das Flores, 100\",\"Rua das Flores, 100\",Apto 12,,São Paulo,'01001-000,SP,BR,+5511987654321,,\"billing_cpf: 123.456.789-09\",,Pix,,0.00,Loja Exemplo,0.00,,,,5001234567890,,Low,web,0.00\n" +
	"#1001,Maria.Silva@Example.com,,,,,,,,,,,,,,,1,Caneca Branca,29.90,,SKU-CANECA,true,true,fulfilled,,,,,,,,,,,,,,,,,,,,,,,,,,,Loja Exemplo,,,,,,,,,0.00\n" +
	"#1002,joao@example.com,paid,2026-03-05 10:00:00 -0300,,,no,BRL,50.00,0.00,0.00,50.00,,0.00,PAC,2026-03-05 09:58:00 -0300,1,Caneca Preta,50.00,,SKU-PRETA,true,true,,João Souza,\"Av. Brasil, 5\",\"Av. Brasil, 5\",,,Rio de Janeiro,20040-002,RJ,BR,(21) 99876-5432,João Souza,\"Av. Brasil, 5\",\"Av. Brasil, 5\",,,Rio de Janeiro,20040-002,RJ,BR,(21) 99876-5432,,,,Pix,,0.00,Loja Exemplo,0.00,,,,5001234567891,,Low,web,0.00\n"

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func readManifest(t *testing.T, dir string) *dataset.Manifest {
	t.Helper()
	m, err := dataset.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestVersion(t *testing.T) {
	r := run(t, t.Context(), "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "orderhist ") || !strings.Contains(r.stdout, "go1.") {
		t.Fatalf("version: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestConnectorsListsEveryConnector(t *testing.T) {
	r := run(t, t.Context(), "connectors")
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	for _, name := range []string{"amazon", "mercadolivre", "shopee", "shopify", "tiktok"} {
		if !strings.Contains(r.stdout, name) {
			t.Errorf("connectors output lacks %s:\n%s", name, r.stdout)
		}
	}
	r = run(t, t.Context(), "connectors", "--json", "amazon")
	var infos []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil || len(infos) != 1 || infos[0]["Name"] != "amazon" {
		t.Fatalf("connectors --json amazon: %v %s", err, r.stdout)
	}
}

func TestSchemaFormats(t *testing.T) {
	for _, tc := range []struct{ format, want string }{
		{"text", "ordered_at"},
		{"text", "orders/metadata/version-hint.text"},
		{"json", `"iceberg": "orders"`},
		{"duckdb", "iceberg_scan("},
		{"json", `"name": "orders"`},
		{"duckdb", "read_parquet"},
		{"bigquery", "NUMERIC"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			r := run(t, t.Context(), "schema", "--format", tc.format)
			if r.code != 0 || !strings.Contains(r.stdout, tc.want) {
				t.Fatalf("code %d, stdout lacks %q:\n%s\n%s", r.code, tc.want, r.stdout, r.stderr)
			}
		})
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("ORDERHIST_PII_KEY", "")
	file := writeFile(t, dir, "x.tsv", amazonTSV)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, "unknown command"},
		{"unknown flag", []string{"import", "--frob", "x"}, "unknown flag"},
		{"import without paths", []string{"import"}, "at least one"},
		{"missing file", []string{"import", filepath.Join(dir, "nope.csv")}, "no such file"},
		{"bad pii", []string{"--pii", "rot13", "version"}, "--pii"},
		{"hash without key", []string{"--pii", "hash", "version"}, "ORDERHIST_PII_KEY"},
		{"bad as-of", []string{"--as-of", "yesterday", "version"}, "--as-of"},
		{"bad log format", []string{"--log-format", "xml", "version"}, "--log-format"},
		{"bad schema format", []string{"schema", "--format", "sql"}, "--format"},
		{"unknown connector", []string{"import", "--connector", "nope", file}, "no connector named"},
		{"bad option", []string{"import", "--option", "novalue", file}, "key=value"},
		{"empty folder", []string{"import", t.TempDir()}, "holds no export files"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, t.Context(), tc.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("code %d (want 2), stderr %q (want %q)", r.code, r.stderr, tc.want)
			}
		})
	}
}

func TestImportWritesDataset(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	writeFile(t, in, "amazon.tsv", amazonTSV)
	writeFile(t, in, "shopify.csv", shopifyCSV)

	r := run(t, t.Context(), "import", "--out", out, "--as-of", "2026-11-01", in)
	if r.code != 0 {
		t.Fatalf("import: code %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"amazon", "shopify", "orders:     4 in the dataset (4 new", "customers:  3"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	m := readManifest(t, out)
	if len(m.Inputs) != 2 || m.Tables["orders"].Rows != 4 || m.Tables["order_items"].Rows != 6 {
		t.Fatalf("manifest: inputs %d, orders %d, items %d", len(m.Inputs), m.Tables["orders"].Rows, m.Tables["order_items"].Rows)
	}

	orders := parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet"))
	parquettest.Golden(t, filepath.Join("testdata", "import_orders.golden.jsonl"), sanitize(orders.JSONL, in), *update)
	items := parquettest.ReadGlob(t, filepath.Join(out, "order_items", "*", "*.parquet"))
	parquettest.Golden(t, filepath.Join("testdata", "import_items.golden.jsonl"), sanitize(items.JSONL, in), *update)
	customers := parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet"))
	parquettest.Golden(t, filepath.Join("testdata", "import_customers.golden.jsonl"), customers.JSONL, *update)

	// The same CPF bought on Amazon and (through Shopify's note attributes)
	// on Shopify: one customer on both channels.
	var both bool
	for _, c := range customers.Records {
		if ch, _ := c["channels"].([]any); len(ch) == 2 {
			both = true
		}
	}
	if !both {
		t.Errorf("no customer links the Amazon and Shopify orders of CPF 123.456.789-09")
	}
	assertPartitions(t, out, []string{"ordered_month=2026-02", "ordered_month=2026-03"})
}

// sanitize removes what differs between machines: the temp folder in
// source_file.
// TestImportSegmentRules: import writes customers.segment by the rules its
// flags give, the ones report and export take, and refuses rules that
// cannot place every customer.
func TestImportSegmentRules(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	writeFile(t, in, "amazon.tsv", amazonTSV)
	writeFile(t, in, "shopify.csv", shopifyCSV)
	if r := run(t, t.Context(), "import", "--out", out, "--as-of", "2026-11-01", "--recurring-orders", "1", in); r.code != exitUsage {
		t.Errorf("--recurring-orders 1: code %d, want %d\n%s", r.code, exitUsage, r.stderr)
	}
	if r := run(t, t.Context(), "import", "--out", out, "--as-of", "2026-11-01", "--tz", "Mars/Olympus", in); r.code != exitUsage {
		t.Errorf("--tz Mars/Olympus: code %d, want %d\n%s", r.code, exitUsage, r.stderr)
	}
	// Their latest purchases are 241 and 264 days before the as-of date.
	r := run(t, t.Context(), "import", "--out", out, "--as-of", "2026-11-01", "--inactive-days", "365", in)
	if r.code != 0 {
		t.Fatalf("import: code %d\n%s", r.code, r.stderr)
	}
	got := map[string]string{}
	for _, c := range parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records {
		name, _ := c["name"].(string)
		got[name], _ = c["segment"].(string)
	}
	want := map[string]string{"Maria da Silva": "recurring", "João Souza": "new", "": "no_purchase"}
	if !maps.Equal(got, want) {
		t.Errorf("segments %v, want %v", got, want)
	}
}

func sanitize(jsonl []byte, dir string) []byte {
	return bytes.ReplaceAll(jsonl, []byte(dir+string(filepath.Separator)), nil)
}

func assertPartitions(t *testing.T, out string, want []string) {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(out, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		if e.Name() != "metadata" { // the Iceberg table's, not a partition
			got = append(got, e.Name())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("partitions %v, want %v", got, want)
	}
}

func TestReimportDoesNotDuplicateAndKeepsIDs(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	if r := run(t, t.Context(), "import", "--out", out, a); r.code != 0 {
		t.Fatalf("first import: %d %s", r.code, r.stderr)
	}
	first := customerIDs(t, out)
	if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
		t.Fatalf("second import: %d %s", r.code, r.stderr)
	}
	r := run(t, t.Context(), "import", "--out", out, s, a)
	if r.code != 0 {
		t.Fatalf("third import: %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "0 new, 0 updated, 4 unchanged") || !strings.Contains(r.stdout, "(0 rewritten, 2 unchanged)") {
		t.Errorf("re-import of the same files changed orders:\n%s", r.stdout)
	}
	m := readManifest(t, out)
	if m.Tables["orders"].Rows != 4 || m.Tables["order_items"].Rows != 6 {
		t.Fatalf("after re-import: %d orders, %d items; want 4 and 6", m.Tables["orders"].Rows, m.Tables["order_items"].Rows)
	}
	after := customerIDs(t, out)
	for order, id := range first {
		if after[order] != id {
			t.Errorf("order %s changed customer %s → %s", order, id, after[order])
		}
	}
}

func customerIDs(t *testing.T, out string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, r := range parquettest.ReadGlob(t, filepath.Join(out, "orders", "*", "*.parquet")).Records {
		ids[r["order_id"].(string)] = r["customer_id"].(string)
	}
	return ids
}

func TestImportRejectsExit3(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	bad := strings.Replace(amazonTSV, "\t29.90\t", "\t29,9x\t", 1)
	bad = strings.Replace(bad, "01001-000", "0100-100", 1)
	p := writeFile(t, in, "amazon.tsv", bad)
	r := run(t, t.Context(), "import", "--out", out, p)
	if r.code != exitRejected {
		t.Fatalf("code %d, want 3\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rejects := parquettest.ReadGlob(t, filepath.Join(out, "rejects", "*.parquet")).Records
	var skipped, dropped bool
	for _, rj := range rejects {
		switch {
		case rj["column"] == "item-price" && rj["effect"] == "row_skipped" && rj["source_row"] == int64(3):
			skipped = strings.Contains(rj["reason"].(string), "29,9x")
		case rj["column"] == "ship-postal-code" && rj["effect"] == "value_dropped":
			dropped = true
		}
	}
	if !skipped || !dropped {
		t.Fatalf("rejects lack the bad amount (row 3) or the bad CEP: %v", rejects)
	}
	// The order survives with its good line.
	if n := readManifest(t, out).Tables["order_items"].Rows; n != 2 {
		t.Errorf("%d lines, want 2", n)
	}
}

func TestImportUnreadableFile(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	good := writeFile(t, in, "amazon.tsv", amazonTSV)
	broken := writeFile(t, in, "broken.xlsx", "PK\x03\x04 this is not really a zip")
	unknown := writeFile(t, in, "notes.csv", "a;b;c\n1;2;3\n")

	r := run(t, t.Context(), "import", "--out", out, "--strict", good, broken)
	if r.code != exitFailed {
		t.Fatalf("--strict: code %d, want 1\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); err == nil {
		t.Fatal("--strict run committed a dataset")
	}
	r = run(t, t.Context(), "import", "--out", out, good, broken, unknown)
	if r.code != exitPartial {
		t.Fatalf("code %d, want 4\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"broken.xlsx", "damaged", "notes.csv", "no connector reads this file"} {
		if !strings.Contains(r.stdout+r.stderr, want) {
			t.Errorf("output lacks %q:\n%s\n%s", want, r.stdout, r.stderr)
		}
	}
	if n := readManifest(t, out).Tables["orders"].Rows; n != 2 {
		t.Errorf("%d orders committed, want the good file's 2", n)
	}
	r = run(t, t.Context(), "import", "--out", out, broken)
	if r.code != exitFailed {
		t.Fatalf("only a broken file: code %d, want 1", r.code)
	}
}

func TestImportLockedExit75(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	p := writeFile(t, in, "amazon.tsv", amazonTSV)
	lock, err := dataset.TakeLock(out, "orderhist sync", fixedNow)
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, t.Context(), "import", "--out", out, p)
	if r.code != exitLocked || !strings.Contains(r.stderr, "orderhist sync") {
		t.Fatalf("code %d, want 75 naming the holder; stderr %q", r.code, r.stderr)
	}
	lock.Unlock()
	if r := run(t, t.Context(), "import", "--out", out, p); r.code != 0 {
		t.Fatalf("after unlock: code %d %s", r.code, r.stderr)
	}
	if st, err := os.Stat(filepath.Join(out, dataset.StateDir)); err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("_state mode: %v %v", st.Mode(), err)
	}
}

func TestImportCancelledExit130(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	p := writeFile(t, in, "amazon.tsv", amazonTSV)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := run(t, ctx, "import", "--out", out, p)
	if r.code != exitInterrupted {
		t.Fatalf("code %d, want 130; %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, dataset.ManifestName)); err == nil {
		t.Fatal("a cancelled run committed a dataset")
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if e.Name() != dataset.StateDir {
			t.Errorf("cancelled run left %s", e.Name())
		}
	}
}

func TestDetect(t *testing.T) {
	in := t.TempDir()
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	r := run(t, t.Context(), "detect", a, s)
	if r.code != 0 {
		t.Fatalf("code %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"connector:  amazon", "all-orders-by-order-date", "tab-separated", `"amazon-order-id"`, "-> order_id",
		"connector:  shopify", "rows:       3 (2 orders"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("detect output lacks %q:\n%s", want, r.stdout)
		}
	}
	u := writeFile(t, in, "other.csv", "Pedido;Valor\n1;2\n")
	r = run(t, t.Context(), "detect", u)
	if r.code != exitFailed || !strings.Contains(r.stdout, "no connector reads this file") {
		t.Fatalf("unknown file: code %d\n%s", r.code, r.stdout)
	}
	r = run(t, t.Context(), "detect", "--json", a)
	var res []connectors.FileReport
	if err := json.Unmarshal([]byte(r.stdout), &res); err != nil || res[0].Orders != 2 || res[0].Rows != 3 {
		t.Fatalf("detect --json: %v %+v", err, res)
	}
}

func TestExplain(t *testing.T) {
	in := t.TempDir()
	out := filepath.Join(t.TempDir(), "data")
	a := writeFile(t, in, "amazon.tsv", amazonTSV)
	s := writeFile(t, in, "shopify.csv", shopifyCSV)
	if r := run(t, t.Context(), "import", "--out", out, a, s); r.code != 0 {
		t.Fatalf("import: %d %s", r.code, r.stderr)
	}
	id := customerIDs(t, out)["701-0000001-0000001"]
	r := run(t, t.Context(), "explain", "--out", out, id)
	if r.code != 0 {
		t.Fatalf("explain: %d %s", r.code, r.stderr)
	}
	for _, want := range []string{"customer " + id, "701-0000001-0000001", "#1001", "cpf"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, "12345678909") {
		t.Errorf("explain printed a CPF in clear without --show-values:\n%s", r.stdout)
	}
	if r := run(t, t.Context(), "explain", "--out", out, "c_nobody"); r.code != exitFailed {
		t.Errorf("unknown customer: code %d", r.code)
	}
}

// TestFailOn checks which rejects make a committed run exit 3: a dropped
// value (a bad CEP) alone is a warning unless --fail-on dropped; a skipped
// row (a bad amount) fails unless --fail-on never.
func TestFailOn(t *testing.T) {
	droppedOnly := strings.Replace(amazonTSV, "01001-000", "0100-100", 1)
	skipped := strings.Replace(amazonTSV, "\t29.90\t", "\t29,9x\t", 1)
	for _, tc := range []struct {
		name, export, failOn string
		want                 int
	}{
		{"dropped value, default", droppedOnly, "", exitOK},
		{"dropped value, fail on dropped", droppedOnly, "dropped", exitRejected},
		{"skipped row, default", skipped, "", exitRejected},
		{"skipped row, fail on never", skipped, "never", exitOK},
		{"clean, fail on dropped", amazonTSV, "dropped", exitOK},
		{"bad value", amazonTSV, "sometimes", exitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, t.TempDir(), "amazon.tsv", tc.export)
			args := []string{"import", "--out", filepath.Join(t.TempDir(), "data")}
			if tc.failOn != "" {
				args = append(args, "--fail-on", tc.failOn)
			}
			r := run(t, t.Context(), append(args, p)...)
			if r.code != tc.want {
				t.Fatalf("code %d, want %d\n%s\n%s", r.code, tc.want, r.stdout, r.stderr)
			}
			if tc.export == droppedOnly && r.code == exitOK && !strings.Contains(r.stderr, "rejects recorded") {
				t.Errorf("a dropped value exits 0 without a warning:\n%s", r.stderr)
			}
		})
	}
}

// TestSyncSegmentRules: sync places customers by the configuration's
// segment rules, and a flag given on the command line wins over them.
func TestSyncSegmentRules(t *testing.T) {
	dir := t.TempDir()
	drop := filepath.Join(dir, "drop")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, drop, "amazon.tsv", amazonTSV)
	writeFile(t, drop, "shopify.csv", shopifyCSV)
	segments := func(out string) map[string]string {
		got := map[string]string{}
		for _, c := range parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records {
			name, _ := c["name"].(string)
			got[name], _ = c["segment"].(string)
		}
		return got
	}
	// Their latest purchases are 241 and 264 days before the as-of date:
	// inactive by the default rules, active within 365 days.
	for _, tc := range []struct {
		name  string
		flags []string
		want  map[string]string
	}{
		{"configuration", nil, map[string]string{"Maria da Silva": "recurring", "João Souza": "new", "": "no_purchase"}},
		{"flag wins", []string{"--inactive-days", "90"}, map[string]string{"Maria da Silva": "inactive", "João Souza": "inactive", "": "no_purchase"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "data")
			cfg := writeConfig(t, t.TempDir(), "out: "+out+"\nsegments: {inactive_days: 365, timezone: America/Sao_Paulo}\nsources:\n"+
				"  - {name: amazon, connector: amazon, files: "+filepath.ToSlash(drop)+"/*.tsv}\n"+
				"  - {name: shopify, connector: shopify, files: "+filepath.ToSlash(drop)+"/*.csv}\n")
			r := run(t, t.Context(), append([]string{"sync", "--config", cfg, "--as-of", "2026-11-01"}, tc.flags...)...)
			if r.code != 0 {
				t.Fatalf("sync: code %d\n%s", r.code, r.stderr)
			}
			if got := segments(out); !maps.Equal(got, tc.want) {
				t.Errorf("segments %v, want %v", got, tc.want)
			}
		})
	}
}

package cmd

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/internal/testgen"
)

func TestMatchWeightUsageErrors(t *testing.T) {
	dir := t.TempDir()
	f := writeFile(t, dir, "amazon.tsv", amazonTSV)
	if r := run(t, t.Context(), "import", "--out", filepath.Join(dir, "data"), "--match-weight", "-1", f); r.code != exitUsage || !strings.Contains(r.stderr, "match-weight") {
		t.Errorf("import --match-weight -1: code %d (want 2), stderr %q", r.code, r.stderr)
	}
	cfg := writeConfig(t, dir, "match_weight: lots\nsources:\n  - {name: a, connector: amazon, files: x}\n")
	if r := run(t, t.Context(), "sync", "--out", filepath.Join(dir, "data"), "--config", cfg); r.code != exitUsage || !strings.Contains(r.stderr, "match_weight") {
		t.Errorf("sync with match_weight: lots: code %d (want 2), stderr %q", r.code, r.stderr)
	}
}

// generatedWithEarlySightings writes generated exports in which Shopee's
// to-ship exports see buyers Order.all later masks: the exports where name
// and address are all that joins some of a buyer's orders.
func generatedWithEarlySightings(t *testing.T) string {
	t.Helper()
	in := t.TempDir()
	_, err := testgen.Generate(testgen.Config{Seed: 5, People: 1500, Lines: 10000, EarlySightings: 1, OutDir: in,
		From: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(in, testgen.TruthFile))
	return in
}

var scoredSummary = regexp.MustCompile(`(\d+) links scored on name and address`)

// TestMatchWeightAndExplainScoredLinks imports the same exports with the
// default match weight and with scored linking off, and checks the summary,
// the identities' evidence, customer_links and explain of a customer one
// scored link joined.
func TestMatchWeightAndExplainScoredLinks(t *testing.T) {
	in := generatedWithEarlySightings(t)
	at := "--as-of=2026-11-01"

	off := filepath.Join(t.TempDir(), "data")
	r := run(t, t.Context(), "import", "--out", off, at, "--match-weight", "off", in)
	if r.code != 0 && r.code != exitRejected {
		t.Fatalf("import --match-weight off: %d\n%s", r.code, r.stderr)
	}
	if m := scoredSummary.FindStringSubmatch(r.stdout); m == nil || m[1] != "0" {
		t.Errorf("with scored linking off the summary must say 0 links scored:\n%s", r.stdout)
	}
	if n := len(parquettest.ReadGlob(t, filepath.Join(off, "customer_links", "*.parquet")).Records); n != 0 {
		t.Errorf("with scored linking off customer_links holds %d rows", n)
	}
	offCustomers := len(parquettest.ReadGlob(t, filepath.Join(off, "customers", "*.parquet")).Records)

	out := filepath.Join(t.TempDir(), "data")
	r = run(t, t.Context(), "import", "--out", out, at, in)
	if r.code != 0 && r.code != exitRejected {
		t.Fatalf("import: %d\n%s", r.code, r.stderr)
	}
	m := scoredSummary.FindStringSubmatch(r.stdout)
	if m == nil || m[1] == "0" {
		t.Fatalf("the summary must count the links scored:\n%s", r.stdout)
	}
	links := parquettest.ReadGlob(t, filepath.Join(out, "customer_links", "*.parquet")).Records
	if m[1] != strconv.Itoa(len(links)) {
		t.Errorf("summary says %s links scored, customer_links holds %d", m[1], len(links))
	}
	if got := len(parquettest.ReadGlob(t, filepath.Join(out, "customers", "*.parquet")).Records); got >= offCustomers {
		t.Errorf("scored links joined no customers: %d customers, %d with scored linking off", got, offCustomers)
	}

	// Every customer a link joined has an identifier whose evidence is
	// scored, and every identity says how it linked.
	scored := map[string]bool{}
	for _, id := range parquettest.ReadGlob(t, filepath.Join(out, "identities", "*.parquet")).Records {
		ev, _ := id["evidence"].(string)
		if !slices.Contains([]string{"strong", "corroborated", "scored", "shared"}, ev) {
			t.Fatalf("identity %v: evidence %q", id, ev)
		}
		if ev == "scored" {
			scored[id["customer_id"].(string)] = true
		}
	}
	perCustomer := map[string]int{}
	for _, l := range links {
		c := l["customer_id"].(string)
		perCustomer[c]++
		if !scored[c] {
			t.Errorf("customer %s has a scored link but no identifier with evidence scored", c)
		}
	}

	// The golden customer: the first (by id) joined by exactly one link.
	var ids []string
	for c, n := range perCustomer {
		if n == 1 {
			ids = append(ids, c)
		}
	}
	if len(ids) == 0 {
		t.Fatal("no customer joined by a single scored link")
	}
	slices.Sort(ids)
	r = run(t, t.Context(), "explain", "--out", out, ids[0])
	if r.code != 0 {
		t.Fatalf("explain: %d %s", r.code, r.stderr)
	}
	for _, want := range []string{"linked on name and address", "name", "address", "probability", "prior", "scored"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("explain lacks %q:\n%s", want, r.stdout)
		}
	}
	parquettest.Golden(t, filepath.Join("testdata", "explain_scored.golden.txt"), []byte(r.stdout), *update)

	// Generating the exports is most of the test's time: sync reads the same.
	t.Run("sync", func(t *testing.T) { checkSyncMatchWeight(t, in) })
}

// checkSyncMatchWeight checks that sync takes match_weight from its
// configuration and that --match-weight overrides it, on the exports in.
func checkSyncMatchWeight(t *testing.T, in string) {
	cfg := writeConfig(t, t.TempDir(), "match_weight: off\nsources:\n"+
		"  - {name: shopee, connector: shopee, files: '"+in+"/Order.*.xlsx'}\n"+
		"  - {name: ml, connector: mercadolivre, files: '"+in+"/*_Vendas_BR_*.xlsx'}\n"+
		"  - {name: tiktok, connector: tiktok, files: '"+in+"/Para enviar pedido-*.xlsx'}\n"+
		"  - {name: amazon, connector: amazon, files: '"+in+"/amazon_*.tsv'}\n"+
		"  - {name: shopify, connector: shopify, files: '"+in+"/shopify_*.csv'}\n")
	links := func(out string) int {
		return len(parquettest.ReadGlob(t, filepath.Join(out, "customer_links", "*.parquet")).Records)
	}
	off := filepath.Join(t.TempDir(), "data")
	if r := run(t, t.Context(), "sync", "--out", off, "--config", cfg); r.code != 0 && r.code != exitRejected {
		t.Fatalf("sync: %d\n%s", r.code, r.stderr)
	}
	if n := links(off); n != 0 {
		t.Errorf("match_weight: off, yet customer_links holds %d rows", n)
	}
	on := filepath.Join(t.TempDir(), "data")
	if r := run(t, t.Context(), "sync", "--out", on, "--config", cfg, "--match-weight", "6"); r.code != 0 && r.code != exitRejected {
		t.Fatalf("sync --match-weight 6: %d\n%s", r.code, r.stderr)
	}
	if links(on) == 0 {
		t.Error("--match-weight 6 over match_weight: off scored no link")
	}
}

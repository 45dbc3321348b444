package testgen

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func smallConfig(dir string) Config {
	return Config{Seed: 7, People: 1500, Lines: 4000, OutDir: dir}
}

func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		out[e.Name()] = hex.EncodeToString(s[:])
	}
	return out
}

func TestDeterministic(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if _, err := Generate(smallConfig(dir)); err != nil {
			t.Fatal(err)
		}
	}
	ha, hb := hashDir(t, a), hashDir(t, b)
	if len(ha) != len(Layouts())+3 {
		t.Fatalf("wrote %d files: %v", len(ha), ha)
	}
	for name, h := range ha {
		if hb[name] != h {
			t.Errorf("%s differs between two runs with the same config", name)
		}
	}
	cfg := smallConfig(c)
	cfg.Seed = 8
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	hc := hashDir(t, c)
	same := 0
	for name, h := range ha {
		if hc[name] == h && name != MappingFile {
			same++
		}
	}
	if same > 0 {
		t.Errorf("%d files identical under another seed", same)
	}
}

// Adding a layout to a run must not change the other layouts' files, so
// fixtures stay stable as layouts are added.
func TestLayoutsIndependent(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	one := Config{Seed: 3, People: 500, Lines: 400, Layouts: []string{LayoutShopify}, OutDir: a}
	two := Config{Seed: 3, People: 500, Lines: 800, Layouts: []string{LayoutPtBRCSV, LayoutShopify}, OutDir: b}
	for _, c := range []Config{one, two} {
		if _, err := Generate(c); err != nil {
			t.Fatal(err)
		}
	}
	if ha, hb := hashDir(t, a), hashDir(t, b); ha["shopify_orders_export.csv"] != hb["shopify_orders_export.csv"] {
		t.Error("the Shopify file changed when another layout was added")
	}
}

func readManifest(t *testing.T, dir string) Result {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func readTruth(t *testing.T, dir string) [][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, TruthFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], []string{"source", "account", "order_id", "person_id", "strong", "name_address"}) {
		t.Fatalf("truth header %v", recs[0])
	}
	return recs[1:]
}

func TestManifestMatchesFiles(t *testing.T) {
	cases := []Config{
		{Seed: 11, People: 3000, Lines: 8000},
		{Seed: 12, People: 800, Lines: 3000, Noise: NoiseHeavy},
		{Seed: 13, People: 800, Lines: 3000, Noise: NoiseNone},
		// Daylight saving time years: wall times must still map to the
		// manifest's instants.
		{Seed: 14, People: 800, Lines: 4000, From: time.Date(2017, 1, 1, 0, 0, 0, 0, saoPaulo), To: time.Date(2019, 3, 1, 0, 0, 0, 0, saoPaulo),
			Layouts: []string{LayoutMercadoLivre, LayoutShopeeAll, LayoutPtBRCSV, LayoutShopify}},
	}
	for i, cfg := range cases {
		t.Run(fmt.Sprintf("%d-%s", i, cfg.Noise), func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			cfg.OutDir = dir
			res, err := Generate(cfg)
			if err != nil {
				t.Fatal(err)
			}
			man := readManifest(t, dir)
			if len(man.Files) != len(res.Files) || man.Orders != res.Orders {
				t.Fatal("manifest.json differs from the returned Result")
			}
			truth := readTruth(t, dir)
			if len(truth) != res.Orders {
				t.Fatalf("truth has %d orders, manifest %d", len(truth), res.Orders)
			}
			var fileIDs []string
			rows := 0
			for _, st := range res.Files {
				c := checkCounts(t, dir, st)
				rows += st.Rows
				for _, id := range c.ids {
					fileIDs = append(fileIDs, st.Source+"/"+id)
				}
				if st.FirstOrderedAt != nil && (st.FirstOrderedAt.Before(res.From) || !st.LastOrderedAt.Before(res.To)) {
					t.Errorf("%s: orders %s..%s outside the period", st.Layout, st.FirstOrderedAt, st.LastOrderedAt)
				}
			}
			if rows != cfg.Lines {
				t.Errorf("wrote %d rows, asked %d", rows, cfg.Lines)
			}
			var truthIDs []string
			for _, r := range truth {
				truthIDs = append(truthIDs, r[0]+"/"+r[2])
				if r[1] != Account || !strings.HasPrefix(r[3], "P") {
					t.Fatalf("truth row %v", r)
				}
			}
			if !slices.Equal(fileIDs, truthIDs) {
				t.Error("truth.csv does not list exactly the files' orders")
			}
			slices.Sort(truthIDs)
			if len(slices.Compact(truthIDs)) != len(truth) {
				t.Error("an order id names two orders")
			}
		})
	}
}

func TestSightingsMatchTruth(t *testing.T) {
	dir := t.TempDir()
	cfg := smallConfig(dir)
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	truth := readTruth(t, dir)
	i := 0
	people := People(cfg.Seed, cfg.People)
	byID := map[string]*Person{}
	for k := range people {
		byID[people[k].ID] = &people[k]
	}
	kinds := map[string]int{}
	for s := range Sightings(cfg) {
		if i >= len(truth) {
			t.Fatal("more sightings than orders")
		}
		want := truth[i]
		if s.Source != want[0] || s.OrderID != want[2] || s.PersonID != want[3] {
			t.Fatalf("sighting %d = %s %s %s, truth %v", i, s.Source, s.OrderID, s.PersonID, want)
		}
		p := byID[s.PersonID]
		switch {
		case s.BuyerRef != "" && (s.BuyerRef == p.ShopeeUser || s.BuyerRef == p.TikTokUser):
			kinds["username"]++
		}
		if s.Document == p.Document {
			kinds["document"]++
		}
		if s.RecipientID != s.PersonID {
			kinds["gift"]++
		}
		if s.Document == placeholderCPF || s.Email == placeholderEmail || s.Phone == placeholderPhone {
			kinds["placeholder"]++
		}
		if s.PackID != "" {
			kinds["cart"]++
		}
		if strings.Contains(s.RecipientName, "******") {
			kinds["masked"]++
		}
		i++
	}
	if i != len(truth) {
		t.Fatalf("%d sightings, %d orders", i, len(truth))
	}
	for _, k := range []string{"username", "document", "gift", "placeholder", "cart", "masked"} {
		if kinds[k] == 0 {
			t.Errorf("no sighting shows %s", k)
		}
	}
	// Early stop must be honoured.
	n := 0
	for range Sightings(cfg) {
		n++
		if n == 3 {
			break
		}
	}
}

// TestSightingsAsWritten checks that sighting strings are the cells of the
// file, for the layout where every identifier has a column.
func TestSightingsAsWritten(t *testing.T) {
	dir := t.TempDir()
	cfg := Config{Seed: 5, People: 300, Lines: 500, Layouts: []string{LayoutPtBRCSV}, OutDir: dir, Noise: NoiseHeavy}
	if _, err := Generate(cfg); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "pedidos_ptbr.csv"))
	text := decode1252(t, raw)
	next, stop := iter.Pull(Sightings(cfg))
	defer stop()
	prev := ""
	for _, line := range strings.Split(strings.TrimSuffix(text, "\r\n"), "\r\n")[1:] {
		r := csv.NewReader(strings.NewReader(line))
		r.Comma = ';'
		v, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if v[0] == prev {
			continue
		}
		prev = v[0]
		s, ok := next()
		if !ok {
			t.Fatal("sightings ended early")
		}
		got := []string{s.OrderID, s.Name, s.Document, s.Email, s.Phone, s.City, s.UF, s.CEP}
		want := []string{v[0], v[2], v[3], v[4], v[5], v[6], v[7], v[8]}
		if !slices.Equal(got, want) {
			t.Fatalf("sighting %q, file %q", got, want)
		}
	}
}

func TestDocumentsValid(t *testing.T) {
	for _, c := range []string{"12345678909", "98765432100", "11144477735"} {
		if !ValidCPF(c) {
			t.Errorf("ValidCPF(%s) = false", c)
		}
	}
	for _, c := range []string{"11222333000181", "12ABC34501DE35"} {
		if !ValidCNPJ(c) {
			t.Errorf("ValidCNPJ(%s) = false", c)
		}
	}
	for _, c := range []string{"11111111111", "12345678900", "1234567890", "00000000000000", "11222333000182"} {
		if ValidCPF(c) || ValidCNPJ(c) {
			t.Errorf("%s accepted", c)
		}
	}
	people := People(42, 10000)
	seen := map[string]bool{}
	companies, alnum := 0, 0
	for _, p := range people {
		for _, k := range []string{"doc:" + p.Document, "email:" + p.Email, "phone:" + p.Phone} {
			if seen[k] {
				t.Fatalf("%s shared by two people", k)
			}
			seen[k] = true
		}
		switch p.DocumentType {
		case "cpf":
			if !ValidCPF(p.Document) {
				t.Fatalf("%s: invalid CPF %s", p.ID, p.Document)
			}
		case "cnpj":
			companies++
			if !ValidCNPJ(p.Document) {
				t.Fatalf("%s: invalid CNPJ %s", p.ID, p.Document)
			}
			if strings.ContainsAny(p.Document, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") {
				alnum++
			}
		default:
			t.Fatalf("%s: document type %q", p.ID, p.DocumentType)
		}
		if !p.Company && (len(p.Phone) != 14 || !strings.HasPrefix(p.Phone, "+55") || p.Phone[5] != '9') {
			t.Fatalf("%s: phone %s is not a mobile", p.ID, p.Phone)
		}
		if len(p.Address.CEP) != 8 || p.Address.State == "" || len(p.Channels) < 1 || len(p.Channels) > 4 {
			t.Fatalf("%s: %+v", p.ID, p)
		}
	}
	if companies < 150 || alnum == 0 {
		t.Errorf("%d companies, %d with alphanumeric CNPJ", companies, alnum)
	}
	if !slices.EqualFunc(people[:100], People(42, 100), func(a, b Person) bool { return a.ID == b.ID && a.Document == b.Document && a.Email == b.Email }) {
		t.Error("People is not a stable prefix")
	}
}

func TestPopulationShape(t *testing.T) {
	people := People(1, 10000)
	households := map[int]int{}
	common := 0
	for _, p := range people {
		households[p.Household]++
		if p.Name == "Maria da Silva" || p.Name == "José da Silva" {
			common++
		}
	}
	if len(households) > len(people)*3/4 || len(households) < len(people)/4 {
		t.Errorf("%d households for %d people", len(households), len(people))
	}
	if common < 10 {
		t.Errorf("only %d people named Maria/José da Silva", common)
	}
	// Orders are skewed: over a long run most buyers of a channel buy
	// once and a few buy often.
	counts := map[string]int{}
	for s := range Sightings(Config{Seed: 1, People: 10000, Lines: 5000, Layouts: []string{LayoutMercadoLivre}}) {
		counts[s.PersonID]++
	}
	once, many := 0, 0
	for _, n := range counts {
		if n == 1 {
			once++
		}
		if n >= 10 {
			many++
		}
	}
	t.Logf("%d buyers: %d bought once, %d ten times or more", len(counts), once, many)
	if once < len(counts)/2 || many == 0 {
		t.Errorf("%d buyers: %d bought once, %d ten times or more", len(counts), once, many)
	}
}

func TestConfigErrors(t *testing.T) {
	for _, c := range []Config{
		{Layouts: []string{"nope"}},
		{Noise: "loud"},
		{People: -1},
		{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if _, err := Generate(Config{}); err == nil {
		t.Error("Generate without OutDir succeeded")
	}
}

// TestSheetOverflowSplitsFiles shrinks the sheet size so that a layout
// needs several files, as an export past 1,048,576 rows does.
func TestSheetOverflowSplitsFiles(t *testing.T) {
	for _, name := range []string{LayoutMercadoLivre, LayoutShopeeAll} {
		t.Run(name, func(t *testing.T) {
			lay := layoutByName(name)
			saved := lay.maxRows
			lay.maxRows = 100
			defer func() { lay.maxRows = saved }()
			dir := t.TempDir()
			res, err := Generate(Config{Seed: 3, People: 50, Lines: 450, Layouts: []string{name}, Noise: "none", OutDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Files) < 5 {
				t.Fatalf("%d files for 450 rows of at most 100", len(res.Files))
			}
			rows, orders := 0, 0
			for i, f := range res.Files {
				if f.Rows > 100 || f.Rows == 0 {
					t.Errorf("%s holds %d rows", f.File, f.Rows)
				}
				if want := partName(res.Files[0].File, i+1); f.File != want {
					t.Errorf("file %d is %s, want %s", i+1, f.File, want)
				}
				if _, err := os.Stat(filepath.Join(dir, f.File)); err != nil {
					t.Error(err)
				}
				rows += f.Rows
				orders += f.Orders
			}
			if rows != 450 || orders != res.Orders {
				t.Errorf("files hold %d rows and %d orders, want 450 and %d", rows, orders, res.Orders)
			}
		})
	}
}

func TestFormats(t *testing.T) {
	for c, want := range map[int64]string{0: "0,00", 5: "0,05", 123456: "1.234,56", 123456789: "1.234.567,89", -99: "-0,99"} {
		if got := brMoney(c); got != want {
			t.Errorf("brMoney(%d) = %q, want %q", c, got, want)
		}
	}
	if got := dotMoney(-1326); got != "-13.26" {
		t.Errorf("dotMoney = %q", got)
	}
	at := time.Date(2026, 2, 2, 18, 44, 0, 0, time.UTC)
	if got := ptLongDate(at); got != "2 de fevereiro de 2026 15:44 hs." {
		t.Errorf("ptLongDate = %q", got)
	}
	if got := tiktokTime(time.Date(2026, 3, 17, 13, 25, 21, 0, time.UTC)); got != "03/17/2026 10:25:21 AM" {
		t.Errorf("tiktokTime = %q", got)
	}
	for style, want := range map[phoneStyle]string{phoneMasked: "(11) 98765-4321", phoneDigits: "11987654321",
		phoneE164: "+5511987654321", phoneTrunk: "0xx11987654321"} {
		if got := formatPhone("+5511987654321", style); got != want {
			t.Errorf("formatPhone(%d) = %q, want %q", style, got, want)
		}
	}
	seen := map[uint64]bool{}
	for x := range uint64(5000) {
		y := permute(x, 5000, 99)
		if y >= 5000 || seen[y] {
			t.Fatalf("permute is not a bijection at %d", x)
		}
		seen[y] = true
	}
}

func BenchmarkGenerateAmazon(b *testing.B) {
	dir := b.TempDir()
	const lines = 100_000
	for b.Loop() {
		if _, err := Generate(Config{Seed: 1, People: 20000, Lines: lines, Layouts: []string{LayoutAmazon}, OutDir: dir}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(lines)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

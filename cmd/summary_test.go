package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rivo/uniseg"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/internal/textlayout"
)

// runIDs hides the random part of run ids, so summaries compare.
var runIDs = regexp.MustCompile(`(\d{8}T\d{6}Z)-[0-9a-f]{6}`)

// checkSummary compares a summary with its golden file (rewritten with
// -update) and checks that no line is wider than textlayout.Width.
func checkSummary(t *testing.T, name, stdout string) {
	t.Helper()
	got := runIDs.ReplaceAllString(stdout, "$1-xxxxxx")
	for i, l := range strings.Split(got, "\n") {
		if w := uniseg.StringWidth(l); w > textlayout.Width {
			t.Errorf("line %d is %d columns, over %d:\n%s", i+1, w, textlayout.Width, l)
		}
	}
	golden := filepath.Join(testdataDir(t), "summary", name+".golden.txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("summary differs from %s (run with -update to accept):\n%s", golden, got)
	}
}

// testdataDir is cmd/testdata, found before a test changes directory.
var testdataAbs, _ = filepath.Abs("testdata")

func testdataDir(t *testing.T) string { return testdataAbs }

// kindsFixture is a file of a kind a folder import leaves out.
func kindsFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdataAbs, "..", "..", "connectors", "tabular", "testdata", "kinds", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportSummaryFits imports a folder of long-named exports with a
// file no connector reads and files that are not exports: the summary
// fits 100 columns, the long names are shortened in the table rather than
// widening it, and every file left out is listed with its reason, below
// the table, as a log event too.
func TestImportSummaryFits(t *testing.T) {
	t.Chdir(t.TempDir())
	dir := filepath.Join("Exportações de pedidos da loja", "2026", "março", "semana 1 a 4")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "amazon-relatorio-de-pedidos-todos-os-pedidos-2026-03-01-a-2026-03-31-conta-principal.tsv", amazonTSV)
	writeFile(t, dir, "shopify-pedidos.csv", shopifyCSV)
	writeFile(t, dir, "planilha-de-controle-de-estoque-e-precos-atualizada-pela-equipe.csv", "produto;estoque;preço\nCaneca;3;29,90\n")
	for name, fixture := range map[string]string{
		"relatorio-mensal.pdf": "relatorio.pdf", "pedidos-antigos.xls": "vendas.xls",
		"pedidos.ods": "pedidos.ods", "print-da-tela.png": "print.png",
		"pedidos-protegidos.xlsx.bak": "protegido.xlsx",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), kindsFixture(t, fixture), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, dir, "~$pedidos.xlsx", "x")

	r := run(t, t.Context(), "--log-format", "json", "import", "--out", "data", "Exportações de pedidos da loja")
	if r.code != exitPartial {
		t.Fatalf("code %d, want %d (one file unreadable)\n%s\n%s", r.code, exitPartial, r.stdout, r.stderr)
	}
	checkSummary(t, "import_folder", r.stdout)
	skipped := map[string]string{}
	for _, e := range jsonLines(t, r.stderr) {
		if e["msg"] == "file skipped" {
			skipped[filepath.Base(e["file"].(string))] = e["reason"].(string)
		}
	}
	for name, want := range map[string]string{
		"relatorio-mensal.pdf": "PDF", "pedidos-antigos.xls": ".xls", "pedidos.ods": ".ods",
		"print-da-tela.png": "image", "pedidos-protegidos.xlsx.bak": "password-protected", "~$pedidos.xlsx": "lock file",
	} {
		if !strings.Contains(skipped[name], want) {
			t.Errorf("file skipped event for %s: reason %q, want %q", name, skipped[name], want)
		}
	}
	end := findEvent(jsonLines(t, r.stderr), "run end")
	if end == nil || end["files_skipped"] != float64(6) {
		t.Errorf("run end %v, want files_skipped 6", end)
	}
}

// TestForgetSummaryFits: forget's summary names its run and fits 100
// columns however long the dataset's path is.
func TestForgetSummaryFits(t *testing.T) {
	t.Chdir(t.TempDir())
	out := filepath.Join("dados da loja exemplo", "histórico de pedidos de todos os canais de venda", "orderhist-data")
	p := writeFile(t, ".", "amazon.tsv", amazonTSV)
	if r := run(t, t.Context(), "import", "--out", out, p); r.code != exitOK {
		t.Fatalf("import: code %d\n%s", r.code, r.stderr)
	}
	r := run(t, t.Context(), "forget", "--out", out, "--document", "123.456.789-09")
	if r.code != exitOK {
		t.Fatalf("forget: code %d\n%s", r.code, r.stderr)
	}
	checkSummary(t, "forget", r.stdout)
}

// TestDetectListsSkippedFiles: detect on a folder says why each file it
// does not read is left out, with the reasons import gives, and a folder
// holding nothing but such files is refused naming one.
func TestDetectListsSkippedFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "amazon.tsv", amazonTSV)
	writeFile(t, dir, "~$pedidos.xlsx", "x")
	if err := os.WriteFile(filepath.Join(dir, "relatorio.pdf"), kindsFixture(t, "relatorio.pdf"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := run(t, t.Context(), "detect", "--json", dir)
	if r.code != exitOK {
		t.Fatalf("code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var results []connectors.FileReport
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, res := range results {
		got[filepath.Base(res.File)] = res.Skipped
	}
	for name, want := range map[string]string{"amazon.tsv": "", "~$pedidos.xlsx": "lock file", "relatorio.pdf": "PDF"} {
		if s, ok := got[name]; !ok || (want == "") != (s == "") || !strings.Contains(s, want) {
			t.Errorf("%s: skipped %q, want %q", name, s, want)
		}
	}

	only := t.TempDir()
	writeFile(t, only, "~$pedidos.xlsx", "x")
	r = run(t, t.Context(), "import", "--out", filepath.Join(t.TempDir(), "data"), only)
	if r.code != exitUsage || !strings.Contains(r.stderr, "lock file") {
		t.Errorf("a folder of no export: code %d, stderr %q", r.code, r.stderr)
	}
}

// TestSyncSummaryFits: sync's summary fits 100 columns with long source
// names and paths, a file no connector reads and a pattern that matches
// nothing; each problem is listed below the table, not in it.
func TestSyncSummaryFits(t *testing.T) {
	t.Chdir(t.TempDir())
	drop := filepath.Join("exportações da loja", "amazon", "relatórios de pedidos de todos os canais")
	if err := os.MkdirAll(drop, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, drop, "amazon-relatorio-de-pedidos-2026-03-01-a-2026-03-31-conta-principal.tsv", amazonTSV)
	writeFile(t, drop, "amazon-relatorio-de-pedidos-2026-04-01-a-2026-04-30-exportado-errado.tsv", "produto\testoque\nCaneca\t3\n")
	cfg := writeConfig(t, ".", "out: data\nsources:\n"+
		"  - name: amazon-conta-principal-relatorios-mensais\n    connector: amazon\n    files: "+filepath.ToSlash(drop)+"/*.tsv\n"+
		"  - name: shopify-loja-nova\n    connector: shopify\n    files: exportações da loja/shopify/*.csv\n")
	r := run(t, t.Context(), "sync", "--config", cfg)
	if r.code != exitPartial {
		t.Fatalf("code %d, want %d (one file unreadable)\n%s\n%s", r.code, exitPartial, r.stdout, r.stderr)
	}
	checkSummary(t, "sync", r.stdout)
}

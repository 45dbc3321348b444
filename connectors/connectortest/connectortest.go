// Package connectortest is the conformance suite every file connector runs
// from its own test:
//
//	func TestConformance(t *testing.T) {
//		connectortest.Run(t, connectortest.Opt{Connector: ..., Fixtures: ..., Rejects: ...})
//	}
//
// The suite holds every connector to the same contract: what it reads from
// its fixtures is frozen in golden files, bad rows become rejects and the
// stream goes on, a damaged file or a missing column is a file error that
// names the file and the column, detection accepts the connector's own
// exports and none of another connector's, and an early stop or a
// cancellation ends the stream at once without leaking anything.
//
// Fixtures are synthetic files written by generator functions in the
// connector's test, committed under its testdata/ so that every other
// connector's detection can be tried on them. `go test -update` rewrites the
// fixtures and the golden files; without it, a committed fixture that no
// longer matches its generator fails the suite.
package connectortest

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/connectors"
	_ "github.com/orderhist/orderhist/connectors/all" // cross-detection needs every connector registered
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

var update = flag.Bool("update", false, "rewrite the connector's fixtures and golden files in testdata/")

// Opt describes the connector under test.
type Opt struct {
	// Connector is the connector under test.
	Connector connectors.FileReader
	// Fixtures writes each fixture of testdata/, keyed by file name. Every
	// file in testdata/ other than golden files must have a generator, so
	// no file of unknown origin sits among the fixtures.
	Fixtures map[string]func(path string) error
	// Rejects lists, per fixture, every reject its seeded bad rows must
	// yield. A fixture not listed must read without a single reject. At
	// least one fixture must seed bad rows.
	Rejects map[string][]Want
	// Support writes the other files of testdata/, keyed by file name: a
	// file beside a fixture that the connector reads with it, such as
	// "orders.mapping.yaml" for "orders.csv". The suite copies a fixture's
	// companions (same name up to the first dot) wherever it copies the
	// fixture.
	Support map[string]func(path string) error
}

// Want is one expected reject.
type Want struct {
	Row    int
	Column string
	Effect connectors.Effect
}

func (w Want) String() string { return fmt.Sprintf("row %d %q %s", w.Row, w.Column, w.Effect) }

const testdata = "testdata"

// goldenSuffix follows the fixture's full name, so an XLSX and a CSV
// fixture of the same name keep apart.
const goldenSuffix = ".golden.jsonl"

// Run runs the conformance suite.
func Run(t *testing.T, opt Opt) {
	t.Helper()
	if opt.Connector == nil {
		t.Fatal("connectortest: Opt.Connector is nil")
	}
	t.Run("Info", func(t *testing.T) { checkInfo(t, opt.Connector) })
	t.Run("Fixtures", func(t *testing.T) { checkFixtures(t, opt) })
	if t.Failed() {
		return
	}
	names := slices.Sorted(maps.Keys(opt.Fixtures))
	if len(opt.Rejects) == 0 {
		t.Error("no fixture seeds bad rows: set Opt.Rejects")
	}
	for name := range opt.Rejects {
		if _, ok := opt.Fixtures[name]; !ok {
			t.Errorf("Opt.Rejects names %q, which is not a fixture", name)
		}
	}
	for _, name := range names {
		path := filepath.Join(testdata, name)
		t.Run(name, func(t *testing.T) {
			m := checkDetect(t, opt.Connector, path)
			t.Run("Golden", func(t *testing.T) { checkGolden(t, opt.Connector, path, m) })
			t.Run("Rejects", func(t *testing.T) { checkRejects(t, opt.Connector, path, opt.Rejects[name]) })
			t.Run("Truncated", func(t *testing.T) { checkTruncated(t, opt.Connector, path) })
			t.Run("MissingColumn", func(t *testing.T) { checkMissingColumn(t, opt.Connector, path, m) })
			t.Run("Break", func(t *testing.T) { checkBreak(t, opt.Connector, path) })
			t.Run("Cancel", func(t *testing.T) { checkCancel(t, opt.Connector, path) })
		})
	}
	t.Run("DetectOthers", func(t *testing.T) { checkDetectOthers(t, opt.Connector) })
}

func checkInfo(t *testing.T, c connectors.FileReader) {
	info := c.Info()
	typ := reflect.TypeOf(c)
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if pkg := filepath.Base(typ.PkgPath()); info.Name != pkg {
		t.Errorf("Info().Name is %q but the package is %q", info.Name, pkg)
	}
	if wd, err := os.Getwd(); err == nil && filepath.Base(wd) != info.Name {
		t.Errorf("Info().Name is %q but the folder is %q", info.Name, filepath.Base(wd))
	}
	if got, ok := connectors.Lookup(info.Name); !ok || reflect.TypeOf(got) != reflect.TypeOf(c) {
		t.Errorf("connector %q is not the one registered under its name", info.Name)
	}
	if info.Title == "" {
		t.Error("Info().Title is empty")
	}
	if len(info.Formats) == 0 {
		t.Error("Info().Formats is empty")
	}
	for _, f := range info.Formats {
		if f != "csv" && f != "xlsx" && f != "api" {
			t.Errorf("Info().Formats has %q; want csv, xlsx or api", f)
		}
	}
	if len(info.Layouts) == 0 {
		t.Error("Info().Layouts is empty")
	}
	seen := map[string]bool{}
	for _, l := range info.Layouts {
		if l.Name == "" || l.Description == "" {
			t.Errorf("layout %+v has no name or description", l)
		}
		if seen[l.Name] {
			t.Errorf("layout name %q is used twice", l.Name)
		}
		seen[l.Name] = true
		if !slices.Contains(info.Formats, l.Kind) {
			t.Errorf("layout %q is %q, which is not among Info().Formats %v", l.Name, l.Kind, info.Formats)
		}
		if !l.Mapped && (len(l.Signature) == 0 || len(l.Required) == 0) {
			t.Errorf("layout %q has no signature or no required columns", l.Name)
		}
	}
}

// checkFixtures regenerates the fixtures under -update and otherwise makes
// sure the committed ones are what the generators write.
func checkFixtures(t *testing.T, opt Opt) {
	if len(opt.Fixtures) == 0 {
		t.Fatal("Opt.Fixtures is empty: every connector needs fixtures")
	}
	if *update {
		if err := os.MkdirAll(testdata, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	gens := maps.Clone(opt.Fixtures)
	maps.Copy(gens, opt.Support)
	for name, gen := range gens {
		path := filepath.Join(testdata, name)
		if *update {
			if err := gen(path); err != nil {
				t.Fatalf("generate %s: %v", name, err)
			}
			continue
		}
		tmp := filepath.Join(t.TempDir(), name)
		if err := gen(tmp); err != nil {
			t.Fatalf("generate %s: %v", name, err)
		}
		want, err := os.ReadFile(tmp)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("fixture %s: %v (run go test -update)", name, err)
		}
		if same, err := sameFixture(got, want); err != nil {
			t.Errorf("fixture %s: %v", path, err)
		} else if !same {
			t.Errorf("fixture %s differs from what its generator writes (run go test -update)", path)
		}
	}
	for _, f := range fixtureFiles(t, testdata) {
		if _, ok := opt.Fixtures[filepath.Base(f)]; !ok {
			t.Errorf("%s has no generator in Opt.Fixtures: fixtures must be synthetic and generated", f)
		}
	}
	for _, f := range supportFiles(t, testdata) {
		if _, ok := opt.Support[filepath.Base(f)]; !ok {
			t.Errorf("%s has no generator in Opt.Support", f)
		}
	}
	for name := range opt.Fixtures {
		if !isFixture(name) {
			t.Errorf("fixture %s is not a CSV, TSV, TXT or XLSX file", name)
		}
	}
}

// isFixture tells an export from the files that go with one.
func isFixture(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt", ".xlsx", ".xlsm":
		return !strings.HasSuffix(name, goldenSuffix)
	}
	return false
}

// fixtureFiles lists the exports in dir.
func fixtureFiles(t testing.TB, dir string) []string {
	return listFiles(t, dir, isFixture)
}

// supportFiles lists the files of dir that are neither exports nor goldens.
func supportFiles(t testing.TB, dir string) []string {
	return listFiles(t, dir, func(n string) bool { return !isFixture(n) && !strings.HasSuffix(n, goldenSuffix) })
}

func listFiles(t testing.TB, dir string, keep func(string) bool) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") || !keep(e.Name()) {
			continue
		}
		out = append(out, filepath.Join(dir, e.Name()))
	}
	return out
}

// stem is a file name up to its first dot.
func stem(path string) string {
	b := filepath.Base(path)
	if i := strings.IndexByte(b, '.'); i > 0 {
		return b[:i]
	}
	return b
}

// copyCompanions copies the support files that go with fixture src beside
// its copy dst, renamed after it.
func copyCompanions(t *testing.T, src, dst string) {
	t.Helper()
	for _, f := range supportFiles(t, filepath.Dir(src)) {
		rest, ok := strings.CutPrefix(filepath.Base(f), stem(src)+".")
		if !ok {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(filepath.Dir(dst), stem(dst)+"."+rest), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func checkDetect(t *testing.T, c connectors.FileReader, path string) connectors.Match {
	s, err := connectors.ReadSample(path)
	if err != nil {
		t.Fatalf("ReadSample: %v", err)
	}
	m := c.Detect(s)
	if !m.Usable() {
		t.Fatalf("Detect does not accept its own fixture: %+v", m)
	}
	if m.Connector != c.Info().Name {
		t.Errorf("Match.Connector = %q, want %q", m.Connector, c.Info().Name)
	}
	if m.Layout == "" {
		t.Error("Match.Layout is empty")
	}
	fr, rm, err := connectors.Route(s)
	if err != nil {
		t.Errorf("Route: %v", err)
	} else if fr.Info().Name != c.Info().Name {
		t.Errorf("Route picks %s (%s) for this fixture", rm.Connector, rm.Layout)
	}
	return m
}

// checkDetectOthers makes sure the connector claims no file of any other
// registered connector. Each connector keeps its fixtures in its own
// folder's testdata/, beside this one's.
func checkDetectOthers(t *testing.T, self connectors.FileReader) {
	tried := 0
	for _, c := range connectors.All() {
		if c.Info().Name == self.Info().Name {
			continue
		}
		if _, ok := c.(connectors.FileReader); !ok {
			continue
		}
		files := fixtureFiles(t, filepath.Join("..", c.Info().Name, testdata))
		if len(files) == 0 {
			t.Logf("connector %s has no fixtures to try", c.Info().Name)
		}
		for _, f := range files {
			s, err := connectors.ReadSample(f)
			if err != nil {
				continue // not a spreadsheet at all; nothing to claim
			}
			tried++
			if m := self.Detect(s); m.Usable() {
				t.Errorf("%s claims %s's fixture %s: %+v", self.Info().Name, c.Info().Name, f, m)
			}
		}
	}
	t.Logf("tried %d fixtures of other connectors", tried)
}

// Result is everything a file read yielded.
type Result struct {
	Records []connectors.Record
	Orders  []*normalize.Order
	Rejects []connectors.Reject
	Err     error
}

// Read reads a whole file.
func Read(ctx context.Context, c connectors.FileReader, path string) Result {
	var r Result
	for rec, err := range c.ReadFile(ctx, connectors.File{Path: path, Account: "test"}) {
		if err != nil {
			r.Err = err
			break
		}
		r.Records = append(r.Records, rec)
		if rec.Order != nil {
			r.Orders = append(r.Orders, rec.Order)
		}
		r.Rejects = append(r.Rejects, rec.Rejects...)
	}
	return r
}

func checkRejects(t *testing.T, c connectors.FileReader, path string, want []Want) {
	res := Read(t.Context(), c, path)
	if res.Err != nil {
		t.Fatalf("ReadFile: %v", res.Err)
	}
	if len(res.Orders) == 0 {
		t.Fatal("no orders read")
	}
	var got []Want
	last := -1
	for i, rec := range res.Records {
		if rec.Order == nil && len(rec.Rejects) == 0 {
			t.Errorf("record %d has neither an order nor a reject", i)
		}
		if rec.Order != nil {
			checkOrder(t, c.Info().Name, path, rec.Order)
		}
		for _, r := range rec.Rejects {
			got = append(got, Want{Row: r.Row, Column: r.Column, Effect: r.Effect})
			last = i
			if r.Source != c.Info().Name || r.File != path || r.Reason == "" || r.Row <= 0 {
				t.Errorf("reject lacks its source, file, row or reason: %+v", r)
			}
			if r.Effect != connectors.RowSkipped && r.Effect != connectors.ValueDropped {
				t.Errorf("reject has effect %q: %+v", r.Effect, r)
			}
			if r.Effect == connectors.RowSkipped && rec.Order != nil {
				t.Errorf("a skipped row's reject rides on a kept order: %+v", r)
			}
		}
	}
	cmp := func(a, b Want) int {
		if a.Row != b.Row {
			return a.Row - b.Row
		}
		if a.Column != b.Column {
			return strings.Compare(a.Column, b.Column)
		}
		return strings.Compare(string(a.Effect), string(b.Effect))
	}
	slices.SortFunc(got, cmp)
	want = slices.Clone(want)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Errorf("rejects:\n got %v\nwant %v", got, want)
		for _, r := range res.Rejects {
			t.Logf("  %s [%s]", r, r.Effect)
		}
	}
	if len(want) > 0 {
		more := false
		for _, rec := range res.Records[last+1:] {
			if rec.Order != nil {
				more = true
			}
		}
		if !more {
			t.Error("no order follows the last bad row: seed bad rows before good ones so the suite sees the stream go on")
		}
	}
}

// checkOrder holds every order to the canonical schema's basic promises.
func checkOrder(t *testing.T, source, path string, o *normalize.Order) {
	t.Helper()
	if o.Source != source || o.Account != "test" || o.SourceFile != path || o.SourceRow <= 0 {
		t.Errorf("order %s: source %q, account %q, file %q, row %d", o.OrderID, o.Source, o.Account, o.SourceFile, o.SourceRow)
	}
	if o.OrderID == "" {
		t.Error("an order has no id")
	}
	if o.OrderedAt.IsZero() || o.OrderedAt.Location() != time.UTC {
		t.Errorf("order %s: ordered_at %v is not a UTC time", o.OrderID, o.OrderedAt)
	}
	if !o.UpdatedAt.IsZero() && o.UpdatedAt.Location() != time.UTC {
		t.Errorf("order %s: updated_at %v is not UTC", o.OrderID, o.UpdatedAt)
	}
	if !o.Status.Valid() || o.Status == "" {
		t.Errorf("order %s: status %q", o.OrderID, o.Status)
	}
	if len(o.Lines) == 0 {
		t.Errorf("order %s has no lines", o.OrderID)
	}
	for i, l := range o.Lines {
		if l.LineNo != i+1 || l.SourceRow <= 0 || !l.Status.Valid() || l.Status == "" {
			t.Errorf("order %s line %d: line_no %d, row %d, status %q", o.OrderID, i, l.LineNo, l.SourceRow, l.Status)
		}
	}
	if d := o.Buyer.DocumentType; d != normalize.DocNone && d != normalize.DocCPF && d != normalize.DocCNPJ {
		t.Errorf("order %s: document type %q", o.OrderID, d)
	}
	for _, v := range []string{o.Buyer.Name, o.Buyer.Phone, o.Buyer.Document, o.Ship.RecipientName, o.Ship.RecipientPhone, o.Ship.Street} {
		if normalize.IsMasked(v) {
			t.Errorf("order %s keeps the masked value %q", o.OrderID, v)
		}
	}
}

// fileErrorNaming checks that err is a whole-file error that names path.
func fileErrorNaming(t *testing.T, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("the error does not name the file %s: %v", path, err)
	}
	var fe *tabular.FileError
	if !errors.As(err, &fe) {
		t.Errorf("the error is not a *tabular.FileError: %T %v", err, err)
	}
}

func checkTruncated(t *testing.T, c connectors.FileReader, path string) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(half, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	copyCompanions(t, path, half)
	kind, _ := tabular.DetectKind(path)
	res := Read(t.Context(), c, half)
	switch kind {
	case tabular.KindXLSX:
		fileErrorNaming(t, res.Err, half)
	default:
		// Half a CSV is a shorter CSV: only a cut inside a quoted cell of
		// several lines shows, and then the file must fail rather than end
		// quietly.
		if res.Err != nil && !strings.Contains(res.Err.Error(), half) {
			t.Errorf("the error does not name the file: %v", res.Err)
		}
		at := insideQuotedLines(data)
		if at < 0 {
			t.Log("the fixture has no quoted cell of several lines to cut inside")
			return
		}
		cut := filepath.Join(t.TempDir(), "quote-cut-"+filepath.Base(path))
		if err := os.WriteFile(cut, data[:at], 0o644); err != nil {
			t.Fatal(err)
		}
		copyCompanions(t, path, cut)
		fileErrorNaming(t, Read(t.Context(), c, cut).Err, cut)
	}
}

// insideQuotedLines finds, after the header line, a quoted cell that spans
// lines and returns an offset one byte past its first line break: a cut
// there leaves a quote that opens on one line and is still open on the
// next.
func insideQuotedLines(data []byte) int {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 {
		return -1
	}
	for i := nl + 1; i < len(data); i++ {
		if data[i] != '"' {
			continue
		}
		switch data[i-1] {
		case '\n', ',', ';', '\t':
		default:
			continue
		}
		// Walk to the closing quote; "" is a quote inside the cell.
		for j := i + 1; j < len(data); j++ {
			switch {
			case data[j] == '\n' && j+2 <= len(data):
				return j + 2
			case data[j] == '"' && j+1 < len(data) && data[j+1] == '"':
				j++
			case data[j] == '"':
				i = j
				j = len(data)
			}
		}
	}
	return -1
}

func checkMissingColumn(t *testing.T, c connectors.FileReader, path string, m connectors.Match) {
	s, err := connectors.ReadSample(path)
	if err != nil {
		t.Fatal(err)
	}
	required := slices.Clone(m.Required)
	for _, l := range c.Info().Layouts {
		if l.Kind == string(s.Kind) {
			for _, r := range l.Required {
				if !slices.Contains(required, r) {
					required = append(required, r)
				}
			}
		}
	}
	renamed := 0
	for i, col := range required {
		out := filepath.Join(t.TempDir(), fmt.Sprintf("renamed-%d-%s", i, filepath.Base(path)))
		ok, err := renameColumn(s, m, path, out, col)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			continue // the fixture spells this column another way
		}
		copyCompanions(t, path, out)
		renamed++
		res := Read(t.Context(), c, out)
		fileErrorNaming(t, res.Err, out)
		if res.Err != nil && !strings.Contains(res.Err.Error(), col) {
			t.Errorf("without column %q the error does not name it: %v", col, res.Err)
		}
		if len(res.Orders) > 0 {
			t.Errorf("without column %q, %d orders were still read", col, len(res.Orders))
		}
		s2, err := connectors.ReadSample(out)
		if err != nil {
			t.Fatal(err)
		}
		if m2 := c.Detect(s2); m2.Usable() {
			t.Errorf("Detect still accepts the file without column %q: %+v", col, m2)
		}
	}
	if renamed == 0 {
		t.Error("no required column of the layout is in the fixture's header")
	}
}

func checkBreak(t *testing.T, c connectors.FileReader, path string) {
	before, fds := goroutines(), openFiles()
	for range 20 {
		n := 0
		for _, err := range c.ReadFile(t.Context(), connectors.File{Path: path}) {
			if err != nil {
				t.Fatal(err)
			}
			n++
			break
		}
		if n != 1 {
			t.Fatal("no record to break after")
		}
	}
	waitGoroutines(t, before)
	checkOpenFiles(t, fds)
	checkTempFiles(t, c, path)
}

func checkCancel(t *testing.T, c connectors.FileReader, path string) {
	before, fds := goroutines(), openFiles()
	if n := len(Read(t.Context(), c, path).Records); n < 2 {
		// A cancel after the last record has nothing left to stop.
		t.Logf("%d records: only a cancel before the first is tried", n)
	} else {
		checkCancelAfterFirst(t, c, path)
	}
	// Cancelled before the first row.
	ctx2, cancel2 := context.WithCancel(t.Context())
	cancel2()
	res := Read(ctx2, c, path)
	if !errors.Is(res.Err, context.Canceled) || len(res.Records) > 0 {
		t.Errorf("a cancelled context still read %d records, err %v", len(res.Records), res.Err)
	}
	waitGoroutines(t, before)
	checkOpenFiles(t, fds)
}

func checkCancelAfterFirst(t *testing.T, c connectors.FileReader, path string) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	start := time.Now()
	var last error
	after := 0
	for rec, err := range c.ReadFile(ctx, connectors.File{Path: path}) {
		if err != nil {
			last = err
			continue
		}
		if ctx.Err() != nil {
			after++
		}
		_ = rec
		cancel()
	}
	if !errors.Is(last, context.Canceled) {
		t.Errorf("after cancel the stream ended with %v, want context.Canceled", last)
	}
	if after > 0 {
		t.Errorf("%d records came after the cancel", after)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the stream took %v to end after cancel", d)
	}
}

// checkTempFiles makes sure an early stop leaves no temp files behind
// (excelize unpacks big sheets to the temp dir).
func checkTempFiles(t *testing.T, c connectors.FileReader, path string) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	for _, err := range c.ReadFile(t.Context(), connectors.File{Path: path}) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) > 0 {
		t.Errorf("an early stop left %d temp files", len(entries))
	}
}

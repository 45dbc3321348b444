package importer

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/parquettest"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/testgen"
	"github.com/orderhist/orderhist/normalize"
)

// TestIncrementalEqualsFull runs seeded random sequences of imports (the
// same buyers across files, a file read again, a re-export whose orders
// were edited later, a phone that crosses the owner-count guard, a second
// document meeting a customer, an erasure through forget) three ways:
//
//   - the way runs go, months no input reaches read from the resolver
//     state;
//   - every such month read from its tables instead (ignoreState);
//   - in clear datasets, until the first erasure, one import of every file
//     the sequence has read so far into an empty dataset.
//
// The first two must hold the same rows in every table after every run.
// The third must hold the same rows in every table but for customer ids
// (dataset.Compare), so the same orders in the same customers. Its ids are
// not compared: the stable-id rule keeps the id a customer got when a run
// first saw it (its smallest identifier then, or the seeded one), so a
// customer whose phone a later run finds shared, or that a later run gives
// a stronger identifier, keeps an id that one import of every file derives
// otherwise.
func TestIncrementalEqualsFull(t *testing.T) {
	history := generated(t, 11, 160, day(2024, 1), day(2024, 11))
	later := generated(t, 12, 60, day(2024, 8), day(2025, 2))
	recent := generated(t, 13, 40, day(2025, 2), day(2025, 4))
	edited := editedAmazon(t, history)
	guardA := shopifyFile(t, "guard-a.csv", []shopOrder{
		{id: 9001, name: "Marta Lima", phone: "(11) 95555-1212", at: "2024-03-02 10:00:00 -0300"},
		{id: 9002, name: "Marta Lima", phone: "(11) 95555-1212", at: "2024-09-12 10:00:00 -0300"},
	})
	var crowd []shopOrder
	for i, n := range []string{"Ana Prado", "Bruno Reis", "Carla Dias", "Diego Melo", "Elisa Cruz", "Fábio Luz"} {
		crowd = append(crowd, shopOrder{id: 9100 + i, name: n, phone: "(11) 95555-1212", at: fmt.Sprintf("2024-%02d-05 10:00:00 -0300", 1+i)})
	}
	guardB := shopifyFile(t, "guard-b.csv", crowd)
	docA := shopifyFile(t, "doc-a.csv", []shopOrder{
		{id: 9201, name: "Paulo Souza", email: "paulo.souza.test@example.com", doc: cpf(123456789), at: "2024-02-02 10:00:00 -0300"},
		{id: 9202, name: "Paulo Souza", email: "paulo.souza.test@example.com", at: "2024-05-02 10:00:00 -0300"},
	})
	docB := shopifyFile(t, "doc-b.csv", []shopOrder{
		{id: 9203, name: "Paulo Souza", email: "paulo.souza.test@example.com", doc: cpf(987654321), at: "2024-06-02 10:00:00 -0300"},
	})
	pool := [][]File{history, later, recent, edited, guardA, guardB, docA, docB}

	// Each seed runs under one --pii mode, to keep the test short.
	for seed, mode := range []pii.Mode{pii.Clear, pii.Hash} {
		rng := rand.New(rand.NewPCG(uint64(seed), 21))
		var seq [][]File
		for _, i := range rng.Perm(len(pool)) {
			seq = append(seq, pool[i])
			if rng.IntN(4) == 0 {
				seq = append(seq, seq[rng.IntN(len(seq))]) // read again
			}
		}
		forgetAt := 2 + rng.IntN(len(seq)-2)
		{
			t.Run(fmt.Sprintf("seed%d/%s", seed, mode), func(t *testing.T) {
				protect, err := pii.New(string(mode), "a-test-key-of-32-bytes-0123456789")
				if err != nil {
					t.Fatal(err)
				}
				withState := filepath.Join(t.TempDir(), "state")
				fromTables := filepath.Join(t.TempDir(), "tables")
				var read []File
				forgotten := false
				for i, files := range seq {
					if i == forgetAt {
						email := normalize.EmailMatchKey("paulo.souza.test@example.com")
						for _, dir := range []string{withState, fromTables} {
							if _, err := dataset.Forget(t.Context(), dir, dataset.Erasure{Kind: "email", Value: email}, fixedNow, protect); err != nil {
								t.Fatal(err)
							}
						}
						forgotten = true
					}
					got, _ := importFiles(t, withState, Options{PII: protect}, files)
					want, _ := importFiles(t, fromTables, Options{PII: protect, ignoreState: true}, files)
					if *got != *want {
						t.Errorf("run %d: figures\n got %+v\nwant %+v", i, *got, *want)
					}
					for _, table := range []string{"orders/*", "order_items/*", "customers", "identities", "customer_merges", "customer_links"} {
						g := sortedLines(parquettest.ReadGlob(t, filepath.Join(withState, table, "*.parquet")).JSONL)
						w := sortedLines(parquettest.ReadGlob(t, filepath.Join(fromTables, table, "*.parquet")).JSONL)
						if !slices.Equal(g, w) {
							t.Fatalf("run %d, %s: %d rows with the resolver state differ from %d read from the tables", i, table, len(g), len(w))
						}
					}
					read = append(read, files...)
					if mode != pii.Clear || forgotten {
						continue
					}
					full := filepath.Join(t.TempDir(), "full")
					importFiles(t, full, Options{PII: protect}, read)
					compareFull(t, i, withState, full)
				}
			})
		}
	}
}

// compareFull checks that an incremental dataset holds what one import of
// the same files holds (dataset.Compare): the same rows in every table,
// customer ids aside, so the same orders grouped into the same customers.
func compareFull(t *testing.T, run int, incremental, full string) {
	t.Helper()
	a, err := dataset.OpenReadOnly(incremental)
	if err != nil {
		t.Fatal(err)
	}
	b, err := dataset.OpenReadOnly(full)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dataset.Compare(t.Context(), a, b)
	if err != nil {
		t.Fatal(err)
	}
	if !c.SameRows() {
		t.Fatalf("run %d: the dataset differs from one import of every file:\n%s", run, c)
	}
}

// editedAmazon is a later re-export of some of the Amazon orders among
// files: cancelled, and updated after every other sighting.
func editedAmazon(t *testing.T, files []File) []File {
	t.Helper()
	for _, f := range files {
		if !strings.HasSuffix(f.Path, ".tsv") {
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		out := []string{lines[0]}
		for i, l := range lines[1:] {
			if i%5 != 0 {
				continue
			}
			cols := strings.Split(l, "\t")
			cols[3] = "2026-11-20T10:00:00+00:00" // last-updated-date
			cols[4] = "Cancelled"                 // order-status
			cols[12] = "Cancelled"                // item-status
			out = append(out, strings.Join(cols, "\t"))
		}
		p := filepath.Join(t.TempDir(), filepath.Base(f.Path))
		if err := os.WriteFile(p, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return []File{{Path: p, Account: f.Account}}
	}
	t.Fatal("no Amazon export among the generated files")
	return nil
}

type shopOrder struct {
	id                     int
	name, phone, email, at string
	doc                    string
}

// shopifyFile writes a Shopify orders export of the given orders, one line
// each, from a generated export's columns.
func shopifyFile(t *testing.T, name string, orders []shopOrder) []File {
	t.Helper()
	tmpl := generated(t, 5, 10, day(2024, 1), day(2024, 2))
	var src string
	for _, f := range tmpl {
		if strings.HasPrefix(filepath.Base(f.Path), "shopify") {
			src = f.Path
		}
	}
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	recs, err := csv.NewReader(in).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head, row := recs[0], recs[1]
	col := func(n string) int {
		i := slices.Index(head, n)
		if i < 0 {
			t.Fatalf("no column %q in %s", n, src)
		}
		return i
	}
	p := filepath.Join(t.TempDir(), name)
	out, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(out)
	w.Write(head)
	for _, o := range orders {
		r := slices.Clone(row)
		r[col("Name")] = fmt.Sprintf("#%d", o.id)
		r[col("Id")] = fmt.Sprint(5009000000000 + o.id)
		r[col("Email")] = o.email
		r[col("Billing Name")], r[col("Shipping Name")] = o.name, o.name
		r[col("Billing Phone")], r[col("Shipping Phone")], r[col("Phone")] = o.phone, o.phone, o.phone
		r[col("Created at")], r[col("Paid at")] = o.at, o.at
		r[col("Note Attributes")] = "shipping_street_number: 24"
		if o.doc != "" {
			r[col("Note Attributes")] += "\ncpf: " + o.doc
		}
		w.Write(r)
	}
	w.Flush()
	if err := errorsJoin(w.Error(), out.Close()); err != nil {
		t.Fatal(err)
	}
	return []File{{Path: p, Account: testgen.Account}}
}

func errorsJoin(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// cpf is a valid CPF of the nine digits n.
func cpf(n int) string {
	d := []byte(fmt.Sprintf("%09d", n))
	for len(d) < 11 {
		sum := 0
		for i, c := range d {
			sum += int(c-'0') * (len(d) + 1 - i)
		}
		v := sum * 10 % 11 % 10
		d = append(d, byte('0'+v))
	}
	return string(d)
}

// TestKilledRunLeavesStateConsistent kills a run at its commit, after its
// resolver state and the tables' files are written and before the
// manifest names them: the next run uses none of the killed run's state,
// and its tables equal those of a run that reads every month's tables.
func TestKilledRunLeavesStateConsistent(t *testing.T) {
	history := generated(t, 7, 200, day(2024, 1), day(2024, 9))
	recent := generated(t, 7, 60, day(2024, 3), day(2024, 5))
	late := generated(t, 8, 60, day(2024, 9), day(2024, 11))
	withState := filepath.Join(t.TempDir(), "state")
	fromTables := filepath.Join(t.TempDir(), "tables")
	for _, dir := range []string{withState, fromTables} {
		importFiles(t, dir, Options{}, history)
	}
	before, err := dataset.ReadManifest(withState)
	if err != nil {
		t.Fatal(err)
	}

	dataset.TestHookAfterMove = func() bool { return true }
	r, err := Open(t.Context(), withState, Options{Now: func() time.Time { return fixedNow.Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.ReadFiles(recent); err != nil {
		t.Fatal(err)
	}
	_, err = r.Commit("import killed")
	killed := r.ID()
	r.Close()
	dataset.TestHookAfterMove = nil
	if err == nil {
		t.Fatal("the killed commit succeeded")
	}
	if idx, _ := filepath.Glob(filepath.Join(withState, dataset.ResolverStateDir, "index-"+killed+".json")); len(idx) != 1 {
		t.Fatal("the killed run wrote no state index: the test does not reach the case")
	}

	ds, err := dataset.Open(withState)
	if err != nil {
		t.Fatal(err)
	}
	if m := ds.Manifest(); m.RunID != before.RunID {
		t.Fatalf("the killed run committed %s", m.RunID)
	}
	for month, sm := range dataset.LoadStateIndex(ds, "clear", "").Months {
		if strings.Contains(sm.File, killed) {
			t.Errorf("month %s: the killed run's state %s is used", month, sm.File)
		}
	}

	got, _ := importFiles(t, withState, Options{}, late)
	want, _ := importFiles(t, fromTables, Options{ignoreState: true}, late)
	if *got != *want {
		t.Errorf("figures\n got %+v\nwant %+v", *got, *want)
	}
	for _, table := range []string{"orders/*", "order_items/*", "customers", "identities", "customer_merges", "customer_links"} {
		g := sortedLines(parquettest.ReadGlob(t, filepath.Join(withState, table, "*.parquet")).JSONL)
		w := sortedLines(parquettest.ReadGlob(t, filepath.Join(fromTables, table, "*.parquet")).JSONL)
		if !slices.Equal(g, w) {
			t.Errorf("%s: %d rows after the killed run differ from %d read from the tables", table, len(g), len(w))
		}
	}
	if left, _ := filepath.Glob(filepath.Join(withState, dataset.ResolverStateDir, "*"+killed+"*")); len(left) != 0 {
		t.Errorf("the killed run's state is still there after the next commit: %v", left)
	}
}

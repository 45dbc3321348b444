// Command quality measures identity resolution end to end: it generates
// exports of every layout with a known truth (which person placed each
// order), imports them with orderhist exactly as a seller would, and scores
// the customers found against the truth — pairwise precision and recall over
// all pairs of orders and over pairs on different channels, with recall also
// against the pairs the exports make linkable: by a shared strong identifier
// (document, e-mail, phone, marketplace username; an Amazon row shows little
// more than a CPF, a masked Shopee row its username), and by those or the
// buyer's name with the CEP and street number.
//
//	go run ./tools/quality -people 20000 -lines 200000 -early 1
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orderhist/orderhist/connectors"
	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/testgen"
)

func main() {
	var (
		seed   = flag.Int64("seed", 11, "generator seed")
		people = flag.Int("people", 20000, "population size")
		lines  = flag.Int("lines", 200000, "data rows over all layouts")
		noise  = flag.String("noise", "default", "none, default or heavy")
		keep   = flag.String("keep", "", "keep the generated files and dataset in this folder")
		show   = flag.Int("show", 0, "print this many split linkable groups and merged customers, with what their orders show")
		early  = flag.Float64("early", 1, "share of the orders Shopee masks that the seller saw earlier in a to-ship export (0 to 1)")
	)
	flag.Parse()
	if err := run(*seed, *people, *lines, *noise, *keep, *show, *early); err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

func run(seed int64, people, lines int, noise, keep string, show int, early float64) error {
	dir := keep
	if dir == "" {
		d, err := os.MkdirTemp("", "orderhist-quality-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	exports, out := filepath.Join(dir, "exports"), filepath.Join(dir, "dataset")
	os.RemoveAll(out)
	start := time.Now()
	res, err := testgen.Generate(testgen.Config{Seed: seed, People: people, Lines: lines, Noise: noise, OutDir: exports, EarlySightings: early})
	if err != nil {
		return err
	}
	truthPath := filepath.Join(exports, testgen.TruthFile)
	truthFile := filepath.Join(dir, testgen.TruthFile)
	if err := os.Rename(truthPath, truthFile); err != nil {
		return err
	}
	fmt.Printf("generated %d orders of %d people in %s\n", res.Orders, people, time.Since(start).Round(time.Millisecond))

	start = time.Now()
	stats, err := importFolder(out, exports)
	if err != nil {
		return err
	}
	fmt.Printf("imported in %s (%d rejects)\n", time.Since(start).Round(time.Millisecond), stats.Rejects)

	truth, err := readTruth(truthFile)
	if err != nil {
		return err
	}
	ds, err := dataset.OpenReadOnly(out)
	if err != nil {
		return err
	}
	pred, channel, shown := map[string]string{}, map[string]string{}, map[string]string{}
	err = dataset.ReadTable(context.Background(), ds, "orders", func(rows []dataset.OrderRow) error {
		for _, r := range rows {
			k := r.Source + "/" + r.Account + "/" + r.OrderID
			pred[k], channel[k] = r.CustomerID, r.Source
			if show > 0 {
				shown[k] = fmt.Sprintf("ref=%s name=%q doc=%s email=%s phone=%s recipient=%q cep=%s street=%q number=%q",
					r.BuyerRef, r.BuyerName, r.BuyerDocument, r.BuyerEmail, r.BuyerPhone, r.RecipientName, r.ShipPostalCode, r.ShipStreet, r.ShipNumber)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range truth.person {
		if _, ok := pred[k]; !ok {
			return fmt.Errorf("order %s of the truth is not in the dataset", k)
		}
	}
	customers, persons := map[string]bool{}, map[string]bool{}
	for k, id := range pred {
		customers[id] = true
		if p, ok := truth.person[k]; ok {
			persons[p] = true
		}
	}
	fmt.Printf("\n%d orders, %d people, %d customers found\n\n", len(pred), len(persons), len(customers))
	report(os.Stdout, truth, pred, channel)
	if show > 0 {
		showErrors(os.Stdout, truth, pred, shown, show)
	}
	return nil
}

// importFolder imports every export under dir into the dataset in out, as
// "orderhist import" does.
func importFolder(out, dir string) (*importer.Stats, error) {
	paths, _, err := connectors.WalkExports(dir)
	if err != nil {
		return nil, err
	}
	files := make([]importer.File, len(paths))
	for i, p := range paths {
		files[i] = importer.File{Path: p, Account: "main"}
	}
	run, err := importer.Open(context.Background(), out, importer.Options{Command: "quality"})
	if err != nil {
		return nil, err
	}
	defer run.Close()
	if _, err := run.ReadFiles(files); err != nil {
		return nil, err
	}
	for _, in := range run.Inputs() {
		if in.Failed() {
			return nil, fmt.Errorf("import %s: %w", in.Path, in.Err)
		}
	}
	return run.Commit("import " + dir)
}

// Command quality measures identity resolution end to end: it generates
// exports of every layout with a known truth (which person placed each
// order), imports them with orderhist exactly as a seller would, and scores
// the customers found against the truth — pairwise precision, recall and F1
// over all pairs of orders, over pairs on different channels, and over the
// pairs the exports make linkable at all (a shared document, e-mail, buyer
// id or phone; an Amazon row shows none of them, a masked Shopee row little).
//
//	go run ./tools/quality -people 20000 -lines 200000
package main

import (
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/dedupe"
	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/testgen"
	"github.com/orderhist/orderhist/normalize"
)

func main() {
	var (
		seed   = flag.Int64("seed", 11, "generator seed")
		people = flag.Int("people", 20000, "population size")
		lines  = flag.Int("lines", 200000, "data rows over all layouts")
		noise  = flag.String("noise", "default", "none, default or heavy")
		keep   = flag.String("keep", "", "keep the generated files and dataset in this folder")
		show   = flag.Int("show", 0, "print this many people whose linkable orders were split, with their identifiers")
	)
	flag.Parse()
	if err := run(*seed, *people, *lines, *noise, *keep, *show); err != nil {
		fmt.Fprintln(os.Stderr, "quality:", err)
		os.Exit(1)
	}
}

func run(seed int64, people, lines int, noise, keep string, show int) error {
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
	res, err := testgen.Generate(testgen.Config{Seed: seed, People: people, Lines: lines, Noise: noise, OutDir: exports})
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
	ds, err := dataset.Open(out)
	if err != nil {
		return err
	}
	pred, channel := map[string]string{}, map[string]string{}
	var orders []*normalize.Order
	err = dataset.ReadTable(context.Background(), ds, "orders", func(rows []dataset.OrderRow) error {
		for _, r := range rows {
			k := r.Source + "/" + r.Account + "/" + r.OrderID
			pred[k], channel[k] = r.CustomerID, r.Source
			orders = append(orders, &normalize.Order{Source: r.Source, Account: r.Account, OrderID: r.OrderID,
				Buyer: normalize.Buyer{Ref: r.BuyerRef, Name: r.BuyerName, Document: r.BuyerDocument, Email: r.BuyerEmail, Phone: r.BuyerPhone},
				Ship:  normalize.Address{RecipientName: r.RecipientName, RecipientPhone: r.RecipientPhone}})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for k := range truth {
		if _, ok := pred[k]; !ok {
			return fmt.Errorf("order %s of the truth is not in the dataset", k)
		}
	}
	all := dedupe.PairwiseScores(truth, pred)
	cross := dedupe.CrossChannelScores(truth, pred, channel)
	linkable := dedupe.LinkableTruth(orders, truth)
	reach := dedupe.PairwiseScores(linkable, pred)
	customers := map[string]bool{}
	for _, id := range pred {
		customers[id] = true
	}
	fmt.Printf("\n%d orders, %s people, %d customers found\n\n", len(pred), countDistinct(truth), len(customers))
	fmt.Printf("%-26s %10s %10s %10s %12s\n", "pairs", "precision", "recall", "F1", "true pairs")
	for _, row := range []struct {
		name string
		s    dedupe.Scores
	}{{"all orders", all}, {"different channels", cross}, {"linkable by the exports", reach}} {
		fmt.Printf("%-26s %10.4f %10.4f %10.4f %12d\n", row.name, row.s.Precision, row.s.Recall, row.s.F1, row.s.TruthPairs)
	}
	if show > 0 {
		showSplits(orders, linkable, pred, show)
	}
	return nil
}

// showSplits prints linkable groups of orders that resolution split: the
// remaining recall errors, with what each order showed.
func showSplits(orders []*normalize.Order, linkable, pred map[string]string, n int) {
	groups := map[string][]*normalize.Order{}
	var keys []string
	for _, o := range orders {
		g := linkable[o.Source+"/"+o.Account+"/"+o.OrderID]
		if _, ok := groups[g]; !ok {
			keys = append(keys, g)
		}
		groups[g] = append(groups[g], o)
	}
	fmt.Println("\nlinkable orders that were split:")
	for _, g := range keys {
		ids := map[string]bool{}
		for _, o := range groups[g] {
			ids[pred[o.Source+"/"+o.Account+"/"+o.OrderID]] = true
		}
		if len(ids) < 2 {
			continue
		}
		fmt.Printf("\n%s (%d orders, %d customers)\n", g, len(groups[g]), len(ids))
		for _, o := range groups[g] {
			b := o.Buyer
			fmt.Printf("  %-12s %-22s %-20s doc=%-14s email=%-34s phone=%-15s name=%q -> %s\n", o.Source, o.OrderID, b.Ref, b.Document, b.Email, b.Phone, b.Name,
				pred[o.Source+"/"+o.Account+"/"+o.OrderID])
		}
		if n--; n == 0 {
			return
		}
	}
}

// importFolder imports every export under dir into the dataset in out, as
// "orderhist import" does.
func importFolder(out, dir string) (*importer.Stats, error) {
	paths, err := importer.FolderExports(dir)
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

func readTruth(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	truth := map[string]string{}
	for i, r := range rows {
		if i == 0 || len(r) < 4 {
			continue
		}
		truth[r[0]+"/"+r[1]+"/"+r[2]] = r[3]
	}
	return truth, nil
}

func countDistinct(m map[string]string) string {
	seen := map[string]bool{}
	for _, v := range m {
		seen[v] = true
	}
	return strconv.Itoa(len(seen))
}

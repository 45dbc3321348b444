// Command samedata is the benchmark's check that incremental equals full:
// it compares a dataset built by a sequence of runs with one import of the
// same files (dataset.Compare), prints what it compared, and exits 1 when
// a table's rows differ or a customer's id differs where no merge explains
// it.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/orderhist/orderhist/dataset"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: samedata INCREMENTAL-DATASET FULL-DATASET")
		os.Exit(2)
	}
	var ds [2]*dataset.Dataset
	for i, dir := range os.Args[1:] {
		d, err := dataset.OpenReadOnly(dir)
		if err == nil && d.Manifest() == nil {
			err = fmt.Errorf("%s holds no dataset", dir)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "samedata:", err)
			os.Exit(2)
		}
		ds[i] = d
	}
	c, err := dataset.Compare(context.Background(), ds[0], ds[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "samedata:", err)
		os.Exit(2)
	}
	fmt.Print(c)
	if !c.SameRows() || len(c.IDsDiffer) > 0 {
		fmt.Println("samedata: the incremental dataset differs from one import of the same files")
		os.Exit(1)
	}
}

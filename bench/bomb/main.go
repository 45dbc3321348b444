// Command bomb writes a hostile Shopee-looking workbook for bench/run.sh:
// a couple of MB whose shared string table holds N empty entries, so the
// benchmark can show the peak memory of importing it beside a normal
// export.
//
//	go run ./bench/bomb -n 300000000 OUT.xlsx
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/orderhist/orderhist/internal/xlsxbomb"
)

func main() {
	n := flag.Int64("n", 300_000_000, "empty shared strings")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: bomb [-n N] OUT.xlsx")
		os.Exit(2)
	}
	if err := xlsxbomb.Write(flag.Arg(0), *n, xlsxbomb.Empty); err != nil {
		fmt.Fprintln(os.Stderr, "bomb:", err)
		os.Exit(1)
	}
}

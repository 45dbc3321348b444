// Command xlsxiter is the reference the benchmark compares XLSX imports to:
// the time excelize alone needs to stream every row of every sheet of a
// workbook, reading each cell's text, with nothing done to the values. It
// opens the file with the options orderhist uses (raw values, the default
// limits of connectors/tabular).
package main

import (
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: xlsxiter FILE.xlsx")
		os.Exit(2)
	}
	f, err := excelize.OpenFile(os.Args[1], excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    4 << 30,
		UnzipXMLSizeLimit: 16 << 20,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	rows, cells := 0, 0
	for _, sheet := range f.GetSheetList() {
		rs, err := f.Rows(sheet)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		for rs.Next() {
			cols, err := rs.Columns()
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
			rows++
			cells += len(cols)
		}
		rs.Close()
	}
	fmt.Printf("%d rows %d cells\n", rows, cells)
}

package testgen

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

func u64(x uint64) string { return strconv.FormatUint(x, 10) }

// dotMoney writes centavos as "1234.56" (Amazon, Shopify, Shopee).
func dotMoney(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return sign + strconv.FormatInt(c/100, 10) + "." + pad2(c%100)
}

// brMoney writes centavos as "1.234,56" (pt-BR Excel, TikTok).
func brMoney(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	whole := strconv.FormatInt(c/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(d)
	}
	b.WriteByte(',')
	b.WriteString(pad2(c % 100))
	return b.String()
}

func pad2(x int64) string {
	if x < 10 {
		return "0" + strconv.FormatInt(x, 10)
	}
	return strconv.FormatInt(x, 10)
}

// mlNumber is a money value for a numeric XLSX cell. Centavos divided by
// 100 print back with at most two decimals ("80.38"), as ML's cells do.
func mlNumber(c int64) float64 { return float64(c) / 100 }

// ptLongDate writes Mercado Livre's "2 de fevereiro de 2026 15:44 hs.".
func ptLongDate(t time.Time) string {
	w := t.In(saoPaulo)
	return strconv.Itoa(w.Day()) + " de " + ptMonths[w.Month()-1] + " de " + strconv.Itoa(w.Year()) +
		" " + w.Format("15:04") + " hs."
}

// ptShortDate writes the yearless "4 de março | 00:24" of ML's shipping
// columns.
func ptShortDate(t time.Time) string {
	w := t.In(saoPaulo)
	return strconv.Itoa(w.Day()) + " de " + ptMonths[w.Month()-1] + " | " + w.Format("15:04")
}

func ptDayMonth(t time.Time) string {
	w := t.In(saoPaulo)
	return strconv.Itoa(w.Day()) + " de " + ptMonths[w.Month()-1]
}

// xlsxOut streams one sheet through excelize's StreamWriter and writes the
// zip straight to the file: excelize's own Save builds the whole archive
// in a bytes.Buffer, which would hold the full file in memory.
type xlsxOut struct {
	path string
	f    *excelize.File
	sw   *excelize.StreamWriter
	row  int
}

// newXLSX starts a workbook with one sheet. asSecond stores the sheet as
// xl/worksheets/sheet2.xml with no sheet1, as Shopee's exports do.
func newXLSX(path, sheet string, asSecond bool) (*xlsxOut, error) {
	f := excelize.NewFile()
	if asSecond {
		if _, err := f.NewSheet(sheet); err != nil {
			return nil, err
		}
		if err := f.DeleteSheet("Sheet1"); err != nil {
			return nil, err
		}
	} else if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &xlsxOut{path: path, f: f, sw: sw}, nil
}

func (x *xlsxOut) writeRow(vals []any) error {
	x.row++
	cell, err := excelize.CoordinatesToCellName(1, x.row)
	if err != nil {
		return err
	}
	return x.sw.SetRow(cell, vals)
}

func (x *xlsxOut) close() (err error) {
	defer func() {
		if cerr := x.f.Close(); err == nil {
			err = cerr
		}
	}()
	if err := x.sw.Flush(); err != nil {
		return err
	}
	out, err := os.Create(x.path)
	if err != nil {
		return err
	}
	defer out.Close()
	bw := bufio.NewWriterSize(out, 1<<20)
	x.f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(bw)
		// Speed over size: generated files are rewritten often.
		zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
			return flate.NewWriter(w, flate.BestSpeed)
		})
		return zw
	})
	if _, err := x.f.WriteTo(io.Discard); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return out.Close()
}

// tsvWriter writes tab-separated lines; Amazon's flat files are not quoted,
// so values must not contain tabs or newlines (none generated do).
type tsvWriter struct {
	f  *os.File
	bw *bufio.Writer
}

func newTSV(path string) (*tsvWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &tsvWriter{f: f, bw: bufio.NewWriterSize(f, 1<<16)}, nil
}

func (t *tsvWriter) line(vals []string) error {
	for i, v := range vals {
		if i > 0 {
			t.bw.WriteByte('\t')
		}
		t.bw.WriteString(v)
	}
	return t.bw.WriteByte('\n')
}

func (t *tsvWriter) close() error {
	if err := t.bw.Flush(); err != nil {
		t.f.Close()
		return err
	}
	return t.f.Close()
}

func excelizeCell(col, row int) (string, error) { return excelize.CoordinatesToCellName(col, row) }

package connectortest

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Sheet is one worksheet of a generated workbook. A cell is a string (a
// text cell, as exports write ids and blanks), a float64 or int (a number
// cell), a Number (a number cell written with fixed decimals, "1.0"), or
// nil (no cell at all).
type Sheet struct {
	Name   string
	Rows   [][]any
	Merges [][2]string // top-left and bottom-right cells, e.g. {"A5", "R5"}
}

// Number is a numeric cell written exactly as given ("1.0", "80.38"), the
// way Apache POI writes them.
type Number string

// WriteXLSX writes a workbook. The output is byte-for-byte the same on every
// run, so committed fixtures can be compared with their generator.
func WriteXLSX(path string, sheets ...Sheet) error {
	f := excelize.NewFile()
	defer f.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return err
		}
		for r, row := range sh.Rows {
			for c, v := range row {
				if v == nil {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return err
				}
				switch v := v.(type) {
				case string:
					err = f.SetCellStr(sh.Name, cell, v)
				case Number:
					var x float64
					x, err = strconv.ParseFloat(string(v), 64)
					if err == nil {
						prec := -1
						if i := strings.IndexByte(string(v), '.'); i >= 0 {
							prec = len(v) - i - 1
						}
						err = f.SetCellFloat(sh.Name, cell, x, prec, 64)
					}
				default:
					err = f.SetCellValue(sh.Name, cell, v)
				}
				if err != nil {
					return fmt.Errorf("%s %s: %w", sh.Name, cell, err)
				}
			}
		}
		for _, m := range sh.Merges {
			if err := f.MergeCell(sh.Name, m[0], m[1]); err != nil {
				return err
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		return err
	}
	return os.Chmod(path, 0o644)
}

// sameFixture compares a committed fixture with a freshly generated one.
// Workbooks are compared by content (sheets, cells as stored, merged
// cells), so that a new zip compressor in a later Go release does not make
// every fixture look stale; text files byte for byte.
func sameFixture(a, b []byte) (bool, error) {
	if !bytes.HasPrefix(a, []byte("PK")) || !bytes.HasPrefix(b, []byte("PK")) {
		return bytes.Equal(a, b), nil
	}
	ca, err := workbookContent(a)
	if err != nil {
		return false, err
	}
	cb, err := workbookContent(b)
	if err != nil {
		return false, err
	}
	return ca == cb, nil
}

func workbookContent(data []byte) (string, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true})
	if err != nil {
		return "", err
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh, excelize.Options{RawCellValue: true})
		if err != nil {
			return "", err
		}
		merges, err := f.GetMergeCells(sh)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "sheet %q\n", sh)
		for i, r := range rows {
			fmt.Fprintf(&b, "%d %q\n", i+1, r)
		}
		for _, m := range merges {
			fmt.Fprintf(&b, "merge %s:%s\n", m.GetStartAxis(), m.GetEndAxis())
		}
	}
	return b.String(), nil
}

// WriteText writes a text fixture (CSV, TSV) as given.
func WriteText(path, content string) error {
	return os.WriteFile(path, []byte(content), 0o644)
}

// renameColumn writes a copy of the fixture with one header cell renamed.
// It reports false when the header has no such cell.
func renameColumn(s *connectors.Sample, m connectors.Match, src, dst, col string) (bool, error) {
	const newName = "Renamed by the test"
	same := func(cell string) bool {
		c := tabular.CleanHeader(strings.Trim(strings.TrimSpace(cell), `"`))
		return strings.EqualFold(c, col)
	}
	if s.Kind == tabular.KindXLSX {
		f, err := excelize.OpenFile(src)
		if err != nil {
			return false, err
		}
		defer f.Close()
		rows, err := f.GetRows(m.Sheet, excelize.Options{RawCellValue: true})
		if err != nil {
			return false, err
		}
		if m.HeaderRow < 1 || m.HeaderRow > len(rows) {
			return false, nil
		}
		for c, v := range rows[m.HeaderRow-1] {
			if same(v) {
				cell, _ := excelize.CoordinatesToCellName(c+1, m.HeaderRow)
				if err := f.SetCellStr(m.Sheet, cell, newName); err != nil {
					return false, err
				}
				return true, f.SaveAs(dst)
			}
		}
		return false, nil
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return false, err
	}
	lines := strings.SplitAfter(string(data), "\n")
	i := m.HeaderRow - 1
	if i < 0 || i >= len(lines) {
		return false, nil
	}
	line := lines[i]
	end := len(strings.TrimRight(line, "\r\n"))
	// The sniffed delimiter first; a connector may read the file with
	// another (TikTok's cells end in a tab that sniffing takes for one).
	for _, d := range []string{string(s.Delimiter), ",", ";", "\t"} {
		cells := strings.Split(line[:end], d)
		for c, v := range cells {
			if same(v) {
				cells[c] = newName
				lines[i] = strings.Join(cells, d) + line[end:]
				return true, os.WriteFile(dst, []byte(strings.Join(lines, "")), 0o644)
			}
		}
	}
	return false, nil
}

func goroutines() int { return runtime.NumGoroutine() }

// openFiles counts the process's open file descriptors, or -1 where the
// system does not list them.
func openFiles() int {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(entries)
}

// checkOpenFiles fails when a stopped stream left its file open.
func checkOpenFiles(t *testing.T, before int) {
	t.Helper()
	if before < 0 {
		return
	}
	if n := openFiles(); n > before {
		t.Errorf("%d files open before, %d after the stream stopped", before, n)
	}
}

// waitGoroutines fails when more goroutines run than before, after giving
// exiting ones a moment to finish.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		n := goroutines()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			buf = buf[:runtime.Stack(buf, true)]
			t.Errorf("%d goroutines before, %d after:\n%s", before, n, buf)
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

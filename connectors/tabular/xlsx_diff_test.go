package tabular

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// sheetDump is everything a sheet stream hands out.
type sheetDump struct {
	numbers  []int
	rows     [][]string
	problems []string // "" for a row without a problem
	err      error
	// truncated says the reading stopped early on purpose.
	truncated bool
}

func (d sheetDump) String() string {
	var b strings.Builder
	for i, n := range d.numbers {
		fmt.Fprintf(&b, "%d: %q %s\n", n, d.rows[i], d.problems[i])
	}
	fmt.Fprintf(&b, "err: %v\n", d.err)
	return b.String()
}

// excelizeSheet reads a sheet with excelize's Rows and Columns and
// RawCellValue, with the row checks and the dimension check SheetRows makes
// on top: the reference SheetRows must match.
func excelizeSheet(t testing.TB, path, sheet string, limits Limits) sheetDump {
	t.Helper()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true, UnzipSizeLimit: limits.MaxUnzipBytes, UnzipXMLSizeLimit: limits.MaxXMLBytes})
	if err != nil {
		return sheetDump{err: err}
	}
	defer f.Close()
	rows, err := f.Rows(sheet)
	if err != nil {
		return sheetDump{err: err}
	}
	defer rows.Close()
	declaredLast := 0
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		declaredLast = lastRowOf(dim)
	}
	var d sheetDump
	n, lastNonEmpty := 0, 0
	for rows.Next() {
		n++
		d.numbers = append(d.numbers, n)
		cells, err := rows.Columns()
		problem := ""
		if err != nil {
			problem = fmt.Sprintf("the row cannot be read: %v", err)
		} else {
			for i := range cells {
				if len(cells[i]) > limits.MaxCellBytes {
					problem = fmt.Sprintf("cell %d holds %d bytes, more than the %d a cell may hold", i+1, len(cells[i]), limits.MaxCellBytes)
					break
				}
			}
		}
		if problem != "" {
			cells = nil
		} else if !blank(cells) {
			lastNonEmpty = n
		}
		d.rows = append(d.rows, cells)
		d.problems = append(d.problems, problem)
	}
	if err := rows.Error(); err != nil {
		d.err = err
	} else if declaredLast > 1 && lastNonEmpty > 0 && lastNonEmpty < declaredLast {
		d.err = fmt.Errorf("sheet %q ends at row %d but the file says it has %d rows", sheet, lastNonEmpty, declaredLast)
	}
	return d
}

// readerSheet reads a sheet with SheetRows.
func readerSheet(t testing.TB, path, sheet string, limits Limits) sheetDump {
	t.Helper()
	wb, err := OpenXLSX(path, limits)
	if err != nil {
		return sheetDump{err: err}
	}
	defer wb.Close()
	rows, err := wb.Rows(sheet)
	if err != nil {
		return sheetDump{err: err}
	}
	defer rows.Close()
	var d sheetDump
	for rows.Next() {
		r := rows.Row()
		d.numbers = append(d.numbers, r.Number)
		problem := ""
		if r.Problem != nil {
			problem = r.Problem.Error()
		}
		d.rows = append(d.rows, slices.Clone(r.Cells))
		d.problems = append(d.problems, problem)
	}
	d.err = rows.Err()
	return d
}

// sameSheet compares two dumps: rows, numbers and problems exactly; errors
// by presence only (the messages differ by design).
func sameSheet(t testing.TB, label string, want, got sheetDump) {
	t.Helper()
	if (want.err == nil) != (got.err == nil) {
		t.Errorf("%s: error %v, excelize %v", label, got.err, want.err)
	}
	if len(want.numbers) != len(got.numbers) {
		t.Errorf("%s: %d rows, excelize %d\nreader:\n%s\nexcelize:\n%s", label, len(got.numbers), len(want.numbers), clip(got.String()), clip(want.String()))
		return
	}
	for i := range want.numbers {
		if want.numbers[i] != got.numbers[i] || !slices.Equal(want.rows[i], got.rows[i]) || want.problems[i] != got.problems[i] {
			t.Errorf("%s: row %d\nreader   %d %q %s\nexcelize %d %q %s", label, i+1, got.numbers[i], got.rows[i], got.problems[i], want.numbers[i], want.rows[i], want.problems[i])
			return
		}
	}
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// compareWorkbook checks every sheet of a workbook against excelize.
func compareWorkbook(t *testing.T, path string, limits Limits) {
	t.Helper()
	f, err := excelize.OpenFile(path, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("excelize: %v", err)
	}
	want := f.GetSheetList()
	props, _ := f.GetWorkbookProps()
	f.Close()
	wb, err := OpenXLSX(path, limits)
	if err != nil {
		t.Fatal(err)
	}
	got := wb.Sheets()
	date1904 := wb.Date1904()
	wb.Close()
	if !slices.Equal(got, want) {
		t.Fatalf("sheets %q, excelize %q", got, want)
	}
	if props.Date1904 != nil && *props.Date1904 != date1904 {
		t.Errorf("date1904 %v, excelize %v", date1904, *props.Date1904)
	}
	for _, sheet := range want {
		sameSheet(t, sheet, excelizeSheet(t, path, sheet, limits), readerSheet(t, path, sheet, limits))
	}
}

// sharedDir is the folder of exports kept beside the repository; tests that
// need it skip when it is absent.
func sharedDir(t *testing.T, parts ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{"..", "..", "..", "shared"}, parts...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared exports not available: %v", err)
	}
	return p
}

func xlsxUnder(t *testing.T, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		// testdata/kinds holds files that only look like workbooks by name
		// (a password-protected one, an .xls), for DetectKind.
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules" || filepath.ToSlash(p) == "../../connectors/tabular/testdata/kinds") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".xlsx") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestXLSXMatchesExcelizeOnFixtures reads every workbook of the repository
// with both readers.
func TestXLSXMatchesExcelizeOnFixtures(t *testing.T) {
	files := xlsxUnder(t, filepath.Join("..", ".."))
	if len(files) == 0 {
		t.Fatal("no .xlsx in the repository")
	}
	for _, p := range files {
		t.Run(filepath.ToSlash(p), func(t *testing.T) { compareWorkbook(t, p, DefaultLimits) })
	}
}

// TestXLSXMatchesExcelizeOnShared reads the constructed samples and the
// pseudonymized real exports kept beside the repository.
func TestXLSXMatchesExcelizeOnShared(t *testing.T) {
	for _, dir := range []string{"samples", "real"} {
		t.Run(dir, func(t *testing.T) {
			files := xlsxUnder(t, sharedDir(t, dir))
			if len(files) == 0 {
				t.Skip("no workbooks")
			}
			for _, p := range files {
				t.Run(filepath.Base(p), func(t *testing.T) { compareWorkbook(t, p, DefaultLimits) })
			}
		})
	}
}

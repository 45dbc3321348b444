package tabular

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/internal/xlsxbomb"
)

// writeBombWorkbook writes xlsxbomb's workbook with n empty shared strings.
func writeBombWorkbook(tb testing.TB, path string, n int64) {
	tb.Helper()
	writeRepeatedSST(tb, path, n, "<si/>")
}

// writeRepeatedSST writes xlsxbomb's workbook with n copies of item after
// the strings the sheet uses.
func writeRepeatedSST(tb testing.TB, path string, n int64, item string) {
	tb.Helper()
	if err := xlsxbomb.Write(path, n, item); err != nil {
		tb.Fatal(err)
	}
}

// readSheet reads every row of the first sheet and returns the rows read,
// the row problems and the error that ended the stream (opening included).
func readSheet(path string, limits Limits) (rows int, problems []string, err error) {
	sr, err := OpenSheet(path, "orders", limits)
	if err != nil {
		return 0, nil, err
	}
	defer sr.Close()
	for sr.Next() {
		rows++
		if p := sr.Row().Problem; p != nil {
			problems = append(problems, p.Error())
		}
	}
	return rows, problems, sr.Err()
}

// wantOverLimit checks a refusal: a *FileError naming the file, wrapping
// ErrOverLimit, that says which limit.
func wantOverLimit(t *testing.T, err error, path, limit string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) || !errors.Is(err, ErrOverLimit) || fe.File != path || !strings.Contains(err.Error(), filepath.Base(path)) || !strings.Contains(err.Error(), limit) {
		t.Fatalf("want a refusal of %s naming %q, got %v", path, limit, err)
	}
}

// TestXLSXBombRefused: 300 million empty shared strings in a 2 MB file are
// refused from the zip directory alone, before anything is inflated; with
// the inflate ratio check off, the shared string limit refuses them
// (BenchmarkXLSXPeakMemory shows it at the default limit).
func TestXLSXBombRefused(t *testing.T) {
	p := filepath.Join(t.TempDir(), "Order.all.20260201_20260228.xlsx")
	writeBombWorkbook(t, p, 300_000_000)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() > 3<<20 {
		t.Fatalf("the bomb takes %d bytes", fi.Size())
	}
	_, _, err = readSheet(p, Limits{})
	wantOverLimit(t, err, p, "100 times its packed size")

	_, _, err = readSheet(p, Limits{MaxInflateRatio: 1 << 40, MaxSharedStrings: 100_000})
	wantOverLimit(t, err, p, "100000 entries")

	// The same workbook with a table within the limits reads.
	small := filepath.Join(t.TempDir(), "small.xlsx")
	writeBombWorkbook(t, small, 1000)
	rows, problems, err := readSheet(small, Limits{})
	if err != nil || rows != 2 || problems != nil {
		t.Fatalf("rows %d, problems %v, err %v", rows, problems, err)
	}
}

// TestXLSXLimits reads workbooks at and just beyond each limit.
func TestXLSXLimits(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cells := func(n int, v string) string {
		var b strings.Builder
		b.WriteString(`<row r="1">`)
		for range n {
			b.WriteString(`<c t="inlineStr"><is><t>` + v + `</t></is></c>`)
		}
		b.WriteString(`</row><row r="2"><c r="A2" t="inlineStr"><is><t>ok</t></is></c></row>`)
		return b.String()
	}
	sst := sstDoc("alpha", "beta", "gamma")
	for _, tc := range []struct {
		name    string
		sheet   string
		sst     string
		limits  Limits
		refused string // the limit a refusal names
		problem string // the row 1 problem
	}{
		{name: "cells at the limit", sheet: cells(10, "x"), limits: Limits{MaxRowCells: 10}},
		{name: "cells beyond", sheet: cells(11, "x"), limits: Limits{MaxRowCells: 10}, problem: "more than 10 cells"},
		{name: "row bytes at the limit", sheet: cells(10, "0123456789"), limits: Limits{MaxRecordBytes: 100}},
		{name: "row bytes beyond", sheet: cells(11, "0123456789"), limits: Limits{MaxRecordBytes: 100}, problem: "more than 100 bytes"},
		{name: "shared strings at the limit", sheet: cells(1, "x"), sst: sst, limits: Limits{MaxSharedStrings: 3}},
		{name: "shared strings beyond", sheet: cells(1, "x"), sst: sst, limits: Limits{MaxSharedStrings: 2}, refused: "2 entries"},
		{name: "shared text at the limit", sheet: cells(1, "x"), sst: sstDoc(strings.Repeat("a", 1<<20)), limits: Limits{MaxCellBytes: 2 << 20, MaxSharedStringBytes: 1 << 20, MaxInflateRatio: 1 << 20}},
		{name: "shared text beyond", sheet: cells(1, "x"), sst: sstDoc(strings.Repeat("a", 1<<20), "b"), limits: Limits{MaxCellBytes: 2 << 20, MaxSharedStringBytes: 1 << 20, MaxInflateRatio: 1 << 20}, refused: "1 MiB of text"},
		{name: "parts", sheet: cells(1, "x"), limits: Limits{MaxParts: 4}, refused: "4 parts"},
		{name: "inflate ratio", sheet: cells(1, strings.Repeat("a", 2<<20)), limits: Limits{MaxCellBytes: 4 << 20, MaxRecordBytes: 4 << 20}, refused: "100 times its packed size"},
		{name: "inflate ratio raised", sheet: cells(1, strings.Repeat("a", 2<<20)), limits: Limits{MaxCellBytes: 4 << 20, MaxRecordBytes: 4 << 20, MaxInflateRatio: 1 << 20}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := save(strings.ReplaceAll(tc.name, " ", "-")+".xlsx", xlsxPackage(t, sheetDoc(tc.sheet), tc.sst))
			wb, err := OpenXLSX(p, tc.limits)
			if err == nil {
				var rows *SheetRows
				rows, err = wb.Rows("S")
				if err == nil {
					var problems []string
					for rows.Next() {
						if pr := rows.Row().Problem; pr != nil {
							problems = append(problems, fmt.Sprintf("%d: %v", rows.Row().Number, pr))
						}
					}
					err = rows.Err()
					rows.Close()
					if tc.refused == "" && err == nil {
						switch {
						case tc.problem == "" && problems != nil:
							t.Fatalf("problems %q", problems)
						case tc.problem != "" && (len(problems) != 1 || !strings.HasPrefix(problems[0], "1: ") || !strings.Contains(problems[0], tc.problem)):
							t.Fatalf("problems %q, want row 1: %s", problems, tc.problem)
						}
					}
				}
				wb.Close()
			}
			if tc.refused == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantOverLimit(t, err, p, tc.refused)
		})
	}
}

// TestZipDirectoryLimit refuses a zip whose directory has room for more
// parts than a workbook may have, before archive/zip reads it.
func TestZipDirectoryLimit(t *testing.T) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	for i := range 200 {
		if _, err := z.Create(fmt.Sprintf("xl/media/%s%04d.bin", strings.Repeat("n", 40), i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "many.xlsx")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := OpenXLSX(p, Limits{MaxParts: 10})
	wantOverLimit(t, err, p, "room for 10 parts")
	_, err = OpenXLSX(p, Limits{MaxParts: 150})
	wantOverLimit(t, err, p, "150 parts")
}

// TestCSVRecordLimit: a record that never ends (an unbalanced quote, a file
// without line breaks) stops the file once it passes the record limit,
// quoted or not, without reading the rest.
func TestCSVRecordLimit(t *testing.T) {
	long := strings.Repeat("x", 600<<10)
	limits := Limits{MaxRecordBytes: 1000}
	for _, tc := range []struct {
		name, data string
		opts       CSVOptions
		rows       int
	}{
		{"open quote", "a,b\n1,2\n3,\"" + long + "\n4,5\n", CSVOptions{Limits: limits}, 1},
		{"no line break", "a,b\n1,2\n3," + long, CSVOptions{Limits: limits}, 1},
		{"unquoted", "a\tb\n1\t2\n3\t" + long, CSVOptions{Limits: limits, Unquoted: true}, 1},
		{"header", "a," + long + "\n1,2\n", CSVOptions{Limits: limits}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, "x.csv", []byte(tc.data))
			res := readAll(t, p, tc.opts)
			if len(res.rows) != tc.rows {
				t.Fatalf("rows %q", res.rows)
			}
			wantOverLimit(t, res.err, p, "1000 bytes")
		})
	}
	// A record at the limit reads.
	p := write(t, "ok.csv", []byte("a,b\n1,"+strings.Repeat("y", 998)+"\n2,3\n"))
	res := readAll(t, p, CSVOptions{Limits: Limits{MaxRecordBytes: 1000, MaxCellBytes: 1000}})
	if res.err != nil || len(res.rows) != 2 || res.problems != nil {
		t.Fatalf("%+v", res)
	}
}

// peakMemory measures the most memory a piece of code holds: the Go heap's
// objects, sampled every millisecond, and on Linux the process's peak RSS
// (VmHWM, reset through /proc/self/clear_refs before the code runs).
type peakMemory struct {
	stop     chan struct{}
	done     chan struct{}
	heap     uint64
	rssReset bool
}

func startPeakMemory() *peakMemory {
	debug.FreeOSMemory()
	p := &peakMemory{stop: make(chan struct{}), done: make(chan struct{})}
	p.rssReset = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			p.heap = max(p.heap, sample[0].Value.Uint64())
			select {
			case <-p.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// report stops the sampling and reports the peaks in MiB.
func (p *peakMemory) report(b *testing.B) {
	close(p.stop)
	<-p.done
	b.ReportMetric(float64(p.heap)/(1<<20), "peak-heap-MiB")
	if !p.rssReset {
		return
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%f kB", &kb); err == nil {
				b.ReportMetric(kb/1024, "peak-rss-MiB")
			}
		}
	}
}

// BenchmarkXLSXPeakMemory reads, with the default limits, a 2 MB workbook
// whose shared string table holds 300 million empty entries (refused from
// its zip directory), the same with the inflate ratio check off (refused by
// the shared string limit), a table at both shared string limits (4 million
// entries of 32 bytes: the most one workbook may make the reader hold) and
// a 20,000-row Mercado Livre-shaped export.
// Peak RSS is the whole test process's, so run one at a time
// (-bench 'PeakMemory/bomb$') to read it alone.
func BenchmarkXLSXPeakMemory(b *testing.B) {
	dir := b.TempDir()
	bomb := filepath.Join(dir, "bomb.xlsx")
	writeBombWorkbook(b, bomb, 300_000_000)
	full := filepath.Join(dir, "full.xlsx")
	writeRepeatedSST(b, full, int64(DefaultLimits.MaxSharedStrings)-100, "<si><t>"+strings.Repeat("x", 32)+"</t></si>")
	export := filepath.Join(dir, "export.xlsx")
	writeMLSheet(b, export, 20000, true)
	for _, tc := range []struct {
		name, path string
		limits     Limits
		refused    bool
	}{
		{"bomb", bomb, Limits{}, true},
		{"bomb-no-ratio-check", bomb, Limits{MaxInflateRatio: 1 << 40}, true},
		{"shared-strings-at-limits", full, Limits{MaxInflateRatio: 1 << 40}, false},
		{"export", export, Limits{}, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			peak := startPeakMemory()
			for b.Loop() {
				sr, err := OpenSheet(tc.path, "", tc.limits)
				if err == nil {
					for sr.Next() {
					}
					err = sr.Err()
					sr.Close()
				}
				if (err != nil) != tc.refused {
					b.Fatal(err)
				}
			}
			peak.report(b)
		})
	}
}

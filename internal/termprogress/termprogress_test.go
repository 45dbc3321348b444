package termprogress_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/termprogress"
	"github.com/orderhist/orderhist/internal/testgen"

	_ "github.com/orderhist/orderhist/connectors/all"
)

// terminal is a fake terminal of a given width: it keeps the screen's
// lines as "\r" and "\n" move the cursor, and records every status line
// drawn and any write past its last column (which a real terminal would
// wrap to a new line).
type terminal struct {
	t     *testing.T
	width int

	mu       sync.Mutex
	lines    []string // finished lines (ended by "\n")
	cur      []rune
	col      int
	maxCol   int
	statuses []string // the current line each time "\r" came back to it
}

func (term *terminal) Write(p []byte) (int, error) {
	term.mu.Lock()
	defer term.mu.Unlock()
	for _, r := range string(p) {
		switch r {
		case '\r':
			if s := strings.TrimSpace(string(term.cur)); s != "" {
				term.statuses = append(term.statuses, s)
			}
			// Only the status line comes back with "\r": log lines end
			// with "\n" and may wrap, as on a real terminal.
			term.maxCol = max(term.maxCol, term.col)
			term.col = 0
		case '\n':
			term.lines = append(term.lines, strings.TrimRight(string(term.cur), " "))
			term.cur, term.col = nil, 0
		default:
			for len(term.cur) <= term.col {
				term.cur = append(term.cur, ' ')
			}
			term.cur[term.col] = r
			term.col++
		}
	}
	return len(p), nil
}

// clock is a manual clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newDisplay(term *terminal, c *clock) *termprogress.Display {
	return termprogress.New(term, func() int { return term.width }, c.now, 0)
}

// TestStatusFitsTheTerminal: however long the file name, the line stays
// within the terminal, on every width.
func TestStatusFitsTheTerminal(t *testing.T) {
	for _, width := range []int{20, 40, 80, 132} {
		term := &terminal{t: t, width: width}
		c := &clock{t: time.Unix(0, 0)}
		d := newDisplay(term, c)
		task := d.Read("/home/vendedora/Downloads/Order.all.20260201_20260228_part_2_of_3.xlsx", 40<<20, "shopee")
		task.AddRows(120000)
		c.add(3 * time.Second)
		d.Stage("merging months", 3, 14)
		task.Finish()
		d.Stop()
		if term.maxCol >= width {
			t.Errorf("width %d: wrote up to column %d", width, term.maxCol)
		}
		if len(term.lines) != 0 || strings.TrimSpace(string(term.cur)) != "" {
			t.Errorf("width %d: left %q and %q on screen", width, term.lines, string(term.cur))
		}
	}
}

// TestRatesAreHonest: a rate is rows over the wall time the stage ran,
// and none is shown in its first second.
func TestRatesAreHonest(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rows  int
		after time.Duration
		want  string // "" wants no rate
	}{
		{"a burst in the first moment", 5000, time.Millisecond, ""},
		{"under a second", 5000, 900 * time.Millisecond, ""},
		{"after two seconds", 10000, 2 * time.Second, "5,000 rows/s"},
		{"a minute", 1234567, time.Minute, "20,576 rows/s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			term := &terminal{t: t, width: 200}
			c := &clock{t: time.Unix(0, 0)}
			d := newDisplay(term, c)
			task := d.Read("pedidos.csv", -1, "csv")
			c.add(tc.after)
			task.AddRows(tc.rows)
			d.Write([]byte("")) // forces a redraw
			status := strings.TrimSpace(string(term.cur))
			switch {
			case tc.want == "" && strings.Contains(status, "/s"):
				t.Errorf("rate shown too early: %q", status)
			case tc.want != "" && !strings.Contains(status, tc.want):
				t.Errorf("status %q lacks %q", status, tc.want)
			}
			task.Finish()
		})
	}
}

// TestRunShowsEveryStage runs an import with the display on a fake
// 60-column terminal: every stage shows, no line is wider than the
// terminal, every log line stands whole on a line of its own (never
// drawn over the status, nor the status over it), and nothing is left
// on screen at the end.
func TestRunShowsEveryStage(t *testing.T) {
	in := t.TempDir()
	res, err := testgen.Generate(testgen.Config{Seed: 5, People: 60, Lines: 200, Layouts: []string{testgen.LayoutShopeeAll, testgen.LayoutAmazon}, Noise: "none", OutDir: in})
	if err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, width: 60}
	c := &clock{t: time.Unix(0, 0)}
	d := newDisplay(term, c)
	var logged []string
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		logged = append(logged, strings.TrimSuffix(string(p), "\n"))
		mu.Unlock()
		return d.Write(p)
	}), nil))
	run, err := importer.Open(context.Background(), filepath.Join(t.TempDir(), "data"), importer.Options{
		Logger: logger,
		Progress: func(name string, size int64, connector string) importer.Progress {
			c.add(700 * time.Millisecond)
			return d.Read(name, size, connector)
		},
		Stage: func(name string, done, total int) {
			c.add(100 * time.Millisecond)
			d.Stage(name, done, total)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	var files []importer.File
	for _, f := range res.Files {
		files = append(files, importer.File{Path: filepath.Join(in, f.File), Account: "main"})
	}
	if _, err := run.ReadFiles(files); err != nil {
		t.Fatal(err)
	}
	if _, err := run.Commit("import"); err != nil {
		t.Fatal(err)
	}
	d.Stop()

	if term.maxCol >= term.width {
		t.Errorf("wrote up to column %d on a %d-column terminal", term.maxCol, term.width)
	}
	shown := strings.Join(term.statuses, "\n")
	for _, stage := range []string{"reading", "rows", "reading the dataset", "merging months", "resolving customers", "writing customers", "writing months", "writing rejects", "committing"} {
		if !strings.Contains(shown, stage) {
			t.Errorf("stage %q never shown; shown:\n%s", stage, shown)
		}
	}
	if !strings.Contains(shown, "merging months 1/") || !strings.Contains(shown, "writing months 1/") {
		t.Errorf("months done not shown:\n%s", shown)
	}
	if len(logged) == 0 {
		t.Fatal("the run logged nothing")
	}
	// Log lines are longer than the terminal: a real one would wrap them,
	// the fake one keeps them on one line; either way each must be whole.
	if len(term.lines) != len(logged) {
		t.Fatalf("%d lines on screen, %d logged:\n%s", len(term.lines), len(logged), strings.Join(term.lines, "\n"))
	}
	for i, l := range term.lines {
		if l != logged[i] {
			t.Errorf("screen line %d is %q, logged %q", i+1, l, logged[i])
		}
	}
	if s := strings.TrimSpace(string(term.cur)); s != "" {
		t.Errorf("left on screen: %q", s)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

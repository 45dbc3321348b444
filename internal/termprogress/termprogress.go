// Package termprogress shows a run's progress on a terminal: one status
// line at the bottom of the screen, never wider than the terminal, that
// log lines are written above (the line is cleared, the log line written,
// the status drawn again), and that follows every stage of a run: the
// inputs being read (bytes and rows), then each stage of the commit with
// its months done out of all.
//
// It is its own code rather than schollz/progressbar: that library
// measures the terminal only when it writes straight to an *os.File, cannot
// share its line with a logger, and computes rates from the last few
// updates, so a burst of a thousand rows counted in a microsecond reads as
// a hundred million rows a second. Here rates are what was done over the
// wall time the stage has run, and shown only after a second.
package termprogress

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dustin/go-humanize"
	"github.com/rivo/uniseg"
)

// minRateAge is how long a stage runs before its rate is shown: before
// that, a rate says more about the first batch than about the run.
const minRateAge = time.Second

// Display owns the status line. Its methods may be called from several
// goroutines.
type Display struct {
	out   io.Writer
	width func() int
	now   func() time.Time
	every time.Duration

	mu    sync.Mutex
	shown int       // columns of the status line on screen; 0 when none
	drawn time.Time // when it was last drawn

	stage       string
	stageStart  time.Time
	done, total int

	tasks     []*Task // every input read since the last stage ended
	readStart time.Time

	stop chan struct{}
	wg   sync.WaitGroup
}

// New returns a display writing to out, a terminal whose width (in
// columns) width tells at each redraw, so a resized window is followed.
// now is the clock; every is the least time between two redraws.
func New(out io.Writer, width func() int, now func() time.Time, every time.Duration) *Display {
	return &Display{out: out, width: width, now: now, every: every}
}

// Start redraws the line every so often while something is going on, so
// the elapsed time moves on through stages that report nothing for a
// while (resolving customers). Stop ends it.
func (d *Display) Start() {
	d.stop = make(chan struct{})
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		t := time.NewTicker(d.every)
		defer t.Stop()
		for {
			select {
			case <-d.stop:
				return
			case <-t.C:
				d.mu.Lock()
				d.redraw(true)
				d.mu.Unlock()
			}
		}
	}()
}

// Stop stops redrawing and clears the line.
func (d *Display) Stop() {
	if d.stop != nil {
		close(d.stop)
		d.wg.Wait()
		d.stop = nil
	}
	d.mu.Lock()
	d.clear()
	d.mu.Unlock()
}

// Write writes a log line above the status line: the line is cleared
// first and drawn again below it, so a log line is never drawn over it.
func (d *Display) Write(p []byte) (int, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.clear()
	n, err := d.out.Write(p)
	d.redraw(true)
	return n, err
}

// Stage shows a stage of the run and how far it is: done of total (0 when
// it has nothing to count). An empty name ends the stages: the line is
// cleared until something else starts.
func (d *Display) Stage(name string, done, total int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	changed := name != d.stage
	if changed {
		d.stage, d.stageStart = name, d.now()
		// A pull that commits a checkpoint goes on being read after it.
		d.tasks = slices.DeleteFunc(d.tasks, func(t *Task) bool { return t.finished })
	}
	d.done, d.total = done, total
	if name == "" {
		d.clear()
		return
	}
	d.redraw(changed)
}

// Read starts showing an input being read: size is its size in bytes (-1
// when unknown, as for an API pull), connector the connector reading it.
// The Task counts what is read and must be finished.
func (d *Display) Read(name string, size int64, connector string) *Task {
	t := &Task{d: d, name: filepath.Base(name) + " (" + connector + ")", size: size}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.reading() {
		d.tasks, d.readStart = nil, d.now()
	}
	d.tasks = append(d.tasks, t)
	d.redraw(true)
	return t
}

// reading reports whether an input is being read.
func (d *Display) reading() bool {
	for _, t := range d.tasks {
		if !t.finished {
			return true
		}
	}
	return false
}

// Task is one input being read.
type Task struct {
	d          *Display
	name       string
	size       int64
	bytes      atomic.Int64
	rows       atomic.Int64
	streamed   atomic.Bool // its bytes are counted
	finished   bool        // guarded by d.mu
	sinceCheck atomic.Int64
}

// Wrap counts the bytes read through r.
func (t *Task) Wrap(r io.Reader) io.Reader {
	t.streamed.Store(true)
	return &countingReader{r: r, t: t}
}

// AddRows counts rows read.
func (t *Task) AddRows(n int) {
	t.rows.Add(int64(n))
	// The clock is looked at every few hundred rows, not at each.
	if t.sinceCheck.Add(int64(n)) >= 256 {
		t.sinceCheck.Store(0)
		t.d.update()
	}
}

// Finish says the input was read.
func (t *Task) Finish() {
	d := t.d
	d.mu.Lock()
	defer d.mu.Unlock()
	t.finished = true
	if d.stage == "" && !d.reading() {
		d.clear()
		return
	}
	d.redraw(true)
}

type countingReader struct {
	r io.Reader
	t *Task
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.t.bytes.Add(int64(n))
	c.t.d.update()
	return n, err
}

// update redraws the line if it was not drawn lately.
func (d *Display) update() {
	d.mu.Lock()
	d.redraw(false)
	d.mu.Unlock()
}

// redraw draws the status line, always when force is set, otherwise only
// when the last drawing is older than every. d.mu is held.
func (d *Display) redraw(force bool) {
	now := d.now()
	if !force && now.Sub(d.drawn) < d.every {
		return
	}
	line := d.status(now)
	if line == "" {
		d.clear()
		return
	}
	// Never the terminal's last column: some terminals wrap the cursor
	// to the next line once it is written, and "\r" would then come back
	// to a line below the status.
	line = cut(line, d.columns()-1)
	w := uniseg.StringWidth(line)
	fmt.Fprintf(d.out, "\r%s%s", line, strings.Repeat(" ", max(0, d.shown-w)))
	d.shown, d.drawn = w, now
}

// clear removes the status line, leaving the cursor where it began.
func (d *Display) clear() {
	if d.shown == 0 {
		return
	}
	fmt.Fprintf(d.out, "\r%s\r", strings.Repeat(" ", d.shown))
	d.shown = 0
}

func (d *Display) columns() int {
	if w := d.width(); w > 1 {
		return w
	}
	return 80
}

// status is the line to show: the stage, or the inputs being read.
func (d *Display) status(now time.Time) string {
	switch {
	case d.stage != "":
		s := d.stage
		if d.total > 0 {
			s += fmt.Sprintf(" %d/%d", d.done, d.total)
		}
		return s + "  " + elapsed(now.Sub(d.stageStart))
	case d.reading():
		return d.readingStatus(now)
	}
	return ""
}

func (d *Display) readingStatus(now time.Time) string {
	var bytes, size, rows int64
	streamed, sized := false, true
	var active []string
	for _, t := range d.tasks {
		rows += t.rows.Load()
		if t.streamed.Load() {
			streamed = true
			bytes += t.bytes.Load()
			if t.size < 0 {
				sized = false
			}
			size += t.size
		}
		if !t.finished {
			active = append(active, t.name)
		}
	}
	age := now.Sub(d.readStart)
	parts := []string{"reading"}
	if streamed {
		p := humanize.Bytes(uint64(bytes))
		if sized {
			p += " of " + humanize.Bytes(uint64(size))
		}
		parts = append(parts, p)
	}
	parts = append(parts, humanize.Comma(rows)+" rows")
	if age >= minRateAge && rows > 0 {
		parts = append(parts, humanize.Comma(int64(float64(rows)/age.Seconds()))+" rows/s")
	}
	parts = append(parts, elapsed(age))
	name := active[0]
	if len(active) > 1 {
		name += fmt.Sprintf(" and %d more", len(active)-1)
	}
	return strings.Join(parts, "  ") + "  " + name
}

// elapsed is a duration as minutes and seconds.
func elapsed(d time.Duration) string {
	s := int(d.Seconds())
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// cut is the longest start of s in n columns, ending in "…" when cut.
func cut(s string, n int) string {
	if uniseg.StringWidth(s) <= n {
		return s
	}
	var b strings.Builder
	used, state := 0, -1
	for rest := s; len(rest) > 0; {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > n-1 {
			break
		}
		b.WriteString(cluster)
		used += w
	}
	return b.String() + "…"
}

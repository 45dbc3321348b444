package cmd

import (
	"io"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress draws one file's progress on stderr, and only on a terminal: a
// byte bar when the connector reads the file as a stream (CSV), a row
// counter otherwise (XLSX, where excelize reads the zip itself).
type progress struct {
	enabled bool
	out     io.Writer
	desc    string
	size    int64
	bar     *progressbar.ProgressBar
	bytes   bool
	pending int
	busy    *atomic.Bool // released by Finish
}

// newProgress draws a bar when busy is free and holds it until Finish:
// files read side by side would otherwise draw over each other.
func newProgress(g *globalOptions, busy *atomic.Bool, path string, size int64, connector string) *progress {
	p := &progress{out: g.stderr, desc: filepath.Base(path) + " (" + connector + ")", size: size}
	if g.interactive() && busy.CompareAndSwap(false, true) {
		p.enabled, p.busy = true, busy
	}
	return p
}

func (p *progress) newBar(max int64, bytes bool) {
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(p.out),
		progressbar.OptionSetDescription(p.desc),
		progressbar.OptionThrottle(100 * time.Millisecond),
		progressbar.OptionShowCount(),
		progressbar.OptionClearOnFinish(),
	}
	if bytes {
		opts = append(opts, progressbar.OptionShowBytes(true))
	} else {
		opts = append(opts, progressbar.OptionSetItsString("rows"), progressbar.OptionShowIts())
	}
	p.bar = progressbar.NewOptions64(max, opts...)
	p.bytes = bytes
}

// Wrap counts the raw bytes a connector reads.
func (p *progress) Wrap(r io.Reader) io.Reader {
	if !p.enabled {
		return r
	}
	p.newBar(p.size, true)
	pr := progressbar.NewReader(r, p.bar)
	return &pr
}

// AddRows counts rows for connectors that do not stream bytes; updates are
// batched because the bar takes a lock on every call.
func (p *progress) AddRows(n int) {
	if !p.enabled {
		return
	}
	if p.bar == nil {
		p.newBar(-1, false)
	}
	if p.bytes {
		return
	}
	p.pending += n
	if p.pending >= 1000 {
		p.bar.Add(p.pending)
		p.pending = 0
	}
}

// Finish removes the bar.
func (p *progress) Finish() {
	if p.bar != nil {
		p.bar.Finish()
	}
	if p.busy != nil {
		p.busy.Store(false)
		p.busy = nil
	}
}

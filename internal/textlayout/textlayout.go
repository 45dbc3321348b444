// Package textlayout lays out the text summaries commands print so they fit
// a width: a table whose widest columns (file paths, source names) give
// way, shortened in the middle, so long paths never push the table past
// the width, and paragraphs wrapped under a hanging indent. Text is measured in
// terminal columns (rivo/uniseg), so accented and wide characters count as
// they show. text/tabwriter aligns columns but never shortens one, and the
// word-wrapping libraries count runes or bytes rather than columns, so the
// little layout needed here is done by hand.
package textlayout

import (
	"io"
	"strings"

	"github.com/rivo/uniseg"
)

// Width is the width every summary fits: a terminal's 80 columns grown a
// little, and what a log viewer or an e-mailed cron report shows unwrapped.
const Width = 100

// gap is the space between table columns.
const gap = 2

// minFirst is the narrowest the first column gets: enough to tell files
// apart by the end of their name.
const minFirst = 16

// minCell is the narrowest any other column gets, unless its header is
// wider.
const minCell = 8

// Table is a table of cells, the first row its header.
type Table struct {
	rows [][]string
}

// NewTable starts a table with its header.
func NewTable(header ...string) *Table {
	return &Table{rows: [][]string{header}}
}

// Row adds a row.
func (t *Table) Row(cells ...string) {
	t.rows = append(t.rows, cells)
}

// Write writes the table, aligned, in at most width columns where the
// columns' floors allow it: the widest column gives way first, one column
// at a time, so one long cell (a path, a mapping file's name) does not cut
// every file name to its floor; cells too long for their column are
// shortened in the middle, keeping their end (a file's name) whole where
// they can. No column narrows below its header, or minFirst for the first.
func (t *Table) Write(w io.Writer, width int) error {
	cols := 0
	for _, r := range t.rows {
		cols = max(cols, len(r))
	}
	widths, floors := make([]int, cols), make([]int, cols)
	for _, r := range t.rows {
		for i, c := range r {
			widths[i] = max(widths[i], uniseg.StringWidth(c))
		}
	}
	for i := range floors {
		floor := minCell
		if i < len(t.rows[0]) {
			floor = max(floor, uniseg.StringWidth(t.rows[0][i]))
		}
		if i == 0 {
			floor = max(floor, minFirst)
		}
		floors[i] = min(widths[i], floor)
	}
	total := gap * (cols - 1)
	for _, cw := range widths {
		total += cw
	}
	for ; total > width; total-- {
		j := -1
		for i := range widths {
			if widths[i] > floors[i] && (j < 0 || widths[i] > widths[j]) {
				j = i
			}
		}
		if j < 0 {
			break
		}
		widths[j]--
	}
	var b strings.Builder
	for _, r := range t.rows {
		b.Reset()
		for i, c := range r {
			c = Shorten(c, widths[i])
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(c)+gap))
			}
		}
		b.WriteByte('\n')
		if _, err := io.WriteString(w, b.String()); err != nil {
			return err
		}
	}
	return nil
}

// Shorten fits s in width columns by putting "…" in place of its middle;
// it keeps twice as much of the end as of the start, since a path's end
// names the file.
func Shorten(s string, width int) string {
	if uniseg.StringWidth(s) <= width {
		return s
	}
	if width < 1 {
		return ""
	}
	room := width - 1 // the ellipsis
	head := takeColumns(s, room/3)
	tail := lastColumns(s, room-uniseg.StringWidth(head))
	return head + "…" + tail
}

// takeColumns is the longest start of s that fits n columns.
func takeColumns(s string, n int) string {
	used, end, state := 0, 0, -1
	rest := s
	for len(rest) > 0 {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		if used+w > n {
			break
		}
		used += w
		end += len(cluster)
	}
	return s[:end]
}

// lastColumns is the longest end of s that fits n columns.
func lastColumns(s string, n int) string {
	var clusters []string
	var widths []int
	state := -1
	for rest := s; len(rest) > 0; {
		var cluster string
		var w int
		cluster, rest, w, state = uniseg.FirstGraphemeClusterInString(rest, state)
		clusters = append(clusters, cluster)
		widths = append(widths, w)
	}
	used, start := 0, len(s)
	for i := len(clusters) - 1; i >= 0; i-- {
		if used+widths[i] > n {
			break
		}
		used += widths[i]
		start -= len(clusters[i])
	}
	return s[start:]
}

// Wrap writes text in lines of at most width columns, the first starting
// with first and the others with indent (a hanging indent under a label).
// Lines break between words; a word longer than a line (a long path) is
// broken where the line ends.
func Wrap(w io.Writer, first, indent, text string, width int) error {
	var b strings.Builder
	prefix := first
	line, lineWidth := prefix, uniseg.StringWidth(prefix)
	flush := func() {
		b.WriteString(strings.TrimRight(line, " "))
		b.WriteByte('\n')
		prefix = indent
		line, lineWidth = prefix, uniseg.StringWidth(prefix)
	}
	for _, word := range strings.Fields(text) {
		ww := uniseg.StringWidth(word)
		sep := 1
		if line == prefix {
			sep = 0
		}
		if lineWidth+sep+ww > width && line != prefix {
			flush()
			sep = 0
		}
		for lineWidth+sep+ww > width && width-lineWidth-sep > 0 {
			// A word wider than a whole line: break it.
			part := takeColumns(word, width-lineWidth-sep)
			if part == "" {
				break
			}
			line += strings.Repeat(" ", sep) + part
			word = word[len(part):]
			ww = uniseg.StringWidth(word)
			flush()
			sep = 0
		}
		if word == "" {
			continue
		}
		line += strings.Repeat(" ", sep) + word
		lineWidth += sep + ww
	}
	if line != prefix || b.Len() == 0 {
		flush()
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Item writes one entry of a list, "  label: text", wrapped in width
// columns under a deeper indent. A label too long to leave the text room
// (a long path) goes on a line of its own, the text below it.
func Item(w io.Writer, label, text string, width int) error {
	const indent = "    "
	first := "  " + label + ": "
	if uniseg.StringWidth(first) <= width/2 {
		return Wrap(w, first, indent, text, width)
	}
	if err := Wrap(w, "  ", indent, label+":", width); err != nil {
		return err
	}
	return Wrap(w, indent, indent, text, width)
}

// CommonDir is the folder all paths are in, with its trailing separator,
// or "" when they share none or there are fewer than two: a table of
// files then shows each path without it.
func CommonDir(paths []string) string {
	if len(paths) < 2 {
		return ""
	}
	prefix := paths[0]
	for _, p := range paths[1:] {
		for !strings.HasPrefix(p, prefix) {
			prefix = prefix[:len(prefix)-1]
		}
	}
	if i := strings.LastIndexAny(prefix, `/\`); i >= 0 {
		return prefix[:i+1]
	}
	return ""
}

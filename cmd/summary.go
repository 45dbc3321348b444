package cmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/textlayout"
)

// printSummary writes the run's one-screen summary to stdout, within
// textlayout.Width columns: what each file gave, what the dataset now
// holds, and, below the table, each file left out and why.
func printSummary(g *globalOptions, run *importer.Run, stats *importer.Stats) {
	if g.quiet {
		return
	}
	w := g.stdout
	fmt.Fprintf(w, "orderhist import: run %s\n\n", run.ID())
	var paths []string
	for _, in := range run.Inputs() {
		paths = append(paths, in.Path)
	}
	// Files of one folder are shown without it, which leaves their names
	// the room.
	dir := textlayout.CommonDir(paths)
	if dir != "" {
		textlayout.Wrap(w, "files in ", "  ", dir, textlayout.Width)
	}
	tb := textlayout.NewTable("file", "connector", "layout", "rows", "orders", "lines", "rejected rows")
	var failed []*importer.Input
	for _, in := range run.Inputs() {
		name := strings.TrimPrefix(in.Path, dir)
		if in.Failed() {
			failed = append(failed, in)
			tb.Row(name, orDash(in.Match.Connector), "FAILED", "-", "-", "-", "-")
			continue
		}
		tb.Row(name, in.Match.Connector, in.Match.Layout, itoa(in.Rows), itoa(in.Orders), itoa(in.Lines), itoa(in.Rejected))
	}
	tb.Write(w, textlayout.Width)
	printTotals(w, g.out, stats)
	if len(failed) > 0 {
		fmt.Fprintf(w, "\n%d file(s) could not be read and were left out:\n", len(failed))
		for _, in := range failed {
			textlayout.Item(w, in.Path, strings.TrimPrefix(in.Err.Error(), in.Path+": "), textlayout.Width)
		}
	}
	if skipped := run.Skipped(); len(skipped) > 0 {
		fmt.Fprintf(w, "\n%d file(s) in the folders are not exports and were skipped:\n", len(skipped))
		for _, s := range skipped {
			textlayout.Item(w, s.Path, s.Reason, textlayout.Width)
		}
	}
}

// printTotals says what the dataset holds after the run.
func printTotals(w io.Writer, dir string, s *importer.Stats) {
	fmt.Fprintln(w)
	line := func(label, format string, args ...any) {
		textlayout.Wrap(w, fmt.Sprintf("%-12s", label+":"), strings.Repeat(" ", 12), fmt.Sprintf(format, args...), textlayout.Width)
	}
	line("orders", "%d in the dataset (%d new, %d updated, %d unchanged; %d enriched from earlier sightings)",
		s.Orders, s.NewOrders, s.Updated, s.Unchanged, s.Enriched)
	line("lines", "%d, in %d monthly partitions (%d rewritten, %d unchanged)", s.Lines, s.Months, int64(s.Months)-s.KeptMonths, s.KeptMonths)
	line("customers", "%d (%d merges recorded; %d links scored on name and address)", s.Customers, s.Merges, s.ScoredLinks)
	if s.Conflicts > 0 {
		line("conflicts", "%d orders were seen with different buyer details; the latest were kept", s.Conflicts)
	}
	if s.LinesChanged > 0 {
		line("edited", "%d orders carry other lines than before; the latest lines replaced them (each is in the log)", s.LinesChanged)
	}
	if s.Erased > 0 {
		line("erased", "%d orders of buyers who asked to be forgotten were left out or anonymized", s.Erased)
	}
	line("rejects", "%d (%d rows skipped); see %s", s.Rejects, s.RejectedRows, dir+"/rejects/")
	line("dataset", "%s", dir)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

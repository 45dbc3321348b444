package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/orderhist/orderhist/importer"
)

// printSummary writes the run's one-screen summary to stdout: what each
// file gave, what the dataset now holds, and where problems went.
func printSummary(g *globalOptions, run *importer.Run, stats *importer.Stats) {
	if g.quiet {
		return
	}
	w := g.stdout
	fmt.Fprintf(w, "orderhist %s: run %s\n\n", "import", run.ID())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "file\tconnector\tlayout\trows\torders\tlines\trejected rows\t")
	failed := 0
	for _, in := range run.Inputs() {
		if in.Failed() {
			failed++
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t\n", in.Path, orDash(in.Match.Connector), "FAILED")
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", in.Path, in.Match.Connector, in.Match.Layout, in.Rows, in.Orders, in.Lines, in.Rejected)
	}
	tw.Flush()
	printTotals(w, g.out, stats)
	if failed > 0 {
		fmt.Fprintf(w, "\n%d file(s) could not be read and were left out:\n", failed)
		for _, in := range run.Inputs() {
			if in.Failed() {
				fmt.Fprintf(w, "  %s: %s\n", in.Path, strings.TrimPrefix(in.Err.Error(), in.Path+": "))
			}
		}
	}
}

// printTotals says what the dataset holds after the run.
func printTotals(w io.Writer, dir string, s *importer.Stats) {
	fmt.Fprintf(w, "\norders:     %d in the dataset (%d new, %d updated, %d unchanged; %d enriched from earlier sightings)\n",
		s.Orders, s.NewOrders, s.Updated, s.Unchanged, s.Enriched)
	fmt.Fprintf(w, "lines:      %d, in %d monthly partitions (%d rewritten, %d unchanged)\n", s.Lines, s.Months, int64(s.Months)-s.KeptMonths, s.KeptMonths)
	fmt.Fprintf(w, "customers:  %d (%d merges recorded; %d links scored on name and address)\n", s.Customers, s.Merges, s.ScoredLinks)
	if s.Conflicts > 0 {
		fmt.Fprintf(w, "conflicts:  %d orders were seen with different buyer details; the latest were kept\n", s.Conflicts)
	}
	if s.LinesChanged > 0 {
		fmt.Fprintf(w, "edited:     %d orders carry other lines than before; the latest lines replaced them (each is in the log)\n", s.LinesChanged)
	}
	if s.Erased > 0 {
		fmt.Fprintf(w, "erased:     %d orders of buyers who asked to be forgotten were left out or anonymized\n", s.Erased)
	}
	fmt.Fprintf(w, "rejects:    %d (%d rows skipped); see %s\n", s.Rejects, s.RejectedRows, dir+"/rejects/")
	fmt.Fprintf(w, "dataset:    %s\n", dir)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

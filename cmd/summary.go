package cmd

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printSummary writes the run's one-screen summary to stdout: what each
// file gave, what the dataset now holds, and where problems went.
func (r *importRun) printSummary(w io.Writer) {
	if r.g.quiet {
		return
	}
	fmt.Fprintf(w, "orderhist %s: run %s\n\n", "import", r.runID)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "file\tconnector\tlayout\trows\torders\tlines\trejected rows\t")
	failed := 0
	for _, in := range r.inputs {
		if in.failed() {
			failed++
			fmt.Fprintf(tw, "%s\t%s\t%s\t-\t-\t-\t-\t\n", in.path, orDash(in.match.Connector), "FAILED")
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%d\t\n", in.path, in.match.Connector, in.match.Layout, in.rows, in.orders, in.lines, in.rejected)
	}
	tw.Flush()
	r.printTotals(w)
	if failed > 0 {
		fmt.Fprintf(w, "\n%d file(s) could not be read and were left out:\n", failed)
		for _, in := range r.inputs {
			if in.failed() {
				fmt.Fprintf(w, "  %s: %s\n", in.path, strings.TrimPrefix(in.err.Error(), in.path+": "))
			}
		}
	}
}

// printTotals says what the dataset holds after the run.
func (r *importRun) printTotals(w io.Writer) {
	s := r.stats
	fmt.Fprintf(w, "\norders:     %d in the dataset (%d new, %d updated, %d unchanged; %d enriched from earlier sightings)\n",
		s.orders, s.newOrders, s.updated, s.unchanged, s.enriched)
	fmt.Fprintf(w, "lines:      %d, in %d monthly partitions (%d rewritten, %d unchanged)\n", s.lines, s.months, int64(s.months)-s.keptMonths, s.keptMonths)
	fmt.Fprintf(w, "customers:  %d (%d merges recorded)\n", s.customers, s.merges)
	if s.conflicts > 0 {
		fmt.Fprintf(w, "conflicts:  %d orders were seen with different buyer details; the latest were kept\n", s.conflicts)
	}
	if s.erased > 0 {
		fmt.Fprintf(w, "erased:     %d orders of buyers who asked to be forgotten were left out or anonymized\n", s.erased)
	}
	fmt.Fprintf(w, "rejects:    %d (%d rows skipped); see %s\n", s.rejects, s.rejectedRows, r.g.out+"/rejects/")
	fmt.Fprintf(w, "dataset:    %s\n", r.g.out)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

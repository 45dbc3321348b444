package cmd

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/textlayout"
)

func newRebuildCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "rebuild",
		Short: "Recompute customers and the resolver state from the dataset's own orders",
		Long: `rebuild resolves customers again from the orders the dataset holds, reading
every month from its Parquet files, and writes customers, identities,
customer_merges, customer_links and the resolver state (_state/resolver)
anew, in one transaction like an import. A month keeps its files byte for
byte unless one of its orders now belongs to another customer. Use it to
verify a dataset (a consistent one rewrites no month) or to recover one
whose resolver state was lost or damaged; imports read that state instead
of decoding the months their inputs do not reach.`,
		Example: `  orderhist rebuild --out dados`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRebuild(cmd, g)
		},
	}
}

func runRebuild(cmd *cobra.Command, g *globalOptions) error {
	o, err := g.runOptions("orderhist rebuild")
	if err != nil {
		return err
	}
	run, err := importer.OpenRebuild(cmd.Context(), g.out, o)
	if err != nil {
		return err
	}
	defer run.Close()
	stats, err := run.Commit("rebuild")
	if err != nil {
		return err
	}
	rewritten := int64(stats.Months) - stats.KeptMonths
	g.noteRun(run.ID(), "orders", stats.Orders, "customers", stats.Customers, "months_rewritten", rewritten)
	if !g.quiet {
		fmt.Fprintf(g.stdout, "orderhist rebuild: run %s\n\n", run.ID())
		msg := fmt.Sprintf("%d orders in %d monthly partitions resolved into %d customers (%d merges recorded); ",
			stats.Orders, stats.Months, stats.Customers, stats.Merges)
		if rewritten == 0 {
			msg += "every order kept its customer, no month was rewritten"
		} else {
			msg += fmt.Sprintf("%d month(s) rewritten because orders in them now belong to another customer", rewritten)
		}
		textlayout.Wrap(g.stdout, "", "", msg, textlayout.Width)
	}
	return nil
}

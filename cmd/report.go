package cmd

import (
	"bytes"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/report"
)

// historyFlags are the flags that say how the report and the exports see
// the customers.
type historyFlags struct {
	zone  string
	rules history.Rules
}

func (hf *historyFlags) register(f *pflag.FlagSet) {
	hf.rules = history.DefaultRules
	f.StringVar(&hf.zone, "tz", history.DefaultZone, "the seller's time zone: months and days are counted in it")
	f.IntVar(&hf.rules.InactiveDays, "inactive-days", hf.rules.InactiveDays, "a customer whose latest purchase is this many days old or more is inactive (to win back)")
	f.IntVar(&hf.rules.RecurringOrders, "recurring-orders", hf.rules.RecurringOrders, "purchases that make an active customer recurring rather than new")
}

// load reads the committed dataset; it takes no lock and writes nothing.
func (hf *historyFlags) load(cmd *cobra.Command, g *globalOptions) (*history.History, error) {
	opt, err := history.ParseOptions(hf.zone, g.asOf, g.now(), hf.rules)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	dir, done, err := g.committedDir(cmd.Context())
	if err != nil {
		return nil, err
	}
	defer done()
	src, err := history.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return history.Load(cmd.Context(), src, opt)
}

func newReportCommand(g *globalOptions) *cobra.Command {
	var hf historyFlags
	var out, lang string
	ropt := report.DefaultOptions
	c := &cobra.Command{
		Use:   "report",
		Short: "Write the seller's customer report: one HTML page that opens offline",
		Long: `report writes one self-contained HTML page (styles and charts inside, nothing
loaded from the network) about the customers in the dataset: revenue, orders
and average ticket per month and channel, new and returning customers, cohort
retention, segments and the RFM grid, top customers, customers on more than
one channel, customers to win back and what each group buys.

Months and days are counted in the seller's time zone (--tz). Segments:
inactive = latest purchase --inactive-days days ago or more; recurring =
--recurring-orders purchases or more; new = fewer. A purchase is an order
that was not cancelled. The page prints these definitions.

report only reads the committed dataset: it never waits for a running import
and never changes the dataset.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			lang, err := report.ParseLang(lang)
			if err != nil {
				return usageErrorf("--lang: %v", err)
			}
			h, err := hf.load(cmd, g)
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := report.Render(&buf, report.Build(h, ropt), lang); err != nil {
				return err
			}
			// The page names customers: readable by its owner only.
			if err := dataset.WriteFileAtomic(out, buf.Bytes(), 0o600); err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "report: %s (%d customers, %d KB)\n", out, len(h.Customers), (buf.Len()+1023)/1024)
			}
			return nil
		},
	}
	hf.register(c.Flags())
	c.Flags().StringVarP(&out, "output", "o", "report.html", "the HTML file to write")
	c.Flags().IntVar(&ropt.Months, "months", ropt.Months, "how many months the monthly charts show, ending with the as-of month")
	c.Flags().StringVar(&lang, "lang", report.Languages[0], "language of the page: pt-BR or en")
	return c
}

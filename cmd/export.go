package cmd

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/export"
	"github.com/orderhist/orderhist/history"
)

func newExportCommand(g *globalOptions) *cobra.Command {
	var hf historyFlags
	var opt export.Options
	var out, segment string
	c := &cobra.Command{
		Use:   "export customers|orders -o FILE",
		Short: "Write customers or orders as a spreadsheet (XLSX or CSV) for Excel or a CRM",
		Long: `export writes the customers (one row each, biggest spenders first) or the
orders of the dataset as a spreadsheet: XLSX, or CSV that Excel in Portuguese
opens as it is (';' between fields, decimal comma, dd/mm/yyyy; --lang en
writes ',', a decimal point and ISO dates). Headers follow --lang.

Filters: --segment new|recurring|inactive|no_purchase, --channel NAME (the
customers who bought there; for orders, only that channel's orders) and
--inactive-days N (only customers whose latest purchase is N days old or
more; N is also the window of the segment column, default 90).

No cell becomes a formula: a text starting with =, +, -, @ is a string cell
in XLSX and gets a leading apostrophe in CSV.

export only reads the committed dataset: it never waits for a running import
and never changes the dataset.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 || (args[0] != "customers" && args[0] != "orders") {
				return usageErrorf("export needs what to export: customers or orders")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageErrorf("export needs the file to write: -o FILE")
			}
			if opt.Format == "" {
				opt.Format = strings.TrimPrefix(strings.ToLower(filepath.Ext(out)), ".")
			}
			if segment != "" {
				s, err := history.ParseSegment(segment)
				if err != nil {
					return usageErrorf("--segment: %v", err)
				}
				opt.Filter.Segment = s
			}
			if ch := opt.Filter.Channel; ch != "" {
				if _, ok := connectors.Lookup(ch); !ok {
					return usageErrorf("--channel: no channel named %q (known: %s)", ch, strings.Join(connectors.Names(), ", "))
				}
			}
			if cmd.Flags().Changed("inactive-days") {
				opt.Filter.InactiveDays = hf.rules.InactiveDays
			}
			if err := opt.Check(); err != nil {
				return usageErrorf("%v", err)
			}
			h, err := hf.load(cmd, g)
			if err != nil {
				return err
			}
			dir, done, err := g.committedDir(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			src, err := history.OpenDir(dir)
			if err != nil {
				return err
			}
			// Customer data: readable by its owner only. The file appears
			// whole or not at all.
			f, err := dataset.CreateAtomic(out, 0o600)
			if err != nil {
				return err
			}
			defer f.Abort()
			var n int
			if args[0] == "customers" {
				n, err = export.Customers(cmd.Context(), f, h, opt)
			} else {
				n, err = export.Orders(cmd.Context(), f, src, h, opt)
			}
			if err != nil {
				return fmt.Errorf("export %s: %w", args[0], err)
			}
			if err := f.Commit(); err != nil {
				return err
			}
			if !g.quiet {
				fmt.Fprintf(g.stdout, "exported %d %s to %s\n", n, args[0], out)
			}
			return nil
		},
	}
	hf.register(c.Flags())
	c.Flags().StringVarP(&out, "output", "o", "", "the file to write (.xlsx or .csv)")
	c.Flags().StringVar(&opt.Format, "format", "", "xlsx or csv (default: from the file's extension)")
	c.Flags().StringVar(&segment, "segment", "", "only customers of this segment: new, recurring, inactive or no_purchase")
	c.Flags().StringVar(&opt.Filter.Channel, "channel", "", "only customers who bought on this channel (for orders: only its orders)")
	c.Flags().StringVar(&opt.Lang, "lang", export.Languages[0], "language of the headers and of number and date formats: pt-BR or en")
	return c
}

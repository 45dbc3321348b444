package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/normalize"
)

func newExplainCommand(g *globalOptions) *cobra.Command {
	var showValues bool
	c := &cobra.Command{
		Use:   "explain CUSTOMER_ID",
		Short: "Show which identifiers linked which orders into one customer",
		Long: `explain shows, for one customer of the dataset, every identifier it was
recognised by (CPF/CNPJ, e-mail, phone, marketplace user) and every order,
with the identifiers each order carries, the customer ids merged into it, and
for each link made on name and address alone the fields compared, how each
agreed, and the match weight it added.
Personal values are masked unless --show-values is given.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("explain needs exactly one customer id")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runExplain(cmd, g, args[0], showValues)
		},
	}
	c.Flags().BoolVar(&showValues, "show-values", false, "print personal identifiers in clear")
	return c
}

func runExplain(cmd *cobra.Command, g *globalOptions, id string, show bool) error {
	ctx := cmd.Context()
	var (
		idents []dataset.IdentityRow
		orders []dataset.OrderRow
		merged []dataset.MergeRow
		links  []dataset.LinkRow
	)
	// Read-only: explain reads the files the committed manifest lists and
	// changes nothing, so it runs safely beside an import that commits.
	err := dataset.ReadCommitted(ctx, g.out, func(ds *dataset.Dataset) error {
		if ds.Manifest() == nil {
			return fmt.Errorf("%s holds no dataset yet: %w", g.out, fs.ErrNotExist)
		}
		noteLeftovers(g, ds)
		var err error
		if idents, err = customerRows(ctx, ds, "identities", func(r dataset.IdentityRow) bool { return r.CustomerID == id }); err != nil {
			return err
		}
		if orders, err = customerRows(ctx, ds, "orders", func(r dataset.OrderRow) bool { return r.CustomerID == id }); err != nil {
			return err
		}
		if merged, err = customerRows(ctx, ds, "customer_merges", func(r dataset.MergeRow) bool { return r.CustomerID == id }); err != nil {
			return err
		}
		links, err = customerRows(ctx, ds, dataset.TableLinks, func(r dataset.LinkRow) bool { return r.CustomerID == id })
		return err
	})
	if err != nil {
		return err
	}
	mask := func(s string) string {
		if show {
			return s
		}
		return normalize.Mask(s)
	}
	if len(orders) == 0 && len(idents) == 0 {
		return errors.New("no customer " + id + " in " + g.out)
	}
	w := g.stdout
	fmt.Fprintf(w, "customer %s: %d orders, %d identifiers\n\nidentifiers:\n", id, len(orders), len(idents))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range idents {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d orders\t%s .. %s\t%s\n", r.Kind, mask(r.Value), r.Source, r.OrdersCount, fmtDay(r.FirstSeenAt), fmtDay(r.LastSeenAt), orDash(r.Evidence))
	}
	tw.Flush()
	slices.SortFunc(orders, func(a, b dataset.OrderRow) int {
		return dataset.TimeVal(a.OrderedAt).Compare(dataset.TimeVal(b.OrderedAt))
	})
	fmt.Fprintln(w, "\norders (and the identifiers each carries):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, o := range orders {
		var carried []string
		add := func(kind, v string) {
			if v != "" {
				carried = append(carried, kind+" "+mask(v))
			}
		}
		add(o.BuyerDocumentType, o.BuyerDocument)
		add("email", o.BuyerEmail)
		add("phone", o.BuyerPhone)
		add("user", o.BuyerRef)
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\n", fmtDay(o.OrderedAt), o.Source, o.OrderID, o.Status, strings.Join(carried, ", "))
	}
	tw.Flush()
	if err := printLinks(w, links); err != nil {
		return err
	}
	if len(merged) > 0 {
		fmt.Fprintln(w, "\nmerged into this customer:")
		for _, m := range merged {
			fmt.Fprintf(w, "  %s on %s (%s)\n", m.MergedID, m.MergedAt.Format(time.DateOnly), m.Reason)
		}
	}
	return nil
}

func fmtDay(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

// printLinks shows each scored link's comparison, field by field. A link's
// weight is the prior log-odds of a candidate pair, plus each field's
// weight, plus the name-frequency adjustment; the prior is what remains.
func printLinks(w io.Writer, links []dataset.LinkRow) error {
	if len(links) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nlinked on name and address (weights in bits; above 0 for, below 0 against):")
	for _, l := range links {
		var fields []dataset.LinkField
		if err := json.Unmarshal([]byte(l.Fields), &fields); err != nil {
			return fmt.Errorf("%s: link %s - %s: fields: %w", dataset.TableLinks, l.OrderA, l.OrderB, err)
		}
		fmt.Fprintf(w, "  %s - %s: weight %+.2f, probability %.6f\n", l.OrderA, l.OrderB, l.Weight, l.Probability)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		prior := l.Weight - l.NameFrequency
		for _, f := range fields {
			verdict := "differs"
			switch {
			case f.Agree:
				verdict = "agrees"
			case f.Level == "missing":
				verdict = "not compared"
			}
			fmt.Fprintf(tw, "    %s\t%s\t%s\t%+.2f\n", f.Field, f.Level, verdict, f.Weight)
			prior -= f.Weight
		}
		fmt.Fprintf(tw, "    name frequency\t\t\t%+.2f\n", l.NameFrequency)
		fmt.Fprintf(tw, "    prior\t\t\t%+.2f\n", prior)
		tw.Flush()
	}
	return nil
}

// noteLeftovers tells, on stderr, that the dataset folder holds files its
// manifest does not list: a run is committing, or one was killed while
// committing. Read-only commands are not affected (they read what the
// manifest lists), but a reader that globs the table folders sees both.
func noteLeftovers(g *globalOptions, ds *dataset.Dataset) {
	left, err := ds.Leftovers()
	if err != nil || len(left) == 0 {
		return
	}
	fmt.Fprintf(g.stderr, "note: %s holds %d file(s) of a commit that is running or was killed (first: %s, %s); "+
		"this command reads only the committed files, but tools that glob the folders see them too until the next import, sync or forget repairs the dataset\n",
		g.out, len(left), left[0].Path, left[0].What)
}

// customerRows reads the rows of one table that keep returns true for.
func customerRows[R any](ctx context.Context, ds *dataset.Dataset, table string, keep func(R) bool) ([]R, error) {
	var out []R
	err := dataset.ReadTable(ctx, ds, table, func(rows []R) error {
		for _, r := range rows {
			if keep(r) {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

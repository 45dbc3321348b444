package cmd

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/history"
)

func newExplainCommand(g *globalOptions) *cobra.Command {
	var showValues bool
	c := &cobra.Command{
		Use:   "explain ID",
		Short: "Show which identifiers linked which orders into one customer",
		Long: `explain shows, for one customer of the dataset, every identifier it was
recognised by (CPF/CNPJ, e-mail, phone, marketplace user) and every order,
with the identifiers each order carries, the customer ids merged into it, and
for each link made on name and address alone the fields compared, how each
agreed, and the match weight it added.

ID is a customer id, a CPF or CNPJ (any punctuation), an e-mail (any case),
a phone (any Brazilian spelling), a marketplace username or buyer id, or a
name (case and accents ignored; part of a name lists the customers it fits).
When several customers match, explain lists them (id, name or username,
channels, orders, last order) and exits 5; run it again with the id. When
none matches it says so and exits 1. Under --pii hash the key in
$ORDERHIST_PII_KEY must be set to look up anything but a customer id; under
--pii drop only a customer id can be looked up.
Personal values are masked unless --show-values is given.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErrorf("explain needs exactly one customer id, document, e-mail, phone, username or name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			// Read-only: explain reads the files the committed manifest lists and
			// changes nothing, so it runs safely beside an import that commits.
			dir, done, err := g.committedDir(cmd.Context())
			if err != nil {
				return err
			}
			defer done()
			err = dataset.ReadCommitted(cmd.Context(), dir, func(ds *dataset.Dataset) error {
				if ds.Manifest() == nil {
					return fmt.Errorf("%s holds no dataset yet: %w", g.out, fs.ErrNotExist)
				}
				noteLeftovers(g, ds)
				return history.Explain(cmd.Context(), ds, g.stdout, args[0], showValues)
			})
			if amb := (*history.AmbiguousError)(nil); errors.As(err, &amb) {
				return &quietError{code: exitAmbiguous, err: err}
			}
			return err
		},
	}
	c.Flags().BoolVar(&showValues, "show-values", false, "print personal identifiers in clear")
	return c
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

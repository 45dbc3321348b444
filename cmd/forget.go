package cmd

import (
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/textlayout"
	"github.com/orderhist/orderhist/normalize"
)

type forgetOptions struct {
	document, email, phone, customer string
	keepOrders                       bool
}

func newForgetCommand(g *globalOptions) *cobra.Command {
	var o forgetOptions
	c := &cobra.Command{
		Use:   "forget (--document X | --email X | --phone X | --customer ID) [--keep-orders]",
		Short: "Erase a person's personal data from every table (LGPD)",
		Long: `forget removes a buyer's personal data from the dataset, as Brazil's LGPD
lets any buyer ask. The person is found by CPF/CNPJ, e-mail, phone or customer
id. Their customer, identities and merges are removed; their orders are
removed too, or kept as anonymous history with --keep-orders (no name,
document, e-mail, phone, street or username; customer_id "anonymous").
The erasure is recorded in the manifest without the personal data, and the
erased identifiers are remembered (as keyed hashes in _state) so a later
import of an old export does not bring the person back.`,
		Example: `  orderhist forget --document 123.456.789-09
  orderhist forget --email maria@example.com --keep-orders`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runForget(cmd, g, o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.document, "document", "", "the person's CPF or CNPJ")
	f.StringVar(&o.email, "email", "", "the person's e-mail")
	f.StringVar(&o.phone, "phone", "", "the person's phone")
	f.StringVar(&o.customer, "customer", "", "the customer id")
	f.BoolVar(&o.keepOrders, "keep-orders", false, "keep the orders as anonymous history")
	c.MarkFlagsMutuallyExclusive("document", "email", "phone", "customer")
	c.MarkFlagsOneRequired("document", "email", "phone", "customer")
	return c
}

func runForget(cmd *cobra.Command, g *globalOptions, o forgetOptions) error {
	kind, value, err := forgetTarget(o)
	if err != nil {
		return err
	}
	res, err := dataset.Forget(cmd.Context(), g.out, dataset.Erasure{Kind: kind, Value: value, KeepOrders: o.keepOrders}, g.now(), g.protect, g.sessionOptions()...)
	if err != nil {
		return err
	}
	g.noteRun(res.RunID, "customers", res.Customers, "orders_removed", res.Removed, "orders_anonymized", res.Anonymized)
	if !g.quiet {
		fmt.Fprintf(g.stdout, "orderhist forget: run %s\n\n", res.RunID)
		textlayout.Wrap(g.stdout, "", "", fmt.Sprintf("forgot %d customer(s): %d orders removed, %d kept as anonymous history; the erasure is recorded in %s",
			res.Customers, res.Removed, res.Anonymized, filepath.Join(g.out, dataset.ManifestName)), textlayout.Width)
	}
	return nil
}

// forgetTarget normalizes the identifier given on the command line.
func forgetTarget(o forgetOptions) (kind, value string, err error) {
	switch {
	case o.customer != "":
		return "customer", o.customer, nil
	case o.document != "":
		d, _, err := normalize.ParseDocument(o.document)
		if err != nil || d == "" {
			return "", "", usageErrorf("--document: not a valid CPF or CNPJ")
		}
		return "document", d, nil
	case o.email != "":
		e, _, err := normalize.ParseEmail(o.email)
		if err != nil || e == "" {
			return "", "", usageErrorf("--email: not an e-mail address")
		}
		return "email", normalize.EmailMatchKey(e), nil
	default:
		p, err := normalize.ParsePhone(o.phone)
		if err != nil || p == "" {
			return "", "", usageErrorf("--phone: not a phone number")
		}
		return "phone", p, nil
	}
}

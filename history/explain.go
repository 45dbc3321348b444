package history

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/normalize"
)

// MaxCandidates is how many candidates Explain lists when several
// customers match; the error still counts them all.
const MaxCandidates = 50

// Explain writes to w, for the customer query names in the committed
// dataset ds (see Lookup), every identifier it was recognised by, every
// order with the identifiers it carries, each scored link field by field,
// and the customer ids merged into it. Personal values are masked unless
// show is true.
//
// When several customers match, it lists them (at most MaxCandidates) and
// returns an *AmbiguousError; when none does, a *NotFoundError. It only
// reads.
func Explain(ctx context.Context, ds *dataset.Dataset, w io.Writer, query string, show bool) error {
	cands, err := Lookup(ctx, ds, query)
	if err != nil {
		return err
	}
	mask := func(s string) string {
		if show {
			return s
		}
		return normalize.Mask(s)
	}
	switch len(cands) {
	case 0:
		return &NotFoundError{Query: query, Dir: ds.Dir()}
	case 1:
	default:
		writeCandidates(w, query, cands, mask, show)
		return &AmbiguousError{Query: query, Candidates: cands}
	}
	c := cands[0]
	id := c.CustomerID
	var (
		idents []dataset.IdentityRow
		orders []dataset.OrderRow
		merged []dataset.MergeRow
		links  []dataset.LinkRow
	)
	if idents, err = customerRows(ctx, ds, dataset.TableIdentities, func(r dataset.IdentityRow) bool { return r.CustomerID == id }); err != nil {
		return err
	}
	if orders, err = customerRows(ctx, ds, dataset.TableOrders, func(r dataset.OrderRow) bool { return r.CustomerID == id }); err != nil {
		return err
	}
	if merged, err = customerRows(ctx, ds, dataset.TableMerges, func(r dataset.MergeRow) bool { return r.CustomerID == id }); err != nil {
		return err
	}
	if links, err = customerRows(ctx, ds, dataset.TableLinks, func(r dataset.LinkRow) bool { return r.CustomerID == id }); err != nil {
		return err
	}
	if !slices.Contains(c.MatchedOn, OnCustomerID) {
		fmt.Fprintf(w, "%s matches customer %s on %s\n\n", mask(query), id, strings.Join(c.MatchedOn, ", "))
	}
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
	if err := writeLinks(w, links); err != nil {
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

// writeCandidates lists the customers a query matched, for the seller to
// pick one by id.
func writeCandidates(w io.Writer, query string, cands []Candidate, mask func(string) string, show bool) {
	fmt.Fprintf(w, "%d customers match %s; explain one by its customer id:\n\n", len(cands), mask(query))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  customer id\tname or username\tchannels\torders\tlast order\tmatched on")
	for _, c := range cands[:min(len(cands), MaxCandidates)] {
		who := c.Name
		if who == "" && len(c.Usernames) > 0 {
			who = strings.Join(c.Usernames, ", ")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\t%s\t%s\n", c.CustomerID, orDash(mask(who)), orDash(strings.Join(c.Channels, ", ")), c.Orders, fmtDay(c.LastOrder), strings.Join(c.MatchedOn, ", "))
	}
	tw.Flush()
	if n := len(cands) - MaxCandidates; n > 0 {
		fmt.Fprintf(w, "  … and %d more: type more of the name, or a document, e-mail or phone\n", n)
	}
	if !show {
		fmt.Fprintln(w, "\n(names are masked; --show-values prints them)")
	}
}

func fmtDay(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeLinks shows each scored link's comparison, field by field. A link's
// weight is the prior log-odds of a candidate pair, plus each field's
// weight, plus the name-frequency adjustment; the prior is what remains.
func writeLinks(w io.Writer, links []dataset.LinkRow) error {
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

package cmd

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/normalize"
	"github.com/orderhist/orderhist/output"
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

// anonymousCustomer owns the orders kept as history after an erasure.
const anonymousCustomer = "anonymous"

// erasedIdentifier is one identifier remembered after an erasure, as a
// keyed hash, so nothing personal is kept.
type erasedIdentifier struct {
	Kind       string `json:"kind"`
	Hash       string `json:"hash"`
	KeepOrders bool   `json:"keep_orders"`
}

// erasures is _state/erasures.json with its hashing key in
// _state/erasure.key (0600); without the key the hashes cannot be tested
// against guesses.
type erasures struct {
	key []byte
	IDs []erasedIdentifier `json:"identifiers"`
}

func erasuresPath(out string) string { return filepath.Join(out, stateDir, "erasures.json") }

func loadErasures(out string, create bool) (*erasures, error) {
	keyPath := filepath.Join(out, stateDir, "erasure.key")
	e := &erasures{}
	key, err := os.ReadFile(keyPath)
	switch {
	case errors.Is(err, fs.ErrNotExist) && create:
		key = make([]byte, 32)
		rand.Read(key)
		if err := os.MkdirAll(filepath.Dir(keyPath), 0o700); err != nil {
			return nil, err
		}
		if err := output.WriteFileAtomic(keyPath, []byte(hex.EncodeToString(key)), 0o600); err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		return e, nil
	case err != nil:
		return nil, err
	default:
		if key, err = hex.DecodeString(strings.TrimSpace(string(key))); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", keyPath, err)
		}
	}
	e.key = key
	b, err := os.ReadFile(erasuresPath(out))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if len(b) > 0 {
		if err := json.Unmarshal(b, e); err != nil {
			return nil, fmt.Errorf("%s is damaged: %w", erasuresPath(out), err)
		}
	}
	return e, nil
}

func (e *erasures) hash(kind, v string) string {
	m := hmac.New(sha256.New, e.key)
	m.Write([]byte(kind + "\x00" + v))
	return hex.EncodeToString(m.Sum(nil))
}

func (e *erasures) add(kind, v string, keep bool) {
	h := e.hash(kind, v)
	for _, x := range e.IDs {
		if x.Kind == kind && x.Hash == h {
			return
		}
	}
	e.IDs = append(e.IDs, erasedIdentifier{Kind: kind, Hash: h, KeepOrders: keep})
}

func (e *erasures) save(out string) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return output.WriteFileAtomic(erasuresPath(out), append(b, '\n'), 0o600)
}

// match reports whether an order carries an erased identifier, and
// whether its orders are kept as history.
func (e *erasures) match(o *normalize.Order) (erased, keep bool) {
	if e == nil || len(e.IDs) == 0 {
		return false, false
	}
	for _, id := range orderIdentifiers(o) {
		h := e.hash(id[0], id[1])
		for _, x := range e.IDs {
			if x.Kind == id[0] && x.Hash == h {
				return true, x.KeepOrders
			}
		}
	}
	return false, false
}

// orderIdentifiers are an order's identifiers as erasure compares them.
func orderIdentifiers(o *normalize.Order) [][2]string {
	var ids [][2]string
	if o.Buyer.Document != "" {
		ids = append(ids, [2]string{"document", o.Buyer.Document})
	}
	if o.Buyer.Email != "" {
		ids = append(ids, [2]string{"email", normalize.EmailMatchKey(o.Buyer.Email)})
	}
	for _, p := range []string{o.Buyer.Phone, o.Ship.RecipientPhone} {
		if p != "" {
			ids = append(ids, [2]string{"phone", p})
		}
	}
	return ids
}

// anonymize strips an order of everything personal.
func anonymize(o *normalize.Order) {
	o.Buyer = normalize.Buyer{}
	o.Ship.RecipientName, o.Ship.RecipientPhone, o.Ship.Street, o.Ship.Number = "", "", "", ""
	if len(o.Ship.PostalCode) == 8 {
		o.Ship.PostalCode = o.Ship.PostalCode[:5] + "000"
	}
}

func runForget(cmd *cobra.Command, g *globalOptions, o forgetOptions) error {
	kind, value, err := forgetTarget(o)
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(g.out, output.ManifestName)); err != nil {
		return fmt.Errorf("%s holds no dataset: %w", g.out, err)
	}
	r, err := startRun(cmd.Context(), g, "orderhist forget")
	if err != nil {
		return err
	}
	defer r.close()
	ctx := r.ctx

	// The customers to erase: by id, or every customer whose identities
	// hold the identifier (in the form the dataset stores it: clear, or a
	// keyed hash), or, in clear datasets, whose orders carry it.
	ids := map[string]bool{}
	if kind == "customer" {
		ids[value] = true
	} else {
		ident, err := identityProtector(g)
		if err != nil {
			return err
		}
		kinds := []string{kind}
		if kind == "document" {
			kinds = []string{"cpf", "cnpj"}
		}
		err = output.ReadTable(ctx, r.ds, "identities", func(rows []output.IdentityRow) error {
			for _, row := range rows {
				for _, k := range kinds {
					if row.Kind == k && row.Value == ident.Value(k, value) {
						ids[row.CustomerID] = true
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		err = output.ReadTable(ctx, r.ds, "orders", func(rows []output.OrderRow) error {
			for i := range rows {
				ord := orderFromRow(&rows[i])
				for _, id := range orderIdentifiers(&ord) {
					if id[0] == kind && id[1] == value {
						ids[rows[i].CustomerID] = true
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("no customer in %s has that %s", g.out, kind)
	}

	// Remember the person's identifiers before their data goes.
	er, err := loadErasures(g.out, true)
	if err != nil {
		return err
	}
	if kind != "customer" {
		er.add(kind, value, o.keepOrders)
	}
	anonymized, removed := 0, 0
	orders := map[string]*output.ParquetFile[output.OrderRow]{}
	items := map[string]*output.ParquetFile[output.ItemRow]{}
	create := func(part string) error {
		if _, ok := orders[part]; ok {
			return nil
		}
		of, err := output.CreateTable[output.OrderRow](r.tx, "orders", part, r.fileOptions()...)
		if err != nil {
			return err
		}
		it, err := output.CreateTable[output.ItemRow](r.tx, "order_items", part, r.fileOptions()...)
		if err != nil {
			return err
		}
		orders[part], items[part] = of, it
		return nil
	}
	erasedOrders := map[string]bool{}
	err = output.ReadTable(ctx, r.ds, "orders", func(rows []output.OrderRow) error {
		for i := range rows {
			row := rows[i]
			if ids[row.CustomerID] {
				ord := orderFromRow(&row)
				for _, id := range orderIdentifiers(&ord) {
					er.add(id[0], id[1], o.keepOrders)
				}
				erasedOrders[row.Source+"\x00"+row.Account+"\x00"+row.OrderID] = true
				if !o.keepOrders {
					removed++
					continue
				}
				anonymize(&ord)
				kept, _ := output.OrderRows(&ord, anonymousCustomer, row.IngestedAt)
				row = kept
				anonymized++
			}
			part := output.OrderedMonth(timeVal(row.OrderedAt))
			if err := create(part); err != nil {
				return err
			}
			if err := orders[part].Write([]output.OrderRow{row}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = output.ReadTable(ctx, r.ds, "order_items", func(rows []output.ItemRow) error {
		for _, row := range rows {
			if erasedOrders[row.Source+"\x00"+row.Account+"\x00"+row.OrderID] {
				if !o.keepOrders {
					continue
				}
				row.CustomerID = anonymousCustomer
			}
			part := output.OrderedMonth(timeVal(row.OrderedAt))
			if err := create(part); err != nil {
				return err
			}
			if err := items[part].Write([]output.ItemRow{row}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, part := range slices.Sorted(maps.Keys(orders)) {
		if err := orders[part].Commit(); err != nil {
			return err
		}
		if err := items[part].Commit(); err != nil {
			return err
		}
	}
	if err := rewriteFiltered(r, "customers", func(c *output.CustomerRow) bool { return !ids[c.CustomerID] }); err != nil {
		return err
	}
	if err := rewriteFiltered(r, "identities", func(c *output.IdentityRow) bool { return !ids[c.CustomerID] }); err != nil {
		return err
	}
	if err := rewriteFiltered(r, "customer_merges", func(m *output.MergeRow) bool { return !ids[m.CustomerID] && !ids[m.MergedID] }); err != nil {
		return err
	}
	// A reject holds a raw cell, written any way the file wrote it; drop
	// those that hold the identifier, by its text or its digits.
	digits := digitsOf(value)
	if err := rewriteFiltered(r, "rejects", func(rj *output.RejectRow) bool {
		v := strings.ToLower(rj.Value)
		return !strings.Contains(v, value) && (len(digits) < 8 || !strings.Contains(digitsOf(v), digits))
	}); err != nil {
		return err
	}

	prev := r.ds.Manifest()
	m := *prev
	m.RunID, m.CreatedAt, m.Command = r.runID, r.now, "forget"
	record, _ := json.Marshal(map[string]any{
		"at": r.now, "run_id": r.runID, "by": kind, "customers": len(ids),
		"orders_removed": removed, "orders_anonymized": anonymized,
	})
	m.Erasures = append(slices.Clone(prev.Erasures), record)
	if err := r.ctx.Err(); err != nil {
		return err
	}
	// The erased identifiers are remembered before the data goes, so a
	// crash in between never lets them come back.
	if err := er.save(g.out); err != nil {
		return err
	}
	if err := r.tx.Commit(m); err != nil {
		return fmt.Errorf("commit the dataset: %w", err)
	}
	if !g.quiet {
		fmt.Fprintf(g.stdout, "forgot %d customer(s): %d orders removed, %d kept as anonymous history; the erasure is recorded in %s\n",
			len(ids), removed, anonymized, filepath.Join(g.out, output.ManifestName))
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

func digitsOf(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, s)
}

// rewriteFiltered rewrites an unpartitioned table keeping the rows keep
// accepts.
func rewriteFiltered[T any](r *importRun, table string, keep func(*T) bool) error {
	w, err := output.CreateTable[T](r.tx, table, "", r.fileOptions()...)
	if err != nil {
		return err
	}
	err = output.ReadTable(r.ctx, r.ds, table, func(rows []T) error {
		var out []T
		for i := range rows {
			if keep(&rows[i]) {
				out = append(out, rows[i])
			}
		}
		return w.Write(out)
	})
	if err != nil {
		return err
	}
	return w.Commit()
}

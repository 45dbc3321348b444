package dataset

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/orderhist/orderhist/internal/pii"
)

// Erasure asks to forget a person.
type Erasure struct {
	// Kind is how the person is found: "customer" (Value is a customer
	// id), or "document", "email" or "phone", with Value normalized as
	// OrderIdentifiers gives it.
	Kind, Value string
	// KeepOrders keeps the person's orders as anonymous history.
	KeepOrders bool
}

// ErasureResult says what Forget did.
type ErasureResult struct {
	// RunID is the run that committed the erasure, as the manifest
	// records it.
	RunID                          string
	Customers, Removed, Anonymized int
}

// Forget erases a person's personal data from every table of the dataset
// in dir, as Brazil's LGPD lets any buyer ask, in one transaction written
// under p. Their customer, identities and merges are removed, and their
// orders too, or kept as anonymous history (customer AnonymousCustomer).
// The erasure is recorded in the manifest without the personal data, and
// the erased identifiers are remembered (see Erasures) so a later import
// of an old export does not bring the person back. Every older Iceberg
// snapshot is expired and the files only they used deleted, so time
// travel does not bring the person back either.
func Forget(ctx context.Context, dir string, e Erasure, now time.Time, p *pii.Protector, opts ...SessionOption) (*ErasureResult, error) {
	if !IsRemote(dir) {
		// Checked before OpenSession, which would create the folder.
		if _, err := os.Stat(filepath.Join(dir, ManifestName)); err != nil {
			return nil, fmt.Errorf("%s holds no dataset: %w", dir, err)
		}
	}
	s, err := OpenSession(dir, "orderhist forget", now, p, opts...)
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if s.Dataset.Manifest() == nil {
		return nil, fmt.Errorf("%s holds no dataset: %w", dir, fs.ErrNotExist)
	}
	// Older snapshots still hold the person: they all go with this commit,
	// whatever retention the dataset is kept with.
	s.SetRetention(Retention{ExpireAll: true})
	res, err := forget(ctx, s, e, p)
	if err != nil {
		return nil, err
	}
	return res, nil
}

func forget(ctx context.Context, s *Session, e Erasure, p *pii.Protector) (*ErasureResult, error) {
	dir, kind, value, ds, tx := s.Dataset.Dir(), e.Kind, e.Value, s.Dataset, s.Tx

	// The customers to erase: by id, or every customer whose identities
	// hold the identifier (in the form the dataset stores it: clear, or a
	// keyed hash), or, in clear datasets, whose orders carry it.
	ids := map[string]bool{}
	if kind == "customer" {
		ids[value] = true
	} else {
		ident, err := IdentityProtector(dir, p)
		if err != nil {
			return nil, err
		}
		kinds := []string{kind}
		if kind == "document" {
			kinds = []string{"cpf", "cnpj"}
		}
		err = ReadTable(ctx, ds, "identities", func(rows []IdentityRow) error {
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
			return nil, err
		}
		err = ReadTable(ctx, ds, "orders", func(rows []OrderRow) error {
			for i := range rows {
				ord := OrderFromRow(&rows[i])
				for _, id := range OrderIdentifiers(&ord) {
					if id[0] == kind && id[1] == value {
						ids[rows[i].CustomerID] = true
					}
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("no customer in %s has that %s", dir, kind)
	}

	// Remember the person's identifiers before their data goes.
	er, err := LoadErasures(dir, true)
	if err != nil {
		return nil, err
	}
	if kind != "customer" {
		er.Add(kind, value, e.KeepOrders)
	}
	anonymized, removed := 0, 0
	orders := map[string]*ParquetFile[OrderRow]{}
	items := map[string]*ParquetFile[ItemRow]{}
	create := func(part string) error {
		if _, ok := orders[part]; ok {
			return nil
		}
		of, err := CreateTable[OrderRow](tx, "orders", part, s.FileOptions()...)
		if err != nil {
			return err
		}
		it, err := CreateTable[ItemRow](tx, "order_items", part, s.FileOptions()...)
		if err != nil {
			return err
		}
		orders[part], items[part] = of, it
		return nil
	}
	erasedOrders := map[string]bool{}
	err = ReadTable(ctx, ds, "orders", func(rows []OrderRow) error {
		for i := range rows {
			row := rows[i]
			if ids[row.CustomerID] {
				ord := OrderFromRow(&row)
				for _, id := range OrderIdentifiers(&ord) {
					er.Add(id[0], id[1], e.KeepOrders)
				}
				er.addStored(p, &ord, e.KeepOrders)
				er.AddOrder(row.Source, row.Account, row.OrderID, e.KeepOrders)
				erasedOrders[RowOrderKey(&row)] = true
				if !e.KeepOrders {
					removed++
					continue
				}
				Anonymize(&ord)
				kept, _ := OrderRows(&ord, AnonymousCustomer, row.IngestedAt)
				row = kept
				anonymized++
			}
			part := OrderedMonth(TimeVal(row.OrderedAt))
			if err := create(part); err != nil {
				return err
			}
			if err := orders[part].Write([]OrderRow{row}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = ReadTable(ctx, ds, "order_items", func(rows []ItemRow) error {
		for _, row := range rows {
			if erasedOrders[ItemOrderKey(&row)] {
				if !e.KeepOrders {
					continue
				}
				row.CustomerID = AnonymousCustomer
			}
			part := OrderedMonth(TimeVal(row.OrderedAt))
			if err := create(part); err != nil {
				return err
			}
			if err := items[part].Write([]ItemRow{row}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, part := range slices.Sorted(maps.Keys(orders)) {
		if err := orders[part].Commit(); err != nil {
			return nil, err
		}
		if err := items[part].Commit(); err != nil {
			return nil, err
		}
	}
	if err := rewriteFiltered(ctx, s, "customers", func(c *CustomerRow) bool { return !ids[c.CustomerID] }); err != nil {
		return nil, err
	}
	// Every identifier the identities table holds for the person sticks,
	// in the form it is stored (clear or keyed hash): under --pii drop no
	// other table holds one. The weak name-and-address key does not: it
	// may be a namesake's at the same address.
	if err := rewriteFiltered(ctx, s, "identities", func(c *IdentityRow) bool {
		if !ids[c.CustomerID] {
			return true
		}
		if c.Kind != "name_address" {
			er.Add(identityKind+c.Kind, c.Value, e.KeepOrders)
		}
		return false
	}); err != nil {
		return nil, err
	}
	if err := rewriteFiltered(ctx, s, TableLinks, func(l *LinkRow) bool { return !ids[l.CustomerID] }); err != nil {
		return nil, err
	}
	if err := rewriteFiltered(ctx, s, "customer_merges", func(m *MergeRow) bool { return !ids[m.CustomerID] && !ids[m.MergedID] }); err != nil {
		return nil, err
	}
	// A reject holds a raw cell, written any way the file wrote it; drop
	// those that hold the identifier, by its text or its digits.
	digits := digitsOf(value)
	if err := rewriteFiltered(ctx, s, "rejects", func(rj *RejectRow) bool {
		v := strings.ToLower(rj.Value)
		return !strings.Contains(v, value) && (len(digits) < 8 || !strings.Contains(digitsOf(v), digits))
	}); err != nil {
		return nil, err
	}

	prev := ds.Manifest()
	m := *prev
	m.RunID, m.CreatedAt, m.Command = s.RunID, s.Now, "forget"
	record, _ := json.Marshal(map[string]any{
		"at": s.Now, "run_id": s.RunID, "by": kind, "customers": len(ids),
		"orders_removed": removed, "orders_anonymized": anonymized,
	})
	m.Erasures = append(slices.Clone(prev.Erasures), record)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The erased identifiers are remembered before the data goes, so a
	// crash in between never lets them come back.
	if err := er.Save(dir); err != nil {
		return nil, err
	}
	if err := tx.Commit(m); err != nil {
		return nil, fmt.Errorf("commit the dataset: %w", err)
	}
	return &ErasureResult{RunID: s.RunID, Customers: len(ids), Removed: removed, Anonymized: anonymized}, nil
}

// rewriteFiltered rewrites an unpartitioned table keeping the rows keep
// accepts.
func rewriteFiltered[T any](ctx context.Context, s *Session, table string, keep func(*T) bool) error {
	w, err := CreateTable[T](s.Tx, table, "", s.FileOptions()...)
	if err != nil {
		return err
	}
	err = ReadTable(ctx, s.Dataset, table, func(rows []T) error {
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

func digitsOf(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= '0' && c <= '9' {
			return c
		}
		return -1
	}, s)
}

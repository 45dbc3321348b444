// Package csv reads any order spreadsheet — Magalu, Americanas, an ERP, a
// seller's own sheet — through a small mapping file that names, for each
// canonical field, the column that holds it, and the file's money and date
// conventions. The conventions are the user's to state: a value like
// "1.234" is a thousand in Brazil and one-point-two elsewhere, and no
// single value can tell which.
package csv

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

// Name is the connector's registry key.
const Name = "csv"

type connector struct{}

func init() { connectors.Register(connector{}) }

func (connector) Info() connectors.Info {
	return connectors.Info{
		Name:    Name,
		Title:   "Any CSV or XLSX order sheet, through a mapping file",
		Formats: []string{"csv", "xlsx"},
		Layouts: []connectors.Layout{{
			Name:        "mapping",
			Kind:        "csv",
			Description: "columns named by a mapping file (--option mapping=FILE)",
			Mapped:      true,
		}},
		Options: []connectors.Option{
			{Name: "mapping", Help: "YAML file naming the column of each field and the file's conventions (default: NAME.mapping.yaml beside the file)", Path: true},
		},
	}
}

// Detect claims a file only when a mapping file sits beside it
// (orders.csv → orders.mapping.yaml) and names columns the file has: a
// generic sheet cannot be told from any other without one. Otherwise the
// csv connector is used only when asked for by name.
func (connector) Detect(s *connectors.Sample) connectors.Match {
	m := connectors.Match{Connector: Name, Layout: "mapping"}
	path := Sidecar(s.Path)
	if _, err := os.Stat(path); err != nil {
		return m
	}
	mp, err := LoadMapping(path)
	if err != nil || len(s.Sheets) == 0 {
		return m
	}
	m.Layout = "mapping:" + filepath.Base(path)
	for _, sh := range s.Sheets {
		if mp.Sheet != "" && sh.Name != mp.Sheet {
			continue
		}
		row := max(mp.HeaderRow, 1) - 1
		if row >= len(sh.Rows) {
			continue
		}
		h := tabular.NewHeader(sh.Rows[row], nil)
		m.Sheet, m.HeaderRow = sh.Name, row+1
		m.Required = []string{mp.Columns["order_id"], mp.Columns["ordered_at"]}
		for _, col := range mp.Columns {
			m.Signature++
			if h.Has(col) {
				m.Matched++
			} else {
				m.Missing = append(m.Missing, col)
			}
		}
		break
	}
	if m.Signature > 0 {
		m.Score = float64(m.Matched) / float64(m.Signature)
	}
	return m
}

// Sidecar is the mapping file looked for beside an export.
func Sidecar(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + ".mapping.yaml"
}

// Diagnose reports a mapping file beside the export that cannot be used,
// so a typo in it is shown as such rather than as a file no connector reads.
func (connector) Diagnose(s *connectors.Sample) error {
	path := Sidecar(s.Path)
	if _, err := os.Stat(path); err != nil {
		return nil
	}
	if _, err := LoadMapping(path); err != nil {
		return err
	}
	return nil
}

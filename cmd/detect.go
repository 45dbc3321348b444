package cmd

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
)

type detectResult struct {
	File      string            `json:"file"`
	Connector string            `json:"connector,omitempty"`
	Layout    string            `json:"layout,omitempty"`
	Sheet     string            `json:"sheet,omitempty"`
	HeaderRow int               `json:"header_row,omitempty"`
	Encoding  string            `json:"encoding,omitempty"`
	Delimiter string            `json:"delimiter,omitempty"`
	Rows      int64             `json:"rows"`
	Orders    int64             `json:"orders"`
	Rejected  int64             `json:"rejected_rows"`
	Mapping   []detectMapping   `json:"mapping,omitempty"`
	Error     string            `json:"error,omitempty"`
	Skipped   string            `json:"skipped,omitempty"` // why a folder's file is not read
	Options   map[string]string `json:"-"`
}

type detectMapping struct {
	Column string `json:"column"`
	Field  string `json:"field"`
}

func newDetectCommand(g *globalOptions) *cobra.Command {
	var (
		asJSON    bool
		connector string
		options   []string
	)
	c := &cobra.Command{
		Use:   "detect PATH...",
		Short: "Tell which connector reads each file, its layout, rows and column mapping",
		Long: `detect reads each file (or every export in a folder) without writing anything:
it names the connector and layout that read it, counts its rows and orders,
and shows which header feeds which dataset column; or says why no connector
matches and which one came closest.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("detect needs at least one file or folder")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			files, skipped, err := expandPaths(args)
			if err != nil {
				return err
			}
			opts, err := parseOptions(options)
			if err != nil {
				return err
			}
			var forced connectors.FileReader
			if connector != "" {
				if forced, err = lookupFileReader(connector); err != nil {
					return err
				}
			}
			var results []detectResult
			failed := 0
			for _, f := range files {
				res := detectFile(cmd, f, forced, opts, g.now())
				if res.Error != "" {
					failed++
				}
				results = append(results, res)
				if err := cmd.Context().Err(); err != nil {
					return err
				}
			}
			for _, sk := range skipped {
				results = append(results, detectResult{File: sk.Path, Skipped: sk.Reason})
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			} else {
				printDetect(g.stdout, results)
			}
			if failed > 0 {
				err := fmt.Errorf("%d of %d files are not readable by any connector", failed, len(files))
				if failed == len(files) {
					return &quietError{code: exitFailed, err: err}
				}
				return &quietError{code: exitPartial, err: err}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	c.Flags().StringVar(&connector, "connector", "", "check the files against this connector only")
	c.Flags().StringArrayVar(&options, "option", nil, "connector option as key=value (repeatable)")
	return c
}

func detectFile(cmd *cobra.Command, path string, forced connectors.FileReader, opts map[string]string, now time.Time) detectResult {
	res := detectResult{File: path}
	s, err := connectors.ReadSample(path)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if s.Kind == tabular.KindCSV {
		res.Encoding = s.Encoding
		res.Delimiter = delimiterName(s.Delimiter)
	}
	var (
		fr connectors.FileReader
		m  connectors.Match
	)
	if forced != nil {
		// Asked for by name: reading the file says best whether it fits.
		fr, m = forced, forced.Detect(s)
		m.Connector = forced.Info().Name
	} else {
		fr, m, err = connectors.Route(s)
	}
	res.Connector, res.Layout, res.Sheet, res.HeaderRow = m.Connector, m.Layout, m.Sheet, m.HeaderRow
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Mapping = columnMapping(fr, s, m)
	// The clock an import would run with, so detect skips the rows with
	// implausible dates an import would skip.
	ctx := connectors.WithRunTime(cmd.Context(), now)
	for rec, err := range fr.ReadFile(ctx, connectors.File{Path: path, Account: "main", Options: opts}) {
		if err != nil {
			res.Error = err.Error()
			break
		}
		res.Rows += int64(rec.Rows)
		if rec.Order != nil {
			res.Orders++
		}
		for _, rj := range rec.Rejects {
			if rj.Effect == connectors.RowSkipped {
				res.Rejected++
				break
			}
		}
	}
	return res
}

// columnMapping shows which header of the file feeds which dataset column.
func columnMapping(fr connectors.FileReader, s *connectors.Sample, m connectors.Match) []detectMapping {
	cl, ok := fr.(connectors.ColumnLister)
	if !ok {
		return nil
	}
	for _, sh := range s.Sheets {
		if sh.Name != m.Sheet || m.HeaderRow < 1 || m.HeaderRow > len(sh.Rows) {
			continue
		}
		cols := cl.Columns()
		// The row above the header names column groups where the export
		// has them (Mercado Livre), which tells duplicate names apart.
		var groups []string
		if m.HeaderRow > 1 {
			groups = sh.Rows[m.HeaderRow-2]
		}
		mp, _ := tabular.NewHeader(sh.Rows[m.HeaderRow-1], groups).Map(cols)
		var out []detectMapping
		for i, found := range mp.Found() {
			if found != "" && cols[i].Field != "" {
				out = append(out, detectMapping{Column: found, Field: cols[i].Field})
			}
		}
		return out
	}
	return nil
}

func delimiterName(r rune) string {
	switch r {
	case '\t':
		return "tab"
	case ';':
		return "semicolon"
	case ',':
		return "comma"
	}
	return string(r)
}

func printDetect(w io.Writer, results []detectResult) {
	for i, r := range results {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s\n", r.File)
		if r.Skipped != "" {
			fmt.Fprintf(w, "  skipped:    %s\n", r.Skipped)
			continue
		}
		if r.Connector != "" && r.Error == "" {
			fmt.Fprintf(w, "  connector:  %s\n  layout:     %s\n", r.Connector, r.Layout)
			if r.Sheet != "" {
				fmt.Fprintf(w, "  sheet:      %s (header on row %d)\n", r.Sheet, r.HeaderRow)
			}
			if r.Encoding != "" {
				fmt.Fprintf(w, "  encoding:   %s, %s-separated\n", r.Encoding, r.Delimiter)
			}
			fmt.Fprintf(w, "  rows:       %d (%d orders, %d rows rejected)\n", r.Rows, r.Orders, r.Rejected)
			if len(r.Mapping) > 0 {
				fmt.Fprintln(w, "  mapping:")
				for _, mp := range r.Mapping {
					fmt.Fprintf(w, "    %-45s -> %s\n", fmt.Sprintf("%q", mp.Column), mp.Field)
				}
			}
			continue
		}
		fmt.Fprintf(w, "  error:      %s\n", r.Error)
	}
}

package cmd

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
)

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
			opts, err := connectorOptions(connector, options)
			if err != nil {
				return err
			}
			var forced connectors.FileReader
			if connector != "" {
				if forced, err = lookupFileReader(connector); err != nil {
					return err
				}
			}
			var results []connectors.FileReport
			failed := 0
			for _, f := range files {
				res := connectors.InspectFile(cmd.Context(), f, forced, opts, g.now())
				if res.Error != "" {
					failed++
				}
				results = append(results, res)
				if err := cmd.Context().Err(); err != nil {
					return err
				}
			}
			for _, sk := range skipped {
				results = append(results, connectors.FileReport{File: sk.Path, Skipped: sk.Reason})
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

func printDetect(w io.Writer, results []connectors.FileReport) {
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

// connectorOptions reads --option key=value pairs and refuses the ones no
// connector takes (or, with --connector, the one named does not take).
func connectorOptions(connector string, kv []string) (map[string]string, error) {
	opts, err := parseOptions(kv)
	if err != nil {
		return nil, err
	}
	if err := connectors.CheckFileOptions(connector, opts); err != nil {
		return nil, usageErrorf("--option: %v", err)
	}
	return opts, nil
}

package cmd

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/version"
)

func newVersionCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			v, c := version.Get()
			if c == "" {
				c = "unknown"
			}
			fmt.Fprintf(g.stdout, "orderhist %s\ncommit %s\n%s %s/%s\n", v, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf("%s takes no arguments", cmd.CommandPath())
	}
	return nil
}

func newConnectorsCommand(g *globalOptions) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "connectors [NAME]",
		Short: "List the connectors, the formats each reads and their options",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErrorf("connectors takes at most one connector name")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			list := connectors.All()
			if len(args) == 1 {
				c, ok := connectors.Lookup(args[0])
				if !ok {
					return usageErrorf("no connector named %q (known: %s)", args[0], strings.Join(connectors.Names(), ", "))
				}
				list = []connectors.Connector{c}
			}
			if asJSON {
				infos := make([]connectors.Info, len(list))
				for i, c := range list {
					infos[i] = connectors.Describe(c)
				}
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(infos)
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tFORMATS\tLAYOUTS\tDESCRIPTION")
			for _, c := range list {
				info := connectors.Describe(c)
				var layouts []string
				for _, l := range info.Layouts {
					layouts = append(layouts, l.Name)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", info.Name, strings.Join(info.Formats, ","), strings.Join(layouts, ","), info.Title)
			}
			tw.Flush()
			for _, c := range list {
				info := connectors.Describe(c)
				if len(info.Options) == 0 {
					continue
				}
				fmt.Fprintf(g.stdout, "\n%s settings (--option key=value; \"api:\" ones go under api: in the sync configuration):\n", info.Name)
				for _, o := range info.Options {
					def := ""
					if o.Default != "" {
						def = fmt.Sprintf(" (default %s)", o.Default)
					}
					req := ""
					if o.Required {
						req = " (required)"
					}
					fmt.Fprintf(g.stdout, "  %-15s %s%s%s\n", o.Name, o.Help, def, req)
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return c
}

func newSchemaCommand(g *globalOptions) *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "schema [--format json|duckdb|bigquery]",
		Short: "Print the dataset's tables and columns, as DDL where a warehouse is named",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "text":
				fmt.Fprintf(g.stdout, "Every table is also an Iceberg table (format v2) in its folder, which its\nmetadata/version-hint.text and metadata/vN.metadata.json describe:\nDuckDB iceberg_scan('DIR/orders'), Spark spark.read.format(\"iceberg\").load(\"DIR/orders\").\n\n")
				for _, t := range dataset.Tables() {
					fmt.Fprintf(g.stdout, "%s  (%s", t.Name, t.Files)
					if t.PartitionedBy != "" {
						fmt.Fprintf(g.stdout, ", partitioned by %s", t.PartitionedBy)
					}
					fmt.Fprintf(g.stdout, "; Iceberg %s/metadata/version-hint.text)\n  %s\n", t.Iceberg, t.Description)
					tw := tabwriter.NewWriter(g.stdout, 0, 0, 2, ' ', 0)
					for _, col := range t.Columns {
						null := "not null"
						if col.Nullable {
							null = "null"
						}
						fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", col.Name, col.Type, null, col.Description)
					}
					tw.Flush()
					fmt.Fprintln(g.stdout)
				}
				return nil
			case "json":
				return dataset.SchemaJSON(g.stdout)
			case "duckdb":
				return dataset.SchemaDuckDB(g.stdout, g.out)
			case "bigquery":
				return dataset.SchemaBigQuery(g.stdout)
			}
			return usageErrorf("--format must be text, json, duckdb or bigquery, not %q", format)
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json, duckdb or bigquery")
	return c
}

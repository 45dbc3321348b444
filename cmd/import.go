package cmd

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/importer"
)

type importOptions struct {
	connector string
	account   string
	options   []string
	strict    bool
}

func newImportCommand(g *globalOptions) *cobra.Command {
	var o importOptions
	c := &cobra.Command{
		Use:   "import [flags] PATH...",
		Short: "Read export files (or every export in a folder) into the dataset",
		Long: `import reads order exports, detects the marketplace of each file, normalizes
every row, resolves customers across channels and writes the dataset.

Re-importing the same or overlapping files never duplicates anything: an order
seen again is merged with what the dataset already holds. Rows that cannot be
used go to the rejects table with the file, row, column and reason, and the
run exits 3 (a value dropped from a row that was kept is a warning; see
--fail-on). A file that cannot be read at all is reported by name; the other
files are still committed and the run exits 4 (or 1 with --strict).`,
		Example: `  orderhist import ~/Downloads/Vendas_BR.xlsx ~/Downloads/Order.all.*.xlsx
  orderhist import --out /data/orderhist exports/
  orderhist import --connector csv --option mapping=magalu.yaml magalu.csv`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErrorf("import needs at least one file or folder (see 'orderhist import --help')")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return runImport(cmd, g, o, args)
		},
	}
	f := c.Flags()
	f.StringVar(&o.connector, "connector", "", "read every file with this connector instead of detecting it")
	f.StringVar(&o.account, "account", "main", "seller account label stored with each order")
	f.StringArrayVar(&o.options, "option", nil, "connector option as key=value (repeatable), e.g. mapping=file.yaml")
	f.BoolVar(&o.strict, "strict", false, "fail the whole run, committing nothing, when any file cannot be read")
	addMatchWeightFlag(f, g)
	g.segments.register(f)
	return c
}

func runImport(cmd *cobra.Command, g *globalOptions, o importOptions, args []string) error {
	paths, skipped, err := expandPaths(args)
	if err != nil {
		return err
	}
	opts, err := connectorOptions(o.connector, o.options)
	if err != nil {
		return err
	}
	var forced connectors.FileReader
	if o.connector != "" {
		if forced, err = lookupFileReader(o.connector); err != nil {
			return err
		}
	}
	files := make([]importer.File, len(paths))
	for i, p := range paths {
		files[i] = importer.File{Path: p, Reader: forced, Account: o.account, Options: opts}
	}

	run, err := g.openRun(cmd, "orderhist import")
	if err != nil {
		return err
	}
	defer run.Close()
	run.Skip(skipped...)
	if _, err := run.ReadFiles(files); err != nil {
		return err // cancelled, or the scratch folder failed
	}
	if failed := run.Failed(); failed > 0 && o.strict {
		return fmt.Errorf("%d of %d files could not be read and --strict is set; nothing was committed", failed, len(files))
	}
	stats, err := run.Commit("import " + strings.Join(args, " "))
	if err != nil {
		return err
	}
	printSummary(g, run, stats)
	g.noteRun(run.ID(), "files", len(files), "files_failed", run.Failed(), "files_skipped", len(skipped), "orders", stats.Orders,
		"new_orders", stats.NewOrders, "rejects", stats.Rejects, "rows_skipped", stats.RejectedRows)
	switch failed := run.Failed(); {
	case failed > 0:
		return &quietError{code: exitPartial, err: &partialError{failed: failed, total: len(files)}}
	}
	return g.rejectOutcome(stats)
}

// expandPaths turns the arguments into a list of files: folders give
// their exports, in sorted order, and the other files they hold with the
// reason each is left out (connectors.WalkExports).
func expandPaths(args []string) ([]string, []connectors.Skipped, error) {
	var (
		files   []string
		skipped []connectors.Skipped
	)
	seen := map[string]bool{}
	add := func(p string) {
		if abs, err := filepath.Abs(p); err == nil && !seen[abs] {
			seen[abs] = true
			files = append(files, p)
		}
	}
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil {
			return nil, nil, usageErrorf("%s: %v", a, unwrapPathError(err))
		}
		if !st.IsDir() {
			add(a)
			continue
		}
		found, left, err := connectors.WalkExports(a)
		if err != nil {
			return nil, nil, fmt.Errorf("read folder %s: %w", a, err)
		}
		if len(found) == 0 {
			msg := fmt.Sprintf("%s: the folder holds no export files (%s)", a, strings.Join(connectors.ExportExtensions, ", "))
			if len(left) > 0 {
				msg += fmt.Sprintf("; %d other file(s), such as %s: %s", len(left), left[0].Path, left[0].Reason)
			}
			return nil, nil, usageErrorf("%s", msg)
		}
		for _, p := range found {
			add(p)
		}
		skipped = append(skipped, left...)
	}
	return files, skipped, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if e, ok := err.(*fs.PathError); ok {
		pe = e
		return pe.Err
	}
	return err
}

// parseOptions reads key=value connector options.
func parseOptions(kv []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range kv {
		k, v, ok := strings.Cut(s, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--option %q: use key=value", s)
		}
		out[k] = v
	}
	return out, nil
}

// lookupFileReader finds a connector that reads files, by name.
func lookupFileReader(name string) (connectors.FileReader, error) {
	c, ok := connectors.Lookup(name)
	if !ok {
		return nil, usageErrorf("no connector named %q (known: %s)", name, strings.Join(connectors.Names(), ", "))
	}
	fr, ok := c.(connectors.FileReader)
	if !ok {
		return nil, usageErrorf("connector %q does not read files", name)
	}
	return fr, nil
}

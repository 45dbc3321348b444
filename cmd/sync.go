package cmd

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

func newSyncCommand(g *globalOptions) *cobra.Command {
	var config string
	c := &cobra.Command{
		Use:   "sync [--config FILE]",
		Short: "Run every source of the configuration, incrementally (the nightly job)",
		Long: `sync runs every source in the configuration: folders where exports are
dropped (only new or changed files are read) and order APIs (from the saved
cursor, minus the source's lookback window). Orders seen again replace their
earlier version, so re-running a sync never duplicates anything, and a sync
with nothing new changes nothing.

The configuration is --config, else $ORDERHIST_CONFIG, else ./orderhist.yaml.
A second sync while one runs exits 75; a source that fails leaves the others
committed and the run exits 4.`,
		Example: `  orderhist sync --config /etc/orderhist.yaml
  # crontab: every night at 02:30, JSON logs for the log collector
  30 2 * * * orderhist sync --config /etc/orderhist.yaml --log-format json >>/var/log/orderhist.log 2>&1`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSync(cmd, g, config)
		},
	}
	c.Flags().StringVar(&config, "config", "", "the sync configuration (default $ORDERHIST_CONFIG or ./orderhist.yaml)")
	addMatchWeightFlag(c.Flags(), g)
	g.segments.register(c.Flags())
	return c
}

// sourceRun is what one source did in a sync.
type sourceRun struct {
	cfg     *sourceConfig
	state   *dataset.SourceState
	inputs  []*importer.Input
	skipped int   // files already read, unchanged
	err     error // the source could not run at all
	// cursor is where an API pull stopped, saved once the data is committed.
	cursor *time.Time
}

func (s *sourceRun) failed() bool {
	if s.err != nil {
		return true
	}
	for _, in := range s.inputs {
		if in.Failed() {
			return true
		}
	}
	return false
}

func runSync(cmd *cobra.Command, g *globalOptions, configFlag string) error {
	path := configPath(configFlag, os.Getenv)
	cfg, err := loadConfig(path, os.Getenv)
	if err != nil {
		return err
	}
	if f := cmd.Flag("out"); cfg.Out != "" && (f == nil || !f.Changed) {
		g.out = cfg.Out
	}
	if f := cmd.Flag("match-weight"); cfg.MatchWeight != "" && (f == nil || !f.Changed) {
		g.matchWeight, _ = parseMatchWeight(cfg.MatchWeight) // checked by loadConfig
	}
	if f := cmd.Flag("pii"); cfg.PII != "" && (f == nil || !f.Changed) {
		if err := g.setPII(cfg.PII); err != nil {
			return err
		}
	}
	run, err := g.openRun(cmd, "orderhist sync")
	if err != nil {
		return err
	}
	defer run.Close()

	var sources []*sourceRun
	run.AfterCheckpoint(func(pull *importer.Input) error { return saveCheckpoint(g.out, run, sources, pull) })
	for i := range cfg.Sources {
		sr := &sourceRun{cfg: &cfg.Sources[i]}
		sources = append(sources, sr)
		if sr.state, sr.err = dataset.LoadSourceState(g.out, sr.cfg.Name); sr.err != nil {
			g.log.Error("source failed", "source", sr.cfg.Name, "error", sr.err)
			continue
		}
		if sr.cfg.Files != "" {
			err = syncFiles(run, sr)
		} else {
			err = syncAPI(run, sr)
		}
		if err != nil {
			return err // cancelled, or the scratch folder failed
		}
		if sr.err != nil {
			g.log.Error("source failed", "source", sr.cfg.Name, "error", sr.err)
		}
	}

	var stats *importer.Stats
	if n := len(run.Inputs()); n > 0 && run.Failed() < n {
		if stats, err = run.Commit("sync " + path); err != nil {
			return err
		}
		// State follows the data it covers: written only now that the
		// data is committed.
		for _, sr := range sources {
			if err := saveSourceState(g.out, run, sr); err != nil {
				sr.err = fmt.Errorf("the data was committed but its state was not saved (the next run will read it again): %w", err)
				g.log.Error("source failed", "source", sr.cfg.Name, "error", sr.err)
			}
		}
	}
	if stats == nil {
		stats = run.Committed() // a failed pull's checkpoints
	}
	printSyncSummary(g, run, stats, sources)
	counts := []any{"source_count", len(sources)}
	if stats != nil {
		counts = append(counts, "orders", stats.Orders, "new_orders", stats.NewOrders,
			"rejects", stats.Rejects, "rows_skipped", stats.RejectedRows)
	}
	g.noteRun(run.ID(), counts...)
	failed := 0
	for _, sr := range sources {
		if sr.failed() {
			failed++
		}
	}
	switch {
	case failed == len(sources):
		if stats != nil {
			return &quietError{code: exitFailed, err: fmt.Errorf("every source failed; what they pulled before failing was committed")}
		}
		return &quietError{code: exitFailed, err: fmt.Errorf("every source failed; nothing was committed")}
	case failed > 0:
		return &quietError{code: exitPartial, err: &partialError{failed: failed, total: len(sources)}}
	}
	return g.rejectOutcome(stats)
}

// syncFiles reads the source's new and changed exports.
func syncFiles(run *importer.Run, sr *sourceRun) error {
	if _, err := filepath.Match(sr.cfg.Files, ""); err != nil {
		sr.err = fmt.Errorf("files: %q is not a valid pattern: %w", sr.cfg.Files, err)
		return nil
	}
	matches, err := filepath.Glob(sr.cfg.Files)
	if err != nil {
		sr.err = err
		return nil
	}
	slices.Sort(matches)
	reader, err := lookupFileReader(sr.cfg.Connector)
	if err != nil {
		sr.err = err
		return nil
	}
	var files []importer.File
	first := len(sr.inputs)
	for _, path := range matches {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		sha, err := importer.HashFile(path)
		if err != nil {
			sr.inputs = append(sr.inputs, &importer.Input{Path: path, Err: err})
			continue
		}
		if sr.state.Seen(sha) {
			sr.skipped++
			continue
		}
		files = append(files, importer.File{Path: path, Reader: reader, Account: sr.cfg.Account, Options: sr.cfg.Options, SHA256: sha})
		sr.inputs = append(sr.inputs, nil) // filled once read, in path order
	}
	ins, err := run.ReadFiles(files)
	for i := first; i < len(sr.inputs) && len(ins) > 0; i++ {
		if sr.inputs[i] == nil {
			sr.inputs[i], ins = ins[0], ins[1:]
		}
	}
	return err
}

// saveSourceState records what the committed run read of a source.
func saveSourceState(dir string, run *importer.Run, sr *sourceRun) error {
	if sr.err != nil || sr.state == nil {
		return nil
	}
	changed := false
	for _, in := range sr.inputs {
		if in.Failed() || in.SHA256 == "" {
			continue
		}
		sr.state.Files[in.Path] = dataset.FileState{SHA256: in.SHA256, Size: in.Size, Rows: in.Rows, ReadAt: run.Now()}
		changed = true
	}
	if sr.cursor != nil && !sr.failed() {
		sr.state.Cursor = sr.cursor
		changed = true
	}
	if !changed {
		return nil
	}
	sr.state.RunID = run.ID()
	return dataset.SaveSourceState(dir, sr.cfg.Name, sr.state)
}

// printSyncSummary is the one-screen summary per source. stats is nil when
// nothing was committed.
func printSyncSummary(g *globalOptions, run *importer.Run, stats *importer.Stats, sources []*sourceRun) {
	if g.quiet {
		return
	}
	w := g.stdout
	fmt.Fprintf(w, "orderhist sync: run %s\n\n", run.ID())
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "source\tconnector\tread\tunchanged\trows\torders\tnew\tupdated\trejected rows\tstatus")
	for _, sr := range sources {
		var rows, orders, newOrders, updated, rejected int64
		read := 0
		var problems []string
		for _, in := range sr.inputs {
			if in.Failed() {
				problems = append(problems, in.Path+": "+strings.TrimPrefix(in.Err.Error(), in.Path+": "))
				continue
			}
			read++
			rows += in.Rows
			orders += in.Orders
			newOrders += in.NewOrders
			updated += in.Updated
			rejected += in.Rejected
		}
		status := "ok"
		switch {
		case sr.err != nil:
			status = "FAILED: " + sr.err.Error()
		case len(problems) > 0:
			status = fmt.Sprintf("FAILED: %d input(s) unreadable", len(problems))
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", sr.cfg.Name, sr.cfg.Connector, read, sr.skipped, rows, orders, newOrders, updated, rejected, status)
		for _, p := range problems {
			fmt.Fprintf(tw, "  %s\t\t\t\t\t\t\t\t\t\n", p)
		}
	}
	tw.Flush()
	if stats == nil {
		fmt.Fprintf(w, "\nnothing new: the dataset in %s is unchanged\n", g.out)
		return
	}
	printTotals(w, g.out, stats)
}

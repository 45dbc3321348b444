package cmd

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/importer"
	"github.com/orderhist/orderhist/internal/textlayout"
	"github.com/orderhist/orderhist/syncjob"
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

The configuration is --config, else $ORDERHIST_CONFIG, else ./orderhist.yaml;
relative paths in it are taken from its folder. A files pattern that matches
no file is a warning (status "no files"), not a failure. A second sync while
one runs exits 75; a source that fails leaves the others committed and the
run exits 4.`,
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

func runSync(cmd *cobra.Command, g *globalOptions, configFlag string) error {
	path := syncjob.ConfigPath(configFlag, os.Getenv)
	cfg, err := syncjob.Load(path, os.Getenv)
	if err != nil {
		g.startRun("sync", nil)
		return err
	}
	if f := cmd.Flag("out"); cfg.Out != "" && (f == nil || !f.Changed) {
		g.out = cfg.Out
	}
	var names []string
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	g.startRun("sync", names)
	if f := cmd.Flag("match-weight"); cfg.Weight != 0 && (f == nil || !f.Changed) {
		g.matchWeight = cfg.Weight
	}
	if f := cmd.Flag("tz"); cfg.Segments.Timezone != "" && (f == nil || !f.Changed) {
		g.segments.zone = cfg.Segments.Timezone
	}
	if f := cmd.Flag("inactive-days"); cfg.Segments.Inactive != 0 && (f == nil || !f.Changed) {
		g.segments.rules.InactiveDays = cfg.Segments.Inactive
	}
	if f := cmd.Flag("recurring-orders"); cfg.Segments.Recurring != 0 && (f == nil || !f.Changed) {
		g.segments.rules.RecurringOrders = cfg.Segments.Recurring
	}
	if f := cmd.Flag("snapshot-retention"); cfg.SnapshotRetention != "" && (f == nil || !f.Changed) {
		d := cfg.Retention
		g.snapshotRetention = &d
	}
	g.remote = cfg.S3.Remote()
	if f := cmd.Flag("catalog-uri"); cfg.Catalog != nil && (f == nil || !f.Changed) {
		c := cfg.Catalog.Dataset()
		g.catalog = &c
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
	job := syncjob.New(run, cfg, g.log)
	if err := job.Read(); err != nil {
		return err // cancelled, or the scratch folder failed
	}
	stats, err := job.Commit("sync " + path)
	if err != nil {
		return err
	}
	printSyncSummary(g, run, stats, job.Sources)
	counts := []any{"source_count", len(job.Sources)}
	if stats != nil {
		counts = append(counts, "orders", stats.Orders, "new_orders", stats.NewOrders,
			"rejects", stats.Rejects, "rows_skipped", stats.RejectedRows)
	}
	g.noteRun(run.ID(), counts...)
	switch failed := job.Failed(); {
	case failed == len(job.Sources):
		if stats != nil {
			return &quietError{code: exitFailed, err: fmt.Errorf("every source failed; what they pulled before failing was committed")}
		}
		return &quietError{code: exitFailed, err: fmt.Errorf("every source failed; nothing was committed")}
	case failed > 0:
		return &quietError{code: exitPartial, err: &partialError{failed: failed, total: len(job.Sources)}}
	}
	return g.rejectOutcome(stats)
}

// printSyncSummary is the one-screen summary per source, within
// textlayout.Width columns; each source's problems are listed below the
// table. stats is nil when nothing was committed. Each source's figures
// also go to the log, one line a source.
func printSyncSummary(g *globalOptions, run *importer.Run, stats *importer.Stats, sources []*syncjob.SourceRun) {
	tb := textlayout.NewTable("source", "connector", "read", "unchanged", "rows", "orders", "new", "updated", "rejected", "status")
	type problem struct{ label, text string }
	var problems []problem
	for _, sr := range sources {
		var rows, orders, newOrders, updated, rejected int64
		read, unreadable := 0, 0
		for _, in := range sr.Inputs {
			if in.Failed() {
				unreadable++
				problems = append(problems, problem{sr.Config.Name + ": " + in.Path, strings.TrimPrefix(in.Err.Error(), in.Path+": ")})
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
		case sr.Err != nil:
			status = "FAILED"
			problems = append(problems, problem{sr.Config.Name, sr.Err.Error()})
		case unreadable > 0:
			status = "FAILED"
		case sr.NoFiles:
			status = syncjob.StatusNoFiles
		}
		g.log.Info("source done", "source", sr.Config.Name, "connector", sr.Config.Connector, "status", status,
			"files_read", read, "files_unchanged", sr.Unchanged, "rows", rows, "orders", orders,
			"new_orders", newOrders, "updated_orders", updated, "rows_rejected", rejected)
		tb.Row(sr.Config.Name, sr.Config.Connector, strconv.Itoa(read), strconv.Itoa(sr.Unchanged), itoa(rows), itoa(orders),
			itoa(newOrders), itoa(updated), itoa(rejected), status)
	}
	if g.quiet {
		return
	}
	w := g.stdout
	fmt.Fprintf(w, "orderhist sync: run %s\n\n", run.ID())
	tb.Write(w, textlayout.Width)
	if stats == nil {
		fmt.Fprintln(w)
		textlayout.Wrap(w, "", "", "nothing new: the dataset in "+g.out+" is unchanged", textlayout.Width)
	} else {
		printTotals(w, g.out, stats)
	}
	if len(problems) > 0 {
		fmt.Fprintf(w, "\n%d problem(s):\n", len(problems))
		for _, p := range problems {
			textlayout.Item(w, p.label, p.text, textlayout.Width)
		}
	}
}

// Package cmd is orderhist's command line: cobra wiring, flags, progress
// bars, summaries and exit codes. An import runs in package importer, on a
// dataset package dataset owns; sync's configuration and sources are
// package syncjob's. Commands only configure them and report what they did.
package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	_ "github.com/orderhist/orderhist/connectors/all" // registers every connector
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/internal/pii"
	"github.com/orderhist/orderhist/internal/termprogress"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	out       string
	pii       string
	asOf      string
	logFormat string
	failOn    string
	retention string
	// retentionSet says --snapshot-retention was given.
	retentionSet bool
	quiet        bool
	verbose      bool

	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
	// now is the clock; tests set it so runs are reproducible.
	now func() time.Time
	// started is set once a command's own code runs; errors before that
	// are usage errors.
	started bool

	cpuProfile string
	memProfile string
	stopCPU    func()

	// display shows progress when stderr is a terminal; logs go through
	// it so they are written above its line.
	display *termprogress.Display

	// protect applies --pii to what is written.
	protect *pii.Protector
	// snapshotRetention is --snapshot-retention (or sync's
	// snapshot_retention) read; nil when neither is given, so the run
	// keeps the dataset's own retention.
	snapshotRetention *time.Duration
	// catalogURI, catalogNamespace and catalogName are --catalog-uri (or
	// $ORDERHIST_CATALOG_URI, or sync's catalog: block) and friends;
	// catalog is what setup made of them, nil without a catalog.
	catalogURI, catalogNamespace, catalogName string
	catalog                                   *dataset.CatalogConfig
	// remote says how to reach a dataset in S3 (--out s3://…): the AWS
	// conventions, and sync's s3: block.
	remote dataset.RemoteOptions
	// matchWeight is --match-weight (or sync's match_weight); 0 is the default.
	matchWeight float64
	// segments are the time zone and segment rules import and sync write
	// customers.segment by.
	segments historyFlags

	// command, sources and start are the run start event's; runID and
	// counts are set by a command that opened a run, for the run end event.
	command string
	sources []string
	start   time.Time
	runID   string
	counts  []any
}

// startRun logs the run start event.
func (g *globalOptions) startRun(command string, sources []string) {
	g.command, g.sources, g.start = command, sources, g.now()
	if g.sources == nil {
		g.sources = []string{}
	}
	g.log.Info("run start", "command", g.command, "sources", g.sources, "out", g.out)
}

// noteRun records what the run end event reports about an import run.
func (g *globalOptions) noteRun(id string, counts ...any) {
	g.runID, g.counts = id, counts
}

// Main runs the command line and returns the process exit code. It is the
// only place errors become exit codes.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	g := &globalOptions{stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	return g.execute(ctx, args)
}

// execute runs the command line on g's streams and clock.
func (g *globalOptions) execute(ctx context.Context, args []string) int {
	stderr := g.stderr
	root := newRootCommand(g)
	root.SetArgs(args)
	root.SetIn(g.stdin)
	root.SetOut(g.stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if g.display != nil {
		g.display.Stop()
	}
	if g.stopCPU != nil {
		g.stopCPU()
	}
	if err != nil && !g.started {
		// Cobra refused the command line (unknown command or flag, wrong
		// arguments) before any command ran.
		var u *usageError
		if !errors.As(err, &u) {
			err = &usageError{msg: err.Error()}
		}
	}
	code := exitCode(err)
	logger := g.log
	if logger == nil {
		// The command line failed before setup built the logger; the
		// error still comes out in the format asked for.
		logger = newLogger(stderr, wantsJSON(g, args), slog.LevelInfo)
	}
	if err != nil && !isQuietError(err) {
		if wantsJSON(g, args) {
			logger.Error(err.Error(), "exit_code", code, "error_class", errorClass(code))
		} else {
			fmt.Fprintf(stderr, "orderhist: %v\n", err)
		}
	}
	if g.started && g.command != "" {
		attrs := []any{"command", g.command, "sources", g.sources, "exit_code", code,
			"duration_ms", g.now().Sub(g.start).Milliseconds()}
		if g.runID != "" {
			attrs = append(attrs, "run_id", g.runID)
		}
		logger.Info("run end", append(attrs, g.counts...)...)
	}
	return code
}

// wantsJSON reports whether errors go out as JSON: --log-format json as
// parsed, or as written when cobra refused the line before parsing it.
func wantsJSON(g *globalOptions, args []string) bool {
	if g.logFormat == "json" {
		return true
	}
	for i, a := range args {
		if a == "--log-format=json" || (a == "--log-format" && i+1 < len(args) && args[i+1] == "json") {
			return true
		}
		if a == "--" {
			break
		}
	}
	return false
}

// errorClass names an exit code for log processors that match on words.
func errorClass(code int) string {
	switch code {
	case exitUsage:
		return "usage"
	case exitLocked:
		return "locked"
	case exitInterrupted:
		return "interrupted"
	case exitPartial:
		return "partial"
	case exitRejected:
		return "rejected"
	}
	return "failed"
}

func newLogger(w io.Writer, json bool, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func newRootCommand(g *globalOptions) *cobra.Command {
	root := &cobra.Command{
		Use:   "orderhist",
		Short: "Turn marketplace order exports into one customer-purchase history in Parquet",
		Long: `orderhist reads the order exports a seller downloads from Mercado Livre, Shopee,
TikTok Shop, Amazon, Shopify and others, cleans every value (money, dates,
CPF/CNPJ, phones, e-mails, CEPs), recognises the same buyer across channels,
and writes a Parquet dataset that DuckDB, BigQuery, Snowflake and Spark load
as it is.

` + exitCodesHelp,
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			g.retentionSet = cmd.Flags().Changed("snapshot-retention")
			if err := g.setup(); err != nil {
				return err
			}
			g.started = true
			// Commands that change the dataset log where a run starts;
			// the others (help, version, schema) are not runs.
			// sync logs it once its configuration names the sources.
			switch cmd.Name() {
			case "import", "forget":
				g.startRun(cmd.Name(), args)
			}
			return nil
		},
	}
	f := root.PersistentFlags()
	f.StringVar(&g.out, "out", "./orderhist-data", "the dataset folder, or s3://BUCKET/PREFIX for a dataset in S3 or S3-compatible storage")
	f.StringVar(&g.pii, "pii", "clear", "how personal data is stored: clear, hash or drop")
	f.StringVar(&g.asOf, "as-of", "", "the date customer segments are computed for (YYYY-MM-DD; default today)")
	f.StringVar(&g.logFormat, "log-format", "text", "log format on stderr: text or json")
	f.StringVar(&g.failOn, "fail-on", failOnSkipped, "which rejects make a finished run exit 3: skipped (rows left out), dropped (any reject) or never")
	f.StringVar(&g.retention, "snapshot-retention", "0", "how long replaced Iceberg snapshots and their files are kept for time travel (30d, 36h; 0 keeps only the current one; unset keeps the dataset's own, 0 for a new one)")
	f.StringVar(&g.catalogURI, "catalog-uri", "", "commit the tables in Iceberg's SQL (JDBC) catalog in this PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB (default $"+catalogURIEnv+"; keep the password out of the command line)")
	f.StringVar(&g.catalogNamespace, "catalog-namespace", "orderhist", "the catalog namespace the tables are registered in")
	f.StringVar(&g.catalogName, "catalog-name", dataset.DefaultCatalogName, "the catalog's name, as the engines that read it call it")
	f.BoolVarP(&g.quiet, "quiet", "q", false, "print only errors")
	f.BoolVarP(&g.verbose, "verbose", "v", false, "also log how long each stage of a run takes")
	f.StringVar(&g.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) to this file")
	f.MarkHidden("cpuprofile")
	f.StringVar(&g.memProfile, "memprofile", "", "write a heap profile (pprof) to this file when identity resolution starts, the run's peak")
	f.MarkHidden("memprofile")
	root.AddCommand(
		newImportCommand(g),
		newSyncCommand(g),
		newDetectCommand(g),
		newConnectorsCommand(g),
		newSchemaCommand(g),
		newExplainCommand(g),
		newReportCommand(g),
		newExportCommand(g),
		newForgetCommand(g),
		newRebuildCommand(g),
		newVersionCommand(g),
	)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageErrorf("%v (see '%s --help')", err, c.CommandPath())
	})
	return root
}

// setup validates the shared flags and builds the logger.
func (g *globalOptions) setup() error {
	switch g.logFormat {
	case "text", "json":
	default:
		return usageErrorf("--log-format must be text or json, not %q", g.logFormat)
	}
	switch g.failOn {
	case failOnSkipped, failOnDropped, failOnNever:
	default:
		return usageErrorf("--fail-on must be skipped, dropped or never, not %q", g.failOn)
	}
	if err := g.setPII(g.pii); err != nil {
		return err
	}
	d, err := dataset.ParseRetention(g.retention)
	if err != nil {
		return usageErrorf("--snapshot-retention %v", err)
	}
	if g.retentionSet {
		g.snapshotRetention = &d
	}
	if err := g.setCatalog(); err != nil {
		return err
	}
	if err := dataset.CheckLocation(g.out); err != nil {
		return usageErrorf("--out %v", err)
	}
	if g.asOf != "" {
		if _, err := time.Parse(time.DateOnly, g.asOf); err != nil {
			return usageErrorf("--as-of must be a date like 2026-11-29, not %q", g.asOf)
		}
	}
	if g.cpuProfile != "" {
		f, err := os.Create(g.cpuProfile)
		if err != nil {
			return usageErrorf("--cpuprofile: %v", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return usageErrorf("--cpuprofile: %v", err)
		}
		g.stopCPU = func() { pprof.StopCPUProfile(); f.Close() }
	}
	level := slog.LevelInfo
	switch {
	case g.quiet:
		level = slog.LevelError
	case g.verbose:
		level = slog.LevelDebug
	}
	logOut := g.stderr
	if f := g.terminal(); f != nil {
		width := func() int { w, _, _ := term.GetSize(int(f.Fd())); return w }
		g.display = termprogress.New(f, width, time.Now, 100*time.Millisecond)
		g.display.Start()
		logOut = g.display
	}
	g.log = newLogger(logOut, g.logFormat == "json", level)
	return nil
}

// setPII chooses how personal data is written; hash takes its key from
// the environment, never from a flag, so it does not land in shell history.
func (g *globalOptions) setPII(mode string) error {
	p, err := pii.New(mode, os.Getenv(pii.KeyEnv))
	if err != nil {
		return usageErrorf("%v", err)
	}
	g.pii, g.protect = mode, p
	return nil
}

// terminal is stderr when progress may be drawn on it: a terminal, never
// under cron or in a pipe, and not with --quiet.
func (g *globalOptions) terminal() *os.File {
	if f, ok := g.stderr.(*os.File); ok && !g.quiet && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// catalogURIEnv gives --catalog-uri's default, so the password need not
// be on the command line.
const catalogURIEnv = "ORDERHIST_CATALOG_URI"

// setCatalog reads the --catalog-* flags: a catalog when --catalog-uri or
// $ORDERHIST_CATALOG_URI is set.
func (g *globalOptions) setCatalog() error {
	uri := g.catalogURI
	if uri == "" {
		uri = os.Getenv(catalogURIEnv)
	}
	if uri == "" {
		g.catalog = nil
		return nil
	}
	c := dataset.CatalogConfig{URI: uri, Namespace: g.catalogNamespace, Name: g.catalogName}
	if err := c.Check(); err != nil {
		return usageErrorf("--catalog-uri/--catalog-namespace/--catalog-name: %v", err)
	}
	g.catalog = &c
	return nil
}

// sessionOptions are the dataset session options the shared flags give.
func (g *globalOptions) sessionOptions() []dataset.SessionOption {
	opts := []dataset.SessionOption{dataset.WithRemote(g.remote)}
	if g.catalog != nil {
		opts = append(opts, dataset.WithCatalog(*g.catalog))
	}
	return opts
}

// committedDir is the folder a read-only command reads: --out itself, or,
// for a dataset in S3, the readers' working copy of it, brought up to date
// with what the bucket has committed. done releases it.
func (g *globalOptions) committedDir(ctx context.Context) (dir string, done func(), err error) {
	if !dataset.IsRemote(g.out) {
		return g.out, func() {}, nil
	}
	return dataset.ReadCopy(ctx, g.out, g.remote)
}

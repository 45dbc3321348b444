package cmd

import (
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/importer"
)

// openRun opens an import run on the dataset with the shared flags: the
// clock, --as-of, --pii, the logger, progress bars and --memprofile.
func (g *globalOptions) openRun(cmd *cobra.Command, command string) (*importer.Run, error) {
	o, err := g.runOptions(command)
	if err != nil {
		return nil, err
	}
	return importer.Open(cmd.Context(), g.out, o)
}

// runOptions are the options of a run with the shared flags.
func (g *globalOptions) runOptions(command string) (importer.Options, error) {
	seg, err := history.ParseOptions(g.segments.zone, g.asOf, g.now(), g.segments.rules)
	if err != nil {
		return importer.Options{}, usageErrorf("%v", err)
	}
	o := importer.Options{
		Now:           g.now,
		AsOf:          seg.AsOf,
		Rules:         seg.Rules,
		Location:      seg.Location,
		PII:           g.protect,
		Logger:        g.log,
		Command:       command,
		BeforeResolve: func() error { return writeHeapProfile(g.memProfile) },
		MatchWeight:   g.matchWeight,

		SnapshotRetention: g.snapshotRetention,
		Catalog:           g.catalog,
		Remote:            &g.remote,
	}
	if d := g.display; d != nil {
		o.Progress = func(name string, size int64, connector string) importer.Progress {
			return d.Read(name, size, connector)
		}
		o.Stage = d.Stage
	}
	return o, nil
}

// writeHeapProfile writes the live heap to path, if set.
func writeHeapProfile(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.Create(path)
	if err != nil {
		return usageErrorf("--memprofile: %v", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return usageErrorf("--memprofile: %v", err)
	}
	return f.Close()
}

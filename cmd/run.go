package cmd

import (
	"os"
	"runtime"
	"runtime/pprof"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/importer"
)

// openRun opens an import run on the dataset with the shared flags: the
// clock, --as-of, --pii, the logger, progress bars and --memprofile.
func (g *globalOptions) openRun(cmd *cobra.Command, command string) (*importer.Run, error) {
	// barBusy is held by the input whose progress bar is on screen; inputs
	// read beside it go without one.
	var barBusy atomic.Bool
	seg, err := history.ParseOptions(g.segments.zone, g.asOf, g.now(), g.segments.rules)
	if err != nil {
		return nil, usageErrorf("%v", err)
	}
	return importer.Open(cmd.Context(), g.out, importer.Options{
		Now:      g.now,
		AsOf:     seg.AsOf,
		Rules:    seg.Rules,
		Location: seg.Location,
		PII:      g.protect,
		Logger:   g.log,
		Command:  command,
		Progress: func(name string, size int64, connector string) importer.Progress {
			return newProgress(g, &barBusy, name, size, connector)
		},
		BeforeResolve: func() error { return writeHeapProfile(g.memProfile) },
		MatchWeight:   g.matchWeight,
	})
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

package cmd

import (
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

// saveCheckpoint runs after a long pull committed midway (see
// importer.Run.AfterCheckpoint): everything the run read so far is in the
// dataset, so each source's state catches up with it, and the pulling
// source's cursor moves to the pull's checkpoint. A run killed after this
// resumes from there, minus the look-back.
func saveCheckpoint(dir string, run *importer.Run, sources []*sourceRun, pull *importer.Input) error {
	for _, sr := range sources {
		if sr.state == nil || sr.err != nil {
			continue
		}
		if pull.Path != "api:"+sr.cfg.Name {
			if err := saveSourceState(dir, run, sr); err != nil {
				return err
			}
			continue
		}
		cursor := pull.Checkpoint
		sr.state.Cursor = &cursor
		sr.state.RunID = run.ID()
		if err := dataset.SaveSourceState(dir, sr.cfg.Name, sr.state); err != nil {
			return err
		}
	}
	return nil
}

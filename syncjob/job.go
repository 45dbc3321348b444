package syncjob

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

// apiSettle is how far behind now an API pull stops: APIs show a change a
// little after it happens (Amazon asks for two minutes), and the next run
// starts from here minus the look-back anyway.
const apiSettle = 2 * time.Minute

// StatusNoFiles is the status of a files source whose pattern matched no
// file: a warning, neither ok nor a failure.
const StatusNoFiles = "no files"

// Job is one sync: the configured sources read into one import run.
type Job struct {
	run     *importer.Run
	log     *slog.Logger
	Sources []*SourceRun
}

// SourceRun is what one source did in a sync.
type SourceRun struct {
	Config *Source
	// Inputs are the source's files (read, or unreadable) or its pull.
	Inputs []*importer.Input
	// Unchanged counts the files already read before, unchanged.
	Unchanged int
	// NoFiles says the files pattern matched no file.
	NoFiles bool
	// Err says why the source could not run at all, or why its state was
	// not saved after its data was committed.
	Err error

	state *dataset.SourceState
	// cursor is where an API pull stopped, saved once the data is
	// committed.
	cursor *time.Time
}

// Failed reports whether the source failed, whole or in part.
func (s *SourceRun) Failed() bool {
	return s.Err != nil || slices.ContainsFunc(s.Inputs, (*importer.Input).Failed)
}

// New prepares a sync of cfg's sources into run, which it also hands the
// state to save at each of a long pull's checkpoints.
func New(run *importer.Run, cfg *Config, log *slog.Logger) *Job {
	j := &Job{run: run, log: log}
	for i := range cfg.Sources {
		j.Sources = append(j.Sources, &SourceRun{Config: &cfg.Sources[i]})
	}
	run.AfterCheckpoint(j.saveCheckpoint)
	return j
}

// Read reads every source into the run: the new and changed files of a
// files source, the pull of an API source. A source that fails is logged
// and recorded in its SourceRun; the others go on. The error is the run's
// own: cancelled, or its scratch folder failed.
func (j *Job) Read() error {
	for _, sr := range j.Sources {
		var err error
		sr.state, sr.Err = dataset.LoadSourceState(j.run.Dir(), sr.Config.Name)
		switch {
		case sr.Err != nil:
		case sr.Config.Files != "":
			err = j.readFiles(sr)
		default:
			err = j.pull(sr)
		}
		if err != nil {
			return err
		}
		switch {
		case sr.Err != nil:
			j.log.Error("source failed", "source", sr.Config.Name, "error", sr.Err)
		case sr.NoFiles:
			j.log.Warn("source matched no files", "source", sr.Config.Name, "files", sr.Config.Files, "status", StatusNoFiles)
		}
	}
	return nil
}

// Commit commits what the sources read, unless nothing was read or every
// input failed, then saves each source's state: state follows the data it
// covers. The statistics are the commit's, or a failed pull's checkpoints',
// or nil when nothing was committed.
func (j *Job) Commit(command string) (*importer.Stats, error) {
	if n := len(j.run.Inputs()); n == 0 || j.run.Failed() == n {
		return j.run.Committed(), nil
	}
	stats, err := j.run.Commit(command)
	if err != nil {
		return nil, err
	}
	for _, sr := range j.Sources {
		if err := j.saveState(sr); err != nil {
			sr.Err = fmt.Errorf("the data was committed but its state was not saved (the next run will read it again): %w", err)
			j.log.Error("source failed", "source", sr.Config.Name, "error", sr.Err)
		}
	}
	return stats, nil
}

// Failed counts the sources that failed, whole or in part.
func (j *Job) Failed() int {
	n := 0
	for _, sr := range j.Sources {
		if sr.Failed() {
			n++
		}
	}
	return n
}

// readFiles reads the source's new and changed exports, in path order.
func (j *Job) readFiles(sr *SourceRun) error {
	matches, err := filepath.Glob(sr.Config.Files)
	if err != nil {
		sr.Err = fmt.Errorf("files: %q is not a valid pattern: %w", sr.Config.Files, err)
		return nil
	}
	slices.Sort(matches)
	c, _ := connectors.Lookup(sr.Config.Connector)
	reader, ok := c.(connectors.FileReader)
	if !ok {
		sr.Err = fmt.Errorf("files: the %s connector does not read files", sr.Config.Connector)
		return nil
	}
	var files []importer.File
	first := len(sr.Inputs)
	found := 0
	for _, path := range matches {
		if st, err := os.Stat(path); err != nil || st.IsDir() {
			continue
		}
		found++
		sha, err := importer.HashFile(path)
		if err != nil {
			sr.Inputs = append(sr.Inputs, &importer.Input{Path: path, Err: err})
			continue
		}
		if sr.state.Seen(sha) {
			sr.Unchanged++
			continue
		}
		files = append(files, importer.File{Path: path, Reader: reader, Account: sr.Config.Account, Options: sr.Config.Options, SHA256: sha})
		sr.Inputs = append(sr.Inputs, nil) // filled once read, in path order
	}
	sr.NoFiles = found == 0
	ins, err := j.run.ReadFiles(files)
	for i := first; i < len(sr.Inputs) && len(ins) > 0; i++ {
		if sr.Inputs[i] == nil {
			sr.Inputs[i], ins = ins[0], ins[1:]
		}
	}
	return err
}

// pull pulls an API source from its cursor, minus the look-back window, to
// a little before now.
func (j *Job) pull(sr *SourceRun) error {
	c, _ := connectors.Lookup(sr.Config.Connector)
	puller, ok := c.(connectors.APIPuller)
	if !ok {
		sr.Err = fmt.Errorf("api: the %s connector has no API puller in this version", sr.Config.Connector)
		return nil
	}
	since := sr.Config.start
	if sr.state.Cursor != nil {
		since = sr.state.Cursor.Add(-sr.Config.lookback)
	}
	if since.IsZero() {
		sr.Err = errors.New("start: the first pull of an API source needs a start date (start: 2025-01-01)")
		return nil
	}
	in, err := j.run.Pull(puller, connectors.APISource{
		Name:     sr.Config.Name,
		Account:  sr.Config.Account,
		BaseURL:  sr.Config.API["base_url"],
		TokenURL: sr.Config.API["token_url"],
		Settings: sr.Config.API,
		Since:    since,
		Until:    j.run.Now().Add(-apiSettle),
		Tokens:   dataset.Tokens(j.run.Dir(), sr.Config.Name),
	})
	if in != nil {
		sr.Inputs = append(sr.Inputs, in)
	}
	if err != nil || in.Failed() {
		return err // a failed pull's checkpoints saved its cursor already
	}
	// The cursor is the pull's last checkpoint, not until: a puller may
	// stop short of it (Amazon shows the last minutes late). A pull that
	// marked none keeps the cursor it had.
	if !in.Checkpoint.IsZero() {
		cursor := in.Checkpoint
		sr.cursor = &cursor
	}
	return nil
}

// saveState records what the committed run read of a source.
func (j *Job) saveState(sr *SourceRun) error {
	if sr.Err != nil || sr.state == nil {
		return nil
	}
	changed := false
	for _, in := range sr.Inputs {
		if in.Failed() || in.SHA256 == "" {
			continue
		}
		sr.state.Files[in.Path] = dataset.FileState{SHA256: in.SHA256, Size: in.Size, Rows: in.Rows, ReadAt: j.run.Now()}
		changed = true
	}
	if sr.cursor != nil && !sr.Failed() {
		sr.state.Cursor = sr.cursor
		changed = true
	}
	if !changed {
		return nil
	}
	sr.state.RunID = j.run.ID()
	return dataset.SaveSourceState(j.run.Dir(), sr.Config.Name, sr.state)
}

// saveCheckpoint runs after a long pull committed midway (see
// importer.Run.AfterCheckpoint): everything the run read so far is in the
// dataset, so each source's state catches up with it, and the pulling
// source's cursor moves to the pull's checkpoint. A run killed after this
// resumes from there, minus the look-back.
func (j *Job) saveCheckpoint(pull *importer.Input) error {
	for _, sr := range j.Sources {
		if sr.state == nil || sr.Err != nil {
			continue
		}
		if pull.Path != "api:"+sr.Config.Name {
			if err := j.saveState(sr); err != nil {
				return err
			}
			continue
		}
		cursor := pull.Checkpoint
		sr.state.Cursor = &cursor
		sr.state.RunID = j.run.ID()
		if err := dataset.SaveSourceState(j.run.Dir(), sr.Config.Name, sr.state); err != nil {
			return err
		}
	}
	return nil
}

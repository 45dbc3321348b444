package cmd

import (
	"errors"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/importer"
)

// apiSettle is how far behind now an API pull stops: APIs show a change a
// little after it happens (Amazon asks for two minutes), and the next run
// starts from here minus the look-back anyway.
const apiSettle = 2 * time.Minute

// pullsAPI reports whether a connector can pull orders from an API.
func pullsAPI(c connectors.Connector) bool {
	_, ok := c.(connectors.APIPuller)
	return ok
}

// syncAPI pulls an API source from its cursor, minus the look-back window,
// to a little before now.
func syncAPI(run *importer.Run, sr *sourceRun) error {
	c, _ := connectors.Lookup(sr.cfg.Connector)
	puller := c.(connectors.APIPuller)
	since := sr.cfg.start
	if sr.state.Cursor != nil {
		since = sr.state.Cursor.Add(-sr.cfg.lookback)
	}
	if since.IsZero() {
		sr.err = errors.New("start: the first pull of an API source needs a start date (start: 2025-01-01)")
		return nil
	}
	until := run.Now().Add(-apiSettle)
	in, err := run.Pull(puller, connectors.APISource{
		Name:     sr.cfg.Name,
		Account:  sr.cfg.Account,
		BaseURL:  sr.cfg.API["base_url"],
		TokenURL: sr.cfg.API["token_url"],
		Settings: sr.cfg.API,
		Since:    since,
		Until:    until,
		Tokens:   dataset.Tokens(run.Dir(), sr.cfg.Name),
	})
	if in != nil {
		sr.inputs = append(sr.inputs, in)
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

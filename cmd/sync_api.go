package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/apiclient"
	"github.com/orderhist/orderhist/output"
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
func (r *importRun) syncAPI(sr *sourceRun) error {
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
	until := r.now.Add(-apiSettle)
	src := connectors.APISource{
		Name:     sr.cfg.Name,
		Account:  sr.cfg.Account,
		BaseURL:  sr.cfg.API["base_url"],
		TokenURL: sr.cfg.API["token_url"],
		Settings: sr.cfg.API,
		Since:    since,
		Until:    until,
		Tokens:   &fileTokenStore{path: filepath.Join(r.g.out, stateDir, "tokens", sr.cfg.Name+".json")},
	}
	in := r.addInput("api:" + sr.cfg.Name)
	in.rank = "2" + r.now.Format(time.RFC3339Nano)
	in.match.Connector, in.match.Layout = sr.cfg.Connector, "api"
	sr.inputs = append(sr.inputs, in)
	bar := newProgress(r.g, &r.barBusy, sr.cfg.Name, -1, sr.cfg.Connector)
	defer bar.Finish()
	if err := r.consume(r.ctx, in, puller.Pull(r.ctx, src), bar); err != nil {
		return err
	}
	if in.failed() {
		in.err = fmt.Errorf("%s error: %w", apiclient.Class(in.err), in.err)
		return nil
	}
	sr.cursor = &until
	return nil
}

// fileTokenStore keeps a source's tokens in _state/tokens/NAME.json (0600).
// Save is durable before it returns: a rotated refresh token that is lost
// would lock the seller out of the marketplace.
type fileTokenStore struct {
	path string
}

func (s *fileTokenStore) Load(ctx context.Context) (connectors.Token, bool, error) {
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return connectors.Token{}, false, nil
	}
	if err != nil {
		return connectors.Token{}, false, err
	}
	var t connectors.Token
	if err := json.Unmarshal(b, &t); err != nil {
		return connectors.Token{}, false, fmt.Errorf("token file %s is damaged: %w", s.path, err)
	}
	return t, true, nil
}

func (s *fileTokenStore) Save(ctx context.Context, t connectors.Token) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return output.WriteFileAtomic(s.path, b, 0o600)
}

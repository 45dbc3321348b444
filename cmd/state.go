package cmd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/orderhist/orderhist/output"
)

// sourceState is what sync remembers of one source between runs, in
// _state/sources/NAME.json. It is written only after the data it covers is
// committed, so a crash in between makes the next run read that data again
// (merged, never duplicated) rather than lose it.
type sourceState struct {
	// Files are the exports already read, by path, with their content hash:
	// a file whose hash changed is read again.
	Files map[string]fileState `json:"files,omitempty"`
	// Cursor is the last-update time up to which an API was pulled.
	Cursor *time.Time `json:"cursor,omitempty"`
	// RunID is the run that last committed this source.
	RunID string `json:"run_id,omitempty"`
}

type fileState struct {
	SHA256 string    `json:"sha256"`
	Size   int64     `json:"size"`
	Rows   int64     `json:"rows"`
	ReadAt time.Time `json:"read_at"`
}

func statePath(out, source string) string {
	return filepath.Join(out, stateDir, "sources", source+".json")
}

func loadState(out, source string) (*sourceState, error) {
	b, err := os.ReadFile(statePath(out, source))
	if errors.Is(err, fs.ErrNotExist) {
		return &sourceState{Files: map[string]fileState{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var s sourceState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state of source %s (%s) is damaged: %w; remove it to read the source from its start", source, statePath(out, source), err)
	}
	if s.Files == nil {
		s.Files = map[string]fileState{}
	}
	return &s, nil
}

// seen reports whether a file with this content was already read, under
// any name: renaming an export does not make it new.
func (s *sourceState) seen(sha string) bool {
	for _, f := range s.Files {
		if f.SHA256 == sha {
			return true
		}
	}
	return false
}

func saveState(out, source string, s *sourceState) error {
	dir := filepath.Dir(statePath(out, source))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return output.WriteFileAtomic(statePath(out, source), append(b, '\n'), 0o600)
}

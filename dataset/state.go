package dataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// SourceState is what sync remembers of one source between runs, in
// _state/sources/NAME.json. It is written only after the data it covers is
// committed, so a crash in between makes the next run read that data again
// (merged, never duplicated) rather than lose it.
type SourceState struct {
	// Files are the exports already read, by path, with their content hash:
	// a file whose hash changed is read again.
	Files map[string]FileState `json:"files,omitempty"`
	// Cursor is the last-update time up to which an API was pulled.
	Cursor *time.Time `json:"cursor,omitempty"`
	// RunID is the run that last committed this source.
	RunID string `json:"run_id,omitempty"`
}

// FileState is what sync remembers of one export it read.
type FileState struct {
	SHA256 string    `json:"sha256"`
	Size   int64     `json:"size"`
	Rows   int64     `json:"rows"`
	ReadAt time.Time `json:"read_at"`
}

func statePath(dir, source string) string {
	return filepath.Join(dir, StateDir, "sources", source+".json")
}

// LoadSourceState reads the state of a source of the dataset in dir; a
// source never run has an empty state.
func LoadSourceState(dir, source string) (*SourceState, error) {
	b, err := os.ReadFile(statePath(dir, source))
	if errors.Is(err, fs.ErrNotExist) {
		return &SourceState{Files: map[string]FileState{}}, nil
	}
	if err != nil {
		return nil, err
	}
	var s SourceState
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("state of source %s (%s) is damaged: %w; remove it to read the source from its start", source, statePath(dir, source), err)
	}
	if s.Files == nil {
		s.Files = map[string]FileState{}
	}
	return &s, nil
}

// Seen reports whether a file with this content was already read, under
// any name: renaming an export does not make it new.
func (s *SourceState) Seen(sha string) bool {
	for _, f := range s.Files {
		if f.SHA256 == sha {
			return true
		}
	}
	return false
}

// SaveSourceState writes the state of a source, durably.
func SaveSourceState(dir, source string, s *SourceState) error {
	if err := os.MkdirAll(filepath.Dir(statePath(dir, source)), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteFileAtomic(statePath(dir, source), append(b, '\n'), 0o600)
}

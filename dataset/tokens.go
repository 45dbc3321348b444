package dataset

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/orderhist/orderhist/connectors"
)

// TokenStore keeps an API source's tokens in _state/tokens/NAME.json
// (0600). Save is durable before it returns: a rotated refresh token that is
// lost would lock the seller out of the marketplace.
type TokenStore struct {
	path string
}

// Tokens is the token store of a source of the dataset in dir.
func Tokens(dir, source string) *TokenStore {
	return &TokenStore{path: filepath.Join(dir, StateDir, "tokens", source+".json")}
}

// Load returns the saved token, and false when none was saved.
func (s *TokenStore) Load(ctx context.Context) (connectors.Token, bool, error) {
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

// Save replaces the saved token.
func (s *TokenStore) Save(ctx context.Context, t connectors.Token) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return err
	}
	b, err := json.Marshal(t)
	if err != nil {
		return err
	}
	return WriteFileAtomic(s.path, b, 0o600)
}

package dataset

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/orderhist/orderhist/internal/pii"
)

// PIIMismatchError says a run's --pii mode or key is not the one the
// dataset was written with: hashed values from two keys, or clear values
// beside hashed ones, would never join.
type PIIMismatchError struct{ msg string }

func (e *PIIMismatchError) Error() string { return e.msg }

// CheckPII refuses a run that would write the dataset in dir with another
// mode or key than it was written with. m is the dataset's manifest (nil
// for a new dataset).
func CheckPII(dir string, m *Manifest, p *pii.Protector) error {
	if m == nil || m.PII == "" {
		return nil
	}
	if m.PII != string(p.Mode()) {
		return &PIIMismatchError{fmt.Sprintf("the dataset in %s was written with --pii %s; use the same mode (changing it means rebuilding the dataset from the exports)", dir, m.PII)}
	}
	if m.PIIKeyCheck != "" && m.PIIKeyCheck != p.KeyCheck() {
		return &PIIMismatchError{fmt.Sprintf("$%s is not the key the dataset in %s was hashed with", pii.KeyEnv, dir)}
	}
	return nil
}

// IdentityProtector is how the identities table stores values in the
// dataset in dir, written under p. Under hash they use the seller's key,
// like every other table. Under drop they are still kept, as keyed hashes
// under a key that never leaves _state (_state/identity.key, made on first
// use), because without them customers could not keep their ids from one
// run to the next; without the key, nobody can test them against a guessed
// CPF.
func IdentityProtector(dir string, p *pii.Protector) (*pii.Protector, error) {
	if p.Mode() != pii.Drop {
		return p, nil
	}
	path := filepath.Join(dir, StateDir, "identity.key")
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		b := make([]byte, 32)
		rand.Read(b)
		key = []byte(hex.EncodeToString(b))
		if err := WriteFileAtomic(path, key, 0o600); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	return pii.New(string(pii.Hash), strings.TrimSpace(string(key)))
}

// ErrLookupDropped says a dataset written under --pii drop keeps no
// personal value to look a customer up by: its identities are hashed under
// a key kept only so ids stay stable from run to run, and using that key to
// answer lookups would make the dataset test any guessed CPF.
var ErrLookupDropped = errors.New("the dataset was written with --pii drop: it keeps no names, documents, e-mails, phones or usernames, so only a customer id can be looked up (orderhist export customers lists the ids)")

// LookupProtector is how a typed identifier must be transformed to be
// compared with the personal values of the dataset whose manifest is m: in
// clear as it is, under hash with the key in $ORDERHIST_PII_KEY, which must
// be the key the dataset was written with. Under drop it returns
// ErrLookupDropped. It only reads.
func LookupProtector(m *Manifest) (*pii.Protector, error) {
	if m == nil || m.PII == "" || m.PII == string(pii.Clear) {
		return pii.New(string(pii.Clear), "")
	}
	switch pii.Mode(m.PII) {
	case pii.Drop:
		return nil, ErrLookupDropped
	case pii.Hash:
		key := os.Getenv(pii.KeyEnv)
		if key == "" {
			return nil, pii.ErrNoKey
		}
		p, err := pii.New(m.PII, key)
		if err != nil {
			return nil, err
		}
		if m.PIIKeyCheck != "" && m.PIIKeyCheck != p.KeyCheck() {
			return nil, &PIIMismatchError{fmt.Sprintf("$%s is not the key the dataset was hashed with", pii.KeyEnv)}
		}
		return p, nil
	}
	return nil, fmt.Errorf("the dataset's manifest names an unknown --pii mode %q", m.PII)
}

// Package pii decides how buyers' personal data is stored, under Brazil's
// LGPD: in clear, as keyed hashes that still join across tables and runs,
// or not at all.
//
// Personal: names, CPF/CNPJ, e-mails, phones, marketplace usernames and
// street addresses. Not personal here: city, UF, country, and the CEP's
// five-digit prefix (a CEP can point at a single building, its prefix at a
// district), which a data team needs for regional analysis; under hash and
// drop the CEP keeps only that prefix.
package pii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// Mode is how personal data is stored.
type Mode string

const (
	Clear Mode = "clear"
	Hash  Mode = "hash"
	Drop  Mode = "drop"
)

// KeyEnv is the environment variable that holds the hashing key.
const KeyEnv = "ORDERHIST_PII_KEY"

// minKeyBytes keeps the key out of brute-force reach: CPFs have only 10^9
// possible values, so an unkeyed or short-keyed hash would be reversible by
// enumeration.
const minKeyBytes = 16

// HashPrefix marks a hashed value, so a reader never mistakes it for data.
const HashPrefix = "h1:"

// Protector applies a mode.
type Protector struct {
	mode Mode
	key  []byte
}

// New returns the protector for a mode; hash needs the key (at least 16
// bytes) and refuses to run without one.
func New(mode string, key string) (*Protector, error) {
	switch Mode(mode) {
	case Clear, Drop:
		return &Protector{mode: Mode(mode)}, nil
	case Hash:
		if len(key) < minKeyBytes {
			if key == "" {
				return nil, fmt.Errorf("--pii hash needs a key in $%s (at least %d bytes; keep it outside the dataset)", KeyEnv, minKeyBytes)
			}
			return nil, fmt.Errorf("$%s is too short: use at least %d bytes", KeyEnv, minKeyBytes)
		}
		return &Protector{mode: Hash, key: []byte(key)}, nil
	}
	return nil, fmt.Errorf("--pii must be clear, hash or drop, not %q", mode)
}

// Mode is the protector's mode.
func (p *Protector) Mode() Mode { return p.mode }

// Value protects one personal value of a kind (cpf, email, phone, name…).
// The kind is part of the hash, so a phone and a CPF with the same digits
// never collide, and the same value of the same kind always hashes the
// same with the same key: hashed values still join and match.
func (p *Protector) Value(kind, v string) string {
	if v == "" {
		return ""
	}
	switch p.mode {
	case Hash:
		if Hashed(v) {
			// Read back from the dataset: hashed once already.
			return v
		}
		return HashPrefix + p.hash(kind, v)
	case Drop:
		return ""
	}
	return v
}

func (p *Protector) hash(kind, v string) string {
	m := hmac.New(sha256.New, p.key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// PostalCode keeps a CEP in clear mode, and only its five-digit prefix
// otherwise.
func (p *Protector) PostalCode(cep string) string {
	if p.mode == Clear || len(cep) < 5 {
		return cep
	}
	return cep[:5] + "000"
}

// KeyCheck is a value that tells, without revealing the key, whether two
// runs hash with the same key.
func (p *Protector) KeyCheck() string {
	if p.mode != Hash {
		return ""
	}
	return p.hash("key-check", "orderhist")[:16]
}

// Hashed reports whether v is a value this package hashed.
func Hashed(v string) bool { return strings.HasPrefix(v, HashPrefix) }

// ErrNoKey is returned when a hashed dataset is opened without its key.
var ErrNoKey = errors.New("the dataset stores hashed personal data: set the same $" + KeyEnv + " it was written with")

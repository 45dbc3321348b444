package pii

import (
	"strings"
	"testing"
)

func TestModes(t *testing.T) {
	key := "0123456789abcdef-test-key"
	for _, tc := range []struct {
		mode, key string
		err       string
	}{
		{"clear", "", ""},
		{"drop", "", ""},
		{"hash", key, ""},
		{"hash", "", "needs a key"},
		{"hash", "short", "too short"},
		{"rot13", "", "must be clear"},
	} {
		_, err := New(tc.mode, tc.key)
		if (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("New(%q, %q): %v, want %q", tc.mode, tc.key, err, tc.err)
		}
	}
	clear, _ := New("clear", "")
	hash, _ := New("hash", key)
	other, _ := New("hash", key+"x")
	drop, _ := New("drop", "")
	if clear.Value("cpf", "12345678909") != "12345678909" || drop.Value("cpf", "12345678909") != "" {
		t.Error("clear or drop")
	}
	h := hash.Value("cpf", "12345678909")
	if !Hashed(h) || strings.Contains(h, "12345678909") || len(h) != len(HashPrefix)+64 {
		t.Errorf("hash %q", h)
	}
	if hash.Value("cpf", "12345678909") != h {
		t.Error("the same key and value must hash alike, so hashed values still join")
	}
	if hash.Value("phone", "12345678909") == h || other.Value("cpf", "12345678909") == h {
		t.Error("another kind or another key must hash differently")
	}
	if hash.Value("cpf", "") != "" {
		t.Error("an empty value stays empty")
	}
	if hash.PostalCode("01001000") != "01001000"[:5]+"000" || clear.PostalCode("01001000") != "01001000" {
		t.Error("CEP prefix")
	}
}

package local

import (
	"testing"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/backendtest"
)

func TestConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) backend.Backend {
		s, err := Open(t.TempDir(), Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}, backendtest.Options{PartSize: 1 << 20})
}

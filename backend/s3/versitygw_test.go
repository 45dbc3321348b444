package s3

import (
	"testing"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/backendtest"
	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// testPartSize is S3's smallest part, so the large-object cases are
// several parts without writing much.
const testPartSize = 5 << 20

func openVersity(t *testing.T, srv *s3test.Server, prefix string) *Store {
	t.Helper()
	url := "s3://" + srv.Bucket(t)
	if prefix != "" {
		url += "/" + prefix
	}
	s, err := Open(s3test.Context(t), url, Config{PartSize: testPartSize, Concurrency: 2})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformanceVersity(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	for _, prefix := range []string{"", "team/orderhist"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			backendtest.Run(t, func(t *testing.T) backend.Backend { return openVersity(t, srv, prefix) },
				backendtest.Options{PartSize: testPartSize, Rounds: 10})
		})
	}
}

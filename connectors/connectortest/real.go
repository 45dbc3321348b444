package connectortest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orderhist/orderhist/connectors"
)

// RealData returns the path of a real export kept beside the repository
// (../shared/real from the repository root), or skips the test when it is
// not there: the exports carry no licence and never enter the repository.
func RealData(t testing.TB, elem ...string) string {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Skipf("real exports: %v", err)
	}
	p := filepath.Join(append([]string{root, "..", "shared", "real"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("real export not available: %v", err)
	}
	return p
}

// repoRoot walks up from the package directory to the folder of go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// ReadReal detects and reads a real export, failing the test when the
// connector does not claim it or the file fails.
func ReadReal(t testing.TB, c connectors.FileReader, path string) (connectors.Match, Result) {
	t.Helper()
	s, err := connectors.ReadSample(path)
	if err != nil {
		t.Fatalf("ReadSample: %v", err)
	}
	m := c.Detect(s)
	if !m.Usable() {
		t.Fatalf("%s does not detect %s: %+v", c.Info().Name, path, m)
	}
	res := Read(t.Context(), c, path)
	if res.Err != nil {
		t.Fatalf("ReadFile: %v", res.Err)
	}
	return m, res
}

// Bench reads path b.N times and reports rows per second; rows is how many
// data rows the file has.
func Bench(b *testing.B, c connectors.FileReader, path string, rows int) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	iters := 0
	for b.Loop() {
		iters++
		n := 0
		for rec, err := range c.ReadFile(b.Context(), connectors.File{Path: path}) {
			if err != nil {
				b.Fatal(err)
			}
			if rec.Order != nil {
				n++
			}
		}
		if n == 0 {
			b.Fatal("no orders read")
		}
	}
	b.ReportMetric(float64(rows)*float64(iters)/b.Elapsed().Seconds(), "rows/s")
}

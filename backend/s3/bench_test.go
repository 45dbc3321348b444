package s3

import (
	"bufio"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/local"
	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// benchSize is about one large Parquet file of a big import.
const benchSize = 200 << 20

// repeating is a non-seekable body of n bytes that repeats one random
// block, so making the body costs nothing next to sending it.
type repeating struct {
	block []byte
	off   int
	left  int64
}

func newRepeating(n int64) *repeating {
	b := make([]byte, 1<<20)
	rand.NewChaCha8([32]byte{7}).Read(b)
	return &repeating{block: b, left: n}
}

func (r *repeating) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(int64(len(p)), r.left)], r.block[r.off:])
	r.off = (r.off + n) % len(r.block)
	r.left -= int64(n)
	return n, nil
}

// resetPeakRSS makes VmHWM start again from the current RSS (Linux only;
// elsewhere the peak covers the whole process).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS is VmHWM in MiB, or 0 where /proc is missing.
func peakRSS() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func benchStores(b *testing.B) map[string]backend.Backend {
	ls, err := local.Open(b.TempDir(), local.Options{})
	if err != nil {
		b.Fatal(err)
	}
	stores := map[string]backend.Backend{"local": ls}
	if s3test.Binary() != "" {
		srv := s3test.Start(b)
		srv.Env(b)
		s, err := Open(context.Background(), "s3://"+srv.Bucket(b)+"/bench", Config{})
		if err != nil {
			b.Fatal(err)
		}
		stores["versitygw"] = s
	}
	return stores
}

// BenchmarkStores writes and reads a 200 MiB object through each store
// with the default settings (8 MiB parts, 4 at a time for S3). B/op and
// peakRSS-MiB show that memory stays bounded by the parts, not the object.
func BenchmarkStores(b *testing.B) {
	ctx := context.Background()
	stores := benchStores(b)
	for _, name := range []string{"local", "versitygw"} {
		s, ok := stores[name]
		if !ok {
			b.Logf("versitygw is not installed: no S3 numbers")
			continue
		}
		b.Run("put/"+name, func(b *testing.B) {
			b.SetBytes(benchSize)
			b.ReportAllocs()
			resetPeakRSS()
			for b.Loop() {
				if _, err := s.Put(ctx, "big.bin", newRepeating(benchSize), backend.Cond{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(peakRSS(), "peakRSS-MiB")
		})
		b.Run("get/"+name, func(b *testing.B) {
			if _, err := s.Stat(ctx, "big.bin"); err != nil {
				if _, err := s.Put(ctx, "big.bin", newRepeating(benchSize), backend.Cond{}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(benchSize)
			b.ReportAllocs()
			resetPeakRSS()
			for b.Loop() {
				rc, _, err := s.Open(ctx, "big.bin")
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, rc)
				rc.Close()
				if err != nil || n != benchSize {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
			b.ReportMetric(peakRSS(), "peakRSS-MiB")
		})
	}
}

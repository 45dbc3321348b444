package importer

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func TestRankCompare(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	const shaLow, shaHigh = "0000000000000000000000000000000000000000000000000000000000000001", "f000000000000000000000000000000000000000000000000000000000000000"
	for _, tc := range []struct {
		name string
		a, b rank
		want int
	}{
		{"dataset below file", datasetRank, fileRank(shaLow), -1},
		{"dataset below pull", datasetRank, pullRank(at, 0), -1},
		// A file whose hash starts with f ranked above a pull when ranks
		// were plain strings ("1f…" > "12…").
		{"file below pull whatever its hash", fileRank(shaHigh), pullRank(at, 0), -1},
		{"file below pull of any time", fileRank(shaHigh), pullRank(time.Time{}, 0), -1},
		{"files by hash", fileRank(shaLow), fileRank(shaHigh), -1},
		{"same file", fileRank(shaLow), fileRank(shaLow), 0},
		{"pulls by time", pullRank(at, 5), pullRank(at.Add(time.Nanosecond), 0), -1},
		{"pulls of one time by input order", pullRank(at, 1), pullRank(at, 2), -1},
		{"dataset copies tie", datasetRank, datasetRank, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.compare(tc.b); got != tc.want {
				t.Errorf("compare = %d, want %d", got, tc.want)
			}
			if got := tc.b.compare(tc.a); got != -tc.want {
				t.Errorf("reversed compare = %d, want %d", got, -tc.want)
			}
			if got := strings.Compare(tc.a.key(), tc.b.key()); got != tc.want {
				t.Errorf("keys %q and %q compare %d, want %d", tc.a.key(), tc.b.key(), got, tc.want)
			}
		})
	}
}

// TestRankKeyOrdersAsCompare holds the string key normalize compares to
// the typed comparison, over ranks that differ in every field, including
// pull times whose RFC 3339 forms would sort wrongly (a whole second after
// a fraction).
func TestRankKeyOrdersAsCompare(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	gen := func() rank {
		switch rng.IntN(3) {
		case 0:
			return datasetRank
		case 1:
			return fileRank(fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64N(4), rng.Uint64(), rng.Uint64(), rng.Uint64()))
		}
		at := base.Add(time.Duration(rng.IntN(3))*time.Second + time.Duration(rng.IntN(3))*500*time.Millisecond)
		if rng.IntN(2) == 0 {
			at = at.In(time.FixedZone("BRT", -3*3600))
		}
		return pullRank(at, rng.IntN(3))
	}
	for range 20000 {
		a, b := gen(), gen()
		if got, want := strings.Compare(a.key(), b.key()), a.compare(b); got != want {
			t.Fatalf("%+v vs %+v: keys %q and %q compare %d, ranks %d", a, b, a.key(), b.key(), got, want)
		}
	}
}

package importer

import (
	"cmp"
	"fmt"
	"strings"
	"time"
)

// origin is where a sighting of an order comes from.
type origin uint8

const (
	// fromDataset is the dataset's own copy, as an earlier run left it.
	fromDataset origin = iota
	// fromFile is an export file read in this run.
	fromFile
	// fromPull is an API pull of this run.
	fromPull
)

// rank orders the sightings of one order that normalize.Merge cannot tell
// apart by their own updated_at and status; the higher rank is the newer
// sighting. Fields are compared in this order:
//
//  1. origin: the dataset's copy ranks below everything read now, and a
//     file below an API pull of the same run. A pull shows the order as the
//     marketplace has it when the run starts; an export was downloaded at
//     some earlier time that the file does not say.
//  2. files among themselves: by content hash, so the same files given in
//     any order give the same dataset.
//  3. pulls among themselves: by the time they ran, then by the order the
//     sources were added in.
type rank struct {
	origin   origin
	sha256   string    // fromFile: the file's content hash, lower-case hex
	pulledAt time.Time // fromPull
	index    int       // fromPull: the input's place in the run
}

func fileRank(sha256 string) rank { return rank{origin: fromFile, sha256: sha256} }

func pullRank(at time.Time, index int) rank {
	return rank{origin: fromPull, pulledAt: at, index: index}
}

// datasetRank is the rank of the dataset's own copy of an order.
var datasetRank = rank{origin: fromDataset}

// compare returns -1, 0 or +1 as a ranks below, like or above b.
func (a rank) compare(b rank) int {
	if c := cmp.Compare(a.origin, b.origin); c != 0 {
		return c
	}
	switch a.origin {
	case fromFile:
		return strings.Compare(a.sha256, b.sha256)
	case fromPull:
		return cmp.Or(a.pulledAt.Compare(b.pulledAt), cmp.Compare(a.index, b.index))
	}
	return 0
}

// pullTimeLayout is fixed-width, unlike RFC 3339 with trimmed fractions,
// so that later times give greater strings.
const pullTimeLayout = "20060102150405.000000000"

// key encodes the rank as normalize.Sighting.Rank, which normalize
// compares as a string: every field is written at a fixed width, so
// strings compare as the ranks do (TestRankKeyOrdersAsCompare holds them
// to it). It is also how a sighting is traced back to its input.
func (a rank) key() string {
	switch a.origin {
	case fromFile:
		return fmt.Sprintf("1%064s", a.sha256)
	case fromPull:
		return fmt.Sprintf("2%s%010d", a.pulledAt.UTC().Format(pullTimeLayout), a.index)
	}
	return "0"
}

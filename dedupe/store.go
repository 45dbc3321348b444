package dedupe

import (
	"encoding/binary"
	"math"
)

// chunked is an append-only list in fixed-size chunks. Growing one slice
// of millions of records copies it over and over and briefly holds it
// twice; chunks are allocated once and never move.
type chunked[T any] struct {
	c [][]T
	n int
}

const (
	chunkBits = 14
	chunkLen  = 1 << chunkBits
)

func (c *chunked[T]) add(v T) uint32 {
	if c.n&(chunkLen-1) == 0 {
		c.c = append(c.c, make([]T, 0, chunkLen))
	}
	last := &c.c[len(c.c)-1]
	*last = append(*last, v)
	c.n++
	return uint32(c.n - 1)
}

func (c *chunked[T]) at(i uint32) *T { return &c.c[i>>chunkBits][i&(chunkLen-1)] }

// each calls f for every element in order, releasing each chunk once it
// has been visited when release is set.
func (c *chunked[T]) each(release bool, f func(i uint32, v *T)) {
	for ci, chunk := range c.c {
		base := uint32(ci) << chunkBits
		for j := range chunk {
			f(base+uint32(j), &chunk[j])
		}
		if release {
			c.c[ci] = nil
		}
	}
	if release {
		c.c, c.n = nil, 0
	}
}

// arena stores strings back to back in 1 MiB blocks, each prefixed with
// its length; a reference is block<<20 | offset. Values are short
// (identifiers, order ids), so a block wastes little at its end.
type arena struct {
	blocks [][]byte
}

const (
	arenaBits  = 20
	arenaBlock = 1 << arenaBits
	// maxArenaValue bounds one value, so that it always fits a block.
	maxArenaValue = 1 << 16
)

// add stores a+b+c and returns its reference, or false when the arena is
// full (4 GiB) or the value too long.
func (a *arena) add(parts ...string) (uint32, bool) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n > maxArenaValue {
		return 0, false
	}
	need := n + binary.MaxVarintLen32
	if len(a.blocks) == 0 || len(a.blocks[len(a.blocks)-1])+need > arenaBlock {
		if len(a.blocks) >= math.MaxUint32>>arenaBits {
			return 0, false
		}
		a.blocks = append(a.blocks, make([]byte, 0, arenaBlock))
	}
	bi := len(a.blocks) - 1
	b := a.blocks[bi]
	ref := uint32(bi)<<arenaBits | uint32(len(b))
	b = binary.AppendUvarint(b, uint64(n))
	for _, p := range parts {
		b = append(b, p...)
	}
	a.blocks[bi] = b
	return ref, true
}

func (a *arena) get(ref uint32) []byte {
	b := a.blocks[ref>>arenaBits][ref&(arenaBlock-1):]
	n, w := binary.Uvarint(b)
	return b[w : w+int(n)]
}

func (a *arena) size() int { return len(a.blocks) * arenaBlock }

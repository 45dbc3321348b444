package importer

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// softMemoryLimit is the heap size the garbage collector aims to stay under
// while the live heap is well below it. Without it the collector lets the
// heap grow to twice the live data, which at the resolver's peak is most of
// the run's RSS.
const softMemoryLimit = 256 << 20

// maxHeapHeadroom caps how far above the live heap the limit is set. Half
// the live heap is room enough to collect seldom; past 512 MiB of live data
// half would add hundreds of megabytes to the peak, while the data then is
// mostly flat arrays the collector does not need to scan.
const maxHeapHeadroom = 256 << 20

// memoryLimitFor is the soft memory limit for a live heap of live bytes:
// softMemoryLimit, or 1.5× the live heap when that is larger, but never more
// than maxHeapHeadroom above it, so a run whose live data outgrows
// softMemoryLimit (tens of millions of orders) is not made to collect
// without end, nor given memory it does not need.
func memoryLimitFor(live int64) int64 {
	return max(softMemoryLimit, live+min(live/2, maxHeapHeadroom))
}

// tuneMemoryLimit sets the soft memory limit for the live heap now.
// GOMEMLIMIT, when set, wins.
func tuneMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	var live int64
	if sample[0].Value.Kind() == metrics.KindUint64 {
		live = int64(sample[0].Value.Uint64())
	}
	debug.SetMemoryLimit(memoryLimitFor(live))
}

// governMemory keeps the soft memory limit ahead of the live heap for the
// whole run, until stop is called: where the live heap grows within a stage
// to near a limit set only between stages (the resolver's result, two busy
// months being written), the collector would run almost without pause. It
// also sets GOGC to gcPercent, unless GOGC is set or gcPercent is negative,
// until stop: while files are read the live heap is small, and at the
// default of 100 the collector would run many times a second to keep the
// heap under twice that, while the soft memory limit still caps the heap
// where the live data is large.
func governMemory(gcPercent int) (stop func()) {
	restoreGC := func() {}
	if os.Getenv("GOGC") == "" && gcPercent > 0 {
		prev := debug.SetGCPercent(gcPercent)
		restoreGC = func() { debug.SetGCPercent(prev) }
	}
	tuneMemoryLimit()
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				tuneMemoryLimit()
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		restoreGC()
	}
}

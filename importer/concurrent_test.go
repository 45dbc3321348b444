package importer

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"testing"
)

func TestEachConcurrently(t *testing.T) {
	boom := errors.New("boom")
	items := make([]int, 100)
	for i := range items {
		items[i] = i
	}
	for _, tc := range []struct {
		name    string
		workers int
		failAt  int // -1: never
		want    error
	}{
		{"one worker", 1, -1, nil},
		{"two workers", 2, -1, nil},
		{"more workers than items", 500, -1, nil},
		{"zero workers means one", 0, -1, nil},
		{"first error wins", 2, 10, boom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			seen := map[int]bool{}
			var running, peak atomic.Int32
			err := eachConcurrently(t.Context(), tc.workers, items, func(ctx context.Context, i int) error {
				n := running.Add(1)
				defer running.Add(-1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				mu.Lock()
				seen[i] = true
				mu.Unlock()
				if i == tc.failAt {
					return boom
				}
				if tc.failAt >= 0 && i > tc.failAt {
					// Work started after the failure sees a cancelled
					// context, and its error must not replace the first.
					<-ctx.Done()
					return ctx.Err()
				}
				return nil
			})
			if !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if limit := int32(max(1, min(tc.workers, len(items)))); peak.Load() > limit {
				t.Errorf("%d calls at once, limit %d", peak.Load(), limit)
			}
			if tc.want == nil && len(seen) != len(items) {
				t.Errorf("%d of %d items done", len(seen), len(items))
			}
			if tc.want != nil && len(seen) == len(items) {
				t.Error("every item was started after the first error")
			}
		})
	}
}

func TestEachConcurrentlyCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	calls := 0
	err := eachConcurrently(ctx, 2, []int{1, 2, 3}, func(context.Context, int) error { calls++; return nil })
	if !errors.Is(err, context.Canceled) || calls != 0 {
		t.Fatalf("err = %v after %d calls, want context.Canceled and none", err, calls)
	}
}

func TestMemoryLimitFor(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct{ live, want int64 }{
		{0, softMemoryLimit},
		{100 * mib, softMemoryLimit},     // 150 MiB is under the floor
		{200 * mib, 300 * mib},           // 1.5× the live heap
		{512 * mib, 768 * mib},           // where half the live heap reaches the cap
		{1024 * mib, 1280 * mib},         // capped: live + 256 MiB, not 1.5 GiB
		{4096 * mib, 4096*mib + 256*mib}, // the cap holds for any size
	} {
		if got := memoryLimitFor(tc.live); got != tc.want {
			t.Errorf("memoryLimitFor(%d MiB) = %d MiB, want %d MiB", tc.live/mib, got/mib, tc.want/mib)
		}
	}
}

// The run's collector setting holds while it runs and is undone after; a
// GOGC the user set is left alone.
func TestGovernMemoryGCPercent(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	for _, tc := range []struct {
		env        string
		want, left int
	}{
		{"", 400, 100},
		{"200", 100, 100}, // as set above, standing in for the user's GOGC
	} {
		t.Setenv("GOGC", tc.env)
		stop := governMemory(400)
		during := debug.SetGCPercent(-1)
		debug.SetGCPercent(during)
		stop()
		after := debug.SetGCPercent(100)
		if during != tc.want || after != tc.left {
			t.Errorf("GOGC=%q: %d during the run and %d after, want %d and %d", tc.env, during, after, tc.want, tc.left)
		}
	}
}

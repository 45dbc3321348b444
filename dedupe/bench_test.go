package dedupe

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orderhist/orderhist/normalize"
)

// heapPeak samples the live heap while a function runs.
func heapPeak(f func()) (peak uint64) {
	var stop atomic.Bool
	var wg sync.WaitGroup
	var top atomic.Uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for !stop.Load() {
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > top.Load() {
				top.Store(ms.HeapAlloc)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	f()
	stop.Store(true)
	wg.Wait()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return max(top.Load(), ms.HeapAlloc)
}

func liveHeap() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkResolve1M observes a million orders of about 300,000 people and
// resolves them. Run with -benchtime=1x. The time to generate the orders is
// measured apart and left out of ns/order.
func BenchmarkResolve1M(b *testing.B) {
	const people = 300_000
	s := newSynth(1, people, 3.33)
	n := 0
	start, cpu0 := time.Now(), cpuTime()
	s.each(func(*normalize.Order, int) { n++ })
	gen, genCPU := time.Since(start), cpuTime()-cpu0
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		base := liveHeap()
		var res *Result
		var r *Resolver
		var observed, resolved uint64
		var tObserve, tResolve, cpu time.Duration
		var fpOrder, fpIdent float64
		var nid int
		peak := heapPeak(func() {
			c0 := cpuTime()
			defer func() { cpu = cpuTime() - c0 - genCPU }()
			t0 := time.Now()
			r = NewResolver(Options{})
			s.each(func(o *normalize.Order, _ int) { r.Observe(o) })
			tObserve = time.Since(t0) - gen
			observed = liveHeap() - base
			fpOrder, fpIdent = r.footprint(observed)
			nid = r.identChunks.n - 1
			t1 := time.Now()
			var err error
			res, err = r.Resolve(asOf)
			if err != nil {
				b.Fatal(err)
			}
			tResolve = time.Since(t1)
			resolved = liveHeap() - base
		})
		orderB, identB := fpOrder, fpIdent
		b.ReportMetric(float64((tObserve+tResolve).Nanoseconds())/float64(n), "ns/order")
		b.ReportMetric(float64(tObserve.Nanoseconds())/float64(n), "observe-ns/order")
		// CPU time of the process (all threads, GC included), less the
		// generator's: wall time depends on what else the machine runs.
		b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/order")
		b.ReportMetric(tResolve.Seconds(), "resolve-s")
		b.ReportMetric(res.s.scoredTime.Seconds(), "scored-s")
		b.ReportMetric(float64(res.Report().ScoredLinks), "scored-links")
		b.ReportMetric(float64(peak-base)/(1<<20), "peak-heap-MiB")
		b.ReportMetric(float64(observed)/float64(n), "observed-B/order")
		b.ReportMetric(float64(resolved)/float64(n), "result-B/order")
		b.ReportMetric(orderB, "B/order")
		b.ReportMetric(identB, "B/identifier")
		b.ReportMetric(float64(n), "orders")
		b.ReportMetric(float64(nid), "identifiers")
		b.ReportMetric(float64(res.Report().Customers), "customers")
		b.Logf("identifiers by kind %v (name_address includes its corroborated forms: %d in all)", res.Report().Identifiers, nid)
		runtime.KeepAlive(res)
	}
}

// footprint splits the Resolver's live heap (measured after Observe)
// between orders and identifiers: slices by their capacity, and the rest
// (hash maps, interned strings) in proportion to their entries.
func (r *Resolver) footprint(live uint64) (perOrder, perIdent float64) {
	n, m := float64(r.orderChunks.n), float64(r.identChunks.n-1)
	orders := float64(len(r.orderChunks.c)*chunkLen)*48 + float64(r.orderIDs.size()) + float64(len(r.edges.c)*chunkLen)*8
	idents := float64(len(r.identChunks.c)*chunkLen)*16 + float64(r.idVals.size())
	rest := float64(live) - orders - idents
	if rest < 0 {
		rest = 0
	}
	orders += rest * n / (n + m)
	idents += rest * m / (n + m)
	return orders / n, idents / m
}

//go:build !unix

package dedupe

import "time"

// cpuTime has no portable source outside Unix; the benchmark's CPU column
// reads 0 there and only its wall time means anything.
func cpuTime() time.Duration { return 0 }

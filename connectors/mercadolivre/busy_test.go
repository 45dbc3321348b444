//go:build !race

package mercadolivre

import "testing"

// TestPullerConformanceFullSize runs the suite with the search's real limit
// of 10,000 (a busy hour of 10,600 orders, an unsplittable one of 20,100).
// The race detector would make it take minutes, so it runs without it.
func TestPullerConformanceFullSize(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the full-size busy windows take seconds")
	}
	conformance(t)
}

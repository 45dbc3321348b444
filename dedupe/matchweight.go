package dedupe

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ParseMatchWeight reads a match weight as --match-weight and the sync
// configuration's match_weight give it: a positive number of bits, or
// inf/off to link on strong identifiers and corroborated addresses only.
func ParseMatchWeight(s string) (float64, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "inf", "+inf", "off":
		return math.Inf(1), nil
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 {
		return 0, fmt.Errorf("%q must be a positive number of bits, or inf/off to turn scored linking off", s)
	}
	return v, nil
}

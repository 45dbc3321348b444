package cmd

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/pflag"

	"github.com/orderhist/orderhist/dedupe"
)

// parseMatchWeight reads a match weight as --match-weight and sync's
// match_weight take it: a positive number of bits, or inf/off to link on
// strong identifiers and corroborated addresses only.
func parseMatchWeight(s string) (float64, error) {
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

// matchWeightValue is --match-weight, written into the run's options.
type matchWeightValue struct{ w *float64 }

func (m matchWeightValue) String() string {
	switch {
	case *m.w == 0:
		return strconv.FormatFloat(dedupe.DefaultMatchWeight, 'g', -1, 64)
	case math.IsInf(*m.w, 1):
		return "off"
	}
	return strconv.FormatFloat(*m.w, 'g', -1, 64)
}

func (m matchWeightValue) Set(s string) error {
	v, err := parseMatchWeight(s)
	if err != nil {
		return err
	}
	*m.w = v
	return nil
}

func (matchWeightValue) Type() string { return "BITS" }

func addMatchWeightFlag(f *pflag.FlagSet, g *globalOptions) {
	f.Var(matchWeightValue{&g.matchWeight}, "match-weight",
		"match weight, in bits, two orders need to link on name and address alone (higher links less and more surely; inf or off turns it off)")
}

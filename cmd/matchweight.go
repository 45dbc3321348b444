package cmd

import (
	"math"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/orderhist/orderhist/dedupe"
)

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
	v, err := dedupe.ParseMatchWeight(s)
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

package normalize

import (
	"errors"
	"testing"
)

func asValueError(err error, target **ValueError) bool { return errors.As(err, target) }

// reportValues adds throughput to a benchmark that parses one value per
// iteration.
func reportValues(b *testing.B) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, "values/s")
	}
}

// digitsOf keeps the ASCII digits of s, to check that messages never repeat
// a whole personal number.
func digitsOf(s string) string {
	var d []byte
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			d = append(d, s[i])
		}
	}
	return string(d)
}

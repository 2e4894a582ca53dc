package experiment

import (
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/stat"
)

// meanSD returns the mean and the sample standard deviation (n-1; 0 for a
// single value) of v.
func meanSD(v []float64) (m, sd float64) {
	if len(v) < 2 {
		if len(v) == 0 {
			return math.NaN(), math.NaN()
		}
		return v[0], 0
	}
	return stat.MeanStdDev(v, nil)
}

// summary formats values over seeds as "mean ± sd (min–max, n)", scaled by
// scale (100 for percentages).
func summary(v []float64, scale float64, prec int) string {
	if len(v) == 0 {
		return "-"
	}
	m, sd := meanSD(v)
	if len(v) == 1 {
		return fmt.Sprintf("%.*f", prec, scale*m)
	}
	return fmt.Sprintf("%.*f ± %.*f (%.*f–%.*f)", prec, scale*m, prec, scale*sd, prec, scale*slices.Min(v), prec, scale*slices.Max(v))
}

package rng

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// DistKind names a probability distribution of Dist.
type DistKind string

// The distributions of weights and initial states.
const (
	Constant  DistKind = "constant"
	Uniform   DistKind = "uniform"
	Normal    DistKind = "normal"    // truncated at zero where the quantity is a magnitude
	LogNormal DistKind = "lognormal" // mu, sigma of log x
)

// Dist is a distribution of a scalar quantity, as written in spec files.
type Dist struct {
	Kind  DistKind
	Value float64 // constant
	Low   float64 // uniform
	High  float64 // uniform
	Mean  float64 // normal
	SD    float64 // normal
	Mu    float64 // lognormal
	Sigma float64 // lognormal
}

// Const returns the constant distribution at v.
func Const(v float64) Dist { return Dist{Kind: Constant, Value: v} }

// Validate checks the parameters; nonNegative demands that every value the
// distribution can yield is >= 0 (a normal is then truncated at zero).
func (d Dist) Validate(nonNegative bool) error {
	finite := func(name string, v float64) error {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s = %v: must be a finite number", name, v)
		}
		return nil
	}
	switch d.Kind {
	case Constant:
		if err := finite("value", d.Value); err != nil {
			return err
		}
		if nonNegative && d.Value < 0 {
			return fmt.Errorf("value = %g: must be >= 0 (a magnitude; the sign comes from the source population)", d.Value)
		}
	case Uniform:
		if err := finite("low", d.Low); err != nil {
			return err
		}
		if err := finite("high", d.High); err != nil {
			return err
		}
		if d.High < d.Low {
			return fmt.Errorf("high = %g: must be >= low (%g)", d.High, d.Low)
		}
		if nonNegative && d.Low < 0 {
			return fmt.Errorf("low = %g: must be >= 0 (a magnitude; the sign comes from the source population)", d.Low)
		}
	case Normal:
		if err := finite("mean", d.Mean); err != nil {
			return err
		}
		if err := finite("sd", d.SD); err != nil {
			return err
		}
		if d.SD < 0 {
			return fmt.Errorf("sd = %g: must be >= 0", d.SD)
		}
		if nonNegative && (d.Mean < 0 && (d.SD == 0 || d.Mean/d.SD < -8)) {
			return fmt.Errorf("mean = %g, sd = %g: a normal truncated at zero needs mean > -8 sd", d.Mean, d.SD)
		}
	case LogNormal:
		if err := finite("mu", d.Mu); err != nil {
			return err
		}
		if err := finite("sigma", d.Sigma); err != nil {
			return err
		}
		if d.Sigma < 0 {
			return fmt.Errorf("sigma = %g: must be >= 0", d.Sigma)
		}
	case "":
		return fmt.Errorf("dist is missing (want constant, uniform, normal or lognormal)")
	default:
		return fmt.Errorf("dist = %q: unknown (want constant, uniform, normal or lognormal)", d.Kind)
	}
	return nil
}

// IsConstant reports whether every draw gives the same value.
func (d Dist) IsConstant() bool {
	switch d.Kind {
	case Constant:
		return true
	case Uniform:
		return d.Low == d.High
	case Normal:
		return d.SD == 0
	case LogNormal:
		return d.Sigma == 0
	}
	return false
}

// Mean returns the expected value (of the untruncated distribution for a
// normal), used for memory and rate estimates.
func (d Dist) MeanValue() float64 {
	switch d.Kind {
	case Constant:
		return d.Value
	case Uniform:
		return (d.Low + d.High) / 2
	case Normal:
		return d.Mean
	case LogNormal:
		return math.Exp(d.Mu + d.Sigma*d.Sigma/2)
	}
	return 0
}

var stdNormal = distuv.UnitNormal

// Sample draws one value from s; with nonNegative a normal is truncated at
// zero by inversion (one uniform per draw, no rejection loop).
func (d Dist) Sample(s *Stream, nonNegative bool) float64 {
	if d.IsConstant() {
		// No draw, so s may be nil.
		switch d.Kind {
		case Uniform:
			return d.Low
		case Normal:
			if nonNegative {
				return max(d.Mean, 0)
			}
			return d.Mean
		case LogNormal:
			return math.Exp(d.Mu)
		}
		return d.Value
	}
	switch d.Kind {
	case Constant:
		return d.Value
	case Uniform:
		return d.Low + (d.High-d.Low)*s.Float64()
	case Normal:
		if !nonNegative {
			return d.Mean + d.SD*s.Norm()
		}
		lo := stdNormal.CDF(-d.Mean / d.SD)
		u := lo + (1-lo)*s.OpenFloat64()
		x := d.Mean + d.SD*stdNormal.Quantile(u)
		return max(x, 0)
	case LogNormal:
		return math.Exp(d.Mu + d.Sigma*s.Norm())
	}
	return 0
}

package baseline

import (
	"math/rand/v2"
)

// Differentiable is a classifier an attack can query: the gradient of
// its loss for label with respect to the input, and its prediction. *MLP
// implements it; so can any other model (a spiking network with a
// surrogate gradient, a linear model, ...). Inputs are pixel
// intensities in [0,1].
type Differentiable interface {
	InputGradient(x []float64, label int) []float64
	Predict1(x []float64) int
}

// sign returns -1, 0 or 1.
func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func clip01(v float64) float64 { return min(max(v, 0), 1) }

// FGSM returns the fast-gradient-sign adversarial example
// clip_[0,1](x + eps*sign(dL/dx)) for the true label (Goodfellow et al.
// 2015). x is not modified.
func FGSM(m Differentiable, x []float64, label int, eps float64) []float64 {
	g := m.InputGradient(x, label)
	adv := make([]float64, len(x))
	for i, xi := range x {
		adv[i] = clip01(xi + eps*sign(g[i]))
	}
	return adv
}

// PGD returns the L-infinity projected-gradient-descent adversarial
// example of Madry et al. (2018): starting from x (or, with randomStart,
// from x plus uniform noise in [-eps, eps] drawn from a PCG seeded by
// seed), it takes steps iterations of
//
//	x' <- Proj(x' + alpha*sign(dL/dx'))
//
// where Proj clips each pixel to [x_i-eps, x_i+eps] ∩ [0,1]. It returns
// the last iterate. x is not modified; without randomStart the result
// does not depend on seed.
func PGD(m Differentiable, x []float64, label int, eps, alpha float64, steps int, randomStart bool, seed uint64) []float64 {
	adv := make([]float64, len(x))
	lo := make([]float64, len(x))
	hi := make([]float64, len(x))
	for i, xi := range x {
		lo[i] = max(xi-eps, 0)
		hi[i] = min(xi+eps, 1)
	}
	copy(adv, x)
	if randomStart {
		rng := rand.New(rand.NewPCG(seed, 0x7067_6400))
		for i := range adv {
			adv[i] = min(max(adv[i]+eps*(2*rng.Float64()-1), lo[i]), hi[i])
		}
	}
	for range steps {
		g := m.InputGradient(adv, label)
		for i := range adv {
			adv[i] = min(max(adv[i]+alpha*sign(g[i]), lo[i]), hi[i])
		}
	}
	return adv
}

// GaussianNoise returns x plus independent N(0, sigma²) noise per pixel
// (PCG seeded by seed), clipped to [0,1]. x is not modified.
func GaussianNoise(x []float64, sigma float64, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 0x6e6f_6973_6500))
	out := make([]float64, len(x))
	for i, xi := range x {
		out[i] = clip01(xi + sigma*rng.NormFloat64())
	}
	return out
}

// RobustAccuracy returns the fraction of samples whose perturbed version
// perturb(i, x_i, label_i) is still classified as label_i by m. xs holds
// the samples flat, len(labels) samples of len(xs)/len(labels) values,
// converted to float64 one at a time into a buffer that is reused, so
// perturb must not keep x (FGSM, PGD and GaussianNoise return copies).
func RobustAccuracy(m Differentiable, xs []float32, labels []int, perturb func(i int, x []float64, label int) []float64) float64 {
	if len(labels) == 0 {
		return 0
	}
	d := len(xs) / len(labels)
	x := make([]float64, d)
	ok := 0
	for i, l := range labels {
		for j, v := range xs[i*d : (i+1)*d] {
			x[j] = float64(v)
		}
		if m.Predict1(perturb(i, x, l)) == l {
			ok++
		}
	}
	return float64(ok) / float64(len(labels))
}

package analysis_test

import (
	"fmt"
	"math"
	"math/rand/v2"

	"dalesim/analysis"
)

func ExampleFitWeights() {
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float64, 20000)
	for i := range w {
		if i%4 == 0 {
			continue // a quarter of the synapses are silent
		}
		w[i] = math.Exp(-2 + 0.5*r.NormFloat64())
	}
	s := analysis.FitWeights(w)
	fmt.Printf("zeros %.0f%%, mu %.2f, sigma %.2f, best fit %s, KS p > 0.05: %v\n",
		100*s.FracZero, s.LogMu, s.LogSigma, s.Best, s.KSP > 0.05)
	// Output: zeros 25%, mu -2.00, sigma 0.50, best fit lognormal, KS p > 0.05: true
}

// CV and LV of a perfectly regular train are 0 (a Poisson train has 1).
func ExampleCV() {
	train := []float64{5, 15, 25, 35, 45} // spike times, ms
	isi := analysis.ISIs(train)
	fmt.Println(isi, analysis.CV(isi), analysis.LV(isi))
	// Output: [10 10 10 10] 0 0
}

package analysis

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// Named tolerances.
const (
	tolExact   = 1e-12
	tolPoisson = 0.05 // CV, LV and Fano of long Poisson trains
	tolFit     = 0.02 // relative error of lognormal mu and sigma
)

func poissonTrain(r *rand.Rand, rateHz, durMS float64) []float64 {
	var tr []float64
	t := 0.0
	for {
		t += r.ExpFloat64() / rateHz * 1000
		if t >= durMS {
			return tr
		}
		tr = append(tr, t)
	}
}

func TestCVLVRegular(t *testing.T) {
	train := make([]float64, 100)
	for i := range train {
		train[i] = 5 + 10*float64(i)
	}
	isi := ISIs(train)
	if cv := CV(isi); math.Abs(cv) > tolExact {
		t.Errorf("CV of a regular train = %v, want 0", cv)
	}
	if lv := LV(isi); math.Abs(lv) > tolExact {
		t.Errorf("LV of a regular train = %v, want 0", lv)
	}
	if !math.IsNaN(LV([]float64{3})) || !math.IsNaN(CV(nil)) || !math.IsNaN(FanoFactor([]float64{0, 0})) {
		t.Error("degenerate inputs must give NaN")
	}
}

func TestKnownValues(t *testing.T) {
	// Hand-computed: isi = 1, 3: mean 2, sd 1 -> CV 0.5; LV = 3*((1-3)/4)^2 = 0.75.
	isi := []float64{1, 3}
	if cv := CV(isi); math.Abs(cv-0.5) > tolExact {
		t.Errorf("CV = %v, want 0.5", cv)
	}
	if lv := LV(isi); math.Abs(lv-0.75) > tolExact {
		t.Errorf("LV = %v, want 0.75", lv)
	}
	// counts 1, 2, 3: mean 2, var 2/3.
	if f := FanoFactor([]float64{1, 2, 3}); math.Abs(f-1.0/3) > tolExact {
		t.Errorf("Fano = %v, want 1/3", f)
	}
	if c := CorrelationCoefficient([]float64{1, 2, 3}, []float64{2, 4, 6}); math.Abs(c-1) > tolExact {
		t.Errorf("corr = %v, want 1", c)
	}
	if c := CorrelationCoefficient([]float64{1, 2, 3}, []float64{3, 2, 1}); math.Abs(c+1) > tolExact {
		t.Errorf("corr = %v, want -1", c)
	}
	if got := BinCounts([]float64{0, 0.5, 1, 2.99, 3}, 0, 3, 1); !slices.Equal(got, []float64{2, 1, 1}) {
		t.Errorf("BinCounts = %v", got)
	}
}

func TestPoissonStats(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		r := rand.New(rand.NewPCG(seed, 9))
		tr := poissonTrain(r, 50, 400_000) // ~20,000 spikes
		isi := ISIs(tr)
		if cv := CV(isi); math.Abs(cv-1) > tolPoisson {
			t.Errorf("seed %d: Poisson CV = %v, want 1 ± %v", seed, cv, tolPoisson)
		}
		if lv := LV(isi); math.Abs(lv-1) > tolPoisson {
			t.Errorf("seed %d: Poisson LV = %v, want 1 ± %v", seed, lv, tolPoisson)
		}
		if f := FanoFactor(BinCounts(tr, 0, 400_000, 100)); math.Abs(f-1) > 2*tolPoisson {
			t.Errorf("seed %d: Poisson Fano = %v, want 1 ± %v", seed, f, 2*tolPoisson)
		}
	}
}

func TestPopulationStatsPoisson(t *testing.T) {
	const seed = 4
	r := rand.New(rand.NewPCG(seed, 1))
	trains := make([][]float64, 200)
	for i := range trains {
		trains[i] = poissonTrain(r, 20, 20_000)
	}
	ts := ISIStats(trains)
	if ts.Neurons != 200 || math.Abs(ts.CV-1) > tolPoisson || math.Abs(ts.LV-1) > tolPoisson {
		t.Errorf("seed %d: ISI stats %+v", seed, ts)
	}
	if f, n := MeanFano(trains, 0, 20_000, 100); n != 200 || math.Abs(f-1) > tolPoisson {
		t.Errorf("seed %d: mean Fano %v over %d", seed, f, n)
	}
	c, sd, used := PairCorrelation(trains, 0, 20_000, 5, 300, seed)
	if used != 300 || math.Abs(c) > 0.01 || sd > 0.05 {
		t.Errorf("seed %d: independent trains correlation %v ± %v over %d pairs", seed, c, sd, used)
	}
	// Same seed, same pairs.
	if c2, _, _ := PairCorrelation(trains, 0, 20_000, 5, 300, seed); c2 != c {
		t.Errorf("PairCorrelation not reproducible: %v vs %v", c, c2)
	}
	cv, chi := Synchrony(trains, 0, 20_000, 1)
	// 200 neurons * 20 Hz * 1 ms = 4 spikes per bin: CV ~ 1/2; chi ~ 1/sqrt(200).
	if math.Abs(cv-0.5) > 0.03 || math.Abs(chi-1/math.Sqrt(200)) > 0.02 {
		t.Errorf("seed %d: asynchronous synchrony cv %v chi %v", seed, cv, chi)
	}
	// Fully synchronous: every neuron fires at the same times.
	sync := make([][]float64, 50)
	for i := range sync {
		sync[i] = trains[0]
	}
	if _, chi := Synchrony(sync, 0, 20_000, 1); math.Abs(chi-1) > tolExact {
		t.Errorf("synchronous chi = %v, want 1", chi)
	}
}

func TestCrossCorrelogram(t *testing.T) {
	// B fires 3 ms after A.
	r := rand.New(rand.NewPCG(5, 5))
	a := poissonTrain(r, 10, 10_000)
	b := make([]float64, len(a))
	for i, x := range a {
		b[i] = x + 3
	}
	c := CrossCorrelogram([][]float64{a}, [][]float64{b}, 0, 10_100, 1, 10)
	if len(c.Counts) != 21 || c.LagsMS[0] != -10 || c.LagsMS[20] != 10 {
		t.Fatalf("lags %v", c.LagsMS)
	}
	peak := 0
	for i := range c.Counts {
		if c.Counts[i] > c.Counts[peak] {
			peak = i
		}
	}
	if c.LagsMS[peak] != 3 || c.Counts[peak] != float64(len(a)) {
		t.Errorf("CCG peak at %v ms with %v, want 3 ms with %d", c.LagsMS[peak], c.Counts[peak], len(a))
	}
}

func TestRateDistribution(t *testing.T) {
	d := RateDistribution([]float64{0, 0, 1, 2, 3, 4, 5, 6, 7, 8})
	if d.FractionSilent != 0.2 || d.Mean != 3.6 || d.Median != 3 {
		t.Errorf("%+v", d)
	}
}

func TestFitWeightsLognormal(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		r := rand.New(rand.NewPCG(seed, 2))
		const mu, sigma = -1.2, 0.7
		ln := distuv.LogNormal{Mu: mu, Sigma: sigma, Src: r}
		w := make([]float64, 50_000)
		for i := range w {
			if i%10 == 0 {
				continue // 10 % zeros
			}
			w[i] = ln.Rand()
		}
		ws := FitWeights(w)
		if ws.N != len(w) || ws.Zeros != 5000 || math.Abs(ws.FracZero-0.1) > tolExact {
			t.Errorf("seed %d: counts %+v", seed, ws)
		}
		if math.Abs(ws.LogMu-mu) > tolFit*math.Abs(mu) || math.Abs(ws.LogSigma-sigma) > tolFit*sigma {
			t.Errorf("seed %d: fit mu %v sigma %v, want %v %v within %v", seed, ws.LogMu, ws.LogSigma, mu, sigma, tolFit)
		}
		if ws.Best != "lognormal" || ws.AICLogNormal >= ws.AICGamma || ws.AICGamma >= ws.AICExponential {
			t.Errorf("seed %d: AIC lognormal %v gamma %v exp %v best %s", seed, ws.AICLogNormal, ws.AICGamma, ws.AICExponential, ws.Best)
		}
		if ws.KSP < 0.05 {
			t.Errorf("seed %d: KS rejects the correct model: D %v p %v", seed, ws.KSD, ws.KSP)
		}
	}
}

func TestFitWeightsGamma(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		r := rand.New(rand.NewPCG(seed, 3))
		const k, rate = 3.0, 20.0
		g := distuv.Gamma{Alpha: k, Beta: rate, Src: r}
		w := make([]float64, 20_000)
		for i := range w {
			w[i] = g.Rand()
		}
		ws := FitWeights(w)
		if ws.Best != "gamma" || ws.AICGamma >= ws.AICLogNormal {
			t.Errorf("seed %d: gamma data: AIC lognormal %v gamma %v exp %v best %s", seed, ws.AICLogNormal, ws.AICGamma, ws.AICExponential, ws.Best)
		}
		if math.Abs(ws.GammaShape-k) > 0.05*k || math.Abs(ws.GammaRate-rate) > 0.05*rate {
			t.Errorf("seed %d: gamma MLE k %v rate %v, want %v %v", seed, ws.GammaShape, ws.GammaRate, k, rate)
		}
		if ws.KSP > 1e-6 {
			t.Errorf("seed %d: KS of the lognormal on gamma data: D %v p %v, want tiny", seed, ws.KSD, ws.KSP)
		}
	}
	// Exponential data: exponential wins (gamma has k ~ 1 but pays for a
	// parameter) or gamma; the lognormal does not.
	r := rand.New(rand.NewPCG(7, 3))
	w := make([]float64, 20_000)
	for i := range w {
		w[i] = r.ExpFloat64()
	}
	if ws := FitWeights(w); ws.Best == "lognormal" || math.Abs(ws.GammaShape-1) > 0.05 || ws.KSP > 1e-6 {
		t.Errorf("exponential data: best %s, gamma shape %v, KS p %v", ws.Best, ws.GammaShape, ws.KSP)
	}
}

func TestKSPValueUniformOnCorrectModel(t *testing.T) {
	// With known parameters the p-value is uniform; check the spread over seeds.
	var ps []float64
	for seed := uint64(0); seed < 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 4))
		x := make([]float64, 500)
		for i := range x {
			x[i] = r.NormFloat64()
		}
		slices.Sort(x)
		ps = append(ps, KolmogorovPValue(ksStatistic(x, distuv.UnitNormal.CDF), len(x)))
	}
	below := 0
	for _, p := range ps {
		if p < 0.1 {
			below++
		}
	}
	// Expect ~20 of 200 below 0.1; allow a wide band.
	if below < 8 || below > 35 {
		t.Errorf("%d of 200 KS p-values below 0.1, want ~20", below)
	}
	if p := KolmogorovPValue(0, 100); p != 1 {
		t.Errorf("p(D=0) = %v", p)
	}
	// Reference: P(K > 1.36) ~ 0.049 for large n.
	if p := KolmogorovPValue(1.36/math.Sqrt(1e6), 1e6); math.Abs(p-0.049) > 0.002 {
		t.Errorf("p(lambda=1.36) = %v, want ~0.049", p)
	}
}

func TestTrigamma(t *testing.T) {
	// trigamma(1) = pi^2/6, trigamma(0.5) = pi^2/2.
	for _, c := range []struct{ x, want float64 }{{1, math.Pi * math.Pi / 6}, {0.5, math.Pi * math.Pi / 2}, {10, 0.10516633568168575}} {
		if got := trigamma(c.x); math.Abs(got-c.want) > 1e-10 {
			t.Errorf("trigamma(%v) = %v, want %v", c.x, got, c.want)
		}
	}
}

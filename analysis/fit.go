package analysis

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// WeightStats describes a set of synaptic weight magnitudes and compares
// three fits of the positive weights.
type WeightStats struct {
	N        int     `json:"n"`
	Zeros    int     `json:"zeros"`
	FracZero float64 `json:"frac_zero"`
	Mean     float64 `json:"mean"` // over all N weights, zeros included
	SD       float64 `json:"sd"`   // sample standard deviation over all N weights

	Positive int     `json:"positive"`  // weights > 0, the sample of the fits
	LogMu    float64 `json:"log_mu"`    // mean of ln w
	LogSigma float64 `json:"log_sigma"` // sample standard deviation of ln w (stat.MeanStdDev)

	// One-sample Kolmogorov-Smirnov test of ln w against Normal(LogMu,
	// LogSigma). The p-value uses the asymptotic Kolmogorov distribution; as
	// the parameters were fitted to the same data it is conservative (too
	// large), which is harmless for rejecting a bad model.
	KSD float64 `json:"ks_d"`
	KSP float64 `json:"ks_p"`

	GammaShape float64 `json:"gamma_shape"` // MLE shape k
	GammaRate  float64 `json:"gamma_rate"`  // MLE rate k/mean
	ExpRate    float64 `json:"exp_rate"`    // MLE rate 1/mean

	// Akaike information criteria 2p - 2 ln L of the maximum-likelihood fits
	// to the positive weights (p = 2, 2, 1); lower is better.
	AICLogNormal   float64 `json:"aic_lognormal"`
	AICGamma       float64 `json:"aic_gamma"`
	AICExponential float64 `json:"aic_exponential"`
	Best           string  `json:"best"` // "lognormal", "gamma" or "exponential": the lowest AIC
}

// FitWeights summarises w (magnitudes; NaNs and negative values are
// ignored) and fits the positive weights with a lognormal (mu and sigma of
// ln w), a gamma (maximum likelihood: Newton's method on
// ln k - digamma(k) = ln mean(w) - mean(ln w), started from Minka's
// approximation) and an exponential distribution. Fits need at least 2
// distinct positive weights; otherwise their fields are NaN.
func FitWeights(w []float64) WeightStats {
	nan := math.NaN()
	ws := WeightStats{Mean: nan, SD: nan, LogMu: nan, LogSigma: nan, KSD: nan, KSP: nan,
		GammaShape: nan, GammaRate: nan, ExpRate: nan, AICLogNormal: nan, AICGamma: nan, AICExponential: nan}
	var all, pos []float64
	for _, x := range w {
		if math.IsNaN(x) || x < 0 || math.IsInf(x, 0) {
			continue
		}
		all = append(all, x)
		if x == 0 {
			ws.Zeros++
		} else {
			pos = append(pos, x)
		}
	}
	ws.N, ws.Positive = len(all), len(pos)
	if ws.N > 0 {
		ws.FracZero = float64(ws.Zeros) / float64(ws.N)
		ws.Mean, ws.SD = stat.MeanStdDev(all, nil)
	}
	if len(pos) < 2 || slices.Min(pos) == slices.Max(pos) {
		return ws
	}
	n := float64(len(pos))
	logs := make([]float64, len(pos))
	sumLog, sum := 0.0, 0.0
	for i, x := range pos {
		logs[i] = math.Log(x)
		sumLog += logs[i]
		sum += x
	}
	ws.LogMu, ws.LogSigma = stat.MeanStdDev(logs, nil)
	slices.Sort(logs)
	ws.KSD = ksStatistic(logs, distuv.Normal{Mu: ws.LogMu, Sigma: ws.LogSigma}.CDF)
	ws.KSP = KolmogorovPValue(ws.KSD, len(logs))

	// Lognormal likelihood at the MLE (sigma with ddof = 0).
	sigmaML := ws.LogSigma * math.Sqrt((n-1)/n)
	ln := distuv.LogNormal{Mu: ws.LogMu, Sigma: sigmaML}
	ll := 0.0
	for _, x := range pos {
		ll += ln.LogProb(x)
	}
	ws.AICLogNormal = 4 - 2*ll

	m := sum / n
	k := gammaShapeMLE(math.Log(m) - sumLog/n)
	ws.GammaShape, ws.GammaRate = k, k/m
	g := distuv.Gamma{Alpha: k, Beta: k / m}
	ll = 0
	for _, x := range pos {
		ll += g.LogProb(x)
	}
	ws.AICGamma = 4 - 2*ll

	ws.ExpRate = 1 / m
	ll = n*math.Log(ws.ExpRate) - ws.ExpRate*sum
	ws.AICExponential = 2 - 2*ll

	ws.Best = "lognormal"
	best := ws.AICLogNormal
	if ws.AICGamma < best {
		ws.Best, best = "gamma", ws.AICGamma
	}
	if ws.AICExponential < best {
		ws.Best = "exponential"
	}
	return ws
}

// gammaShapeMLE solves ln k - digamma(k) = s (s = ln mean - mean ln > 0) for
// the gamma shape k.
func gammaShapeMLE(s float64) float64 {
	if !(s > 0) {
		return math.Inf(1) // all values equal
	}
	// Minka (2002), "Estimating a Gamma distribution", eq. for the initial value.
	k := (3 - s + math.Sqrt((s-3)*(s-3)+24*s)) / (12 * s)
	for i := 0; i < 100; i++ {
		f := math.Log(k) - mathext.Digamma(k) - s
		df := 1/k - trigamma(k)
		next := k - f/df
		if next <= 0 {
			next = k / 2
		}
		if math.Abs(next-k) <= 1e-12*k {
			return next
		}
		k = next
	}
	return k
}

// trigamma returns the derivative of the digamma function for x > 0
// (recurrence to x >= 10, then the asymptotic series).
func trigamma(x float64) float64 {
	r := 0.0
	for x < 10 {
		r += 1 / (x * x)
		x++
	}
	x2 := 1 / (x * x)
	return r + 1/x + x2/2 + x2/x*(1.0/6-x2*(1.0/30-x2*(1.0/42-x2/30)))
}

// ksStatistic returns sup |F_n - F| for sorted samples x.
func ksStatistic(x []float64, cdf func(float64) float64) float64 {
	n := float64(len(x))
	d := 0.0
	for i, v := range x {
		f := cdf(v)
		d = max(d, f-float64(i)/n, float64(i+1)/n-f)
	}
	return d
}

// KolmogorovPValue returns the asymptotic p-value P(D_n >= d) of the
// one-sample Kolmogorov-Smirnov statistic d for n samples: Q_KS(lambda) with
// Stephens' correction lambda = (sqrt(n) + 0.12 + 0.11/sqrt(n)) d, and
// Q_KS(l) = 2 sum_{j>=1} (-1)^(j-1) exp(-2 j^2 l^2) (for small l, the
// equivalent series 1 - sqrt(2 pi)/l sum_{j>=1} exp(-(2j-1)^2 pi^2 / (8 l^2))).
func KolmogorovPValue(d float64, n int) float64 {
	if n <= 0 || math.IsNaN(d) {
		return math.NaN()
	}
	sn := math.Sqrt(float64(n))
	l := (sn + 0.12 + 0.11/sn) * d
	if l <= 0 {
		return 1
	}
	if l < 1.18 {
		s := 0.0
		for j := 1; j <= 8; j++ {
			a := float64(2*j-1) * math.Pi / l
			s += math.Exp(-a * a / 8)
		}
		return min(1, max(0, 1-math.Sqrt(2*math.Pi)/l*s))
	}
	s, sign := 0.0, 1.0
	for j := 1; j <= 100; j++ {
		t := math.Exp(-2 * float64(j*j) * l * l)
		s += sign * t
		if t < 1e-17 {
			break
		}
		sign = -sign
	}
	return min(1, max(0, 2*s))
}

// MarshalJSON writes NaN statistics as null.
func (ws WeightStats) MarshalJSON() ([]byte, error) {
	type plain WeightStats
	return marshalNaN(plain(ws))
}

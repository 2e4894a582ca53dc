package analysis

import (
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/stat"

	"dalesim/traces"
)

// SpikeTrains returns the spike times (ms) of every neuron of population pop
// within [fromMS, toMS), indexed by neuron. The number of trains is the
// population size from the metadata, or the largest neuron index + 1 when
// the metadata does not know the population. Times are ascending.
func SpikeTrains(t *traces.SpikeTable, pop int, fromMS, toMS float64) [][]float64 {
	n := 0
	if pop < len(t.Populations) {
		if i := t.Meta.PopulationIndex(t.Populations[pop]); i >= 0 {
			n = t.Meta.Populations[i].Size
		}
	}
	for i := range t.Pop {
		if int(t.Pop[i]) == pop && int(t.Neuron[i]) >= n {
			n = int(t.Neuron[i]) + 1
		}
	}
	trains := make([][]float64, n)
	for i := range t.Step {
		if int(t.Pop[i]) != pop || t.Neuron[i] < 0 {
			continue
		}
		if ts := t.TimeMS(i); ts >= fromMS && ts < toMS {
			trains[t.Neuron[i]] = append(trains[t.Neuron[i]], ts)
		}
	}
	for _, tr := range trains {
		if !slices.IsSorted(tr) {
			slices.Sort(tr)
		}
	}
	return trains
}

// ISIs returns the inter-spike intervals of a sorted spike train.
func ISIs(train []float64) []float64 {
	if len(train) < 2 {
		return nil
	}
	isi := make([]float64, len(train)-1)
	for i := range isi {
		isi[i] = train[i+1] - train[i]
	}
	return isi
}

// CV returns the coefficient of variation of the intervals isi: the standard
// deviation (population, ddof = 0) over the mean, as
// elephant.statistics.cv (scipy.stats.variation). A regular train has CV 0,
// a Poisson train CV 1. NaN for no interval or a zero mean.
func CV(isi []float64) float64 {
	if len(isi) == 0 {
		return math.NaN()
	}
	m := mean(isi)
	if m == 0 {
		return math.NaN()
	}
	return math.Sqrt(popVariance(isi, m)) / m
}

// LV returns the local variation of the intervals isi (Shinomoto et al.
// 2003, as elephant.statistics.lv):
//
//	LV = 3/(n-1) * sum_{i=1}^{n-1} ((I_i - I_{i+1}) / (I_i + I_{i+1}))^2
//
// for n intervals. A regular train has LV 0, a Poisson train LV 1. NaN for
// fewer than 2 intervals.
func LV(isi []float64) float64 {
	if len(isi) < 2 {
		return math.NaN()
	}
	s := 0.0
	for i := 0; i+1 < len(isi); i++ {
		d := (isi[i] - isi[i+1]) / (isi[i] + isi[i+1])
		s += d * d
	}
	return 3 * s / float64(len(isi)-1)
}

// FanoFactor returns var(counts)/mean(counts) with the population variance
// (ddof = 0), as elephant.statistics.fanofactor applied to a list of spike
// counts. Poisson counts have a Fano factor of 1. NaN for no count or a zero
// mean.
func FanoFactor(counts []float64) float64 {
	if len(counts) == 0 {
		return math.NaN()
	}
	m := mean(counts)
	if m == 0 {
		return math.NaN()
	}
	return popVariance(counts, m) / m
}

// BinCounts returns the number of spikes of a sorted train in each of the
// floor((toMS-fromMS)/binMS) bins [fromMS + k*binMS, fromMS + (k+1)*binMS);
// spikes after the last full bin are dropped.
func BinCounts(train []float64, fromMS, toMS, binMS float64) []float64 {
	nb := NumBins(fromMS, toMS, binMS)
	c := make([]float64, nb)
	for _, t := range train {
		if k := BinIndex(t, fromMS, binMS); k >= 0 && k < nb {
			c[k]++
		}
	}
	return c
}

// NumBins returns the number of full bins of binMS in [fromMS, toMS) (0 for
// an empty window or a bin that is not positive), as BinCounts uses them.
func NumBins(fromMS, toMS, binMS float64) int {
	if !(binMS > 0) || !(toMS > fromMS) {
		return 0
	}
	// Tolerate rounding: (1000-0)/0.1 may give 9999.999...
	return int(math.Floor((toMS-fromMS)/binMS + 1e-9))
}

// BinIndex returns the index of the bin of binMS, counted from fromMS, that
// holds time t (negative before fromMS; NumBins or more after the last full
// bin), with the same rounding tolerance as NumBins.
func BinIndex(t, fromMS, binMS float64) int {
	return int(math.Floor((t-fromMS)/binMS + 1e-9))
}

// CorrelationCoefficient returns the Pearson correlation of two binned spike
// count vectors, as elephant.spike_train_correlation.correlation_coefficient
// (binary=False) for one pair:
//
//	C = <a - mean(a), b - mean(b)> / sqrt(<a - mean(a), a - mean(a)> <b - mean(b), b - mean(b)>)
//
// NaN when either vector is constant or the lengths differ.
func CorrelationCoefficient(a, b []float64) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return math.NaN()
	}
	ma, mb := mean(a), mean(b)
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

// CCG is a cross-correlogram.
type CCG struct {
	BinMS  float64   `json:"bin_ms"`
	LagsMS []float64 `json:"lags_ms"` // -K*bin .. K*bin
	Counts []float64 `json:"counts"`  // coincidences at each lag
}

// CrossCorrelogram returns the cross-correlogram of two groups of spike
// trains, as elephant.spike_train_correlation.cross_correlation_histogram
// applied to the group-summed binned trains A and B (bins of binMS within
// [fromMS, toMS)):
//
//	CCG[k] = sum_t A[t] * B[t+k],  |k| <= round(windowMS/binMS)
//
// summed over the bins where both t and t+k lie in the window. A peak at a
// positive lag means B tends to fire after A. Its cost is O(bins * lags),
// independent of the number of spikes.
func CrossCorrelogram(a, b [][]float64, fromMS, toMS, binMS, windowMS float64) CCG {
	nb := NumBins(fromMS, toMS, binMS)
	A, B := make([]float64, nb), make([]float64, nb)
	for _, tr := range a {
		for _, t := range tr {
			if k := BinIndex(t, fromMS, binMS); k >= 0 && k < nb {
				A[k]++
			}
		}
	}
	for _, tr := range b {
		for _, t := range tr {
			if k := BinIndex(t, fromMS, binMS); k >= 0 && k < nb {
				B[k]++
			}
		}
	}
	K := int(math.Round(windowMS / binMS))
	c := CCG{BinMS: binMS, LagsMS: make([]float64, 2*K+1), Counts: make([]float64, 2*K+1)}
	for k := -K; k <= K; k++ {
		s := 0.0
		for t := max(0, -k); t < nb && t+k < nb; t++ {
			s += A[t] * B[t+k]
		}
		c.LagsMS[k+K] = float64(k) * binMS
		c.Counts[k+K] = s
	}
	return c
}

// RateDist summarises per-neuron firing rates (Hz).
type RateDist struct {
	Mean           float64 `json:"mean_hz"`
	SD             float64 `json:"sd_hz"` // sample standard deviation (n-1)
	P5             float64 `json:"p5_hz"`
	P25            float64 `json:"p25_hz"`
	Median         float64 `json:"median_hz"`
	P75            float64 `json:"p75_hz"`
	P95            float64 `json:"p95_hz"`
	FractionSilent float64 `json:"fraction_silent"` // neurons without a spike
}

// RateDistribution summarises the per-neuron rates rates (Hz); empirical
// percentiles (stat.Empirical).
func RateDistribution(rates []float64) RateDist {
	if len(rates) == 0 {
		nan := math.NaN()
		return RateDist{nan, nan, nan, nan, nan, nan, nan, nan}
	}
	s := slices.Clone(rates)
	slices.Sort(s)
	m, sd := stat.MeanStdDev(s, nil)
	if len(s) == 1 {
		sd = 0
	}
	silent := 0
	for _, r := range s {
		if r == 0 {
			silent++
		}
	}
	q := func(p float64) float64 { return stat.Quantile(p, stat.Empirical, s, nil) }
	return RateDist{Mean: m, SD: sd, P5: q(0.05), P25: q(0.25), Median: q(0.5), P75: q(0.75), P95: q(0.95),
		FractionSilent: float64(silent) / float64(len(s))}
}

// Synchrony measures how synchronous a population is from its spike trains
// binned at binMS within [fromMS, toMS):
//
//   - cv: the coefficient of variation (ddof = 0) of the population spike
//     count per bin; about 1/sqrt(mean count per bin) for independent Poisson
//     neurons, large for synchronous oscillations.
//   - chi: Golomb's synchrony measure (Golomb 2007, Scholarpedia 2(1):1347)
//     on binned spike counts x_i(t): chi^2 = Var_t(mean_i x_i) / mean_i
//     Var_t(x_i), between 0 (asynchronous; ~1/sqrt(N) for N independent
//     neurons) and 1 (fully synchronous). All neurons count, silent ones too.
func Synchrony(trains [][]float64, fromMS, toMS, binMS float64) (cv, chi float64) {
	nb := NumBins(fromMS, toMS, binMS)
	if nb == 0 || len(trains) == 0 {
		return math.NaN(), math.NaN()
	}
	pop := make([]float64, nb)
	sumVar := 0.0
	for _, tr := range trains {
		// Per-neuron variance from the counts of the occupied bins.
		var s1, s2 float64
		last, run := -1, 0.0
		flush := func() {
			s1 += run
			s2 += run * run
		}
		for _, t := range tr {
			k := BinIndex(t, fromMS, binMS)
			if k < 0 || k >= nb {
				continue
			}
			pop[k]++
			if k != last {
				flush()
				last, run = k, 0
			}
			run++
		}
		flush()
		m := s1 / float64(nb)
		sumVar += s2/float64(nb) - m*m
	}
	m := mean(pop)
	v := popVariance(pop, m)
	cv = math.NaN()
	if m > 0 {
		cv = math.Sqrt(v) / m
	}
	n := float64(len(trains))
	chi = math.NaN()
	if sumVar > 0 {
		chi = math.Sqrt((v / (n * n)) / (sumVar / n))
	}
	return cv, chi
}

// SamplePairs returns the pairs of neurons (indices into trains, i < j)
// that PairCorrelation evaluates: with n trains that have at least one spike
// ("active", in index order), all n(n-1)/2 pairs in lexicographic order when
// there are no more than pairs of them; otherwise pairs distinct pairs drawn
// in order from a PCG generator (math/rand/v2 rand.NewPCG(seed, 0xc0ffee)):
// two positions i, j = IntN(n), IntN(n) into the active list, redrawn when
// equal, ordered, and kept when not drawn before. Nil for fewer than 2
// active trains or pairs <= 0. Analyze exports the list (corr_pair_list in
// JSON) so that other tools can evaluate the same pairs.
func SamplePairs(trains [][]float64, pairs int, seed uint64) [][2]int {
	var active []int
	for i, tr := range trains {
		if len(tr) > 0 {
			active = append(active, i)
		}
	}
	n := len(active)
	total := n * (n - 1) / 2
	if n < 2 || pairs <= 0 {
		return nil
	}
	var list [][2]int
	if total <= pairs {
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				list = append(list, [2]int{active[i], active[j]})
			}
		}
		return list
	}
	r := rand.New(rand.NewPCG(seed, 0xc0ffee))
	seen := make(map[[2]int]bool, pairs)
	for len(list) < pairs {
		i, j := r.IntN(n), r.IntN(n)
		if i == j {
			continue
		}
		if i > j {
			i, j = j, i
		}
		p := [2]int{active[i], active[j]}
		if !seen[p] {
			seen[p] = true
			list = append(list, p)
		}
	}
	return list
}

// PairCorrelation evaluates the pairs of SamplePairs(trains, pairs, seed)
// (up to pairs distinct pairs of the trains that have at least one spike;
// all of them when there are no more), bins them at binMS within [fromMS,
// toMS) and returns the mean and sample standard deviation (ddof 1) of
// their CorrelationCoefficient, with the number of pairs used (pairs with a
// constant count vector are skipped).
func PairCorrelation(trains [][]float64, fromMS, toMS, binMS float64, pairs int, seed uint64) (meanC, sdC float64, used int) {
	list := SamplePairs(trains, pairs, seed)
	if len(list) == 0 || NumBins(fromMS, toMS, binMS) < 2 {
		return math.NaN(), math.NaN(), 0
	}
	cache := map[int][]float64{}
	counts := func(i int) []float64 {
		c, ok := cache[i]
		if !ok {
			c = BinCounts(trains[i], fromMS, toMS, binMS)
			cache[i] = c
		}
		return c
	}
	cs := make([]float64, 0, len(list))
	for _, p := range list {
		if c := CorrelationCoefficient(counts(p[0]), counts(p[1])); !math.IsNaN(c) {
			cs = append(cs, c)
		}
	}
	if len(cs) == 0 {
		return math.NaN(), math.NaN(), 0
	}
	meanC, sdC = stat.MeanStdDev(cs, nil)
	if len(cs) == 1 {
		sdC = 0
	}
	return meanC, sdC, len(cs)
}

// TrainStats holds the per-neuron averages of ISI statistics.
type TrainStats struct {
	CV      float64 `json:"cv_isi"`
	LV      float64 `json:"lv"`
	Neurons int     `json:"neurons"` // neurons with >= 3 spikes, over which CV and LV are averaged
}

// ISIStats returns the mean CV and mean LV over the trains with at least 3
// spikes (2 intervals, the minimum for LV; CV uses the same neurons so that
// the two are comparable).
func ISIStats(trains [][]float64) TrainStats {
	var cvs, lvs []float64
	for _, tr := range trains {
		if len(tr) < 3 {
			continue
		}
		isi := ISIs(tr)
		if c := CV(isi); !math.IsNaN(c) {
			cvs = append(cvs, c)
		}
		if l := LV(isi); !math.IsNaN(l) {
			lvs = append(lvs, l)
		}
	}
	ts := TrainStats{CV: math.NaN(), LV: math.NaN(), Neurons: len(cvs)}
	if len(cvs) > 0 {
		ts.CV = mean(cvs)
	}
	if len(lvs) > 0 {
		ts.LV = mean(lvs)
	}
	return ts
}

// MeanFano returns the mean over neurons of the Fano factor of each neuron's
// spike counts in consecutive windows of windowMS within [fromMS, toMS), and
// the number of neurons averaged (those with at least one spike in the
// windows; at least 2 windows are needed).
func MeanFano(trains [][]float64, fromMS, toMS, windowMS float64) (float64, int) {
	if NumBins(fromMS, toMS, windowMS) < 2 {
		return math.NaN(), 0
	}
	var ffs []float64
	for _, tr := range trains {
		if len(tr) == 0 {
			continue
		}
		if f := FanoFactor(BinCounts(tr, fromMS, toMS, windowMS)); !math.IsNaN(f) {
			ffs = append(ffs, f)
		}
	}
	if len(ffs) == 0 {
		return math.NaN(), 0
	}
	return mean(ffs), len(ffs)
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func popVariance(x []float64, m float64) float64 {
	s := 0.0
	for _, v := range x {
		d := v - m
		s += d * d
	}
	return s / float64(len(x))
}

// MarshalJSON writes NaN statistics as null.
func (c CCG) MarshalJSON() ([]byte, error) {
	type plain CCG
	return marshalNaN(plain(c))
}

// MarshalJSON writes NaN statistics as null.
func (d RateDist) MarshalJSON() ([]byte, error) {
	type plain RateDist
	return marshalNaN(plain(d))
}

// MarshalJSON writes NaN statistics as null.
func (s TrainStats) MarshalJSON() ([]byte, error) {
	type plain TrainStats
	return marshalNaN(plain(s))
}

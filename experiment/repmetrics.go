package experiment

import (
	"math"
	"slices"
	"sort"
)

// The response measures of the representations experiment. A response
// matrix resp[s][j] is the response of hidden neuron j to stimulus s (a
// spike count, or an MLP's hidden activation); every function is pure.

// activityRatio is the Treves & Rolls (1991) activity ratio of responses r,
// a = (Σr/n)² / (Σr²/n): 1/n when one of n responses is non-zero, 1 when all
// are equal. NaN when every response is zero (or r is empty).
func activityRatio(r []float64) float64 {
	n := float64(len(r))
	var s, s2 float64
	for _, v := range r {
		s += v
		s2 += v * v
	}
	if n == 0 || s2 == 0 {
		return math.NaN()
	}
	return (s / n) * (s / n) / (s2 / n)
}

// sparseness is the Vinje & Gallant (2000) normalisation of the activity
// ratio, S = (1 − a)/(1 − 1/n): 1 when a single response is non-zero, 0
// when all are equal. NaN for an all-zero r or n < 2.
func sparseness(r []float64) float64 {
	n := float64(len(r))
	if n < 2 {
		return math.NaN()
	}
	return (1 - activityRatio(r)) / (1 - 1/n)
}

// lifetimeSparseness returns the sparseness of each neuron over the stimuli
// (NaN for a neuron that never responds).
func lifetimeSparseness(resp [][]float64) []float64 {
	if len(resp) == 0 {
		return nil
	}
	out := make([]float64, len(resp[0]))
	col := make([]float64, len(resp))
	for j := range out {
		for s := range resp {
			col[s] = resp[s][j]
		}
		out[j] = sparseness(col)
	}
	return out
}

// populationSparseness returns the sparseness of each stimulus's response
// over the neurons (NaN for a stimulus no neuron responds to).
func populationSparseness(resp [][]float64) []float64 {
	out := make([]float64, len(resp))
	for s, r := range resp {
		out[s] = sparseness(r)
	}
	return out
}

// nanMean is the mean of the non-NaN values of v (NaN if there are none).
func nanMean(v []float64) float64 {
	var s float64
	var n int
	for _, x := range v {
		if !math.IsNaN(x) {
			s += x
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// classMeans returns each neuron's mean response to each class:
// mu[j][k] for classes[k].
func classMeans(resp [][]float64, labels, classes []int) [][]float64 {
	if len(resp) == 0 {
		return nil
	}
	h := len(resp[0])
	mu := make([][]float64, h)
	for j := range mu {
		mu[j] = make([]float64, len(classes))
	}
	n := make([]int, len(classes))
	for s, r := range resp {
		k := slices.Index(classes, labels[s])
		if k < 0 {
			continue
		}
		n[k]++
		for j, v := range r {
			mu[j][k] += v
		}
	}
	for j := range mu {
		for k := range classes {
			if n[k] > 0 {
				mu[j][k] /= float64(n[k])
			}
		}
	}
	return mu
}

// classSelectivity returns, per neuron, the class-selectivity index of
// Morcos et al. (2018), (μ_max − μ_rest)/(μ_max + μ_rest), where μ_max is
// the largest class-mean response and μ_rest the mean of the other class
// means (0: responds equally to every class; 1: to one class only), and the
// index in classes of its preferred class (largest class mean). A neuron
// that never responds has selectivity NaN and preferred class -1.
func classSelectivity(resp [][]float64, labels, classes []int) (sel []float64, pref []int) {
	mu := classMeans(resp, labels, classes)
	sel = make([]float64, len(mu))
	pref = make([]int, len(mu))
	for j, m := range mu {
		best := 0
		for k := range m {
			if m[k] > m[best] {
				best = k
			}
		}
		var rest float64
		for k := range m {
			if k != best {
				rest += m[k]
			}
		}
		if len(m) > 1 {
			rest /= float64(len(m) - 1)
		}
		if m[best]+rest <= 0 {
			sel[j], pref[j] = math.NaN(), -1
			continue
		}
		sel[j], pref[j] = (m[best]-rest)/(m[best]+rest), best
	}
	return sel, pref
}

// pearson is the Pearson correlation of x and y (NaN when either is constant).
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) != len(y) || len(x) < 2 {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(sxx*syy)
}

// ranks returns the ranks of v (1-based; ties get their mean rank).
func ranks(v []float64) []float64 {
	idx := make([]int, len(v))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return v[idx[a]] < v[idx[b]] })
	r := make([]float64, len(v))
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && v[idx[j+1]] == v[idx[i]] {
			j++
		}
		for k := i; k <= j; k++ {
			r[idx[k]] = float64(i+j)/2 + 1
		}
		i = j + 1
	}
	return r
}

// spearman is the Spearman rank correlation of x and y.
func spearman(x, y []float64) float64 { return pearson(ranks(x), ranks(y)) }

// logSD returns the sample SD of ln v over the positive values of v and
// how many there were (NaN with fewer than 2).
func logSD(v []float64) (sd float64, n int) {
	var l []float64
	for _, x := range v {
		if x > 0 {
			l = append(l, math.Log(x))
		}
	}
	if len(l) < 2 {
		return math.NaN(), len(l)
	}
	_, sd = meanSD(l)
	return sd, len(l)
}

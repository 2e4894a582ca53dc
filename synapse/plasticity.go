package synapse

import (
	"fmt"
	"math"

	"dalesim/internal/rng"
	"dalesim/simd"
)

// The plasticity rules of dalesim's learning rule act on a projection at the
// end of a presentation, from rate-mapped activities in [0, 1]: x for the
// source neurons and y for the targets (spike counts over the presentation
// divided by the count of a neuron firing at the mapping's maximum rate,
// clipped at 1). They touch each synapse once per presentation, never per
// time step, and keep every weight a magnitude in [0, w_max]: the floor at
// zero eliminates a synapse (it becomes silent); nothing can change a sign.

// Competitive is the hidden layer's competitive excitatory Hebbian rule, an
// instar rule with an elimination offset:
//
//	dw_ij = eta * y_j * (w_max*(x_i - delta) - w_ij),   w_ij in [0, w_max]
//
// A neuron that fires (y_j > 0) moves its weights towards the input pattern
// that made it fire, shifted down by delta; inputs that are rarely active when
// it fires are driven to zero and fall silent. Competition comes from the
// inhibitory population (only a few hidden neurons fire per presentation)
// and, optionally, from synaptic scaling: each neuron's summed input weight is
// rescaled to ScaleSum after the update. With Regrow false a silent synapse
// stays silent (the default of the [training] table); with Regrow true it grows back when its input
// is active often enough (potential synapses, Knoblauch et al. 2014).
//
// Update selects the form of the update (Additive, the default, above; or
// Multiplicative, a weight-dependent variant, see Update). Synaptic scaling
// is the same for both.
type Competitive struct {
	Eta      float64
	Delta    float64
	WMax     float64
	Regrow   bool
	Update   Update  // Additive (default) or Multiplicative
	ScaleSum float64 // 0: no synaptic scaling
	// ScaleNorm is the norm kept at ScaleSum: L1 (the sum), L2 (the
	// Euclidean norm: a neuron's drive then measures the cosine similarity
	// of its weights to the input rather than the fraction of its weight
	// that the input covers) or Max.
	ScaleNorm Norm
}

// Validate checks the parameters.
func (r *Competitive) Validate() error {
	if !(r.Eta > 0 && r.Eta <= 1) {
		return fmt.Errorf("eta = %g: must be in (0, 1]", r.Eta)
	}
	if !(r.Delta >= 0 && r.Delta < 1) {
		return fmt.Errorf("delta = %g: must be in [0, 1)", r.Delta)
	}
	if !(r.WMax > 0) || math.IsInf(r.WMax, 0) {
		return fmt.Errorf("w_max = %g: must be a finite number > 0", r.WMax)
	}
	if !(r.ScaleSum >= 0) || math.IsInf(r.ScaleSum, 0) {
		return fmt.Errorf("scale_sum = %g: must be >= 0 (0: off)", r.ScaleSum)
	}
	return nil
}

// Apply updates p from source activities x and target activities y.
func (r *Competitive) Apply(p *Projection, x, y []float32, impl *simd.Impl) {
	p.unpack()
	if r.Update == Multiplicative {
		r.applyMultiplicative(p, x, y)
		return
	}
	w := p.weightSlice()
	wmax := float32(r.WMax)
	eta := float32(r.Eta)
	active := activeTargets(y)
	if sparseEnough(len(active), p.tgt.Len()) {
		// Only the columns of targets that fired change: the same
		// arithmetic as the row kernel, synapse by synapse.
		p.BuildBackward()
		delta := float32(r.Delta)
		for _, j := range active {
			t := y[j]
			c, pre := p.colSyn[p.colPtr[j]:p.colPtr[j+1]], p.colPre[p.colPtr[j]:p.colPtr[j+1]]
			for n, k := range c {
				ai := eta * float32(wmax*(x[pre[n]]-delta))
				w[k] = hebbOne(w[k], t, ai, 0, eta, wmax, !r.Regrow)
			}
		}
	} else {
		for i := 0; i < p.src.Len(); i++ {
			a, b := p.rowPtr[i], p.rowPtr[i+1]
			if a == b {
				continue
			}
			ai := eta * float32(wmax*(x[i]-float32(r.Delta)))
			impl.HebbRow(w[a:b], p.targets[a:b], y, ai, 0, eta, wmax, !r.Regrow)
		}
	}
	if r.ScaleSum > 0 {
		p.scale(float32(r.ScaleSum), wmax, y, active, r.ScaleNorm)
	}
}

// hebbOne is simd.HebbRowGeneric's update of one synapse of weight x whose
// target has activity t (the same operations in the same order, so the
// same bits as every kernel implementation).
func hebbOne(x, t, a, b, c, wmax float32, keepSilent bool) float32 {
	if keepSilent && x == 0 {
		return x
	}
	d := (float32(a*t) + b) - float32(float32(c*t)*x)
	x += d
	if x < 0 {
		x = 0
	}
	if x > wmax {
		x = wmax
	}
	return x
}

// activeTargets lists the targets j with y_j > 0.
func activeTargets(y []float32) []int {
	var a []int
	for j, v := range y {
		if v > 0 {
			a = append(a, j)
		}
	}
	return a
}

// sparseEnough reports whether updating active of n targets column by
// column beats the row-by-row SIMD kernel (a column costs a gather per
// synapse; the rows cost every synapse).
func sparseEnough(active, n int) bool { return active*8 <= n }

// scale is scaleColumns restricted to the targets that fired when every
// weight is known to be <= wmax (scaleColumns also caps the other columns
// at wmax, which then changes nothing); otherwise the full pass, which
// establishes that bound.
func (p *Projection) scale(s, wmax float32, y []float32, active []int, norm Norm) {
	if !(p.boundOK && p.bound <= wmax) || !sparseEnough(len(active), p.tgt.Len()) {
		p.scaleColumns(s, wmax, y, norm)
		p.boundOK, p.bound = true, wmax
		return
	}
	p.BuildBackward()
	for _, j := range active {
		c := p.colSyn[p.colPtr[j]:p.colPtr[j+1]]
		var sum float64
		for _, k := range c {
			w := float64(p.weights[k])
			switch norm {
			case L2:
				sum += w * w
			case Max:
				sum = math.Max(sum, w)
			default:
				sum += w
			}
		}
		if norm == L2 {
			sum = math.Sqrt(sum)
		}
		if !(sum > 0) {
			continue
		}
		f := float32(float64(s) / sum)
		for _, k := range c {
			p.weights[k] = min(p.weights[k]*f, wmax)
		}
	}
}

// Update is the form of Competitive's weight update.
type Update uint8

// The forms of the hidden rule's update.
const (
	// Additive is the instar rule dw = eta*y_j*(w_max*(x_i - delta) - w):
	// the step does not depend on w except through the decay term, and
	// drives w to the fixed point w_max*(x_i - delta). The default.
	Additive Update = iota
	// Multiplicative is the weight-dependent variant (van Rossum, Bi &
	// Turrigiano 2000: multiplicative plasticity gives lognormal-like
	// weights): every non-silent synapse takes a step in ln w,
	//
	//	w_ij <- clamp(w_ij * exp(eta * y_j * (x_i - delta)), 0, w_max)
	//
	// whose first-order form is dw = eta*y_j*w_ij*(x_i - delta), i.e. the
	// constant of dw = eta*y_j*w_ij*(x_i - delta)*c is c = 1 and the
	// exponential keeps w > 0 for any step. A weight that falls below the
	// floor MultiplicativeFloor*w_max is eliminated: set to 0, silent. A
	// silent synapse stays silent (a multiplicative step cannot move 0);
	// with Regrow it grows back at the floor when its input is active
	// above delta while its target fires (y_j > 0, x_i > delta). Synaptic
	// scaling follows as for Additive. This path is a scalar Go loop (it
	// skips targets that did not fire); the Additive path uses the SIMD
	// kernel impl.HebbRow.
	Multiplicative
)

// MultiplicativeFloor is the elimination floor of the Multiplicative
// update, as a fraction of w_max: a weight below MultiplicativeFloor*w_max
// is set to 0 (silent). With w_max = 0.3 mV it is 0.3 µV, seven e-folds
// below w_max.
const MultiplicativeFloor = 1e-3

// ParseUpdate reads "additive" or "multiplicative" ("" is Additive).
func ParseUpdate(s string) (Update, error) {
	switch s {
	case "", "additive":
		return Additive, nil
	case "multiplicative":
		return Multiplicative, nil
	}
	return 0, fmt.Errorf("update = %q: must be \"additive\" or \"multiplicative\"", s)
}

// String returns "additive" or "multiplicative".
func (u Update) String() string {
	if u == Multiplicative {
		return "multiplicative"
	}
	return "additive"
}

// applyMultiplicative is the Multiplicative update (a scalar loop; see
// Update), followed by the same synaptic scaling as Additive.
func (r *Competitive) applyMultiplicative(p *Projection, x, y []float32) {
	w := p.Weights()
	wmax := float32(r.WMax)
	floor := float32(MultiplicativeFloor * r.WMax)
	for i := 0; i < p.src.Len(); i++ {
		a := r.Eta * (float64(x[i]) - r.Delta) // step in ln w per unit of y_j
		for k := p.rowPtr[i]; k < p.rowPtr[i+1]; k++ {
			yj := y[p.targets[k]]
			if yj == 0 {
				continue
			}
			v := w[k]
			if v == 0 {
				if r.Regrow && a > 0 {
					w[k] = floor
				}
				continue
			}
			v = min(float32(float64(v)*math.Exp(a*float64(yj))), wmax)
			if v < floor {
				v = 0
			}
			w[k] = v
		}
	}
	if r.ScaleSum > 0 {
		p.scaleColumns(float32(r.ScaleSum), wmax, y, r.ScaleNorm)
	}
}

// Norm is the measure of a neuron's input weights that synaptic scaling keeps fixed.
type Norm uint8

// The norms of synaptic scaling.
const (
	L1  Norm = iota // the sum of the weights
	L2              // the Euclidean norm
	Max             // the largest weight
)

// ParseNorm reads "l1", "l2" or "max" ("" is L1).
func ParseNorm(s string) (Norm, error) {
	switch s {
	case "", "l1":
		return L1, nil
	case "l2":
		return L2, nil
	case "max":
		return Max, nil
	}
	return 0, fmt.Errorf("scale_norm = %q: must be \"l1\", \"l2\" or \"max\"", s)
}

// scaleColumns rescales the incoming weights of every target j with y_j > 0
// so that their norm is s (multiplicatively, so silent synapses stay
// silent), capped at wmax.
func (p *Projection) scaleColumns(s, wmax float32, y []float32, norm Norm) {
	p.unpack()
	sum := make([]float64, p.tgt.Len())
	for k, t := range p.targets {
		w := float64(p.weights[k])
		switch norm {
		case L2:
			sum[t] += w * w
		case Max:
			sum[t] = math.Max(sum[t], w)
		default:
			sum[t] += w
		}
	}
	if norm == L2 {
		for j, v := range sum {
			sum[j] = math.Sqrt(v)
		}
	}
	f := make([]float32, len(sum))
	for j, v := range sum {
		f[j] = 1
		if v > 0 && y[j] > 0 {
			f[j] = float32(float64(s) / v)
		}
	}
	for k, t := range p.targets {
		p.weights[k] = min(p.weights[k]*f[t], wmax)
	}
}

// LabelHebb is the readout's Hebbian term, driven by the label: the target
// activity is the teacher signal t_k (1 for the neurons of the sample's
// class, 0 otherwise), so
//
//	dw_jk = eta * t_k * (w_max*(y_j - delta) - w_jk)
//
// moves the weights onto a class's neurons towards the hidden activity the
// class evokes; hidden neurons that rarely fire for the class lose their
// synapse onto it (it falls to zero, silent), as in Competitive.
//
// With ScaleSum > 0 the taught neurons' input weights are then rescaled to
// the norm ScaleSum (synaptic scaling, as in Competitive; with Max, the
// largest weight onto each taught neuron becomes ScaleSum), so that every
// class's readout neurons are equally excitable and fire when their class's
// hidden neurons do.
type LabelHebb struct {
	Eta       float64
	Delta     float64
	WMax      float64
	ScaleSum  float64
	ScaleNorm Norm
}

// Apply updates p from source activities y and teacher signals t.
func (r *LabelHebb) Apply(p *Projection, y, t []float32, impl *simd.Impl) {
	p.unpack()
	w := p.Weights()
	wmax, eta := float32(r.WMax), float32(r.Eta)
	for j := 0; j < p.src.Len(); j++ {
		a, b := p.rowPtr[j], p.rowPtr[j+1]
		if a == b {
			continue
		}
		impl.HebbRow(w[a:b], p.targets[a:b], t, eta*float32(wmax*(y[j]-float32(r.Delta))), 0, eta, wmax, false)
	}
	// HebbRow (keepSilent false) has just clamped every synapse to
	// [0, wmax], so scaleColumns would leave the columns of untaught targets
	// (t = 0, factor 1) unchanged: min(w*1, wmax) == w bit for bit for
	// w <= wmax (and for NaN). scale then rescales only the taught columns,
	// summing each column in the same (ascending synapse) order.
	p.boundOK, p.bound = true, wmax
	if r.ScaleSum > 0 {
		p.scale(float32(r.ScaleSum), wmax, t, activeTargets(t), r.ScaleNorm)
	}
}

// WeightPerturbation is the readout's weight-perturbation term: during a
// presentation every weight is perturbed, w + xi with xi ~ N(0, sigma^2)
// (clipped so that the weight stays in [0, w_max]); afterwards one global
// scalar, the sample's error E, decides how much of the perturbation is
// kept or reversed:
//
//	dw_jk = -eta * (E - Ebar) * xi_jk / sigma * y_j,   Ebar <- Ebar + (E - Ebar)/tau
//
// where Ebar is a running baseline of the error and y_j the presynaptic
// activity: a synapse whose input neuron did not fire transmitted nothing,
// so its perturbation cannot have changed E, and it is not eligible (the
// three factors are presynaptic activity, the synapse's own perturbation and
// the global scalar). No error vector is sent backwards: every synapse sees
// only its own xi, its input's activity and the scalar E - Ebar.
type WeightPerturbation struct {
	Eta, Sigma, WMax float64
	BaselineTau      float64 // samples

	base     []float32
	xi       []float32
	baseline float64
	n        int64
	key      uint64    // the stream of the current perturbation
	rows     *lazyRows // rows of the current perturbation not yet drawn
}

// Perturb saves p's weights and replaces them with perturbed ones drawn from
// the stream key (one key per sample): synapse k (in CSR order) takes the
// k-th normal deviate of the stream.
//
// The perturbed weights of a row are drawn only when they are first read:
// when the row's source neuron spikes (delivery), when the row is read
// through RowWeights, or for all rows at once by any other read of p's
// weights (Weights, Weight, Silent, a plasticity rule). Each synapse's
// deviate comes from its own position in the stream (rng.StreamAt), so the
// numbers, and every weight that is read, are those of drawing every row
// here; rows that are never read (their neuron stayed silent in the
// presentation) are restored by Update without ever being drawn, and Update
// needs the perturbation xi only of rows whose neuron fired.
func (r *WeightPerturbation) Perturb(p *Projection, key uint64) {
	w := p.Weights() // settles a perturbation still pending
	if len(r.base) != len(w) {
		r.base = make([]float32, len(w))
		r.xi = make([]float32, len(w))
	}
	copy(r.base, w)
	r.key = key
	if r.rows == nil {
		r.rows = new(lazyRows)
	}
	r.rows.reset(p.src.Len(), func(i int) { r.perturbRow(p, i) })
	p.lazy = r.rows
}

// perturbRow draws the perturbation of row i of p (Perturb).
func (r *WeightPerturbation) perturbRow(p *Projection, i int) {
	a, b := p.rowPtr[i], p.rowPtr[i+1]
	if a == b {
		return
	}
	w := p.weights[a:b]
	xi := r.xi[a:b]
	xi = xi[:len(w)]
	st := rng.StreamAt(r.key, 2*uint64(a))
	wmax := float32(r.WMax)
	for k := range w {
		x := min(max(w[k]+float32(r.Sigma*st.Norm()), 0), wmax)
		xi[k] = x - w[k]
		w[k] = x
	}
}

// Update restores the unperturbed weights and applies the perturbation rule
// with the sample's error e and the presynaptic activities y (nil: all 1).
func (r *WeightPerturbation) Update(p *Projection, e float64, y []float32) {
	var lazy *lazyRows
	if p.lazy != nil && p.lazy == r.rows {
		lazy, p.lazy = p.lazy, nil
	}
	w := p.Weights()
	if r.n == 0 {
		r.baseline = e
	}
	r.n++
	g := float32(-r.Eta * (e - r.baseline) / r.Sigma)
	wmax := float32(r.WMax)
	if lazy != nil {
		// xi of the rows that learn (gi != 0) and were not drawn yet.
		for i := 0; i < p.src.Len(); i++ {
			gi := g
			if y != nil {
				gi *= y[i]
			}
			if gi != 0 {
				lazy.settle(i)
			}
		}
	}
	copy(w, r.base)
	for i := 0; i < p.src.Len(); i++ {
		gi := g
		if y != nil {
			gi *= y[i]
		}
		if gi == 0 {
			continue
		}
		for k := p.rowPtr[i]; k < p.rowPtr[i+1]; k++ {
			w[k] = min(max(r.base[k]+gi*r.xi[k], 0), wmax)
		}
	}
	tau := max(r.BaselineTau, 1)
	r.baseline += (e - r.baseline) / tau
}

// Restore puts back the unperturbed weights without learning (evaluation).
func (r *WeightPerturbation) Restore(p *Projection) {
	if r.base != nil {
		copy(p.Weights(), r.base)
	}
}

// Baseline returns the running error baseline.
func (r *WeightPerturbation) Baseline() float64 { return r.baseline }

// State returns the running baseline and the number of samples seen (for checkpoints).
func (r *WeightPerturbation) State() (baseline float64, n int64) { return r.baseline, r.n }

// SetState restores a checkpointed baseline.
func (r *WeightPerturbation) SetState(baseline float64, n int64) { r.baseline, r.n = baseline, n }

package baseline

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// work holds the batch matrices, sized for rows samples; smaller batches
// use row-prefix views.
type work struct {
	rows             int
	x, a1, p, d1     *mat.Dense // rows x Inputs, rows x Hidden, rows x Classes, rows x Hidden
	gw1, gw2         *mat.Dense // gradients, shaped like W1 and W2
	gb1, gb2         []float64
	xs, a1s, ps, d1s *mat.Dense // current views
}

func (m *MLP) newWork(rows int) *work {
	in, h, c := m.cfg.Inputs, m.cfg.Hidden, m.cfg.Classes
	return &work{
		rows: rows,
		x:    mat.NewDense(rows, in, nil),
		a1:   mat.NewDense(rows, h, nil),
		p:    mat.NewDense(rows, c, nil),
		d1:   mat.NewDense(rows, h, nil),
		gw1:  mat.NewDense(in, h, nil),
		gw2:  mat.NewDense(h, c, nil),
		gb1:  make([]float64, h),
		gb2:  make([]float64, c),
	}
}

// resize points the views at the first b rows.
func (w *work) resize(b int) {
	if b == w.rows {
		w.xs, w.a1s, w.ps, w.d1s = w.x, w.a1, w.p, w.d1
		return
	}
	view := func(d *mat.Dense) *mat.Dense {
		_, c := d.Dims()
		return d.Slice(0, b, 0, c).(*mat.Dense)
	}
	w.xs, w.a1s, w.ps, w.d1s = view(w.x), view(w.a1), view(w.p), view(w.d1)
}

// forward computes hidden activations into w.a1s and softmax
// probabilities into w.ps for the rows already in w.xs.
func (m *MLP) forward(w *work) {
	w.a1s.Mul(w.xs, m.W1)
	addRowAct(w.a1s, m.b1, m.cfg.Activation)
	w.ps.Mul(w.a1s, m.W2)
	addRowAct(w.ps, m.b2, -1)
	r, _ := w.ps.Dims()
	for i := range r {
		softmax(w.ps.RawRowView(i))
	}
}

// addRowAct adds bias to every row of d and applies act (-1: none).
func addRowAct(d *mat.Dense, bias []float64, act Activation) {
	r, _ := d.Dims()
	for i := range r {
		row := d.RawRowView(i)
		for j, b := range bias {
			z := row[j] + b
			switch act {
			case ReLU:
				z = max(z, 0)
			case Tanh:
				z = math.Tanh(z)
			}
			row[j] = z
		}
	}
}

// softmax replaces logits z by exp(z)/sum exp(z), in place and stably.
func softmax(z []float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	var s float64
	for j, v := range z {
		e := math.Exp(v - mx)
		z[j] = e
		s += e
	}
	for j := range z {
		z[j] /= s
	}
}

// backward turns w.ps into dL/dlogits and fills the parameter gradients
// of the mean cross-entropy over the batch; it returns the summed
// (not mean) cross-entropy. labels[i] is the label of row i.
func (m *MLP) backward(w *work, labels []int) float64 {
	b := len(labels)
	inv := 1 / float64(b)
	var loss float64
	clear(w.gb2)
	for i, l := range labels {
		row := w.ps.RawRowView(i)
		loss -= math.Log(max(row[l], math.SmallestNonzeroFloat64))
		row[l] -= 1
		for j := range row {
			row[j] *= inv
			w.gb2[j] += row[j]
		}
	}
	w.gw2.Mul(w.a1s.T(), w.ps)
	w.d1s.Mul(w.ps, m.W2.T())
	clear(w.gb1)
	for i := range b {
		d, a := w.d1s.RawRowView(i), w.a1s.RawRowView(i)
		for j := range d {
			switch m.cfg.Activation {
			case ReLU:
				if a[j] <= 0 {
					d[j] = 0
				}
			case Tanh:
				d[j] *= 1 - a[j]*a[j]
			}
			w.gb1[j] += d[j]
		}
	}
	w.gw1.Mul(w.xs.T(), w.d1s)
	return loss
}

// load copies the samples idx of x (flat, Inputs per sample) into w.xs.
func (m *MLP) load(w *work, x []float32, idx []int) {
	in := m.cfg.Inputs
	w.resize(len(idx))
	for r, s := range idx {
		row := w.xs.RawRowView(r)
		for j, v := range x[s*in : (s+1)*in] {
			row[j] = float64(v)
		}
	}
}

// step applies one Adam update with the gradients in w, then the L1
// proximal step, the non-negativity projection and the pruning mask.
func (m *MLP) step(w *work) {
	c := m.cfg
	m.steps++
	t := float64(m.steps)
	c1 := 1 / (1 - math.Pow(c.Beta1, t))
	c2 := 1 / (1 - math.Pow(c.Beta2, t))
	grads := [4][]float64{w.gw1.RawMatrix().Data, w.gb1, w.gw2.RawMatrix().Data, w.gb2}
	shrink := c.LR * c.L1
	for k, p := range m.params() {
		g, mo, ve := grads[k], m.m[k], m.v[k]
		weights := k == 0 || k == 2
		var mask []float64
		if k == 0 {
			mask = m.mask
		}
		for i := range p {
			if mask != nil && mask[i] == 0 {
				p[i], mo[i], ve[i] = 0, 0, 0
				continue
			}
			gi := g[i]
			mo[i] = c.Beta1*mo[i] + (1-c.Beta1)*gi
			ve[i] = c.Beta2*ve[i] + (1-c.Beta2)*gi*gi
			wi := p[i] - c.LR*(mo[i]*c1)/(math.Sqrt(ve[i]*c2)+c.Epsilon)
			if weights {
				if shrink > 0 { // prox of shrink*|w|: soft threshold
					switch {
					case wi > shrink:
						wi -= shrink
					case wi < -shrink:
						wi += shrink
					default:
						wi = 0
					}
				}
				if c.NonNeg && wi < 0 {
					wi = 0
				}
			}
			p[i] = wi
		}
	}
}

// Train runs Config.Epochs epochs of mini-batch Adam on the samples x
// (flat, row-major: sample i is x[i*Inputs:(i+1)*Inputs]) with the given
// labels, starting from the current weights and optimiser state, so
// repeated calls on different data train sequentially (no replay).
// Each epoch visits the samples in a permutation drawn from (Seed, e),
// where e counts the model's epochs so far; the last batch may be
// smaller. progress, if not nil, is called after every epoch with the
// epoch's 1-based index within this call and its mean training
// cross-entropy. Train stops with ctx.Err() between batches when ctx is
// done. A pruning mask (PruneMagnitude) is respected. With NonNeg, the
// very first batch the model sees also sets the hidden biases to minus
// the batch mean of each unit's input (a data-dependent initialisation;
// later Train calls leave them to Adam).
func (m *MLP) Train(ctx context.Context, x []float32, labels []int, progress func(epoch int, loss float64)) error {
	return m.FineTune(ctx, x, labels, m.cfg.Epochs, progress)
}

// centre sets every hidden bias to minus the mean over the batch in w of
// its unit's input W1ᵀx, so that each unit starts active on about half
// of the samples. Non-negative weights on non-negative inputs give every
// unit a large positive input (about 4 for MNIST with He scale) that
// Adam's bias steps of about LR would need thousands of steps to offset;
// meanwhile all units are on and the net is nearly linear.
func (m *MLP) centre(w *work) {
	w.a1s.Mul(w.xs, m.W1)
	r, _ := w.a1s.Dims()
	clear(m.b1)
	for i := range r {
		for j, v := range w.a1s.RawRowView(i) {
			m.b1[j] -= v
		}
	}
	for j := range m.b1 {
		m.b1[j] /= float64(r)
	}
	m.centred = true
}

// FineTune is Train with an explicit number of epochs; it is meant for
// retraining after PruneMagnitude, whose mask keeps pruned weights at 0.
func (m *MLP) FineTune(ctx context.Context, x []float32, labels []int, epochs int, progress func(epoch int, loss float64)) error {
	if epochs < 0 {
		return fmt.Errorf("baseline: FineTune epochs = %d: must be >= 0", epochs)
	}
	if err := m.checkData(x, labels); err != nil {
		return err
	}
	n := len(labels)
	if n == 0 {
		return ErrNoData
	}
	bs := min(m.cfg.Batch, n)
	w := m.newWork(bs)
	perm := make([]int, n)
	lab := make([]int, bs)
	for e := 1; e <= epochs; e++ {
		for i := range perm {
			perm[i] = i
		}
		rng := rand.New(rand.NewPCG(m.cfg.Seed, 0x5348_5546_0000_0000|uint64(m.epochs)))
		rng.Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		var loss float64
		for s := 0; s < n; s += bs {
			if err := ctx.Err(); err != nil {
				return err
			}
			idx := perm[s:min(s+bs, n)]
			m.load(w, x, idx)
			if m.cfg.NonNeg && !m.centred {
				m.centre(w)
			}
			m.forward(w)
			for r, i := range idx {
				lab[r] = labels[i]
			}
			loss += m.backward(w, lab[:len(idx)])
			m.step(w)
		}
		m.epochs++
		if progress != nil {
			progress(e, loss/float64(n))
		}
	}
	return nil
}

// evalRows is the chunk size of batched evaluation.
const evalRows = 256

// eachChunk runs the forward pass over x in chunks and calls f with the
// first sample index of the chunk and the probabilities.
func (m *MLP) eachChunk(x []float32, f func(first int, p *mat.Dense)) {
	in := m.cfg.Inputs
	n := len(x) / in
	if n == 0 {
		return
	}
	w := m.newWork(min(evalRows, n))
	idx := make([]int, 0, w.rows)
	for s := 0; s < n; s += w.rows {
		idx = idx[:0]
		for i := s; i < min(s+w.rows, n); i++ {
			idx = append(idx, i)
		}
		m.load(w, x, idx)
		m.forward(w)
		f(s, w.ps)
	}
}

// Predict returns the most probable class of every sample of x (flat,
// Inputs values per sample; a trailing partial sample is ignored).
func (m *MLP) Predict(x []float32) []int {
	out := make([]int, len(x)/m.cfg.Inputs)
	m.eachChunk(x, func(first int, p *mat.Dense) {
		r, _ := p.Dims()
		for i := range r {
			out[first+i] = argmax(p.RawRowView(i))
		}
	})
	return out
}

// Accuracy returns the fraction of samples of x whose predicted class is
// their label (0 for no samples). It panics if x holds fewer than
// len(labels) samples.
func (m *MLP) Accuracy(x []float32, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	pred := m.Predict(x[:len(labels)*m.cfg.Inputs])
	ok := 0
	for i, p := range pred {
		if p == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(labels))
}

// Loss returns the mean cross-entropy of the samples (without the L1
// term).
func (m *MLP) Loss(x []float32, labels []int) float64 {
	if len(labels) == 0 {
		return 0
	}
	var s float64
	m.eachChunk(x[:len(labels)*m.cfg.Inputs], func(first int, p *mat.Dense) {
		r, _ := p.Dims()
		for i := range r {
			s -= math.Log(max(p.At(i, labels[first+i]), math.SmallestNonzeroFloat64))
		}
	})
	return s / float64(len(labels))
}

func argmax(v []float64) int {
	best := 0
	for j, x := range v {
		if x > v[best] {
			best = j
		}
	}
	return best
}

// hidden returns the hidden activations of one sample; it panics if
// len(x) != Inputs.
func (m *MLP) hidden(x []float64) []float64 {
	in, h := m.cfg.Inputs, m.cfg.Hidden
	if len(x) != in {
		panic(fmt.Sprintf("baseline: input has %d values, want Inputs = %d", len(x), in))
	}
	a := make([]float64, h)
	copy(a, m.b1)
	for i, xi := range x {
		if xi == 0 {
			continue
		}
		row := m.w1[i*h : (i+1)*h]
		for j, w := range row {
			a[j] += xi * w
		}
	}
	for j, z := range a {
		switch m.cfg.Activation {
		case ReLU:
			a[j] = max(z, 0)
		case Tanh:
			a[j] = math.Tanh(z)
		}
	}
	return a
}

func (m *MLP) logits(a []float64) []float64 {
	c := m.cfg.Classes
	z := make([]float64, c)
	copy(z, m.b2)
	for j, aj := range a {
		for k, w := range m.w2[j*c : (j+1)*c] {
			z[k] += aj * w
		}
	}
	return z
}

// Logits returns the output pre-activations (before softmax) for one
// sample of Inputs values. It panics if len(x) != Inputs.
func (m *MLP) Logits(x []float64) []float64 { return m.logits(m.hidden(x)) }

// Predict1 returns the most probable class of one sample.
func (m *MLP) Predict1(x []float64) int { return argmax(m.Logits(x)) }

// InputGradient returns dL/dx for one sample, where L is its
// cross-entropy for label (the L1 term does not depend on x). At a ReLU
// kink (pre-activation exactly 0) the derivative 0 is used.
func (m *MLP) InputGradient(x []float64, label int) []float64 {
	if label < 0 || label >= m.cfg.Classes {
		panic(fmt.Sprintf("baseline: label %d outside [0, %d)", label, m.cfg.Classes))
	}
	h, c := m.cfg.Hidden, m.cfg.Classes
	a := m.hidden(x)
	p := m.logits(a)
	softmax(p)
	p[label]--
	d := make([]float64, h)
	for j := range d {
		var s float64
		for k, w := range m.w2[j*c : (j+1)*c] {
			s += w * p[k]
		}
		switch m.cfg.Activation {
		case ReLU:
			if a[j] <= 0 {
				s = 0
			}
		case Tanh:
			s *= 1 - a[j]*a[j]
		}
		d[j] = s
	}
	g := make([]float64, len(x))
	for i := range g {
		var s float64
		for j, w := range m.w1[i*h : (i+1)*h] {
			s += w * d[j]
		}
		g[i] = s
	}
	return g
}

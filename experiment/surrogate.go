package experiment

import (
	"math"

	"dalesim/learn"
)

// Surrogate is the rate-equivalent of a trained spiking model, through
// which a white-box attack can take gradients (the spiking network itself
// has none). For an image x (intensities in [0, 1]):
//
//	u_j = Σ_i w_ij · x_i · r·T/1000 − (ϑ + θ_j)       expected input charge of hidden j minus its threshold
//	a   = softmax(β · u)                               soft winner-take-all: the lateral inhibition
//	s_k = Σ_j v_jk · a_j                               drive of class k's readout neurons
//	p   = softmax(γ · s)                               class probabilities
//
// with w, v the trained weights (mV), r the input rate at intensity 1, T the
// presentation time, ϑ the threshold's distance from rest and θ_j the
// homeostatic offsets. The loss is −log p_label; its gradient with respect
// to x is exact (InputGradient). β and γ are fitted by Calibrate so that the
// surrogate predicts what the spiking network predicts.
type Surrogate struct {
	W       [][]float64 // [hidden][input], already multiplied by r·T/1000
	Thresh  []float64   // ϑ + θ_j per hidden neuron
	V       [][]float64 // [hidden][class]
	Beta    float64
	Gamma   float64
	classes []int
}

// NewSurrogate reads the weights and thresholds of a model.
func NewSurrogate(m *learn.Model) *Surrogate {
	nin, nh, nc := m.Input.Len(), m.Hidden.Len(), len(m.Classes)
	scale := m.InputRateHz() * m.PresentationMS() / 1000
	s := &Surrogate{W: make([][]float64, nh), Thresh: make([]float64, nh), V: make([][]float64, nh),
		Beta: 1, Gamma: 1, classes: m.Classes}
	for j := range nh {
		s.W[j] = make([]float64, nin)
		s.V[j] = make([]float64, nc)
	}
	for i := range nin {
		tg, first := m.InHid.Row(i)
		for k, j := range tg {
			s.W[j][i] += float64(m.InHid.Weight(first+k)) * scale
		}
	}
	par := m.Hidden.Params
	for j := range nh {
		s.Thresh[j] = par.VThresh - par.VRest + float64(m.Hidden.State.Theta[j])
	}
	g := m.Group()
	for j := range nh {
		tg, first := m.HidOut.Row(j)
		for k, r := range tg {
			s.V[j][int(r)/g] += float64(m.HidOut.Weight(first + k))
		}
	}
	return s
}

// forward returns the hidden soft-WTA activities and class probabilities.
func (s *Surrogate) forward(x []float64) (a, p []float64) {
	nh := len(s.W)
	u := make([]float64, nh)
	for j, w := range s.W {
		var d float64
		for i, xi := range x {
			d += w[i] * xi
		}
		u[j] = s.Beta * (d - s.Thresh[j])
	}
	a = softmax(u)
	nc := len(s.classes)
	sc := make([]float64, nc)
	for j, aj := range a {
		for k := range nc {
			sc[k] += s.V[j][k] * aj
		}
	}
	for k := range sc {
		sc[k] *= s.Gamma
	}
	return a, softmax(sc)
}

func softmax(z []float64) []float64 {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = max(mx, v)
	}
	out := make([]float64, len(z))
	var sum float64
	for i, v := range z {
		out[i] = math.Exp(v - mx)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// classIndex maps a label to its class index (-1: none).
func (s *Surrogate) classIndex(label int) int {
	for k, c := range s.classes {
		if c == label {
			return k
		}
	}
	return -1
}

// Predict1 returns the surrogate's predicted label.
func (s *Surrogate) Predict1(x []float64) int {
	_, p := s.forward(x)
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	return s.classes[best]
}

// Loss returns −log p_label.
func (s *Surrogate) Loss(x []float64, label int) float64 {
	_, p := s.forward(x)
	return -math.Log(max(p[s.classIndex(label)], 1e-300))
}

// InputGradient returns ∂(−log p_label)/∂x.
func (s *Surrogate) InputGradient(x []float64, label int) []float64 {
	a, p := s.forward(x)
	c := s.classIndex(label)
	// ∂L/∂s_k = γ (p_k − [k = c]); ∂L/∂a_j = Σ_k v_jk ∂L/∂s_k.
	ds := make([]float64, len(p))
	for k := range p {
		ds[k] = s.Gamma * p[k]
	}
	ds[c] -= s.Gamma
	da := make([]float64, len(a))
	var mean float64
	for j := range a {
		for k, d := range ds {
			da[j] += s.V[j][k] * d
		}
		mean += a[j] * da[j]
	}
	// softmax: ∂L/∂u_j = β a_j (da_j − Σ_l a_l da_l).
	g := make([]float64, len(x))
	for j, w := range s.W {
		du := s.Beta * a[j] * (da[j] - mean)
		if du == 0 {
			continue
		}
		for i := range g {
			g[i] += du * w[i]
		}
	}
	return g
}

// Calibrate chooses β from a grid so that the surrogate's predictions
// agree most often with the spiking network's (preds) on the images x, and
// γ so that the class scores γ·s spread by about one unit (their standard
// deviation over classes, averaged over x, is 1: γ does not change a
// prediction, only the softness of the loss). It returns the agreement.
func (s *Surrogate) Calibrate(x [][]float64, preds []int) float64 {
	best, bb := -1.0, s.Beta
	for _, beta := range []float64{0.01, 0.03, 0.1, 0.3, 1, 3, 10} {
		s.Beta = beta
		agree := 0
		for i, xi := range x {
			if s.Predict1(xi) == preds[i] {
				agree++
			}
		}
		if f := float64(agree) / float64(len(x)); f > best {
			best, bb = f, beta
		}
	}
	s.Beta, s.Gamma = bb, 1
	var spread float64
	for _, xi := range x {
		a, _ := s.forward(xi)
		sc := make([]float64, len(s.classes))
		for j, aj := range a {
			for k := range sc {
				sc[k] += s.V[j][k] * aj
			}
		}
		_, sd := meanSD(sc)
		spread += sd
	}
	if spread > 0 {
		s.Gamma = float64(len(x)) / spread
	}
	return best
}

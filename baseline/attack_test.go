package baseline

import (
	"math"
	"math/rand/v2"
	"testing"
)

// linear is a softmax regression z = W x + b built by hand: its input
// gradient is known in closed form, dL/dx = W^T (softmax(z) - onehot).
type linear struct {
	w [][]float64 // classes x dim
	b []float64
}

func randLinear(seed uint64, classes, dim int) *linear {
	rng := rand.New(rand.NewPCG(seed, 1))
	l := &linear{w: make([][]float64, classes), b: make([]float64, classes)}
	for c := range l.w {
		l.w[c] = make([]float64, dim)
		for j := range l.w[c] {
			l.w[c][j] = rng.NormFloat64()
		}
		l.b[c] = 0.1 * rng.NormFloat64()
	}
	return l
}

func (l *linear) probs(x []float64) []float64 {
	z := make([]float64, len(l.w))
	for c, row := range l.w {
		z[c] = l.b[c]
		for j, w := range row {
			z[c] += w * x[j]
		}
	}
	softmax(z)
	return z
}

func (l *linear) loss(x []float64, label int) float64 { return -math.Log(l.probs(x)[label]) }

func (l *linear) InputGradient(x []float64, label int) []float64 {
	p := l.probs(x)
	p[label]--
	g := make([]float64, len(x))
	for c, row := range l.w {
		for j, w := range row {
			g[j] += w * p[c]
		}
	}
	return g
}

func (l *linear) Predict1(x []float64) int { return argmax(l.probs(x)) }

func randImage(rng *rand.Rand, dim int) []float64 {
	x := make([]float64, dim)
	for j := range x {
		switch r := rng.Float64(); {
		case r < 0.3:
			x[j] = 0 // background pixels exercise the clip at 0
		case r < 0.5:
			x[j] = 1
		default:
			x[j] = rng.Float64()
		}
	}
	return x
}

// Tolerances of the attack tests.
const (
	boxTol  = 1e-12 // slack of the eps-ball and [0,1] checks
	lossTol = 1e-9  // PGD may not end below FGSM's loss by more than this
)

func TestFGSMClosedForm(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		l := randLinear(seed, 4, 30)
		rng := rand.New(rand.NewPCG(seed, 2))
		for _, eps := range []float64{0, 0.05, 0.3, 2} {
			x := randImage(rng, 30)
			label := rng.IntN(4)
			orig := append([]float64(nil), x...)
			got := FGSM(l, x, label, eps)
			p := l.probs(x)
			for j := range x {
				var g float64 // closed form W^T (p - onehot)
				for c := range l.w {
					y := 0.0
					if c == label {
						y = 1
					}
					g += l.w[c][j] * (p[c] - y)
				}
				s := 0.0
				if g > 0 {
					s = 1
				} else if g < 0 {
					s = -1
				}
				want := math.Min(math.Max(x[j]+eps*s, 0), 1)
				if got[j] != want {
					t.Fatalf("seed %d, eps %g: FGSM pixel %d = %g, want clip(x + eps*sign(grad)) = %g", seed, eps, j, got[j], want)
				}
				if x[j] != orig[j] {
					t.Fatalf("seed %d: FGSM modified its input", seed)
				}
			}
		}
	}
}

func TestPGD(t *testing.T) {
	const (
		dim   = 40
		steps = 40
	)
	for _, tc := range []struct {
		name    string
		classes int
		eps     float64
	}{
		{"binary", 2, 0.1},
		{"multiclass small eps", 5, 0.05},
		{"multiclass", 5, 0.3},
	} {
		for _, seed := range []uint64{1, 2, 3, 4, 5} {
			l := randLinear(seed, tc.classes, dim)
			rng := rand.New(rand.NewPCG(seed, 3))
			x := randImage(rng, dim)
			label := rng.IntN(tc.classes)
			orig := append([]float64(nil), x...)
			fgsm := FGSM(l, x, label, tc.eps)
			for _, rs := range []bool{false, true} {
				adv := PGD(l, x, label, tc.eps, tc.eps/10, steps, rs, seed)
				for j, v := range adv {
					if v < -boxTol || v > 1+boxTol || math.Abs(v-x[j]) > tc.eps+boxTol {
						t.Fatalf("%s, seed %d, random start %v: pixel %d = %g leaves [0,1] or the %g-ball around %g",
							tc.name, seed, rs, j, v, tc.eps, x[j])
					}
					if x[j] != orig[j] {
						t.Fatalf("%s, seed %d: PGD modified its input", tc.name, seed)
					}
				}
				if lp, lf := l.loss(adv, label), l.loss(fgsm, label); lp < lf-lossTol {
					t.Errorf("%s, seed %d, random start %v: PGD loss %g < FGSM loss %g", tc.name, seed, rs, lp, lf)
				}
				again := PGD(l, x, label, tc.eps, tc.eps/10, steps, rs, seed)
				if ok, j := sameBits(adv, again); !ok {
					t.Fatalf("%s, seed %d, random start %v: PGD not deterministic (pixel %d)", tc.name, seed, rs, j)
				}
			}
			// One full step from x is FGSM.
			if ok, j := sameBits(PGD(l, x, label, tc.eps, tc.eps, 1, false, seed), fgsm); !ok {
				t.Errorf("%s, seed %d: PGD with one step of size eps differs from FGSM at pixel %d", tc.name, seed, j)
			}
		}
	}
}

func TestGaussianNoise(t *testing.T) {
	const seed = 4
	rng := rand.New(rand.NewPCG(seed, 4))
	x := randImage(rng, 500)
	if ok, j := sameBits(GaussianNoise(x, 0, seed), x); !ok {
		t.Fatalf("seed %d: sigma 0 changed pixel %d", seed, j)
	}
	a, b := GaussianNoise(x, 0.3, seed), GaussianNoise(x, 0.3, seed)
	if ok, _ := sameBits(a, b); !ok {
		t.Fatalf("seed %d: GaussianNoise is not deterministic", seed)
	}
	if ok, _ := sameBits(a, GaussianNoise(x, 0.3, seed+1)); ok {
		t.Fatalf("seeds %d and %d gave the same noise", seed, seed+1)
	}
	var moved int
	for j, v := range a {
		if v < 0 || v > 1 {
			t.Fatalf("seed %d: pixel %d = %g outside [0,1]", seed, j, v)
		}
		if v != x[j] {
			moved++
		}
	}
	if moved == 0 {
		t.Fatalf("seed %d: sigma 0.3 changed no pixel", seed)
	}
}

// TestAttackMLP: the attacks run against the MLP through Differentiable
// and raise its loss.
func TestAttackMLP(t *testing.T) {
	const seed = 41
	x, labels := synthetic(seed, 200, 30, 3, 0.4, 0.1)
	m := train(t, Config{Inputs: 30, Hidden: 10, Classes: 3, Epochs: 5, Seed: seed}, x, labels)
	ce := func(v []float64, l int) float64 {
		z := m.Logits(v)
		softmax(z)
		return -math.Log(z[l])
	}
	var clean, fgsm, pgd float64
	for i := range 20 {
		xi, l := toF64(x[i*30:(i+1)*30]), labels[i]
		clean += ce(xi, l)
		fgsm += ce(FGSM(m, xi, l, 0.2), l)
		pgd += ce(PGD(m, xi, l, 0.2, 0.02, 20, true, uint64(i)), l)
	}
	if !(fgsm > clean && pgd > clean) {
		t.Errorf("seed %d: summed loss clean %g, FGSM %g, PGD %g: want both attacks above clean", seed, clean, fgsm, pgd)
	}
	acc := RobustAccuracy(m, x[:20*30], labels[:20], func(_ int, v []float64, _ int) []float64 { return v })
	if want := m.Accuracy(x[:20*30], labels[:20]); acc != want {
		t.Errorf("RobustAccuracy with the identity = %g, Accuracy = %g", acc, want)
	}
}

package baseline

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"gonum.org/v1/gonum/mat"
)

// Activation selects the hidden-layer nonlinearity.
type Activation int

const (
	ReLU Activation = iota // max(0, z), the default; He initialisation
	Tanh                   // tanh(z); Glorot initialisation
)

func (a Activation) String() string {
	switch a {
	case ReLU:
		return "relu"
	case Tanh:
		return "tanh"
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// Defaults used for zero-valued Config fields.
const (
	DefaultInputs  = 784
	DefaultClasses = 10
	DefaultEpochs  = 1
	DefaultBatch   = 64
	DefaultLR      = 1e-3
	DefaultBeta1   = 0.9
	DefaultBeta2   = 0.999
	DefaultEpsilon = 1e-8
)

// Config describes an MLP and how it is trained. Zero values of Inputs,
// Classes, Epochs, Batch, LR, Beta1, Beta2 and Epsilon select the
// Default* constants; Hidden must be set.
type Config struct {
	Inputs     int        // input dimension (784 for MNIST)
	Hidden     int        // hidden units H (required, > 0)
	Classes    int        // output units; label l drives output l
	Activation Activation // hidden nonlinearity (ReLU by default)

	Epochs  int     // passes over the data per Train call
	Batch   int     // mini-batch size
	LR      float64 // Adam step size
	Beta1   float64 // Adam first-moment decay
	Beta2   float64 // Adam second-moment decay
	Epsilon float64 // Adam denominator guard

	// NonNeg projects both weight matrices onto w >= 0 after every step.
	// Biases are left unconstrained (and may become negative).
	NonNeg bool
	// L1 is lambda in the penalty lambda*sum|w| over both weight matrices
	// (not biases), applied as a proximal (soft-threshold) step after
	// every Adam step; see the package documentation.
	L1 float64

	Seed uint64 // initialisation and shuffling
}

// withDefaults returns c with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	deff := func(p *float64, v float64) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.Inputs, DefaultInputs)
	def(&c.Classes, DefaultClasses)
	def(&c.Epochs, DefaultEpochs)
	def(&c.Batch, DefaultBatch)
	deff(&c.LR, DefaultLR)
	deff(&c.Beta1, DefaultBeta1)
	deff(&c.Beta2, DefaultBeta2)
	deff(&c.Epsilon, DefaultEpsilon)
	return c
}

// Validate reports the first invalid field of c (after defaults are
// applied), naming the field, its value and the rule it breaks.
func (c Config) Validate() error {
	c = c.withDefaults()
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Hidden <= 0:
		return fmt.Errorf("baseline: Config.Hidden = %d: must be > 0", c.Hidden)
	case c.Inputs < 0:
		return fmt.Errorf("baseline: Config.Inputs = %d: must be > 0 (0 means %d)", c.Inputs, DefaultInputs)
	case c.Classes < 2:
		return fmt.Errorf("baseline: Config.Classes = %d: must be >= 2 (0 means %d)", c.Classes, DefaultClasses)
	case c.Activation != ReLU && c.Activation != Tanh:
		return fmt.Errorf("baseline: Config.Activation = %d: must be ReLU (%d) or Tanh (%d)", int(c.Activation), int(ReLU), int(Tanh))
	case c.Epochs < 0:
		return fmt.Errorf("baseline: Config.Epochs = %d: must be >= 0 (0 means %d)", c.Epochs, DefaultEpochs)
	case c.Batch < 0:
		return fmt.Errorf("baseline: Config.Batch = %d: must be > 0 (0 means %d)", c.Batch, DefaultBatch)
	case !finite(c.LR) || c.LR < 0:
		return fmt.Errorf("baseline: Config.LR = %g: must be finite and > 0 (0 means %g)", c.LR, DefaultLR)
	case !finite(c.Beta1) || c.Beta1 < 0 || c.Beta1 >= 1:
		return fmt.Errorf("baseline: Config.Beta1 = %g: must lie in [0,1) (0 means %g)", c.Beta1, DefaultBeta1)
	case !finite(c.Beta2) || c.Beta2 < 0 || c.Beta2 >= 1:
		return fmt.Errorf("baseline: Config.Beta2 = %g: must lie in [0,1) (0 means %g)", c.Beta2, DefaultBeta2)
	case !finite(c.Epsilon) || c.Epsilon < 0:
		return fmt.Errorf("baseline: Config.Epsilon = %g: must be finite and > 0 (0 means %g)", c.Epsilon, DefaultEpsilon)
	case !finite(c.L1) || c.L1 < 0:
		return fmt.Errorf("baseline: Config.L1 = %g: must be finite and >= 0", c.L1)
	}
	return nil
}

// MLP is a rate network Inputs-Hidden-Classes with one hidden layer and a
// softmax output, trained by mini-batch Adam on the cross-entropy loss.
// An MLP is not safe for concurrent use while it trains; the read-only
// methods (Predict, Logits, InputGradient, ...) may run concurrently with
// each other.
type MLP struct {
	cfg Config

	// Parameters. w1 is Inputs x Hidden and w2 Hidden x Classes, both
	// row-major; W1 and W2 are gonum views of the same storage.
	w1, b1, w2, b2 []float64
	W1, W2         *mat.Dense

	// Adam moments, one per parameter slice, and the step count.
	m, v  [4][]float64
	steps int

	mask   []float64 // nil, or 0/1 per w1 entry (PruneMagnitude)
	epochs int       // epochs trained so far: seeds the next shuffle

	centred bool // NonNeg hidden biases set from the first batch
}

// New returns an initialised, untrained MLP. Weights are drawn from a
// normal distribution with standard deviation sqrt(2/fan_in) (He, for ReLU)
// or sqrt(2/(fan_in+fan_out)) (Glorot, for Tanh and for the output
// layer) using a PCG generator seeded by cfg.Seed; biases start at zero.
// With NonNeg the absolute values are used (a half-normal draw), which
// is the projection of a random sign-symmetric draw onto w >= 0 without
// losing half the weights, and the hidden biases are set from the data
// at the first training batch (see Train).
func New(cfg Config) (*MLP, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	in, h, c := cfg.Inputs, cfg.Hidden, cfg.Classes
	m := &MLP{
		cfg: cfg,
		w1:  make([]float64, in*h),
		b1:  make([]float64, h),
		w2:  make([]float64, h*c),
		b2:  make([]float64, c),
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6261_7365_6c69_6e65)) // "baseline"
	std1 := math.Sqrt(2 / float64(in))
	if cfg.Activation == Tanh {
		std1 = math.Sqrt(2 / float64(in+h))
	}
	std2 := math.Sqrt(2 / float64(h+c))
	draw := func(w []float64, std float64) {
		for i := range w {
			w[i] = rng.NormFloat64() * std
			if cfg.NonNeg {
				w[i] = math.Abs(w[i])
			}
		}
	}
	draw(m.w1, std1)
	draw(m.w2, std2)
	m.views()
	for i, p := range m.params() {
		m.m[i] = make([]float64, len(p))
		m.v[i] = make([]float64, len(p))
	}
	return m, nil
}

// views (re)creates the gonum matrices over w1 and w2.
func (m *MLP) views() {
	m.W1 = mat.NewDense(m.cfg.Inputs, m.cfg.Hidden, m.w1)
	m.W2 = mat.NewDense(m.cfg.Hidden, m.cfg.Classes, m.w2)
}

// params lists the parameter slices in a fixed order: w1, b1, w2, b2.
func (m *MLP) params() [4][]float64 { return [4][]float64{m.w1, m.b1, m.w2, m.b2} }

// Config returns the configuration with defaults filled in.
func (m *MLP) Config() Config { return m.cfg }

// Epochs returns how many epochs the model has been trained in total.
func (m *MLP) Epochs() int { return m.epochs }

// Clone returns a deep copy: parameters, Adam state, pruning mask and
// epoch count. Training the copy does not affect m.
func (m *MLP) Clone() *MLP {
	c := &MLP{cfg: m.cfg, steps: m.steps, epochs: m.epochs, centred: m.centred}
	c.w1, c.b1, c.w2, c.b2 = slices.Clone(m.w1), slices.Clone(m.b1), slices.Clone(m.w2), slices.Clone(m.b2)
	for i := range m.m {
		c.m[i] = slices.Clone(m.m[i])
		c.v[i] = slices.Clone(m.v[i])
	}
	c.mask = slices.Clone(m.mask)
	c.views()
	return c
}

// Weights returns copies of the parameters: the Inputs x Hidden matrix,
// hidden biases, the Hidden x Classes matrix and output biases.
func (m *MLP) Weights() (w1 *mat.Dense, b1 []float64, w2 *mat.Dense, b2 []float64) {
	return mat.DenseCopyOf(m.W1), slices.Clone(m.b1), mat.DenseCopyOf(m.W2), slices.Clone(m.b2)
}

// ResetOptimizer clears the Adam moments and step count, so the next
// Train call starts Adam afresh from the current weights. Train does not
// do this by itself: sequential Train calls continue one optimiser run.
func (m *MLP) ResetOptimizer() {
	for i := range m.m {
		clear(m.m[i])
		clear(m.v[i])
	}
	m.steps = 0
}

// NonZero counts the non-zero weights of the input->hidden matrix and of
// both weight matrices together (biases are not counted).
func (m *MLP) NonZero() (inputHidden, total int) {
	for _, w := range m.w1 {
		if w != 0 {
			inputHidden++
		}
	}
	total = inputHidden
	for _, w := range m.w2 {
		if w != 0 {
			total++
		}
	}
	return inputHidden, total
}

// PruneMagnitude keeps the keep input->hidden weights of largest |w|
// (ties go to the lower index, row-major Inputs x Hidden), sets the rest
// to zero and records a mask that keeps them zero in all later training
// (Train and FineTune). Their Adam moments are cleared. A later call
// replaces the mask; weights pruned earlier stay zero and can only be
// kept among the largest if keep exceeds the number of non-zeros.
// Afterwards exactly keep weights are non-zero unless fewer than keep
// were non-zero before.
func (m *MLP) PruneMagnitude(keep int) error {
	n := len(m.w1)
	if keep < 0 || keep > n {
		return fmt.Errorf("baseline: PruneMagnitude keep = %d: must lie in [0, %d] (Inputs*Hidden)", keep, n)
	}
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(math.Abs(m.w1[b]), math.Abs(m.w1[a])) // descending
	})
	if m.mask == nil {
		m.mask = make([]float64, n)
	} else {
		clear(m.mask)
	}
	for _, i := range idx[:keep] {
		m.mask[i] = 1
	}
	for i, k := range m.mask {
		if k == 0 {
			m.w1[i], m.m[0][i], m.v[0][i] = 0, 0, 0
		}
	}
	return nil
}

// Mask returns a copy of the pruning mask (1 = trainable, 0 = pruned) of
// the input->hidden weights, or nil if the model was never pruned.
func (m *MLP) Mask() []float64 { return slices.Clone(m.mask) }

// checkData checks the data length and labels against Inputs and Classes.
func (m *MLP) checkData(x []float32, labels []int) error {
	in := m.cfg.Inputs
	if len(x) != len(labels)*in {
		return fmt.Errorf("baseline: data has %d values for %d labels: want %d (labels x Inputs = %d x %d)",
			len(x), len(labels), len(labels)*in, len(labels), in)
	}
	for i, l := range labels {
		if l < 0 || l >= m.cfg.Classes {
			return fmt.Errorf("baseline: labels[%d] = %d: must lie in [0, %d) (Classes)", i, l, m.cfg.Classes)
		}
	}
	return nil
}

// ErrNoData is returned by Train and FineTune when given no samples.
var ErrNoData = errors.New("baseline: no training samples")

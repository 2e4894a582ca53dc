package experiment

import (
	"context"
	"errors"

	"dalesim/baseline"
	"dalesim/examples"
	"dalesim/mnist"
)

// The models every experiment compares.
const (
	ModelRule   = "rule"               // dalesim's spiking network and learning rule
	ModelBP     = "backprop"           // rate MLP of the same shape, Adam, cross-entropy
	ModelNonNeg = "backprop-nonneg-l1" // the same with weights >= 0 and an L1 penalty
	// ModelRuleRegrow is the rule with regrow = true: an eliminated
	// synapse may grow back (continual: does permanent elimination stop
	// later tasks from being learned?).
	ModelRuleRegrow = "rule-regrow"
)

// L1 is the penalty of the nonnegative backprop baseline.
const L1 = 0.1

func defaultSpecText() (string, error) { return string(examples.MNIST), nil }

// BaselineConfig returns the MLP of a model name, hidden size and seed.
func BaselineConfig(model string, hidden int, seed int64, epochs int) baseline.Config {
	cfg := baseline.Config{Inputs: 784, Hidden: hidden, Classes: 10, Epochs: max(epochs, 1), Seed: uint64(seed)}
	if model == ModelNonNeg {
		cfg.NonNeg, cfg.L1 = true, L1
	}
	return cfg
}

// TrainBaseline trains a new MLP on set.
func TrainBaseline(ctx context.Context, cfg baseline.Config, set *mnist.Set) (*baseline.MLP, error) {
	m, err := baseline.New(cfg)
	if err != nil {
		return nil, err
	}
	x, y := Flat(set)
	if err := m.Train(ctx, x, y, nil); err != nil {
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil, errStop
		}
		return nil, err
	}
	return m, nil
}

// BaselineAccuracy returns an MLP's accuracy on set.
func BaselineAccuracy(m *baseline.MLP, set *mnist.Set) float64 {
	x, y := Flat(set)
	return m.Accuracy(x, y)
}

// Flat returns the images of s as one flat slice of intensities in [0, 1]
// (image after image) and their labels.
func Flat(s *mnist.Set) ([]float32, []int) {
	n := s.Rows * s.Cols
	x := make([]float32, s.Len()*n)
	y := make([]int, s.Len())
	for i := range y {
		s.Intensities(i, x[i*n:(i+1)*n])
		y[i] = s.Label(i)
	}
	return x, y
}

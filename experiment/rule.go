package experiment

import (
	"context"
	"errors"

	"dalesim/learn"
	"dalesim/network"
	"dalesim/simd"
	"dalesim/spec"
)

// RuleConfig describes one model of dalesim's learning rule.
type RuleConfig struct {
	Hidden  int
	Seed    int64
	Epochs  int
	Threads int
	Kernels *simd.Impl
	// Edit, if set, changes the spec before the model is built (an
	// elimination offset, a rule variant).
	Edit func(*spec.Spec)
}

// NewRule builds an untrained model of the rule for classes.
func NewRule(cfg RuleConfig, classes []int) (*learn.Model, error) {
	s, err := learn.DefaultSpec()
	if err != nil {
		return nil, err
	}
	if cfg.Edit != nil {
		cfg.Edit(s)
	}
	if err := learn.Configure(s, cfg.Hidden, cfg.Seed); err != nil {
		return nil, err
	}
	return learn.New(s, network.Options{Threads: max(cfg.Threads, 1), Kernels: cfg.Kernels}, classes)
}

// TrainRule builds a model and trains it for cfg.Epochs epochs (at least
// one) on train; epoch numbers continue from first (sequential training on
// several tasks shuffles each task's epochs differently).
func TrainRule(ctx context.Context, m *learn.Model, train learn.Samples, epochs, first int) error {
	for e := range max(epochs, 1) {
		if _, err := m.TrainEpoch(ctx, train, first+e, nil); err != nil {
			if errors.Is(err, learn.ErrInterrupted) {
				return errStop
			}
			return err
		}
	}
	return nil
}

// EvalRule returns the model's accuracy on set, without learning.
func EvalRule(ctx context.Context, m *learn.Model, set learn.Samples) (float64, error) {
	ev, err := m.Evaluate(ctx, set, nil)
	if errors.Is(err, learn.ErrInterrupted) {
		return 0, errStop
	}
	if err != nil {
		return 0, err
	}
	return ev.Accuracy, nil
}

package learn

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"
)

// ErrInterrupted is returned when the context ends a training or evaluation.
var ErrInterrupted = errors.New("interrupted")

// Eval is the result of scoring a data set.
type Eval struct {
	Samples   int     `json:"samples"`
	Correct   int     `json:"correct"`
	Accuracy  float64 `json:"accuracy"`
	Confusion [][]int `json:"confusion"` // [true class index][predicted class index]
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"samples_per_second"`
	MeanError float64 `json:"mean_error"`
}

// Samples is a labelled image set: *mnist.Set, or Images.
type Samples interface {
	Len() int
	// Intensities writes image i as intensities in [0, 1] into dst and returns it.
	Intensities(i int, dst []float32) []float32
	Label(i int) int
}

// Images is a Samples of images given as intensities (for example
// adversarial or noisy versions of a test set).
type Images struct {
	X      [][]float32
	Labels []int
}

// Len returns the number of images.
func (s *Images) Len() int { return len(s.X) }

// Intensities copies image i into dst.
func (s *Images) Intensities(i int, dst []float32) []float32 { return dst[:copy(dst, s.X[i])] }

// Label returns the label of image i.
func (s *Images) Label(i int) int { return s.Labels[i] }

// Progress is called after every presentation with the number done, the
// total, and the running accuracy.
type Progress func(done, total int, acc float64)

// classIndex maps labels to class indices.
func (m *Model) classIndex(label int) int {
	for k, c := range m.Classes {
		if c == label {
			return k
		}
	}
	return -1
}

// Evaluate scores the model on a set without learning.
func (m *Model) Evaluate(ctx context.Context, set Samples, progress Progress) (*Eval, error) {
	return m.run(ctx, set, nil, false, Evaluation, 0, progress)
}

// TrainEpoch presents every sample of set once, in an order shuffled from
// (seed, epoch), and learns. firstIndex is the presentation index of the
// epoch's first sample (so that a resumed run draws the same numbers).
func (m *Model) TrainEpoch(ctx context.Context, set Samples, epoch int, progress Progress) (*Eval, error) {
	order := make([]int, set.Len())
	for i := range order {
		order[i] = i
	}
	r := rand.New(rand.NewPCG(m.seed, uint64(epoch)+1))
	r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	return m.run(ctx, set, order, true, Training, int64(epoch)*int64(set.Len()), progress)
}

func (m *Model) run(ctx context.Context, set Samples, order []int, learn bool, phase Phase, first int64, progress Progress) (*Eval, error) {
	n := set.Len()
	ev := &Eval{Samples: n, Confusion: make([][]int, len(m.Classes))}
	for k := range ev.Confusion {
		ev.Confusion[k] = make([]int, len(m.Classes))
	}
	img := make([]float32, m.Input.Len())
	start := time.Now()
	done := ctx.Done()
	var errSum float64
	for i := 0; i < n; i++ {
		select {
		case <-done:
			ev.Samples = i
			ev.finish(start, errSum)
			return ev, ErrInterrupted
		default:
		}
		s := i
		if order != nil {
			s = order[i]
		}
		set.Intensities(s, img)
		label := set.Label(s)
		out, err := m.Present(img, label, learn, phase, first+int64(i))
		if err != nil {
			return nil, err
		}
		errSum += out.Error
		t, p := m.classIndex(label), m.classIndex(out.Pred)
		if t >= 0 {
			ev.Confusion[t][p]++
			if t == p {
				ev.Correct++
			}
		}
		if progress != nil {
			progress(i+1, n, float64(ev.Correct)/float64(i+1))
		}
	}
	ev.finish(start, errSum)
	return ev, nil
}

func (ev *Eval) finish(start time.Time, errSum float64) {
	ev.Seconds = time.Since(start).Seconds()
	if ev.Samples > 0 {
		ev.Accuracy = float64(ev.Correct) / float64(ev.Samples)
		ev.MeanError = errSum / float64(ev.Samples)
	}
	if ev.Seconds > 0 {
		ev.PerSecond = float64(ev.Samples) / ev.Seconds
	}
}

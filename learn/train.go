package learn

import (
	"context"
	"dalesim/network"
	"errors"
	"math/rand/v2"
	"sync"
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

// Evaluate scores the model on a set without learning. When the model's
// network has several threads, the samples are shared among that many
// copies of the model, one thread each, in contiguous blocks: a
// presentation's random numbers depend only on (seed, phase, sample index),
// so the outcome is the same for every thread count.
func (m *Model) Evaluate(ctx context.Context, set Samples, progress Progress) (*Eval, error) {
	w := m.Net.Threads()
	if w <= 1 || set.Len() < 2*w {
		return m.run(ctx, set, nil, false, Evaluation, 0, progress)
	}
	return m.evaluateShared(ctx, set, progress, w)
}

// evaluateShared evaluates set on w single-threaded copies of the model.
func (m *Model) evaluateShared(ctx context.Context, set Samples, progress Progress, w int) (*Eval, error) {
	start := time.Now()
	n := set.Len()
	evs := make([]*Eval, w)
	errs := make([]error, w)
	copies, err := m.evalCopiesFor(w)
	if err != nil {
		return nil, err
	}
	for _, c := range copies {
		c.refreshFrom(m)
	}
	var mu sync.Mutex
	done, correct := 0, 0
	var wg sync.WaitGroup
	for k := range w {
		lo, hi := k*n/w, (k+1)*n/w
		wg.Add(1)
		go func() {
			defer wg.Done()
			var p Progress
			if progress != nil {
				last, lastOK := 0, 0
				p = func(d, _ int, acc float64) {
					mu.Lock()
					ok := int(acc*float64(d) + 0.5)
					done, correct = done+d-last, correct+ok-lastOK
					last, lastOK = d, ok
					progress(done, n, float64(correct)/float64(done))
					mu.Unlock()
				}
			}
			c := copies[k]
			defer c.Net.Close()
			evs[k], errs[k] = c.runRange(ctx, set, lo, hi, p)
		}()
	}
	wg.Wait()
	ev := &Eval{Confusion: make([][]int, len(m.Classes))}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, len(m.Classes))
	}
	var errSum float64
	interrupted := false
	for k := range w {
		if errs[k] != nil && !errors.Is(errs[k], ErrInterrupted) {
			return nil, errs[k]
		}
		interrupted = interrupted || errs[k] != nil
		if evs[k] == nil {
			continue
		}
		ev.Samples += evs[k].Samples
		ev.Correct += evs[k].Correct
		errSum += evs[k].MeanError * float64(evs[k].Samples)
		for i, row := range evs[k].Confusion {
			for j, c := range row {
				ev.Confusion[i][j] += c
			}
		}
		m.stats.add(copies[k].stats)
	}
	ev.finish(start, errSum)
	if interrupted {
		return ev, ErrInterrupted
	}
	return ev, nil
}

// runRange evaluates samples lo..hi-1 of set, each with its own index.
func (m *Model) runRange(ctx context.Context, set Samples, lo, hi int, progress Progress) (*Eval, error) {
	return m.run(ctx, &window{set, lo, hi}, nil, false, Evaluation, int64(lo), progress)
}

// window is samples lo..hi-1 of a set.
type window struct {
	s      Samples
	lo, hi int
}

func (w *window) Len() int                                   { return w.hi - w.lo }
func (w *window) Intensities(i int, dst []float32) []float32 { return w.s.Intensities(w.lo+i, dst) }
func (w *window) Label(i int) int                            { return w.s.Label(w.lo + i) }

// copyForEval returns a single-threaded copy of the model with the same
// weights and thresholds (for evaluation: no learning state is copied).
func (m *Model) copyForEval() (*Model, error) {
	c, err := New(m.Spec, network.Options{Threads: 1, Kernels: m.Net.Impl()}, m.Classes)
	if err != nil {
		return nil, err
	}
	c.refreshFrom(m)
	return c, nil
}

// evalCopiesFor returns w single-threaded copies of the model for
// evaluateShared: the ones of the previous evaluation if there are enough
// with the same kernels (building a copy of a large network costs as much
// as evaluating many samples, and would run before the threads start),
// otherwise new ones. The caller refreshes them (refreshFrom) before the
// threads start.
func (m *Model) evalCopiesFor(w int) ([]*Model, error) {
	if m.evalImpl != m.Net.Impl() {
		m.evalCopies, m.evalImpl = nil, m.Net.Impl()
	}
	for len(m.evalCopies) < w {
		c, err := New(m.Spec, network.Options{Threads: 1, Kernels: m.Net.Impl()}, m.Classes)
		if err != nil {
			return nil, err
		}
		c.Net.Close() // no engine until it runs
		m.evalCopies = append(m.evalCopies, c)
	}
	return m.evalCopies[:w], nil
}

// refreshFrom gives c the weights and thresholds of m (c is a copy of m's
// structure) and clears its firing statistics. Everything else that a
// presentation reads is reset by Present (state, spike counter, step), so a
// copy that evaluated before gives the same results as a new one.
func (c *Model) refreshFrom(m *Model) {
	for i, p := range m.Net.Projections() {
		if _, constant := p.ConstWeight(); !constant {
			copy(c.Net.Projections()[i].Weights(), p.Weights())
		}
	}
	for i, p := range m.Net.Populations() {
		if th := p.State.Theta; th != nil {
			copy(c.Net.Populations()[i].State.Theta, th)
		}
	}
	c.ResetStats()
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

package learn

import (
	"context"
	"dalesim/network"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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
// The copies take blocks of consecutive samples as they finish the last
// (one copy may be slower: a core is shared, or its samples fire more), and
// record each sample's outcome, error and sparseness; these are summed in
// sample order at the end, so the result has the bits of a single-threaded
// evaluation whichever copy presented which sample.
func (m *Model) evaluateShared(ctx context.Context, set Samples, progress Progress, w int) (*Eval, error) {
	start := time.Now()
	n := set.Len()
	copies, err := m.evalCopiesFor(w)
	if err != nil {
		return nil, err
	}
	for _, c := range copies {
		c.refreshFrom(m)
	}
	np := len(m.Net.Populations())
	type record struct {
		done        bool
		label, pred int // class indices (label -1: not a class)
		err         float64
	}
	recs := make([]record, n)
	sparse := make([]float64, n*np) // sample i's sparseness of each population
	block := min(max(n/(16*w), 4), 64)
	var next atomic.Int64
	var mu sync.Mutex
	var failed error
	doneN, correct := 0, 0
	var wg sync.WaitGroup
	for k := range w {
		c := copies[k]
		wg.Go(func() {
			defer c.Net.Close()
			img := make([]float32, c.Input.Len())
			for {
				lo := int(next.Add(1)-1) * block
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+block, n); i++ {
					if ctx.Err() != nil {
						return
					}
					set.Intensities(i, img)
					label := set.Label(i)
					clear(c.stats.sparse)
					out, err := c.Present(img, label, false, Evaluation, int64(i))
					mu.Lock()
					if err != nil {
						if failed == nil {
							failed = err
						}
						next.Store(int64(n)) // the others stop at their next block
						mu.Unlock()
						return
					}
					recs[i] = record{true, c.classIndex(label), c.classIndex(out.Pred), out.Error}
					copy(sparse[i*np:(i+1)*np], c.stats.sparse)
					doneN++
					if r := recs[i]; r.label >= 0 && r.label == r.pred {
						correct++
					}
					if progress != nil {
						progress(doneN, n, float64(correct)/float64(doneN))
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if failed != nil {
		return nil, failed
	}
	ev := &Eval{Confusion: make([][]int, len(m.Classes))}
	for i := range ev.Confusion {
		ev.Confusion[i] = make([]int, len(m.Classes))
	}
	for _, c := range copies {
		clear(c.stats.sparse) // added per sample below, in order
		m.stats.add(c.stats)
	}
	var errSum float64
	for i, r := range recs {
		if !r.done {
			continue
		}
		ev.Samples++
		errSum += r.err
		for p := range np {
			m.stats.sparse[p] += sparse[i*np+p]
		}
		if r.label >= 0 {
			ev.Confusion[r.label][r.pred]++
			if r.label == r.pred {
				ev.Correct++
			}
		}
	}
	ev.finish(start, errSum)
	if ev.Samples < n {
		return ev, ErrInterrupted
	}
	return ev, nil
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
	if missing := w - len(m.evalCopies); missing > 0 {
		// Built side by side: a copy of a large network takes as long
		// to build as many samples take to evaluate.
		add := make([]*Model, missing)
		errs := make([]error, missing)
		var wg sync.WaitGroup
		for k := range add {
			wg.Go(func() {
				c, err := New(m.Spec, network.Options{Threads: 1, Kernels: m.Net.Impl()}, m.Classes)
				if err == nil {
					c.Net.Close() // no engine until it runs
				}
				add[k], errs[k] = c, err
			})
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		m.evalCopies = append(m.evalCopies, add...)
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

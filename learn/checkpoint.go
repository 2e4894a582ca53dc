package learn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"dalesim/network"
	"dalesim/simd"
	"dalesim/traces"
)

// Checkpoint is what a model directory records besides the spec and the
// weights (model.json).
type Checkpoint struct {
	Version      string        `json:"version"`
	Classes      []int         `json:"classes"`
	Epochs       int           `json:"epochs"`        // completed training epochs
	TrainSamples int           `json:"train_samples"` // samples per epoch
	TestSamples  int           `json:"test_samples"`
	Seed         uint64        `json:"seed"`
	WPBaseline   float64       `json:"wp_baseline"`
	WPSamples    int64         `json:"wp_samples"`
	History      []EpochRecord `json:"history"`
	Saved        time.Time     `json:"saved"`
}

// EpochRecord is one point of the training curves.
type EpochRecord struct {
	Epoch          int       `json:"epoch"`
	TrainAccuracy  float64   `json:"train_accuracy"` // running accuracy during the epoch (with learning)
	TestAccuracy   JSONFloat `json:"test_accuracy"`  // NaN (null) when not evaluated
	TrainPerSecond float64   `json:"train_samples_per_second"`
	EvalPerSecond  float64   `json:"eval_samples_per_second"`
	SilentFraction JSONFloat `json:"silent_fraction"` // of the hidden rule's projection
	MeanError      float64   `json:"mean_error"`
}

// Files of a model directory.
const (
	SpecFile       = "spec.toml"
	CheckpointFile = "model.json"
	WeightsDir     = "model"
)

// Save writes the model into dir: spec.toml (the spec as built, including
// sizes set on the command line), model/ (a traces run holding every
// projection's weights and the hidden population's threshold offsets, as
// Parquet) and model.json. The previous model/ is replaced only once the new
// one is complete.
func (m *Model) Save(dir, version string, cp *Checkpoint) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	text, err := m.Spec.Encode()
	if err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, SpecFile), text); err != nil {
		return err
	}
	tmp := filepath.Join(dir, WeightsDir+".new")
	os.RemoveAll(tmp)
	rec, err := traces.Create(tmp, traces.Options{Weights: true, States: true, Synchronous: true}, m.meta(version, text))
	if err != nil {
		return err
	}
	step := m.Net.Step()
	for pi, p := range m.Net.Projections() {
		pre := make([]int32, 0, p.Len())
		for i := 0; i < p.Source().Len(); i++ {
			tg, _ := p.Row(i)
			for range tg {
				pre = append(pre, int32(i))
			}
		}
		if err := rec.Weights(step, pi, pre, p.Targets(), p.Weights()); err != nil {
			rec.Close(traces.Status{Interrupted: true, LastStep: step})
			return err
		}
	}
	idx := make([]int32, m.Hidden.Len())
	for i := range idx {
		idx[i] = int32(i)
	}
	if err := rec.State(step, m.Net.PopulationIndex(m.Hidden.Name()), "theta", idx, m.Hidden.State.Theta); err != nil {
		rec.Close(traces.Status{Interrupted: true, LastStep: step})
		return err
	}
	if err := rec.Close(traces.Status{LastStep: step}); err != nil {
		return err
	}
	final := filepath.Join(dir, WeightsDir)
	old := final + ".old"
	os.RemoveAll(old)
	if _, err := os.Stat(final); err == nil {
		if err := os.Rename(final, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, final); err != nil {
		return err
	}
	os.RemoveAll(old)
	cp.Version = version
	cp.Classes = m.Classes
	cp.Seed = m.seed
	cp.WPBaseline, cp.WPSamples = m.wp.State()
	cp.Saved = time.Now().UTC()
	js, err := json.MarshalIndent(cp, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, CheckpointFile), js)
}

func (m *Model) meta(version string, spec []byte) traces.Meta {
	meta := traces.Meta{Version: version, Spec: string(spec), Kernel: simd.Active(), Seed: m.seed,
		DtMS: m.Net.Dt(), Threads: m.Net.Threads()}
	for _, p := range m.Net.Populations() {
		meta.Populations = append(meta.Populations, traces.PopulationInfo{Name: p.Name(), Size: p.Len(), Identity: p.Identity().String()})
	}
	for _, p := range m.Net.Projections() {
		meta.Projections = append(meta.Projections, traces.ProjectionInfo{Name: p.Name(), Source: p.Source().Name(),
			Target: p.Target().Name(), Sign: int(p.Sign())})
	}
	return meta
}

func writeAtomic(path string, data []byte) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Load reads a model directory written by Save.
func Load(dir string, opt network.Options) (*Model, *Checkpoint, error) {
	js, err := os.ReadFile(filepath.Join(dir, CheckpointFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("%s is not a dalesim model directory (no %s; train one with `dalesim train --out %s`)", dir, CheckpointFile, dir)
		}
		return nil, nil, err
	}
	var cp Checkpoint
	if err := json.Unmarshal(js, &cp); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", filepath.Join(dir, CheckpointFile), err)
	}
	s, err := network.LoadSpec(filepath.Join(dir, SpecFile))
	if err != nil {
		return nil, nil, err
	}
	m, err := New(s, opt, cp.Classes)
	if err != nil {
		return nil, nil, err
	}
	wt, err := traces.ReadWeights(filepath.Join(dir, WeightsDir))
	if err != nil {
		return nil, nil, err
	}
	for pi, p := range m.Net.Projections() {
		ti := -1
		for i, name := range wt.Projections {
			if name == p.Name() {
				ti = i
			}
		}
		w, _, ok := wt.Snapshot(ti, math.MaxInt64)
		if ti < 0 || !ok || len(w) != p.Len() {
			return nil, nil, fmt.Errorf("%s: the weights of projection %q (%d synapses) are missing or do not match the spec", dir, p.Name(), p.Len())
		}
		dst := p.Weights()
		for k, v := range w {
			if !(v >= 0) {
				return nil, nil, fmt.Errorf("%s: projection %q synapse %d has weight %g: weights are magnitudes >= 0", dir, p.Name(), k, v)
			}
			dst[k] = float32(v)
		}
		_ = pi
	}
	st, err := traces.ReadStates(filepath.Join(dir, WeightsDir))
	if err != nil {
		return nil, nil, err
	}
	th := m.Hidden.State.Theta
	for i := range st.Step {
		if st.Vars[st.Var[i]] == "theta" && st.Populations[st.Pop[i]] == m.Hidden.Name() && int(st.Neuron[i]) < len(th) {
			th[st.Neuron[i]] = st.Value[i]
		}
	}
	m.wp.SetState(cp.WPBaseline, cp.WPSamples)
	return m, &cp, nil
}

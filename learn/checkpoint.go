package learn

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"time"

	"dalesim/monitor"
	"dalesim/network"
	"dalesim/spec"
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
	Samples      int64         `json:"samples"` // training presentations so far (the step of the saved weights)
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
	if err := m.saveWeights(tmp, version, string(text), cp.Samples); err != nil {
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

// saveWeights writes every projection's weights and the hidden
// population's threshold offsets as a traces run in dir, through the same
// monitors as a recorded run, stamped with step = the number of training
// samples presented so far.
func (m *Model) saveWeights(dir, version, specText string, samples int64) error {
	var mons []monitor.Monitor
	for _, p := range m.Net.Projections() {
		w, err := monitor.NewWeights(m.Net, p.Name(), 0)
		if err != nil {
			return err
		}
		mons = append(mons, w)
	}
	theta, err := monitor.NewState(m.Net, m.Hidden.Name(), []string{"theta"}, nil, 1)
	if err != nil {
		return err
	}
	mons = append(mons, theta)
	m.Net.SetStep(samples)
	rec, err := monitor.Start(dir, m.Net, monitor.Options{Version: version, SpecText: specText, Synchronous: true}, mons...)
	if err != nil {
		return err
	}
	for _, mon := range rec.Monitors() {
		if err := mon.Observe(samples, m.Net); err != nil {
			rec.Close(true)
			return err
		}
	}
	return rec.Close(false)
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
	s, err := spec.Load(filepath.Join(dir, SpecFile))
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

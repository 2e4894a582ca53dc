package deploy

import (
	"context"
	"errors"
	"fmt"

	"dalesim/learn"
)

// EnergyModel holds published per-operation energies of a neuromorphic
// chip. An estimate from them is an estimate: it leaves out static power,
// I/O, the routing distance of every spike and whatever the chip's
// compiler does differently from dalesim's network.
type EnergyModel struct {
	Name             string  `json:"name"`
	Source           string  `json:"source"`
	SynOpPJ          float64 `json:"synop_pJ"`           // per synaptic event
	NeuronActivePJ   float64 `json:"neuron_active_pJ"`   // per neuron update with input
	NeuronInactivePJ float64 `json:"neuron_inactive_pJ"` // per neuron update without input
	SpikePJ          float64 `json:"spike_pJ"`           // per spike sent (within a tile)
	Note             string  `json:"note"`
}

// Loihi: Davies et al. 2018, "Loihi: a neuromorphic manycore processor with
// on-chip learning", IEEE Micro 38(1):82-99, Table 2 (pre-silicon/measured
// figures for the 14 nm chip): synaptic spike operation 23.6 pJ (minimum),
// neuron update 81 pJ active / 52 pJ inactive, spike within a tile 1.7 pJ,
// 3-4 pJ per tile hop (east-west / north-south).
var Loihi = EnergyModel{
	Name:             "Loihi",
	Source:           "Davies et al. 2018, IEEE Micro 38(1):82-99, Table 2",
	SynOpPJ:          23.6,
	NeuronActivePJ:   81,
	NeuronInactivePJ: 52,
	SpikePJ:          1.7,
	Note: "Synaptic events over non-zero weights (a deployment prunes silent synapses); every LIF neuron is updated every step, " +
		"\"active\" when a synaptic event arrives in that step; every spike, inputs included, counted once within a tile; " +
		"tile hops (3-4 pJ each) left out: they depend on the placement",
}

// TrueNorth: Merolla et al. 2014, "A million spiking-neuron integrated
// circuit with a scalable communication network and interface", Science
// 345(6197):668-673: about 26 pJ per synaptic event (the chip's total
// energy divided by its synaptic events at its operating point).
var TrueNorth = EnergyModel{
	Name:    "TrueNorth",
	Source:  "Merolla et al. 2014, Science 345(6197):668-673",
	SynOpPJ: 26,
	Note:    "About 26 pJ per synaptic event, all the chip's energy included: synaptic events over non-zero weights times 26 pJ",
}

// Options configure Check.
type Options struct {
	Widths  []int // weight widths in bits; nil: DefaultWidths
	Samples int   // test samples (0: all of set)
	// Progress, if not nil, is called after every presentation.
	Progress func(config string, done, total int)
}

// DefaultWidths are the weight widths Check evaluates besides float32.
var DefaultWidths = []int{8, 6, 4, 2}

// Result is the outcome of one weight precision.
type Result struct {
	Precision string  `json:"precision" parquet:"precision"` // "float32" or "N-bit"
	Bits      int     `json:"bits" parquet:"bits"`           // 32 for float32
	Samples   int     `json:"samples" parquet:"samples"`
	Correct   int     `json:"correct" parquet:"correct"`
	Accuracy  float64 `json:"accuracy" parquet:"accuracy"`
	// Per inference (one presentation), averaged over the samples:
	InputSpikes    float64 `json:"input_spikes" parquet:"input_spikes"`                     // spikes of non-LIF (input) populations
	NeuronSpikes   float64 `json:"neuron_spikes" parquet:"neuron_spikes"`                   // spikes of LIF populations
	SynOps         float64 `json:"synops" parquet:"synops"`                                 // every synaptic event delivered (silent synapses included)
	SynOpsNonzero  float64 `json:"synops_nonzero" parquet:"synops_nonzero"`                 // events over non-zero weights
	NeuronUpdates  float64 `json:"neuron_updates" parquet:"neuron_updates"`                 // LIF neurons x steps
	ActiveUpdates  float64 `json:"active_updates" parquet:"active_updates"`                 // updates with an arriving event
	FirstSpikeMS   float64 `json:"first_readout_spike_ms" parquet:"first_readout_spike_ms"` // mean over samples whose readout spiked
	FirstSpikeFrac float64 `json:"readout_spiked_fraction" parquet:"readout_spiked_fraction"`
	DecisionMS     float64 `json:"decision_ms" parquet:"decision_ms"`           // mean over decided samples
	DecidedFrac    float64 `json:"decided_fraction" parquet:"decided_fraction"` // winner led for good before the end
	LoihiNJ        float64 `json:"loihi_nJ" parquet:"loihi_nJ"`                 // estimate, nJ per inference
	LoihiSynOpNJ   float64 `json:"loihi_synop_nJ" parquet:"loihi_synop_nJ"`     // of which synaptic events
	LoihiNeuronNJ  float64 `json:"loihi_neuron_nJ" parquet:"loihi_neuron_nJ"`   // of which neuron updates
	LoihiSpikeNJ   float64 `json:"loihi_spike_nJ" parquet:"loihi_spike_nJ"`     // of which spikes
	TrueNorthNJ    float64 `json:"truenorth_nJ" parquet:"truenorth_nJ"`         // estimate, nJ per inference
	Silent         float64 `json:"silent_fraction" parquet:"silent_fraction"`   // of all synapses, weight 0
	Quant          []Quant `json:"quantisation,omitempty" parquet:"-"`
}

// Report is what Check measured.
type Report struct {
	Model          string        `json:"model"`
	PresentationMS float64       `json:"presentation_ms"`
	DtMS           float64       `json:"dt_ms"`
	Classes        []int         `json:"classes"`
	Populations    []string      `json:"populations"`
	Results        []Result      `json:"results"`
	Energy         []EnergyModel `json:"energy_models"`
	Method         string        `json:"method"`
}

// Method is the quantisation and counting method, as reported.
const Method = "Weights of each projection are quantised to b bits of magnitude (the sign is the source population's, so no sign bit): " +
	"q = round(w / 2^e) clamped to [0, 2^b - 1], w' = q 2^e, with one exponent e per projection, the smallest with (2^b - 1) 2^e >= max w " +
	"(Loihi-style power-of-two weight scale: nothing clips; round to nearest, ties away from zero). Thresholds, threshold offsets and " +
	"membrane arithmetic stay float32. SynOps count every synaptic event delivered (spikes x out-degree); synops_nonzero only those over non-zero weights. " +
	"Decision time: the first step from which the eventual winner's readout spike count exceeds every other class's until the end " +
	"(samples decided only by the charge tie-break, or by a silent readout, are undecided)."

// Check evaluates model m on set at float32 and at each weight width,
// counting spikes, synaptic events, latencies and energy estimates. The
// model's weights are restored before it returns.
func Check(ctx context.Context, m *learn.Model, set learn.Samples, opt Options) (*Report, error) {
	widths := opt.Widths
	if widths == nil {
		widths = DefaultWidths
	}
	n := set.Len()
	if opt.Samples > 0 && opt.Samples < n {
		n = opt.Samples
	}
	if n == 0 {
		return nil, errors.New("deploy: no test samples")
	}
	projs := m.Net.Projections()
	saved := make([][]float32, len(projs))
	for i, p := range projs {
		saved[i] = append([]float32(nil), p.Weights()...)
	}
	restore := func() {
		for i, p := range projs {
			copy(p.Weights(), saved[i])
		}
	}
	defer restore()
	r := &Report{PresentationMS: m.PresentationMS(), DtMS: m.Net.Dt(), Classes: m.Classes,
		Energy: []EnergyModel{Loihi, TrueNorth}, Method: Method}
	for _, p := range m.Net.Populations() {
		r.Populations = append(r.Populations, p.Name())
	}
	configs := append([]int{32}, widths...)
	for _, bits := range configs {
		restore()
		res := Result{Precision: "float32", Bits: 32}
		if bits != 32 {
			res.Precision, res.Bits = fmt.Sprintf("%d-bit", bits), bits
			for _, p := range projs {
				q, err := Quantize(p, bits)
				if err != nil {
					return nil, err
				}
				res.Quant = append(res.Quant, q)
			}
		}
		if err := evaluate(ctx, m, set, n, &res, opt.Progress); err != nil {
			return nil, err
		}
		r.Results = append(r.Results, res)
	}
	return r, nil
}

func evaluate(ctx context.Context, m *learn.Model, set learn.Samples, n int, res *Result, progress func(string, int, int)) error {
	c := newCounter(m)
	remove := m.AddMonitor(c)
	defer remove()
	img := make([]float32, m.Input.Len())
	var firstN, decidedN int
	var firstSum, decSum float64
	steps := m.StepsPerPresentation()
	dt := m.Net.Dt()
	done := ctx.Done()
	for i := 0; i < n; i++ {
		select {
		case <-done:
			return learn.ErrInterrupted
		default:
		}
		set.Intensities(i, img)
		c.begin()
		out, err := m.Present(img, set.Label(i), false, learn.Evaluation, int64(i))
		if err != nil {
			return err
		}
		if out.Pred == set.Label(i) {
			res.Correct++
		}
		if c.first >= 0 {
			firstN++
			firstSum += float64(c.first+1) * dt
		}
		win := -1
		for k, cl := range m.Classes {
			if cl == out.Pred {
				win = k
			}
		}
		if d := c.decision(win, steps); d >= 0 {
			decidedN++
			decSum += float64(d+1) * dt
		}
		if progress != nil {
			progress(res.Precision, i+1, n)
		}
	}
	f := float64(n)
	res.Samples = n
	res.Accuracy = float64(res.Correct) / f
	res.InputSpikes = float64(c.inSpikes) / f
	res.NeuronSpikes = float64(c.lifSpikes) / f
	res.SynOps = float64(c.synops) / f
	res.SynOpsNonzero = float64(c.synopsNZ) / f
	res.NeuronUpdates = float64(c.lifNeurons) * float64(steps)
	res.ActiveUpdates = float64(c.active) / f
	if firstN > 0 {
		res.FirstSpikeMS = firstSum / float64(firstN)
	}
	res.FirstSpikeFrac = float64(firstN) / f
	if decidedN > 0 {
		res.DecisionMS = decSum / float64(decidedN)
	}
	res.DecidedFrac = float64(decidedN) / f
	var silent, all int
	for _, p := range m.Net.Projections() {
		silent += p.Silent()
		all += p.Len()
	}
	if all > 0 {
		res.Silent = float64(silent) / float64(all)
	}
	res.LoihiSynOpNJ = res.SynOpsNonzero * Loihi.SynOpPJ / 1000
	res.LoihiNeuronNJ = (res.ActiveUpdates*Loihi.NeuronActivePJ + (res.NeuronUpdates-res.ActiveUpdates)*Loihi.NeuronInactivePJ) / 1000
	res.LoihiSpikeNJ = (res.InputSpikes + res.NeuronSpikes) * Loihi.SpikePJ / 1000
	res.LoihiNJ = res.LoihiSynOpNJ + res.LoihiNeuronNJ + res.LoihiSpikeNJ
	res.TrueNorthNJ = res.SynOpsNonzero * TrueNorth.SynOpPJ / 1000
	return nil
}

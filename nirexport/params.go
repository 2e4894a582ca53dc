package nirexport

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/BurntSushi/toml"
	"github.com/parquet-go/parquet-go"

	"dalesim/network"
	"dalesim/neuron"
	"dalesim/synapse"
)

// Format names the layout of a parameter directory (network.toml).
const Format = "dalesim-params 1"

// ParamsFile is the TOML file of a parameter directory.
const ParamsFile = "network.toml"

// Synapse is one row of a projection's Parquet file.
type Synapse struct {
	Pre    int32   `parquet:"pre"`
	Post   int32   `parquet:"post"`
	Weight float32 `parquet:"weight"` // magnitude >= 0; the sign is the projection's
	Delay  int32   `parquet:"delay_steps"`
}

// NeuronRow is one row of a LIF population's Parquet file.
type NeuronRow struct {
	Neuron int32   `parquet:"neuron"`
	Theta  float32 `parquet:"theta_mV"` // threshold offset: the threshold is v_thresh_mV + theta_mV
	V      float32 `parquet:"v_mV"`     // membrane potential when exported
}

// Population is a population's entry in network.toml.
type Population struct {
	Name            string   `toml:"name"`
	Size            int      `toml:"size"`
	Identity        string   `toml:"identity"`
	Sign            int      `toml:"sign"`
	Model           string   `toml:"model"`
	TauM            *float64 `toml:"tau_m_ms,omitempty"`
	TauE            *float64 `toml:"tau_e_ms,omitempty"`
	TauI            *float64 `toml:"tau_i_ms,omitempty"`
	VRest           *float64 `toml:"v_rest_mV,omitempty"`
	VReset          *float64 `toml:"v_reset_mV,omitempty"`
	VThresh         *float64 `toml:"v_thresh_mV,omitempty"`
	TRef            *float64 `toml:"t_ref_ms,omitempty"`
	IExt            *float64 `toml:"i_ext_mV,omitempty"`
	EE              *float64 `toml:"e_rev_e_mV,omitempty"`
	EI              *float64 `toml:"e_rev_i_mV,omitempty"`
	GLeak           *float64 `toml:"g_leak_nS,omitempty"`
	ThetaStep       *float64 `toml:"theta_step_mV,omitempty"`
	TauTheta        *float64 `toml:"tau_theta_ms,omitempty"`
	RefractoryInput string   `toml:"refractory_input,omitempty"`
	RateHz          *float64 `toml:"rate_hz,omitempty"` // poisson: the common rate when exported
	File            string   `toml:"file,omitempty"`    // LIF: per-neuron theta and v (Parquet)
}

// Projection is a projection's entry in network.toml.
type Projection struct {
	Name       string `toml:"name"`
	Source     string `toml:"source"`
	Target     string `toml:"target"`
	Sign       int    `toml:"sign"`
	Channel    string `toml:"channel"` // excitatory or inhibitory input of the target
	Synapses   int    `toml:"synapses"`
	WeightUnit string `toml:"weight_unit"`
	DelayMin   int    `toml:"delay_steps_min"`
	DelayMax   int    `toml:"delay_steps_max"`
	File       string `toml:"file"`
}

// Drive is an external Poisson drive's entry in network.toml.
type Drive struct {
	Name     string  `toml:"name"`
	Target   string  `toml:"target"`
	Identity string  `toml:"identity"`
	N        int     `toml:"n"`
	RateHz   float64 `toml:"rate_hz"`
	Weight   float64 `toml:"weight"`
}

// Classifier describes a trained model's input coding and readout.
type Classifier struct {
	Input           string  `toml:"input"`
	Readout         string  `toml:"readout"`
	Classes         []int   `toml:"classes"`
	ReadoutPerClass int     `toml:"readout_per_class"` // readout neuron r stands for classes[r / readout_per_class]
	InputRateHz     float64 `toml:"input_rate_hz"`     // Poisson rate of an input neuron at intensity 1
	PresentationMS  float64 `toml:"presentation_ms"`
	Decision        string  `toml:"decision"`
}

// Params is network.toml.
type Params struct {
	Format         string            `toml:"format"`
	DalesimVersion string            `toml:"dalesim_version"`
	Name           string            `toml:"name"`
	DtMS           float64           `toml:"dt_ms"`
	Units          map[string]string `toml:"units"`
	Outputs        []string          `toml:"outputs"`
	Classifier     *Classifier       `toml:"classifier,omitempty"`
	Populations    []Population      `toml:"population"`
	Projections    []Projection      `toml:"projection"`
	Drives         []Drive           `toml:"drive,omitempty"`
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_.-]+`)

func fileName(i int, name string) string {
	return fmt.Sprintf("%02d_%s.parquet", i, unsafeName.ReplaceAllString(name, "_"))
}

// Outputs returns the default output populations: the LIF populations that
// project nowhere (or, if every one projects somewhere, the last LIF population).
func Outputs(net *network.Network) []string {
	projects := map[*neuron.Population]bool{}
	for _, p := range net.Projections() {
		projects[p.Source()] = true
	}
	var out []string
	var last string
	for _, p := range net.Populations() {
		if p.Model().IsLIF() {
			last = p.Name()
			if !projects[p] {
				out = append(out, p.Name())
			}
		}
	}
	if len(out) == 0 && last != "" {
		out = []string{last}
	}
	return out
}

// WriteParams writes net's populations, projections (every synapse: pre,
// post, weight magnitude, delay) and per-neuron state as plain Parquet +
// TOML into dir (network.toml, populations/, projections/). outputs names
// the populations whose spikes are the network's output (nil: Outputs).
func WriteParams(dir string, net *network.Network, outputs []string, cls *Classifier, version string) (*Params, error) {
	if outputs == nil {
		outputs = Outputs(net)
	}
	for _, o := range outputs {
		if net.Population(o) == nil {
			return nil, fmt.Errorf("output population %q: the network has no such population", o)
		}
	}
	for _, d := range []string{"populations", "projections"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	name := ""
	if s := net.Spec(); s != nil {
		name = s.Name
	}
	pr := &Params{Format: Format, DalesimVersion: version, Name: name, DtMS: net.Dt(), Outputs: outputs, Classifier: cls,
		Units: map[string]string{"time": "ms", "potential": "mV", "rate": "Hz",
			"weight": "mV per spike onto delta and cuba populations (cuba: the jump of the synaptic current, in mV), nS onto coba",
			"delay":  "steps of dt_ms"}}
	for i, p := range net.Populations() {
		e, err := writePopulationParams(dir, i, p, version)
		if err != nil {
			return nil, err
		}
		for _, d := range p.Drives() {
			pr.Drives = append(pr.Drives, Drive{Name: d.Name, Target: p.Name(), Identity: d.Identity.String(), N: d.N, RateHz: d.RateHz, Weight: d.Weight})
		}
		pr.Populations = append(pr.Populations, e)
	}
	for i, p := range net.Projections() {
		e, err := writeProjectionParams(dir, i, p, version)
		if err != nil {
			return nil, err
		}
		pr.Projections = append(pr.Projections, e)
	}
	if err := writeParamsTOML(dir, pr); err != nil {
		return nil, err
	}
	return pr, nil
}

// writePopulationParams describes population p (the i-th) and, for a LIF
// population, writes the threshold offset and potential of each neuron to
// its file under dir.
func writePopulationParams(dir string, i int, p *neuron.Population, version string) (Population, error) {
	f64 := func(v float64) *float64 { return &v }
	e := Population{Name: p.Name(), Size: p.Len(), Identity: p.Identity().String(), Sign: int(p.Identity().Sign()), Model: string(p.Model())}
	switch {
	case p.Model().IsLIF():
		par := p.Params
		e.TauM, e.VRest, e.VReset, e.VThresh, e.TRef, e.IExt = f64(par.TauM), f64(par.VRest), f64(par.VReset), f64(par.VThresh), f64(par.TRef), f64(par.IExt)
		if p.Model() == neuron.CUBA || p.Model() == neuron.COBA {
			e.TauE, e.TauI = f64(par.TauE), f64(par.TauI)
		}
		if p.Model() == neuron.COBA {
			e.EE, e.EI, e.GLeak = f64(par.EE), f64(par.EI), f64(par.GLeak)
		}
		e.ThetaStep, e.TauTheta = f64(par.ThetaStep), f64(par.TauTheta)
		e.RefractoryInput = par.RefractoryInput
		e.File = filepath.ToSlash(filepath.Join("populations", fileName(i, p.Name())))
		rows := make([]NeuronRow, p.Len())
		for j := range rows {
			rows[j] = NeuronRow{Neuron: int32(j), Theta: p.State.Theta[j], V: p.State.V[j]}
		}
		if err := writeParquet(filepath.Join(dir, e.File), rows, version); err != nil {
			return e, err
		}
	case p.Model() == neuron.Poisson:
		rates := p.Rates()
		if len(rates) > 0 {
			e.RateHz = f64(rates[0])
		}
	}
	return e, nil
}

// writeProjectionParams describes projection p (the i-th) and writes its
// synapses (pre, post, weight magnitude, delay) to its file under dir.
func writeProjectionParams(dir string, i int, p *synapse.Projection, version string) (Projection, error) {
	e := Projection{Name: p.Name(), Source: p.Source().Name(), Target: p.Target().Name(), Sign: int(p.Sign()),
		Channel: p.Source().Identity().String(), Synapses: p.Len(), WeightUnit: p.Target().Model().WeightUnit(),
		File: filepath.ToSlash(filepath.Join("projections", fileName(i, p.Name())))}
	rows := make([]Synapse, 0, p.Len())
	e.DelayMin = p.MaxDelay()
	rp := p.RowPtr()
	for s := 0; s < p.Source().Len(); s++ {
		for k := int(rp[s]); k < int(rp[s+1]); k++ {
			t, d := p.TargetAt(k), p.Delay(k) // (Row would unpack packed delays)
			e.DelayMin = min(e.DelayMin, d)
			e.DelayMax = max(e.DelayMax, d)
			rows = append(rows, Synapse{Pre: int32(s), Post: t, Weight: p.Weight(k), Delay: int32(d)})
		}
	}
	if err := writeParquet(filepath.Join(dir, e.File), rows, version); err != nil {
		return e, err
	}
	return e, nil
}

// writeParamsTOML writes pr, after a header comment, to dir/ParamsFile.
func writeParamsTOML(dir string, pr *Params) error {
	var b bytes.Buffer
	b.WriteString("# dalesim network parameters (" + Format + "): every population and projection of the network,\n" +
		"# with the synapses of each projection (pre, post, weight magnitude, delay_steps) in projections/*.parquet\n" +
		"# and each LIF neuron's threshold offset theta_mV and potential v_mV in populations/*.parquet.\n" +
		"# Weights are magnitudes: a synapse's sign is its projection's (the source population's identity).\n")
	if err := toml.NewEncoder(&b).Encode(pr); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, ParamsFile), b.Bytes(), 0o644)
}

func writeParquet[T any](path string, rows []T, version string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[T](f, parquet.Compression(&parquet.Zstd), parquet.CreatedBy("dalesim", version, ""))
	if _, err := w.Write(rows); err != nil {
		f.Close()
		return err
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

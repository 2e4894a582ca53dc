package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Files Write puts into a directory.
const (
	MarkdownFile = "deploy.md"
	JSONFile     = "deploy.json"
	ParquetFile  = "deploy.parquet"
)

// Write writes the report into dir as Markdown, JSON and Parquet (one row
// per weight precision, the report's context in the key-value metadata).
func (r *Report) Write(dir, version string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, JSONFile), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, MarkdownFile), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, ParquetFile))
	if err != nil {
		return err
	}
	en, _ := json.Marshal(r.Energy)
	w := parquet.NewGenericWriter[Result](f, parquet.Compression(&parquet.Zstd),
		parquet.CreatedBy("dalesim", version, ""),
		parquet.KeyValueMetadata("dalesim.table", "deploy"),
		parquet.KeyValueMetadata("dalesim.model", r.Model),
		parquet.KeyValueMetadata("dalesim.method", r.Method),
		parquet.KeyValueMetadata("dalesim.energy_models", string(en)),
		parquet.KeyValueMetadata("dalesim.presentation_ms", fmt.Sprint(r.PresentationMS)),
		parquet.KeyValueMetadata("dalesim.dt_ms", fmt.Sprint(r.DtMS)))
	if _, err := w.Write(r.Results); err != nil {
		f.Close()
		return err
	}
	if err := w.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Deployment check: %s\n\n", r.Model)
	if len(r.Results) > 0 {
		fmt.Fprintf(&b, "%d test samples, classes %v, %g ms per inference at dt = %g ms.\n\n", r.Results[0].Samples, r.Classes, r.PresentationMS, r.DtMS)
	}
	b.WriteString("## Accuracy, activity and latency per weight width\n\n")
	b.WriteString("| weights | accuracy | silent synapses | input spikes | neuron spikes | SynOps | SynOps (w ≠ 0) | first readout spike (ms) | decision (ms) | decided |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %.1f %% | %.1f %% | %.0f | %.1f | %.0f | %.0f | %.1f (%.0f %%) | %.1f | %.0f %% |\n",
			x.Precision, 100*x.Accuracy, 100*x.Silent, x.InputSpikes, x.NeuronSpikes, x.SynOps, x.SynOpsNonzero,
			x.FirstSpikeMS, 100*x.FirstSpikeFrac, x.DecisionMS, 100*x.DecidedFrac)
	}
	b.WriteString("\nPer inference (one presentation), averaged over the test samples. First readout spike: mean over the samples whose readout spiked (their fraction in parentheses). ")
	b.WriteString("Decision: the step from which the eventual winner's readout count leads every other class until the end, mean over decided samples.\n\n")
	b.WriteString("## Energy per inference (estimate)\n\n")
	b.WriteString("| weights | Loihi (nJ) | of which SynOps | neuron updates | spikes | TrueNorth (nJ) |\n|---|---:|---:|---:|---:|---:|\n")
	for _, x := range r.Results {
		fmt.Fprintf(&b, "| %s | %.1f | %.1f | %.1f | %.2f | %.1f |\n", x.Precision, x.LoihiNJ, x.LoihiSynOpNJ, x.LoihiNeuronNJ, x.LoihiSpikeNJ, x.TrueNorthNJ)
	}
	b.WriteString("\nThese are estimates from published per-operation energies, not measurements:\n\n")
	for _, e := range r.Energy {
		fmt.Fprintf(&b, "- **%s** (%s): %g pJ per synaptic event", e.Name, e.Source, e.SynOpPJ)
		if e.NeuronActivePJ > 0 {
			fmt.Fprintf(&b, ", %g pJ per active / %g pJ per inactive neuron update, %g pJ per spike", e.NeuronActivePJ, e.NeuronInactivePJ, e.SpikePJ)
		}
		fmt.Fprintf(&b, ". %s.\n", e.Note)
	}
	b.WriteString("\n## Method\n\n" + r.Method + "\n")
	if len(r.Results) > 1 && len(r.Results[1].Quant) > 0 {
		b.WriteString("\n## Weight exponents\n\n| weights | projection | max weight | step 2^e | weights zeroed | RMS error |\n|---|---|---:|---:|---:|---:|\n")
		for _, x := range r.Results[1:] {
			for _, q := range x.Quant {
				fmt.Fprintf(&b, "| %s | %s | %.4g | 2^%d = %.4g | %d of %d | %.3g |\n", x.Precision, q.Projection, q.MaxWeight, q.Exp, q.Step, q.Zeroed, q.Synapses, q.RMSError)
			}
		}
	}
	return b.String()
}

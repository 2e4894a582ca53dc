package learn

import (
	"bytes"
	"fmt"
	"math"
	"strings"

	"github.com/BurntSushi/toml"

	"dalesim/analysis"
	"dalesim/spec"
)

// Report is what every training run reports (RULE.md, "What every training
// run must report").
type Report struct {
	Digits       []int         `json:"digits"`
	Hidden       int           `json:"hidden"`
	Epochs       int           `json:"epochs"`
	TrainSamples int           `json:"train_samples"`
	TestSamples  int           `json:"test_samples"`
	Seed         uint64        `json:"seed"`
	Train        *Eval         `json:"train"` // running accuracy of the last epoch (while learning)
	Test         *Eval         `json:"test"`
	Projections  []ProjReport  `json:"projections"`
	DaleTotal    int           `json:"dale_violations"`
	Firing       []PopFiring   `json:"firing"`
	Parameters   string        `json:"parameters"` // the [training] table (TOML)
	History      []EpochRecord `json:"history"`
}

// ProjReport describes one projection's weights.
type ProjReport struct {
	Name           string               `json:"name"`
	Sign           int                  `json:"sign"`
	Synapses       int                  `json:"synapses"`
	NonSilent      int                  `json:"non_silent"`
	SilentFraction float64              `json:"silent_fraction"`
	Plastic        bool                 `json:"plastic"`
	Fit            analysis.WeightStats `json:"fit"`
	DaleViolations int                  `json:"dale_violations"`
}

// BuildReport gathers the report of a trained model.
func (m *Model) BuildReport(cp *Checkpoint, train, test *Eval) *Report {
	r := &Report{Digits: m.Classes, Hidden: m.Hidden.Len(), Epochs: cp.Epochs, TrainSamples: cp.TrainSamples,
		TestSamples: cp.TestSamples, Seed: m.seed, Train: train, Test: test, Firing: m.stats.Summary(), History: cp.History}
	var b bytes.Buffer
	toml.NewEncoder(&b).Encode(struct {
		T *spec.Training `toml:"training"`
	}{m.Spec.Training})
	r.Parameters = b.String()
	for _, p := range m.Net.Projections() {
		w := p.Weights()
		ws := make([]float64, len(w))
		for i, v := range w {
			ws[i] = float64(v)
		}
		pr := ProjReport{Name: p.Name(), Sign: int(p.Sign()), Synapses: p.Len(), DaleViolations: p.DaleViolations(),
			Plastic: p == m.InHid || p == m.HidOut}
		pr.NonSilent = p.Len() - p.Silent()
		if p.Len() > 0 {
			pr.SilentFraction = float64(p.Silent()) / float64(p.Len())
		}
		pr.Fit = analysis.FitWeights(ws)
		r.DaleTotal += pr.DaleViolations
		r.Projections = append(r.Projections, pr)
	}
	return r
}

// paperTable2 is Table 2 of arXiv 2603.00588 (MNIST digits 1, 2, 6).
var paperTable2 = []struct {
	hidden                 int
	bpAcc, ruleAcc         float64
	bpSynapses, ruleSynaps int
}{{10, 99.01, 64.29, 7840, 785}, {30, 99.17, 86.21, 23520, 783}, {100, 99.23, 89.79, 78400, 784}, {200, 99.17, 95.55, 156800, 785}}

// Markdown renders the report.
func (r *Report) Markdown() string {
	var b strings.Builder
	r.writeHeader(&b)
	r.writeAccuracy(&b)
	r.writeSynapses(&b)
	r.writeFiring(&b)
	if isDigits126(r.Digits) {
		r.writePaperTable(&b)
	}
	if len(r.History) > 0 {
		r.writeHistory(&b)
	}
	r.writeDaleNote(&b)
	r.writeParameters(&b)
	return b.String()
}

// pct renders a fraction as a percentage with two decimals.
func pct(x float64) string { return fmt.Sprintf("%.2f %%", 100*x) }

// writeHeader writes the title and the run summary line.
func (r *Report) writeHeader(b *strings.Builder) {
	fmt.Fprintf(b, "# dalesim training report\n\n")
	fmt.Fprintf(b, "Digits %v, hidden neurons %d, %d epoch(s) of %d training samples, %d test samples, seed %d.\n\n",
		r.Digits, r.Hidden, r.Epochs, r.TrainSamples, r.TestSamples, r.Seed)
}

// writeAccuracy writes the accuracy table and, with a test set, its
// confusion matrix.
func (r *Report) writeAccuracy(b *strings.Builder) {
	fmt.Fprintf(b, "## Accuracy\n\n| set | accuracy | samples | samples/s |\n|---|---|---|---|\n")
	if r.Train != nil {
		fmt.Fprintf(b, "| train (last epoch, while learning) | %s | %d | %.0f |\n", pct(r.Train.Accuracy), r.Train.Samples, r.Train.PerSecond)
	}
	if r.Test != nil {
		fmt.Fprintf(b, "| test | %s | %d | %.0f |\n", pct(r.Test.Accuracy), r.Test.Samples, r.Test.PerSecond)
		r.writeConfusion(b)
	}
}

// writeConfusion writes the confusion matrix of the test set.
func (r *Report) writeConfusion(b *strings.Builder) {
	fmt.Fprintf(b, "\nConfusion matrix (rows: true digit, columns: predicted):\n\n|   |")
	for _, d := range r.Digits {
		fmt.Fprintf(b, " %d |", d)
	}
	b.WriteString("\n|---|")
	for range r.Digits {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for i, row := range r.Test.Confusion {
		fmt.Fprintf(b, "| **%d** |", r.Digits[i])
		for _, c := range row {
			fmt.Fprintf(b, " %d |", c)
		}
		b.WriteString("\n")
	}
}

// writeSynapses writes the table of projections and the Dale's law count.
func (r *Report) writeSynapses(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Synapses\n\n| projection | sign | synapses | non-silent | silent | lognormal mu, sigma (ln w) | KS D, p | AIC lognormal / gamma / exponential | best | Dale violations |\n|---|---|---|---|---|---|---|---|---|---|\n")
	for _, p := range r.Projections {
		f := p.Fit
		fit := "-"
		ks := "-"
		aic := "-"
		if f.Positive >= 2 && f.LogSigma > 0 {
			fit = fmt.Sprintf("%.3f, %.3f", f.LogMu, f.LogSigma)
			ks = fmt.Sprintf("%.3f, %.2g", f.KSD, f.KSP)
			aic = fmt.Sprintf("%.0f / %.0f / %.0f", f.AICLogNormal, f.AICGamma, f.AICExponential)
		}
		fmt.Fprintf(b, "| %s | %+d | %d | %d | %s | %s | %s | %s | %s | %d |\n", p.Name, p.Sign, p.Synapses, p.NonSilent,
			pct(p.SilentFraction), fit, ks, aic, bestFit(f), p.DaleViolations)
	}
	fmt.Fprintf(b, "\nDale's law: %d synapses act with a sign other than their source population's (must be 0).\n", r.DaleTotal)
}

// writeFiring writes the firing table of the populations.
func (r *Report) writeFiring(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Firing (test presentations)\n\n| population | identity | neurons | mean rate (Hz) | CV ISI | population sparseness |\n|---|---|---|---|---|---|\n")
	for _, f := range r.Firing {
		cv := "-"
		if !math.IsNaN(float64(f.CVISI)) {
			cv = fmt.Sprintf("%.3f", f.CVISI)
		}
		fmt.Fprintf(b, "| %s | %s | %d | %.2f | %s | %.3f |\n", f.Name, f.Identity, f.Neurons, f.RateHz, cv, f.Sparseness)
	}
}

// writePaperTable writes Table 2 of the predecessor paper with this run's
// accuracy and non-silent input->hidden synapses in the row of its hidden
// size.
func (r *Report) writePaperTable(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Against the predecessor paper (arXiv 2603.00588, Table 2, digits 1, 2, 6)\n\n| hidden | BP acc | paper's rule acc | BP non-silent | paper's rule non-silent | dalesim acc | dalesim non-silent input->hidden |\n|---|---|---|---|---|---|---|\n")
	ns := r.inputHiddenNonSilent()
	for _, row := range paperTable2 {
		mine := ""
		if row.hidden == r.Hidden && r.Test != nil {
			mine = fmt.Sprintf("| %s | %d |", pct(r.Test.Accuracy), ns)
		} else {
			mine = "| | |"
		}
		fmt.Fprintf(b, "| %d | %.2f %% | %.2f %% | %d | ~%d %s\n", row.hidden, row.bpAcc, row.ruleAcc, row.bpSynapses, row.ruleSynaps, mine)
	}
}

// inputHiddenNonSilent returns the non-silent synapses of the last plastic
// excitatory projection into the hidden layer from outside it, or -1.
func (r *Report) inputHiddenNonSilent() int {
	ns := -1
	for _, p := range r.Projections {
		if p.Plastic && p.Sign > 0 && strings.Contains(p.Name, "hidden") && !strings.HasPrefix(p.Name, "hidden") {
			ns = p.NonSilent
		}
	}
	return ns
}

// writeHistory writes the training curve, one row per epoch.
func (r *Report) writeHistory(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Training curve\n\n| epoch | train acc (while learning) | test acc | silent fraction | train samples/s | eval samples/s |\n|---|---|---|---|---|---|\n")
	for _, h := range r.History {
		ta := "-"
		if !math.IsNaN(float64(h.TestAccuracy)) {
			ta = pct(float64(h.TestAccuracy))
		}
		fmt.Fprintf(b, "| %d | %s | %s | %s | %.0f | %.0f |\n", h.Epoch, pct(h.TrainAccuracy), ta, pct(float64(h.SilentFraction)), h.TrainPerSecond, h.EvalPerSecond)
	}
}

// writeDaleNote writes the section on how Dale's law holds.
func (r *Report) writeDaleNote(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Dale's law\n\nEvery synapse is a magnitude >= 0 and takes its sign from its source population, so the count above is zero by construction; it is checked, not assumed. Dale's law does not emerge here in the sense of the papers (signed weights settling into one sign per neuron): dalesim's populations carry their sign from the start.\n")
}

// writeParameters writes the [training] table of the spec.
func (r *Report) writeParameters(b *strings.Builder) {
	fmt.Fprintf(b, "\n## Parameters ([training] of the spec)\n\n```toml\n%s```\n", r.Parameters)
}

func bestFit(f analysis.WeightStats) string {
	if !(f.LogSigma > 0) {
		return "constant"
	}
	return orDash(f.Best)
}

func isDigits126(d []int) bool { return len(d) == 3 && d[0] == 1 && d[1] == 2 && d[2] == 6 }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

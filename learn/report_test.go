package learn

import (
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"dalesim/analysis"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenReports are fixed reports that between them take every branch of
// Report.Markdown.
func goldenReports() map[string]*Report {
	params := "[training]\nepochs = 2\nlr = 0.01\n"
	full := &Report{
		Digits: []int{1, 2, 6}, Hidden: 30, Epochs: 2, TrainSamples: 300, TestSamples: 90, Seed: 42,
		Train: &Eval{Samples: 300, Correct: 250, Accuracy: 250.0 / 300, PerSecond: 1234.56},
		Test: &Eval{Samples: 90, Correct: 80, Accuracy: 80.0 / 90, PerSecond: 2345.5,
			Confusion: [][]int{{28, 1, 1}, {2, 26, 2}, {0, 4, 26}}},
		Projections: []ProjReport{
			{Name: "input->hidden", Sign: 1, Synapses: 23520, NonSilent: 783, SilentFraction: 1 - 783.0/23520, Plastic: true,
				Fit: analysis.WeightStats{Positive: 783, LogMu: -1.23456, LogSigma: 0.54321, KSD: 0.0312, KSP: 0.000123,
					AICLogNormal: 1234.4, AICGamma: 1300.6, AICExponential: 1500.5, Best: "lognormal"}},
			{Name: "hidden->output", Sign: 1, Synapses: 90, NonSilent: 90, Plastic: true,
				Fit: analysis.WeightStats{Positive: 90, LogMu: 0.5, LogSigma: 0.25, KSD: 0.1, KSP: 0.5}},
			{Name: "hidden->inhibitory", Sign: 1, Synapses: 30, NonSilent: 30,
				Fit: analysis.WeightStats{Positive: 30, LogMu: 0.1, LogSigma: 0}},
			{Name: "inhibitory->hidden", Sign: -1, Synapses: 30, NonSilent: 1, SilentFraction: 29.0 / 30, DaleViolations: 2,
				Fit: analysis.WeightStats{Positive: 1, LogSigma: 0.3}},
		},
		DaleTotal: 2,
		Firing: []PopFiring{
			{Name: "input", Identity: "excitatory", Neurons: 784, RateHz: 12.345, CVISI: JSONFloat(math.NaN()), Sparseness: 0.1234},
			{Name: "hidden", Identity: "excitatory", Neurons: 30, RateHz: 3.5, CVISI: 0.987654, Sparseness: 0.5},
		},
		Parameters: params,
		History: []EpochRecord{
			{Epoch: 1, TrainAccuracy: 0.5, TestAccuracy: JSONFloat(math.NaN()), TrainPerSecond: 100.4, EvalPerSecond: 200.6, SilentFraction: 0.9},
			{Epoch: 2, TrainAccuracy: 0.8333, TestAccuracy: 0.8889, TrainPerSecond: 110, EvalPerSecond: 210, SilentFraction: 0.95},
		},
	}
	other := &Report{
		Digits: []int{0, 1}, Hidden: 10, Epochs: 1, TrainSamples: 20, TestSamples: 0, Seed: 1,
		Projections: []ProjReport{{Name: "input->hidden", Sign: 1, Synapses: 0}},
		Parameters:  params,
	}
	// Digits 1, 2, 6 with a hidden size that is not in the paper's table and
	// no test set.
	noTest := &Report{Digits: []int{1, 2, 6}, Hidden: 50, Epochs: 1, TrainSamples: 10, Seed: 7,
		Train: &Eval{Samples: 10, Accuracy: 0.3, PerSecond: 5}, Parameters: params}
	// Digits 1, 2, 6 with a hidden size of the paper's table but no plastic
	// input->hidden projection: the non-silent count is -1.
	noProj := &Report{Digits: []int{1, 2, 6}, Hidden: 10, Epochs: 1, TrainSamples: 10, TestSamples: 5, Seed: 8,
		Test:        &Eval{Samples: 5, Accuracy: 0.6, PerSecond: 9, Confusion: [][]int{{1, 0, 0}, {0, 1, 1}, {0, 1, 1}}},
		Projections: []ProjReport{{Name: "hidden->output", Sign: 1, Synapses: 30, NonSilent: 30, Plastic: true}},
		Parameters:  params}
	return map[string]*Report{"full": full, "other": other, "no_test": noTest, "no_proj": noProj}
}

// TestMarkdownGolden: Markdown renders fixed reports exactly as the golden
// files in testdata (go test -run TestMarkdownGolden -update rewrites them).
func TestMarkdownGolden(t *testing.T) {
	for name, r := range goldenReports() {
		path := filepath.Join("testdata", "report_"+name+".md")
		got := r.Markdown()
		if *updateGolden {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s: Markdown differs from %s:\n%s", name, path, got)
		}
	}
}

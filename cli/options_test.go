package cli

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"dalesim/deploy"
)

func TestParseWidths(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
		err  string
	}{
		{"8,6,4,2", []int{8, 6, 4, 2}, ""},
		{" 8 , ,1,24,", []int{8, 1, 24}, ""},
		{"", nil, ""},
		{"8,x", nil, `--widths: "x": want widths in bits between 1 and 24, e.g. 8,6,4,2`},
		{"0", nil, `--widths: "0": want widths`},
		{"25", nil, `--widths: "25": want widths`},
	} {
		got, err := parseWidths(c.in)
		if c.err != "" {
			if _, ok := err.(usageError); !ok || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("%q: error %v, want a usage error starting %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %v %v, want %v", c.in, got, err, c.want)
		}
	}
}

func TestPrintDeployTable(t *testing.T) {
	var b bytes.Buffer
	printDeployTable(&b, &deploy.Report{Results: []deploy.Result{{Precision: "int4", Accuracy: 0.9, InputSpikes: 10, NeuronSpikes: 5,
		SynOpsNonzero: 300, FirstSpikeMS: 1.25, DecisionMS: 20, LoihiNJ: 7.5, TrueNorthNJ: 0.5}}}, "out")
	want := "weights   accuracy     spikes  SynOps(w≠0)  first_ms decide_ms    Loihi_nJ*  TrueNorth_nJ*\n" +
		"int4         90.0%         15          300       1.2      20.0          7.5            0.5\n" +
		"* estimates from published per-operation energies (see out/" + deploy.MarkdownFile + ")\nwrote out\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// TestOptionErrors checks the option checks of analyze and plot, which come
// before the input is read.
func TestOptionErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"analyze", "none", "--fano-window", "0"}, "--fano-window = 0: must be a finite number of ms > 0"},
		{[]string{"analyze", "none", "--from", "-1"}, "--from = -1: must be a finite number of ms > 0 (>= 0 for --from)"},
		{[]string{"analyze", "none", "--pairs", "0"}, "--pairs = 0: must be >= 1"},
		{[]string{"analyze", "none", "--weights-step", "-1"}, "--weights-step = -1: must be >= 0"},
		{[]string{"analyze", "none", "--seed", "0"}, "--seed = 0: must be >= 1"},
		{[]string{"analyze", "none", "--parquet", "x.parquet", "--no-parquet"}, "--parquet and --no-parquet exclude each other"},
		{[]string{"plot", "none", "--rate-bin", "0"}, "--rate-bin = 0: must be a finite number > 0"},
		{[]string{"plot", "none", "--dpi", "0"}, "--dpi = 0: must be between 1 and 100000"},
		{[]string{"plot", "none", "--from", "5", "--until", "5"}, "--until = 5: must be after --from = 5"},
	} {
		code, _, errs := runCLI(t, c.args...)
		if code != ExitBadInput || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, ExitBadInput, c.want)
		}
	}
}

package cli

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"

	"dalesim/internal/pyenv"
)

//go:embed testdata/elephant_agree.py
var elephantScript string

// elephantMetrics maps the metrics that testdata/elephant_agree.py prints to
// their path in a population of `analyze --json`.
var elephantMetrics = []struct{ metric, path string }{
	{"spikes", "spikes"},
	{"mean_rate_hz", "mean_rate_hz"},
	{"rate_sd_hz", "rates.sd_hz"},
	{"rate_p5_hz", "rates.p5_hz"},
	{"rate_p25_hz", "rates.p25_hz"},
	{"rate_median_hz", "rates.median_hz"},
	{"rate_p75_hz", "rates.p75_hz"},
	{"rate_p95_hz", "rates.p95_hz"},
	{"fraction_silent", "rates.fraction_silent"},
	{"cv_isi", "isi.cv_isi"},
	{"lv", "isi.lv"},
	{"isi_neurons", "isi.neurons"},
	{"fano", "fano"},
	{"fano_neurons", "fano_neurons"},
	{"corr", "corr"},
	{"corr_sd", "corr_sd"},
	{"corr_pairs", "corr_pairs"},
	{"sync_cv", "sync_cv"},
	{"sync_chi", "sync_chi"},
}

// jsonNum follows a dotted path in decoded JSON; null and missing are NaN.
func jsonNum(v any, path string) float64 {
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return math.NaN()
		}
		v = m[k]
	}
	if f, ok := v.(float64); ok {
		return f
	}
	return math.NaN()
}

// relDiff is |a-b| / max(|a|, |b|): 0 when equal (both NaN included), +Inf
// when only one is NaN.
func relDiff(a, b float64) float64 {
	switch {
	case a == b || math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a) || math.IsNaN(b):
		return math.Inf(1)
	}
	return math.Abs(a-b) / max(math.Abs(a), math.Abs(b))
}

// TestElephantAgrees recomputes the spike-train statistics of `analyze` with
// Elephant 1.2 (testdata/elephant_agree.py, which states the convention
// mapping) on the same spike trains and the same sampled pairs
// (corr_pair_list), for Brunel's AI and SR regimes at full size and the
// COBA benchmark. Every statistic is deterministic given the trains and the
// pairs, so they must agree to 1e-9 relative; it logs the agreement table.
func TestElephantAgrees(t *testing.T) {
	pyenv.Long(t) // three full-size networks and Elephant: 1-4 min
	py := pyenv.Require(t, "elephant", "neo", "quantities", "pyarrow", "numpy")
	const tol = 1e-9
	cases := []struct {
		name string
		args []string
	}{
		{"Brunel AI", []string{"bench", "brunel", "--g", "5", "--eta", "2", "--duration", "500"}},
		{"Brunel SR", []string{"bench", "brunel", "--g", "3", "--eta", "2", "--duration", "500"}},
		{"COBA", []string{"bench", "coba", "--duration", "1000"}},
	}
	var report strings.Builder
	tw := tabwriter.NewWriter(&report, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "run\tstatistic\tpopulation\tdalesim\tElephant\trel. diff\t")
	for _, c := range cases {
		dir := filepath.Join(t.TempDir(), "run")
		if code, _, errs := runCLI(t, append(c.args, "--threads", "2", "--seed", "1", "--out", dir)...); code != 0 {
			t.Fatalf("%s: exit %d: %s", c.name, code, errs)
		}
		code, out, errs := runCLI(t, "analyze", dir, "--json", "--no-parquet")
		if code != 0 {
			t.Fatalf("%s: analyze: exit %d: %s", c.name, code, errs)
		}
		jsonPath := filepath.Join(dir, "analyze.json")
		if err := os.WriteFile(jsonPath, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		var a struct {
			Populations []map[string]any `json:"populations"`
			CCG         *struct {
				A, B struct {
					Population string `json:"population"`
				}
				CCG struct {
					LagsMS []float64 `json:"lags_ms"`
					Counts []float64 `json:"counts"`
				} `json:"ccg"`
			} `json:"ccg"`
		}
		if err := json.Unmarshal([]byte(out), &a); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var e struct {
			Populations map[string]map[string]*float64 `json:"populations"`
			CCG         struct {
				LagsMS []float64 `json:"lags_ms"`
				Counts []float64 `json:"counts"`
			} `json:"ccg"`
		}
		res := pyenv.Run(t, py, elephantScript, dir, jsonPath)
		if err := json.Unmarshal([]byte(res), &e); err != nil {
			t.Fatalf("%s: Elephant output: %v\n%s", c.name, err, res)
		}
		for _, p := range a.Populations {
			name := p["name"].(string)
			ep := e.Populations[name]
			if ep == nil {
				t.Fatalf("%s: Elephant has no population %s", c.name, name)
			}
			for _, m := range elephantMetrics {
				d := jsonNum(p, m.path)
				el := math.NaN()
				if v := ep[m.metric]; v != nil {
					el = *v
				}
				r := relDiff(d, el)
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.10g\t%.10g\t%.1e\t\n", c.name, m.metric, name, d, el, r)
				if !(r <= tol) {
					t.Errorf("%s %s %s: dalesim %.12g, Elephant %.12g (relative difference %.2g > %g)", c.name, name, m.metric, d, el, r, tol)
				}
			}
		}
		if a.CCG == nil {
			t.Fatalf("%s: no cross-correlogram", c.name)
		}
		dc, ec := a.CCG.CCG, e.CCG
		if len(dc.Counts) != len(ec.Counts) || len(dc.LagsMS) != len(ec.LagsMS) {
			t.Fatalf("%s: CCG lengths: dalesim %d, Elephant %d", c.name, len(dc.Counts), len(ec.Counts))
		}
		var sd, se, worst float64
		for i := range dc.Counts {
			sd += dc.Counts[i]
			se += ec.Counts[i]
			worst = max(worst, relDiff(dc.Counts[i], ec.Counts[i]))
			if dc.LagsMS[i] != ec.LagsMS[i] {
				t.Errorf("%s: CCG lag %d: dalesim %g ms, Elephant %g ms", c.name, i, dc.LagsMS[i], ec.LagsMS[i])
			}
		}
		fmt.Fprintf(tw, "%s\tccg (sum of %d lags; worst lag)\t%s x %s\t%.10g\t%.10g\t%.1e\t\n", c.name, len(dc.Counts),
			a.CCG.A.Population, a.CCG.B.Population, sd, se, worst)
		if !(worst <= tol) {
			t.Errorf("%s: CCG differs from Elephant's by up to %.2g relative", c.name, worst)
		}
	}
	tw.Flush()
	t.Logf("agreement with Elephant (tolerance %g relative):\n%s", tol, report.String())
}

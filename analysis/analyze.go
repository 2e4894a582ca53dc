package analysis

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/parquet-go/parquet-go"

	"dalesim/traces"
)

// AnalyzeOptions configures Analyze. Zero values select the defaults.
type AnalyzeOptions struct {
	FromMS float64 // start of the analysed window (ms)
	ToMS   float64 // end of the window; 0 means the end of the run

	FanoWindowMS float64 // Fano factor counting window; default 100 ms
	CorrBinMS    float64 // bin of the pairwise correlations; default 5 ms
	PairsSample  int     // pairs sampled per population; default 500
	Seed         uint64  // seed of the pair sample; default 1
	SyncBinMS    float64 // bin of the synchrony measures; default 1 ms

	// Cross-correlogram between two neuron groups. Defaults: the first two
	// populations (or the first with itself), all neurons, 1 ms bins, ±50 ms.
	CCGA, CCGB    Group
	CCGBinMS      float64
	CCGWindowMS   float64
	SkipCCG       bool
	SkipWeights   bool  // do not read the weights table
	WeightsAtStep int64 // analyse the last weight snapshot at or before this step; 0 means the last one
}

// Group selects the first Neurons neurons (0: all) of a population.
type Group struct {
	Population string `json:"population"`
	Neurons    int    `json:"neurons,omitempty"`
}

func (o *AnalyzeOptions) defaults() {
	def := func(x *float64, v float64) {
		if !(*x > 0) {
			*x = v
		}
	}
	def(&o.FanoWindowMS, 100)
	def(&o.CorrBinMS, 5)
	def(&o.SyncBinMS, 1)
	def(&o.CCGBinMS, 1)
	def(&o.CCGWindowMS, 50)
	if o.PairsSample <= 0 {
		o.PairsSample = 500
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// PopulationStats are the spike statistics of one population in the
// analysed window.
type PopulationStats struct {
	Name        string     `json:"name"`
	Identity    string     `json:"identity"`
	Size        int        `json:"size"`
	Spikes      int        `json:"spikes"`
	MeanRateHz  float64    `json:"mean_rate_hz"` // spikes / (size * window)
	Rates       RateDist   `json:"rates"`        // distribution of per-neuron rates
	ISI         TrainStats `json:"isi"`          // mean CV and LV over neurons with >= 3 spikes
	Fano        float64    `json:"fano"`         // mean per-neuron Fano factor (FanoWindowMS windows)
	FanoNeurons int        `json:"fano_neurons"`
	Corr        float64    `json:"corr"` // mean pairwise spike-count correlation (CorrBinMS bins)
	CorrSD      float64    `json:"corr_sd"`
	CorrPairs   int        `json:"corr_pairs"`
	// CorrPairList holds the pairs (neuron indices i < j) that the
	// correlation evaluated: SamplePairs with seed Seed + the population's
	// index. Pairs with a constant count vector are among them but not
	// among the CorrPairs used.
	CorrPairList [][2]int `json:"corr_pair_list"`
	SyncCV       float64  `json:"sync_cv"`  // CV of the population count (SyncBinMS bins)
	SyncChi      float64  `json:"sync_chi"` // Golomb's chi (SyncBinMS bins)
}

// MarshalJSON writes NaN statistics as null.
func (p PopulationStats) MarshalJSON() ([]byte, error) {
	type plain PopulationStats
	return marshalNaN(plain(p))
}

// ProjectionWeights are the statistics of one projection's weights at one
// snapshot.
type ProjectionWeights struct {
	Name  string      `json:"name"`
	Sign  int         `json:"sign"`
	Step  int64       `json:"step"`
	Stats WeightStats `json:"stats"`
}

// CCGResult is the cross-correlogram of Analysis.
type CCGResult struct {
	A   Group `json:"a"`
	B   Group `json:"b"`
	CCG CCG   `json:"ccg"`
}

// Analysis summarises a run. It marshals to JSON with encoding/json (NaN as
// null) and prints with WriteText.
type Analysis struct {
	Dir         string              `json:"dir"`
	Recording   bool                `json:"recording,omitempty"` // spikes from a spike list or an NWB file, not a dalesim run directory
	Meta        traces.Meta         `json:"meta"`
	FromMS      float64             `json:"from_ms"`
	ToMS        float64             `json:"to_ms"`
	Options     AnalyzeOptions      `json:"options"`
	Populations []PopulationStats   `json:"populations"`
	Weights     []ProjectionWeights `json:"weights,omitempty"`
	CCG         *CCGResult          `json:"ccg,omitempty"`
}

// MarshalJSON writes NaN statistics as null.
func (a Analysis) MarshalJSON() ([]byte, error) {
	type plain Analysis
	return marshalNaN(plain(a))
}

// Analyze reads the spikes (and, when recorded, the last weight snapshot of
// each projection) of the run in dir and computes the statistics of every
// population. See traces.ReadSpikes for the accepted paths.
func Analyze(dir string, opt AnalyzeOptions) (*Analysis, error) {
	sp, err := traces.ReadSpikes(dir)
	if err != nil {
		return nil, err
	}
	a, err := AnalyzeSpikes(sp, dir, opt)
	if err != nil {
		return nil, err
	}
	if !opt.SkipWeights {
		if err := a.addWeights(dir); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// AnalyzeSpikes computes the spike statistics of sp, from any source: a
// run (traces.ReadSpikes) or a recording (traces.ReadSpikeList, an NWB
// file's Units table); name is reported as Analysis.Dir. It reads no
// weights.
func AnalyzeSpikes(sp *traces.SpikeTable, name string, opt AnalyzeOptions) (*Analysis, error) {
	opt.defaults()
	a := &Analysis{Dir: name, Meta: sp.Meta, Options: opt, FromMS: opt.FromMS, ToMS: opt.ToMS}
	if a.ToMS <= 0 {
		a.ToMS = sp.Meta.DurationMS()
		if a.ToMS == 0 && sp.Len() > 0 {
			a.ToMS = float64(sp.Step[sp.Len()-1]+1) * sp.Meta.DtMS
		}
	}
	if !(a.ToMS > a.FromMS) {
		return nil, fmt.Errorf("traces: analysis window [%g, %g) ms is empty", a.FromMS, a.ToMS)
	}
	dur := (a.ToMS - a.FromMS) / 1000
	trainsOf := make([][][]float64, len(sp.Populations))
	for pi, name := range sp.Populations {
		trains := SpikeTrains(sp, pi, a.FromMS, a.ToMS)
		trainsOf[pi] = trains
		ps := PopulationStats{Name: name, Size: len(trains)}
		if i := sp.Meta.PopulationIndex(name); i >= 0 {
			ps.Identity = sp.Meta.Populations[i].Identity
		}
		rates := make([]float64, len(trains))
		for i, tr := range trains {
			ps.Spikes += len(tr)
			rates[i] = float64(len(tr)) / dur
		}
		ps.MeanRateHz = math.NaN()
		if ps.Size > 0 {
			ps.MeanRateHz = float64(ps.Spikes) / float64(ps.Size) / dur
		}
		ps.Rates = RateDistribution(rates)
		ps.ISI = ISIStats(trains)
		ps.Fano, ps.FanoNeurons = MeanFano(trains, a.FromMS, a.ToMS, opt.FanoWindowMS)
		ps.Corr, ps.CorrSD, ps.CorrPairs = PairCorrelation(trains, a.FromMS, a.ToMS, opt.CorrBinMS, opt.PairsSample, opt.Seed+uint64(pi))
		ps.CorrPairList = SamplePairs(trains, opt.PairsSample, opt.Seed+uint64(pi))
		ps.SyncCV, ps.SyncChi = Synchrony(trains, a.FromMS, a.ToMS, opt.SyncBinMS)
		a.Populations = append(a.Populations, ps)
	}
	if !opt.SkipCCG && len(sp.Populations) > 0 {
		ga, gb := opt.CCGA, opt.CCGB
		if ga.Population == "" {
			ga.Population = sp.Populations[0]
		}
		if gb.Population == "" {
			gb.Population = sp.Populations[min(1, len(sp.Populations)-1)]
		}
		group := func(g Group) ([][]float64, error) {
			for pi, name := range sp.Populations {
				if name == g.Population {
					tr := trainsOf[pi]
					if g.Neurons > 0 && g.Neurons < len(tr) {
						tr = tr[:g.Neurons]
					}
					return tr, nil
				}
			}
			return nil, fmt.Errorf("traces: cross-correlogram group: no population %q (have %s)", g.Population, strings.Join(sp.Populations, ", "))
		}
		ta, err := group(ga)
		if err != nil {
			return nil, err
		}
		tb, err := group(gb)
		if err != nil {
			return nil, err
		}
		a.CCG = &CCGResult{A: ga, B: gb, CCG: CrossCorrelogram(ta, tb, a.FromMS, a.ToMS, opt.CCGBinMS, opt.CCGWindowMS)}
	}
	return a, nil
}

// addWeights adds the statistics of the last weight snapshot (at or before
// Options.WeightsAtStep) of every projection recorded in dir.
func (a *Analysis) addWeights(dir string) error {
	w, err := traces.ReadWeights(dir)
	if errors.Is(err, traces.ErrNoTable) {
		return nil
	}
	if err != nil {
		return err
	}
	at := a.Options.WeightsAtStep
	if at <= 0 {
		at = math.MaxInt64
	}
	for pi, name := range w.Projections {
		ws, step, ok := w.Snapshot(pi, at)
		if !ok {
			continue
		}
		pw := ProjectionWeights{Name: name, Step: step, Stats: FitWeights(ws)}
		if i := w.Meta.ProjectionIndex(name); i >= 0 {
			pw.Sign = w.Meta.Projections[i].Sign
		}
		a.Weights = append(a.Weights, pw)
	}
	return nil
}

// WriteText prints the analysis as aligned tables.
func (a *Analysis) WriteText(w io.Writer) error {
	a.writeTextHeader(w)
	if err := a.writePopulationTable(w); err != nil {
		return err
	}
	a.writeCCGLine(w)
	return a.writeWeightTable(w)
}

// writeTextHeader writes what was analysed: the run or recording, its
// metadata and the window.
func (a *Analysis) writeTextHeader(w io.Writer) {
	m := a.Meta
	kind := "run"
	if a.Recording {
		kind = "recording"
	}
	fmt.Fprintf(w, "%s %s\n", kind, a.Dir)
	status := m.Status
	if status == "" {
		status = "unknown"
	}
	fmt.Fprintf(w, "  seed %d, dt %g ms, %s, last step %d, kernel %s, version %s\n", m.Seed, m.DtMS, status, m.LastStep, OrDash(m.Kernel), OrDash(m.Version))
	fmt.Fprintf(w, "  window %g–%g ms (%g s)\n\n", a.FromMS, a.ToMS, (a.ToMS-a.FromMS)/1000)
}

// writePopulationTable writes the statistics of every population, one
// column each.
func (a *Analysis) writePopulationTable(w io.Writer) error {
	// Right-aligned numbers; labels padded to a common width read as left-aligned.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, f func(p PopulationStats) string) {
		fmt.Fprintf(tw, "%-22s\t", label)
		for _, p := range a.Populations {
			fmt.Fprintf(tw, "%s\t", f(p))
		}
		fmt.Fprintln(tw)
	}
	o := a.Options
	row("population", func(p PopulationStats) string { return p.Name })
	row("identity", func(p PopulationStats) string { return OrDash(p.Identity) })
	row("neurons", func(p PopulationStats) string { return fmt.Sprint(p.Size) })
	row("spikes", func(p PopulationStats) string { return fmt.Sprint(p.Spikes) })
	row("mean rate (Hz)", func(p PopulationStats) string { return FormatStat(p.MeanRateHz) })
	row("rate sd (Hz)", func(p PopulationStats) string { return FormatStat(p.Rates.SD) })
	row("rate p5/p50/p95 (Hz)", func(p PopulationStats) string {
		return FormatStat(p.Rates.P5) + "/" + FormatStat(p.Rates.Median) + "/" + FormatStat(p.Rates.P95)
	})
	row("silent", func(p PopulationStats) string { return FormatPercent(p.Rates.FractionSilent) })
	row("CV ISI", func(p PopulationStats) string { return FormatStat(p.ISI.CV) })
	row("LV", func(p PopulationStats) string { return FormatStat(p.ISI.LV) })
	row("  neurons >= 3 spikes", func(p PopulationStats) string { return fmt.Sprint(p.ISI.Neurons) })
	row(fmt.Sprintf("Fano (%g ms)", o.FanoWindowMS), func(p PopulationStats) string { return FormatStat(p.Fano) })
	row(fmt.Sprintf("corr (%g ms)", o.CorrBinMS), func(p PopulationStats) string {
		return FormatStat(p.Corr) + " ± " + FormatStat(p.CorrSD)
	})
	row("  pairs", func(p PopulationStats) string { return fmt.Sprint(p.CorrPairs) })
	row(fmt.Sprintf("sync CV (%g ms)", o.SyncBinMS), func(p PopulationStats) string { return FormatStat(p.SyncCV) })
	row(fmt.Sprintf("sync chi (%g ms)", o.SyncBinMS), func(p PopulationStats) string { return FormatStat(p.SyncChi) })
	return tw.Flush()
}

// writeCCGLine writes the peak of the cross-correlogram, if there is one.
func (a *Analysis) writeCCGLine(w io.Writer) {
	c := a.CCG
	if c == nil || len(c.CCG.Counts) == 0 {
		return
	}
	peak, total := 0, 0.0
	for i, v := range c.CCG.Counts {
		total += v
		if v > c.CCG.Counts[peak] {
			peak = i
		}
	}
	meanC := total / float64(len(c.CCG.Counts))
	ratio := math.NaN()
	if meanC > 0 {
		ratio = c.CCG.Counts[peak] / meanC
	}
	fmt.Fprintf(w, "\ncross-correlogram %s x %s (%g ms bins, ±%g ms): peak at %+g ms, peak/mean %s\n",
		groupName(c.A), groupName(c.B), c.CCG.BinMS, a.Options.CCGWindowMS, c.CCG.LagsMS[peak], FormatStat(ratio))
}

// writeWeightTable writes the weight statistics of every projection, if any.
func (a *Analysis) writeWeightTable(w io.Writer) error {
	if len(a.Weights) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	nameW := len("projection")
	for _, p := range a.Weights {
		nameW = max(nameW, len(p.Name))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%-*s\tsign\tstep\tn\tzero\tmean\tsd\tlog mu\tlog sigma\tKS D\tKS p\tAIC lognormal\tAIC gamma\tAIC exp\tbest\t\n", nameW, "projection")
	for _, p := range a.Weights {
		s := p.Stats
		fmt.Fprintf(tw, "%-*s\t%+d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", nameW, p.Name, p.Sign, p.Step, s.N,
			FormatPercent(s.FracZero), FormatStat(s.Mean), FormatStat(s.SD), FormatStat(s.LogMu), FormatStat(s.LogSigma), FormatStat(s.KSD), FormatStat(s.KSP),
			num1(s.AICLogNormal), num1(s.AICGamma), num1(s.AICExponential), OrDash(s.Best))
	}
	return tw.Flush()
}

func groupName(g Group) string {
	if g.Neurons > 0 {
		return fmt.Sprintf("%s[0:%d]", g.Population, g.Neurons)
	}
	return g.Population
}

// OrDash returns s, or "-" when s is empty.
func OrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// FormatStat formats a statistic with 4 significant digits (3 for tiny or
// huge values); NaN and ±Inf as "-".
func FormatStat(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	if x != 0 && (math.Abs(x) < 1e-3 || math.Abs(x) >= 1e6) {
		return fmt.Sprintf("%.3g", x)
	}
	return fmt.Sprintf("%.4g", x)
}

func num1(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "-"
	}
	return fmt.Sprintf("%.1f", x)
}

// FormatPercent formats a fraction as a percentage with one decimal; NaN as
// "-".
func FormatPercent(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*x)
}

// SummaryRow is one row of the Parquet summary written by
// Analysis.WriteParquet: one value of one metric of one population or
// projection. Value is null where the statistic is undefined.
type SummaryRow struct {
	Scope  string   `parquet:"scope,dict"` // "population", "projection" or "ccg"
	Name   string   `parquet:"name,dict"`  // population or projection name ("A x B" for the ccg)
	Metric string   `parquet:"metric,dict"`
	Value  *float64 `parquet:"value,optional"`
}

// Rows returns the analysis as summary rows.
func (a *Analysis) Rows() []SummaryRow {
	var rows []SummaryRow
	add := func(scope, name, metric string, v float64) {
		r := SummaryRow{Scope: scope, Name: name, Metric: metric}
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			r.Value = &v
		}
		rows = append(rows, r)
	}
	for _, p := range a.Populations {
		for _, kv := range []struct {
			k string
			v float64
		}{
			{"neurons", float64(p.Size)}, {"spikes", float64(p.Spikes)}, {"mean_rate_hz", p.MeanRateHz},
			{"rate_sd_hz", p.Rates.SD}, {"rate_p5_hz", p.Rates.P5}, {"rate_p25_hz", p.Rates.P25},
			{"rate_median_hz", p.Rates.Median}, {"rate_p75_hz", p.Rates.P75}, {"rate_p95_hz", p.Rates.P95},
			{"fraction_silent", p.Rates.FractionSilent}, {"cv_isi", p.ISI.CV}, {"lv", p.ISI.LV},
			{"isi_neurons", float64(p.ISI.Neurons)}, {"fano", p.Fano}, {"fano_neurons", float64(p.FanoNeurons)},
			{"corr", p.Corr}, {"corr_sd", p.CorrSD}, {"corr_pairs", float64(p.CorrPairs)},
			{"sync_cv", p.SyncCV}, {"sync_chi", p.SyncChi},
		} {
			add("population", p.Name, kv.k, kv.v)
		}
	}
	for _, p := range a.Weights {
		s := p.Stats
		for _, kv := range []struct {
			k string
			v float64
		}{
			{"step", float64(p.Step)}, {"sign", float64(p.Sign)}, {"n", float64(s.N)}, {"frac_zero", s.FracZero},
			{"mean", s.Mean}, {"sd", s.SD}, {"log_mu", s.LogMu}, {"log_sigma", s.LogSigma}, {"ks_d", s.KSD},
			{"ks_p", s.KSP}, {"gamma_shape", s.GammaShape}, {"gamma_rate", s.GammaRate}, {"exp_rate", s.ExpRate},
			{"aic_lognormal", s.AICLogNormal}, {"aic_gamma", s.AICGamma}, {"aic_exponential", s.AICExponential},
		} {
			add("projection", p.Name, kv.k, kv.v)
		}
	}
	if c := a.CCG; c != nil {
		name := groupName(c.A) + " x " + groupName(c.B)
		for i, lag := range c.CCG.LagsMS {
			add("ccg", name, fmt.Sprintf("lag_%+g_ms", lag), c.CCG.Counts[i])
		}
	}
	return rows
}

// WriteParquet writes the summary rows to path (zstd, with the run's
// metadata and dalesim.table = "summary"). It refuses to overwrite an
// existing file.
func (a *Analysis) WriteParquet(path string) (err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("traces: %s already exists; remove it or choose another path", path)
		}
		return fmt.Errorf("traces: %w", err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("traces: %w", cerr)
		}
		if err != nil {
			os.Remove(path)
		}
	}()
	opts := []parquet.WriterOption{parquet.Compression(traces.ZstdDefault.Codec()), parquet.CreatedBy("dalesim", a.Meta.Version, "")}
	for k, v := range a.Meta.KeyValues("summary") {
		opts = append(opts, parquet.KeyValueMetadata(k, v))
	}
	opts = append(opts, parquet.KeyValueMetadata(traces.KeyStatus, OrDash(a.Meta.Status)),
		parquet.KeyValueMetadata(traces.KeyLastStep, fmt.Sprint(a.Meta.LastStep)),
		parquet.KeyValueMetadata("dalesim.analysis_dir", filepath.ToSlash(a.Dir)))
	w := parquet.NewGenericWriter[SummaryRow](f, opts...)
	if _, err := w.Write(a.Rows()); err != nil {
		return fmt.Errorf("traces: writing %s: %w", path, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("traces: writing %s: %w", path, err)
	}
	return nil
}

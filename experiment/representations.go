package experiment

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"dalesim/analysis"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/plot"
	"dalesim/spec"
)

func init() {
	register(Def{
		Name:  "representations",
		Claim: "the rule yields biologically plausible representations, from feature-specific to task-specific encoding (arXiv 2603.03234)",
		Doc: "Trains the rule (default additive update and the multiplicative variant, hidden_rule.update) and the backprop\n" +
			"baseline, presents test samples, and measures the hidden layer: receptive fields, lifetime and population\n" +
			"sparseness (Treves & Rolls 1991, Vinje & Gallant 2000), class selectivity (Morcos et al. 2018), neurons\n" +
			"recruited per class against the class's difficulty, and the distributions biology reports: input->hidden\n" +
			"weights against lognormal EPSPs (Song et al. 2005), firing rates (Hromádka et al. 2008; Buzsáki & Mizuseki\n" +
			"2014), ISI irregularity (Softky & Koch 1993).",
		Run: runRepresentations,
	})
}

// ModelRuleMult is the rule with the multiplicative hidden update.
const ModelRuleMult = "rule-multiplicative"

// Song et al. 2005 (PLoS Biology 3:e68): ln of the EPSP amplitude in mV is
// normal with this mean and SD.
const (
	songLogMean = -0.702
	songLogSD   = 0.9355
)

// reprTask is a data set, its hidden size and its training samples per class (0: all).
type reprTask struct {
	digits   []int
	hidden   int
	perClass int
}

type reprPlan struct {
	tasks []reprTask
	ntest int
}

func newReprPlan(quick bool) reprPlan {
	if quick {
		return reprPlan{tasks: []reprTask{{[]int{1, 2, 6}, 30, 200}}, ntest: 100}
	}
	return reprPlan{tasks: []reprTask{{nil, 400, 0}, {[]int{1, 2, 6}, 200, 0}}, ntest: 1000}
}

var reprModels = []string{ModelRule, ModelRuleMult, ModelBP}

func runRepresentations(ctx context.Context, opt Options, env *Env) error {
	plan := newReprPlan(opt.Quick)
	seeds := opt.seeds()
	env.Runner.Plan(len(plan.tasks) * len(seeds) * len(reprModels))
	var datas []*Data
	for _, tk := range plan.tasks {
		data, err := env.Data(tk.digits, plan.ntest)
		if err != nil {
			return err
		}
		datas = append(datas, data)
		for _, seed := range seeds {
			train := data.Train
			if tk.perClass > 0 {
				train = Stratified(data.Train, data.Classes, tk.perClass, uint64(seed))
			}
			for _, model := range reprModels {
				id := fmt.Sprintf("%s/%s/seed=%d", data.Name, model, seed)
				env.Runner.Go(func(do DoFunc) error {
					if _, err := do(id, func() ([]Result, error) {
						return reprUnit(ctx, opt, env, model, tk.hidden, seed, data, train)
					}); err != nil {
						return err
					}
					return stopped(ctx)
				})
			}
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return err
	}
	return reprReport(env, plan, datas)
}

// reprResponses is what a trained model shows on the test set.
type reprResponses struct {
	resp    [][]float64 // [test sample][hidden neuron]
	labels  []int
	preds   []int
	weights []float64 // input->hidden weight magnitudes (all of them)
	rateHz  float64   // scale of resp to a rate: resp*rateHz is in Hz (NaN: not a rate)
	cvISI   float64
	meanHz  float64
}

// reprUnit trains one model, presents the test set and measures its hidden layer.
func reprUnit(ctx context.Context, opt Options, env *Env, model string, hidden int, seed int64, data *Data, train *mnist.Set) ([]Result, error) {
	var rr *reprResponses
	var err error
	if model == ModelBP {
		rr, err = reprBaseline(ctx, hidden, seed, data, train)
	} else {
		rr, err = reprRule(ctx, opt, env, model, hidden, seed, data, train)
	}
	if err != nil {
		return nil, err
	}
	if seed == 1 {
		var pos []float64
		for _, w := range rr.weights {
			if w > 0 {
				pos = append(pos, w)
			}
		}
		if err := writeFloats(env.Path(reprWeightFile(data.Name, model)), pos); err != nil {
			return nil, err
		}
	}
	return reprMeasure(rr, data, model, seed, hidden), nil
}

func reprWeightFile(ds, model string) string {
	return "repr-weights-" + fileName(strings.ReplaceAll(ds, ",", "")) + "-" + model + ".f32"
}

func reprRFFile(ds, model string) string {
	return "repr-rf-" + fileName(strings.ReplaceAll(ds, ",", "")) + "-" + model + ".png"
}

// ruleConfig returns the RuleConfig of a rule model (default or multiplicative).
func ruleConfig(opt Options, model string, hidden int, seed int64) RuleConfig {
	cfg := RuleConfig{Hidden: hidden, Seed: seed, Threads: opt.Threads, Kernels: opt.Kernels}
	if model == ModelRuleMult {
		cfg.Edit = func(s *spec.Spec) { s.Training.HiddenRule.Update = "multiplicative" }
	}
	return cfg
}

func reprRule(ctx context.Context, opt Options, env *Env, model string, hidden int, seed int64, data *Data, train *mnist.Set) (*reprResponses, error) {
	cfg := ruleConfig(opt, model, hidden, seed)
	m, err := NewRule(cfg, data.Classes)
	if err != nil {
		return nil, err
	}
	defer m.Net.Close()
	if err := TrainRule(ctx, m, train, 1, 0); err != nil {
		return nil, err
	}
	if seed == 1 {
		if err := learn.ReceptiveFields(env.Path(reprRFFile(data.Name, model)), m.InHid, 28, 28); err != nil {
			return nil, err
		}
	}
	// A fresh model with the trained weights and thresholds: its firing
	// statistics hold the test presentations only.
	ev, err := NewRule(cfg, data.Classes)
	if err != nil {
		return nil, err
	}
	defer ev.Net.Close()
	src, dst := m.Net.Projections(), ev.Net.Projections()
	for i := range src {
		copy(dst[i].Weights(), src[i].Weights())
	}
	copy(ev.Hidden.State.Theta, m.Hidden.State.Theta)

	test := data.Test
	rr := &reprResponses{}
	img := make([]float32, 784)
	for i := range test.Len() {
		if err := stopped(ctx); err != nil {
			return nil, err
		}
		test.Intensities(i, img)
		out, err := ev.Present(img, test.Label(i), false, learn.Evaluation, int64(i))
		if err != nil {
			return nil, err
		}
		c := ev.HiddenCounts()
		r := make([]float64, len(c))
		for j, v := range c {
			r[j] = float64(v)
		}
		rr.resp = append(rr.resp, r)
		rr.labels = append(rr.labels, test.Label(i))
		rr.preds = append(rr.preds, out.Pred)
	}
	rr.rateHz = 1000 / ev.PresentationMS()
	rr.cvISI, rr.meanHz = math.NaN(), math.NaN()
	for _, pf := range ev.Stats().Summary() {
		if pf.Name == ev.Hidden.Name() {
			rr.cvISI, rr.meanHz = float64(pf.CVISI), pf.RateHz
		}
	}
	for _, w := range m.InHid.Weights() {
		rr.weights = append(rr.weights, float64(w))
	}
	return rr, nil
}

func reprBaseline(ctx context.Context, hidden int, seed int64, data *Data, train *mnist.Set) (*reprResponses, error) {
	mlp, err := TrainBaseline(ctx, BaselineConfig(ModelBP, hidden, seed, baselineEpochs(train.Len())), train)
	if err != nil {
		return nil, err
	}
	x, y := Flat(data.Test)
	w1, b1, _, _ := mlp.Weights()
	in, h := w1.Dims()
	rr := &reprResponses{labels: y, preds: mlp.Predict(x), rateHz: math.NaN(), cvISI: math.NaN(), meanHz: math.NaN()}
	for s := range y {
		a := slices.Clone(b1)
		for i := range in {
			xi := float64(x[s*in+i])
			if xi == 0 {
				continue
			}
			for j := range h {
				a[j] += xi * w1.At(i, j)
			}
		}
		for j := range a {
			a[j] = max(a[j], 0) // ReLU
		}
		rr.resp = append(rr.resp, a)
	}
	for i := range in {
		for j := range h {
			rr.weights = append(rr.weights, math.Abs(w1.At(i, j)))
		}
	}
	return rr, nil
}

// reprMeasure turns a model's test responses into result rows.
func reprMeasure(rr *reprResponses, data *Data, model string, seed int64, hidden int) []Result {
	var out []Result
	// A NaN (not applicable or undefined: an MLP's CV of ISI, a correlation
	// with a constant) is left out: unit files are JSON.
	add := func(cond string, param float64, metric string, v float64) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if cond == "" {
			param = float64(hidden)
		}
		out = append(out, Result{Dataset: data.Name, Model: model, Seed: seed, Condition: cond, Param: param, Metric: metric, Value: v})
	}
	classes := data.Classes
	n := len(rr.labels)
	correct, nc, wrong := reprTally(rr, classes)
	add("", 0, "accuracy", float64(correct)/float64(n))
	add("", 0, "lifetime_sparseness", nanMean(lifetimeSparseness(rr.resp)))
	add("", 0, "population_sparseness", nanMean(populationSparseness(rr.resp)))
	h := len(rr.resp[0])
	meanResp, zeros := reprMeanResponses(rr)
	silent := 0
	for _, v := range meanResp {
		if v == 0 {
			silent++
		}
	}
	add("", 0, "silent_neurons", float64(silent)/float64(h))
	add("", 0, "zero_responses", float64(zeros)/float64(n*h))
	reprMeasureAllocation(add, rr, classes, nc, wrong)
	reprMeasureRates(add, rr, meanResp)
	reprMeasureWeights(add, rr.weights)
	return out
}

// reprAddFunc records one measure of a unit (cond "" for the whole layer).
type reprAddFunc func(cond string, param float64, metric string, v float64)

// reprTally counts the correct predictions, and per class (in the order of
// classes) the test samples and the wrong predictions.
func reprTally(rr *reprResponses, classes []int) (correct int, nc, wrong []float64) {
	nc = make([]float64, len(classes))
	wrong = make([]float64, len(classes))
	for s := range len(rr.labels) {
		k := slices.Index(classes, rr.labels[s])
		nc[k]++
		if rr.preds[s] == rr.labels[s] {
			correct++
		} else {
			wrong[k]++
		}
	}
	return correct, nc, wrong
}

// reprMeanResponses returns each hidden neuron's mean response over the
// test set and the number of zero responses (neuron × stimulus).
func reprMeanResponses(rr *reprResponses) ([]float64, int) {
	n := len(rr.labels)
	meanResp := make([]float64, len(rr.resp[0]))
	zeros := 0
	for _, r := range rr.resp {
		for j, v := range r {
			meanResp[j] += v / float64(n)
			if v == 0 {
				zeros++
			}
		}
	}
	return meanResp, zeros
}

// reprMeasureAllocation records the class selectivity, per class the
// fraction of responding neurons preferring it and its error, and the
// correlations between the two.
func reprMeasureAllocation(add reprAddFunc, rr *reprResponses, classes []int, nc, wrong []float64) {
	sel, pref := classSelectivity(rr.resp, rr.labels, classes)
	add("", 0, "class_selectivity", nanMean(sel))
	frac := make([]float64, len(classes))
	active := 0
	for _, p := range pref {
		if p >= 0 {
			frac[p]++
			active++
		}
	}
	errs := make([]float64, len(classes))
	for k, c := range classes {
		if active > 0 {
			frac[k] /= float64(active)
		}
		errs[k] = wrong[k] / max(nc[k], 1)
		add(fmt.Sprintf("class=%d", c), float64(c), "preferred_frac", frac[k])
		add(fmt.Sprintf("class=%d", c), float64(c), "class_error", errs[k])
	}
	add("", 0, "alloc_spearman_own", spearman(frac, errs))
	add("", 0, "alloc_pearson_own", pearson(frac, errs))
}

// reprMeasureRates records the rates (Hz for the rule; mean activation for
// the MLP): their mean, the SD of ln rate of active neurons, and the CV of ISI.
func reprMeasureRates(add reprAddFunc, rr *reprResponses, meanResp []float64) {
	h := len(meanResp)
	scale := rr.rateHz
	if math.IsNaN(scale) {
		scale = 1
	}
	rates := make([]float64, h)
	var sum float64
	for j, v := range meanResp {
		rates[j] = v * scale
		sum += rates[j]
	}
	add("", 0, "rate_mean", sum/float64(h))
	sd, _ := logSD(rates)
	add("", 0, "rate_log_sd", sd)
	add("", 0, "cv_isi", rr.cvISI)
}

// reprMeasureWeights records the fit of the input->hidden weight magnitudes.
func reprMeasureWeights(add reprAddFunc, weights []float64) {
	ws := analysis.FitWeights(weights)
	add("", 0, "w_nonzero", float64(ws.Positive))
	add("", 0, "w_frac_zero", ws.FracZero)
	add("", 0, "w_log_mu", ws.LogMu)
	add("", 0, "w_log_sd", ws.LogSigma)
	add("", 0, "w_geo_mean", math.Exp(ws.LogMu))
	add("", 0, "w_ks_d", ws.KSD)
	add("", 0, "w_ks_p", ws.KSP)
	add("", 0, "w_aic_lognormal", ws.AICLogNormal)
	add("", 0, "w_aic_gamma", ws.AICGamma)
	add("", 0, "w_aic_exponential", ws.AICExponential)
	add("", 0, "w_best", float64(slices.Index(fitNames, ws.Best)))
}

// fitNames are the fits of analysis.FitWeights, by the code of the w_best metric.
var fitNames = []string{"lognormal", "gamma", "exponential"}

func writeFloats(path string, v []float64) error {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(float32(x)))
	}
	return writeAtomic(path, b)
}

func readFloats(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]float64, len(b)/4)
	for i := range v {
		v[i] = float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
	}
	return v, nil
}

// values returns the values of the results of one dataset, model, metric and condition.
func values(rs []Result, ds, model, metric, cond string) []float64 {
	var v []float64
	for _, r := range rs {
		if r.Dataset == ds && r.Model == model && r.Metric == metric && r.Condition == cond && !math.IsNaN(r.Value) {
			v = append(v, r.Value)
		}
	}
	return v
}

func mean(v []float64) float64 {
	m, _ := meanSD(v)
	return m
}

func reprReport(env *Env, plan reprPlan, datas []*Data) error {
	rs := env.Runner.Results()
	r := env.Report
	r.Text("Each model is trained once per seed: the rule for one epoch on the training set (%s), with its default additive "+
		"hidden update (`%s`) and with the multiplicative variant (`%s`: w ← w·exp(η·y_j·(x_i − δ)), clamped to [0, w_max], "+
		"weights below 10⁻³·w_max eliminated, then the same synaptic scaling); the backprop MLP (`%s`, ReLU hidden layer of "+
		"the same size) for max(3, min(300, ⌈30000/n⌉)) epochs of Adam on the same samples. Each is then shown %d test samples "+
		"(stratified); the hidden responses are the spike counts of each hidden neuron in each 100 ms presentation (rule) or "+
		"the ReLU activations (MLP). The rule's test presentations run on a fresh copy of the trained network (weights and "+
		"thresholds copied), so its firing statistics hold test presentations only. Values are mean ± SD over seeds "+
		"(min–max) unless said otherwise.",
		trainDesc(plan), ModelRule, ModelRuleMult, ModelBP, plan.ntest)
	for _, data := range datas {
		if err := reprDatasetReport(env, rs, data); err != nil {
			return err
		}
	}
	r.Section("References")
	r.Text("Treves & Rolls 1991, Network 2:371 (activity ratio); Vinje & Gallant 2000, Science 287:1273 (sparseness S); " +
		"Morcos et al. 2018, ICLR (class selectivity); Song et al. 2005, PLoS Biology 3:e68 (lognormal EPSPs, ln mV: mean −0.702, " +
		"SD 0.9355); van Rossum, Bi & Turrigiano 2000, J Neurosci 20:8812 (multiplicative plasticity, lognormal-like weights); " +
		"Hromádka, DeWeese & Zador 2008, PLoS Biology 6:e16 (sparse, lognormal auditory cortex rates); Buzsáki & Mizuseki 2014, " +
		"Nat Rev Neurosci 15:264 (log-dynamic brain); Softky & Koch 1993, J Neurosci 13:334 (irregular ISIs, CV near 1).")
	return nil
}

// reprDatasetReport writes the sections of one data set: the hidden-layer
// statistics, the resource allocation, the weight and receptive-field
// figures, and the conclusions.
func reprDatasetReport(env *Env, rs []Result, data *Data) error {
	r := env.Report
	ds := data.Name
	r.Section("Hidden-layer statistics, " + ds)
	r.Table(reprStatsTable(rs, ds))
	r.Text("The MLP's \"weights\" are the magnitudes |w| of its signed input->hidden weights (every one non-zero), shown for " +
		"scale, not as a biological claim; its \"rates\" are ReLU activations, so only scale-free measures (sparseness, " +
		"selectivity, SD of ln) compare across models; it has no spikes, hence no CV of ISI.")

	r.Section("Resource allocation, " + ds)
	r.Table(reprClassTable(rs, data))
	if err := reprAllocation(env, rs, data); err != nil {
		return err
	}
	if err := reprWeightFigures(env, ds); err != nil {
		return err
	}
	reprConclusions(r, rs, ds)
	return nil
}

// reprStatRow is one measure of the hidden-layer statistics table.
type reprStatRow struct {
	label, metric string
	scale         float64
	prec          int
	ref           string
}

// reprStatRows lists the measures of the hidden-layer statistics table and
// their references.
func reprStatRows() []reprStatRow {
	return []reprStatRow{
		{"test accuracy (%)", "accuracy", 100, 1, "-"},
		{"lifetime sparseness S (mean over neurons)", "lifetime_sparseness", 1, 3, "Vinje & Gallant 2000: S = (1 − a)/(1 − 1/n), a = Treves & Rolls 1991 activity ratio; 0 dense, 1 one response"},
		{"population sparseness S (mean over stimuli)", "population_sparseness", 1, 3, "same measure per stimulus over neurons"},
		{"neurons silent on the whole test set (%)", "silent_neurons", 100, 1, "cortex: many neurons silent or nearly so (Buzsáki & Mizuseki 2014)"},
		{"zero responses (neuron × stimulus, %)", "zero_responses", 100, 1, "sparse coding (Hromádka et al. 2008: most neurons respond weakly, a few strongly)"},
		{"class selectivity (mean over responding neurons)", "class_selectivity", 1, 3, "Morcos et al. 2018: (μ_max − μ_rest)/(μ_max + μ_rest)"},
		{"mean rate (Hz; MLP: mean activation)", "rate_mean", 1, 2, "cortex: a few Hz on average"},
		{"SD of ln rate, responding neurons", "rate_log_sd", 1, 3, "lognormal rates spanning orders of magnitude (Hromádka et al. 2008; Buzsáki & Mizuseki 2014): SD of ln rate of order 1 or more"},
		{"CV of ISI (hidden, within presentations)", "cv_isi", 1, 3, "≈ 0.5–1 (Softky & Koch 1993)"},
		{"input->hidden weights: non-zero", "w_nonzero", 1, 0, "-"},
		{"input->hidden weights: silent (%)", "w_frac_zero", 100, 1, "-"},
		{"geometric mean of non-zero w (rule: mV)", "w_geo_mean", 1, 4, fmt.Sprintf("%.3f mV (Song et al. 2005: exp(−0.702))", math.Exp(songLogMean))},
		{"SD of ln w (non-zero)", "w_log_sd", 1, 3, fmt.Sprintf("%.4f (Song et al. 2005, ln EPSP in mV)", songLogSD)},
		{"KS D, ln w vs fitted normal", "w_ks_d", 1, 3, "0 for a lognormal"},
		{"KS p", "w_ks_p", 1, 3, "large for a lognormal"},
	}
}

// reprStatsTable is the hidden-layer statistics of every model with their
// references, and the counts of the best AIC fit of the weights.
func reprStatsTable(rs []Result, ds string) ([]string, [][]string) {
	header := []string{"measure"}
	header = append(header, reprModels...)
	header = append(header, "reference")
	var tab [][]string
	for _, rw := range reprStatRows() {
		line := []string{rw.label}
		for _, model := range reprModels {
			line = append(line, summary(values(rs, ds, model, rw.metric, ""), rw.scale, rw.prec))
		}
		tab = append(tab, append(line, rw.ref))
	}
	best := []string{"best AIC fit of w (seeds)"}
	for _, model := range reprModels {
		best = append(best, bestCounts(values(rs, ds, model, "w_best", "")))
	}
	tab = append(tab, append(best, "lognormal (Song et al. 2005)"))
	return header, tab
}

// reprClassTable is the per-class error and share of preferring neurons of
// every model.
func reprClassTable(rs []Result, data *Data) ([]string, [][]string) {
	ds := data.Name
	ah := []string{"class"}
	for _, model := range reprModels {
		ah = append(ah, model+" error (%)", model+" neurons preferring (%)")
	}
	var at [][]string
	for _, c := range data.Classes {
		cond := fmt.Sprintf("class=%d", c)
		line := []string{fmt.Sprint(c)}
		for _, model := range reprModels {
			line = append(line, summary(values(rs, ds, model, "class_error", cond), 100, 1),
				summary(values(rs, ds, model, "preferred_frac", cond), 100, 1))
		}
		at = append(at, line)
	}
	return ah, at
}

// reprAllocation adds the correlations of the neurons preferring a class
// with the class's error (the model's own and backprop's) and the figure of
// the neurons per preferred class.
func reprAllocation(env *Env, rs []Result, data *Data) error {
	r := env.Report
	ds := data.Name
	var series []plot.Series
	bpErr := make([]float64, len(data.Classes))
	for k, c := range data.Classes {
		bpErr[k] = mean(values(rs, ds, ModelBP, "class_error", fmt.Sprintf("class=%d", c)))
	}
	ch := []string{"model", "Spearman ρ (own per-class error, mean over seeds)", "Pearson r (own)", "Spearman ρ vs backprop's per-class error (class means over seeds)"}
	var ct [][]string
	for _, model := range reprModels {
		fr := make([]float64, len(data.Classes))
		for k, c := range data.Classes {
			fr[k] = mean(values(rs, ds, model, "preferred_frac", fmt.Sprintf("class=%d", c)))
		}
		x, v := Group(rs, Select{Dataset: ds, Model: model, Metric: "preferred_frac"})
		series = append(series, plot.Series{Name: model, X: x, Values: v})
		ct = append(ct, []string{model, summary(values(rs, ds, model, "alloc_spearman_own", ""), 1, 2),
			summary(values(rs, ds, model, "alloc_pearson_own", ""), 1, 2), fmt.Sprintf("%.2f", spearman(fr, bpErr))})
	}
	r.Table(ch, ct)
	note := "A positive correlation means more hidden neurons are recruited for the classes that are harder to classify."
	if len(data.Classes) < 5 {
		note += fmt.Sprintf(" With %d classes a rank correlation takes only a few values and means little.", len(data.Classes))
	}
	r.Text("Neurons preferring a class: the fraction of the responding hidden neurons whose largest class-mean response is that class. %s", note)
	af := "repr-allocation-" + fileName(strings.ReplaceAll(ds, ",", "")) + ".png"
	if err := plot.Curves(env.Path(af), series, plot.CurveOptions{Title: "hidden neurons per preferred class, " + ds,
		XLabel: "class (digit)", YLabel: "fraction of responding neurons"}); err != nil {
		return err
	}
	r.Figure(af, "Fraction of responding hidden neurons whose preferred class is each digit (mean ± SD over seeds), "+ds+".")
	return nil
}

// reprWeightFigures adds the histograms of the input->hidden weights and the
// receptive fields of seed 1, where their files exist.
func reprWeightFigures(env *Env, ds string) error {
	r := env.Report
	var names []string
	var samples [][]float64
	var refs [][]plot.Density
	for _, model := range reprModels {
		w, err := readFloats(env.Path(reprWeightFile(ds, model)))
		if err != nil || len(w) < 2 {
			continue
		}
		med := median(w)
		names = append(names, model+" input->hidden |w|, seed 1")
		samples = append(samples, w)
		refs = append(refs, []plot.Density{songDensity(med)})
	}
	if len(samples) > 0 {
		wf := "repr-weights-" + fileName(strings.ReplaceAll(ds, ",", "")) + ".png"
		if err := plot.LogHistograms(env.Path(wf), names, samples, refs, 60); err != nil {
			return err
		}
		r.Figure(wf, "Histogram of log10 of the non-zero input->hidden weights (seed 1) with the lognormal of Song et al. 2005 "+
			"(SD of ln = 0.9355), shifted so that its median is the sample's median: only the shape is compared, since the "+
			"rule's weights are in mV of a point-neuron model and the MLP's are unitless, "+ds+".")
	}
	for _, model := range []string{ModelRule, ModelRuleMult} {
		f := reprRFFile(ds, model)
		if _, err := os.Stat(env.Path(f)); err == nil {
			r.Figure(f, "Receptive fields (input->hidden weights of each hidden neuron; white: its largest weight, black: silent) of "+model+", seed 1, "+ds+".")
		}
	}
	return nil
}

// reprConclusions writes the measured verdicts for one data set.
func reprConclusions(r *Report, rs []Result, ds string) {
	m := func(model, metric string) float64 { return mean(values(rs, ds, model, metric, "")) }
	var b strings.Builder
	accR, accM, accB := m(ModelRule, "accuracy"), m(ModelRuleMult, "accuracy"), m(ModelBP, "accuracy")
	fmt.Fprintf(&b, "- Accuracy: rule %.1f %%, multiplicative variant %.1f %% (%+.1f points), backprop %.1f %%.\n",
		100*accR, 100*accM, 100*(accM-accR), 100*accB)
	for _, model := range []string{ModelRule, ModelRuleMult} {
		sd, p := m(model, "w_log_sd"), m(model, "w_ks_p")
		verdict := "rejected by KS (p < 0.01)"
		if p >= 0.01 {
			verdict = "not rejected by KS"
		}
		fmt.Fprintf(&b, "- %s weights: SD of ln w %.2f against %.4f (Song et al. 2005; ratio %.2f); lognormal %s; best AIC fit %s; "+
			"%.0f %% silent; geometric mean %.3f mV against %.3f mV (a point-neuron model's mV, so only a rough scale).\n",
			model, sd, songLogSD, sd/songLogSD, verdict, bestCounts(values(rs, ds, model, "w_best", "")),
			100*m(model, "w_frac_zero"), m(model, "w_geo_mean"), math.Exp(songLogMean))
	}
	if m(ModelRuleMult, "w_frac_zero") < 0.01 {
		b.WriteString("- The multiplicative variant eliminated (almost) no synapse here: a weight must shrink from its initial " +
			"U(0.015, 0.15) mV to 10⁻³·w_max = 0.3 µV, about 4–6 e-folds, at most η·δ = 0.005 e-folds per presentation in which " +
			"its neuron fires without the input; its weight histogram then still carries the shape of the initial distribution.\n")
	}
	selR, selB := m(ModelRule, "class_selectivity"), m(ModelBP, "class_selectivity")
	cmp := "more"
	if selR < selB {
		cmp = "less"
	}
	fmt.Fprintf(&b, "- Task-specific encoding: the rule's hidden neurons are %s class-selective than backprop's (%.2f vs %.2f, "+
		"Morcos et al. 2018 index), although the rule's hidden layer never sees the label: its receptive fields are templates of "+
		"the training digits (figures above), so class selectivity here follows from prototype-like features, not from a "+
		"task signal. A move from feature- to task-specific encoding over training is not measured here (one snapshot per model).\n",
		cmp, selR, selB)
	for _, model := range reprModels {
		fmt.Fprintf(&b, "- %s hidden layer: lifetime sparseness %.2f, population sparseness %.2f, class selectivity %.2f, %.0f %% of neurons silent on the test set",
			model, m(model, "lifetime_sparseness"), m(model, "population_sparseness"), m(model, "class_selectivity"), 100*m(model, "silent_neurons"))
		if model != ModelBP {
			fmt.Fprintf(&b, ", SD of ln rate %.2f, CV of ISI %.2f (0.5–1 in cortex)", m(model, "rate_log_sd"), m(model, "cv_isi"))
		}
		b.WriteString(".\n")
	}
	b.WriteString("- These numbers describe the hidden layer; whether they are \"biologically plausible\" depends on the reference: " +
		"the sparseness and selectivity measures have no single cortical value (they depend on area and stimulus), so they are " +
		"compared between models; the weight, rate and ISI distributions are compared with the cited numbers above.\n")
	r.Section("Conclusions, " + ds)
	r.Text("%s", strings.TrimRight(b.String(), "\n"))
}

// bestCounts formats the best-fit codes over seeds as "lognormal 3, gamma 2".
func bestCounts(codes []float64) string {
	n := make([]int, len(fitNames))
	for _, c := range codes {
		if i := int(c); i >= 0 && i < len(n) {
			n[i]++
		}
	}
	var parts []string
	for i, k := range n {
		if k > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", fitNames[i], k))
		}
	}
	if len(parts) == 0 {
		return "-"
	}
	return strings.Join(parts, ", ")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// songDensity is the lognormal of Song et al. 2005 (SD of ln 0.9355) with
// its median moved to med, as a density of u = log10 x.
func songDensity(med float64) plot.Density {
	mu := math.Log(med)
	return plot.Density{Name: "Song et al. 2005 (median scaled)", PDF: func(u float64) float64 {
		z := (u*math.Ln10 - mu) / songLogSD
		return math.Ln10 * math.Exp(-z*z/2) / (songLogSD * math.Sqrt(2*math.Pi))
	}}
}

func trainDesc(p reprPlan) string {
	var parts []string
	for _, t := range p.tasks {
		s := fmt.Sprintf("%s with H = %d", DatasetName(t.digits), t.hidden)
		if t.perClass > 0 {
			s += fmt.Sprintf(", %d samples per class", t.perClass)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

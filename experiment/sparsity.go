package experiment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/plot"
	"dalesim/spec"
)

func init() {
	register(Def{
		Name:  "sparsity",
		Claim: "the rule is sparse and accurate: it keeps only the essential synapses (arXiv 2603.00588, 2603.03234)",
		Doc: "Trains the rule for one epoch with elimination offsets delta = 0.05..0.4 at H = 200 and at H = 50..400 with the\n" +
			"default delta (digits 1, 2, 6; full MNIST at H = 400 with delta = 0.1, 0.2, 0.3) and counts its non-silent\n" +
			"input->hidden synapses. Both backprop baselines of the same H are trained normally, then pruned by magnitude to\n" +
			"the rule's mean non-silent count of each setting and scored without and with fine-tuning (mask kept).",
		Run: runSparsity,
	})
}

// sparseSetting is one configuration of the rule: hidden size and
// elimination offset δ (hidden_rule.delta).
type sparseSetting struct {
	hidden int
	delta  float64
}

func (s sparseSetting) label() string { return fmt.Sprintf("delta=%g H=%d", s.delta, s.hidden) }

// sparsityTask is a data set and its rule settings: a δ sweep at deltaH and
// an H sweep at the default δ.
type sparsityTask struct {
	digits   []int
	deltaH   int
	deltas   []float64
	hiddens  []int
	perClass int // training samples per class (0: the whole training set)
}

// settings lists the task's distinct rule settings, by H then δ.
func (t sparsityTask) settings(def float64) []sparseSetting {
	var out []sparseSetting
	add := func(s sparseSetting) {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, d := range t.deltas {
		add(sparseSetting{t.deltaH, d})
	}
	for _, h := range t.hiddens {
		add(sparseSetting{h, def})
	}
	slices.SortFunc(out, func(a, b sparseSetting) int {
		if a.hidden != b.hidden {
			return a.hidden - b.hidden
		}
		return cmp.Compare(a.delta, b.delta)
	})
	return out
}

// hiddenSizes lists the distinct H of the task's settings, ascending.
func (t sparsityTask) hiddenSizes(def float64) []int {
	var hs []int
	for _, s := range t.settings(def) {
		if !slices.Contains(hs, s.hidden) {
			hs = append(hs, s.hidden)
		}
	}
	return hs
}

type sparsityPlan struct {
	tasks []sparsityTask
	ntest int // test samples (0: all)
}

func newSparsityPlan(quick bool) sparsityPlan {
	if quick {
		return sparsityPlan{tasks: []sparsityTask{{digits: []int{1, 2, 6}, deltaH: 30, deltas: []float64{0.1, 0.3},
			hiddens: []int{10, 30}, perClass: 200}}, ntest: 200}
	}
	return sparsityPlan{tasks: []sparsityTask{
		{digits: []int{1, 2, 6}, deltaH: 200, deltas: []float64{0.05, 0.1, 0.2, 0.3, 0.4}, hiddens: []int{50, 100, 200, 400}},
		{digits: nil, deltaH: 400, deltas: []float64{0.1, 0.2, 0.3}},
	}}
}

// fineTuneEpochs is the number of fine-tuning epochs of a pruned baseline
// trained for baselineEpochs(n): a third of them, at least two.
func fineTuneEpochs(n int) int { return max(2, baselineEpochs(n)/3) }

// defaultDelta is the elimination offset of the default spec.
func defaultDelta() (float64, error) {
	s, err := learn.DefaultSpec()
	if err != nil {
		return 0, err
	}
	if s.Training == nil || s.Training.HiddenRule.Delta == nil {
		return 0, fmt.Errorf("the default spec sets no training.hidden_rule.delta")
	}
	return *s.Training.HiddenRule.Delta, nil
}

func prunedLabel(s sparseSetting, ft bool) string {
	if ft {
		return "pruned+finetuned to rule " + s.label()
	}
	return "pruned to rule " + s.label()
}

func unprunedLabel(h int) string { return fmt.Sprintf("unpruned H=%d", h) }

func runSparsity(ctx context.Context, opt Options, env *Env) error {
	plan := newSparsityPlan(opt.Quick)
	def, err := defaultDelta()
	if err != nil {
		return err
	}
	seeds := opt.seeds()
	baselines := []string{ModelBP, ModelNonNeg}
	env.Runner.Plan(plan.units(def, len(seeds), len(baselines)))
	for _, tk := range plan.tasks {
		data, err := env.Data(tk.digits, plan.ntest)
		if err != nil {
			return err
		}
		train := func(seed int64) *mnist.Set {
			if tk.perClass > 0 {
				return Stratified(data.Train, data.Classes, tk.perClass, uint64(seed))
			}
			return data.Train
		}
		keep, err := sparsityRuleUnits(ctx, opt, env, tk, def, seeds, data, train)
		if err != nil {
			return err
		}
		if err := sparsityBaselineUnits(ctx, env, tk, def, seeds, baselines, data, train, keep); err != nil {
			return err
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return err
	}
	return sparsityReport(env, plan, def, baselines)
}

// units is the number of units of the plan: every rule setting and every
// baseline of every H, once per seed.
func (p sparsityPlan) units(def float64, seeds, baselines int) int {
	units := 0
	for _, tk := range p.tasks {
		units += seeds * (len(tk.settings(def)) + baselines*len(tk.hiddenSizes(def)))
	}
	return units
}

// sparsityRuleUnits runs the rule at every setting and seed of the task and
// returns the mean non-silent count over seeds of each setting.
func sparsityRuleUnits(ctx context.Context, opt Options, env *Env, tk sparsityTask, def float64, seeds []int64,
	data *Data, train func(int64) *mnist.Set) (map[sparseSetting]int, error) {
	settings := tk.settings(def)
	counts := make([][]float64, len(settings)) // [setting][seed]: non-silent count
	for i, st := range settings {
		counts[i] = make([]float64, len(seeds))
		for j, seed := range seeds {
			id := fmt.Sprintf("%s/%s/%s/seed=%d", data.Name, ModelRule, st.label(), seed)
			env.Runner.Go(func(do DoFunc) error {
				res, err := do(id, func() ([]Result, error) {
					acc, ns, err := sparsityRuleUnit(ctx, opt, st, seed, data, train(seed))
					if err != nil {
						return nil, err
					}
					p := float64(ns)
					return []Result{
						{Dataset: data.Name, Model: ModelRule, Seed: seed, Condition: st.label(), Param: p, Metric: "accuracy", Value: acc},
						{Dataset: data.Name, Model: ModelRule, Seed: seed, Condition: st.label(), Param: p, Metric: "non_silent", Value: p},
					}, nil
				})
				if err != nil {
					return err
				}
				for _, r := range res {
					if r.Metric == "non_silent" {
						counts[i][j] = r.Value
					}
				}
				return stopped(ctx)
			})
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return nil, err
	}
	keep := map[sparseSetting]int{} // mean non-silent count over seeds
	for i, st := range settings {
		m, _ := meanSD(counts[i])
		keep[st] = int(math.Round(m))
	}
	return keep, nil
}

// sparsityBaselineUnits runs the baselines: one trained net per model, H and
// seed, pruned to the rule's count of every setting of that H.
func sparsityBaselineUnits(ctx context.Context, env *Env, tk sparsityTask, def float64, seeds []int64, baselines []string,
	data *Data, train func(int64) *mnist.Set, keep map[sparseSetting]int) error {
	for _, h := range tk.hiddenSizes(def) {
		var matched []sparseSetting
		var keeps []string
		for _, st := range tk.settings(def) {
			if st.hidden == h {
				matched = append(matched, st)
				keeps = append(keeps, fmt.Sprint(keep[st]))
			}
		}
		for _, model := range baselines {
			for _, seed := range seeds {
				id := fmt.Sprintf("%s/%s/H=%d/seed=%d/keep=%s", data.Name, model, h, seed, strings.Join(keeps, ","))
				env.Runner.Go(func(do DoFunc) error {
					if _, err := do(id, func() ([]Result, error) {
						return sparsityBaselineUnit(ctx, model, h, seed, data, train(seed), matched, keep)
					}); err != nil {
						return err
					}
					return stopped(ctx)
				})
			}
		}
	}
	return nil
}

// sparsityRuleUnit trains the rule for one epoch and returns its test
// accuracy and its non-silent input->hidden synapses.
func sparsityRuleUnit(ctx context.Context, opt Options, st sparseSetting, seed int64, data *Data, set *mnist.Set) (float64, int, error) {
	delta := st.delta
	m, err := NewRule(RuleConfig{Hidden: st.hidden, Seed: seed, Threads: opt.Threads, Kernels: opt.Kernels,
		Edit: func(s *spec.Spec) { s.Training.HiddenRule.Delta = &delta }}, data.Classes)
	if err != nil {
		return 0, 0, err
	}
	defer m.Net.Close()
	if err := TrainRule(ctx, m, set, 1, 0); err != nil {
		return 0, 0, err
	}
	acc, err := EvalRule(ctx, m, data.Test)
	if err != nil {
		return 0, 0, err
	}
	return acc, m.InHid.Len() - m.InHid.Silent(), nil
}

// sparsityBaselineUnit trains one baseline, scores it, and for every
// matched setting prunes a copy to the rule's count and scores it before
// and after fine-tuning.
func sparsityBaselineUnit(ctx context.Context, model string, h int, seed int64, data *Data, set *mnist.Set,
	matched []sparseSetting, keep map[sparseSetting]int) ([]Result, error) {
	n := set.Len()
	mlp, err := TrainBaseline(ctx, BaselineConfig(model, h, seed, baselineEpochs(n)), set)
	if err != nil {
		return nil, err
	}
	x, y := Flat(set)
	var out []Result
	add := func(cond string, acc float64, nz int) {
		p := float64(nz)
		out = append(out,
			Result{Dataset: data.Name, Model: model, Seed: seed, Condition: cond, Param: p, Metric: "accuracy", Value: acc},
			Result{Dataset: data.Name, Model: model, Seed: seed, Condition: cond, Param: p, Metric: "non_silent", Value: p})
	}
	nz, _ := mlp.NonZero()
	add(unprunedLabel(h), BaselineAccuracy(mlp, data.Test), nz)
	for _, st := range matched {
		c := mlp.Clone()
		if err := c.PruneMagnitude(keep[st]); err != nil {
			return nil, err
		}
		nz, _ := c.NonZero()
		add(prunedLabel(st, false), BaselineAccuracy(c, data.Test), nz)
		if err := c.FineTune(ctx, x, y, fineTuneEpochs(n), nil); err != nil {
			if ctx.Err() != nil {
				return nil, errStop
			}
			return nil, err
		}
		nz, _ = c.NonZero()
		add(prunedLabel(st, true), BaselineAccuracy(c, data.Test), nz)
	}
	return out, nil
}

// pick returns the values of the results that match, in result order.
func pick(rs []Result, ds, model, cond, metric string) []float64 {
	var v []float64
	for _, r := range rs {
		if r.Dataset == ds && r.Model == model && r.Condition == cond && r.Metric == metric {
			v = append(v, r.Value)
		}
	}
	return v
}

// pickSeeds returns the matching values by seed.
func pickSeeds(rs []Result, ds, model, cond, metric string) map[int64]float64 {
	v := map[int64]float64{}
	for _, r := range rs {
		if r.Dataset == ds && r.Model == model && r.Condition == cond && r.Metric == metric {
			v[r.Seed] = r.Value
		}
	}
	return v
}

// pairedDiff returns a[s]-b[s] over the seeds both have.
func pairedDiff(a, b map[int64]float64) []float64 {
	var d []float64
	for s, va := range a {
		if vb, ok := b[s]; ok {
			d = append(d, va-vb)
		}
	}
	return d
}

// paperTable2 is Table 2 of arXiv 2603.00588 (digits 1, 2, 6): backprop's
// accuracy and the rule's accuracy and non-silent input->hidden synapses.
var paperTable2 = []struct {
	hidden       int
	bp, rule     float64 // %
	ruleNonSilnt int
}{{10, 99.01, 64.29, 785}, {30, 99.17, 86.21, 783}, {100, 99.23, 89.79, 784}, {200, 99.17, 95.55, 785}}

func sparsityReport(env *Env, plan sparsityPlan, def float64, baselines []string) error {
	rs := env.Runner.Results()
	r := env.Report
	r.Text("The rule is trained for one epoch and its non-silent input->hidden synapses (weight exactly 0 counts as silent) "+
		"are counted. Each backprop baseline of the same H is trained normally (max(3, min(300, ⌈30000/n⌉)) epochs of mini-batch Adam "+
		"on the same n samples), then a copy is pruned by magnitude (PruneMagnitude) to exactly the rule's mean non-silent count "+
		"over seeds of a setting, scored, fine-tuned for max(2, epochs/3) more epochs with the mask kept, and scored again. "+
		"The default elimination offset is δ = %g. Accuracy in %%, mean ± SD over seeds (min–max); counts are mean ± SD.", def)
	var conclusions []string
	for _, tk := range plan.tasks {
		ds := DatasetName(tk.digits)
		if !slices.ContainsFunc(rs, func(x Result) bool { return x.Dataset == ds }) {
			continue
		}
		conclusion, err := sparsityTaskReport(env, rs, tk, ds, def, baselines)
		if err != nil {
			return err
		}
		if conclusion != "" {
			conclusions = append(conclusions, conclusion)
		}
	}
	r.Section("Conclusion")
	if len(conclusions) == 0 {
		r.Text("No results.")
	} else {
		r.Text("%s A positive difference means the rule is more accurate than backprop with the same number of input->hidden "+
			"synapses; it is a win only where it exceeds the spread over seeds. The pruned baselines keep their dense "+
			"hidden->output layer, as does the rule.", strings.Join(conclusions, " "))
	}
	return nil
}

// sparsityTaskReport writes the sections of one task (data set ds) and
// returns its sentence for the conclusion ("" when no setting was paired).
func sparsityTaskReport(env *Env, rs []Result, tk sparsityTask, ds string, def float64, baselines []string) (string, error) {
	r := env.Report
	r.Section("Accuracy against non-silent synapses, " + ds)
	vs := sparsityCompare(rs, tk, ds, def, baselines)
	r.Table(vs.header, vs.rows)

	r.Text("The baselines before pruning (non-zero input->hidden weights; the nonnegative L1 baseline becomes sparse by itself):")
	uh, urows := sparsityUnprunedTable(rs, tk, ds, def, baselines)
	r.Table(uh, urows)

	conclusion := ""
	if vs.total > 0 {
		r.Text("Paired per seed against the best pruned baseline of each setting (the highest mean of the four pruned variants):\n\n- %s",
			strings.Join(vs.lines, "\n- "))
		conclusion = fmt.Sprintf("On %s the rule beats the best magnitude-pruned backprop net of the same H and synapse count in %d of %d settings.",
			ds, vs.wins, vs.total)
	}

	if err := sparsityFigures(env, rs, tk, ds, def, baselines); err != nil {
		return "", err
	}

	if len(tk.digits) == 3 && slices.Equal(tk.digits, []int{1, 2, 6}) {
		r.Section("Beside the paper's Table 2 (arXiv 2603.00588, digits 1, 2, 6)")
		ph, prows := sparsityPaperTable(rs, tk, ds, def)
		r.Table(ph, prows)
		r.Text("The paper's rule keeps ~785 non-silent synapses at every H, about one per input pixel; compare the count of " +
			"ours, which is a fraction of the 784·H synapses of its H.")
	}
	return conclusion, nil
}

// sparsityComparison is the table of the rule against the pruned baselines
// of one task, and the per-seed comparison with the best of them.
type sparsityComparison struct {
	header      []string
	rows        [][]string
	wins, total int      // settings where the rule beats the best pruned baseline, of those compared
	lines       []string // one sentence per compared setting
}

// sparsityCompare tabulates the rule and every pruned baseline variant at
// each setting of the task, and pairs the rule per seed with the variant of
// the highest mean accuracy.
func sparsityCompare(rs []Result, tk sparsityTask, ds string, def float64, baselines []string) sparsityComparison {
	var c sparsityComparison
	c.header = []string{"rule setting", "rule accuracy", "rule non-silent"}
	for _, m := range baselines {
		c.header = append(c.header, m+" pruned", m+" pruned+finetuned")
	}
	for _, st := range tk.settings(def) {
		row := []string{st.label(), summary(pick(rs, ds, ModelRule, st.label(), "accuracy"), 100, 1),
			summary(pick(rs, ds, ModelRule, st.label(), "non_silent"), 1, 0)}
		ruleAcc := pickSeeds(rs, ds, ModelRule, st.label(), "accuracy")
		var best float64 = -1
		var bestName string
		var bestDiff []float64
		for _, m := range baselines {
			for _, ft := range []bool{false, true} {
				cond := prunedLabel(st, ft)
				v := pick(rs, ds, m, cond, "accuracy")
				row = append(row, summary(v, 100, 1))
				if len(v) > 0 && mean(v) > best {
					best, bestName = mean(v), m+" "+strings.SplitN(cond, " ", 2)[0]
					bestDiff = pairedDiff(ruleAcc, pickSeeds(rs, ds, m, cond, "accuracy"))
				}
			}
		}
		c.rows = append(c.rows, row)
		if best >= 0 && len(ruleAcc) > 0 {
			c.total++
			d, sd := meanSD(bestDiff)
			if d > 0 {
				c.wins++
			}
			c.lines = append(c.lines, fmt.Sprintf("%s (%.0f synapses): rule − best pruned baseline (%s) = %+.1f ± %.1f points (paired over %d seeds)",
				st.label(), mean(pick(rs, ds, ModelRule, st.label(), "non_silent")), bestName, 100*d, 100*sd, len(bestDiff)))
		}
	}
	return c
}

// sparsityUnprunedTable tabulates the baselines of each H before pruning.
func sparsityUnprunedTable(rs []Result, tk sparsityTask, ds string, def float64, baselines []string) ([]string, [][]string) {
	uh := []string{"H", "input->hidden synapses"}
	for _, m := range baselines {
		uh = append(uh, m+" accuracy", m+" non-zero")
	}
	var urows [][]string
	for _, h := range tk.hiddenSizes(def) {
		row := []string{fmt.Sprint(h), fmt.Sprint(784 * h)}
		for _, m := range baselines {
			row = append(row, summary(pick(rs, ds, m, unprunedLabel(h), "accuracy"), 100, 1),
				summary(pick(rs, ds, m, unprunedLabel(h), "non_silent"), 1, 0))
		}
		urows = append(urows, row)
	}
	return uh, urows
}

// sparsitySweep is one figure of a task: the settings that keep selects.
type sparsitySweep struct {
	name string
	keep func(sparseSetting) bool
}

// sparsityFigures draws and adds the task's figures: the δ sweep, and the H
// sweep when there is one.
func sparsityFigures(env *Env, rs []Result, tk sparsityTask, ds string, def float64, baselines []string) error {
	sweeps := []sparsitySweep{{fmt.Sprintf("δ sweep at H = %d", tk.deltaH), func(s sparseSetting) bool { return s.hidden == tk.deltaH }}}
	if len(tk.hiddens) > 1 {
		sweeps = append(sweeps, sparsitySweep{fmt.Sprintf("H sweep at δ = %g", def), func(s sparseSetting) bool { return s.delta == def }})
	}
	for i, sw := range sweeps {
		var sts []sparseSetting
		for _, st := range tk.settings(def) {
			if sw.keep(st) {
				sts = append(sts, st)
			}
		}
		series := sparsitySweepSeries(rs, ds, sts, baselines)
		file := fmt.Sprintf("sparsity-%s-%d.png", fileName(strings.ReplaceAll(ds, ",", "")), i+1)
		if err := plot.Curves(env.Path(file), series, plot.CurveOptions{Title: "accuracy vs synapses, " + ds + ", " + sw.name,
			XLabel: "non-silent input->hidden synapses", YLabel: "test accuracy", LogX: true}); err != nil {
			return err
		}
		env.Report.Figure(file, "Test accuracy against non-silent input->hidden synapses, "+ds+", "+sw.name+
			" (x: mean count over seeds of each setting; mean ± SD of accuracy). The dense backprop net (784·H synapses) is in the table above.")
	}
	return nil
}

// sparsitySweepSeries is the curves of one figure: the rule, each baseline
// pruned with and without fine-tuning, and the nonnegative baseline unpruned.
func sparsitySweepSeries(rs []Result, ds string, sts []sparseSetting, baselines []string) []plot.Series {
	series := []plot.Series{sparsitySeries(rs, ds, ModelRule, "rule", sts, func(s sparseSetting) string { return s.label() })}
	for _, m := range baselines {
		for _, ft := range []bool{false, true} {
			name := m + " pruned"
			if ft {
				name += "+finetuned"
			}
			series = append(series, sparsitySeries(rs, ds, m, name, sts, func(s sparseSetting) string { return prunedLabel(s, ft) }))
		}
	}
	return append(series, sparsitySeries(rs, ds, ModelNonNeg, ModelNonNeg+" unpruned", sts,
		func(s sparseSetting) string { return unprunedLabel(s.hidden) }))
}

// sparsityPaperTable sets our results at the default δ beside the paper's
// Table 2, one row per H of either.
func sparsityPaperTable(rs []Result, tk sparsityTask, ds string, def float64) ([]string, [][]string) {
	ph := []string{"H", "paper: BP accuracy", "paper: BP synapses", "paper: rule accuracy", "paper: rule non-silent",
		fmt.Sprintf("ours: rule accuracy (δ = %g)", def), "ours: rule non-silent", "ours: backprop accuracy", "ours: nonneg-L1 non-zero"}
	var hs []int
	for _, p := range paperTable2 {
		hs = append(hs, p.hidden)
	}
	for _, h := range tk.hiddenSizes(def) {
		if !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	var prow [][]string
	for _, h := range hs {
		row := []string{fmt.Sprint(h), "-", "-", "-", "-"}
		for _, p := range paperTable2 {
			if p.hidden == h {
				row = []string{fmt.Sprint(h), fmt.Sprintf("%.2f", p.bp), fmt.Sprint(784 * h), fmt.Sprintf("%.2f", p.rule), fmt.Sprintf("~%d", p.ruleNonSilnt)}
			}
		}
		st := sparseSetting{h, def}
		row = append(row, summary(pick(rs, ds, ModelRule, st.label(), "accuracy"), 100, 1),
			summary(pick(rs, ds, ModelRule, st.label(), "non_silent"), 1, 0),
			summary(pick(rs, ds, ModelBP, unprunedLabel(h), "accuracy"), 100, 1),
			summary(pick(rs, ds, ModelNonNeg, unprunedLabel(h), "non_silent"), 1, 0))
		prow = append(prow, row)
	}
	return ph, prow
}

// sparsitySeries is one curve of the figure: for each setting the mean
// non-silent count over seeds (x) and the accuracies (values), sorted by x.
func sparsitySeries(rs []Result, ds, model, name string, sts []sparseSetting, cond func(sparseSetting) string) plot.Series {
	type pt struct {
		x float64
		v []float64
	}
	var pts []pt
	for _, st := range sts {
		c := cond(st)
		acc := pick(rs, ds, model, c, "accuracy")
		ns := pick(rs, ds, model, c, "non_silent")
		if len(acc) == 0 || len(ns) == 0 {
			continue
		}
		x := mean(ns)
		if slices.ContainsFunc(pts, func(p pt) bool { return p.x == x }) {
			continue // unpruned baselines repeat over the settings of one H
		}
		pts = append(pts, pt{x, acc})
	}
	slices.SortFunc(pts, func(a, b pt) int { return cmp.Compare(a.x, b.x) })
	s := plot.Series{Name: name}
	for _, p := range pts {
		s.X = append(s.X, p.x)
		s.Values = append(s.Values, p.v)
	}
	return s
}

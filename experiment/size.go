package experiment

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"dalesim/mnist"
	"dalesim/plot"
)

func init() {
	register(Def{
		Name:  "size",
		Claim: "accuracy grows with network size as in Diehl & Cook 2015 (arXiv 2603.00588)",
		Doc: "Trains the rule on full MNIST at H = 100, 400 and 1600 for two epochs, scoring it after each, beside\n" +
			"Diehl & Cook (2015) and the backprop baseline of the same H; and the rule and backprop at H = 200 on\n" +
			"ten random digit triplets (drawn with a fixed seed, one seed each).",
		Run: runSize,
	})
}

// diehlCook2015 is the test accuracy (%) of Diehl & Cook (2015, Front.
// Comput. Neurosci. 9:99) by number of excitatory neurons.
var diehlCook2015 = map[int]float64{100: 82.9, 400: 87.0, 1600: 91.9, 6400: 95.0}

type sizePlan struct {
	hiddens  []int
	seeds    map[int]int // seeds of an H (missing or 0: all of opt.seeds())
	perClass int         // full MNIST training samples per class (0: all)
	ntest    int         // test samples (0: all)

	triplets        int   // random digit triplets
	tripletSeed     int64 // seed of the draw
	tripletH        int
	tripletPerClass int
	tripletNtest    int
}

func newSizePlan(quick bool) sizePlan {
	if quick {
		return sizePlan{hiddens: []int{10, 30}, perClass: 30, ntest: 200,
			triplets: 3, tripletSeed: 2015, tripletH: 30, tripletPerClass: 100, tripletNtest: 200}
	}
	// Measured on the shared 2-core machine (load ~11), 2,000 training
	// samples: H = 400 trained at 167 samples/s, H = 1600 at 28 samples/s
	// (5.9x slower for 4x the neurons). Scaled to the README's unloaded
	// 815 samples/s at H = 400, an epoch of H = 1600 takes ~7 min, so H =
	// 1600 runs with 3 seeds; H = 6400 would take 30-45 min per epoch and
	// is left out (sizeNotes).
	return sizePlan{hiddens: []int{100, 400, 1600}, seeds: map[int]int{1600: 3},
		triplets: 10, tripletSeed: 2015, tripletH: 200}
}

// sizeNotes says how the full plan was sized (printed in the report).
const sizeNotes = "H = 1600 runs with the first 3 seeds only, and H = 6400 is not run. When the plan was made, H = 1600 trained " +
	"5.9 times slower than H = 400 on 2,000 samples (28 against 167 samples/s on the shared 2-core machine); scaled to " +
	"H = 400's 815 samples/s on the unloaded machine that is ~7 min per epoch at H = 1600, and another 4-6 times that, " +
	"30-45 min, per epoch at H = 6400: over the 30 minutes allowed for one epoch."

// drawTriplets returns n distinct digit triplets (each sorted) drawn with seed.
func drawTriplets(n int, seed int64) [][]int {
	r := rand.New(rand.NewPCG(uint64(seed), 0x7269706c))
	var out [][]int
	for len(out) < n && len(out) < 120 {
		p := r.Perm(10)[:3]
		slices.Sort(p)
		if !slices.ContainsFunc(out, func(q []int) bool { return slices.Equal(p, q) }) {
			out = append(out, p)
		}
	}
	return out
}

func epochLabel(e int) string {
	if e == 1 {
		return "1 epoch"
	}
	return fmt.Sprintf("%d epochs", e)
}

func runSize(ctx context.Context, opt Options, env *Env) error {
	plan := newSizePlan(opt.Quick)
	all := opt.seeds()
	seedsOf := func(h int) []int64 {
		if n := plan.seeds[h]; n > 0 && n < len(all) {
			return all[:n]
		}
		return all
	}
	models := []string{ModelRule, ModelBP}
	units := 2 * plan.triplets
	for _, h := range plan.hiddens {
		units += len(models) * len(seedsOf(h))
	}
	env.Runner.Plan(units)

	data, err := env.Data(nil, plan.ntest)
	if err != nil {
		return err
	}
	for _, h := range plan.hiddens {
		for _, seed := range seedsOf(h) {
			train := data.Train
			if plan.perClass > 0 {
				train = Stratified(data.Train, data.Classes, plan.perClass, uint64(seed))
			}
			for _, model := range models {
				id := fmt.Sprintf("%s/%s/H=%d/seed=%d", data.Name, model, h, seed)
				env.Runner.Go(func(do DoFunc) error {
					if _, err := do(id, func() ([]Result, error) {
						return sizeUnit(ctx, opt, model, h, seed, data, train, 2)
					}); err != nil {
						return err
					}
					return stopped(ctx)
				})
			}
		}
	}

	for i, tr := range drawTriplets(plan.triplets, plan.tripletSeed) {
		td, err := env.Data(tr, plan.tripletNtest)
		if err != nil {
			return err
		}
		const seed = 1
		train := td.Train
		if plan.tripletPerClass > 0 {
			train = Stratified(td.Train, td.Classes, plan.tripletPerClass, seed)
		}
		for _, model := range models {
			id := fmt.Sprintf("%s/%s/H=%d/seed=%d", td.Name, model, plan.tripletH, seed)
			env.Runner.Go(func(do DoFunc) error {
				if _, err := do(id, func() ([]Result, error) {
					acc, err := fewshotUnit(ctx, opt, model, plan.tripletH, seed, td, train)
					if err != nil {
						return nil, err
					}
					return []Result{{Dataset: td.Name, Model: model, Seed: seed, Condition: "triplet", Param: float64(i + 1),
						Metric: "accuracy", Value: acc}}, nil
				}); err != nil {
					return err
				}
				return stopped(ctx)
			})
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return err
	}
	return sizeReport(env, plan, opt, seedsOf)
}

// sizeUnit trains one model for epochs epochs and scores it after each.
// The rule gets one epoch of the rule per epoch; backprop one epoch of
// mini-batch Adam (the optimiser state carries over).
func sizeUnit(ctx context.Context, opt Options, model string, h int, seed int64, data *Data, set *mnist.Set, epochs int) ([]Result, error) {
	var out []Result
	add := func(e int, metric string, v float64) {
		out = append(out, Result{Dataset: data.Name, Model: model, Seed: seed, Condition: epochLabel(e), Param: float64(h),
			Metric: metric, Value: v})
	}
	if model == ModelRule {
		m, err := NewRule(RuleConfig{Hidden: h, Seed: seed, Threads: opt.Threads, Kernels: opt.Kernels}, data.Classes)
		if err != nil {
			return nil, err
		}
		defer m.Net.Close()
		for e := range epochs {
			t0 := time.Now()
			if err := TrainRule(ctx, m, set, 1, e); err != nil {
				return nil, err
			}
			sec := time.Since(t0).Seconds()
			acc, err := EvalRule(ctx, m, data.Test)
			if err != nil {
				return nil, err
			}
			add(e+1, "accuracy", acc)
			add(e+1, "non_silent", float64(m.InHid.Len()-m.InHid.Silent()))
			add(e+1, "train_seconds", sec)
		}
		return out, nil
	}
	mlp, err := TrainBaseline(ctx, BaselineConfig(model, h, seed, 1), set)
	if err != nil {
		return nil, err
	}
	add(1, "accuracy", BaselineAccuracy(mlp, data.Test))
	x, y := Flat(set)
	for e := 2; e <= epochs; e++ {
		if err := mlp.FineTune(ctx, x, y, 1, nil); err != nil {
			if ctx.Err() != nil {
				return nil, errStop
			}
			return nil, err
		}
		add(e, "accuracy", BaselineAccuracy(mlp, data.Test))
	}
	return out, nil
}

func sizeReport(env *Env, plan sizePlan, opt Options, seedsOf func(int) []int64) error {
	rs := env.Runner.Results()
	r := env.Report
	r.Section("Full MNIST: accuracy against the number of hidden neurons")
	r.Text("The rule (one pass of the rule per epoch) and the backprop baseline of the same H (one epoch of mini-batch Adam per " +
		"epoch) are trained for two epochs on the training set and scored on the test set after each. Accuracy in %%, " +
		"mean ± SD over seeds (min–max). Diehl & Cook (2015) trained their STDP network for 1 (H = 100, 400), 3 (1600) " +
		"and 7 (6400) epochs.")
	if !opt.Quick {
		r.Text(sizeNotes)
	}
	hs := sizeHiddens(plan)
	r.Table(sizeTable(rs, plan, hs, seedsOf))
	if err := sizeFigure(env, rs, hs); err != nil {
		return err
	}
	sizeTriplets(r, rs, plan)
	return nil
}

// sizeHiddens lists the H of the plan and of Diehl & Cook (2015), ascending.
func sizeHiddens(plan sizePlan) []int {
	hs := slices.Clone(plan.hiddens)
	for h := range diehlCook2015 {
		if !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	slices.Sort(hs)
	return hs
}

// sizeValues returns the values of full MNIST for one H, model, condition
// and metric, in result order.
func sizeValues(rs []Result, h int, model, c, metric string) []float64 {
	var v []float64
	for _, x := range rs {
		if x.Dataset == "mnist" && x.Model == model && x.Condition == c && x.Param == float64(h) && x.Metric == metric {
			v = append(v, x.Value)
		}
	}
	return v
}

// sizeTable is the accuracy on full MNIST of the rule and backprop after
// each epoch, per H, beside Diehl & Cook (2015).
func sizeTable(rs []Result, plan sizePlan, hs []int, seedsOf func(int) []int64) ([]string, [][]string) {
	header := []string{"H", "seeds", "rule, 1 epoch", "rule, 2 epochs", "rule non-silent (2 epochs)", "rule s/epoch",
		"backprop, 1 epoch", "backprop, 2 epochs", "Diehl & Cook 2015"}
	var rows [][]string
	for _, h := range hs {
		dc := "-"
		if v, ok := diehlCook2015[h]; ok {
			dc = fmt.Sprintf("%.1f", v)
		}
		seeds := "-"
		if slices.Contains(plan.hiddens, h) {
			seeds = fmt.Sprint(len(seedsOf(h)))
		}
		rows = append(rows, []string{fmt.Sprint(h), seeds,
			summary(sizeValues(rs, h, ModelRule, epochLabel(1), "accuracy"), 100, 1),
			summary(sizeValues(rs, h, ModelRule, epochLabel(2), "accuracy"), 100, 1),
			summary(sizeValues(rs, h, ModelRule, epochLabel(2), "non_silent"), 1, 0),
			summary(append(sizeValues(rs, h, ModelRule, epochLabel(1), "train_seconds"), sizeValues(rs, h, ModelRule, epochLabel(2), "train_seconds")...), 1, 1),
			summary(sizeValues(rs, h, ModelBP, epochLabel(1), "accuracy"), 100, 1),
			summary(sizeValues(rs, h, ModelBP, epochLabel(2), "accuracy"), 100, 1), dc})
	}
	return header, rows
}

// sizeFigure draws and adds the figure of accuracy against H.
func sizeFigure(env *Env, rs []Result, hs []int) error {
	var series []plot.Series
	for _, model := range []string{ModelRule, ModelBP} {
		for e := 1; e <= 2; e++ {
			x, v := Group(rs, Select{Dataset: "mnist", Model: model, Metric: "accuracy",
				Condition: func(c string) bool { return c == epochLabel(e) }})
			series = append(series, plot.Series{Name: model + ", " + epochLabel(e), X: x, Values: v})
		}
	}
	dc := plot.Series{Name: "Diehl & Cook 2015"}
	for _, h := range hs {
		if v, ok := diehlCook2015[h]; ok {
			dc.X = append(dc.X, float64(h))
			dc.Values = append(dc.Values, []float64{v / 100})
		}
	}
	series = append(series, dc)
	if err := plot.Curves(env.Path("size-mnist.png"), series, plot.CurveOptions{Title: "full MNIST: accuracy against H",
		XLabel: "hidden neurons H", YLabel: "test accuracy", LogX: true}); err != nil {
		return err
	}
	env.Report.Figure("size-mnist.png", "Test accuracy on full MNIST against the number of hidden neurons (mean ± SD over seeds), beside Diehl & Cook (2015).")
	return nil
}

// sizeTriplets adds the section on random digit triplets.
func sizeTriplets(r *Report, rs []Result, plan sizePlan) {
	r.Section(fmt.Sprintf("Random digit triplets at H = %d", plan.tripletH))
	r.Text("%d distinct triplets of digits drawn with seed %d; each model is trained once (seed 1) on the triplet's training "+
		"samples (the rule one epoch, backprop max(3, min(300, ⌈30000/n⌉)) epochs) and scored on its test samples. "+
		"The digits 1, 2, 6 of the paper are one such triplet.", plan.triplets, plan.tripletSeed)
	var trows [][]string
	var ra, ba, diff []float64
	for _, ds := range Datasets(rs) {
		if ds == "mnist" {
			continue
		}
		a, b := pick(rs, ds, ModelRule, "triplet", "accuracy"), pick(rs, ds, ModelBP, "triplet", "accuracy")
		trows = append(trows, []string{strings.TrimPrefix(ds, "digits "), summary(a, 100, 2), summary(b, 100, 2)})
		ra, ba = append(ra, a...), append(ba, b...)
		if len(a) == 1 && len(b) == 1 {
			diff = append(diff, a[0]-b[0])
		}
	}
	trows = append(trows, []string{"**mean ± SD over triplets (min–max)**", summary(ra, 100, 2), summary(ba, 100, 2)})
	r.Table([]string{"digits", ModelRule, ModelBP}, trows)
	if len(diff) > 0 {
		m, sd := meanSD(diff)
		r.Text("Rule − backprop over the %d triplets: %+.2f ± %.2f points. For comparison, the README reports 96.74 %% for the "+
			"rule on digits 1, 2, 6 at H = 200 (seed 1) and the paper 95.55 %% (its Table 2).", len(diff), 100*m, 100*sd)
	}
}

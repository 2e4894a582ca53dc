package experiment

import (
	"context"
	"fmt"
	"math"
	"strings"

	"dalesim/mnist"
	"dalesim/plot"
)

func init() {
	register(Def{
		Name:  "fewshot",
		Claim: "the rule generalises better than backpropagation from few examples (arXiv 2603.03234)",
		Doc: "Trains the rule and both backprop baselines on k samples per class (k = 1, 5, 10, 50, 100 and the full set),\n" +
			"the same samples for every model of a seed and other samples for every seed, and scores each on the whole test set.",
		Run: runFewshot,
	})
}

// task is a data set and the hidden size its models use.
type task struct {
	digits []int
	hidden int
}

// fewshotPlan sizes the few-shot experiment.
type fewshotPlan struct {
	tasks []task
	ks    []int // samples per class; 0: the full training set
	ntest int   // test samples (0: all)
	full  int   // cap of the "full" training set per class (0: none)
}

func newFewshotPlan(quick bool) fewshotPlan {
	if quick {
		return fewshotPlan{tasks: []task{{[]int{1, 2, 6}, 30}}, ks: []int{1, 10, 0}, ntest: 300, full: 200}
	}
	return fewshotPlan{tasks: []task{{[]int{1, 2, 6}, 200}, {nil, 400}}, ks: []int{1, 5, 10, 50, 100, 0}}
}

// ruleEpochs and baselineEpochs give each model the passes it needs over n
// training samples: the rule sees at least ~3,000 presentations (at most 30
// epochs, one on a large set), a baseline at least ~30,000 samples' worth of
// gradient steps (3 to 300 epochs). The samples are the same for every model.
func ruleEpochs(n int) int     { return min(max(int(math.Ceil(3000/float64(n))), 1), 30) }
func baselineEpochs(n int) int { return min(max(int(math.Ceil(30000/float64(n))), 3), 300) }

func kLabel(k int) string {
	if k == 0 {
		return "full"
	}
	return fmt.Sprintf("k=%d", k)
}

func runFewshot(ctx context.Context, opt Options, env *Env) error {
	plan := newFewshotPlan(opt.Quick)
	seeds := opt.seeds()
	models := []string{ModelRule, ModelBP, ModelNonNeg}
	env.Runner.Plan(len(plan.tasks) * len(plan.ks) * len(seeds) * len(models))
	for _, tk := range plan.tasks {
		data, err := env.Data(tk.digits, plan.ntest)
		if err != nil {
			return err
		}
		for _, k := range plan.ks {
			for _, seed := range seeds {
				train := data.Train
				if k > 0 {
					train = Stratified(data.Train, data.Classes, k, uint64(seed))
				} else if plan.full > 0 {
					train = Stratified(data.Train, data.Classes, plan.full, uint64(seed))
				}
				param := float64(train.Len()) / float64(len(data.Classes))
				for _, model := range models {
					id := fmt.Sprintf("%s/%s/%s/seed=%d", data.Name, model, kLabel(k), seed)
					env.Runner.Go(func(do DoFunc) error {
						_, err := do(id, func() ([]Result, error) {
							acc, err := fewshotUnit(ctx, opt, model, tk.hidden, seed, data, train)
							if err != nil {
								return nil, err
							}
							return []Result{{Dataset: data.Name, Model: model, Seed: seed, Condition: kLabel(k), Param: param,
								Metric: "accuracy", Value: acc}}, nil
						})
						if err != nil {
							return err
						}
						return stopped(ctx)
					})
				}
			}
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return err
	}
	return fewshotReport(env, plan, models)
}

// fewshotUnit trains one model on train and returns its test accuracy.
func fewshotUnit(ctx context.Context, opt Options, model string, hidden int, seed int64, data *Data, set *mnist.Set) (float64, error) {
	n := set.Len()
	if model == ModelRule {
		m, err := NewRule(RuleConfig{Hidden: hidden, Seed: seed, Threads: opt.Threads, Kernels: opt.Kernels}, data.Classes)
		if err != nil {
			return 0, err
		}
		defer m.Net.Close()
		if err := TrainRule(ctx, m, set, ruleEpochs(n), 0); err != nil {
			return 0, err
		}
		return EvalRule(ctx, m, data.Test)
	}
	mlp, err := TrainBaseline(ctx, BaselineConfig(model, hidden, seed, baselineEpochs(n)), set)
	if err != nil {
		return 0, err
	}
	return BaselineAccuracy(mlp, data.Test), nil
}

func fewshotReport(env *Env, plan fewshotPlan, models []string) error {
	rs := env.Runner.Results()
	r := env.Report
	r.Text("Each model is trained on k samples per class drawn with the seed (the same samples for every model of a seed, " +
		"other samples for every seed) and scored on the test set. The rule sees its samples for max(1, min(30, ⌈3000/n⌉)) " +
		"epochs (n = k × classes), a baseline for max(3, min(300, ⌈30000/n⌉)) epochs of mini-batch Adam, so that every model " +
		"gets enough passes to fit its few samples. \"full\" is the whole training set (one epoch of the rule, three of a baseline). " +
		"Accuracy in %%, mean ± SD over seeds (min–max).")
	for _, ds := range Datasets(rs) {
		r.Section("Few-shot test accuracy, " + ds)
		header := []string{"samples per class"}
		header = append(header, models...)
		var rows [][]string
		var series []plot.Series
		for _, model := range models {
			x, v := Group(rs, Select{Dataset: ds, Model: model, Metric: "accuracy"})
			series = append(series, plot.Series{Name: model, X: x, Values: v})
		}
		for _, k := range plan.ks {
			row := []string{kLabel(k)}
			for _, model := range models {
				var vals []float64
				for _, res := range rs {
					if res.Dataset == ds && res.Model == model && res.Condition == kLabel(k) {
						vals = append(vals, res.Value)
					}
				}
				row = append(row, summary(vals, 100, 1))
			}
			rows = append(rows, row)
		}
		r.Table(header, rows)
		file := "fewshot-" + fileName(strings.ReplaceAll(ds, ",", "")) + ".png"
		if err := plot.Curves(env.Path(file), series, plot.CurveOptions{Title: "few-shot accuracy, " + ds,
			XLabel: "training samples per class", YLabel: "test accuracy", LogX: true}); err != nil {
			return err
		}
		r.Figure(file, "Test accuracy against training samples per class, "+ds+" (mean ± SD over seeds).")
	}
	return nil
}

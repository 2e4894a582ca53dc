package experiment

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"dalesim/baseline"
	"dalesim/mnist"
	"dalesim/plot"
	"dalesim/spec"
)

func init() {
	register(Def{
		Name:  "continual",
		Claim: "the rule adapts continually where backprop networks forget (arXiv 2603.03234)",
		Doc: "Class-incremental learning on MNIST without replay, in two protocols: \"split 0-4/5-9\" (two tasks) and\n" +
			"\"5 tasks of 2 digits\" (0-1, 2-3, 4-5, 6-7, 8-9). Every model has all ten outputs from the start and is trained\n" +
			"on the tasks one after the other, on only the current task's training data (the rule: one epoch per task;\n" +
			"the baselines: three epochs of Adam per task, the optimiser reset between tasks), and is scored after every\n" +
			"task on every task's test set. Reports the accuracy matrix, the final average accuracy, the average\n" +
			"forgetting (Chaudhry et al. 2018), the backward transfer (Lopez-Paz & Ranzato 2017) and the accuracy on\n" +
			"all ten classes at the end.",
		Run: runContinual,
	})
}

// protocol is a sequence of tasks, each a set of digits.
type protocol struct {
	name  string
	tasks [][]int
}

// continualPlan sizes the continual-learning experiment.
type continualPlan struct {
	protocols  []protocol
	hidden     int
	ruleEpochs int // epochs of the rule per task
	bpEpochs   int // epochs of a baseline per task
	ntrain     int // training samples per task (0: all of the task's digits)
	ntest      int // test samples per task (0: all of the task's digits)
}

func continualProtocols() []protocol {
	return []protocol{
		{"split 0-4/5-9", [][]int{{0, 1, 2, 3, 4}, {5, 6, 7, 8, 9}}},
		{"5 tasks of 2 digits", [][]int{{0, 1}, {2, 3}, {4, 5}, {6, 7}, {8, 9}}},
	}
}

func newContinualPlan(quick bool) continualPlan {
	p := continualPlan{protocols: continualProtocols(), hidden: 400, ruleEpochs: 1, bpEpochs: 3}
	if quick {
		p.hidden, p.ntrain, p.ntest = 30, 300, 100
	}
	return p
}

// allDigits are the classes every model of the experiment has from the start.
var allDigits = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}

// taskLabel names a task by its digits: "0-4" or "2,3"... ("0-1" for two).
func taskLabel(digits []int) string {
	contiguous := true
	for i := 1; i < len(digits); i++ {
		if digits[i] != digits[i-1]+1 {
			contiguous = false
		}
	}
	if contiguous && len(digits) > 1 {
		return fmt.Sprintf("%d-%d", digits[0], digits[len(digits)-1])
	}
	s := make([]string, len(digits))
	for i, d := range digits {
		s[i] = fmt.Sprint(d)
	}
	return strings.Join(s, ",")
}

// cellCondition is the Condition of the accuracy on task j after training
// task i (both 1-based).
func cellCondition(i, j int) string { return fmt.Sprintf("after task %d / task %d", i, j) }

// parseCell inverts cellCondition.
func parseCell(c string) (i, j int, ok bool) {
	n, err := fmt.Sscanf(c, "after task %d / task %d", &i, &j)
	return i, j, err == nil && n == 2
}

// FinalAccuracy returns the average accuracy after the last task,
// A_T = mean_j R[T][j], of an accuracy matrix R (R[i][j]: accuracy on task
// j after training task i; T x T).
func FinalAccuracy(R [][]float64) float64 {
	if len(R) == 0 {
		return math.NaN()
	}
	last := R[len(R)-1]
	var s float64
	for _, v := range last {
		s += v
	}
	return s / float64(len(last))
}

// Forgetting returns the average forgetting of Chaudhry et al. (2018),
// F = mean over j < T of (max_{l < T} R[l][j] − R[T][j]): how far each
// earlier task's accuracy ended below the best it ever had. NaN for a
// single task.
func Forgetting(R [][]float64) float64 {
	T := len(R)
	if T < 2 {
		return math.NaN()
	}
	var s float64
	for j := 0; j < T-1; j++ {
		best := math.Inf(-1)
		for l := 0; l < T-1; l++ {
			best = max(best, R[l][j])
		}
		s += best - R[T-1][j]
	}
	return s / float64(T-1)
}

// BackwardTransfer returns the backward transfer of Lopez-Paz & Ranzato
// (2017), BWT = mean over j < T of (R[T][j] − R[j][j]): negative when
// learning later tasks lowers the accuracy on earlier ones. NaN for a
// single task.
func BackwardTransfer(R [][]float64) float64 {
	T := len(R)
	if T < 2 {
		return math.NaN()
	}
	var s float64
	for j := 0; j < T-1; j++ {
		s += R[T-1][j] - R[j][j]
	}
	return s / float64(T-1)
}

// LearnedAccuracy returns mean_i R[i][i], the accuracy on each task right
// after learning it (how well the model learns a new task at all).
func LearnedAccuracy(R [][]float64) float64 {
	if len(R) == 0 {
		return math.NaN()
	}
	var s float64
	for i := range R {
		s += R[i][i]
	}
	return s / float64(len(R))
}

// PooledAccuracy returns the accuracy on the union of test sets whose
// accuracies are acc and sizes n: sum acc_j n_j / sum n_j.
func PooledAccuracy(acc []float64, n []int) float64 {
	var c, t float64
	for j := range acc {
		c += acc[j] * float64(n[j])
		t += float64(n[j])
	}
	if t == 0 {
		return math.NaN()
	}
	return c / t
}

// continualSets returns the training set of every task (for seed) and the
// test set of every task.
func continualSets(plan continualPlan, pr protocol, data *Data, seed int64) (train, test []*mnist.Set) {
	for _, tk := range pr.tasks {
		tr := WithClasses(data.Train, tk)
		if plan.ntrain > 0 {
			tr = Stratified(tr, tk, (plan.ntrain+len(tk)-1)/len(tk), uint64(seed))
		}
		te := WithClasses(data.Test, tk)
		if plan.ntest > 0 {
			te = Stratified(te, tk, (plan.ntest+len(tk)-1)/len(tk), 0)
		}
		train, test = append(train, tr), append(test, te)
	}
	return train, test
}

func runContinual(ctx context.Context, opt Options, env *Env) error {
	return runContinualPlan(ctx, opt, env, newContinualPlan(opt.Quick))
}

func runContinualPlan(ctx context.Context, opt Options, env *Env, plan continualPlan) error {
	seeds := opt.seeds()
	models := []string{ModelRule, ModelRuleRegrow, ModelBP, ModelNonNeg}
	env.Runner.Plan(len(plan.protocols) * len(seeds) * len(models))
	data, err := env.Data(nil, 0)
	if err != nil {
		return err
	}
	for _, pr := range plan.protocols {
		for _, seed := range seeds {
			train, test := continualSets(plan, pr, data, seed)
			for _, model := range models {
				id := fmt.Sprintf("%s/%s/seed=%d", pr.name, model, seed)
				env.Runner.Go(func(do DoFunc) error {
					if _, err := do(id, func() ([]Result, error) {
						R, n, err := continualUnit(ctx, opt, plan, model, seed, train, test)
						if err != nil {
							return nil, err
						}
						return continualResults(pr.name, model, seed, R, n), nil
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
	return continualReport(env, plan, models)
}

// continualResults turns one unit's accuracy matrix into result rows.
func continualResults(proto, model string, seed int64, R [][]float64, ntest []int) []Result {
	var rs []Result
	add := func(cond string, param float64, metric string, v float64) {
		rs = append(rs, Result{Dataset: proto, Model: model, Seed: seed, Condition: cond, Param: param, Metric: metric, Value: v})
	}
	T := len(R)
	for i := range R {
		for j := range R[i] {
			add(cellCondition(i+1, j+1), float64(i+1), "accuracy", R[i][j])
		}
	}
	add("end", float64(T), "final_accuracy", FinalAccuracy(R))
	add("end", float64(T), "forgetting", Forgetting(R))
	add("end", float64(T), "backward_transfer", BackwardTransfer(R))
	add("end", float64(T), "learned_accuracy", LearnedAccuracy(R))
	add("end", float64(T), "all_classes_accuracy", PooledAccuracy(R[T-1], ntest))
	return rs
}

// continualUnit trains one model on the tasks in order and returns its
// accuracy matrix and the size of every task's test set.
func continualUnit(ctx context.Context, opt Options, plan continualPlan, model string, seed int64, train, test []*mnist.Set) ([][]float64, []int, error) {
	T := len(train)
	R := make([][]float64, T)
	n := make([]int, T)
	for j, s := range test {
		n[j] = s.Len()
	}
	var learnTask func(i int) error
	var eval func(s *mnist.Set) (float64, error)
	if model == ModelRule || model == ModelRuleRegrow {
		cfg := RuleConfig{Hidden: plan.hidden, Seed: seed, Threads: opt.Threads, Kernels: opt.Kernels}
		if model == ModelRuleRegrow {
			cfg.Edit = func(s *spec.Spec) { t := true; s.Training.HiddenRule.Regrow = &t }
		}
		m, err := NewRule(cfg, allDigits)
		if err != nil {
			return nil, nil, err
		}
		defer m.Net.Close()
		learnTask = func(i int) error { return TrainRule(ctx, m, train[i], plan.ruleEpochs, i*plan.ruleEpochs) }
		eval = func(s *mnist.Set) (float64, error) { return EvalRule(ctx, m, s) }
	} else {
		mlp, err := baseline.New(BaselineConfig(model, plan.hidden, seed, plan.bpEpochs))
		if err != nil {
			return nil, nil, err
		}
		learnTask = func(i int) error {
			// Every task is its own Adam run from the current weights: the
			// moments of the previous task's gradients are cleared.
			if i > 0 {
				mlp.ResetOptimizer()
			}
			x, y := Flat(train[i])
			if err := mlp.FineTune(ctx, x, y, plan.bpEpochs, nil); err != nil {
				if errors.Is(err, context.Canceled) || ctx.Err() != nil {
					return errStop
				}
				return err
			}
			return nil
		}
		eval = func(s *mnist.Set) (float64, error) { return BaselineAccuracy(mlp, s), stopped(ctx) }
	}
	for i := range T {
		if err := learnTask(i); err != nil {
			return nil, nil, err
		}
		R[i] = make([]float64, T)
		for j := range T {
			acc, err := eval(test[j])
			if err != nil {
				return nil, nil, err
			}
			R[i][j] = acc
		}
	}
	return R, n, nil
}

// meanMatrix returns the mean over seeds of a protocol's and model's
// accuracy matrices (T x T; NaN where nothing was measured).
func meanMatrix(rs []Result, proto, model string, T int) [][]float64 {
	sum := make([][]float64, T)
	cnt := make([][]int, T)
	for i := range T {
		sum[i], cnt[i] = make([]float64, T), make([]int, T)
	}
	for _, r := range rs {
		if r.Dataset != proto || r.Model != model || r.Metric != "accuracy" {
			continue
		}
		i, j, ok := parseCell(r.Condition)
		if !ok || i < 1 || j < 1 || i > T || j > T {
			continue
		}
		sum[i-1][j-1] += r.Value
		cnt[i-1][j-1]++
	}
	for i := range T {
		for j := range T {
			if cnt[i][j] == 0 {
				sum[i][j] = math.NaN()
			} else {
				sum[i][j] /= float64(cnt[i][j])
			}
		}
	}
	return sum
}

func metricValues(rs []Result, proto, model, metric string) []float64 {
	var v []float64
	for _, r := range rs {
		if r.Dataset == proto && r.Model == model && r.Metric == metric && !math.IsNaN(r.Value) {
			v = append(v, r.Value)
		}
	}
	return v
}

func continualReport(env *Env, plan continualPlan, models []string) error {
	rs := env.Runner.Results()
	continualMethod(env.Report, plan)
	for _, pr := range plan.protocols {
		if !slices.ContainsFunc(rs, func(x Result) bool { return x.Dataset == pr.name }) {
			continue
		}
		if err := continualProtocolReport(env, rs, pr, models); err != nil {
			return err
		}
	}
	return nil
}

// continualMethod describes the protocol and the measures, and warns that
// the quick run tests the code path only.
func continualMethod(r *Report, plan continualPlan) {
	trainSize := "all training samples of the task's digits"
	if plan.ntrain > 0 {
		trainSize = fmt.Sprintf("%d training samples per task (the same number of each digit, other samples for every seed)", plan.ntrain)
	}
	testSize := "all test samples of the task's digits"
	if plan.ntest > 0 {
		testSize = fmt.Sprintf("%d test samples per task (the same for every seed)", plan.ntest)
	}
	r.Text("**Method.** Class-incremental learning without replay. Every model has all ten outputs (readout classes) from the "+
		"start and learns the tasks one after the other from %s only; nothing of an earlier task is shown again. "+
		"The rule (H = %d) sees each task for %d epoch; its epoch numbers continue across tasks, so every task is shuffled differently "+
		"(a presentation's index, epoch × task size + position, seeds its random numbers and would drive the optional hidden learning-rate schedule eta_tau, which the default spec leaves off). "+
		"Backprop and backprop-nonneg-l1 (H = %d) get %d epochs of mini-batch Adam per task, continuing from the current weights; "+
		"the Adam moments are reset at the start of every task, so that each task is the same fresh optimiser run "+
		"(stale moments of the previous task's gradients would otherwise steer the first steps of the new one), "+
		"with no regularisation against forgetting. After every task each model is scored on the test set of every task (%s). "+
		"From the accuracy matrix R[i][j] (on task j after training task i, T tasks) the report gives the final average accuracy "+
		"A_T = mean_j R[T][j], the average forgetting F = mean_{j<T} (max_{l<T} R[l][j] − R[T][j]) (Chaudhry et al. 2018), "+
		"the backward transfer BWT = mean_{j<T} (R[T][j] − R[j][j]) (Lopez-Paz & Ranzato 2017), the accuracy on each task just after "+
		"learning it (mean_i R[i][i]) and the accuracy on the union of all test sets (all ten digits) at the end. "+
		"Chance on all ten classes is 10 %%; a model that predicts only the last task's digits scores 100/T %% on A_T. "+
		"Values in %%, mean ± SD over seeds (min–max).",
		trainSize, plan.hidden, plan.ruleEpochs, plan.hidden, plan.bpEpochs, testSize)
	if plan.ntrain > 0 {
		r.Text("**Quick run.** H = %d and %d samples per task are far too few for the rule, which needs thousands of "+
			"presentations to learn at all (see the just-learned accuracy); these numbers test the code path, not the claim.",
			plan.hidden, plan.ntrain)
	}
}

// continualProtocolReport writes the section of one protocol: its tasks,
// the summary measures of every model, the findings, the accuracy matrices
// and the accuracy on task 1 after each task.
func continualProtocolReport(env *Env, rs []Result, pr protocol, models []string) error {
	r := env.Report
	r.Section("Protocol " + pr.name)
	var tasks []string
	for j, tk := range pr.tasks {
		tasks = append(tasks, fmt.Sprintf("task %d (%s)", j+1, taskLabel(tk)))
	}
	r.Text("Tasks, in order: %s.", strings.Join(tasks, ", "))
	r.Table(continualSummaryTable(rs, pr, models))
	r.Text("%s", continualFindings(rs, pr, models))
	if err := continualMatrices(env, rs, pr, models); err != nil {
		return err
	}
	return continualTask1Figure(env, rs, pr, models)
}

// continualSummaryTable is the summary measures of every model.
func continualSummaryTable(rs []Result, pr protocol, models []string) ([]string, [][]string) {
	header := []string{"model", "final avg accuracy A_T", "avg forgetting F", "backward transfer", "just-learned accuracy", "all-class accuracy"}
	var rows [][]string
	for _, model := range models {
		row := []string{model}
		for _, metric := range []string{"final_accuracy", "forgetting", "backward_transfer", "learned_accuracy", "all_classes_accuracy"} {
			row = append(row, summary(metricValues(rs, pr.name, model, metric), 100, 1))
		}
		rows = append(rows, row)
	}
	return header, rows
}

// continualMatrices adds the mean accuracy matrix of every model as a
// figure each and as one table.
func continualMatrices(env *Env, rs []Result, pr protocol, models []string) error {
	r := env.Report
	T := len(pr.tasks)
	mheader := []string{"model", "after task"}
	for j := range T {
		mheader = append(mheader, fmt.Sprintf("task %d", j+1))
	}
	var mrows [][]string
	var rowNames, colNames []string
	for i := range T {
		rowNames = append(rowNames, fmt.Sprintf("after %d", i+1))
	}
	for j := range T {
		colNames = append(colNames, fmt.Sprintf("%d: %s", j+1, taskLabel(pr.tasks[j])))
	}
	for _, model := range models {
		R := meanMatrix(rs, pr.name, model, T)
		for i := range T {
			row := []string{model, fmt.Sprint(i + 1)}
			for j := range T {
				row = append(row, fmt.Sprintf("%.1f", 100*R[i][j]))
			}
			mrows = append(mrows, row)
		}
		file := fmt.Sprintf("continual-%s-%s.png", fileName(pr.name), fileName(model))
		if err := plot.Matrix(env.Path(file), model+", "+pr.name, "after training task", "test accuracy on task",
			rowNames, colNames, R, 0, 1); err != nil {
			return err
		}
		r.Figure(file, fmt.Sprintf("Mean accuracy matrix of %s, %s: row i, column j is the accuracy on task j after training task i.", model, pr.name))
	}
	r.Text("Mean accuracy matrices (%%; row: after training task i, column: test accuracy on task j):")
	r.Table(mheader, mrows)
	return nil
}

// continualTask1Figure adds the figure of the accuracy on task 1 after each task.
func continualTask1Figure(env *Env, rs []Result, pr protocol, models []string) error {
	var series []plot.Series
	for _, model := range models {
		x, v := Group(rs, Select{Dataset: pr.name, Model: model, Metric: "accuracy",
			Condition: func(c string) bool { _, j, ok := parseCell(c); return ok && j == 1 }})
		series = append(series, plot.Series{Name: model, X: x, Values: v})
	}
	file := fmt.Sprintf("continual-%s-task1.png", fileName(pr.name))
	if err := plot.Curves(env.Path(file), series, plot.CurveOptions{Title: "accuracy on task 1 (" + taskLabel(pr.tasks[0]) + "), " + pr.name,
		XLabel: "after training task", YLabel: "test accuracy on task 1", YMin: -0.02, YMax: 1.02, LegendTop: true}); err != nil {
		return err
	}
	env.Report.Figure(file, "Accuracy on task 1 after each task, "+pr.name+" (mean ± SD over seeds).")
	return nil
}

// continualFindings states in words what the numbers of a protocol show:
// how much of task 1 each model keeps, and how the rule compares with
// backprop on forgetting and on final accuracy (with the caveat that a
// model that learns little has little to forget).
func continualFindings(rs []Result, pr protocol, models []string) string {
	T := len(pr.tasks)
	mean := func(model, metric string) float64 { m, _ := meanSD(metricValues(rs, pr.name, model, metric)); return m }
	var parts []string
	for _, model := range models {
		R := meanMatrix(rs, pr.name, model, T)
		if math.IsNaN(R[0][0]) || math.IsNaN(R[T-1][0]) {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s scores %.1f %% on task 1 right after learning it and %.1f %% after the last task "+
			"(forgetting %.1f points on average over the earlier tasks; final accuracy %.1f %%, on all ten digits %.1f %%)",
			model, 100*R[0][0], 100*R[T-1][0], 100*mean(model, "forgetting"), 100*mean(model, "final_accuracy"), 100*mean(model, "all_classes_accuracy")))
	}
	if len(parts) == 0 {
		return "No results."
	}
	if len(metricValues(rs, pr.name, ModelRule, "final_accuracy")) < 2 {
		parts = append(parts, "(one seed: the differences below carry no estimate of their spread)")
	}
	s := "**What happens.** " + strings.Join(parts, "; ") + ". "
	fr, fb := mean(ModelRule, "forgetting"), mean(ModelBP, "forgetting")
	ar, ab := mean(ModelRule, "final_accuracy"), mean(ModelBP, "final_accuracy")
	lr := mean(ModelRule, "learned_accuracy")
	if math.IsNaN(fr) || math.IsNaN(fb) {
		return s
	}
	lb := mean(ModelBP, "learned_accuracy")
	weak := lr < 0.5 || lr < lb-0.1
	switch {
	case fr < fb && ar > ab && !weak:
		s += fmt.Sprintf("The rule forgets less than backprop (%.1f against %.1f points) and ends with the higher average accuracy "+
			"(%.1f %% against %.1f %%), as the claim says. ", 100*fr, 100*fb, 100*ar, 100*ab)
	case fr < fb && ar > ab:
		s += fmt.Sprintf("The rule forgets less than backprop (%.1f against %.1f points) and ends with a higher average accuracy "+
			"(%.1f %% against %.1f %%), but not by adapting (see the caveat). ", 100*fr, 100*fb, 100*ar, 100*ab)
	case fr < fb:
		s += fmt.Sprintf("The rule forgets less than backprop (%.1f against %.1f points) but does not end with a higher average accuracy "+
			"(%.1f %% against %.1f %%): less forgetting alone does not make it the better continual learner here. ", 100*fr, 100*fb, 100*ar, 100*ab)
	default:
		s += fmt.Sprintf("The rule does not forget less than backprop (%.1f against %.1f points; final accuracy %.1f %% against %.1f %%): "+
			"the claim is not supported by this protocol. ", 100*fr, 100*fb, 100*ar, 100*ab)
	}
	if weak {
		s += fmt.Sprintf("Caveat: the rule reaches only %.1f %% on a task right after learning it (backprop %.1f %%): "+
			"it keeps old tasks in part because it learns the new ones poorly (stability without plasticity), so its low forgetting "+
			"is not adaptation; see the diagonal of its accuracy matrix. ", 100*lr, 100*lb)
	}
	if lg := mean(ModelRuleRegrow, "learned_accuracy"); !math.IsNaN(lg) {
		fg, ag := mean(ModelRuleRegrow, "forgetting"), mean(ModelRuleRegrow, "final_accuracy")
		verdict := "so permanent elimination is not what keeps the rule from learning later tasks"
		if lg > lr+0.05 {
			verdict = "so permanent elimination is part of what keeps the rule from learning later tasks"
		}
		s += fmt.Sprintf("With regrow = true (an eliminated synapse may grow back) the rule reaches %.1f %% on a task right after "+
			"learning it (%.1f %% without), forgets %.1f points and ends at %.1f %%: %s. ", 100*lg, 100*lr, 100*fg, 100*ag, verdict)
	}
	s += "A single-head network trained without replay can only keep an old task if training the new digits leaves both its " +
		"representation and the old readout weights alone; in the rule the hidden layer learns unsupervised from whatever digits it sees " +
		"and the readout is label-Hebbian (the weights onto a class's readout neurons move only while that class is shown), plus a " +
		"weight-perturbation term driven by the global error that changes the readout weights of every active hidden neuron."
	return s
}

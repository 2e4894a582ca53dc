package experiment

import (
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"dalesim/baseline"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/plot"

	"gonum.org/v1/gonum/mat"
)

func init() {
	register(Def{
		Name:  "adversarial",
		Claim: "the rule is more robust to adversarial attacks than backpropagation (arXiv 2603.03234)",
		Doc: "Trains the rule and both backprop baselines on the full training set and attacks them on the same test images\n" +
			"with L-infinity FGSM and PGD (40 steps, random start) and Gaussian noise at eps = 0, 0.05, 0.1, 0.2, 0.3.\n" +
			"The baselines are attacked white-box; the spiking network, which has no gradient, is attacked by transfer\n" +
			"(images crafted on the backprop baseline of the same seed) and white-box through its rate-equivalent\n" +
			"surrogate (calibrated to its own predictions). The nonnegative baseline is also scored on the transferred images.",
		Run: runAdversarial,
	})
}

// Conditions (attacks) of the adversarial experiment.
const (
	advFGSMWhite = "fgsm white-box"
	advPGDWhite  = "pgd white-box"
	advFGSMTrans = "fgsm transfer"
	advPGDTrans  = "pgd transfer"
	advFGSMSurr  = "fgsm surrogate"
	advPGDSurr   = "pgd surrogate"
	advNoise     = "noise"
)

var advConditions = []string{advFGSMWhite, advPGDWhite, advFGSMTrans, advPGDTrans, advFGSMSurr, advPGDSurr, advNoise}

// advPlan sizes the adversarial experiment.
type advPlan struct {
	tasks    []task
	ntrain   int       // training samples per class (0: the full set)
	ntest    int       // test samples (the same for every model and seed)
	eps      []float64 // L-infinity radii (and noise SDs); eps[0] must be 0
	steps    int       // PGD iterations
	ncal     int       // training images the surrogate is calibrated on
	nsurr    int       // test samples attacked through the surrogate (0: all ntest)
	chunkRow int       // images per batched gradient
}

func newAdvPlan(quick bool) advPlan {
	p := advPlan{tasks: []task{{[]int{1, 2, 6}, 200}, {nil, 400}}, ntest: 1000,
		eps: []float64{0, 0.05, 0.1, 0.2, 0.3}, steps: 40, ncal: 500, chunkRow: 250}
	if quick {
		p.tasks, p.ntrain, p.ntest, p.ncal = []task{{[]int{1, 2, 6}, 30}}, 200, 100, 150
	}
	return p
}

// newAdvPlanHook lets a test shrink the plan further.
var newAdvPlanHook = func(p advPlan) advPlan { return p }

// pgdAlpha is the PGD step: eps/10 · 2.5 (40 steps cover the ball 10 times).
func pgdAlpha(eps float64) float64 { return eps / 10 * 2.5 }

// advSeed is the per-sample seed of PGD's random start and of the noise.
func advSeed(seed int64, i int) uint64 { return uint64(seed)<<32 | uint64(i) }

// advSet is a test set as float64 images and its labels.
type advSet struct {
	x      [][]float64
	labels []int
}

func newAdvSet(s *mnist.Set) *advSet {
	flat, y := Flat(s)
	n := s.Rows * s.Cols
	a := &advSet{x: make([][]float64, len(y)), labels: y}
	for i := range y {
		a.x[i] = make([]float64, n)
		for j, v := range flat[i*n : (i+1)*n] {
			a.x[i][j] = float64(v)
		}
	}
	return a
}

// crafted are the adversarial images made on one model, per attack and eps.
type crafted map[string]map[float64][][]float64

// ---- batched white-box gradients -------------------------------------------

// batchModel is a differentiable classifier that takes a batch at once:
// rows of x are images. Gradient returns ∂(−log p_label)/∂x per row.
type batchModel interface {
	Gradient(x *mat.Dense, labels []int) *mat.Dense
	Predict(x *mat.Dense) []int
}

// mlpBatch is an MLP (ReLU) evaluated a batch at a time with gonum's
// matrix products; its gradient equals MLP.InputGradient (up to rounding).
type mlpBatch struct {
	w1, w2 *mat.Dense
	b1, b2 []float64
}

func newMLPBatch(m *baseline.MLP) *mlpBatch {
	if m.Config().Activation != baseline.ReLU {
		panic("adversarial: the batched MLP gradient is for ReLU baselines")
	}
	w1, b1, w2, b2 := m.Weights()
	return &mlpBatch{w1: w1, w2: w2, b1: b1, b2: b2}
}

func addRow(d *mat.Dense, b []float64) {
	r, _ := d.Dims()
	for i := range r {
		row := d.RawRowView(i)
		for j := range row {
			row[j] += b[j]
		}
	}
}

func (m *mlpBatch) forward(x *mat.Dense) (z, a, l *mat.Dense) {
	z = new(mat.Dense)
	z.Mul(x, m.w1)
	addRow(z, m.b1)
	a = mat.DenseCopyOf(z)
	r, _ := a.Dims()
	for i := range r {
		row := a.RawRowView(i)
		for j, v := range row {
			row[j] = max(v, 0)
		}
	}
	l = new(mat.Dense)
	l.Mul(a, m.w2)
	addRow(l, m.b2)
	return z, a, l
}

func (m *mlpBatch) Predict(x *mat.Dense) []int {
	_, _, l := m.forward(x)
	return argmaxRows(l, nil)
}

func (m *mlpBatch) Gradient(x *mat.Dense, labels []int) *mat.Dense {
	z, _, p := m.forward(x)
	r, _ := p.Dims()
	for i := range r {
		row := p.RawRowView(i)
		copy(row, softmax(row))
		row[labels[i]]--
	}
	d := new(mat.Dense)
	d.Mul(p, m.w2.T())
	for i := range r {
		dr, zr := d.RawRowView(i), z.RawRowView(i)
		for j := range dr {
			if zr[j] <= 0 {
				dr[j] = 0
			}
		}
	}
	g := new(mat.Dense)
	g.Mul(d, m.w1.T())
	return g
}

// surBatch is the Surrogate evaluated a batch at a time (the same
// equations; its gradient equals Surrogate.InputGradient up to rounding).
type surBatch struct {
	s    *Surrogate
	w, v *mat.Dense // hidden × input, hidden × class
}

func newSurBatch(s *Surrogate) *surBatch {
	nh, nin, nc := len(s.W), len(s.W[0]), len(s.classes)
	w, v := mat.NewDense(nh, nin, nil), mat.NewDense(nh, nc, nil)
	for j := range nh {
		w.SetRow(j, s.W[j])
		v.SetRow(j, s.V[j])
	}
	return &surBatch{s: s, w: w, v: v}
}

// forward returns the soft-WTA activities a and class probabilities p.
func (b *surBatch) forward(x *mat.Dense) (a, p *mat.Dense) {
	s := b.s
	a = new(mat.Dense)
	a.Mul(x, b.w.T())
	r, _ := a.Dims()
	for i := range r {
		row := a.RawRowView(i)
		for j := range row {
			row[j] = s.Beta * (row[j] - s.Thresh[j])
		}
		copy(row, softmax(row))
	}
	p = new(mat.Dense)
	p.Mul(a, b.v)
	for i := range r {
		row := p.RawRowView(i)
		for k := range row {
			row[k] *= s.Gamma
		}
		copy(row, softmax(row))
	}
	return a, p
}

func (b *surBatch) Predict(x *mat.Dense) []int {
	_, p := b.forward(x)
	return argmaxRows(p, b.s.classes)
}

// Gradient returns, per row, ∂(−log p_label)/∂x times a positive factor
// of that row: 1/a_r, a_r the soft-WTA activity of the runner-up hidden
// neuron. A sign attack sees the same direction as with the exact
// gradient, but where the winner takes all (β·(u_win − u_r) beyond ~745)
// the exact gradient underflows to 0 and the attack would not move
// (gradient masking) while the scaled one does not. With
// ∂L/∂u_j = β a_j (da_j − Σ_l a_l da_l) = β a_j Σ_l a_l (da_j − da_l):
//
//	winner w:  ∂L/∂u_w / a_r = β a_w Σ_{l≠w} e^{β(u_l−u_r)} (da_w − da_l)
//	others j:  ∂L/∂u_j / a_r = β e^{β(u_j−u_r)} (da_j − Σ_l a_l da_l)
func (b *surBatch) Gradient(x *mat.Dense, labels []int) *mat.Dense {
	s := b.s
	u := new(mat.Dense)
	u.Mul(x, b.w.T())
	a, p := b.forward(x)
	r, _ := p.Dims()
	for i := range r {
		row := p.RawRowView(i)
		row[s.classIndex(labels[i])]--
		for k := range row {
			row[k] *= s.Gamma
		}
	}
	da := new(mat.Dense)
	da.Mul(p, b.v.T())
	for i := range r {
		ar, dr, ur := a.RawRowView(i), da.RawRowView(i), u.RawRowView(i)
		// βu_j, the winner w and the runner-up r.
		w, rr := 0, -1
		for j := range ur {
			ur[j] = s.Beta * (ur[j] - s.Thresh[j])
			if ur[j] > ur[w] {
				w = j
			}
		}
		for j := range ur {
			if j != w && (rr < 0 || ur[j] > ur[rr]) {
				rr = j
			}
		}
		if rr < 0 { // one hidden neuron: the gradient is 0
			clear(dr)
			continue
		}
		var mean, dw float64
		for j := range ar {
			mean += ar[j] * dr[j]
		}
		for l := range ar {
			if l != w {
				dw += math.Exp(ur[l]-ur[rr]) * (dr[w] - dr[l])
			}
		}
		for j := range ar {
			if j != w {
				dr[j] = s.Beta * math.Exp(ur[j]-ur[rr]) * (dr[j] - mean)
			}
		}
		dr[w] = s.Beta * ar[w] * dw
	}
	g := new(mat.Dense)
	g.Mul(da, b.w)
	return g
}

// argmaxRows returns the argmax of every row, mapped through classes (nil:
// the index itself).
func argmaxRows(d *mat.Dense, classes []int) []int {
	r, _ := d.Dims()
	out := make([]int, r)
	for i := range r {
		row := d.RawRowView(i)
		best := 0
		for k := range row {
			if row[k] > row[best] {
				best = k
			}
		}
		out[i] = best
		if classes != nil {
			out[i] = classes[best]
		}
	}
	return out
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

// fgsmBatch is baseline.FGSM for a batch: clip_[0,1](x + eps·sign(∂L/∂x)).
func fgsmBatch(m batchModel, x [][]float64, labels []int, eps float64) [][]float64 {
	nin := len(x[0])
	xd := mat.NewDense(len(x), nin, nil)
	for i := range x {
		xd.SetRow(i, x[i])
	}
	g := m.Gradient(xd, labels)
	out := make([][]float64, len(x))
	for i, xi := range x {
		gi := g.RawRowView(i)
		out[i] = make([]float64, nin)
		for k, v := range xi {
			out[i][k] = min(max(v+eps*sign(gi[k]), 0), 1)
		}
	}
	return out
}

// pgdBatch is baseline.PGD (random start, the same per-sample seeds) for a
// batch: all images take their steps together.
func pgdBatch(ctx context.Context, m batchModel, x [][]float64, labels []int, eps, alpha float64, steps int, seeds []uint64) ([][]float64, error) {
	n, nin := len(x), len(x[0])
	adv := mat.NewDense(n, nin, nil)
	lo, hi := mat.NewDense(n, nin, nil), mat.NewDense(n, nin, nil)
	for i, xi := range x {
		ar, lr, hr := adv.RawRowView(i), lo.RawRowView(i), hi.RawRowView(i)
		rng := rand.New(rand.NewPCG(seeds[i], 0x7067_6400))
		for k, v := range xi {
			lr[k], hr[k] = max(v-eps, 0), min(v+eps, 1)
			ar[k] = min(max(v+eps*(2*rng.Float64()-1), lr[k]), hr[k])
		}
	}
	for range steps {
		if ctx.Err() != nil {
			return nil, errStop
		}
		g := m.Gradient(adv, labels)
		for i := range n {
			ar, gr, lr, hr := adv.RawRowView(i), g.RawRowView(i), lo.RawRowView(i), hi.RawRowView(i)
			for k := range ar {
				ar[k] = min(max(ar[k]+alpha*sign(gr[k]), lr[k]), hr[k])
			}
		}
	}
	out := make([][]float64, n)
	for i := range n {
		out[i] = slices.Clone(adv.RawRowView(i))
	}
	return out, nil
}

// craft makes the FGSM and PGD images of every eps > 0 on m, chunk by chunk.
func craft(ctx context.Context, plan advPlan, m batchModel, set *advSet, seed int64) (crafted, error) {
	out := crafted{"fgsm": {}, "pgd": {}}
	for _, eps := range plan.eps[1:] {
		var f, p [][]float64
		for c := 0; c < len(set.x); c += plan.chunkRow {
			e := min(c+plan.chunkRow, len(set.x))
			f = append(f, fgsmBatch(m, set.x[c:e], set.labels[c:e], eps)...)
			seeds := make([]uint64, e-c)
			for i := range seeds {
				seeds[i] = advSeed(seed, c+i)
			}
			pc, err := pgdBatch(ctx, m, set.x[c:e], set.labels[c:e], eps, pgdAlpha(eps), plan.steps, seeds)
			if err != nil {
				return nil, err
			}
			p = append(p, pc...)
		}
		out["fgsm"][eps], out["pgd"][eps] = f, p
	}
	return out, nil
}

// noisy returns the Gaussian-noise images (σ = eps) of every eps > 0.
func noisy(plan advPlan, set *advSet, seed int64) map[float64][][]float64 {
	out := map[float64][][]float64{}
	for _, eps := range plan.eps[1:] {
		imgs := make([][]float64, len(set.x))
		for i, x := range set.x {
			imgs[i] = baseline.GaussianNoise(x, eps, advSeed(seed, i))
		}
		out[eps] = imgs
	}
	return out
}

// batchAccuracy scores m on images.
func batchAccuracy(m batchModel, x [][]float64, labels []int) float64 {
	xd := mat.NewDense(len(x), len(x[0]), nil)
	for i := range x {
		xd.SetRow(i, x[i])
	}
	ok := 0
	for i, p := range m.Predict(xd) {
		if p == labels[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(x))
}

// ruleAccuracy scores the spiking network on images (no learning).
func ruleAccuracy(ctx context.Context, m *learn.Model, x [][]float64, labels []int) (float64, error) {
	im := &learn.Images{X: make([][]float32, len(x)), Labels: labels}
	for i, xi := range x {
		im.X[i] = make([]float32, len(xi))
		for k, v := range xi {
			im.X[i][k] = float32(v)
		}
	}
	return EvalRule(ctx, m, im)
}

// rulePredictions returns the spiking network's predictions on images
// (the same presentations as Evaluate: phase Evaluation, index first+i).
func rulePredictions(m *learn.Model, x [][]float64, labels []int, first int64) ([]int, error) {
	img := make([]float32, len(x[0]))
	out := make([]int, len(x))
	for i, xi := range x {
		for k, v := range xi {
			img[k] = float32(v)
		}
		o, err := m.Present(img, labels[i], false, learn.Evaluation, first+int64(i))
		if err != nil {
			return nil, err
		}
		out[i] = o.Pred
	}
	return out, nil
}

// ---- the experiment ----------------------------------------------------------

// advShared holds, per task and seed, what several units use: the
// images crafted on the backprop baseline (transferred to the others).
// A resumed run whose backprop unit had finished trains it again
// (deterministically) when a later unit needs its images.
type advShared struct {
	mu       sync.Mutex
	transfer map[string]crafted
}

func (sh *advShared) get(key string) (crafted, bool) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	c, ok := sh.transfer[key]
	return c, ok
}

func (sh *advShared) put(key string, c crafted) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.transfer[key] = c
}

func (sh *advShared) forget(key string) {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	delete(sh.transfer, key)
}

func runAdversarial(ctx context.Context, opt Options, env *Env) error {
	plan := newAdvPlanHook(newAdvPlan(opt.Quick))
	seeds := opt.seeds()
	models := []string{ModelBP, ModelNonNeg, ModelRule}
	env.Runner.Plan(len(plan.tasks) * len(seeds) * len(models))
	sh := &advShared{transfer: map[string]crafted{}}
	for _, tk := range plan.tasks {
		data, err := env.Data(tk.digits, plan.ntest)
		if err != nil {
			return err
		}
		set := newAdvSet(data.Test)
		for _, seed := range seeds {
			train := data.Train
			if plan.ntrain > 0 {
				train = Stratified(data.Train, data.Classes, plan.ntrain, uint64(seed))
			}
			key := fmt.Sprintf("%s/seed=%d", data.Name, seed)
			// A seed's units run one after the other (the others take the
			// images crafted on its backprop baseline); seeds run at once.
			env.Runner.Go(func(do DoFunc) error {
				defer sh.forget(key)
				for _, model := range models {
					id := fmt.Sprintf("%s/%s/seed=%d", data.Name, model, seed)
					_, err := do(id, func() ([]Result, error) {
						return advUnit(ctx, opt, plan, sh, key, model, tk.hidden, seed, data, train, set)
					})
					if err != nil {
						return err
					}
					if err := stopped(ctx); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
	if err := env.Runner.Wait(); err != nil {
		return err
	}
	return advReport(env, plan, models)
}

// bpTransfer returns the images crafted on the backprop baseline of a seed
// (training it if this run has not yet).
func (sh *advShared) bpTransfer(ctx context.Context, plan advPlan, key string, hidden int, seed int64, train *mnist.Set, set *advSet) (crafted, *baseline.MLP, error) {
	if c, ok := sh.get(key); ok {
		return c, nil, nil
	}
	mlp, err := TrainBaseline(ctx, BaselineConfig(ModelBP, hidden, seed, baselineEpochs(train.Len())), train)
	if err != nil {
		return nil, nil, err
	}
	c, err := craft(ctx, plan, newMLPBatch(mlp), set, seed)
	if err != nil {
		return nil, nil, err
	}
	sh.put(key, c)
	return c, mlp, nil
}

// advUnit trains one model and runs all of its attacks.
func advUnit(ctx context.Context, opt Options, plan advPlan, sh *advShared, key, model string, hidden int, seed int64,
	data *Data, train *mnist.Set, set *advSet) ([]Result, error) {
	u := &advUnitLog{dataset: data.Name, model: model, seed: seed, t0: time.Now(), c0: cpuTime()}
	noise := noisy(plan, set, seed)
	switch model {
	case ModelBP, ModelNonNeg:
		return advBaselineUnit(ctx, plan, sh, u, key, hidden, train, set, noise)
	case ModelRule:
		return advRuleUnit(ctx, opt, plan, sh, u, key, hidden, data, train, set, noise)
	}
	return u.finish(), nil
}

// advUnitLog collects the results of one unit and times it.
type advUnitLog struct {
	rs              []Result
	dataset, model  string
	seed            int64
	t0              time.Time     // start of the unit
	c0              time.Duration // CPU time at the start
	tTrain, tAttack time.Duration
}

func (u *advUnitLog) add(cond string, eps float64, metric string, v float64) {
	u.rs = append(u.rs, Result{Dataset: u.dataset, Model: u.model, Seed: u.seed, Condition: cond, Param: eps, Metric: metric, Value: v})
}

// finish adds the unit's times and returns its results.
func (u *advUnitLog) finish() []Result {
	u.add("unit", 0, "seconds_train", u.tTrain.Seconds())
	u.add("unit", 0, "seconds_attack", u.tAttack.Seconds())
	u.add("unit", 0, "seconds", time.Since(u.t0).Seconds())
	u.add("unit", 0, "cpu_seconds", (cpuTime() - u.c0).Seconds())
	return u.rs
}

// advBaselineUnit trains (or takes) a backprop baseline and scores it on the
// clean, white-box, noisy and (nonnegative baseline) transferred images.
func advBaselineUnit(ctx context.Context, plan advPlan, sh *advShared, u *advUnitLog, key string, hidden int,
	train *mnist.Set, set *advSet, noise map[float64][][]float64) ([]Result, error) {
	mlp, white, tr, err := advBaselineNet(ctx, plan, sh, u, key, hidden, train, set)
	if err != nil {
		return nil, err
	}
	b := newMLPBatch(mlp)
	clean := batchAccuracy(b, set.x, set.labels)
	conds := []string{advFGSMWhite, advPGDWhite, advNoise}
	if tr != nil {
		conds = append(conds, advFGSMTrans, advPGDTrans)
	}
	for _, c := range conds {
		u.add(c, 0, "accuracy", clean)
	}
	for _, eps := range plan.eps[1:] {
		u.add(advFGSMWhite, eps, "accuracy", batchAccuracy(b, white["fgsm"][eps], set.labels))
		u.add(advPGDWhite, eps, "accuracy", batchAccuracy(b, white["pgd"][eps], set.labels))
		u.add(advNoise, eps, "accuracy", batchAccuracy(b, noise[eps], set.labels))
		if tr != nil {
			u.add(advFGSMTrans, eps, "accuracy", batchAccuracy(b, tr["fgsm"][eps], set.labels))
			u.add(advPGDTrans, eps, "accuracy", batchAccuracy(b, tr["pgd"][eps], set.labels))
		}
	}
	return u.finish(), nil
}

// advBaselineNet returns the unit's trained baseline and its white-box
// images, and for the nonnegative baseline the images transferred from
// backprop (nil for backprop itself). It sets the unit's training and
// attack times: backprop's are shared with crafting its transfer images,
// so its training time covers both.
func advBaselineNet(ctx context.Context, plan advPlan, sh *advShared, u *advUnitLog, key string, hidden int,
	train *mnist.Set, set *advSet) (mlp *baseline.MLP, white, tr crafted, err error) {
	if u.model == ModelBP {
		c, m, err := sh.bpTransfer(ctx, plan, key, hidden, u.seed, train, set)
		if err != nil {
			return nil, nil, nil, err
		}
		if m == nil { // crafted earlier in this run: cannot be (BP runs first)
			return nil, nil, nil, fmt.Errorf("adversarial: backprop unit ran after its images were crafted")
		}
		u.tTrain = time.Since(u.t0) // training and crafting, together
		return m, c, nil, nil
	}
	tr, _, err = sh.bpTransfer(ctx, plan, key, hidden, u.seed, train, set)
	if err != nil {
		return nil, nil, nil, err
	}
	t1 := time.Now()
	mlp, err = TrainBaseline(ctx, BaselineConfig(u.model, hidden, u.seed, baselineEpochs(train.Len())), train)
	if err != nil {
		return nil, nil, nil, err
	}
	u.tTrain = time.Since(t1)
	t2 := time.Now()
	white, err = craft(ctx, plan, newMLPBatch(mlp), set, u.seed)
	if err != nil {
		return nil, nil, nil, err
	}
	u.tAttack = time.Since(t2)
	return mlp, white, tr, nil
}

// advRuleUnit trains the rule, calibrates its surrogate and scores it on
// the clean, transferred, surrogate white-box and noisy images.
func advRuleUnit(ctx context.Context, opt Options, plan advPlan, sh *advShared, u *advUnitLog, key string, hidden int,
	data *Data, train *mnist.Set, set *advSet, noise map[float64][][]float64) ([]Result, error) {
	tr, _, err := sh.bpTransfer(ctx, plan, key, hidden, u.seed, train, set)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	m, err := NewRule(RuleConfig{Hidden: hidden, Seed: u.seed, Threads: opt.Threads, Kernels: opt.Kernels}, data.Classes)
	if err != nil {
		return nil, err
	}
	defer m.Net.Close()
	if err := TrainRule(ctx, m, train, ruleEpochs(train.Len()), 0); err != nil {
		return nil, err
	}
	u.tTrain = time.Since(t1)
	t2 := time.Now()
	sb, err := advRuleSurrogate(plan, u, m, data, train, set)
	if err != nil {
		return nil, err
	}
	if err := advRuleAttacks(ctx, plan, u, m, sb, set, tr, noise); err != nil {
		return nil, err
	}
	u.tAttack = time.Since(t2)
	return u.finish(), nil
}

// advRuleSurrogate builds the rule's surrogate, calibrated on training
// images against the network's own predictions, and records the calibration,
// the surrogate's agreement on the clean test set and the clean accuracy.
func advRuleSurrogate(plan advPlan, u *advUnitLog, m *learn.Model, data *Data, train *mnist.Set, set *advSet) (*surBatch, error) {
	sur := NewSurrogate(m)
	cal := newAdvSet(Stratified(train, data.Classes, (plan.ncal+len(data.Classes)-1)/len(data.Classes), uint64(u.seed)+1000))
	calPred, err := rulePredictions(m, cal.x, cal.labels, 1<<30)
	if err != nil {
		return nil, err
	}
	u.add("calibration (train)", 0, "surrogate_agreement", sur.Calibrate(cal.x, calPred))
	u.add("calibration (train)", 0, "surrogate_beta", sur.Beta)
	u.add("calibration (train)", 0, "surrogate_gamma", sur.Gamma)
	// Clean test accuracy, and the surrogate's agreement on the clean test set.
	pred, err := rulePredictions(m, set.x, set.labels, 0)
	if err != nil {
		return nil, err
	}
	sb := newSurBatch(sur)
	sx := mat.NewDense(len(set.x), len(set.x[0]), nil)
	for i := range set.x {
		sx.SetRow(i, set.x[i])
	}
	agree, ok := 0, 0
	for i, p := range sb.Predict(sx) {
		if p == pred[i] {
			agree++
		}
		if pred[i] == set.labels[i] {
			ok++
		}
	}
	u.add("clean test", 0, "surrogate_agreement", float64(agree)/float64(len(pred)))
	u.add("clean test", 0, "surrogate_accuracy", batchAccuracy(sb, set.x, set.labels))
	clean := float64(ok) / float64(len(pred))
	for _, c := range []string{advFGSMTrans, advPGDTrans, advFGSMSurr, advPGDSurr, advNoise} {
		u.add(c, 0, "accuracy", clean)
	}
	return sb, nil
}

// advRuleAttacks scores the rule on the images transferred from backprop,
// crafted white-box through its surrogate (on the first nsurr test images)
// and noisy, at every nonzero eps.
func advRuleAttacks(ctx context.Context, plan advPlan, u *advUnitLog, m *learn.Model, sb *surBatch, set *advSet,
	tr crafted, noise map[float64][][]float64) error {
	sset := set
	if plan.nsurr > 0 && plan.nsurr < len(set.x) {
		sset = &advSet{x: set.x[:plan.nsurr], labels: set.labels[:plan.nsurr]}
	}
	white, err := craft(ctx, plan, sb, sset, u.seed)
	if err != nil {
		return err
	}
	for _, eps := range plan.eps[1:] {
		for _, a := range []struct {
			cond string
			imgs [][]float64
			lab  []int
			sur  bool
		}{
			{advFGSMTrans, tr["fgsm"][eps], set.labels, false},
			{advPGDTrans, tr["pgd"][eps], set.labels, false},
			{advFGSMSurr, white["fgsm"][eps], sset.labels, true},
			{advPGDSurr, white["pgd"][eps], sset.labels, true},
			{advNoise, noise[eps], set.labels, false},
		} {
			acc, err := ruleAccuracy(ctx, m, a.imgs, a.lab)
			if err != nil {
				return err
			}
			u.add(a.cond, eps, "accuracy", acc)
			if a.sur {
				u.add(a.cond, eps, "surrogate_accuracy", batchAccuracy(sb, a.imgs, a.lab))
			}
		}
	}
	return nil
}

// ---- the report --------------------------------------------------------------

func advValues(rs []Result, ds, model, cond, metric string, eps float64) []float64 {
	var v []float64
	for _, r := range rs {
		if r.Dataset == ds && r.Model == model && r.Condition == cond && r.Metric == metric && r.Param == eps {
			v = append(v, r.Value)
		}
	}
	return v
}

// advWorst returns, per seed, the lowest accuracy of a model over the
// attacks (not the noise) at eps.
func advWorst(rs []Result, ds, model string, eps float64) []float64 {
	by := map[int64]float64{}
	for _, r := range rs {
		if r.Dataset == ds && r.Model == model && r.Metric == "accuracy" && r.Param == eps && r.Condition != advNoise {
			if v, ok := by[r.Seed]; !ok || r.Value < v {
				by[r.Seed] = r.Value
			}
		}
	}
	var out []float64
	for _, s := range slices.Sorted(maps.Keys(by)) {
		out = append(out, by[s])
	}
	return out
}

func advReport(env *Env, plan advPlan, models []string) error {
	rs := env.Runner.Results()
	advMethod(env.Report, plan)
	for _, ds := range Datasets(rs) {
		if err := advDatasetReport(env, rs, plan, models, ds); err != nil {
			return err
		}
	}
	return nil
}

// advMethod describes the training, the attacks and the surrogate.
func advMethod(r *Report, plan advPlan) {
	nsurr := "all"
	if plan.nsurr > 0 {
		nsurr = fmt.Sprint(plan.nsurr)
	}
	r.Section("Method")
	r.Text("Every model of a seed is trained on the whole training set of the task (the rule for one epoch, a baseline for three "+
		"epochs of mini-batch Adam; in the quick run %d samples per class with max(1, ⌈3000/n⌉) and max(3, ⌈30000/n⌉) epochs) and is attacked on the "+
		"same %d test images (stratified, seed 0), with L∞ perturbations of radius eps ∈ %v:", plan.ntrain, plan.ntest, plan.eps)
	r.Text("* **FGSM**: clip₀₁(x + eps·sign ∇ₓL), L the cross-entropy of the true label.\n" +
		fmt.Sprintf("* **PGD**: %d steps of x ← Proj(x + α·sign ∇ₓL), α = eps/10·2.5, from a uniform random start in the eps-ball (seeded per sample), Proj the clip to [x−eps, x+eps] ∩ [0, 1]; the last iterate is scored.\n", plan.steps) +
		"* **noise**: x + N(0, σ²) per pixel with σ = eps, clipped to [0, 1] (the same noise for every model of a seed).")
	r.Text("The baselines are attacked **white-box** (their exact input gradient; the batched gradient used here is checked against "+
		"`MLP.InputGradient`, and the batched PGD against `baseline.PGD`, in the tests). The spiking network has no gradient, so it is attacked two ways: "+
		"**transfer** — the very images crafted white-box on the plain backprop baseline of the same seed, scored on the spiking network "+
		"(and, for a fair comparison of transfer, on the nonnegative baseline too); and **surrogate** — white-box through the network's "+
		"rate-equivalent surrogate (surrogate.go): u_j = Σᵢ w_ij xᵢ r T/1000 − (ϑ + θ_j), a = softmax(β u) (the lateral inhibition as a soft "+
		"winner-take-all), s_k = Σ_j v_jk a_j, p = softmax(γ s), with the trained weights w, v, input rate r, presentation time T, threshold ϑ "+
		"and homeostatic offsets θ. β is chosen from a grid so that the surrogate's predictions agree most often with the spiking network's own "+
		"predictions on %d training images; γ scales the class scores to unit spread. FGSM and PGD on the surrogate's gradient "+
		"craft images (%s test images) that are then scored on the spiking network. The gradient is the exact one divided, per image, by the "+
		"soft-WTA activity of the runner-up hidden neuron (a positive factor, so the sign steps are the same): when one hidden neuron takes all, "+
		"the exact gradient underflows to zero and the attack would stall — gradient masking that would flatter the rule; the rescaled form "+
		"(checked against the exact gradient's direction in the tests) does not. The surrogate's own accuracy on those images is reported too: "+
		"if the attack fools the surrogate but not the network, the surrogate is a poor stand-in and the network's robustness is not shown by it. "+
		"Accuracy in %%, mean ± SD over seeds (min–max). \"worst case\" is, per seed, the lowest accuracy over the attacks the model was subjected to "+
		"(white-box for the baselines; transfer and surrogate for the rule).", plan.ncal, nsurr)
}

// advDatasetReport writes the sections of one data set: accuracy under
// attack, the surrogate's diagnostics, the figures, the findings and the
// unit times.
func advDatasetReport(env *Env, rs []Result, plan advPlan, models []string, ds string) error {
	r := env.Report
	r.Section("Accuracy under attack, " + ds)
	r.Table(advAttackTable(rs, plan, models, ds))
	r.Text("Surrogate of the rule, %s (%%):", ds)
	r.Table([]string{"quantity", "value"}, advSurrogateRows(rs, plan, ds))
	if err := advFigures(env, rs, models, ds); err != nil {
		return err
	}
	r.Section("Findings, " + ds)
	r.Text("%s", strings.Join(advFindings(rs, plan, ds), "\n"))
	r.Text("Unit times, %s (wall-clock s; the backprop unit's training column includes crafting its attacks, the others' attack column their own crafting and scoring; "+
		"CPU s is the process's CPU time during the unit, all threads, and with --jobs > 1 also the units running beside it — on a shared machine the wall-clock time depends on the load):", ds)
	r.Table([]string{"model", "train", "attacks", "unit", "unit CPU"}, advTimeRows(rs, models, ds))
	return nil
}

// advAttackTable is the accuracy of every model under every attack and eps,
// and in the worst case; rows no model has are left out.
func advAttackTable(rs []Result, plan advPlan, models []string, ds string) ([]string, [][]string) {
	header := append([]string{"attack", "eps"}, models...)
	var rows [][]string
	for _, cond := range append(slices.Clone(advConditions), "worst case") {
		for _, eps := range plan.eps {
			row := []string{cond, fmt.Sprint(eps)}
			seen := false
			for _, model := range models {
				var v []float64
				if cond == "worst case" {
					v = advWorst(rs, ds, model, eps)
				} else {
					v = advValues(rs, ds, model, cond, "accuracy", eps)
				}
				seen = seen || len(v) > 0
				row = append(row, summary(v, 100, 1))
			}
			if seen {
				rows = append(rows, row)
			}
		}
	}
	return header, rows
}

// advSurrogateRows are the diagnostics of the rule's surrogate: its agreement
// with the network, its own accuracy clean and under its attacks, and β.
func advSurrogateRows(rs []Result, plan advPlan, ds string) [][]string {
	var srows [][]string
	srows = append(srows, []string{"agreement with the network, calibration images", summary(advValues(rs, ds, ModelRule, "calibration (train)", "surrogate_agreement", 0), 100, 1)})
	srows = append(srows, []string{"agreement with the network, clean test", summary(advValues(rs, ds, ModelRule, "clean test", "surrogate_agreement", 0), 100, 1)})
	srows = append(srows, []string{"surrogate accuracy, clean test", summary(advValues(rs, ds, ModelRule, "clean test", "surrogate_accuracy", 0), 100, 1)})
	for _, cond := range []string{advFGSMSurr, advPGDSurr} {
		for _, eps := range plan.eps[1:] {
			srows = append(srows, []string{fmt.Sprintf("surrogate's own accuracy, %s eps=%g", cond, eps),
				summary(advValues(rs, ds, ModelRule, cond, "surrogate_accuracy", eps), 100, 1)})
		}
	}
	srows = append(srows, []string{"β (calibrated)", summary(advValues(rs, ds, ModelRule, "calibration (train)", "surrogate_beta", 0), 1, 3)})
	return srows
}

// advFigures draws and adds one figure per kind of attack: accuracy
// against eps for every model and condition of that kind.
func advFigures(env *Env, rs []Result, models []string, ds string) error {
	kinds := []struct{ name, title string }{{"fgsm", "FGSM"}, {"pgd", "PGD"}, {"noise", "Gaussian noise"}}
	for _, k := range kinds {
		var series []plot.Series
		for _, model := range models {
			for _, cond := range advConditions {
				if !strings.HasPrefix(cond, k.name) {
					continue
				}
				x, v := Group(rs, Select{Dataset: ds, Model: model, Metric: "accuracy", Condition: func(c string) bool { return c == cond }})
				if len(x) == 0 {
					continue
				}
				name := model
				if k.name != "noise" {
					name += " (" + strings.TrimPrefix(cond, k.name+" ") + ")"
				}
				series = append(series, plot.Series{Name: name, X: x, Values: v})
			}
		}
		file := "adversarial-" + k.name + "-" + fileName(strings.ReplaceAll(ds, ",", "")) + ".png"
		xl := "eps (L∞ radius)"
		if k.name == "noise" {
			xl = "σ (noise SD)"
		}
		if err := plot.Curves(env.Path(file), series, plot.CurveOptions{Title: k.title + ", " + ds, XLabel: xl, YLabel: "test accuracy", YMin: 0, YMax: 1, LegendTop: true}); err != nil {
			return err
		}
		env.Report.Figure(file, fmt.Sprintf("%s: test accuracy against eps, %s (mean ± SD over seeds).", k.title, ds))
	}
	return nil
}

// advFindings are the findings' bullets: whether white-box PGD works on
// the baselines, the worst cases compared at each eps, and the caveat.
func advFindings(rs []Result, plan advPlan, ds string) []string {
	last := plan.eps[len(plan.eps)-1]
	var f []string
	for _, model := range []string{ModelBP, ModelNonNeg} {
		v := mean(advValues(rs, ds, model, advPGDWhite, "accuracy", last))
		verdict := "near zero: the attack works"
		if v > 0.05 {
			verdict = "NOT near zero: the attack is too weak or broken"
		}
		f = append(f, fmt.Sprintf("* White-box PGD at eps=%g leaves %s at %.1f%% (%s).", last, model, 100*v, verdict))
	}
	for _, eps := range plan.eps[1:] {
		bp := mean(advWorst(rs, ds, ModelBP, eps))
		nn := mean(advWorst(rs, ds, ModelNonNeg, eps))
		ru := mean(advWorst(rs, ds, ModelRule, eps))
		tb := mean(advValues(rs, ds, ModelRule, advPGDTrans, "accuracy", eps))
		tn := mean(advValues(rs, ds, ModelNonNeg, advPGDTrans, "accuracy", eps))
		sr := mean(advValues(rs, ds, ModelRule, advPGDSurr, "accuracy", eps))
		cmp := "more robust than"
		if ru < bp {
			cmp = "less robust than"
		}
		f = append(f, fmt.Sprintf("* eps=%g: worst case rule %.1f%% vs backprop %.1f%% (white-box) and nonneg %.1f%%: the rule is %s backprop. "+
			"PGD transfer from backprop: rule %.1f%%, nonneg %.1f%%; PGD through the surrogate: rule %.1f%%.",
			eps, 100*ru, 100*bp, 100*nn, cmp, 100*tb, 100*tn, 100*sr))
	}
	f = append(f, "* Caveat: the rule is only attacked through proxies (transfer, surrogate); its worst case is an upper bound on its true "+
		"white-box robustness, while the baselines' numbers are exact white-box attacks. Robustness \"shown\" by a weak proxy is not robustness.")
	return f
}

// advTimeRows are the unit times of every model (wall-clock and CPU s).
func advTimeRows(rs []Result, models []string, ds string) [][]string {
	var trows [][]string
	for _, model := range models {
		trows = append(trows, []string{model,
			summary(advValues(rs, ds, model, "unit", "seconds_train", 0), 1, 1),
			summary(advValues(rs, ds, model, "unit", "seconds_attack", 0), 1, 1),
			summary(advValues(rs, ds, model, "unit", "seconds", 0), 1, 1),
			summary(advValues(rs, ds, model, "unit", "cpu_seconds", 0), 1, 1)})
	}
	return trows
}

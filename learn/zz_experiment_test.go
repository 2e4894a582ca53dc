package learn

import (
	"context"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"dalesim/mnist"
	"dalesim/network"
)

func TestExperiment(t *testing.T) {
	if os.Getenv("EXP") == "" {
		t.Skip()
	}
	dir, err := mnist.Locate("")
	if err != nil {
		t.Fatal(err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	digits := []int{1, 2, 6}
	if d := os.Getenv("DIGITS"); d != "" {
		digits, _ = mnist.ParseDigits(d)
	}
	ntr, _ := strconv.Atoi(os.Getenv("NTRAIN"))
	nte, _ := strconv.Atoi(os.Getenv("NTEST"))
	train = train.Filter(digits).Limit(ntr)
	test = test.Filter(digits).Limit(nte)
	spec := os.Getenv("SPEC")
	if spec == "" {
		spec = "../examples/mnist.toml"
	}
	data, _ := os.ReadFile(spec)
	text := string(data)
	for _, kv := range strings.Split(os.Getenv("SET"), ";") {
		if kv == "" {
			continue
		}
		parts := strings.SplitN(kv, "=>", 2)
		text = strings.Replace(text, parts[0], parts[1], 1)
	}
	s, err := network.ParseSpec([]byte(text), spec)
	if err != nil {
		t.Fatal(err)
	}
	if os.Getenv("OUTSTAR") != "" {
		alpha, _ := strconv.ParseFloat(os.Getenv("OUTSTAR"), 64)
		experimentRule = func(m *Model) {
			w := m.InHid.Weights()
			r := &m.hiddenRule
			eta, wmax, delta := float32(r.Eta), float32(r.WMax), float32(r.Delta)
			for i := 0; i < m.Input.Len(); i++ {
				tg, first := m.InHid.Row(i)
				xi := m.x[i]
				for k, j := range tg {
					x := w[first+k]
					y := m.y[j]
					// outstar (presynaptically gated) plus alpha x instar
					d := eta*xi*(wmax*(y-delta)-x) + float32(alpha)*eta*y*(wmax*(xi-delta)-x)
					x += d
					w[first+k] = min(max(x, 0), wmax)
				}
			}
		}
	}
	m, err := New(s, network.Options{Threads: 1}, digits)
	if err != nil {
		t.Fatal(err)
	}
	epochs, _ := strconv.Atoi(os.Getenv("EPOCHS"))
	for e := 0; e < max(epochs, 1); e++ {
		if d := os.Getenv("DELTA2"); d != "" && e > 0 {
			m.hiddenRule.Delta, _ = strconv.ParseFloat(d, 64)
		}
		ev, err := m.TrainEpoch(context.Background(), train, e, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("epoch %d: train acc %.4f (%.0f samples/s) err %.3f", e, ev.Accuracy, ev.PerSecond, ev.MeanError)
		for _, f := range m.Stats().Summary() {
			t.Logf("  %s rate %.2f Hz cv %.2f sparse %.3f", f.Name, f.RateHz, f.CVISI, f.Sparseness)
		}
		m.ResetStats()
	}
	// Diagnostic: vote readout and normalized templates on hidden counts.
	feats := func(set *mnist.Set, n int) ([][]float64, []int) {
		img := make([]float32, 784)
		var X [][]float64
		var Y []int
		for i := 0; i < min(n, set.Len()); i++ {
			set.Intensities(i, img)
			m.Present(img, set.Label(i), false, Evaluation, int64(i)+1e6)
			c := m.counts[m.Hidden]
			f := make([]float64, len(c))
			for j := range c {
				f[j] = float64(c[j])
			}
			X = append(X, f)
			Y = append(Y, m.classIndex(set.Label(i)))
		}
		return X, Y
	}
	Xtr, Ytr := feats(train, 3000)
	for i := 0; i < 5; i++ {
		var nz []float64
		for _, v := range Xtr[i] {
			if v > 0 {
				nz = append(nz, v)
			}
		}
		t.Logf("sample %d (class %d): %d active hidden, counts %v", i, Ytr[i], len(nz), nz)
	}
	Xte, Yte := feats(test, 3000)
	K := len(digits)
	H := len(Xtr[0])
	mean := make([][]float64, K)
	cnt := make([]float64, K)
	for k := range mean {
		mean[k] = make([]float64, H)
	}
	for i, x := range Xtr {
		cnt[Ytr[i]]++
		for j, v := range x {
			mean[Ytr[i]][j] += v
		}
	}
	assign := make([]int, H)
	for j := 0; j < H; j++ {
		best := 0
		for k := 0; k < K; k++ {
			if mean[k][j]/cnt[k] > mean[best][j]/cnt[best] {
				best = k
			}
		}
		assign[j] = best
	}
	vote, cos := 0, 0
	for i, x := range Xte {
		sc := make([]float64, K)
		nk := make([]float64, K)
		for j, v := range x {
			sc[assign[j]] += v
			nk[assign[j]]++
		}
		b := 0
		for k := range sc {
			if nk[k] > 0 {
				sc[k] /= nk[k]
			}
			if sc[k] > sc[b] {
				b = k
			}
		}
		if b == Yte[i] {
			vote++
		}
		b = 0
		bs := -1.0
		for k := 0; k < K; k++ {
			var d, nn float64
			for j, v := range x {
				d += v * mean[k][j]
				nn += mean[k][j] * mean[k][j]
			}
			if s := d / (1e-9 + sqrt(nn)); s > bs {
				bs, b = s, k
			}
		}
		if b == Yte[i] {
			cos++
		}
	}
	t.Logf("diagnostic on hidden counts: vote %.4f, cosine templates %.4f", float64(vote)/float64(len(Xte)), float64(cos)/float64(len(Xte)))
	ev, err := m.Evaluate(context.Background(), test, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("test acc %.4f (%.0f samples/s) confusion %v", ev.Accuracy, ev.PerSecond, ev.Confusion)
	w := m.InHid.Weights()
	z := 0
	for _, x := range w {
		if x == 0 {
			z++
		}
	}
	t.Logf("silent input->hidden: %d of %d (%.3f)", z, len(w), float64(z)/float64(len(w)))
	nzPer := make([]int, m.Hidden.Len())
	for k, tg := range m.InHid.Targets() {
		if w[k] != 0 {
			nzPer[tg]++
		}
	}
	dead := 0
	hist := map[int]int{}
	for _, c := range nzPer {
		if c == 784 {
			dead++
		}
		hist[c/100*100]++
	}
	t.Logf("hidden neurons with all 784 synapses (never learned): %d; non-silent per neuron histogram (by 100s): %v", dead, hist)
	if err := ReceptiveFields("/tmp/rf.png", m.InHid, 28, 28); err != nil {
		t.Fatal(err)
	}
	th := m.Hidden.State.Theta
	var mn, mx float32 = 1e9, -1e9
	for _, v := range th {
		mn, mx = min(mn, v), max(mx, v)
	}
	t.Logf("theta range %.2f .. %.2f", mn, mx)
}

func sqrt(x float64) float64 { return math.Sqrt(x) }

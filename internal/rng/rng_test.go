package rng

import (
	"math"
	"slices"
	"testing"
)

func TestStreamUniformMoments(t *testing.T) {
	s := NewStream(Key(42, 1, 2))
	const n = 200000
	var sum, sum2 float64
	for i := 0; i < n; i++ {
		x := s.Float64()
		if x < 0 || x >= 1 {
			t.Fatalf("Float64 out of [0,1): %v", x)
		}
		sum += x
		sum2 += x * x
	}
	mean := sum / n
	vr := sum2/n - mean*mean
	if math.Abs(mean-0.5) > 0.005 || math.Abs(vr-1.0/12) > 0.002 {
		t.Fatalf("seed 42: mean %v var %v, want 0.5, 0.0833", mean, vr)
	}
}

func TestNormMoments(t *testing.T) {
	s := NewStream(Key(7, 0, 0))
	const n = 200000
	var sum, sum2 float64
	for i := 0; i < n; i++ {
		x := s.Norm()
		sum += x
		sum2 += x * x
	}
	mean := sum / n
	sd := math.Sqrt(sum2/n - mean*mean)
	if math.Abs(mean) > 0.01 || math.Abs(sd-1) > 0.01 {
		t.Fatalf("seed 7: normal mean %v sd %v", mean, sd)
	}
}

func TestIntnUniform(t *testing.T) {
	s := NewStream(Key(3, 4, 5))
	const n, k = 700000, 7
	var c [k]int
	for i := 0; i < n; i++ {
		c[s.Intn(k)]++
	}
	for j, v := range c {
		if math.Abs(float64(v)-n/k) > 5*math.Sqrt(n/k) {
			t.Fatalf("seed 3: bucket %d has %d, want %d", j, v, n/k)
		}
	}
}

func TestGeometricMean(t *testing.T) {
	s := NewStream(Key(9, 0, 0))
	p := 0.02
	const n = 100000
	sum := 0
	for i := 0; i < n; i++ {
		sum += s.Geometric(p)
	}
	want := (1 - p) / p
	if got := float64(sum) / n; math.Abs(got-want)/want > 0.02 {
		t.Fatalf("seed 9: geometric mean %v want %v", got, want)
	}
}

func TestPoissonTableMoments(t *testing.T) {
	for _, lambda := range []float64{0.002, 0.5, 2, 30} {
		tab := PoissonTable(lambda)
		key := Key(11, uint64(lambda*1000), 0)
		const steps, n = 20, 10000
		var sum, sum2 float64
		for st := int64(0); st < steps; st++ {
			k := StepKey(key, st)
			for i := uint32(0); i < n; i++ {
				u := Uniform32(k, i)
				c := 0
				for c < len(tab) && u >= tab[c] {
					c++
				}
				sum += float64(c)
				sum2 += float64(c * c)
			}
		}
		N := float64(steps * n)
		mean := sum / N
		vr := sum2/N - mean*mean
		tol := 5 * math.Sqrt(lambda/N)
		if math.Abs(mean-lambda) > tol || math.Abs(vr-lambda) > 10*tol+0.01*lambda {
			t.Errorf("lambda %v: mean %v var %v (tol %v)", lambda, mean, vr, tol)
		}
	}
}

func TestUniform32Bits(t *testing.T) {
	// Every bit of the per-neuron numbers is set about half the time.
	key := StepKey(Key(1, 2, 3), 5)
	const n = 1 << 16
	var ones [32]int
	for i := uint32(0); i < n; i++ {
		u := Uniform32(key, i)
		for b := 0; b < 32; b++ {
			ones[b] += int(u >> b & 1)
		}
	}
	for b, c := range ones {
		if math.Abs(float64(c)-n/2) > 5*math.Sqrt(n/4) {
			t.Fatalf("bit %d set %d of %d times", b, c, n)
		}
	}
}

func TestDistTruncatedNormalNonNegative(t *testing.T) {
	d := Dist{Kind: Normal, Mean: 0.1, SD: 1}
	s := NewStream(Key(5, 0, 0))
	neg := 0
	var sum float64
	const n = 100000
	for i := 0; i < n; i++ {
		x := d.Sample(s, true)
		if x < 0 {
			neg++
		}
		sum += x
	}
	// mean of N(0.1, 1) truncated at 0: mu + sd*phi(a)/(1-Phi(a)), a = -0.1
	a := -0.1
	want := 0.1 + stdNormal.Prob(a)/(1-stdNormal.CDF(a))
	if neg != 0 || math.Abs(sum/n-want) > 0.01 {
		t.Fatalf("seed 5: %d negative draws, mean %v want %v", neg, sum/n, want)
	}
}

func TestDistValidate(t *testing.T) {
	bad := []Dist{
		{Kind: Constant, Value: -1},
		{Kind: Uniform, Low: -0.5, High: 1},
		{Kind: Uniform, Low: 2, High: 1},
		{Kind: Normal, Mean: 1, SD: -1},
		{Kind: Normal, Mean: -10, SD: 1},
		{Kind: LogNormal, Mu: 0, Sigma: -1},
		{Kind: "gamma"},
		{Kind: Constant, Value: math.NaN()},
	}
	for _, d := range bad {
		if d.Validate(true) == nil {
			t.Errorf("%+v accepted as a weight distribution", d)
		}
	}
	if err := (Dist{Kind: Normal, Mean: -65, SD: 5}).Validate(false); err != nil {
		t.Errorf("signed normal rejected: %v", err)
	}
}

// TestStreamAt: StreamAt(key, c) continues where NewStream(key) is after c
// numbers, so the n-th normal deviate is StreamAt(key, 2n).Norm().
func TestStreamAt(t *testing.T) {
	s := NewStream(42)
	for n := uint64(0); n < 1000; n++ {
		want := s.Norm()
		at := StreamAt(42, 2*n)
		if got := at.Norm(); math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("deviate %d: %v, want %v", n, got, want)
		}
	}
}

// TestGeometricLn: GeometricLn(Log1p(-p)) draws what Geometric(p) draws,
// and consumes the stream alike (none for p = 1).
func TestGeometricLn(t *testing.T) {
	for _, p := range []float64{1e-6, 0.02, 0.5, 0.999, 1} {
		a, b := NewStream(Key(4, 1, 2)), NewStream(Key(4, 1, 2))
		lnq := math.Log1p(-p)
		for i := range 1000 {
			if x, y := a.Geometric(p), b.GeometricLn(lnq); x != y {
				t.Fatalf("p = %g, draw %d: Geometric %d, GeometricLn %d", p, i, x, y)
			}
		}
		if a.Uint64() != b.Uint64() {
			t.Fatalf("p = %g: the streams are at different positions", p)
		}
	}
}

// TestAppendIntn: AppendIntn draws what as many Intn calls draw, leaves the
// stream where they leave it, and appends after what out already holds.
func TestAppendIntn(t *testing.T) {
	for _, n := range []int{1, 2, 7, 1000, 12500, 1<<31 - 1, 1 << 31, 3 << 29} {
		for _, k := range []int{0, 1, 5, 1000} {
			key := Key(uint64(n), uint64(k), 3)
			a, b := StreamAt(key, 11), StreamAt(key, 11)
			want := []int32{-1}
			for range k {
				want = append(want, int32(a.Intn(n)))
			}
			got := b.AppendIntn([]int32{-1}, k, n)
			if !slices.Equal(got, want) {
				t.Fatalf("n=%d k=%d: AppendIntn differs from Intn", n, k)
			}
			if a.Uint64() != b.Uint64() {
				t.Fatalf("n=%d k=%d: the stream ends elsewhere", n, k)
			}
		}
	}
	for _, n := range []int{0, -1, 1<<31 + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendIntn(n=%d) did not panic", n)
				}
			}()
			s := NewStream(1)
			s.AppendIntn(nil, 1, n)
		}()
	}
}

// BenchmarkAppendIntn: numbers drawn per second in batches of 1,000 (a
// column of Brunel's fixed in-degree), against Intn one at a time.
func BenchmarkAppendIntn(b *testing.B) {
	out := make([]int32, 0, 1000)
	b.Run("batch", func(b *testing.B) {
		s := NewStream(1)
		for b.Loop() {
			out = s.AppendIntn(out[:0], 1000, 12500)
		}
		b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "draws/s")
	})
	b.Run("intn", func(b *testing.B) {
		s := NewStream(1)
		for b.Loop() {
			out = out[:0]
			for range 1000 {
				out = append(out, int32(s.Intn(12500)))
			}
		}
		b.ReportMetric(1000*float64(b.N)/b.Elapsed().Seconds(), "draws/s")
	})
}

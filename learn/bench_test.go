package learn

import (
	"context"
	"testing"

	"dalesim/mnist"
	"dalesim/network"
)

// benchModel is the default model (examples/mnist.toml) at H = 400 on the
// ten digits, with 2,000 training and 1,000 test samples of MNIST.
func benchModel(b *testing.B, threads int) (*Model, *mnist.Set, *mnist.Set) {
	b.Helper()
	dir, err := mnist.Locate("")
	if err != nil {
		b.Skipf("MNIST is not available (%v)", err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		b.Fatal(err)
	}
	s, err := DefaultSpec()
	if err != nil {
		b.Fatal(err)
	}
	if err := Configure(s, 400, 1); err != nil {
		b.Fatal(err)
	}
	m, err := New(s, network.Options{Threads: threads}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	if err != nil {
		b.Fatal(err)
	}
	return m, train.Limit(2000), test.Limit(1000)
}

// BenchmarkTrain presents training samples (with learning) to the default
// H = 400 model; samples/s is the figure `dalesim train` reports.
func BenchmarkTrain(b *testing.B) {
	m, train, _ := benchModel(b, 1)
	defer m.Net.Close()
	x := make([]float32, train.Rows*train.Cols)
	b.ResetTimer()
	for i := range b.N {
		k := i % train.Len()
		for p, v := range train.Image(k) {
			x[p] = float32(v) / 255
		}
		if _, err := m.Present(x, int(train.Labels[k]), true, Training, int64(i)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkEvaluate scores 1,000 test samples with one and two threads
// (two threads share the samples among two copies of the network).
func BenchmarkEvaluate(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(map[int]string{1: "threads=1", 2: "threads=2"}[threads], func(b *testing.B) {
			m, _, test := benchModel(b, threads)
			defer m.Net.Close()
			b.ResetTimer()
			for range b.N {
				if _, err := m.Evaluate(context.Background(), test, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*test.Len())/b.Elapsed().Seconds(), "samples/s")
		})
	}
}

package baseline

import (
	"context"
	"testing"
)

// BenchmarkTrainEpoch times one epoch of 784-400-10 training on 2,048
// synthetic MNIST-sized samples (batch 64) and reports samples/s.
func BenchmarkTrainEpoch(b *testing.B) {
	const n = 2048
	x, labels := synthetic(1, n, 784, 10, 0.2, 0.1)
	m := mustNew(b, Config{Hidden: 400, Epochs: 1, Seed: 1})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := m.Train(ctx, x, labels, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "samples/s")
}

// BenchmarkPGD times a 40-step PGD attack (eps 0.3, step 0.01, random
// start) on one sample against a 784-400-10 network.
func BenchmarkPGD(b *testing.B) {
	x, labels := synthetic(2, 64, 784, 10, 0.2, 0.1)
	m := mustNew(b, Config{Hidden: 400, Epochs: 1, Seed: 2})
	if err := m.Train(context.Background(), x, labels, nil); err != nil {
		b.Fatal(err)
	}
	x0 := toF64(x[:784])
	b.ReportAllocs()
	for b.Loop() {
		PGD(m, x0, labels[0], 0.3, 0.01, 40, true, 1)
	}
}

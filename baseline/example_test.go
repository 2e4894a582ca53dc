package baseline_test

import (
	"context"
	"fmt"

	"dalesim/baseline"
)

// ExampleMLP trains a 4-8-2 network to tell "left" inputs (first two
// pixels lit) from "right" ones, then attacks one of them.
func ExampleMLP() {
	var x []float32
	var labels []int
	for i := range 64 {
		v := float32(0.6 + 0.4*float64(i%5)/4) // intensities 0.6..1
		if i%2 == 0 {
			x = append(x, v, v, 0, 0)
		} else {
			x = append(x, 0, 0, v, v)
		}
		labels = append(labels, i%2)
	}
	m, err := baseline.New(baseline.Config{Inputs: 4, Hidden: 8, Classes: 2, Epochs: 50, Batch: 8, LR: 0.01, Seed: 1})
	if err != nil {
		panic(err)
	}
	if err := m.Train(context.Background(), x, labels, nil); err != nil {
		panic(err)
	}
	fmt.Printf("training accuracy %.2f\n", m.Accuracy(x, labels))
	fmt.Println("predictions:", m.Predict([]float32{1, 1, 0, 0, 0, 0, 1, 1}))

	left := []float64{1, 1, 0, 0}
	// Each pixel moves by eps against the class, clipped to [0,1]: the
	// third pixel's gradient is negative, so it stays at 0.
	fmt.Println("FGSM eps 0.1:", baseline.FGSM(m, left, 0, 0.1))
	fmt.Println("still left after PGD eps 0.1:", m.Predict1(baseline.PGD(m, left, 0, 0.1, 0.02, 10, false, 0)) == 0)
	// Output:
	// training accuracy 1.00
	// predictions: [0 1]
	// FGSM eps 0.1: [0.9 0.9 0 0.1]
	// still left after PGD eps 0.1: true
}

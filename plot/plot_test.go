package plot_test

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dalesim/internal/tracetest"
	"dalesim/plot"
	"dalesim/traces"
)

func TestPlot(t *testing.T) {
	tr := tracetest.NewRun(9, 3000)
	dir := t.TempDir()
	tr.Record(t, dir, tracetest.AllTables(traces.Options{}), -1)
	out := t.TempDir()
	files, err := plot.Plot(dir, out, plot.PlotOptions{DPI: 60})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	if strings.Join(names, ",") != "raster.png,isi.png,rate.png,weights.png" {
		t.Fatalf("files %v", names)
	}
	if _, err := plot.Plot(dir, out, plot.PlotOptions{DPI: 60}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("second Plot: %v", err)
	}
	// Only spikes recorded: no weights.png, rate computed from spikes.
	dir2 := t.TempDir()
	tr.Record(t, dir2, traces.Options{Spikes: true}, -1)
	files, err = plot.Plot(dir2, t.TempDir(), plot.PlotOptions{DPI: 60})
	if err != nil || len(files) != 3 {
		t.Fatalf("spikes-only plot: %v %v", files, err)
	}
}

// pngHeight returns the height in pixels of the PNG file path.
func pngHeight(t *testing.T, path string) int {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	c, err := png.DecodeConfig(f)
	if err != nil {
		t.Fatal(err)
	}
	return c.Height
}

// Projections whose weights never change (one value for every synapse, as
// the fixed hidden->inhibitory weights of a trained model) get no panel in
// weights.png; with only such projections there is no weights.png.
func TestPlotSkipsConstantWeights(t *testing.T) {
	// weights.png is one panel of 6 cm per projection: its height counts them.
	opt := plot.PlotOptions{DPI: 60, Overwrite: true}
	panels := func(tr *tracetest.Run) (heightPx int, names []string) {
		dir, out := t.TempDir(), t.TempDir()
		tr.Record(t, dir, traces.Options{Spikes: true, Weights: true}, -1)
		files, err := plot.Plot(dir, out, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			names = append(names, filepath.Base(f))
			if filepath.Base(f) == "weights.png" {
				heightPx = pngHeight(t, f)
			}
		}
		return heightPx, names
	}
	all, _ := panels(tracetest.NewRun(10, 400))
	if all == 0 {
		t.Fatal("no weights.png for varying weights")
	}

	tr := tracetest.NewRun(10, 400)
	tr.SetWeight(1, 0.25) // E->I: one value in every snapshot
	tr.SetWeight(3, 0)    // I->I: all zero
	two, names := panels(tr)
	if two == 0 {
		t.Fatalf("no weights.png with two varying projections: %v", names)
	}
	if d := 2*two - all; d < -1 || d > 1 { // pixels are rounded
		t.Errorf("weights.png is %d px high with 2 of 4 projections varying, %d px with all 4: want half", two, all)
	}

	tr = tracetest.NewRun(10, 400)
	for p := range tr.Meta.Projections {
		tr.SetWeight(p, 0.5)
	}
	h, names := panels(tr)
	if h != 0 || strings.Join(names, ",") != "raster.png,rate.png,isi.png" {
		t.Errorf("every projection constant: files %v, want no weights.png", names)
	}
}

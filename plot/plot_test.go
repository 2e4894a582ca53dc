package plot_test

import (
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

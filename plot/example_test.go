package plot_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"dalesim/plot"
	"dalesim/traces"
)

// Plot draws every figure whose table the run recorded: here spikes only,
// so the rate is computed from the spikes and there is no weights.png.
func ExamplePlot() {
	dir, _ := os.MkdirTemp("", "dalesim-example")
	defer os.RemoveAll(dir)
	meta := traces.Meta{
		Version: "0.1.0",
		DtMS:    0.1,
		Populations: []traces.PopulationInfo{
			{Name: "E", Size: 80, Identity: traces.Excitatory},
			{Name: "I", Size: 20, Identity: traces.Inhibitory},
		},
	}
	rec, err := traces.Create(dir, traces.Options{Spikes: true}, meta)
	if err != nil {
		log.Fatal(err)
	}
	for step := int64(0); step < 1000; step++ {
		rec.Spikes(step, 0, []int32{int32(step * 7 % 80)})
		if step%5 == 0 {
			rec.Spikes(step, 1, []int32{int32(step % 20)})
		}
	}
	if err := rec.Close(traces.Status{LastStep: 999}); err != nil {
		log.Fatal(err)
	}

	files, err := plot.Plot(dir, filepath.Join(dir, "plots"), plot.PlotOptions{DPI: 50})
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	// Output:
	// raster.png
	// rate.png
	// isi.png
}

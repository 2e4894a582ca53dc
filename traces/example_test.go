package traces_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"dalesim/traces"
)

func exampleMeta() traces.Meta {
	return traces.Meta{
		Version: "0.1.0",
		Spec:    "[network]\nname = \"demo\"\n",
		Kernel:  "generic",
		Seed:    42,
		DtMS:    0.1,
		Threads: 1,
		Populations: []traces.PopulationInfo{
			{Name: "E", Size: 80, Identity: traces.Excitatory},
			{Name: "I", Size: 20, Identity: traces.Inhibitory},
		},
		Projections: []traces.ProjectionInfo{{Name: "E->I", Source: "E", Target: "I", Sign: +1}},
	}
}

// The engine creates a Writer before the first step, hands it each step's
// spikes and closes it at the end (or on SIGINT with Interrupted set).
func ExampleCreate() {
	dir, _ := os.MkdirTemp("", "dalesim-example")
	defer os.RemoveAll(dir)

	rec, err := traces.Create(dir, traces.Options{Spikes: true}, exampleMeta())
	if err != nil {
		log.Fatal(err)
	}
	for step := int64(0); step < 100; step++ {
		// Spikes of population 0 ("E") at this step, ascending.
		if err := rec.Spikes(step, 0, []int32{int32(step % 80)}); err != nil {
			log.Fatal(err)
		}
	}
	if err := rec.Close(traces.Status{LastStep: 99}); err != nil {
		log.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(dir, "spikes.parquet"))
	fmt.Println("spikes.parquet written:", err == nil)
	// Output: spikes.parquet written: true
}

func ExampleReadSpikes() {
	dir, _ := os.MkdirTemp("", "dalesim-example")
	defer os.RemoveAll(dir)
	rec, err := traces.Create(dir, traces.Options{Spikes: true}, exampleMeta())
	if err != nil {
		log.Fatal(err)
	}
	rec.Spikes(10, 0, []int32{3, 7})
	rec.Spikes(10, 1, []int32{0})
	rec.Spikes(25, 0, []int32{3})
	rec.Close(traces.Status{Interrupted: true, LastStep: 30})

	t, err := traces.ReadSpikes(dir)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("status:", t.Meta.Status, "last step:", t.Meta.LastStep)
	for i := 0; i < t.Len(); i++ {
		fmt.Printf("t=%.1f ms %s[%d]\n", t.TimeMS(i), t.Populations[t.Pop[i]], t.Neuron[i])
	}
	// Output:
	// status: interrupted last step: 30
	// t=1.0 ms E[3]
	// t=1.0 ms E[7]
	// t=1.0 ms I[0]
	// t=2.5 ms E[3]
}

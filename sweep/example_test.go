package sweep_test

import (
	"fmt"
	"log"

	"dalesim/sweep"
)

// A g x eta grid over Brunel's model A (a tenth of its size), with two
// seeds: 2 x 2 x 2 runs, each validated by the spec package before any runs.
func Example() {
	s, err := sweep.Parse([]byte(`
base = "brunel"
seeds = [1, 2]
[set]
duration_ms = 200
"builtin.scale" = 0.1
[grid]
"builtin.g" = [4, 6]
"builtin.eta" = [1, 2]
`), "")
	if err != nil {
		log.Fatal(err)
	}
	plan, err := s.Expand()
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range plan.Params {
		fmt.Printf("%s (%s, %s)\n", p.Path, p.Kind, p.Type)
	}
	for _, pt := range plan.Points[:3] {
		fmt.Println(pt.Index, pt.Values)
	}
	fmt.Println(len(plan.Points), "runs")
	// A value the spec refuses is refused before anything runs.
	bad, _ := sweep.Parse([]byte("base = \"brunel\"\n[grid]\n\"population.E.t_ref_ms\" = [2, -1]\n"), "bad.toml")
	_, err = bad.Expand()
	fmt.Println(err)
	// Output:
	// builtin.g (grid, float)
	// builtin.eta (grid, float)
	// seed (seed, integer)
	// 0 [4 1 1]
	// 1 [4 1 2]
	// 2 [4 2 1]
	// 8 runs
	// bad.toml: grid."population.E.t_ref_ms" = -1: the spec is invalid: population "E": t_ref_ms = -1: must be a finite number >= 0
}

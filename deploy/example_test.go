package deploy_test

import (
	"fmt"

	"dalesim/deploy"
)

// A projection whose largest weight is 0.3 mV gets, at 4 bits, the step
// 2^-5 mV (15 · 2^-5 = 0.47 >= 0.3, 15 · 2^-6 = 0.23 < 0.3); each weight
// rounds to the nearest multiple, and weights under half a step become 0.
func Example() {
	e, step := deploy.StepFor(0.3, 4)
	fmt.Println("exponent", e, "step", step)
	for _, w := range []float64{0.3, 0.1, 0.01} {
		fmt.Printf("%.2f -> %.5f\n", w, deploy.QuantizeValue(w, step, deploy.Levels(4)))
	}
	// Output:
	// exponent -5 step 0.03125
	// 0.30 -> 0.31250
	// 0.10 -> 0.09375
	// 0.01 -> 0.00000
}

package cli

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/urfave/cli/v2"

	"dalesim/simd"
)

// cpuInfo is the JSON form of `dalesim info`.
type cpuInfo struct {
	CPU      string   `json:"cpu"`
	Features []string `json:"features"`
	Kernels  []string `json:"kernels"`
	Selected string   `json:"selected"`
	Version  string   `json:"version"`
	GoArch   string   `json:"goarch"`
	CPUs     int      `json:"cpus"`
}

var relevant = []struct {
	name string
	id   cpuid.FeatureID
}{
	{"SSE4.2", cpuid.SSE42}, {"AVX", cpuid.AVX}, {"AVX2", cpuid.AVX2}, {"FMA3", cpuid.FMA3}, {"BMI2", cpuid.BMI2},
	{"AVX512F", cpuid.AVX512F}, {"AVX512DQ", cpuid.AVX512DQ}, {"AVX512BW", cpuid.AVX512BW}, {"AVX512VL", cpuid.AVX512VL},
	{"AVX512CD", cpuid.AVX512CD}, {"AVX512VBMI2", cpuid.AVX512VBMI2},
}

func infoCommand() *cli.Command {
	return &cli.Command{
		Name:  "info",
		Usage: "show the CPU, its SIMD features, the kernels available and the one selected",
		Flags: []cli.Flag{jsonFlag(), simdFlag()},
		Action: func(c *cli.Context) error {
			if err := simd.Select(c.String("simd")); err != nil {
				return badInput("--simd %q: %v", c.String("simd"), err)
			}
			info := cpuInfo{
				CPU:      strings.TrimSpace(cpuid.CPU.BrandName),
				Kernels:  simd.Implementations(),
				Selected: simd.Active(),
				Version:  Version,
				GoArch:   runtime.GOARCH,
				CPUs:     runtime.NumCPU(),
				Features: []string{},
			}
			for _, f := range relevant {
				if cpuid.CPU.Supports(f.id) {
					info.Features = append(info.Features, f.name)
				}
			}
			if c.Bool("json") {
				return json.NewEncoder(c.App.Writer).Encode(info)
			}
			w := c.App.Writer
			fmt.Fprintf(w, "dalesim %s (%s, %d CPUs)\n", Version, info.GoArch, info.CPUs)
			fmt.Fprintf(w, "cpu:      %s\n", info.CPU)
			fmt.Fprintf(w, "features: %s\n", strings.Join(info.Features, " "))
			fmt.Fprintf(w, "kernels:  %s\n", strings.Join(info.Kernels, ", "))
			fmt.Fprintf(w, "selected: %s\n", info.Selected)
			return nil
		},
	}
}

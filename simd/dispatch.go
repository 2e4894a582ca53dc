package simd

import (
	"fmt"
	"strings"
)

// Impl is one implementation of every kernel.
type Impl struct {
	Name            string
	Cuba            func(c *LIF, s *State, out []int32, base int32) int
	Coba            func(c *LIF, s *State, out []int32, base int32) int
	Delta           func(c *LIF, s *State, out []int32, base int32) int
	PoissonDrive    func(stepKey uint64, base uint32, tab []uint32, lut []uint8, w float32, in []float32)
	PoissonSpikes   func(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int
	ScatterAdd      func(acc []float32, idx []int32, w []float32)
	ScatterAddConst func(acc []float32, idx []int32, w float32)
	Decay           func(x []float32, f float32)
	HebbRow         func(w []float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool)
	AddRow          func(acc, w []float32, c float32) // see AddRowGeneric

	// Fixed-point (Loihi) kernels: see fixed_generic.go.
	LoihiLIF   func(c *FixedLIF, s *FixedState, out []int32, base int32) int
	ShiftAccum func(dst, src []int32, exp int32)

	// ReferenceScatter says that ScatterAdd and ScatterAddConst are
	// ScatterAddGeneric and ScatterAddConstGeneric. A caller that delivers
	// many rows (package synapse) may then run the same loop itself, over
	// all rows, instead of calling a kernel per row: the additions and their
	// order are the same. A copy of an Impl that replaces either scatter
	// kernel must clear it.
	ReferenceScatter bool
}

// Generic is the pure-Go reference implementation.
var Generic = &Impl{
	Name:            "generic",
	Cuba:            CubaGeneric,
	Coba:            CobaGeneric,
	Delta:           DeltaGeneric,
	PoissonDrive:    PoissonDriveGeneric,
	PoissonSpikes:   PoissonSpikesGeneric,
	ScatterAdd:      ScatterAddGeneric,
	ScatterAddConst: ScatterAddConstGeneric,
	Decay:           DecayGeneric,
	HebbRow:         HebbRowGeneric,
	AddRow:          AddRowGeneric,
	LoihiLIF:        LoihiLIFGeneric,
	ShiftAccum:      ShiftAccumGeneric,

	ReferenceScatter: true,
}

// impls lists the implementations this CPU can run, fastest first; the
// architecture-specific files prepend theirs in init.
var impls = []*Impl{Generic}

// experimental lists implementations that this CPU can run but that are
// not offered (alternatives kept for tests and benchmarks only).
var experimental []*Impl

// known lists every implementation name dalesim has on any CPU.
var known = []string{"avx512", "avx2", "generic"}

var active = impls[0]

// Implementations returns the names of the implementations this CPU can
// run, fastest first; "generic" is always last.
func Implementations() []string {
	names := make([]string, len(impls))
	for i, m := range impls {
		names[i] = m.Name
	}
	return names
}

// Lookup returns the implementation with the given name, or an error that
// says why it cannot run here.
func Lookup(name string) (*Impl, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" || name == "auto" {
		return impls[0], nil
	}
	for _, m := range impls {
		if m.Name == name {
			return m, nil
		}
	}
	for _, k := range known {
		if k == name {
			return nil, fmt.Errorf("simd: %q is not available on this CPU or build (available: %s)",
				name, strings.Join(Implementations(), ", "))
		}
	}
	return nil, fmt.Errorf("simd: unknown implementation %q (want auto, %s)", name, strings.Join(known, ", "))
}

// Select makes the named implementation ("auto" for the fastest) the active
// one. Call it before a simulation starts, not during one.
func Select(name string) error {
	m, err := Lookup(name)
	if err != nil {
		return err
	}
	active = m
	return nil
}

// Active returns the name of the active implementation.
func Active() string { return active.Name }

// Current returns the active implementation.
func Current() *Impl { return active }

//go:build amd64 && gc && !noasm

package simd

import "github.com/klauspost/cpuid/v2"

// asmBuild reports whether this build has the assembly implementations.
const asmBuild = true

// avx2Impl: AVX2 kernels on 8 lanes (lengths that are not a multiple of 8
// finish with the reference on the remainder). cpuid reports AVX2 only when
// the OS saves the YMM state. The scatter kernels are the reference loops:
// AVX2 has no scatter, and the scalar loop is as fast as anything else.
var avx2Impl = &Impl{
	Name:            "avx2",
	Cuba:            cubaAVX2Go,
	Coba:            cobaAVX2Go,
	Delta:           deltaAVX2Go,
	PoissonDrive:    poissonDriveAVX2Go,
	PoissonSpikes:   poissonSpikesAVX2Go,
	ScatterAdd:      ScatterAddGeneric,
	ScatterAddConst: ScatterAddConstGeneric,
	Decay:           decayAVX2Go,
	HebbRow:         hebbRowAVX2Go,
	AddRow:          addRowAVX2Go,
	LoihiLIF:        loihiLIFAVX2Go,
	ShiftAccum:      shiftAccumAVX2Go,

	ReferenceScatter: true,
}

// avx512Impl: AVX-512 kernels on 16 lanes with masked tails. The scatter
// kernels are the reference loops: gather + add + scatter is slower than
// the scalar loop on the CPUs measured (see avx512GatherScatter).
var avx512Impl = &Impl{
	Name:            "avx512",
	Cuba:            cubaAVX512Go,
	Coba:            cobaAVX512Go,
	Delta:           deltaAVX512Go,
	PoissonDrive:    poissonDriveAVX512Go,
	PoissonSpikes:   poissonSpikesAVX512Go,
	ScatterAdd:      ScatterAddGeneric,
	ScatterAddConst: ScatterAddConstGeneric,
	Decay:           decayAVX512,
	HebbRow:         hebbRowAVX512Go,
	AddRow:          addRowAVX512Go,
	// The fixed-point kernels are the AVX2 ones (no AVX-512 version yet).
	LoihiLIF:   loihiLIFAVX2Go,
	ShiftAccum: shiftAccumAVX2Go,

	ReferenceScatter: true,
}

// avx512GatherScatter is avx512Impl with the scatter kernels done by
// AVX-512 gather, add and scatter, with conflict detection (VPCONFLICTD)
// for duplicate targets. It is not offered by Implementations, only tested
// and benchmarked (BenchmarkScatterAdd), so that the choice can be
// re-measured on other CPUs.
var avx512GatherScatter = func() *Impl {
	m := *avx512Impl
	m.Name = "avx512-gather"
	m.ReferenceScatter = false
	m.ScatterAdd = scatterAddAVX512Go
	m.ScatterAddConst = scatterAddConstAVX512Go
	return &m
}()

func init() {
	if cpuid.CPU.Supports(cpuid.AVX2) {
		impls = append([]*Impl{avx2Impl}, impls...)
	}
	if cpuid.CPU.Supports(cpuid.AVX2, cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.POPCNT) {
		impls = append([]*Impl{avx512Impl}, impls...)
		if cpuid.CPU.Supports(cpuid.AVX512CD) {
			experimental = append(experimental, avx512GatherScatter)
		}
	}
	active = impls[0]
}

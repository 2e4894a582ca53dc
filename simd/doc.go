// Package simd holds dalesim's hot loops ("kernels") and chooses, once at
// start-up, the fastest implementation the CPU supports.
//
// # References
//
// Every kernel has a pure-Go reference in a *_generic.go file whose doc
// comment states the loop. Other implementations (assembly, selected through
// cpuid) must give the same float32 bits as the reference: they keep its
// operation order and never fuse a multiply and an add that the reference
// keeps apart. The reference therefore writes every product that feeds an
// addition as an explicit float32(...) conversion, which forbids the Go
// compiler from fusing it (it would on arm64, and on amd64 with GOAMD64=v3).
//
// Kernels work on one contiguous chunk of a population, so the engine can hand
// chunks to threads; every per-neuron random number is a pure function of
// (key, step, absolute neuron index), so results never depend on chunking.
//
// # Implementations and dispatch
//
// Implementations lists what this CPU can run, fastest first: "avx512",
// "avx2" and "generic" (always last). At start-up the package selects the
// first; Select chooses another ("auto" picks the fastest) and Active tells
// which is in use. Lookup and Select return an error, never panic, for a
// name the CPU or the build lacks.
//
//   - avx512 (amd64, cpuid AVX-512 F, DQ, BW and VL, AVX2, POPCNT): 16 neurons
//     per instruction; the last, partial vector is masked, so every length
//     runs in assembly. The LIF kernels write the spiking neurons' indices
//     with VPCOMPRESSD (into a register, then a masked store of exactly the
//     spikes: the memory form is microcoded and slow on some AMD CPUs).
//   - avx2 (amd64, cpuid AVX2): 8 neurons per instruction; when a length is
//     not a multiple of 8, the Go wrapper runs the reference on the last
//     n%8 elements (so the tail is the reference itself). Spike indices come
//     from a VMOVMSKPS mask and a loop over its set bits (spikes are rare).
//   - generic: the references, the only implementation on other
//     architectures, with gccgo, and with -tags noasm.
//
// The assembly is hand-written Go assembler (files *_amd64.s, build tag
// amd64 && gc && !noasm; constants shared with Go in consts_amd64.go,
// consts_amd64.h and the compiler-generated go_asm.h); each function has a
// //go:noescape stub and a Go wrapper that performs the reference's length
// checks first, so that a mismatched call panics exactly as the reference
// would (out-of-range indices of ScatterAdd and HebbRow included: the
// assembly stops before the vector that holds one and the reference finishes
// the row).
//
// How the kernels reproduce the references:
//
//   - Comparisons and clamps keep Go's semantics: "if x < lo { x = lo }" is
//     MAX(lo, x) with lo as the first source (x86 MAX/MIN return the second
//     source when the comparison is false or unordered, so NaN stays NaN),
//     the threshold test is an ordered greater-than, and flush(x) keeps x
//     unless |x| < FlushBelow (an unordered not-less-than keeps NaN).
//   - The COBA kernels' common case (every implementation's, the
//     reference's included) is a neuron whose x0 = NegDtTau*((GL+e)+g),
//     taken without the GMin floor, lies in [-3/4, min(NegDtTau*GMin, -0)]:
//     one unsigned comparison of x0's bits (cobaCommon chooses its bounds
//     once per call). There x0 is the reference's x (the floor cannot move
//     it), and when KEE = -NegDtTau*EE is ±0 (EE = 0 mV, the usual
//     excitatory reversal) the term e*KEE of u is left out: e is finite
//     there, so e*KEE is ±0 and adding it does not change KGLVInf
//     (cobaNoEE). The assembly computes phiPoly's Horner scheme and the
//     division-free update v + u*phi for every lane; a vector with a spike
//     or with an active lane outside the common case (rare: conductances
//     above 150 times the leak at dt/tau_m = 0.005) takes a branch that
//     redoes those lanes as the reference: the floor, every term of u, and
//     for x outside the polynomial's range vinf (VDIVPS) and Exp32 exactly
//     (clamps, rounding by adding and subtracting 1.5*2^23, the polynomial
//     in the same order, 2^k by an integer add into the exponent bits), then
//     the resets and refractory periods. The reference has the same split
//     (its common-case loop stops at such a neuron and hands it to a
//     one-neuron step). The former Go kernel is kept, in the tests
//     only, as a second reference (generic-v0, BenchmarkCobaGeneric).
//   - The LIF kernels read theta only for the threshold test (AVX-512: a
//     load masked to the non-refractory lanes) and write it only on the
//     spike path, for the spiking lanes (a masked store; VMASKMOVPS on
//     AVX2), when ThStep != 0. Its decay is not theirs: a population with
//     ThDecay != 1 runs Decay on theta after the kernel.
//   - The Poisson kernels hash 16 (8) counters at once (Triple32 uses only
//     32-bit multiplies). PoissonDrive does not read the LUT: it counts the
//     thresholds u reaches directly, comparing each vector of u with the
//     thresholds between the counts of u = 2^20 and u = 2^32-2^20-1 (a
//     fixed-length loop, so its branch predicts well), and with the whole
//     table in the rare vector (a lane with probability 2^-11) that has a
//     u outside. This equals the reference for every lut = PoissonLUT(tab)
//     with tab non-decreasing, as rng.PoissonTable makes it.
//   - ScatterAdd and ScatterAddConst are the reference loops in every
//     implementation offered (Impl.ReferenceScatter), so delivery is
//     scalar: AVX-512 gather, add and scatter was slower than the scalar
//     loop on the CPUs measured, with and without conflict detection
//     (VPCONFLICTD), for rows of 80 and 1250 sorted targets (figures in
//     README.md, "Kernels and threads"). That kernel is kept, tested and
//     benchmarked as impl=avx512-gather in BenchmarkScatterAdd, to
//     re-measure on other CPUs, but it is not offered by Implementations.
//   - HebbRow gathers y[idx[k]] (VGATHERDPS), masks synapses kept silent
//     (they are neither read nor written) and clamps as the reference.
//   - AddRow (acc[i] += w[i], or += c) is the scatter of a row whose
//     targets are one contiguous run (all-to-all projections): package
//     synapse delivers such rows with it, one VADDPS per 16 (or 8) lanes,
//     the same single addition per element as the scalar scatter.
//   - PoissonSpikes skips vectors whose thresholds are all 0 (rate 0
//     cannot spike; each lane's number depends on its own index only),
//     advancing the counter: 42 % of the 16-pixel vectors of MNIST.
//
// # Tests
//
// The tests run every kernel of every implementation the CPU has against
// the reference on lengths 0..67 and a few large odd ones, at offsets 0, 1,
// 3 and 7 inside buffers whose guard cells must stay untouched, comparing
// float32 bits and spike lists exactly; the fuzz targets (FuzzLIF,
// FuzzPoisson, FuzzScatter, FuzzDecayHebb, FuzzAddRow) do the same on fuzzer-chosen bit
// patterns (see fuzz_test.go for the treatment of NaN inputs). The
// benchmarks are named Benchmark<Kernel>/impl=<name>/n=<size> and always
// include generic.
package simd

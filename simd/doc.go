// Package simd holds dalesim's hot loops ("kernels") and chooses, once at
// start-up, the fastest implementation the CPU supports.
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
// Use Implementations to list what this CPU can run, Select to choose one
// ("auto" picks the fastest), and Active to see the choice.
package simd

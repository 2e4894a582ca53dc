// Package rng holds dalesim's counter-based random numbers.
//
// Every random number in a simulation is a pure function of (seed, stream,
// counter): nothing depends on the order in which work is done, so a network
// gives the same spikes whatever the number of threads or the SIMD kernel.
// Streams name what the numbers are for (a projection's connectivity, a
// population's Poisson source, ...); counters are row or (step, neuron) indices.
//
// The 64-bit mixer is SplitMix64's finaliser (Steele, Lea & Flood 2014); the
// 32-bit mixer used on per-neuron hot paths is Wellons' "triple32" hash, which
// keeps to 32-bit multiplies so that it vectorises on AVX2 and AVX-512.
package rng

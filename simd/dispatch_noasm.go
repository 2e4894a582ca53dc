//go:build !amd64 || !gc || noasm

package simd

// asmBuild reports whether this build has the assembly implementations: not
// in this one (another architecture, gccgo, or -tags noasm), so impls holds
// only Generic.
const asmBuild = false

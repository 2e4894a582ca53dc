//go:build amd64 && gc && !noasm

package simd

import "math"

// Constants read by the assembly kernels, derived from the Go constants of the
// references so that both always use the same float32 values. Offsets (in
// bytes) are the C_* macros of consts_amd64.h.
var asmConsts = [23]uint32{
	math.Float32bits(expLo),      // 0
	math.Float32bits(expHi),      // 4
	math.Float32bits(log2e),      // 8
	math.Float32bits(ln2Hi),      // 12
	math.Float32bits(ln2Lo),      // 16
	math.Float32bits(roundMag),   // 20
	math.Float32bits(expP0),      // 24
	math.Float32bits(expP1),      // 28
	math.Float32bits(expP2),      // 32
	math.Float32bits(expP3),      // 36
	math.Float32bits(expP4),      // 40
	math.Float32bits(expP5),      // 44
	math.Float32bits(1),          // 48
	0x7fffffff,                   // 52: |x| mask
	math.Float32bits(FlushBelow), // 56: float32(FlushBelow), as flush compares
	0x80000000,                   // 60: sign bit (unsigned compares on AVX2)
	math.Float32bits(phiLo),      // 64: Phi32's polynomial range
	math.Float32bits(phiHi),      // 68
	math.Float32bits(phiC1),      // 72: Phi32's coefficients (C0 = 1 is at 48)
	math.Float32bits(phiC2),      // 76
	math.Float32bits(phiC3),      // 80
	math.Float32bits(phiC4),      // 84
	math.Float32bits(phiC5),      // 88
}

// lanes holds the lane numbers of a 512-bit register of int32.
var lanes = [16]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

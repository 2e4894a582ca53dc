//go:build !linux

package simd

func threadCPU() (int64, bool) { return 0, false }

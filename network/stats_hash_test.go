package network

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// TestFNVSpike: the merged steps of fnvPlan and fnvSpike give the bytewise
// FNV-1a of (step, population, neuron) exactly, for steps, populations and
// neurons with and without zero bytes.
func TestFNVSpike(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	vals := func(bits int) uint64 {
		x := r.Uint64()
		switch r.IntN(4) {
		case 0:
			return 0
		case 1:
			return x & 0xff
		case 2:
			return x & (1<<bits - 1) &^ 0xff00
		}
		return x & (1<<bits - 1)
	}
	for range 20000 {
		step, pop, j := vals(64), uint32(vals(32)), uint32(vals(32))
		h0 := r.Uint64()
		var buf [16]byte
		binary.LittleEndian.PutUint64(buf[:8], step)
		binary.LittleEndian.PutUint32(buf[8:12], pop)
		binary.LittleEndian.PutUint32(buf[12:16], j)
		want := h0
		for _, c := range buf {
			want = (want ^ uint64(c)) * fnvPrime
		}
		var ops [12]fnvOp
		if got := fnvSpike(h0, fnvPlan(buf[:12], ops[:0]), j); got != want {
			t.Fatalf("step %#x pop %#x neuron %#x: %#x, want %#x", step, pop, j, got, want)
		}
	}
}

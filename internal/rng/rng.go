package rng

import (
	"math"
	"math/bits"
	"slices"
)

const golden = 0x9E3779B97F4A7C15

// Mix64 is the SplitMix64 output function: a bijective, well-avalanching hash.
func Mix64(z uint64) uint64 {
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Triple32 is Chris Wellons' triple32 integer hash (a bijection on uint32).
func Triple32(x uint32) uint32 {
	x ^= x >> 17
	x *= 0xed5ad4bb
	x ^= x >> 11
	x *= 0xac4c1b51
	x ^= x >> 15
	x *= 0x31848bab
	x ^= x >> 14
	return x
}

// Key derives the key of a named stream from the run seed and up to two
// integers (for example a projection index and a purpose tag).
func Key(seed uint64, a, b uint64) uint64 {
	return Mix64(Mix64(seed+golden) ^ Mix64(a*golden+0x632BE59BD9B4E019) ^ Mix64(b+0x8CB92BA72F3D8DD7))
}

// At returns the counter-th 64-bit number of the stream with the given key.
func At(key, counter uint64) uint64 { return Mix64(key + (counter+1)*golden) }

// StepKey is the per-step key of a per-neuron stream: the numbers of neuron i
// in that step are Uniform32(StepKey(key, step), i).
func StepKey(key uint64, step int64) uint64 { return At(key, uint64(step)) }

// Uniform32 returns the 32-bit number of neuron i under a per-step key. It is
// the loop body of the Poisson kernels in package simd (which must agree with
// it bit for bit).
func Uniform32(stepKey uint64, i uint32) uint32 {
	return Triple32(Triple32(i+uint32(stepKey)) ^ uint32(stepKey>>32))
}

// Stream is a sequential generator over one key; it implements
// math/rand/v2's Source so that gonum's distributions can draw from it.
type Stream struct {
	key, ctr uint64
}

// NewStream returns the stream with the given key, at counter 0.
func NewStream(key uint64) *Stream { return &Stream{key: key} }

// StreamAt returns the stream with the given key at the given counter: its
// numbers are those that NewStream(key) gives after counter numbers (the
// stream is counter-based, so any position is reached at once). Norm
// consumes two numbers per call, so the n-th normal deviate of a stream
// (from 0) is StreamAt(key, 2*n).Norm().
func StreamAt(key, counter uint64) Stream { return Stream{key: key, ctr: counter} }

// Uint64 returns the next number of the stream.
func (s *Stream) Uint64() uint64 {
	v := At(s.key, s.ctr)
	s.ctr++
	return v
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (s *Stream) Float64() float64 { return float64(s.Uint64()>>11) * (1.0 / (1 << 53)) }

// OpenFloat64 returns a uniform number in (0, 1).
func (s *Stream) OpenFloat64() float64 {
	return (float64(s.Uint64()>>12) + 0.5) * (1.0 / (1 << 52))
}

// Intn returns a uniform integer in [0, n) (Lemire's multiply-shift with rejection).
func (s *Stream) Intn(n int) int {
	if n <= 0 {
		panic("rng: Intn of non-positive n")
	}
	bound := uint64(n)
	for {
		v := s.Uint64()
		hi, lo := bits.Mul64(v, bound)
		if lo >= bound || lo >= (-bound)%bound {
			return int(hi)
		}
	}
}

// AppendIntn appends k numbers drawn as k calls of Intn(n) would draw them
// (the same numbers, and the stream ends at the same counter), with the
// loop written out so that the compiler keeps it in registers: it is the
// inner loop of building a fixed in-degree projection. n must be in
// [1, 2^31].
func (s *Stream) AppendIntn(out []int32, k, n int) []int32 {
	if n <= 0 || n > 1<<31 {
		panic("rng: AppendIntn of n outside [1, 2^31]")
	}
	bound := uint64(n)
	key, ctr := s.key, s.ctr
	start := len(out)
	out = slices.Grow(out, k)[:start+k]
	dst := out[start:]
	for t := range dst {
		ctr++
		hi, lo := bits.Mul64(Mix64(key+ctr*golden), bound)
		if lo < bound {
			for lo < (-bound)%bound { // rejected (rare): next number
				ctr++
				hi, lo = bits.Mul64(Mix64(key+ctr*golden), bound)
			}
		}
		dst[t] = int32(hi)
	}
	s.ctr = ctr
	return out
}

// Norm returns a standard normal deviate (Box–Muller on two uniforms; one
// value per call so that each draw consumes a fixed number of counters).
func (s *Stream) Norm() float64 {
	u1 := s.OpenFloat64()
	u2 := s.Float64()
	return math.Sqrt(-2*math.Log(u1)) * math.Cos(2*math.Pi*u2)
}

// Geometric returns the number of failures before the first success of
// Bernoulli(p) trials, 0 < p <= 1.
func (s *Stream) Geometric(p float64) int {
	if p >= 1 {
		return 0
	}
	return s.GeometricLn(math.Log1p(-p))
}

// GeometricLn is Geometric(p) given lnq = math.Log1p(-p) < 0, for callers
// that draw many with the same p: the same draws, without the logarithm
// of 1-p each time.
func (s *Stream) GeometricLn(lnq float64) int {
	if math.IsInf(lnq, -1) { // p = 1: no draw, as Geometric
		return 0
	}
	g := math.Floor(math.Log(s.OpenFloat64()) / lnq)
	if g > math.MaxInt32 {
		return math.MaxInt32
	}
	return int(g)
}

// PoissonTable returns cumulative thresholds for drawing Poisson(lambda)
// counts from one uniform uint32: the count is the number of entries t with
// u >= t (the entries are increasing). The table stops where the remaining
// tail probability is below 2^-32, so it is exact to the resolution of u.
func PoissonTable(lambda float64) []uint32 {
	if lambda <= 0 {
		return nil
	}
	var t []uint32
	p := math.Exp(-lambda)
	cdf := p
	for k := 1; ; k++ {
		if cdf >= 1-0x1p-33 || k > 1<<16 {
			break
		}
		x := math.Ceil(cdf * 0x1p32)
		if x >= 0x1p32 {
			break
		}
		t = append(t, uint32(x))
		p *= lambda / float64(k)
		cdf += p
	}
	return t
}

package simd

import "math"

// Exp32 constants: Cephes expf (range reduction by ln 2 split in two, degree-6
// minimax polynomial). The kernels' assembly uses the same constants.
const (
	expLo    = -80.0
	expHi    = 80.0
	log2e    = 1.44269504088896341
	ln2Hi    = 0.693359375
	ln2Lo    = -2.12194440e-4
	roundMag = 12582912.0 // 1.5 * 2^23: x + roundMag - roundMag rounds x to an integer (ties to even)
	expP0    = 1.9875691500e-4
	expP1    = 1.3981999507e-3
	expP2    = 8.3334519073e-3
	expP3    = 4.1665795894e-2
	expP4    = 1.6666665459e-1
	expP5    = 5.0000001201e-1
)

// Exp32 is a float32 exponential with a relative error below 2e-7 on
// [-80, 80] (inputs outside are clamped), written so that vector code can
// reproduce it bit for bit:
//
//	x = clamp(x, -80, 80); k = round(x*log2e)
//	r = (x - k*ln2Hi) - k*ln2Lo
//	p = (((((P0*r + P1)*r + P2)*r + P3)*r + P4)*r + P5)
//	y = ((p*(r*r)) + r) + 1
//	return y * 2^k   (by adding k to the exponent bits)
func Exp32(x float32) float32 {
	if x < expLo {
		x = expLo
	}
	if x > expHi {
		x = expHi
	}
	k := (float32(x*log2e) + roundMag) - roundMag
	r := (x - float32(k*ln2Hi)) - float32(k*ln2Lo)
	p := float32(expP0*r) + expP1
	p = float32(p*r) + expP2
	p = float32(p*r) + expP3
	p = float32(p*r) + expP4
	p = float32(p*r) + expP5
	y := (float32(p*float32(r*r)) + r) + 1
	return math.Float32frombits(math.Float32bits(y) + uint32(int32(k))<<23)
}

// phiPoly constants: its range and coefficients (a near-minimax fit of
// (e^x-1)/x on [-3/4, 1/8], degree 5, with C0 = 1 and the others rounded to
// float32 and then adjusted by a few units in the last place to minimise the
// error of the float32 evaluation).
const (
	phiLo = -0.75
	phiHi = 0.125
	phiC0 = 1
	phiC1 = 0.50000066
	phiC2 = 0.16666748
	phiC3 = 0.04162714
	phiC4 = 0.008142483
	phiC5 = 0.0010687406
)

// phiCoef holds C0..C5 for phiPoly: the compiler folds a load from a
// variable into the arithmetic instruction that uses it, but materialises a
// constant in a register first (one more instruction per coefficient).
var phiCoef = [6]float32{phiC0, phiC1, phiC2, phiC3, phiC4, phiC5}

// phiPoly returns phi(x) = (e^x - 1)/x for x in [phiLo, phiHi] = [-3/4, 1/8]
// (phi(0) = 1), the factor of exponential Euler: over a step in which
// dv/dt = a - b*v with a, b constant, v changes by (a - b*v)*dt*phi(-b*dt).
// The polynomial, in this order (vector code reproduces it bit for bit):
//
//	(((((C5*x + C4)*x + C3)*x + C2)*x + C1)*x + C0)
//
// Its error, float32 rounding included, is below 1.6 units in the last place
// for every float32 in the range (checked exhaustively when the coefficients
// were chosen; TestPhiPoly samples it).
func phiPoly(x float32) float32 {
	p := float32(phiCoef[5]*x) + phiCoef[4]
	p = float32(p*x) + phiCoef[3]
	p = float32(p*x) + phiCoef[2]
	p = float32(p*x) + phiCoef[1]
	return float32(p*x) + phiCoef[0]
}

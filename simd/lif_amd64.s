//go:build amd64 && gc && !noasm

#include "textflag.h"
#include "go_asm.h"
#include "consts_amd64.h"

// LIF kernels (CubaGeneric, CobaGeneric, DeltaGeneric in lif_generic.go),
// bit-identical to the references: same operation order, separate multiplies
// and adds, Go's comparison semantics.
//
// All six functions have the Go signature
//	func(c *LIF, s *State, n int, out []int32, base int32) int
// and process neurons [0, n) of s (the Go wrappers check the lengths). The
// AVX-512 versions handle any n (the last vector is masked); the AVX2
// versions need n to be a multiple of 8 (the wrappers run the reference on
// the remainder).
//
// Register use of the AVX-512 kernels:
//	R8 v, R9 ge, R10 gi, R11 inE, R12 inI, R13 theta, BX ref, DI out,
//	SI i, DX spike count, R14 n, AX CX scratch;
//	Z0 v, Z1 ge (CUBA/COBA) or d (delta), Z2 gi, Z3 theta, Z4 ref, Z5 new v,
//	Z6-Z11 temporaries (and Z26 in COBA), Z12-Z19 and Z24-Z25 model constants,
//	Z20 VThresh, Z21 VReset, Z22 NRef, Z23 ThStep, Z27 |x| mask,
//	Z28 FlushBelow, Z29 base+lane, Z30 zero, Z31 int32 -1;
//	K7 lanes in range, K1 refractory, K2 active (in range, not refractory),
//	K3 spiking, K4 K5 scratch, K6 RefInput (delta).
//
// Theta is loaded for the active lanes only and stored only on the (rare)
// spike path, for the spiking lanes, when ThStep != 0 (its bits shifted left
// by one are not zero: ±0 leave theta alone, as the references do).

// flush: x = 0 where |x| < FlushBelow (NaN kept), as flush().
#define FLUSH512(x, tmp, k) \
	VPANDD     Z27, x, tmp; \
	VCMPPS     $CMP_NLT_UQ, Z28, tmp, k; \
	VMOVAPS.Z  x, k, x

// Common prologue: pointers, constants shared by the three models, counters.
#define PROLOGUE512 \
	MOVQ         c+0(FP), AX; \
	MOVQ         s+8(FP), SI; \
	MOVQ         n+16(FP), R14; \
	MOVQ         out_base+24(FP), DI; \
	MOVQ         State_V(SI), R8; \
	MOVQ         State_InE(SI), R11; \
	MOVQ         State_InI(SI), R12; \
	MOVQ         State_Theta(SI), R13; \
	MOVQ         State_Ref(SI), BX; \
	VBROADCASTSS LIF_VThresh(AX), Z20; \
	VBROADCASTSS LIF_VReset(AX), Z21; \
	VPBROADCASTD LIF_NRef(AX), Z22; \
	VBROADCASTSS LIF_ThStep(AX), Z23; \
	VPBROADCASTD ·asmConsts+C_ABS(SB), Z27; \
	VPBROADCASTD ·asmConsts+C_FLUSH(SB), Z28; \
	MOVL         base+48(FP), CX; \
	VPBROADCASTD CX, Z29; \
	VPADDD       ·lanes(SB), Z29, Z29; \
	VPXORD       Z30, Z30, Z30; \
	VPTERNLOGD   $0xff, Z31, Z31, Z31; \
	MOVL         $0xffff, CX; \
	KMOVW        CX, K7; \
	XORQ         SI, SI; \
	XORQ         DX, DX

// Loop head: leaves when i >= n; for the last, partial vector sets K7 to
// its lanes.
#define LOOPHEAD512(done, body) \
	MOVQ  R14, CX; \
	SUBQ  SI, CX; \
	JLE   done; \
	CMPQ  CX, $16; \
	JAE   body; \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX; \
	KMOVW AX, K7

// Loads of ref, v and (active lanes) theta; K1 = refractory, K2 = active.
#define LOADSTATE512 \
	VMOVDQU32.Z (BX)(SI*4), K7, Z4; \
	VMOVUPS.Z   (R8)(SI*4), K7, Z0; \
	VPCMPGTD    Z30, Z4, K7, K1; \
	KANDNW      K7, K1, K2; \
	VMOVUPS.Z   (R13)(SI*4), K2, Z3

// Threshold test on the new v in Z5 for the active lanes, reset, refractory
// counter; stores v and ref.
#define THRESH512 \
	VADDPS    Z3, Z20, Z6; \
	VCMPPS    $CMP_GT_OQ, Z6, Z5, K2, K3; \
	VMOVAPS   Z21, K3, Z5; \
	VMOVAPS   Z5, K2, Z0; \
	VMOVUPS   Z0, K7, (R8)(SI*4); \
	VPADDD    Z31, Z4, K1, Z4; \
	VMOVDQA32 Z22, K3, Z4; \
	VMOVDQU32 Z4, K7, (BX)(SI*4)

// Spike path, after SPIKES512: jumps to next when ThStep == ±0, else
// stores theta + ThStep for the spiking lanes and jumps to next.
#define THSTEP512(next) \
	MOVQ    c+0(FP), CX; \
	MOVL    LIF_ThStep(CX), CX; \
	SHLL    $1, CX; \
	JZ      next; \
	VADDPS  Z23, Z3, Z6; \
	VMOVUPS Z6, K3, (R13)(SI*4); \
	JMP     next

// Appends base+i+lane for each lane of K3 to out (ascending), DX += count.
#define SPIKES512 \
	VPBROADCASTD SI, Z6; \
	VPADDD       Z29, Z6, Z6; \
	VPCOMPRESSD  Z6, K3, Z7; \
	KMOVW        K3, AX; \
	POPCNTL      AX, CX; \
	MOVL         $1, AX; \
	SHLL         CX, AX; \
	DECL         AX; \
	KMOVW        AX, K4; \
	VMOVDQU32    Z7, K4, (DI)(DX*4); \
	ADDQ         CX, DX

// e = ge+inE, g = gi+inI (Z1, Z2); inE = inI = 0.
#define INPUTS512 \
	VMOVUPS.Z (R9)(SI*4), K7, Z1; \
	VMOVUPS.Z (R11)(SI*4), K7, Z6; \
	VADDPS    Z6, Z1, Z1; \
	VMOVUPS.Z (R10)(SI*4), K7, Z2; \
	VMOVUPS.Z (R12)(SI*4), K7, Z7; \
	VADDPS    Z7, Z2, Z2; \
	VMOVUPS   Z30, K7, (R11)(SI*4); \
	VMOVUPS   Z30, K7, (R12)(SI*4)

// ge = flush(e*PE), gi = flush(g*PI), stored (PE in Z24, PI in Z25).
#define SYNDECAY512 \
	VMULPS  Z24, Z1, Z1; \
	FLUSH512(Z1, Z6, K4); \
	VMOVUPS Z1, K7, (R9)(SI*4); \
	VMULPS  Z25, Z2, Z2; \
	FLUSH512(Z2, Z6, K4); \
	VMOVUPS Z2, K7, (R10)(SI*4)

// func cubaAVX512(c *LIF, s *State, n int, out []int32, base int32) int
TEXT ·cubaAVX512(SB), NOSPLIT, $0-64
	PROLOGUE512
	MOVQ         s+8(FP), CX
	MOVQ         State_GE(CX), R9
	MOVQ         State_GI(CX), R10
	VBROADCASTSS LIF_VInf(AX), Z16
	VBROADCASTSS LIF_PV(AX), Z17
	VBROADCASTSS LIF_KE(AX), Z18
	VBROADCASTSS LIF_KI(AX), Z19
	VBROADCASTSS LIF_PE(AX), Z24
	VBROADCASTSS LIF_PI(AX), Z25

cuba512loop:
	LOOPHEAD512(cuba512done, cuba512body)

cuba512body:
	INPUTS512
	LOADSTATE512

	// x = ((VInf + PV*(v-VInf)) + KE*e) - KI*g
	VSUBPS Z16, Z0, Z5
	VMULPS Z5, Z17, Z5
	VADDPS Z5, Z16, Z5
	VMULPS Z1, Z18, Z6
	VADDPS Z6, Z5, Z5
	VMULPS Z2, Z19, Z6
	VSUBPS Z6, Z5, Z5

	THRESH512
	SYNDECAY512
	KORTESTW K3, K3
	JNZ      cuba512spikes

cuba512next:
	ADDQ $16, SI
	JMP  cuba512loop

cuba512spikes:
	SPIKES512
	THSTEP512(cuba512next)

cuba512done:
	MOVQ DX, ret+56(FP)
	VZEROUPPER
	RET

// func cobaAVX512(c *LIF, s *State, n int, out []int32, base int32, xLo, xWidth uint32, noEE bool) int
//
// K = -NegDtTau (sign flipped), KGLVInf, KEE, KEI = K*GLVInf, K*EE, K*EI.
//
// The common case takes x0 = NegDtTau*((GL + e) + g), without the GMin
// floor: a lane is common when the bits of x0, minus xLo, are at most
// xWidth (unsigned), which the wrapper chooses so that x0 is then in
// [-3/4, -0] and equals the reference's x (see cobaAVX512Go). With noEE
// (KEE = ±0, KGLVInf finite and nonzero) u drops the term e*KEE, which is
// ±0 in a common lane (e is finite there) and does not change KGLVInf.
// Every other active lane (rare) takes the slow path, which computes the
// whole vector as the reference: the floor, the polynomial with every term,
// the exponential for x outside [phiLo, phiHi]. Spikes also take the slow
// path, so the common path stores v for the active lanes, the decremented
// refractory counters and the conductances, and tests one mask.
TEXT ·cobaAVX512(SB), NOSPLIT, $0-72
	PROLOGUE512
	MOVQ         s+8(FP), CX
	MOVQ         State_GE(CX), R9
	MOVQ         State_GI(CX), R10
	VBROADCASTSS LIF_GL(AX), Z16
	VBROADCASTSS LIF_GMin(AX), Z17
	VBROADCASTSS LIF_NegDtTau(AX), Z14
	VPXORD.BCST  ·asmConsts+C_SIGN(SB), Z14, Z6
	VMULPS.BCST  LIF_GLVInf(AX), Z6, Z18
	VMULPS.BCST  LIF_EE(AX), Z6, Z19
	VMULPS.BCST  LIF_EI(AX), Z6, Z15
	VBROADCASTSS LIF_PE(AX), Z24
	VBROADCASTSS LIF_PI(AX), Z25
	MOVL         xLo+52(FP), CX
	VPBROADCASTD CX, Z12
	MOVL         xWidth+56(FP), CX
	VPBROADCASTD CX, Z13

coba512loop:
	LOOPHEAD512(coba512done, coba512body)

coba512body:
	INPUTS512

	// ref, v, theta (active lanes); K2 = active lanes (in range, ref <= 0).
	// K1 (refractory) is computed only on the slow path.
	VMOVDQU32.Z (BX)(SI*4), K7, Z4
	VMOVUPS.Z   (R8)(SI*4), K7, Z0
	VPCMPD      $ICMP_LE, Z30, Z4, K7, K2
	VMOVUPS.Z   (R13)(SI*4), K2, Z3

	// x0 = NegDtTau*((GL + e) + g); K5 = active lanes that are not common
	VADDPS   Z1, Z16, Z6
	VADDPS   Z2, Z6, Z6
	VMULPS   Z6, Z14, Z8
	VPSUBD   Z12, Z8, Z10
	VPCMPUD  $ICMP_NLE, Z13, Z10, K2, K5

	// ph = (((((C5*x + C4)*x + C3)*x + C2)*x + C1)*x + 1
	VMULPS.BCST ·asmConsts+C_PHI5(SB), Z8, Z9
	VADDPS.BCST ·asmConsts+C_PHI4(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI3(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI2(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI1(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_ONE(SB), Z9, Z9

	// new v = v + u*ph, u = ((KGLVInf + e*KEE) + g*KEI) + x*v
	// (noEE: u = (KGLVInf + g*KEI) + x*v)
	CMPB   noEE+60(FP), $0
	JNE    coba512noEE
	VMULPS Z19, Z1, Z7
	VADDPS Z7, Z18, Z7
	VMULPS Z15, Z2, Z10
	VADDPS Z10, Z7, Z7
	JMP    coba512u

coba512noEE:
	VMULPS Z15, Z2, Z7
	VADDPS Z7, Z18, Z7

coba512u:
	VMULPS Z0, Z8, Z10
	VADDPS Z10, Z7, Z7
	VMULPS Z9, Z7, Z7
	VADDPS Z7, Z0, Z5

	// K3 = spiking lanes; the slow path for a spike or a rare lane
	VADDPS   Z3, Z20, Z6
	VCMPPS   $CMP_GT_OQ, Z6, Z5, K2, K3
	KORTESTW K3, K5
	JNZ      coba512slow
	VMOVUPS  Z5, K2, (R8)(SI*4)

	// ref-1 stored for the lanes in range, then ref again for the active
	// ones (one comparison fewer than a mask of the refractory lanes)
	VPADDD    Z31, Z4, Z9
	VMOVDQU32 Z9, K7, (BX)(SI*4)
	VMOVDQU32 Z4, K2, (BX)(SI*4)
	SYNDECAY512

coba512next:
	ADDQ $16, SI
	LEAQ 16(SI), CX
	CMPQ CX, R14
	JLE  coba512body
	JMP  coba512loop

coba512slow:
	KANDNW K7, K2, K1
	KTESTW K5, K5
	JZ     coba512thresh

	// The lanes of K5, as the reference: G = max((GL + e) + g, GMin)
	// (MAX with GMin as the first source) in Z6, x = NegDtTau*G in Z8,
	// and the polynomial with every term of u merged into Z5.
	VADDPS      Z1, Z16, Z6
	VADDPS      Z2, Z6, Z6
	VMAXPS      Z6, Z17, Z6
	VMULPS      Z6, Z14, Z8
	VMULPS.BCST ·asmConsts+C_PHI5(SB), Z8, Z9
	VADDPS.BCST ·asmConsts+C_PHI4(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI3(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI2(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_PHI1(SB), Z9, Z9
	VMULPS      Z8, Z9, Z9
	VADDPS.BCST ·asmConsts+C_ONE(SB), Z9, Z9
	VMULPS      Z19, Z1, Z7
	VADDPS      Z7, Z18, Z7
	VMULPS      Z15, Z2, Z10
	VADDPS      Z10, Z7, Z7
	VMULPS      Z0, Z8, Z10
	VADDPS      Z10, Z7, Z7
	VMULPS      Z9, Z7, Z7
	VADDPS      Z7, Z0, K5, Z5

	// K5 = its lanes with x outside [phiLo, phiHi] (or NaN)
	VCMPPS.BCST $CMP_GE_OQ, ·asmConsts+C_PHILO(SB), Z8, K5, K4
	VCMPPS.BCST $CMP_LE_OQ, ·asmConsts+C_PHIHI(SB), Z8, K4, K4
	KANDNW      K5, K4, K5
	KTESTW      K5, K5
	JZ          coba512thresh

	// the lanes of K5: new v = vinf + (v - vinf)*Exp32(x),
	// vinf = ((GLVInf + e*EE) + g*EI) / G (Z26).
	// Exp32: a = clamp(x, expLo, expHi) (MAX/MIN with the bound as the
	// first source, so NaN stays NaN); kf = (a*log2e + roundMag) - roundMag;
	// r = (a - kf*ln2Hi) - kf*ln2Lo; p = ((((P0*r + P1)*r + P2)*r + P3)*r + P4)*r + P5;
	// y = (p*(r*r) + r) + 1; Exp32 = y * 2^kf (integer add to the exponent)
	MOVQ         c+0(FP), CX
	VMULPS.BCST  LIF_EE(CX), Z1, Z26
	VADDPS.BCST  LIF_GLVInf(CX), Z26, Z26
	VMULPS.BCST  LIF_EI(CX), Z2, Z7
	VADDPS       Z7, Z26, Z26
	VDIVPS       Z6, Z26, Z26
	VBROADCASTSS ·asmConsts+C_EXPLO(SB), Z6
	VMAXPS       Z8, Z6, Z6
	VBROADCASTSS ·asmConsts+C_EXPHI(SB), Z7
	VMINPS       Z6, Z7, Z6
	VMULPS.BCST  ·asmConsts+C_LOG2E(SB), Z6, Z7
	VADDPS.BCST  ·asmConsts+C_ROUND(SB), Z7, Z7
	VSUBPS.BCST  ·asmConsts+C_ROUND(SB), Z7, Z7
	VMULPS.BCST  ·asmConsts+C_LN2HI(SB), Z7, Z10
	VSUBPS       Z10, Z6, Z10
	VMULPS.BCST  ·asmConsts+C_LN2LO(SB), Z7, Z9
	VSUBPS       Z9, Z10, Z10
	VMULPS.BCST  ·asmConsts+C_P0(SB), Z10, Z11
	VADDPS.BCST  ·asmConsts+C_P1(SB), Z11, Z11
	VMULPS       Z10, Z11, Z11
	VADDPS.BCST  ·asmConsts+C_P2(SB), Z11, Z11
	VMULPS       Z10, Z11, Z11
	VADDPS.BCST  ·asmConsts+C_P3(SB), Z11, Z11
	VMULPS       Z10, Z11, Z11
	VADDPS.BCST  ·asmConsts+C_P4(SB), Z11, Z11
	VMULPS       Z10, Z11, Z11
	VADDPS.BCST  ·asmConsts+C_P5(SB), Z11, Z11
	VMULPS       Z10, Z10, Z9
	VMULPS       Z9, Z11, Z11
	VADDPS       Z10, Z11, Z11
	VADDPS.BCST  ·asmConsts+C_ONE(SB), Z11, Z11
	VCVTTPS2DQ   Z7, Z7
	VPSLLD       $23, Z7, Z7
	VPADDD       Z7, Z11, Z11
	VSUBPS       Z26, Z0, Z9
	VMULPS       Z11, Z9, Z9
	VADDPS       Z9, Z26, K5, Z5

coba512thresh:
	// (THRESH512 computes K3 again, from the final v)
	THRESH512
	SYNDECAY512
	KORTESTW K3, K3
	JZ       coba512next
	SPIKES512
	THSTEP512(coba512next)

coba512done:
	MOVQ DX, ret+64(FP)
	VZEROUPPER
	RET

// func deltaAVX512(c *LIF, s *State, n int, out []int32, base int32) int
TEXT ·deltaAVX512(SB), NOSPLIT, $0-64
	PROLOGUE512
	VBROADCASTSS LIF_VInf(AX), Z16
	VBROADCASTSS LIF_PV(AX), Z17
	MOVBLZX      LIF_RefInput(AX), CX
	NEGL         CX
	KMOVW        CX, K6

delta512loop:
	LOOPHEAD512(delta512done, delta512body)

delta512body:
	// d = inE - inI; inE = inI = 0
	VMOVUPS.Z (R11)(SI*4), K7, Z1
	VMOVUPS.Z (R12)(SI*4), K7, Z2
	VSUBPS    Z2, Z1, Z1
	VMOVUPS   Z30, K7, (R11)(SI*4)
	VMOVUPS   Z30, K7, (R12)(SI*4)
	LOADSTATE512

	// x = VInf + PV*((v+d) - VInf); refractory with RefInput: v += d
	VADDPS  Z1, Z0, Z7
	VSUBPS  Z16, Z7, Z5
	VMULPS  Z5, Z17, Z5
	VADDPS  Z5, Z16, Z5
	KANDW   K1, K6, K5
	VMOVAPS Z7, K5, Z0

	THRESH512
	KORTESTW K3, K3
	JNZ      delta512spikes

delta512next:
	ADDQ $16, SI
	JMP  delta512loop

delta512spikes:
	SPIKES512
	THSTEP512(delta512next)

delta512done:
	MOVQ DX, ret+56(FP)
	VZEROUPPER
	RET

// AVX2 kernels. Model constants are broadcast once into the frame (S_*
// offsets from the hardware SP); Y15 is zero. Registers:
//	R8 v, R9 ge, R10 gi, R11 inE, R12 inI, R13 theta, BX ref, DI out,
//	SI i, DX spike count, R14 n, AX CX scratch;
//	Y0 v, Y1 ge or d, Y2 gi, Y3 theta, Y4 ref, Y5 refractory mask,
//	Y6 new v, Y7 spike mask, Y8-Y13 temporaries, Y14 GMin (COBA).
// Theta is stored only on the spike path, for the spiking lanes
// (VMASKMOVPS), when ThStep != 0.

#define S_VINF 0
#define S_PV 32
#define S_KE 64
#define S_KI 96
#define S_VTH 128
#define S_VRESET 160
#define S_NREF 192
#define S_THSTEP 224
#define S_PE 256
#define S_PI 288
#define S_ABS 320
#define S_FLUSH 352
#define S_GL 384
#define S_KGLVINF 416
#define S_KEE 448
#define S_KEI 480
#define S_NEGDT 512
#define S_LOG2E 544
#define S_ROUND 576
#define S_LN2HI 608
#define S_LN2LO 640
#define S_P0 672
#define S_P1 704
#define S_P2 736
#define S_P3 768
#define S_P4 800
#define S_P5 832
#define S_ONE 864
#define S_REFIN 896
#define S_PHILO 928
#define S_PHIHI 960
#define S_PHI1 992
#define S_PHI2 1024
#define S_PHI3 1056
#define S_PHI4 1088
#define S_PHI5 1120
#define S_EXPLO 1152
#define S_EXPHI 1184
#define S_GLVINF 1216
#define S_EE 1248
#define S_EI 1280
#define S_XLO 1312
#define S_XHI 1344
#define S_GMIN 1376
// The frame is 1312 bytes (1408 for cobaAVX2) (written as a literal in the TEXT lines: go vet
// reads them without expanding macros).

// Broadcasts the 4-byte value at mem into the frame slot at off.
#define SLOT(mem, off) \
	VBROADCASTSS mem, Y8; \
	VMOVUPS      Y8, off(SP)

#define FLUSH2(x, tmp) \
	VANDPS S_ABS(SP), x, tmp; \
	VCMPPS $CMP_NLT_UQ, S_FLUSH(SP), tmp, tmp; \
	VANDPS tmp, x, x

#define PROLOGUE2 \
	MOVQ    c+0(FP), AX; \
	MOVQ    s+8(FP), SI; \
	MOVQ    n+16(FP), R14; \
	MOVQ    out_base+24(FP), DI; \
	MOVQ    State_V(SI), R8; \
	MOVQ    State_InE(SI), R11; \
	MOVQ    State_InI(SI), R12; \
	MOVQ    State_Theta(SI), R13; \
	MOVQ    State_Ref(SI), BX; \
	SLOT(LIF_VThresh(AX), S_VTH); \
	SLOT(LIF_VReset(AX), S_VRESET); \
	SLOT(LIF_NRef(AX), S_NREF); \
	SLOT(LIF_ThStep(AX), S_THSTEP); \
	SLOT(·asmConsts+C_ABS(SB), S_ABS); \
	SLOT(·asmConsts+C_FLUSH(SB), S_FLUSH); \
	VPXOR   Y15, Y15, Y15; \
	XORQ    SI, SI; \
	XORQ    DX, DX

#define LOADSTATE2 \
	VMOVUPS  (R13)(SI*4), Y3; \
	VMOVDQU  (BX)(SI*4), Y4; \
	VPCMPGTD Y15, Y4, Y5; \
	VMOVUPS  (R8)(SI*4), Y0

// Threshold test of the new v in Y6 (active lanes): Y7 = spike mask, AX its
// bits (flags set by TESTL: the caller branches to the spike path, which
// is rare), refractory counters decremented.
#define THRESHCMP2 \
	VADDPS    S_VTH(SP), Y3, Y7; \
	VCMPPS    $CMP_GT_OQ, Y7, Y6, Y7; \
	VPANDN    Y7, Y5, Y7; \
	VPADDD    Y5, Y4, Y4; \
	VMOVMSKPS Y7, AX; \
	TESTL     AX, AX

// Spike path: reset and refractory period of the lanes of Y7; when ThStep
// != ±0, theta + ThStep stored for those lanes (else a jump to skip).
#define SPIKED2(skip) \
	VBLENDVPS  Y7, S_VRESET(SP), Y6, Y6; \
	VBLENDVPS  Y7, S_NREF(SP), Y4, Y4; \
	MOVQ       c+0(FP), CX; \
	MOVL       LIF_ThStep(CX), CX; \
	SHLL       $1, CX; \
	JZ         skip; \
	VADDPS     S_THSTEP(SP), Y3, Y8; \
	VMASKMOVPS Y8, Y7, (R13)(SI*4)

// v = refractory ? v : new v; stores v and ref.
#define STOREVREF2 \
	VBLENDVPS Y5, Y0, Y6, Y0; \
	VMOVUPS   Y0, (R8)(SI*4); \
	VMOVDQU   Y4, (BX)(SI*4)

#define INPUTS2 \
	VMOVUPS (R9)(SI*4), Y1; \
	VADDPS  (R11)(SI*4), Y1, Y1; \
	VMOVUPS (R10)(SI*4), Y2; \
	VADDPS  (R12)(SI*4), Y2, Y2; \
	VMOVUPS Y15, (R11)(SI*4); \
	VMOVUPS Y15, (R12)(SI*4)

#define SYNDECAY2 \
	VMULPS  S_PE(SP), Y1, Y1; \
	FLUSH2(Y1, Y8); \
	VMOVUPS Y1, (R9)(SI*4); \
	VMULPS  S_PI(SP), Y2, Y2; \
	FLUSH2(Y2, Y8); \
	VMOVUPS Y2, (R10)(SI*4)

// Appends base+i+lane for each set bit of AX (nonzero) to out, ascending.
#define SPIKES2(again) \
	BSFL  AX, CX; \
	ADDL  SI, CX; \
	ADDL  base+48(FP), CX; \
	MOVL  CX, (DI)(DX*4); \
	INCQ  DX; \
	LEAL  -1(AX), CX; \
	ANDL  CX, AX; \
	JNZ   again

// cobaAVX2's constants kept in registers.
#define COBA2CONSTS \
	VMOVUPS S_NEGDT(SP), Y12; \
	VMOVUPS S_ABS(SP), Y13; \
	VMOVUPS S_FLUSH(SP), Y14

// SYNDECAY2 with the |x| mask in Y13 and FlushBelow in Y14.
#define SYNDECAY2R \
	VMULPS  S_PE(SP), Y1, Y1; \
	VANDPS  Y13, Y1, Y8; \
	VCMPPS  $CMP_NLT_UQ, Y14, Y8, Y8; \
	VANDPS  Y8, Y1, Y1; \
	VMOVUPS Y1, (R9)(SI*4); \
	VMULPS  S_PI(SP), Y2, Y2; \
	VANDPS  Y13, Y2, Y8; \
	VCMPPS  $CMP_NLT_UQ, Y14, Y8, Y8; \
	VANDPS  Y8, Y2, Y2; \
	VMOVUPS Y2, (R10)(SI*4)

// func cubaAVX2(c *LIF, s *State, n int, out []int32, base int32) int
TEXT ·cubaAVX2(SB), $1312-64
	PROLOGUE2
	MOVQ s+8(FP), CX
	MOVQ State_GE(CX), R9
	MOVQ State_GI(CX), R10
	SLOT(LIF_VInf(AX), S_VINF)
	SLOT(LIF_PV(AX), S_PV)
	SLOT(LIF_KE(AX), S_KE)
	SLOT(LIF_KI(AX), S_KI)
	SLOT(LIF_PE(AX), S_PE)
	SLOT(LIF_PI(AX), S_PI)

	TESTQ R14, R14
	JZ    cuba2done

cuba2loop:
	INPUTS2
	LOADSTATE2

	// x = ((VInf + PV*(v-VInf)) + KE*e) - KI*g
	VSUBPS S_VINF(SP), Y0, Y6
	VMULPS S_PV(SP), Y6, Y6
	VADDPS S_VINF(SP), Y6, Y6
	VMULPS S_KE(SP), Y1, Y8
	VADDPS Y8, Y6, Y6
	VMULPS S_KI(SP), Y2, Y8
	VSUBPS Y8, Y6, Y6

	THRESHCMP2
	JNZ cuba2spikes

cuba2resume:
	STOREVREF2
	SYNDECAY2
	ADDQ $8, SI
	CMPQ SI, R14
	JLT  cuba2loop
	JMP  cuba2done

cuba2spikes:
	SPIKED2(cuba2spikeloop)

cuba2spikeloop:
	SPIKES2(cuba2spikeloop)
	JMP cuba2resume

cuba2done:
	MOVQ DX, ret+56(FP)
	VZEROUPPER
	RET

// func cobaAVX2(c *LIF, s *State, n int, out []int32, base int32, xLo, xWidth uint32, noEE bool) int
//
// K = -NegDtTau (sign flipped), KGLVInf, KEE, KEI = K*GLVInf, K*EE, K*EI.
// The common case and the slow path are those of cobaAVX512; the range
// test of x0's bits is one signed comparison of bits - (xLo - 2^31) with
// 2^31 + xWidth (S_XLO, S_XHI), which is the unsigned bits - xLo > xWidth.
TEXT ·cobaAVX2(SB), $1408-72
	PROLOGUE2
	MOVQ         s+8(FP), CX
	MOVQ         State_GE(CX), R9
	MOVQ         State_GI(CX), R10
	SLOT(LIF_GL(AX), S_GL)
	SLOT(LIF_NegDtTau(AX), S_NEGDT)
	SLOT(LIF_GLVInf(AX), S_GLVINF)
	SLOT(LIF_EE(AX), S_EE)
	SLOT(LIF_EI(AX), S_EI)
	VBROADCASTSS ·asmConsts+C_SIGN(SB), Y9
	VXORPS       S_NEGDT(SP), Y9, Y9
	VMULPS       S_GLVINF(SP), Y9, Y8
	VMOVUPS      Y8, S_KGLVINF(SP)
	VMULPS       S_EE(SP), Y9, Y8
	VMOVUPS      Y8, S_KEE(SP)
	VMULPS       S_EI(SP), Y9, Y8
	VMOVUPS      Y8, S_KEI(SP)
	SLOT(LIF_PE(AX), S_PE)
	SLOT(LIF_PI(AX), S_PI)
	SLOT(·asmConsts+C_PHILO(SB), S_PHILO)
	SLOT(·asmConsts+C_PHIHI(SB), S_PHIHI)
	SLOT(·asmConsts+C_PHI1(SB), S_PHI1)
	SLOT(·asmConsts+C_PHI2(SB), S_PHI2)
	SLOT(·asmConsts+C_PHI3(SB), S_PHI3)
	SLOT(·asmConsts+C_PHI4(SB), S_PHI4)
	SLOT(·asmConsts+C_PHI5(SB), S_PHI5)
	SLOT(·asmConsts+C_EXPLO(SB), S_EXPLO)
	SLOT(·asmConsts+C_EXPHI(SB), S_EXPHI)
	SLOT(·asmConsts+C_LOG2E(SB), S_LOG2E)
	SLOT(·asmConsts+C_ROUND(SB), S_ROUND)
	SLOT(·asmConsts+C_LN2HI(SB), S_LN2HI)
	SLOT(·asmConsts+C_LN2LO(SB), S_LN2LO)
	SLOT(·asmConsts+C_P0(SB), S_P0)
	SLOT(·asmConsts+C_P1(SB), S_P1)
	SLOT(·asmConsts+C_P2(SB), S_P2)
	SLOT(·asmConsts+C_P3(SB), S_P3)
	SLOT(·asmConsts+C_P4(SB), S_P4)
	SLOT(·asmConsts+C_P5(SB), S_P5)
	SLOT(·asmConsts+C_ONE(SB), S_ONE)
	SLOT(LIF_GMin(AX), S_GMIN)
	MOVL         xLo+52(FP), CX
	SUBL         $0x80000000, CX
	MOVL         CX, S_XLO(SP)
	VPBROADCASTD S_XLO(SP), Y8
	VMOVDQU      Y8, S_XLO(SP)
	MOVL         xWidth+56(FP), CX
	ADDL         $0x80000000, CX
	MOVL         CX, S_XHI(SP)
	VPBROADCASTD S_XHI(SP), Y8
	VMOVDQU      Y8, S_XHI(SP)

	COBA2CONSTS

	TESTQ R14, R14
	JZ    coba2done

coba2loop:
	INPUTS2
	LOADSTATE2

	// x0 = NegDtTau*((GL + e) + g); Y9 = active lanes that are not common
	VADDPS   S_GL(SP), Y1, Y11
	VADDPS   Y2, Y11, Y11
	VMULPS   Y12, Y11, Y8
	VPSUBD   S_XLO(SP), Y8, Y9
	VPCMPGTD S_XHI(SP), Y9, Y9
	VPANDN   Y9, Y5, Y9

	// ph = (((((C5*x + C4)*x + C3)*x + C2)*x + C1)*x + 1
	VMULPS S_PHI5(SP), Y8, Y10
	VADDPS S_PHI4(SP), Y10, Y10
	VMULPS Y8, Y10, Y10
	VADDPS S_PHI3(SP), Y10, Y10
	VMULPS Y8, Y10, Y10
	VADDPS S_PHI2(SP), Y10, Y10
	VMULPS Y8, Y10, Y10
	VADDPS S_PHI1(SP), Y10, Y10
	VMULPS Y8, Y10, Y10
	VADDPS S_ONE(SP), Y10, Y10

	// new v = v + u*ph, u = ((KGLVInf + e*KEE) + g*KEI) + x*v
	// (noEE: u = (KGLVInf + g*KEI) + x*v)
	CMPB   noEE+60(FP), $0
	JNE    coba2noEE
	VMULPS S_KEE(SP), Y1, Y6
	VADDPS S_KGLVINF(SP), Y6, Y6
	VMULPS S_KEI(SP), Y2, Y7
	VADDPS Y7, Y6, Y6
	JMP    coba2u

coba2noEE:
	VMULPS S_KEI(SP), Y2, Y6
	VADDPS S_KGLVINF(SP), Y6, Y6

coba2u:
	VMULPS Y0, Y8, Y7
	VADDPS Y7, Y6, Y6
	VMULPS Y10, Y6, Y6
	VADDPS Y6, Y0, Y6

	// Y7 = spiking lanes; the slow path for a spike or a rare lane
	VADDPS    S_VTH(SP), Y3, Y7
	VCMPPS    $CMP_GT_OQ, Y7, Y6, Y7
	VPANDN    Y7, Y5, Y7
	VPOR      Y9, Y7, Y11
	VMOVMSKPS Y11, AX
	TESTL     AX, AX
	JNZ       coba2slow

coba2resume:
	VPADDD Y5, Y4, Y4
	STOREVREF2
	SYNDECAY2R
	ADDQ   $8, SI
	CMPQ   SI, R14
	JLT    coba2loop
	JMP    coba2done

coba2slow:
	VPTEST Y9, Y9
	JZ     coba2spikes

	// The lanes of Y9, as the reference: G = max((GL + e) + g, GMin) (MAX
	// with GMin as the first source) in Y12, x = NegDtTau*G in Y8, the
	// polynomial with every term of u blended into Y6.
	VMOVUPS   S_GMIN(SP), Y13
	VADDPS    S_GL(SP), Y1, Y12
	VADDPS    Y2, Y12, Y12
	VMAXPS    Y12, Y13, Y12
	VMULPS    S_NEGDT(SP), Y12, Y8
	VMULPS    S_PHI5(SP), Y8, Y10
	VADDPS    S_PHI4(SP), Y10, Y10
	VMULPS    Y8, Y10, Y10
	VADDPS    S_PHI3(SP), Y10, Y10
	VMULPS    Y8, Y10, Y10
	VADDPS    S_PHI2(SP), Y10, Y10
	VMULPS    Y8, Y10, Y10
	VADDPS    S_PHI1(SP), Y10, Y10
	VMULPS    Y8, Y10, Y10
	VADDPS    S_ONE(SP), Y10, Y10
	VMULPS    S_KEE(SP), Y1, Y11
	VADDPS    S_KGLVINF(SP), Y11, Y11
	VMULPS    S_KEI(SP), Y2, Y7
	VADDPS    Y7, Y11, Y11
	VMULPS    Y0, Y8, Y7
	VADDPS    Y7, Y11, Y11
	VMULPS    Y10, Y11, Y11
	VADDPS    Y11, Y0, Y11
	VBLENDVPS Y9, Y11, Y6, Y6

	// Y9 = its lanes with x outside [phiLo, phiHi] (or NaN)
	VCMPPS $CMP_NGE_UQ, S_PHILO(SP), Y8, Y10
	VCMPPS $CMP_NLE_UQ, S_PHIHI(SP), Y8, Y11
	VORPS  Y11, Y10, Y10
	VPAND  Y10, Y9, Y9
	VPTEST Y9, Y9
	JZ     coba2rethresh

	// the lanes of Y9: new v = vinf + (v - vinf)*Exp32(x),
	// vinf = ((GLVInf + e*EE) + g*EI) / G (Y7); Exp32 as in the AVX-512
	// kernel (the clamps take the bound as the first source).
	// the lanes of Y9: new v = vinf + (v - vinf)*Exp32(x),
	// vinf = ((GLVInf + e*EE) + g*EI) / G (Y7); Exp32 as in the AVX-512
	// kernel (the clamps take the bound as the first source).
	VMULPS     S_EE(SP), Y1, Y7
	VADDPS     S_GLVINF(SP), Y7, Y7
	VMULPS     S_EI(SP), Y2, Y11
	VADDPS     Y11, Y7, Y7
	VDIVPS     Y12, Y7, Y7
	VMOVUPS    S_EXPLO(SP), Y11
	VMAXPS     Y8, Y11, Y11
	VMOVUPS    S_EXPHI(SP), Y12
	VMINPS     Y11, Y12, Y11
	VMULPS     S_LOG2E(SP), Y11, Y12
	VADDPS     S_ROUND(SP), Y12, Y12
	VSUBPS     S_ROUND(SP), Y12, Y12
	VMULPS     S_LN2HI(SP), Y12, Y13
	VSUBPS     Y13, Y11, Y13
	VMULPS     S_LN2LO(SP), Y12, Y11
	VSUBPS     Y11, Y13, Y13
	VMULPS     S_P0(SP), Y13, Y10
	VADDPS     S_P1(SP), Y10, Y10
	VMULPS     Y13, Y10, Y10
	VADDPS     S_P2(SP), Y10, Y10
	VMULPS     Y13, Y10, Y10
	VADDPS     S_P3(SP), Y10, Y10
	VMULPS     Y13, Y10, Y10
	VADDPS     S_P4(SP), Y10, Y10
	VMULPS     Y13, Y10, Y10
	VADDPS     S_P5(SP), Y10, Y10
	VMULPS     Y13, Y13, Y11
	VMULPS     Y11, Y10, Y10
	VADDPS     Y13, Y10, Y10
	VADDPS     S_ONE(SP), Y10, Y10
	VCVTTPS2DQ Y12, Y12
	VPSLLD     $23, Y12, Y12
	VPADDD     Y12, Y10, Y10
	VSUBPS     Y7, Y0, Y11
	VMULPS     Y10, Y11, Y11
	VADDPS     Y11, Y7, Y11
	VBLENDVPS  Y9, Y11, Y6, Y6


coba2rethresh:
	COBA2CONSTS
	VADDPS    S_VTH(SP), Y3, Y7
	VCMPPS    $CMP_GT_OQ, Y7, Y6, Y7
	VPANDN    Y7, Y5, Y7

coba2spikes:
	VMOVMSKPS Y7, AX
	TESTL     AX, AX
	JZ        coba2resume
	SPIKED2(coba2spikeloop)

coba2spikeloop:
	SPIKES2(coba2spikeloop)
	JMP coba2resume

coba2done:
	MOVQ DX, ret+64(FP)
	VZEROUPPER
	RET

// func deltaAVX2(c *LIF, s *State, n int, out []int32, base int32) int
TEXT ·deltaAVX2(SB), $1312-64
	PROLOGUE2
	SLOT(LIF_VInf(AX), S_VINF)
	SLOT(LIF_PV(AX), S_PV)
	MOVBLZX LIF_RefInput(AX), CX
	NEGL    CX
	MOVL    CX, S_REFIN(SP)
	VPBROADCASTD S_REFIN(SP), Y8
	VMOVDQU Y8, S_REFIN(SP)

	TESTQ R14, R14
	JZ    delta2done

delta2loop:

	// d = inE - inI; inE = inI = 0
	VMOVUPS (R11)(SI*4), Y1
	VSUBPS  (R12)(SI*4), Y1, Y1
	VMOVUPS Y15, (R11)(SI*4)
	VMOVUPS Y15, (R12)(SI*4)
	LOADSTATE2

	// x = VInf + PV*((v+d) - VInf); refractory with RefInput: v += d
	VADDPS    Y1, Y0, Y9
	VSUBPS    S_VINF(SP), Y9, Y6
	VMULPS    S_PV(SP), Y6, Y6
	VADDPS    S_VINF(SP), Y6, Y6
	VPAND     S_REFIN(SP), Y5, Y10
	VBLENDVPS Y10, Y9, Y0, Y0

	THRESHCMP2
	JNZ delta2spikes

delta2resume:
	STOREVREF2
	ADDQ $8, SI
	CMPQ SI, R14
	JLT  delta2loop
	JMP  delta2done

delta2spikes:
	SPIKED2(delta2spikeloop)

delta2spikeloop:
	SPIKES2(delta2spikeloop)
	JMP delta2resume

delta2done:
	MOVQ DX, ret+56(FP)
	VZEROUPPER
	RET

//go:build amd64 && gc && !noasm

#include "textflag.h"
#include "consts_amd64.h"

// HebbRowGeneric (plastic_generic.go): for each synapse k not kept silent,
// t = y[idx[k]] (gathered), d = (a*t + b) - (c*t)*w, w = min(wmax, max(0, w+d)).
// Both kernels return the number of synapses done: less than len(idx) when a
// vector holds an index outside y for a synapse that would be updated
// (nothing of that vector is written; the Go wrapper finishes with the
// reference, which panics at the bad index).

// func hebbRowAVX512(w *float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) int
TEXT ·hebbRowAVX512(SB), NOSPLIT, $0-88
	MOVQ         w+0(FP), R8
	MOVQ         idx_base+8(FP), R9
	MOVQ         idx_len+16(FP), R14
	MOVQ         y_base+32(FP), R10
	MOVQ         y_len+40(FP), AX
	MOVQ         $0x80000000, CX
	CMPQ         AX, CX
	CMOVQHI      CX, AX
	VPBROADCASTD AX, Z16
	VBROADCASTSS a+56(FP), Z17
	VBROADCASTSS b+60(FP), Z18
	VBROADCASTSS c+64(FP), Z19
	VBROADCASTSS wmax+68(FP), Z20
	VPXORD       Z30, Z30, Z30
	MOVBLZX      keepSilent+72(FP), CX
	NEGL         CX
	KMOVW        CX, K6
	MOVL         $0xffff, CX
	KMOVW        CX, K7
	XORQ         SI, SI

hebb512loop:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   hebb512done
	CMPQ  CX, $16
	JAE   hebb512body
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K7

hebb512body:
	VMOVDQU32.Z (R9)(SI*4), K7, Z0
	VMOVUPS.Z   (R8)(SI*4), K7, Z1

	// K2: lanes to update (in range, not (keepSilent && w == 0))
	VCMPPS   $CMP_EQ_OQ, Z30, Z1, K7, K1
	KANDW    K1, K6, K1
	KANDNW   K7, K1, K2
	VPCMPUD  $ICMP_NLT, Z16, Z0, K2, K3
	KORTESTW K3, K3
	JNZ      hebb512done

	KMOVW      K2, K4
	VPXORD     Z2, Z2, Z2
	VGATHERDPS (R10)(Z0*4), K4, Z2

	// d = (a*t + b) - (c*t)*x; x += d; clamp to [0, wmax]
	VMULPS  Z2, Z17, Z3
	VADDPS  Z18, Z3, Z3
	VMULPS  Z2, Z19, Z4
	VMULPS  Z1, Z4, Z4
	VSUBPS  Z4, Z3, Z3
	VADDPS  Z3, Z1, Z1
	VMAXPS  Z1, Z30, Z1
	VMINPS  Z1, Z20, Z1
	VMOVUPS Z1, K2, (R8)(SI*4)
	ADDQ    $16, SI
	JMP     hebb512loop

hebb512done:
	CMPQ SI, R14
	JLE  hebb512ret
	MOVQ R14, SI

hebb512ret:
	MOVQ SI, ret+80(FP)
	VZEROUPPER
	RET

// func hebbRowAVX2(w *float32, idx []int32, y []float32, a, b, c, wmax float32, keepSilent bool) int
// Processes the first len(idx) &^ 7 synapses.
// Y8 a, Y9 b, Y10 c, Y11 wmax, Y12 len(y) (clamped to MaxInt32), Y13 -1,
// Y14 keepSilent (all ones or zero), Y15 zero.
TEXT ·hebbRowAVX2(SB), NOSPLIT, $0-88
	MOVQ         w+0(FP), R8
	MOVQ         idx_base+8(FP), R9
	MOVQ         idx_len+16(FP), R14
	ANDQ         $-8, R14
	MOVQ         y_base+32(FP), R10
	MOVQ         y_len+40(FP), AX
	MOVQ         $0x7fffffff, CX
	CMPQ         AX, CX
	CMOVQHI      CX, AX
	VMOVD        AX, X12
	VPBROADCASTD X12, Y12
	VBROADCASTSS a+56(FP), Y8
	VBROADCASTSS b+60(FP), Y9
	VBROADCASTSS c+64(FP), Y10
	VBROADCASTSS wmax+68(FP), Y11
	VPCMPEQD     Y13, Y13, Y13
	MOVBLZX      keepSilent+72(FP), CX
	NEGL         CX
	VMOVD        CX, X14
	VPBROADCASTD X14, Y14
	VPXOR        Y15, Y15, Y15
	XORQ         SI, SI

hebb2loop:
	CMPQ SI, R14
	JGE  hebb2done
	VMOVDQU (R9)(SI*4), Y0
	VMOVUPS (R8)(SI*4), Y1

	// Y2: kept silent; every other lane needs 0 <= idx < len(y)
	VCMPPS    $CMP_EQ_OQ, Y15, Y1, Y2
	VPAND     Y14, Y2, Y2
	VPCMPGTD  Y0, Y12, Y3
	VPCMPGTD  Y13, Y0, Y4
	VPAND     Y4, Y3, Y3
	VPOR      Y2, Y3, Y3
	VMOVMSKPS Y3, AX
	CMPL      AX, $0xff
	JNE       hebb2done

	VPXOR      Y13, Y2, Y5
	VPXOR      Y6, Y6, Y6
	VGATHERDPS Y5, (R10)(Y0*4), Y6

	VMULPS    Y6, Y8, Y3
	VADDPS    Y9, Y3, Y3
	VMULPS    Y6, Y10, Y4
	VMULPS    Y1, Y4, Y4
	VSUBPS    Y4, Y3, Y3
	VADDPS    Y3, Y1, Y3
	VMAXPS    Y3, Y15, Y3
	VMINPS    Y3, Y11, Y3
	VBLENDVPS Y2, Y1, Y3, Y3
	VMOVUPS   Y3, (R8)(SI*4)
	ADDQ      $8, SI
	JMP       hebb2loop

hebb2done:
	MOVQ SI, ret+80(FP)
	VZEROUPPER
	RET

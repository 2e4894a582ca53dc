//go:build amd64 && gc && !noasm

#include "textflag.h"

// AVX2 fixed-point kernels (see fixed_generic.go for the reference loops).
// The decay sign(x)*((|x|*f)>>12) needs a 36-bit product, which AVX2 has no
// 32x32->64 multiply for on all lanes; it is computed exactly in 32 bits by
// splitting |x| = hi*4096 + lo (lo < 4096):
//   (|x|*f) >> 12 = hi*f + ((lo*f) >> 12),
// because hi*f*4096 is a multiple of 4096. With |x| <= 2^23 and f <= 4096
// both products stay below 2^24.

// decay: Y_out = sign(x) * ((|x| * F) >> 12). Clobbers Y1, Y2.
#define DECAY(x, F, out) \
	VPABSD   x, Y1 \
	VPSRLD   $12, Y1, Y2 \
	VPAND    Y10, Y1, Y1 \
	VPMULLD  F, Y2, Y2 \
	VPMULLD  F, Y1, Y1 \
	VPSRLD   $12, Y1, Y1 \
	VPADDD   Y1, Y2, out \
	VPSIGND  x, out, out

// func loihiLIFAVX2(c *FixedLIF, u, v, in *int32, n int, out *int32, base int32) int
// n % 8 == 0; out has room for n indices.
TEXT ·loihiLIFAVX2(SB), NOSPLIT, $0-64
	MOVQ c+0(FP), AX
	MOVQ u+8(FP), R8
	MOVQ v+16(FP), R9
	MOVQ in+24(FP), R10
	MOVQ n+32(FP), R11
	MOVQ out+40(FP), R12
	MOVL base+48(FP), R13

	VPBROADCASTD 0(AX), Y14  // FU
	VPBROADCASTD 4(AX), Y13  // FV
	VPBROADCASTD 8(AX), Y12  // Bias
	VPBROADCASTD 12(AX), Y11 // VTh
	MOVL $4095, BX
	MOVL BX, X10
	VPBROADCASTD X10, Y10    // low 12 bits
	MOVL $0x800000, BX
	MOVL BX, X9
	VPBROADCASTD X9, Y9      // M = 2^23
	MOVL $-0x7fffff, BX
	MOVL BX, X8
	VPBROADCASTD X8, Y8      // -M+1
	MOVL $0x1000000, BX
	MOVL BX, X7
	VPBROADCASTD X7, Y7      // 2M = 2^24
	MOVL $0x7fffff, BX
	MOVL BX, X6
	VPBROADCASTD X6, Y6      // M-1
	VPXOR Y15, Y15, Y15

	XORQ SI, SI // neuron
	XORQ DX, DX // spikes
	TESTQ R11, R11
	JZ   done

loop:
	// u = wrap24(decay(u, FU) + (in << 6)); in = 0
	VMOVDQU (R8)(SI*4), Y0
	DECAY(Y0, Y14, Y3)
	VMOVDQU (R10)(SI*4), Y4
	VPSLLD  $6, Y4, Y4
	VPADDD  Y4, Y3, Y3
	VPCMPGTD Y9, Y3, Y4  // d > M
	VPAND    Y7, Y4, Y4
	VPSUBD   Y4, Y3, Y3
	VPCMPGTD Y3, Y8, Y4  // -M+1 > d, i.e. d <= -M
	VPAND    Y7, Y4, Y4
	VPADDD   Y4, Y3, Y3
	VMOVDQU Y3, (R8)(SI*4)
	VMOVDQU Y15, (R10)(SI*4)

	// v = clip(decay(v, FV) + u + bias); spike when v > VTh, then v = 0
	VMOVDQU (R9)(SI*4), Y0
	DECAY(Y0, Y13, Y5)
	VPADDD  Y3, Y5, Y5
	VPADDD  Y12, Y5, Y5
	VPMINSD Y6, Y5, Y5
	VPMAXSD Y8, Y5, Y5
	VPCMPGTD Y11, Y5, Y4 // v > VTh
	VPANDN  Y5, Y4, Y5   // v &^ spiked
	VMOVDQU Y5, (R9)(SI*4)
	VMOVMSKPS Y4, AX
	TESTL AX, AX
	JNZ  spikes

next:
	ADDQ $8, SI
	CMPQ SI, R11
	JLT  loop
	JMP  done

spikes:
	BSFL AX, CX
	LEAL (R13)(SI*1), BX
	ADDL CX, BX
	MOVL BX, (R12)(DX*4)
	INCQ DX
	LEAL -1(AX), CX
	ANDL CX, AX
	JNZ  spikes
	JMP  next

done:
	MOVQ DX, ret+56(FP)
	VZEROUPPER
	RET

// func shiftAccumAVX2(dst, src *int32, n int, exp int32)
// n % 8 == 0: dst[i] += src[i] << exp (exp >= 0) or >> -exp (arithmetic); src[i] = 0.
TEXT ·shiftAccumAVX2(SB), NOSPLIT, $0-28
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), R8
	MOVQ n+16(FP), CX
	MOVL exp+24(FP), AX
	VPXOR Y15, Y15, Y15
	XORQ SI, SI
	TESTQ CX, CX
	JZ   sdone
	TESTL AX, AX
	JS   right
	MOVQ AX, X2

lloop:
	VMOVDQU (R8)(SI*4), Y0
	VPSLLD  X2, Y0, Y0
	VPADDD  (DI)(SI*4), Y0, Y0
	VMOVDQU Y0, (DI)(SI*4)
	VMOVDQU Y15, (R8)(SI*4)
	ADDQ $8, SI
	CMPQ SI, CX
	JLT  lloop
	JMP  sdone

right:
	NEGL AX
	MOVQ AX, X2

rloop:
	VMOVDQU (R8)(SI*4), Y0
	VPSRAD  X2, Y0, Y0
	VPADDD  (DI)(SI*4), Y0, Y0
	VMOVDQU Y0, (DI)(SI*4)
	VMOVDQU Y15, (R8)(SI*4)
	ADDQ $8, SI
	CMPQ SI, CX
	JLT  rloop

sdone:
	VZEROUPPER
	RET

//go:build amd64 && gc && !noasm

#include "textflag.h"
#include "go_asm.h"
#include "consts_amd64.h"

// Poisson kernels (poisson_generic.go): the counter-based hash
// u = Triple32(Triple32(base+i + uint32(key)) ^ uint32(key>>32)) of
// rng.Uniform32 on 16 (AVX-512) or 8 (AVX2) neurons at a time, then either a
// Poisson count (number of thresholds u reaches) or a Bernoulli spike.

#define T32_M1 $0xed5ad4bb
#define T32_M2 $0xac4c1b51
#define T32_M3 $0x31848bab

// Triple32 of x in place (tmp clobbered); multipliers in m1, m2, m3.
#define TRIPLE32(x, tmp, m1, m2, m3) \
	VPSRLD  $17, x, tmp; \
	VPXORD  tmp, x, x; \
	VPMULLD m1, x, x; \
	VPSRLD  $11, x, tmp; \
	VPXORD  tmp, x, x; \
	VPMULLD m2, x, x; \
	VPSRLD  $15, x, tmp; \
	VPXORD  tmp, x, x; \
	VPMULLD m3, x, x; \
	VPSRLD  $14, x, tmp; \
	VPXORD  tmp, x, x

#define TRIPLE32Y(x, tmp, m1, m2, m3) \
	VPSRLD  $17, x, tmp; \
	VPXOR   tmp, x, x; \
	VPMULLD m1, x, x; \
	VPSRLD  $11, x, tmp; \
	VPXOR   tmp, x, x; \
	VPMULLD m2, x, x; \
	VPSRLD  $15, x, tmp; \
	VPXOR   tmp, x, x; \
	VPMULLD m3, x, x; \
	VPSRLD  $14, x, tmp; \
	VPXOR   tmp, x, x

// Hash constants for AVX-512: Z16 counter (base+i+lane+uint32(key)), Z17 16,
// Z18 uint32(key>>32), Z19-Z21 multipliers.
#define HASHSETUP512 \
	MOVQ         stepKey+0(FP), AX; \
	MOVL         base+8(FP), CX; \
	ADDL         AX, CX; \
	VPBROADCASTD CX, Z16; \
	VPADDD       ·lanes(SB), Z16, Z16; \
	MOVL         $16, CX; \
	VPBROADCASTD CX, Z17; \
	SHRQ         $32, AX; \
	VPBROADCASTD AX, Z18; \
	MOVL         T32_M1, CX; \
	VPBROADCASTD CX, Z19; \
	MOVL         T32_M2, CX; \
	VPBROADCASTD CX, Z20; \
	MOVL         T32_M3, CX; \
	VPBROADCASTD CX, Z21

// Z0 = u of the 16 neurons at the counter; advances the counter.
#define HASH512 \
	VMOVDQA32 Z16, Z0; \
	VPADDD    Z17, Z16, Z16; \
	TRIPLE32(Z0, Z1, Z19, Z20, Z21); \
	VPXORD    Z18, Z0, Z0; \
	TRIPLE32(Z0, Z1, Z19, Z20, Z21)

// The same for AVX2: Y8 counter, Y9 8, Y10 key>>32, Y11-Y13 multipliers.
#define HASHSETUP2 \
	MOVQ         stepKey+0(FP), AX; \
	MOVL         base+8(FP), CX; \
	ADDL         AX, CX; \
	VMOVD         CX, X8; \
	VPBROADCASTD X8, Y8; \
	VPADDD       ·lanes(SB), Y8, Y8; \
	MOVL         $8, CX; \
	VMOVD         CX, X9; \
	VPBROADCASTD X9, Y9; \
	SHRQ         $32, AX; \
	VMOVD         AX, X10; \
	VPBROADCASTD X10, Y10; \
	MOVL         T32_M1, CX; \
	VMOVD         CX, X11; \
	VPBROADCASTD X11, Y11; \
	MOVL         T32_M2, CX; \
	VMOVD         CX, X12; \
	VPBROADCASTD X12, Y12; \
	MOVL         T32_M3, CX; \
	VMOVD         CX, X13; \
	VPBROADCASTD X13, Y13

#define HASH2 \
	VMOVDQA Y8, Y0; \
	VPADDD  Y9, Y8, Y8; \
	TRIPLE32Y(Y0, Y1, Y11, Y12, Y13); \
	VPXOR   Y10, Y0, Y0; \
	TRIPLE32Y(Y0, Y1, Y11, Y12, Y13)

// PoissonDrive. The count of u is #{j : tab[j] <= u} (tab non-decreasing).
// The Go wrapper passes lo = #{j : tab[j] <= winLo} and hi = #{j : tab[j] <= winHi}:
// for winLo <= u <= winHi the count is lo + #{j in [lo,hi) : tab[j] <= u}, a
// loop of fixed length (so its branch predicts well) over the few thresholds
// that the lanes can straddle. A vector with a lane outside the window
// (probability 2^-11 per lane) compares with the whole table instead.

// func poissonDriveAVX512(stepKey uint64, base uint32, tab []uint32, lo, hi int, w float32, in []float32)
TEXT ·poissonDriveAVX512(SB), NOSPLIT, $0-88
	HASHSETUP512
	MOVQ         tab_base+16(FP), R8
	MOVQ         tab_len+24(FP), R9
	MOVQ         lo+40(FP), R11
	MOVQ         hi+48(FP), R12
	VBROADCASTSS w+56(FP), Z25
	MOVQ         in_base+64(FP), DI
	MOVQ         in_len+72(FP), R14
	MOVL         $1, CX
	VPBROADCASTD CX, Z26
	VPBROADCASTD R11, Z24
	MOVL         $const_winLo, CX
	VPBROADCASTD CX, Z23
	MOVL         $const_winSpan, CX
	VPBROADCASTD CX, Z22
	MOVL         $0xffff, CX
	KMOVW        CX, K7
	XORQ         SI, SI

pd512loop:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   pd512done
	CMPQ  CX, $16
	JAE   pd512body
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K7

pd512body:
	HASH512
	VPSUBD   Z23, Z0, Z1
	VPCMPUD  $ICMP_NLE, Z22, Z1, K7, K1
	KORTESTW K1, K1
	JNZ      pd512full
	VMOVDQA32 Z24, Z2
	VPXORD    Z3, Z3, Z3
	MOVQ      R11, DX
	LEAQ      -4(R12), AX
	CMPQ      DX, AX
	JG        pd512cmp1

pd512cmp4:
	// four thresholds at a time, two accumulators
	VPCMPUD.BCST $ICMP_NLT, (R8)(DX*4), Z0, K1
	VPCMPUD.BCST $ICMP_NLT, 4(R8)(DX*4), Z0, K2
	VPCMPUD.BCST $ICMP_NLT, 8(R8)(DX*4), Z0, K3
	VPCMPUD.BCST $ICMP_NLT, 12(R8)(DX*4), Z0, K4
	VPADDD       Z26, Z2, K1, Z2
	VPADDD       Z26, Z3, K2, Z3
	VPADDD       Z26, Z2, K3, Z2
	VPADDD       Z26, Z3, K4, Z3
	ADDQ         $4, DX
	CMPQ         DX, AX
	JLE          pd512cmp4

pd512cmp1:
	CMPQ DX, R12
	JGE  pd512sum

pd512cmp1loop:
	VPCMPUD.BCST $ICMP_NLT, (R8)(DX*4), Z0, K1
	VPADDD       Z26, Z2, K1, Z2
	INCQ         DX
	CMPQ         DX, R12
	JL           pd512cmp1loop

pd512sum:
	VPADDD Z3, Z2, Z2

pd512counted:
	// in += w*float32(count)
	VCVTDQ2PS Z2, Z2
	VMULPS    Z2, Z25, Z2
	VMOVUPS.Z (DI)(SI*4), K7, Z3
	VADDPS    Z2, Z3, Z3
	VMOVUPS   Z3, K7, (DI)(SI*4)
	ADDQ      $16, SI
	JMP       pd512loop

pd512full:
	VPXORD Z2, Z2, Z2
	XORQ   DX, DX
	CMPQ   DX, R9
	JAE    pd512counted

pd512fullcmp:
	VPCMPUD.BCST $ICMP_NLT, (R8)(DX*4), Z0, K1
	VPADDD       Z26, Z2, K1, Z2
	INCQ         DX
	CMPQ         DX, R9
	JB           pd512fullcmp
	JMP          pd512counted

pd512done:
	VZEROUPPER
	RET

// func poissonDriveAVX2(stepKey uint64, base uint32, tab []uint32, lo, hi int, w float32, in []float32)
// len(in) must be a multiple of 8. Y14 sign bit, Y15 w, Y3 hi, Y7 len(tab),
// 0(SP) winLo, 32(SP) winSpan^sign; count = hi - #{j in [lo,hi) : tab[j] > u}
// (signed compares of values with the sign bit flipped).
TEXT ·poissonDriveAVX2(SB), NOSPLIT, $64-88
	HASHSETUP2
	MOVQ         tab_base+16(FP), R8
	MOVQ         tab_len+24(FP), R9
	MOVQ         lo+40(FP), R11
	MOVQ         hi+48(FP), R12
	VBROADCASTSS w+56(FP), Y15
	MOVQ         in_base+64(FP), DI
	MOVQ         in_len+72(FP), R14
	VBROADCASTSS ·asmConsts+C_SIGN(SB), Y14
	VMOVD        R12, X3
	VPBROADCASTD X3, Y3
	MOVL         $const_winLo, CX
	VMOVD        CX, X5
	VPBROADCASTD X5, Y5
	VMOVDQU      Y5, 0(SP)
	MOVL         $const_winSpan, CX
	XORL         $0x80000000, CX
	VMOVD        CX, X6
	VPBROADCASTD X6, Y6
	VMOVDQU      Y6, 32(SP)
	VMOVD        R9, X7
	VPBROADCASTD X7, Y7
	XORQ         SI, SI

pd2loop:
	CMPQ SI, R14
	JGE  pd2done
	HASH2
	VPSUBD   0(SP), Y0, Y1
	VPXOR    Y14, Y1, Y1
	VPCMPGTD 32(SP), Y1, Y1
	VPXOR    Y14, Y0, Y0
	VPTEST   Y1, Y1
	JNZ      pd2full
	VMOVDQA  Y3, Y2
	VPXOR    Y1, Y1, Y1
	MOVQ     R11, DX
	LEAQ     -2(R12), AX
	CMPQ     DX, AX
	JG       pd2cmp1

pd2cmp2:
	// two thresholds at a time, two accumulators
	VPBROADCASTD (R8)(DX*4), Y4
	VPBROADCASTD 4(R8)(DX*4), Y5
	VPXOR        Y14, Y4, Y4
	VPXOR        Y14, Y5, Y5
	VPCMPGTD     Y0, Y4, Y4
	VPCMPGTD     Y0, Y5, Y5
	VPADDD       Y4, Y2, Y2
	VPADDD       Y5, Y1, Y1
	ADDQ         $2, DX
	CMPQ         DX, AX
	JLE          pd2cmp2

pd2cmp1:
	CMPQ DX, R12
	JGE  pd2sum
	VPBROADCASTD (R8)(DX*4), Y4
	VPXOR        Y14, Y4, Y4
	VPCMPGTD     Y0, Y4, Y4
	VPADDD       Y4, Y2, Y2

pd2sum:
	VPADDD Y1, Y2, Y2

pd2counted:
	VCVTDQ2PS Y2, Y2
	VMULPS    Y2, Y15, Y2
	VMOVUPS   (DI)(SI*4), Y1
	VADDPS    Y2, Y1, Y1
	VMOVUPS   Y1, (DI)(SI*4)
	ADDQ      $8, SI
	JMP       pd2loop

pd2full:
	VMOVDQA Y7, Y2
	XORQ    DX, DX
	CMPQ    DX, R9
	JAE     pd2counted

pd2fullcmp:
	VPBROADCASTD (R8)(DX*4), Y4
	VPXOR        Y14, Y4, Y4
	VPCMPGTD     Y0, Y4, Y4
	VPADDD       Y4, Y2, Y2
	INCQ         DX
	CMPQ         DX, R9
	JB           pd2fullcmp
	JMP          pd2counted

pd2done:
	VZEROUPPER
	RET

// func poissonSpikesAVX512(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int
TEXT ·poissonSpikesAVX512(SB), NOSPLIT, $0-80
	HASHSETUP512
	MOVQ         thr_base+16(FP), R8
	MOVQ         thr_len+24(FP), R14
	MOVQ         out_base+40(FP), DI
	MOVL         outBase+64(FP), CX
	VPBROADCASTD CX, Z29
	VPADDD       ·lanes(SB), Z29, Z29
	MOVL         $0xffff, CX
	KMOVW        CX, K7
	XORQ         SI, SI
	XORQ         DX, DX

ps512loop:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   ps512done
	CMPQ  CX, $16
	JAE   ps512body
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K7

ps512body:
	// Lanes with thr == 0 cannot spike (u < 0 is false): a vector of
	// them only advances the counter. The u of the other lanes depend on
	// their own counters only, so they are the same.
	VMOVDQU32.Z (R8)(SI*4), K7, Z2
	VPTESTMD    Z2, Z2, K7, K2
	KORTESTW    K2, K2
	JZ          ps512skip
	HASH512
	VPCMPUD     $ICMP_LT, Z2, Z0, K2, K3
	KORTESTW    K3, K3
	JNZ         ps512spikes

ps512next:
	ADDQ $16, SI
	JMP  ps512loop

ps512skip:
	VPADDD Z17, Z16, Z16
	JMP    ps512next

ps512spikes:
	VPBROADCASTD SI, Z6
	VPADDD       Z29, Z6, Z6
	VPCOMPRESSD  Z6, K3, Z7
	KMOVW        K3, AX
	POPCNTL      AX, CX
	MOVL         $1, AX
	SHLL         CX, AX
	DECL         AX
	KMOVW        AX, K4
	VMOVDQU32    Z7, K4, (DI)(DX*4)
	ADDQ         CX, DX
	JMP          ps512next

ps512done:
	MOVQ DX, ret+72(FP)
	VZEROUPPER
	RET

// func poissonSpikesAVX2(stepKey uint64, base uint32, thr []uint32, out []int32, outBase int32) int
// len(thr) must be a multiple of 8.
TEXT ·poissonSpikesAVX2(SB), NOSPLIT, $0-80
	HASHSETUP2
	MOVQ         thr_base+16(FP), R8
	MOVQ         thr_len+24(FP), R14
	MOVQ         out_base+40(FP), DI
	VBROADCASTSS ·asmConsts+C_SIGN(SB), Y14
	XORQ         SI, SI
	XORQ         DX, DX

ps2loop:
	CMPQ SI, R14
	JGE  ps2done
	// A vector of thr == 0 cannot spike: it only advances the counter.
	VMOVDQU (R8)(SI*4), Y2
	VPTEST  Y2, Y2
	JZ      ps2skip
	HASH2
	VPXOR     Y14, Y0, Y0
	VPXOR     Y2, Y14, Y1
	VPCMPGTD  Y0, Y1, Y1
	VMOVMSKPS Y1, AX
	TESTL     AX, AX
	JNZ       ps2spikes

ps2next:
	ADDQ $8, SI
	JMP  ps2loop

ps2skip:
	VPADDD Y9, Y8, Y8
	JMP    ps2next

ps2spikes:
	BSFL AX, CX
	ADDL SI, CX
	ADDL outBase+64(FP), CX
	MOVL CX, (DI)(DX*4)
	INCQ DX
	LEAL -1(AX), CX
	ANDL CX, AX
	JNZ  ps2spikes
	JMP  ps2next

ps2done:
	MOVQ DX, ret+72(FP)
	VZEROUPPER
	RET

//go:build amd64 && gc && !noasm

#include "textflag.h"
#include "consts_amd64.h"

// DecayGeneric and the scatter kernels (scatter_generic.go).

// func decayAVX512(x []float32, f float32)
TEXT ·decayAVX512(SB), NOSPLIT, $0-28
	MOVQ         x_base+0(FP), DI
	MOVQ         x_len+8(FP), R14
	VBROADCASTSS f+24(FP), Z16
	VPBROADCASTD ·asmConsts+C_ABS(SB), Z17
	VPBROADCASTD ·asmConsts+C_FLUSH(SB), Z18
	XORQ         SI, SI

	// four vectors at a time
	MOVQ R14, R13
	ANDQ $-64, R13
	JZ   dec512tail

dec512loop4:
	VMULPS    (DI)(SI*4), Z16, Z0
	VMULPS    64(DI)(SI*4), Z16, Z1
	VMULPS    128(DI)(SI*4), Z16, Z2
	VMULPS    192(DI)(SI*4), Z16, Z3
	VPANDD    Z17, Z0, Z4
	VPANDD    Z17, Z1, Z5
	VPANDD    Z17, Z2, Z6
	VPANDD    Z17, Z3, Z7
	VCMPPS    $CMP_NLT_UQ, Z18, Z4, K1
	VCMPPS    $CMP_NLT_UQ, Z18, Z5, K2
	VCMPPS    $CMP_NLT_UQ, Z18, Z6, K3
	VCMPPS    $CMP_NLT_UQ, Z18, Z7, K4
	VMOVAPS.Z Z0, K1, Z0
	VMOVAPS.Z Z1, K2, Z1
	VMOVAPS.Z Z2, K3, Z2
	VMOVAPS.Z Z3, K4, Z3
	VMOVUPS   Z0, (DI)(SI*4)
	VMOVUPS   Z1, 64(DI)(SI*4)
	VMOVUPS   Z2, 128(DI)(SI*4)
	VMOVUPS   Z3, 192(DI)(SI*4)
	ADDQ      $64, SI
	CMPQ      SI, R13
	JB        dec512loop4

dec512tail:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   dec512done
	MOVL  $0xffff, AX
	CMPQ  CX, $16
	JAE   dec512mask
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX

dec512mask:
	KMOVW     AX, K7
	VMOVUPS.Z (DI)(SI*4), K7, Z0
	VMULPS    Z16, Z0, Z0
	VPANDD    Z17, Z0, Z4
	VCMPPS    $CMP_NLT_UQ, Z18, Z4, K1
	VMOVAPS.Z Z0, K1, Z0
	VMOVUPS   Z0, K7, (DI)(SI*4)
	ADDQ      $16, SI
	JMP       dec512tail

dec512done:
	VZEROUPPER
	RET

// func decayAVX2(x []float32, f float32)
// len(x) must be a multiple of 8.
TEXT ·decayAVX2(SB), NOSPLIT, $0-28
	MOVQ         x_base+0(FP), DI
	MOVQ         x_len+8(FP), R14
	VBROADCASTSS f+24(FP), Y8
	VBROADCASTSS ·asmConsts+C_ABS(SB), Y9
	VBROADCASTSS ·asmConsts+C_FLUSH(SB), Y10
	XORQ         SI, SI
	MOVQ         R14, R13
	ANDQ         $-32, R13
	JZ           dec2one

dec2loop4:
	VMULPS  (DI)(SI*4), Y8, Y0
	VMULPS  32(DI)(SI*4), Y8, Y1
	VMULPS  64(DI)(SI*4), Y8, Y2
	VMULPS  96(DI)(SI*4), Y8, Y3
	VANDPS  Y9, Y0, Y4
	VANDPS  Y9, Y1, Y5
	VANDPS  Y9, Y2, Y6
	VANDPS  Y9, Y3, Y7
	VCMPPS  $CMP_NLT_UQ, Y10, Y4, Y4
	VCMPPS  $CMP_NLT_UQ, Y10, Y5, Y5
	VCMPPS  $CMP_NLT_UQ, Y10, Y6, Y6
	VCMPPS  $CMP_NLT_UQ, Y10, Y7, Y7
	VANDPS  Y4, Y0, Y0
	VANDPS  Y5, Y1, Y1
	VANDPS  Y6, Y2, Y2
	VANDPS  Y7, Y3, Y3
	VMOVUPS Y0, (DI)(SI*4)
	VMOVUPS Y1, 32(DI)(SI*4)
	VMOVUPS Y2, 64(DI)(SI*4)
	VMOVUPS Y3, 96(DI)(SI*4)
	ADDQ    $32, SI
	CMPQ    SI, R13
	JB      dec2loop4

dec2one:
	CMPQ    SI, R14
	JGE     dec2done
	VMULPS  (DI)(SI*4), Y8, Y0
	VANDPS  Y9, Y0, Y4
	VCMPPS  $CMP_NLT_UQ, Y10, Y4, Y4
	VANDPS  Y4, Y0, Y0
	VMOVUPS Y0, (DI)(SI*4)
	ADDQ    $8, SI
	JMP     dec2one

dec2done:
	VZEROUPPER
	RET

// Scatter-add with AVX-512 gather/scatter: 16 targets at a time; a vector
// whose targets are not all distinct (VPCONFLICTD) is added one by one, in
// order. Returns the number of synapses done: less than len(idx) when a
// vector holds an index outside acc (nothing of that vector is written; the
// Go wrapper finishes with the reference, which panics at the bad index).

// func scatterAddAVX512(acc []float32, idx []int32, w *float32) int
TEXT ·scatterAddAVX512(SB), NOSPLIT, $0-64
	MOVQ         acc_base+0(FP), R8
	MOVQ         acc_len+8(FP), AX
	MOVQ         idx_base+24(FP), R9
	MOVQ         idx_len+32(FP), R14
	MOVQ         w+48(FP), R10
	// lengths >= 2^31 cannot be compared as uint32: clamp (indices are int32)
	MOVQ         $0x80000000, CX
	CMPQ         AX, CX
	CMOVQHI      CX, AX
	VPBROADCASTD AX, Z16
	MOVL         $0xffff, CX
	KMOVW        CX, K7
	XORQ         SI, SI

sa512loop:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   sa512done
	CMPQ  CX, $16
	JAE   sa512body
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K7

sa512body:
	VMOVDQU32.Z    (R9)(SI*4), K7, Z0
	VPCMPUD        $ICMP_NLT, Z16, Z0, K7, K3
	KORTESTW       K3, K3
	JNZ            sa512done
	VPCONFLICTD.Z  Z0, K7, Z1
	VPTESTMD       Z1, Z1, K1
	KORTESTW       K1, K1
	JNZ            sa512serial
	KMOVW          K7, K4
	VPXORD         Z2, Z2, Z2
	VGATHERDPS     (R8)(Z0*4), K4, Z2
	VMOVUPS.Z      (R10)(SI*4), K7, Z3
	VADDPS         Z3, Z2, Z2
	KMOVW          K7, K4
	VSCATTERDPS    Z2, K4, (R8)(Z0*4)
	ADDQ           $16, SI
	JMP            sa512loop

sa512serial:
	// acc[idx[j]] += w[j] for the lanes of K7, in order
	MOVQ  SI, DX
	KMOVW K7, AX

sa512one:
	MOVLQSX (R9)(DX*4), CX
	MOVSS   (R8)(CX*4), X0
	ADDSS   (R10)(DX*4), X0
	MOVSS   X0, (R8)(CX*4)
	INCQ    DX
	SHRL    $1, AX
	JNZ     sa512one
	ADDQ    $16, SI
	JMP     sa512loop

sa512done:
	CMPQ SI, R14
	JLE  sa512ret
	MOVQ R14, SI

sa512ret:
	MOVQ SI, ret+56(FP)
	VZEROUPPER
	RET

// func scatterAddConstAVX512(acc []float32, idx []int32, w float32) int
TEXT ·scatterAddConstAVX512(SB), NOSPLIT, $0-64
	MOVQ         acc_base+0(FP), R8
	MOVQ         acc_len+8(FP), AX
	MOVQ         idx_base+24(FP), R9
	MOVQ         idx_len+32(FP), R14
	VBROADCASTSS w+48(FP), Z3
	MOVQ         $0x80000000, CX
	CMPQ         AX, CX
	CMOVQHI      CX, AX
	VPBROADCASTD AX, Z16
	MOVL         $0xffff, CX
	KMOVW        CX, K7
	XORQ         SI, SI

sc512loop:
	MOVQ  R14, CX
	SUBQ  SI, CX
	JLE   sc512done
	CMPQ  CX, $16
	JAE   sc512body
	MOVL  $1, AX
	SHLL  CX, AX
	DECL  AX
	KMOVW AX, K7

sc512body:
	VMOVDQU32.Z    (R9)(SI*4), K7, Z0
	VPCMPUD        $ICMP_NLT, Z16, Z0, K7, K3
	KORTESTW       K3, K3
	JNZ            sc512done
	VPCONFLICTD.Z  Z0, K7, Z1
	VPTESTMD       Z1, Z1, K1
	KORTESTW       K1, K1
	JNZ            sc512serial
	KMOVW          K7, K4
	VPXORD         Z2, Z2, Z2
	VGATHERDPS     (R8)(Z0*4), K4, Z2
	VADDPS         Z3, Z2, Z2
	KMOVW          K7, K4
	VSCATTERDPS    Z2, K4, (R8)(Z0*4)
	ADDQ           $16, SI
	JMP            sc512loop

sc512serial:
	MOVQ  SI, DX
	KMOVW K7, AX

sc512one:
	MOVLQSX (R9)(DX*4), CX
	MOVSS   (R8)(CX*4), X0
	ADDSS   X3, X0
	MOVSS   X0, (R8)(CX*4)
	INCQ    DX
	SHRL    $1, AX
	JNZ     sc512one
	ADDQ    $16, SI
	JMP     sc512loop

sc512done:
	CMPQ SI, R14
	JLE  sc512ret
	MOVQ R14, SI

sc512ret:
	MOVQ SI, ret+56(FP)
	VZEROUPPER
	RET

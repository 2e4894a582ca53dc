//go:build amd64 && gc && !noasm

#include "textflag.h"

// AddRowGeneric (vadd_generic.go): acc[i] += w[i], or acc[i] += c. Each
// lane is VADDPS with acc as the first source operand.

// func addRowAVX512(acc []float32, w *float32)
// w holds len(acc) elements.
TEXT ·addRowAVX512(SB), NOSPLIT, $0-32
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ w+24(FP), SI
	XORQ AX, AX
	SUBQ $64, CX
	JB   add512tail

add512loop64:
	VMOVUPS (DI)(AX*4), Z0
	VMOVUPS 64(DI)(AX*4), Z1
	VMOVUPS 128(DI)(AX*4), Z2
	VMOVUPS 192(DI)(AX*4), Z3
	VADDPS  (SI)(AX*4), Z0, Z0
	VADDPS  64(SI)(AX*4), Z1, Z1
	VADDPS  128(SI)(AX*4), Z2, Z2
	VADDPS  192(SI)(AX*4), Z3, Z3
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	VMOVUPS Z2, 128(DI)(AX*4)
	VMOVUPS Z3, 192(DI)(AX*4)
	ADDQ    $64, AX
	SUBQ    $64, CX
	JAE     add512loop64

add512tail:
	ADDQ $64, CX

add512loop16:
	CMPQ    CX, $16
	JB      add512mask
	VMOVUPS (DI)(AX*4), Z0
	VADDPS  (SI)(AX*4), Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	SUBQ    $16, CX
	JMP     add512loop16

add512mask:
	TESTQ       CX, CX
	JZ          add512done
	MOVL        $1, BX
	SHLL        CX, BX
	DECL        BX
	KMOVW       BX, K1
	VMOVUPS.Z   (DI)(AX*4), K1, Z0
	VMOVUPS.Z   (SI)(AX*4), K1, Z1
	VADDPS      Z1, Z0, Z0
	VMOVUPS     Z0, K1, (DI)(AX*4)

add512done:
	VZEROUPPER
	RET

// func addConstAVX512(acc []float32, c float32)
TEXT ·addConstAVX512(SB), NOSPLIT, $0-28
	MOVQ         acc_base+0(FP), DI
	MOVQ         acc_len+8(FP), CX
	VBROADCASTSS c+24(FP), Z4
	XORQ         AX, AX
	SUBQ         $64, CX
	JB           addc512tail

addc512loop64:
	VMOVUPS (DI)(AX*4), Z0
	VMOVUPS 64(DI)(AX*4), Z1
	VMOVUPS 128(DI)(AX*4), Z2
	VMOVUPS 192(DI)(AX*4), Z3
	VADDPS  Z4, Z0, Z0
	VADDPS  Z4, Z1, Z1
	VADDPS  Z4, Z2, Z2
	VADDPS  Z4, Z3, Z3
	VMOVUPS Z0, (DI)(AX*4)
	VMOVUPS Z1, 64(DI)(AX*4)
	VMOVUPS Z2, 128(DI)(AX*4)
	VMOVUPS Z3, 192(DI)(AX*4)
	ADDQ    $64, AX
	SUBQ    $64, CX
	JAE     addc512loop64

addc512tail:
	ADDQ $64, CX

addc512loop16:
	CMPQ    CX, $16
	JB      addc512mask
	VMOVUPS (DI)(AX*4), Z0
	VADDPS  Z4, Z0, Z0
	VMOVUPS Z0, (DI)(AX*4)
	ADDQ    $16, AX
	SUBQ    $16, CX
	JMP     addc512loop16

addc512mask:
	TESTQ     CX, CX
	JZ        addc512done
	MOVL      $1, BX
	SHLL      CX, BX
	DECL      BX
	KMOVW     BX, K1
	VMOVUPS.Z (DI)(AX*4), K1, Z0
	VADDPS    Z4, Z0, Z0
	VMOVUPS   Z0, K1, (DI)(AX*4)

addc512done:
	VZEROUPPER
	RET

// func addRowAVX2(acc []float32, w *float32)
// len(acc) is a multiple of 8; w holds len(acc) elements.
TEXT ·addRowAVX2(SB), NOSPLIT, $0-32
	MOVQ acc_base+0(FP), DI
	MOVQ acc_len+8(FP), CX
	MOVQ w+24(FP), SI
	XORQ AX, AX
	SUBQ $32, CX
	JB   add2tail

add2loop32:
	VMOVUPS (DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	VADDPS  (SI)(AX*4), Y0, Y0
	VADDPS  32(SI)(AX*4), Y1, Y1
	VADDPS  64(SI)(AX*4), Y2, Y2
	VADDPS  96(SI)(AX*4), Y3, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	SUBQ    $32, CX
	JAE     add2loop32

add2tail:
	ADDQ $32, CX

add2loop8:
	CMPQ    CX, $8
	JB      add2done
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  (SI)(AX*4), Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	SUBQ    $8, CX
	JMP     add2loop8

add2done:
	VZEROUPPER
	RET

// func addConstAVX2(acc []float32, c float32)
// len(acc) is a multiple of 8.
TEXT ·addConstAVX2(SB), NOSPLIT, $0-28
	MOVQ         acc_base+0(FP), DI
	MOVQ         acc_len+8(FP), CX
	VBROADCASTSS c+24(FP), Y4
	XORQ         AX, AX
	SUBQ         $32, CX
	JB           addc2tail

addc2loop32:
	VMOVUPS (DI)(AX*4), Y0
	VMOVUPS 32(DI)(AX*4), Y1
	VMOVUPS 64(DI)(AX*4), Y2
	VMOVUPS 96(DI)(AX*4), Y3
	VADDPS  Y4, Y0, Y0
	VADDPS  Y4, Y1, Y1
	VADDPS  Y4, Y2, Y2
	VADDPS  Y4, Y3, Y3
	VMOVUPS Y0, (DI)(AX*4)
	VMOVUPS Y1, 32(DI)(AX*4)
	VMOVUPS Y2, 64(DI)(AX*4)
	VMOVUPS Y3, 96(DI)(AX*4)
	ADDQ    $32, AX
	SUBQ    $32, CX
	JAE     addc2loop32

addc2tail:
	ADDQ $32, CX

addc2loop8:
	CMPQ    CX, $8
	JB      addc2done
	VMOVUPS (DI)(AX*4), Y0
	VADDPS  Y4, Y0, Y0
	VMOVUPS Y0, (DI)(AX*4)
	ADDQ    $8, AX
	SUBQ    $8, CX
	JMP     addc2loop8

addc2done:
	VZEROUPPER
	RET

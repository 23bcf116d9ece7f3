#include "textflag.h"

// func maskAsm(b []byte, key uint32)
//
// XORs the first len(b)&^15 bytes of b with key repeated every 4 bytes:
// 64 bytes per iteration, then 16 at a time. Loads and stores are
// unaligned (MOVOU), so b may start anywhere.
TEXT ·maskAsm(SB), NOSPLIT, $0-28
	MOVQ b_base+0(FP), DI
	MOVQ b_len+8(FP), CX
	MOVL key+24(FP), AX

	// Broadcast the 32-bit key to the four lanes of X0.
	MOVL   AX, X0
	PSHUFD $0, X0, X0

	CMPQ CX, $64
	JB   tail16

loop64:
	MOVOU 0(DI), X1
	MOVOU 16(DI), X2
	MOVOU 32(DI), X3
	MOVOU 48(DI), X4
	PXOR  X0, X1
	PXOR  X0, X2
	PXOR  X0, X3
	PXOR  X0, X4
	MOVOU X1, 0(DI)
	MOVOU X2, 16(DI)
	MOVOU X3, 32(DI)
	MOVOU X4, 48(DI)
	ADDQ  $64, DI
	SUBQ  $64, CX
	CMPQ  CX, $64
	JAE   loop64

tail16:
	CMPQ CX, $16
	JB   done

loop16:
	MOVOU 0(DI), X1
	PXOR  X0, X1
	MOVOU X1, 0(DI)
	ADDQ  $16, DI
	SUBQ  $16, CX
	CMPQ  CX, $16
	JAE   loop16

done:
	RET

// func maskAVX2(b []byte, key uint32)
//
// XORs the first len(b)&^31 bytes of b with key repeated every 4 bytes,
// using AVX2: 128 bytes per iteration, then 32 at a time. Unaligned loads
// and stores (VMOVDQU). The caller checks that the CPU has AVX2.
TEXT ·maskAVX2(SB), NOSPLIT, $0-28
	MOVQ b_base+0(FP), DI
	MOVQ b_len+8(FP), CX
	MOVL key+24(FP), AX

	// Broadcast the 32-bit key to the eight lanes of Y0.
	MOVL         AX, X0
	VPBROADCASTD X0, Y0

	CMPQ CX, $128
	JB   avxtail32

avxloop128:
	VMOVDQU 0(DI), Y1
	VMOVDQU 32(DI), Y2
	VMOVDQU 64(DI), Y3
	VMOVDQU 96(DI), Y4
	VPXOR   Y0, Y1, Y1
	VPXOR   Y0, Y2, Y2
	VPXOR   Y0, Y3, Y3
	VPXOR   Y0, Y4, Y4
	VMOVDQU Y1, 0(DI)
	VMOVDQU Y2, 32(DI)
	VMOVDQU Y3, 64(DI)
	VMOVDQU Y4, 96(DI)
	ADDQ    $128, DI
	SUBQ    $128, CX
	CMPQ    CX, $128
	JAE     avxloop128

avxtail32:
	CMPQ CX, $32
	JB   avxdone

avxloop32:
	VMOVDQU 0(DI), Y1
	VPXOR   Y0, Y1, Y1
	VMOVDQU Y1, 0(DI)
	ADDQ    $32, DI
	SUBQ    $32, CX
	CMPQ    CX, $32
	JAE     avxloop32

avxdone:
	VZEROUPPER
	RET

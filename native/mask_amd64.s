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

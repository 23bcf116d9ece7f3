package native

import "golang.org/x/sys/cpu"

// maskAsmMin is the length from which mask hands the bulk of b to the
// assembly routines. Below it the call overhead outweighs the wider stores;
// the value comes from BenchmarkMask.
const maskAsmMin = 64

// hasAVX2 is whether this CPU runs maskAVX2, read once at start-up (a fact
// of the machine, not state).
var hasAVX2 = cpu.X86.HasAVX2

// maskAsm XORs the first len(b)&^15 bytes of b with key broadcast to 16
// bytes, using SSE2 (every amd64 CPU has it). It leaves the rest of b
// alone. The key needs no rotation afterwards because the length it masks
// is a multiple of 4.
//
//go:noescape
func maskAsm(b []byte, key uint32)

// maskAVX2 is maskAsm with AVX2: the first len(b)&^31 bytes, 32 at a time.
// Only for CPUs with AVX2 (hasAVX2).
//
//go:noescape
func maskAVX2(b []byte, key uint32)

// mask XORs b in place with the masking key (RFC 6455 §5.3) and returns the
// key rotated so that a following call continues where this one stopped (b
// can be masked in chunks). See maskGo for the key convention. Long buffers
// go through assembly (AVX2 where the CPU has it, else SSE2) for their
// aligned-length prefix and the portable code for the tail; short ones only
// through the portable code.
func mask(b []byte, key uint32) uint32 { return maskWith(b, key, hasAVX2) }

// maskWith is mask with the choice of routine made by the caller, so the
// tests can run the SSE2 path on an AVX2 machine.
func maskWith(b []byte, key uint32, avx2 bool) uint32 {
	if len(b) < maskAsmMin {
		return maskGo(b, key)
	}
	var n int
	if avx2 {
		n = len(b) &^ 31
		maskAVX2(b[:n], key)
	} else {
		n = len(b) &^ 15
		maskAsm(b[:n], key)
	}
	if n == len(b) {
		return key
	}
	return maskGo(b[n:], key)
}

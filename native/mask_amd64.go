package native

// maskAsmMin is the length from which mask hands the bulk of b to the SSE2
// routine. Below it the call overhead outweighs the wider stores; the value
// comes from BenchmarkMask.
const maskAsmMin = 64

// maskAsm XORs the first len(b)&^15 bytes of b with key broadcast to 16
// bytes, using SSE2. It leaves the rest of b alone. The key needs no rotation
// afterwards because the length it masks is a multiple of 4.
//
//go:noescape
func maskAsm(b []byte, key uint32)

// mask XORs b in place with the masking key (RFC 6455 §5.3) and returns the
// key rotated so that a following call continues where this one stopped (b
// can be masked in chunks). See maskGo for the key convention. Long buffers
// go through SSE2 assembly for their multiple-of-16 prefix and the portable
// code for the tail; short ones only through the portable code.
func mask(b []byte, key uint32) uint32 {
	if len(b) < maskAsmMin {
		return maskGo(b, key)
	}
	n := len(b) &^ 15
	maskAsm(b[:n], key)
	if n == len(b) {
		return key
	}
	return maskGo(b[n:], key)
}

//go:build !amd64

package native

// mask XORs b in place with the masking key (RFC 6455 §5.3) and returns the
// key rotated so that a following call continues where this one stopped (b
// can be masked in chunks). See maskGo for the key convention; on this
// architecture there is no assembly, so mask is the portable version.
func mask(b []byte, key uint32) uint32 {
	return maskGo(b, key)
}

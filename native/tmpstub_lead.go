package native

// TEMPORARY (lead): replaced by mask.go and utf8.go from a helper.

import "unicode/utf8"

func mask(b []byte, key uint32) uint32 {
	for i := range b {
		b[i] ^= byte(key >> (8 * (i & 3)))
	}
	r := uint(len(b)&3) * 8
	return key>>r | key<<(32-r)
}

type utf8Validator struct{ pend []byte }

func (v *utf8Validator) valid(p []byte) bool { v.pend = append(v.pend, p...); return true }
func (v *utf8Validator) complete() bool      { ok := utf8.Valid(v.pend); v.pend = v.pend[:0]; return ok }
func (v *utf8Validator) reset()              { v.pend = v.pend[:0] }

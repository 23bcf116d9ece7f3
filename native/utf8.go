package native

import (
	"encoding/binary"
	"unicode/utf8"
)

// utf8Validator validates UTF-8 text that arrives in pieces (fragments of one
// message), where a code point may be split between pieces.
//
// It accepts exactly what utf8.Valid accepts for the concatenation of the
// pieces, but fails as soon as the bytes seen so far cannot begin valid
// UTF-8, as RFC 6455 §8.1 asks. The zero value is ready to use.
type utf8Validator struct {
	need   uint8 // continuation bytes still expected for the current code point
	lo, hi uint8 // range allowed for the next continuation byte when need > 0
	bad    bool  // an invalid byte was seen; the text can no longer be valid
}

// Bounds of an ordinary continuation byte, 10xxxxxx.
const (
	utf8ContLo = 0x80
	utf8ContHi = 0xBF
)

// utf8First classifies a leading byte, like the first table of unicode/utf8:
// the low nibble is the length of the encoding (1 for ASCII and for bytes
// that cannot start one) and the high nibble indexes utf8Accept. It is built
// once and only read.
var utf8First = func() [256]uint8 {
	// Names from unicode/utf8, short to keep the table aligned.
	const (
		xx = 0xF1 // invalid: size 1
		as = 0xF0 // ASCII: size 1
		s1 = 0x02 // accept 0, size 2
		s2 = 0x13 // accept 1, size 3 (E0: no overlongs)
		s3 = 0x03 // accept 0, size 3
		s4 = 0x23 // accept 2, size 3 (ED: no surrogates)
		s5 = 0x34 // accept 3, size 4 (F0: no overlongs)
		s6 = 0x04 // accept 0, size 4
		s7 = 0x44 // accept 4, size 4 (F4: nothing above U+10FFFF)
	)
	return [256]uint8{
		//   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x00-0x0F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x10-0x1F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x20-0x2F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x30-0x3F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x40-0x4F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x50-0x5F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x60-0x6F
		as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, as, // 0x70-0x7F
		//   1   2   3   4   5   6   7   8   9   A   B   C   D   E   F
		xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0x80-0x8F
		xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0x90-0x9F
		xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xA0-0xAF
		xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xB0-0xBF
		xx, xx, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, // 0xC0-0xCF
		s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, // 0xD0-0xDF
		s2, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s4, s3, s3, // 0xE0-0xEF
		s5, s6, s6, s6, s7, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, xx, // 0xF0-0xFF
	}
}()

// utf8Accept gives the range allowed for the second byte of an encoding,
// indexed by the high nibble of its utf8First entry. It has 16 entries so
// that indexing needs no bounds check.
var utf8Accept = [16]struct{ lo, hi uint8 }{
	0: {utf8ContLo, utf8ContHi},
	1: {0xA0, utf8ContHi},
	2: {utf8ContLo, 0x9F},
	3: {0x90, utf8ContHi},
	4: {utf8ContLo, 0x8F},
}

// utf8HiBits selects the high bit of each byte of a 64-bit word: a word of
// ASCII has none of them set.
const utf8HiBits = 0x8080808080808080

// valid feeds the next piece p of the text. It returns false as soon as the
// text so far cannot be the beginning of valid UTF-8, and keeps returning
// false afterwards. A code point cut off at the end of p is checked as far as
// it goes and remembered, to be finished by the next piece.
func (v *utf8Validator) valid(p []byte) bool {
	if v.bad {
		return false
	}
	// Full slice expression: spares recomputing the capacity when slicing,
	// as in utf8.Valid.
	p = p[:len(p):len(p)]
	if v.need > 0 {
		if p = v.continuation(p); v.bad {
			return false
		}
	}
	for len(p) > 0 {
		p0 := p[0]
		if p0 < utf8.RuneSelf {
			p = p[1:]
			// ASCII usually comes in runs: skip it a word at a time. The >
			// (not >=) avoids slicing to the very end, as in utf8.Valid.
			if len(p) > 8 && binary.LittleEndian.Uint64(p)&utf8HiBits == 0 {
				p = p[8:]
				if len(p) > 16 && (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[8:]))&utf8HiBits == 0 {
					p = p[16:]
					for len(p) > 32 && (binary.LittleEndian.Uint64(p)|binary.LittleEndian.Uint64(p[8:])|
						binary.LittleEndian.Uint64(p[16:])|binary.LittleEndian.Uint64(p[24:]))&utf8HiBits == 0 {
						p = p[32:]
					}
				}
			}
			continue
		}
		x := utf8First[p0]
		size := int(x & 7)
		accept := utf8Accept[x>>4]
		if size > len(p) {
			// The code point goes on in the next piece: check what is here
			// and remember what the rest must be. size > 1 here, since
			// len(p) >= 1.
			v.need = uint8(size - 1)
			v.lo, v.hi = accept.lo, accept.hi
			v.continuation(p[1:])
			return !v.bad
		}
		switch size {
		case 2:
			if p[1] < accept.lo || accept.hi < p[1] {
				return v.fail()
			}
		case 3:
			if p[1] < accept.lo || accept.hi < p[1] || p[2] < utf8ContLo || utf8ContHi < p[2] {
				return v.fail()
			}
		case 4:
			if p[1] < accept.lo || accept.hi < p[1] || p[2] < utf8ContLo || utf8ContHi < p[2] ||
				p[3] < utf8ContLo || utf8ContHi < p[3] {
				return v.fail()
			}
		default:
			return v.fail() // a byte that cannot start an encoding
		}
		p = p[size:]
	}
	return true
}

// continuation checks the leading bytes of p against the code point left
// unfinished by earlier bytes, updates the state, and returns the rest of p.
// It sets v.bad if a byte is out of range.
func (v *utf8Validator) continuation(p []byte) []byte {
	for v.need > 0 && len(p) > 0 {
		if p[0] < v.lo || v.hi < p[0] {
			v.bad = true
			return nil
		}
		v.need--
		v.lo, v.hi = utf8ContLo, utf8ContHi
		p = p[1:]
	}
	return p
}

// fail records that the text is invalid and returns false, so that the
// validator keeps failing on later pieces.
func (v *utf8Validator) fail() bool {
	v.bad = true
	return false
}

// complete reports whether the text fed so far is valid and ends on a code
// point boundary. Call it at the end of the message: a code point left
// unfinished there makes the message invalid.
func (v *utf8Validator) complete() bool {
	return !v.bad && v.need == 0
}

// reset makes the validator ready for a new message.
func (v *utf8Validator) reset() {
	*v = utf8Validator{}
}

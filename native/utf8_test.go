package native

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

// validatePieces feeds pieces to a fresh validator and reports whether they
// were all accepted and the text ended on a code point boundary.
func validatePieces(pieces ...[]byte) bool {
	var v utf8Validator
	for _, p := range pieces {
		if !v.valid(p) {
			return false
		}
	}
	return v.complete()
}

// splitAt cuts b at the given offsets, which must be sorted and within b.
func splitAt(b []byte, cuts ...int) [][]byte {
	var pieces [][]byte
	prev := 0
	for _, c := range cuts {
		pieces = append(pieces, b[prev:c])
		prev = c
	}
	return append(pieces, b[prev:])
}

// TestUTF8ValidatorTable checks named edge cases, whole and split at every
// position into two and three pieces.
func TestUTF8ValidatorTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"empty", "", true},
		{"ascii", "hello, world", true},
		{"long ascii", strings.Repeat("abcdefgh", 20), true},
		{"two byte", "\u00e9t\u00e9", true},
		{"three byte", "\u20ac\u65e5\u672c", true},
		{"four byte", "\U0001F600\U0010FFFF", true},
		{"min two byte", "\xc2\x80", true},
		{"max three byte", "\xef\xbf\xbf", true},
		{"before surrogates", "\xed\x9f\xbf", true},
		{"after surrogates", "\xee\x80\x80", true},
		{"min four byte", "\xf0\x90\x80\x80", true},
		{"mixed", "a\u00e9\u20ac\U0001F600z", true},
		{"autobahn hello", "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true},
		{"stray continuation", "\x80", false},
		{"stray continuation after ascii", "abc\xbf", false},
		{"continuation after full code point", "\xc3\xa9\x80", false},
		{"overlong c0", "\xc0\x80", false},
		{"overlong c1", "\xc1\xbf", false},
		{"overlong three byte", "\xe0\x80\x80", false},
		{"overlong three byte max", "\xe0\x9f\xbf", false},
		{"overlong four byte", "\xf0\x80\x80\x80", false},
		{"overlong four byte max", "\xf0\x8f\xbf\xbf", false},
		{"surrogate low", "\xed\xa0\x80", false},
		{"surrogate high", "\xed\xbf\xbf", false},
		{"surrogate pair", "\xed\xa0\xbd\xed\xb8\x80", false},
		{"above max", "\xf4\x90\x80\x80", false},
		{"f5", "\xf5\x80\x80\x80", false},
		{"ff", "\xff", false},
		{"fe", "a\xfe", false},
		{"truncated two byte", "\xc3", false},
		{"truncated three byte", "\xe2\x82", false},
		{"truncated four byte", "\xf0\x9f\x98", false},
		{"ascii in sequence", "\xe2a\xac", false},
		{"invalid after long ascii", strings.Repeat("a", 100) + "\xff" + strings.Repeat("a", 100), false},
		{"ascii after bad", "\xc3\x28", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			require.Equal(t, utf8.Valid(in), tt.ok, "table disagrees with utf8.Valid")
			require.Equal(t, tt.ok, validatePieces(in))
			for i := 0; i <= len(in); i++ {
				require.Equal(t, tt.ok, validatePieces(splitAt(in, i)...), "split at %d", i)
				for j := i; j <= len(in); j++ {
					require.Equal(t, tt.ok, validatePieces(splitAt(in, i, j)...), "split at %d, %d", i, j)
				}
			}
			// One byte at a time.
			require.Equal(t, tt.ok, validatePieces(bytes.SplitAfter(in, nil)...), "byte by byte")
		})
	}
}

// TestUTF8ValidatorEarlyFail checks that valid returns false at the first
// byte that makes the text invalid, not later, and stays false.
func TestUTF8ValidatorEarlyFail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string // still a possible prefix of valid text
		bad    byte   // the byte that rules it out
	}{
		{"surrogate", "\xed", 0xa0},
		{"above max", "\xf4", 0x90},
		{"overlong three byte", "\xe0", 0x9f},
		{"overlong four byte", "\xf0", 0x8f},
		{"c0", "", 0xc0},
		{"c1", "abc", 0xc1},
		{"f5", "", 0xf5},
		{"ff", "x", 0xff},
		{"stray continuation", "", 0x80},
		{"ascii in two byte", "\xc3", 'a'},
		{"ascii as third byte", "\xe2\x82", 'a'},
		{"ascii as fourth byte", "\xf0\x9f\x98", 'a'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Fed whole.
			var v utf8Validator
			require.True(t, v.valid([]byte(tt.prefix)), "prefix must be accepted")
			require.False(t, v.valid([]byte{tt.bad}), "bad byte must be rejected at once")
			require.False(t, v.valid([]byte("a")), "must stay invalid")
			require.False(t, v.complete())

			// Fed in one piece with the bad byte.
			v.reset()
			require.False(t, v.valid(append([]byte(tt.prefix), tt.bad)))

			// Fed byte by byte.
			v.reset()
			for i := range len(tt.prefix) {
				require.True(t, v.valid([]byte{tt.prefix[i]}), "prefix byte %d", i)
			}
			require.False(t, v.valid([]byte{tt.bad}))

			// Reset makes it usable again.
			v.reset()
			require.True(t, v.valid([]byte("ok")))
			require.True(t, v.complete())
		})
	}
}

// TestUTF8ValidatorPrefixes checks that every prefix of valid text, however
// it is split, is accepted by valid, and that complete is true only at code
// point boundaries.
func TestUTF8ValidatorPrefixes(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(7, 8))
	for iter := 0; iter < 500; iter++ {
		in := randomValidUTF8(rng, rng.IntN(40))
		for i := 0; i <= len(in); i++ {
			var v utf8Validator
			for _, p := range splitRandom(rng, in[:i]) {
				require.True(t, v.valid(p), "%q prefix %d", in, i)
			}
			require.Equal(t, utf8.Valid(in[:i]), v.complete(), "%q prefix %d", in, i)
		}
	}
}

// TestUTF8ValidatorDifferential compares against utf8.Valid on random
// inputs split at random points into 1 to 5 pieces.
func TestUTF8ValidatorDifferential(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(9, 10))
	for iter := 0; iter < 20000; iter++ {
		var in []byte
		switch iter % 4 {
		case 0:
			in = randomValidUTF8(rng, rng.IntN(64))
		case 1:
			in = randomBytes(rng, rng.IntN(64))
		default:
			in = randomMixed(rng, rng.IntN(200))
		}
		pieces := splitRandom(rng, in)
		require.Equal(t, utf8.Valid(in), validatePieces(pieces...), "%q split into %q", in, pieces)
	}
}

// TestUTF8ValidatorReuse checks that a validator can be reset after both a
// failure and an unfinished code point.
func TestUTF8ValidatorReuse(t *testing.T) {
	t.Parallel()
	var v utf8Validator
	require.True(t, v.valid([]byte("\xe2\x82")))
	require.False(t, v.complete())
	v.reset()
	require.False(t, v.valid([]byte("\xac")), "a continuation byte cannot start the text")
	v.reset()
	require.True(t, v.valid([]byte("\xe2\x82\xac")))
	require.True(t, v.complete())
}

// randomValidUTF8 returns n random runes, valid UTF-8 by construction,
// drawn from every encoding length.
func randomValidUTF8(rng *rand.Rand, n int) []byte {
	var b []byte
	for range n {
		var r rune
		switch rng.IntN(5) {
		case 0:
			r = rune(rng.IntN(0x80))
		case 1:
			r = rune(0x80 + rng.IntN(0x800-0x80))
		case 2:
			r = rune(0x800 + rng.IntN(0x10000-0x800))
		case 3:
			r = rune(0x10000 + rng.IntN(utf8.MaxRune+1-0x10000))
		default:
			// Runes at the edges of the ranges.
			edges := []rune{0x7F, 0x80, 0x7FF, 0x800, 0xD7FF, 0xE000, 0xFFFF, 0x10000, utf8.MaxRune}
			r = edges[rng.IntN(len(edges))]
		}
		if !utf8.ValidRune(r) {
			r = 'x'
		}
		b = utf8.AppendRune(b, r)
	}
	return b
}

// randomBytes returns n uniformly random bytes, almost always invalid.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	return b
}

// randomMixed returns about n bytes of runs of ASCII and valid multibyte
// text, with now and then a byte changed, dropped or inserted, so that the
// errors sit among long runs of valid text.
func randomMixed(rng *rand.Rand, n int) []byte {
	var b []byte
	for len(b) < n {
		if rng.IntN(2) == 0 {
			b = append(b, strings.Repeat("a", rng.IntN(40))...)
		} else {
			b = append(b, randomValidUTF8(rng, rng.IntN(8))...)
		}
	}
	if len(b) > 0 && rng.IntN(2) == 0 {
		i := rng.IntN(len(b))
		switch rng.IntN(3) {
		case 0:
			b[i] = byte(rng.Uint32())
		case 1:
			b = append(b[:i], b[i+1:]...)
		default:
			b = append(b[:i], append([]byte{0x80 | byte(rng.IntN(0x80))}, b[i:]...)...)
		}
	}
	return b
}

// splitRandom cuts b into 1 to 5 pieces at random points (pieces may be
// empty).
func splitRandom(rng *rand.Rand, b []byte) [][]byte {
	cuts := make([]int, rng.IntN(5))
	for i := range cuts {
		cuts[i] = rng.IntN(len(b) + 1)
	}
	slices.Sort(cuts)
	return splitAt(b, cuts...)
}

// FuzzUTF8Validator checks that splitting the input at a point and feeding
// both halves agrees with utf8.Valid on the whole, and that a whole valid
// input is accepted byte by byte.
func FuzzUTF8Validator(f *testing.F) {
	seeds := []string{
		"", "a", "hello", "\u00e9", "\u20ac", "\U0001F600", "\xed\xa0\x80", "\xf4\x90\x80\x80",
		"\xc0\x80", "\xe0\x80\x80", "\xf0\x8f\xbf\xbf", "\xff", "\x80", "\xe2\x82",
		strings.Repeat("ascii", 10) + "\xce\xba", "\xef\xbf\xbf\xf4\x8f\xbf\xbf",
	}
	for i, s := range seeds {
		f.Add([]byte(s), uint(i))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint) {
		want := utf8.Valid(in)
		cut := int(split % uint(len(in)+1))
		require.Equal(t, want, validatePieces(in[:cut], in[cut:]), "split at %d", cut)
		require.Equal(t, want, validatePieces(in), "whole")
		if want {
			var v utf8Validator
			for i := range in {
				require.True(t, v.valid(in[i:i+1]), "byte %d", i)
			}
			require.True(t, v.complete())
		}
	})
}

// BenchmarkUTF8Validator compares the validator, fed in one piece, with
// utf8.Valid on ASCII and on mixed text.
func BenchmarkUTF8Validator(b *testing.B) {
	inputs := map[string]func(n int) []byte{
		"ascii": func(n int) []byte { return bytes.Repeat([]byte("The quick brown fox. "), n/21+1)[:n] },
		"mixed": func(n int) []byte {
			var b []byte
			for len(b) < n {
				b = append(b, "Grüße, 世界 😀 and some plain ASCII words in between. "...)
			}
			// Cut on a code point boundary.
			for !utf8.Valid(b[:n]) {
				n--
			}
			return b[:n]
		},
	}
	impls := []struct {
		name string
		fn   func([]byte) bool
	}{
		{"w3ws", func(p []byte) bool { var v utf8Validator; return v.valid(p) && v.complete() }},
		{"stdlib", utf8.Valid},
	}
	sizes := []struct {
		name string
		n    int
	}{{"1KiB", 1 << 10}, {"64KiB", 64 << 10}}
	for _, impl := range impls {
		for _, input := range []string{"ascii", "mixed"} {
			for _, size := range sizes {
				b.Run(fmt.Sprintf("impl=%s/input=%s/size=%s", impl.name, input, size.name), func(b *testing.B) {
					p := inputs[input](size.n)
					if !impl.fn(p) {
						b.Fatal("input is not valid")
					}
					b.SetBytes(int64(len(p)))
					b.ReportAllocs()
					for b.Loop() {
						impl.fn(p)
					}
				})
			}
		}
	}
}

package native

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// maskByte is the byte-by-byte reference for mask: it applies the wire key
// exactly as RFC 6455 §5.3 describes, payload byte i XOR key byte i mod 4.
func maskByte(b []byte, key uint32) uint32 {
	var k [4]byte
	binary.LittleEndian.PutUint32(k[:], key)
	for i := range b {
		b[i] ^= k[i&3]
	}
	return bits.RotateLeft32(key, -8*(len(b)&3))
}

// maskImpls lists the implementations the tests check against maskByte.
var maskImpls = []struct {
	name string
	fn   func([]byte, uint32) uint32
}{
	{"mask", mask},
	{"maskGo", maskGo},
}

// testKeys returns a few keys including every byte rotation of a key with
// distinct bytes, so a wrong rotation cannot go unnoticed.
func testKeys() []uint32 {
	const k = 0x44332211
	return []uint32{k, bits.RotateLeft32(k, -8), bits.RotateLeft32(k, -16), bits.RotateLeft32(k, -24), 0, 0xFFFFFFFF, 0xDEADBEEF}
}

// TestMaskReference checks every length 0..300 at every start offset 0..15
// and every key against the byte-by-byte reference, and checks that bytes
// around the slice are not touched.
func TestMaskReference(t *testing.T) {
	t.Parallel()
	const guard = 32
	rng := rand.New(rand.NewPCG(1, 2))
	for _, impl := range maskImpls {
		t.Run(impl.name, func(t *testing.T) {
			for _, key := range testKeys() {
				for n := 0; n <= 300; n++ {
					for off := 0; off < 16; off++ {
						buf := make([]byte, guard+off+n+guard)
						for i := range buf {
							buf[i] = byte(rng.Uint32())
						}
						want := bytes.Clone(buf)
						wantKey := maskByte(want[guard+off:guard+off+n], key)

						gotKey := impl.fn(buf[guard+off:guard+off+n], key)
						if !bytes.Equal(buf, want) || gotKey != wantKey {
							require.Equal(t, want, buf, "key=%#x n=%d off=%d", key, n, off)
							require.Equal(t, wantKey, gotKey, "key=%#x n=%d off=%d", key, n, off)
						}
					}
				}
			}
		})
	}
}

// TestMaskAsmBounds checks that the assembly routine masks exactly the
// multiple-of-16 prefix of its argument and nothing before or after it,
// including bytes that lie within the slice's capacity.
func TestMaskAsmBounds(t *testing.T) {
	t.Parallel()
	if maskAsmFn == nil {
		t.Skip("no assembly on this architecture")
	}
	const guard = 64
	for n := 0; n <= 200; n++ {
		for off := 0; off < 16; off++ {
			buf := make([]byte, guard+off+n+guard)
			for i := range buf {
				buf[i] = byte(i * 7)
			}
			want := bytes.Clone(buf)
			maskByte(want[guard+off:guard+off+n&^15], 0xA1B2C3D4)

			maskAsmFn(buf[guard+off:guard+off+n], 0xA1B2C3D4)
			require.Equal(t, want, buf, "n=%d off=%d", n, off)
		}
	}
}

// TestMaskKey checks the returned key directly: it is the input key rotated
// right by 8 bits per byte of length mod 4.
func TestMaskKey(t *testing.T) {
	t.Parallel()
	const key = 0x44332211
	want := []uint32{0x44332211, 0x11443322, 0x22114433, 0x33221144}
	for _, impl := range maskImpls {
		for n := 0; n < 200; n++ {
			b := make([]byte, n)
			require.Equal(t, want[n%4], impl.fn(b, key), "%s n=%d", impl.name, n)
		}
	}
	// Masking zeros yields the key bytes themselves, in wire order.
	b := make([]byte, 6)
	mask(b, 0x44332211)
	require.Equal(t, []byte{0x11, 0x22, 0x33, 0x44, 0x11, 0x22}, b)
}

// TestMaskChunked checks that masking a buffer in randomly sized chunks,
// passing the returned key on, gives the same bytes as masking it at once.
func TestMaskChunked(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, impl := range maskImpls {
		for iter := 0; iter < 300; iter++ {
			n := rng.IntN(5000)
			key := rng.Uint32()
			buf := make([]byte, n)
			for i := range buf {
				buf[i] = byte(rng.Uint32())
			}
			want := bytes.Clone(buf)
			wantKey := maskByte(want, key)

			k := key
			for rest := buf; len(rest) > 0; {
				c := rng.IntN(min(len(rest), 300) + 1)
				k = impl.fn(rest[:c], k)
				rest = rest[c:]
			}
			require.Equal(t, want, buf, "%s iter=%d", impl.name, iter)
			require.Equal(t, wantKey, k, "%s iter=%d", impl.name, iter)
		}
	}
}

// TestMaskLarge checks buffers of 1 MiB and odd sizes around it with random
// content and random offsets.
func TestMaskLarge(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(5, 6))
	for _, n := range []int{1 << 20, 1<<20 + 1, 1<<20 + 3, 1<<20 - 5, 1<<20 + 15, 999_983} {
		off := rng.IntN(16)
		key := rng.Uint32()
		buf := make([]byte, off+n+16)
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		want := bytes.Clone(buf)
		wantKey := maskByte(want[off:off+n], key)
		for _, impl := range maskImpls {
			got := bytes.Clone(buf)
			gotKey := impl.fn(got[off:off+n], key)
			require.True(t, bytes.Equal(want, got), "%s n=%d off=%d", impl.name, n, off)
			require.Equal(t, wantKey, gotKey, "%s n=%d", impl.name, n)
		}
	}
}

// BenchmarkMask compares the dispatching mask, the SSE2 routine, the
// portable word-wise code, the byte-by-byte reference and copy (the memory
// bandwidth baseline) over a range of sizes.
func BenchmarkMask(b *testing.B) {
	impls := []struct {
		name string
		fn   func([]byte, uint32)
	}{
		{"mask", func(p []byte, k uint32) { mask(p, k) }},
		{"sse2", func(p []byte, k uint32) { maskAsmFn(p, k) }},
		{"avx2", func(p []byte, k uint32) { maskAVX2Fn(p, k) }},
		{"go", func(p []byte, k uint32) { maskGo(p, k) }},
		{"byte", func(p []byte, k uint32) { maskByte(p, k) }},
	}
	sizes := []struct {
		name string
		n    int
	}{{"16B", 16}, {"32B", 32}, {"64B", 64}, {"128B", 128}, {"1KiB", 1 << 10}, {"16KiB", 16 << 10}, {"64KiB", 64 << 10}, {"1MiB", 1 << 20}}
	for _, impl := range impls {
		if impl.name == "sse2" && maskAsmFn == nil || impl.name == "avx2" && maskAVX2Fn == nil {
			continue
		}
		for _, size := range sizes {
			b.Run(fmt.Sprintf("impl=%s/size=%s", impl.name, size.name), func(b *testing.B) {
				p := make([]byte, size.n)
				b.SetBytes(int64(size.n))
				b.ReportAllocs()
				for b.Loop() {
					impl.fn(p, 0xA1B2C3D4)
				}
			})
		}
	}
	for _, size := range sizes {
		b.Run(fmt.Sprintf("impl=copy/size=%s", size.name), func(b *testing.B) {
			src := make([]byte, size.n)
			dst := make([]byte, size.n)
			b.SetBytes(int64(size.n))
			b.ReportAllocs()
			for b.Loop() {
				copy(dst, src)
			}
		})
	}
}

package native

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// maskAsmFn is the SSE2 routine for the tests and benchmarks, and
// maskAVX2Fn the AVX2 one; nil where the architecture or CPU has none.
var (
	maskAsmFn  func([]byte, uint32) = maskAsm
	maskAVX2Fn func([]byte, uint32)
)

func init() {
	// Both dispatch paths are checked against the byte reference, whatever
	// the CPU picks for mask.
	maskImpls = append(maskImpls, struct {
		name string
		fn   func([]byte, uint32) uint32
	}{"maskSSE2", func(b []byte, k uint32) uint32 { return maskWith(b, k, false) }})
	if hasAVX2 {
		maskAVX2Fn = maskAVX2
		maskImpls = append(maskImpls, struct {
			name string
			fn   func([]byte, uint32) uint32
		}{"maskAVX2", func(b []byte, k uint32) uint32 { return maskWith(b, k, true) }})
	}
}

// TestMaskAVX2Bounds checks that the AVX2 routine masks exactly the
// multiple-of-32 prefix of its argument and nothing before or after it.
func TestMaskAVX2Bounds(t *testing.T) {
	if !hasAVX2 {
		t.Skip("this CPU has no AVX2; the SSE2 routine is what mask runs")
	}
	const guard = 64
	for n := 0; n <= 400; n++ {
		for off := 0; off < 32; off++ {
			buf := make([]byte, guard+off+n+guard)
			for i := range buf {
				buf[i] = byte(i * 7)
			}
			want := bytes.Clone(buf)
			maskByte(want[guard+off:guard+off+n&^31], 0xA1B2C3D4)
			maskAVX2(buf[guard+off:guard+off+n], 0xA1B2C3D4)
			require.Equal(t, want, buf, "n=%d off=%d", n, off)
		}
	}
}

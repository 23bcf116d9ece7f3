package native

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// frameVector is one line of testdata/frames/rfc6455-5.7.txt.
type frameVector struct {
	name    string
	wire    []byte
	fin     bool
	op      opcode
	masked  bool
	key     []byte
	payload []byte
}

func loadFrameVectors(t testing.TB) []frameVector {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "testdata", "frames", "rfc6455-5.7.txt"))
	require.NoError(t, err)
	defer f.Close()
	var vs []frameVector
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		fs := strings.Fields(line)
		require.Len(t, fs, 7, line)
		v := frameVector{name: fs[0], fin: fs[2] == "1", masked: fs[4] == "1"}
		v.wire, err = hex.DecodeString(fs[1])
		require.NoError(t, err)
		op, err := strconv.Atoi(fs[3])
		require.NoError(t, err)
		v.op = opcode(op)
		if fs[5] != "-" {
			v.key, err = hex.DecodeString(fs[5])
			require.NoError(t, err)
		}
		v.payload, err = hex.DecodeString(fs[6])
		require.NoError(t, err)
		vs = append(vs, v)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, vs)
	return vs
}

func TestParseHeaderRFCVectors(t *testing.T) {
	for _, v := range loadFrameVectors(t) {
		t.Run(v.name, func(t *testing.T) {
			h, n, err := parseHeader(v.wire)
			require.NoError(t, err)
			require.NotZero(t, n)
			assert.Equal(t, v.fin, h.fin)
			assert.Equal(t, v.op, h.op)
			assert.Equal(t, v.masked, h.masked)
			assert.Equal(t, int64(len(v.payload)), h.length)
			payload := append([]byte(nil), v.wire[n:]...)
			if v.masked {
				assert.Equal(t, binary.LittleEndian.Uint32(v.key), h.key)
				mask(payload, h.key)
			}
			assert.Equal(t, v.payload, payload)

			// Encoding the decoded header gives the same bytes back.
			assert.Equal(t, v.wire[:n], appendHeader(nil, h))
		})
	}
}

func TestParseHeaderExtendedLengths(t *testing.T) {
	// §5.7: 256 bytes binary in a single unmasked frame, and 64 KiB.
	h, n, err := parseHeader([]byte{0x82, 0x7e, 0x01, 0x00})
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, int64(256), h.length)
	h, n, err = parseHeader([]byte{0x82, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0})
	require.NoError(t, err)
	assert.Equal(t, 10, n)
	assert.Equal(t, int64(65536), h.length)
}

func TestParseHeaderErrors(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"rsv1", []byte{0xc1, 0x00}, ErrReservedBits},
		{"rsv2", []byte{0xa1, 0x00}, ErrReservedBits},
		{"rsv3", []byte{0x91, 0x00}, ErrReservedBits},
		{"opcode3", []byte{0x83, 0x00}, ErrUnknownOpcode},
		{"opcode7", []byte{0x87, 0x00}, ErrUnknownOpcode},
		{"opcodeB", []byte{0x8b, 0x00}, ErrUnknownOpcode},
		{"opcodeF", []byte{0x8f, 0x00}, ErrUnknownOpcode},
		{"fragmentedPing", []byte{0x09, 0x00}, ErrControlFragmented},
		{"fragmentedClose", []byte{0x08, 0x00}, ErrControlFragmented},
		{"ping126", []byte{0x89, 0x7e, 0x00, 0x7e}, ErrControlTooLong},
		{"len16NonMinimal", []byte{0x82, 0x7e, 0x00, 0x7d}, ErrNonMinimalLength},
		{"len64NonMinimal", []byte{0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, ErrNonMinimalLength},
		{"len64MSB", []byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0}, ErrLengthMSB},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, n, err := parseHeader(tt.wire)
			assert.ErrorIs(t, err, tt.want)
			assert.Zero(t, n)
		})
	}
}

func TestParseHeaderIncomplete(t *testing.T) {
	full := appendHeader(nil, header{fin: true, op: opBinary, masked: true, key: 0x01020304, length: 70000})
	for i := 0; i < len(full); i++ {
		_, n, err := parseHeader(full[:i])
		require.NoError(t, err, "prefix %d", i)
		require.Zero(t, n, "prefix %d", i)
	}
	_, n, err := parseHeader(full)
	require.NoError(t, err)
	assert.Equal(t, len(full), n)
}

func TestAppendHeaderRoundTrip(t *testing.T) {
	lengths := []int64{0, 1, 125, 126, 127, 65535, 65536, 1 << 32, math.MaxInt64}
	for _, l := range lengths {
		for _, masked := range []bool{false, true} {
			for _, op := range []opcode{opContinuation, opText, opBinary} {
				h := header{fin: l%2 == 0, op: op, masked: masked, length: l}
				if masked {
					h.key = 0xdeadbeef
				}
				b := appendHeader(nil, h)
				got, n, err := parseHeader(b)
				require.NoError(t, err)
				assert.Equal(t, len(b), n)
				assert.Equal(t, h, got)
				assert.LessOrEqual(t, n, maxHeaderSize)
			}
		}
	}
}

func FuzzParseHeader(f *testing.F) {
	for _, v := range loadFrameVectors(f) {
		f.Add(v.wire)
	}
	f.Add([]byte{0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{0x82, 0x7e, 0x00, 0x7d})
	f.Fuzz(func(t *testing.T, b []byte) {
		h, n, err := parseHeader(b)
		if err != nil || n == 0 {
			return
		}
		// A header we accept is minimal and re-encodes to the same bytes.
		if got := appendHeader(nil, h); string(got) != string(b[:n]) {
			t.Fatalf("re-encoded %x, parsed from %x", got, b[:n])
		}
		if h.length < 0 || (h.op.isControl() && (h.length > maxControlPayload || !h.fin)) {
			t.Fatalf("accepted invalid header %+v", h)
		}
	})
}

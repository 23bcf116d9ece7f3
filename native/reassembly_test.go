package native

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fragmentedWire encodes msg as one message of frames carrying frag payload
// bytes each (the first with op, then continuations, FIN on the last),
// masked when masked is set.
func fragmentedWire(op opcode, msg []byte, frag int, masked bool) []byte {
	var out []byte
	first := true
	for len(msg) > 0 || first {
		n := min(frag, len(msg))
		h := header{fin: n == len(msg), op: opContinuation, masked: masked, length: int64(n)}
		if first {
			h.op = op
		}
		if masked {
			h.key = 0x01020304
		}
		out = appendHeader(out, h)
		off := len(out)
		out = append(out, msg[:n]...)
		if masked {
			mask(out[off:], h.key)
		}
		msg, first = msg[n:], false
	}
	return out
}

// TestReadMessageFragmentedIsLinear receives large messages cut into tiny
// frames and checks what reassembly allocates: with growth by each frame's
// length (the quadratic bug) 1 MiB in 64-byte frames allocated gigabytes;
// linear growth stays within a few times the message.
func TestReadMessageFragmentedIsLinear(t *testing.T) {
	for _, tc := range []struct {
		name       string
		size, frag int
		masked     bool
		dst        []byte
	}{
		{"size=1MiB/frag=64B/client", 1 << 20, 64, false, nil},
		{"size=4MiB/frag=64B/server", 4 << 20, 64, true, nil},
		{"size=4MiB/frag=4KiB/client", 4 << 20, 4 << 10, false, nil},
		{"size=3MiB/frag=1000B/prefix", 3<<20 + 7, 1000, false, []byte("prefix")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg := make([]byte, tc.size)
			for i := range msg {
				msg[i] = byte(i * 7)
			}
			wire := fragmentedWire(opBinary, msg, tc.frag, tc.masked)
			c := newConn(&streamConn{r: bytes.NewReader(wire)}, nil, connConfig{client: !tc.masked})
			var before, after runtimeMem
			before.read()
			typ, got, err := c.ReadMessage(tc.dst)
			after.read()
			require.NoError(t, err)
			assert.Equal(t, MessageBinary, typ)
			require.Equal(t, len(tc.dst)+tc.size, len(got))
			assert.True(t, bytes.Equal(msg, got[len(tc.dst):]), "payload differs")
			assert.Equal(t, string(tc.dst), string(got[:len(tc.dst)]))
			allocated := after.totalAlloc - before.totalAlloc
			assert.Less(t, allocated, uint64(4*tc.size), "reassembly allocated %d bytes for a %d-byte message", allocated, tc.size)
		})
	}
}

// TestReadMessageFragmentedText checks UTF-8 validation across frames cut
// inside code points, and that a bad sequence deep in a spilled message
// still fails with 1007.
func TestReadMessageFragmentedText(t *testing.T) {
	text := bytes.Repeat([]byte("héllo, 世界 ✓ "), 200000) // about 3.6 MB
	c := newConn(&streamConn{r: bytes.NewReader(fragmentedWire(opText, text, 333, false))}, nil, connConfig{client: true})
	typ, got, err := c.ReadMessage(nil)
	require.NoError(t, err)
	assert.Equal(t, MessageText, typ)
	assert.True(t, bytes.Equal(text, got))

	bad := bytes.Clone(text)
	bad[len(bad)-100] = 0xff
	c = newConn(&streamConn{r: bytes.NewReader(fragmentedWire(opText, bad, 333, false))}, nil, connConfig{client: true})
	_, _, err = c.ReadMessage(nil)
	assert.ErrorIs(t, err, ErrInvalidUTF8)
	assert.Empty(t, c.spill, "the spilled chunks are released")
}

// TestReadMessageFragmentedLimit checks MaxMessageSize on a fragmented
// message past the contiguous part: the frame that crosses the limit fails
// with 1009, and no allocation ran past the limit.
func TestReadMessageFragmentedLimit(t *testing.T) {
	const limit = 3<<20 + 100
	msg := make([]byte, 4<<20)
	c := newConn(&streamConn{r: bytes.NewReader(fragmentedWire(opBinary, msg, 4096, false))}, nil,
		connConfig{client: true, opts: ConnOptions{MaxMessageSize: limit}})
	var before, after runtimeMem
	before.read()
	_, got, err := c.ReadMessage(nil)
	after.read()
	assert.ErrorIs(t, err, ErrMessageTooBig)
	assert.Empty(t, got)
	assert.Less(t, after.totalAlloc-before.totalAlloc, uint64(2*limit))
}

// TestReadMessageReusedBufferNoSpill checks that a buffer with room for the
// whole message is filled in place, however the message is fragmented.
func TestReadMessageReusedBufferNoSpill(t *testing.T) {
	msg := bytes.Repeat([]byte{0xab}, 2<<20)
	wire := fragmentedWire(opBinary, msg, 64, false)
	buf := make([]byte, 0, 2<<20)
	c := newConn(&streamConn{r: bytes.NewReader(append(bytes.Clone(wire), wire...))}, nil, connConfig{client: true})
	for range 2 {
		_, got, err := c.ReadMessage(buf[:0])
		require.NoError(t, err)
		require.True(t, bytes.Equal(msg, got))
		assert.Equal(t, &buf[:1][0], &got[:1][0], "read into the caller's buffer")
	}
}

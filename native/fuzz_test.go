package native

import (
	"bytes"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// streamConn is a net.Conn that reads a fixed byte stream and discards
// writes: it feeds ReadMessage arbitrary peer input without a socket.
type streamConn struct {
	r *bytes.Reader
}

func (s *streamConn) Read(p []byte) (int, error)       { return s.r.Read(p) }
func (s *streamConn) Write(p []byte) (int, error)      { return len(p), nil }
func (s *streamConn) Close() error                     { return nil }
func (s *streamConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (s *streamConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (s *streamConn) SetDeadline(time.Time) error      { return nil }
func (s *streamConn) SetReadDeadline(time.Time) error  { return nil }
func (s *streamConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzReadMessage feeds arbitrary bytes to a client Conn's frame reader: it
// must never panic, never return a message over the limit, never return
// invalid UTF-8 as text, and end with an error once the input runs out.
func FuzzReadMessage(f *testing.F) {
	for _, v := range loadFrameVectors(f) {
		if !v.masked {
			f.Add(v.wire)
		}
	}
	f.Add([]byte("\x01\x03Hel\x89\x00\x80\x02lo"))
	f.Add([]byte("\x81\x02\xce\xbb\x88\x02\x03\xe8"))
	f.Add([]byte("\x82\x7e\x01\x00"))
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1 << 16
		c := newConn(&streamConn{r: bytes.NewReader(in)}, nil, connConfig{client: true, opts: ConnOptions{MaxMessageSize: limit}})
		for i := 0; ; i++ {
			if i > len(in) {
				t.Fatalf("more messages than input bytes")
			}
			typ, msg, err := c.ReadMessage(nil)
			if err != nil {
				return
			}
			if len(msg) > limit {
				t.Fatalf("message of %d bytes over the %d limit", len(msg), limit)
			}
			if typ == MessageText && !utf8ValidBytes(msg) {
				t.Fatalf("invalid UTF-8 returned as text: %q", msg)
			}
		}
	})
}

// fuzzMaskKey is the masking key of the hand-built seeds of
// FuzzReadMessageServer: the RFC 6455 §5.7 example's, 37 fa 21 3d.
const fuzzMaskKey = 0x3d21fa37

// maskedFrame returns one frame as a client sends it: masked with
// fuzzMaskKey.
func maskedFrame(fin bool, op opcode, payload string) []byte {
	h := header{fin: fin, op: op, masked: true, key: fuzzMaskKey, length: int64(len(payload))}
	b := appendHeader(nil, h)
	p := []byte(payload)
	mask(p, h.key)
	return append(b, p...)
}

// FuzzReadMessageServer feeds arbitrary bytes to a server Conn's frame
// reader, which must refuse unmasked frames (§5.1). Besides the checks of
// FuzzReadMessage, a first frame whose header is whole and valid but
// unmasked must fail the first read with ErrUnmaskedFrame.
func FuzzReadMessageServer(f *testing.F) {
	for _, v := range loadFrameVectors(f) {
		if v.masked {
			f.Add(v.wire)
		}
	}
	join := func(frames ...[]byte) []byte { return bytes.Join(frames, nil) }
	f.Add(join(maskedFrame(false, opText, "Hel"), maskedFrame(true, opContinuation, "lo")))
	f.Add(join(maskedFrame(false, opText, "\xce"), maskedFrame(false, opContinuation, ""), maskedFrame(true, opContinuation, "\xbb")))
	f.Add(join(maskedFrame(false, opText, "Hel"), maskedFrame(true, opPing, "p"), maskedFrame(true, opContinuation, "lo")))
	f.Add(join(maskedFrame(true, opBinary, "\x00\x01"), maskedFrame(true, opClose, "\x03\xe8bye")))
	f.Add(maskedFrame(true, opClose, ""))
	f.Add([]byte("\x81\x05Hello"))                                       // unmasked: must fail
	f.Add(join(maskedFrame(false, opText, "Hel"), []byte("\x80\x02lo"))) // unmasked continuation
	f.Fuzz(func(t *testing.T, in []byte) {
		const limit = 1 << 16
		c := newConn(&streamConn{r: bytes.NewReader(in)}, nil, connConfig{client: false, opts: ConnOptions{MaxMessageSize: limit}})
		for i := 0; ; i++ {
			if i > len(in) {
				t.Fatalf("more messages than input bytes")
			}
			typ, msg, err := c.ReadMessage(nil)
			if i == 0 {
				if h, n, herr := parseHeader(in); herr == nil && n > 0 && !h.masked && !errors.Is(err, ErrUnmaskedFrame) {
					t.Fatalf("first frame unmasked, got %v, want ErrUnmaskedFrame", err)
				}
			}
			if err != nil {
				return
			}
			if len(msg) > limit {
				t.Fatalf("message of %d bytes over the %d limit", len(msg), limit)
			}
			if typ == MessageText && !utf8ValidBytes(msg) {
				t.Fatalf("invalid UTF-8 returned as text: %q", msg)
			}
		}
	})
}

// TestReadMessageServerSeeds checks that the hand-built seeds of
// FuzzReadMessageServer reach the server as meant: masked fragments with a
// Ping between them make one message, an unmasked frame is refused.
func TestReadMessageServerSeeds(t *testing.T) {
	read := func(in []byte) (MessageType, []byte, error) {
		c := newConn(&streamConn{r: bytes.NewReader(in)}, nil, connConfig{client: false})
		return c.ReadMessage(nil)
	}
	typ, msg, err := read(bytes.Join([][]byte{
		maskedFrame(false, opText, "Hel"), maskedFrame(true, opPing, "p"), maskedFrame(true, opContinuation, "lo"),
	}, nil))
	require.NoError(t, err)
	assert.Equal(t, MessageText, typ)
	assert.Equal(t, "Hello", string(msg))

	_, _, err = read(maskedFrame(true, opClose, "\x03\xe8bye"))
	var ce *CloseError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, StatusCode(1000), ce.Code)
	assert.Equal(t, "bye", ce.Reason)

	_, _, err = read([]byte("\x81\x05Hello"))
	assert.ErrorIs(t, err, ErrUnmaskedFrame)
}

package native

import (
	"bytes"
	"net"
	"testing"
	"time"
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

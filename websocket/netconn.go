package websocket

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// NetConn waits for the stream to open and returns it as a net.Conn, for
// code that speaks a byte stream (TLS, HTTP/2, SSH, gRPC) over a WebSocket.
// Binary messages are the byte stream: a Read returns the next bytes of
// the current message and may return part of one; a Write sends p as one
// binary message and returns once it is written. A text message from the
// peer fails the connection (Close 1003; 1000 in the browser, whose
// WebSocket cannot send 1003) and Read returns an error.
// Deadlines work as net.Conn says; a Write whose deadline passes while it
// blocks drops the connection, since a frame cannot be taken back once
// part of it may have gone out. Close sends a Close frame with 1000 and
// returns without waiting for the peer's reply; data messages still
// arriving are discarded. Read returns io.EOF after the peer closed
// cleanly.
//
// Use either the net.Conn or the stream's halves: they share one
// connection, and a message read through one is gone for the other.
func (s *WebSocketStream) NetConn(ctx context.Context) (net.Conn, error) {
	if _, err := s.Opened(ctx); err != nil {
		return nil, err
	}
	return &netConn{s: s, closing: make(chan struct{})}, nil
}

// netConn is the net.Conn of NetConn.
type netConn struct {
	s *WebSocketStream

	readMu  sync.Mutex // one Read at a time; guards rest and readErr
	rest    []byte     // the unread part of the current message
	readErr error      // a text message broke the byte stream: every later Read fails

	rd, wd deadline

	closeOnce sync.Once
	closing   chan struct{} // closed by Close
}

// errTextOnNetConn is Read's error for a text message.
var errTextOnNetConn = errors.New("websocket: NetConn: received a text message; the byte stream is binary messages only")

// Read reads the next bytes of the byte stream.
func (c *netConn) Read(p []byte) (int, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	ctx := c.rd.context()
	switch {
	case c.isClosing():
		return 0, c.opError("read", net.ErrClosed)
	case c.readErr != nil:
		return 0, c.readErr
	case ctx.Err() != nil:
		// A passed deadline fails the Read even when bytes are buffered,
		// as a TCP connection's does.
		return 0, c.opError("read", os.ErrDeadlineExceeded)
	}
	for len(c.rest) == 0 {
		if len(p) == 0 {
			return 0, nil
		}
		_, data, isText, err := c.s.t.read(ctx)
		switch {
		case err != nil && c.isClosing():
			// Our Close woke this Read (its reply may have ended the
			// stream cleanly first): net.ErrClosed, as for a closed socket.
			return 0, c.opError("read", net.ErrClosed)
		case err == io.EOF:
			return 0, io.EOF
		case err != nil && ctx.Err() != nil:
			// This Read's deadline passed, not an earlier one that
			// dropped the connection.
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		case err != nil:
			return 0, c.opError("read", err)
		case isText:
			// 1003 (unsupported data) is not a code Close takes from a
			// program; the transport sends it (in the browser, which
			// allows no such code, 1000).
			c.s.t.close(c.s, 1003, "text message on a byte stream")
			c.s.t.stopReading()
			c.readErr = c.opError("read", errTextOnNetConn)
			return 0, c.readErr
		}
		c.rest = data
	}
	n := copy(p, c.rest)
	c.rest = c.rest[n:]
	if len(c.rest) == 0 {
		c.rest = nil
	}
	return n, nil
}

// Write sends p as one binary message.
func (c *netConn) Write(p []byte) (int, error) {
	if c.isClosing() {
		return 0, c.opError("write", net.ErrClosed)
	}
	ctx := c.wd.context()
	err := c.s.t.write(ctx, "", p, false)
	switch {
	case err == nil:
		return len(p), nil
	case c.isClosing():
		return 0, c.opError("write", net.ErrClosed)
	case ctx.Err() != nil:
		// This Write's deadline passed (the connection is dropped: a
		// later Write fails for good, not as a timeout).
		return 0, c.opError("write", os.ErrDeadlineExceeded)
	}
	return 0, c.opError("write", err)
}

// Close sends a Close frame with 1000, makes blocked and later Reads and
// Writes return net.ErrClosed, and discards what still arrives.
func (c *netConn) Close() error {
	first := false
	c.closeOnce.Do(func() {
		first = true
		close(c.closing)
		c.s.Close(CloseInfo{CloseCode: 1000})
		c.s.t.stopReading()
		// Wake blocked calls: a Write blocked on a peer that does not
		// read drops the connection, as its deadline would.
		c.rd.set(aLongTimeAgo)
		c.wd.set(aLongTimeAgo)
	})
	if !first {
		return c.opError("close", net.ErrClosed)
	}
	return nil
}

// aLongTimeAgo is a deadline in the past.
var aLongTimeAgo = time.Unix(1, 0)

func (c *netConn) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// LocalAddr returns the local network address: natively the TCP
// connection's; in the browser, where none is known, "browser" (network
// "websocket").
func (c *netConn) LocalAddr() net.Addr {
	local, _ := c.s.t.addrs()
	return local
}

// RemoteAddr returns the remote network address: natively the TCP
// connection's; in the browser the stream's URL (network "websocket").
func (c *netConn) RemoteAddr() net.Addr {
	_, remote := c.s.t.addrs()
	return remote
}

func (c *netConn) SetDeadline(t time.Time) error {
	c.rd.set(t)
	c.wd.set(t)
	return nil
}

func (c *netConn) SetReadDeadline(t time.Time) error  { c.rd.set(t); return nil }
func (c *netConn) SetWriteDeadline(t time.Time) error { c.wd.set(t); return nil }

// opError wraps err as the net package does, so that a passed deadline is
// a net.Error whose Timeout is true.
func (c *netConn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "websocket", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// websocketAddr is a net.Addr naming a WebSocket endpoint by URL, where no
// TCP address is known (the browser).
type websocketAddr string

func (a websocketAddr) Network() string { return "websocket" }
func (a websocketAddr) String() string  { return string(a) }

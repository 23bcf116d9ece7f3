package impl

import (
	"bufio"
	"context"
	"io"
	"net"
	"sync"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// gobwasImpl is github.com/gobwas/ws used through its wsutil helpers over
// bufio buffers of 4 KiB, as its README shows for message-level code.
var gobwasImpl = Impl{
	Name:   "gobwas",
	Module: "github.com/gobwas/ws",
	Peer:   true,
	Client: "ws.Dialer; wsutil.Reader over a 4 KiB bufio.Reader, read into a reused buffer; wsutil.WriteClientMessage into a 4 KiB bufio.Writer, then Flush",
	Server: "ws.Upgrade on the raw connection; wsutil.Reader into a reused buffer; wsutil.WriteServerMessage into a 4 KiB bufio.Writer, then Flush",
	// No Deflate: gobwas/ws has no compressing connection to turn on.
	// Its wsflate package gives the pieces (an Extension for the server's
	// negotiation, a MessageState for wsutil's reader and writer, flate
	// wrappers, and helpers that build a level-9 writer per frame), and
	// the program does the rest: the client's offer and the check of the
	// answer, one flate reader and writer per connection, context
	// takeover if it wants it. A port of that here would measure this
	// file's plumbing more than gobwas, so gobwas sits out the deflate
	// part.
	Pull:  dialGobwas,
	Serve: serveGobwas,
}

// gobwasBuffer is the size of the bufio buffers on both sides.
const gobwasBuffer = 4 << 10

// gobwasConn is a client connection of gobwas/ws.
type gobwasConn struct {
	conn net.Conn
	op   ws.OpCode // of the messages sent
	rd   wsutil.Reader
	mu   sync.Mutex // guards bw: Send, and the replies to control frames that Receive writes
	bw   *bufio.Writer
	buf  []byte
}

func dialGobwas(ctx context.Context, url string, cfg Config) (PullConn, error) {
	conn, br, _, err := ws.Dialer{Timeout: handshakeTimeout}.Dial(ctx, url)
	if err != nil {
		return nil, err
	}
	var src io.Reader = br // br holds what the server sent after its response, if anything
	if br == nil {
		src = bufio.NewReaderSize(conn, gobwasBuffer)
	}
	op := ws.OpBinary
	if cfg.Text {
		op = ws.OpText
	}
	c := &gobwasConn{conn: conn, op: op, bw: bufio.NewWriterSize(conn, gobwasBuffer)}
	c.rd = wsutil.Reader{
		Source:         src,
		State:          ws.StateClientSide,
		MaxMessageSize: MaxMessage,
		OnIntermediate: wsutil.ControlFrameHandler(flushWriter{c}, ws.StateClientSide),
	}
	return c, nil
}

// flushWriter writes a control frame's reply under the connection's lock.
type flushWriter struct{ c *gobwasConn }

func (w flushWriter) Write(p []byte) (int, error) {
	w.c.mu.Lock()
	defer w.c.mu.Unlock()
	n, err := w.c.bw.Write(p)
	if err == nil {
		err = w.c.bw.Flush()
	}
	return n, err
}

func (c *gobwasConn) Send(p []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := wsutil.WriteClientMessage(c.bw, c.op, p); err != nil {
		return err
	}
	return c.bw.Flush()
}

// Receive handles control frames between messages with the same handler
// wsutil.Reader calls for those inside a fragmented message.
func (c *gobwasConn) Receive() ([]byte, error) {
	for {
		h, err := c.rd.NextFrame()
		if err != nil {
			return nil, err
		}
		if h.OpCode.IsControl() {
			if err := c.rd.OnIntermediate(h, &c.rd); err != nil {
				return nil, err
			}
			continue
		}
		c.buf, err = readInto(&c.rd, c.buf)
		return c.buf, err
	}
}

// Close sends a Close frame, discards frames until the server's Close within
// closeTimeout, and closes the TCP connection.
func (c *gobwasConn) Close() error {
	c.mu.Lock()
	err := wsutil.WriteClientMessage(c.bw, ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	if err == nil {
		err = c.bw.Flush()
	}
	c.mu.Unlock()
	if err == nil {
		c.conn.SetReadDeadline(time.Now().Add(closeTimeout))
		err = c.awaitClose()
	}
	c.conn.Close()
	return err
}

// Abort closes the TCP connection.
func (c *gobwasConn) Abort() { c.conn.Close() }

// awaitClose discards frames until a Close frame.
func (c *gobwasConn) awaitClose() error {
	for {
		h, err := c.rd.NextFrame()
		if err != nil {
			return err
		}
		if h.OpCode == ws.OpClose {
			return nil
		}
		if err := c.rd.Discard(); err != nil {
			return err
		}
	}
}

// serveGobwas runs gobwas's message-level echo server: a goroutine per
// connection, upgraded on the raw connection.
func serveGobwas(ln net.Listener, _ Deflate) error {
	for {
		conn, err := ln.Accept()
		if err != nil {
			return acceptErr(err)
		}
		go gobwasEcho(conn)
	}
}

// gobwasEcho serves one connection of the gobwas server. The write buffer is
// flushed after every message, so a control frame's reply can go straight
// to the connection.
func gobwasEcho(conn net.Conn) {
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	if _, err := ws.Upgrade(conn); err != nil {
		return
	}
	conn.SetDeadline(time.Time{})
	bw := bufio.NewWriterSize(conn, gobwasBuffer)
	rd := wsutil.Reader{
		Source:         bufio.NewReaderSize(conn, gobwasBuffer),
		State:          ws.StateServerSide,
		MaxMessageSize: MaxMessage,
		OnIntermediate: wsutil.ControlFrameHandler(conn, ws.StateServerSide),
	}
	var buf []byte
	for {
		h, err := rd.NextFrame()
		if err != nil {
			return
		}
		if h.OpCode.IsControl() {
			if err := rd.OnIntermediate(h, &rd); err != nil {
				return // wsutil.ClosedError once the client closed: the handler answered it
			}
			continue
		}
		if buf, err = readInto(&rd, buf); err != nil {
			return
		}
		if err := wsutil.WriteServerMessage(bw, h.OpCode, buf); err != nil {
			return
		}
		if err := bw.Flush(); err != nil {
			return
		}
	}
}

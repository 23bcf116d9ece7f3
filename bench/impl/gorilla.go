package impl

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// gorillaImpl is github.com/gorilla/websocket with its default 4 KiB
// buffers: its client splits a larger message into 4 KiB frames.
var gorillaImpl = Impl{
	Name:   "gorilla",
	Module: "github.com/gorilla/websocket",
	Peer:   true,
	Client: "DefaultDialer.DialContext (4 KiB buffers); NextReader read into a reused buffer; WriteMessage",
	Server: "Upgrader (4 KiB buffers); NextReader read into a reused buffer; WriteMessage",
	// gorilla implements no context takeover only: its client offers
	// both no_context_takeover parameters, and its server accepts only an
	// offer that has them.
	Deflate:      []Deflate{DeflateNoTakeover},
	DeflateSetup: "Dialer.EnableCompression and Upgrader.EnableCompression (no context takeover only), every message compressed; compress/flate at BestSpeed (its default level 1)",
	Pull:         dialGorilla,
	Serve:        serveGorilla,
}

// gorillaConn is a client connection of gorilla/websocket.
type gorillaConn struct {
	c   *websocket.Conn
	typ int
	buf []byte
}

func dialGorilla(ctx context.Context, url string, cfg Config) (PullConn, error) {
	dialer := websocket.DefaultDialer
	if cfg.Deflate != DeflateOff {
		d := *websocket.DefaultDialer
		d.EnableCompression = true
		dialer = &d
	}
	c, _, err := dialer.DialContext(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(MaxMessage)
	typ := websocket.BinaryMessage
	if cfg.Text {
		typ = websocket.TextMessage
	}
	return &gorillaConn{c: c, typ: typ}, nil
}

func (c *gorillaConn) Send(p []byte) error { return c.c.WriteMessage(c.typ, p) }

func (c *gorillaConn) Receive() ([]byte, error) {
	_, r, err := c.c.NextReader()
	if err != nil {
		return nil, err
	}
	c.buf, err = readInto(r, c.buf)
	return c.buf, err
}

// Close sends a Close frame, reads until the server's reply (gorilla's
// close handler answers nothing once we sent ours) within closeTimeout, and
// closes the TCP connection.
func (c *gorillaConn) Close() error {
	deadline := time.Now().Add(closeTimeout)
	err := c.c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), deadline)
	if err == nil {
		c.c.SetReadDeadline(deadline)
		for err == nil {
			_, _, err = c.c.NextReader()
		}
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			err = nil
		}
	}
	c.c.Close()
	return err
}

// Abort closes the TCP connection.
func (c *gorillaConn) Abort() { c.c.Close() }

// serveGorilla runs gorilla's echo server, one loop per connection in its
// HTTP handler.
func serveGorilla(ln net.Listener, d Deflate) error {
	upgrader := websocket.Upgrader{EnableCompression: d != DeflateOff}
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(MaxMessage)
		var buf []byte
		for {
			typ, rd, err := c.NextReader()
			if err != nil {
				return // a *CloseError once the client closed: gorilla answered it
			}
			if buf, err = readInto(rd, buf); err != nil {
				return
			}
			if err := c.WriteMessage(typ, buf); err != nil {
				return
			}
		}
	})
}

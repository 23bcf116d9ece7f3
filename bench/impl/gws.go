package impl

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/lxzan/gws"
)

// gwsImpl is github.com/lxzan/gws, an event API like the W3C one: the
// library's read loop calls OnMessage.
var gwsImpl = Impl{
	Name:   "gws",
	Module: "github.com/lxzan/gws",
	Peer:   true,
	Client: "event API: NewClient, ReadLoop on its own goroutine, OnMessage (ping-pong sends from it); Conn.WriteMessage",
	Server: "Upgrader, ReadLoop on its own goroutine; OnMessage echoes with WriteMessage",
	Events: dialGws,
	Serve:  serveGws,
}

// gwsClient is a client's event handler.
type gwsClient struct {
	gws.BuiltinEventHandler
	h    Handler
	done chan struct{} // closed after OnClose
}

func (e *gwsClient) OnMessage(c *gws.Conn, m *gws.Message) {
	e.h.Message(gwsSender{c}, m.Bytes())
	m.Close() // back to gws's pool
}

func (e *gwsClient) OnClose(_ *gws.Conn, err error) {
	e.h.End(err)
	close(e.done)
}

// gwsConn is a client connection of gws.
type gwsConn struct {
	c    *gws.Conn
	done chan struct{}
}

func dialGws(ctx context.Context, url string, h Handler) (Conn, error) {
	timeout := handshakeTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	ev := &gwsClient{h: h, done: make(chan struct{})}
	c, _, err := gws.NewClient(ev, &gws.ClientOption{
		Addr:               url,
		ReadMaxPayloadSize: MaxMessage,
		HandshakeTimeout:   timeout,
	})
	if err != nil {
		return nil, err
	}
	go c.ReadLoop()
	return &gwsConn{c: c, done: ev.done}, nil
}

// gwsSender sends on a gws connection; a value, so that the message handler
// can pass one without allocating.
type gwsSender struct{ c *gws.Conn }

func (s gwsSender) Send(p []byte) error { return s.c.WriteMessage(gws.OpcodeBinary, p) }

func (c *gwsConn) Send(p []byte) error { return gwsSender{c.c}.Send(p) }

// Close sends a Close frame and closes the TCP connection, as gws's
// WriteClose does, then waits for the read loop to end.
func (c *gwsConn) Close() error {
	err := c.c.WriteClose(1000, nil)
	select {
	case <-c.done:
	case <-time.After(closeTimeout):
		return errors.New("gws: read loop still running after WriteClose")
	}
	return err
}

// Abort closes the TCP connection; the read loop then ends.
func (c *gwsConn) Abort() { c.c.NetConn().Close() }

// gwsEcho is the server's event handler.
type gwsEcho struct{ gws.BuiltinEventHandler }

func (gwsEcho) OnMessage(c *gws.Conn, m *gws.Message) {
	c.WriteMessage(m.Opcode, m.Bytes()) // an error closes the connection, which ends the read loop
	m.Close()
}

// serveGws runs gws's echo server.
func serveGws(ln net.Listener) error {
	up := gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{ReadMaxPayloadSize: MaxMessage})
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.ReadLoop()
	})
}

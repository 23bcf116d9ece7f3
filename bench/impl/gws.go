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
	Name:    "gws",
	Module:  "github.com/lxzan/gws",
	Peer:    true,
	Client:  "event API: NewClient, ReadLoop on its own goroutine, OnMessage (ping-pong sends from it); Conn.WriteMessage",
	Server:  "Upgrader, ReadLoop on its own goroutine; OnMessage echoes with WriteMessage",
	Deflate: []Deflate{DeflateNoTakeover, DeflateTakeover},
	DeflateSetup: "PermessageDeflate{Enabled, ServerContextTakeover and ClientContextTakeover both false or both true, " +
		"ServerMaxWindowBits and ClientMaxWindowBits 15 (its server's default with takeover is 12)} at both ends, " +
		"default threshold (512 B without takeover, none with it); klauspost/compress/flate at BestSpeed (its default level)",
	Events: dialGws,
	Serve:  serveGws,
}

// gwsDeflate is gws's compression option for d.
func gwsDeflate(d Deflate) gws.PermessageDeflate {
	if d == DeflateOff {
		return gws.PermessageDeflate{}
	}
	takeover := d == DeflateTakeover
	return gws.PermessageDeflate{
		Enabled:               true,
		ServerContextTakeover: takeover,
		ClientContextTakeover: takeover,
		ServerMaxWindowBits:   15,
		ClientMaxWindowBits:   15,
	}
}

// gwsClient is a client's event handler.
type gwsClient struct {
	gws.BuiltinEventHandler
	h    Handler
	op   gws.Opcode    // of the messages sent
	done chan struct{} // closed after OnClose
}

func (e *gwsClient) OnMessage(c *gws.Conn, m *gws.Message) {
	e.h.Message(gwsSender{c, e.op}, m.Bytes())
	m.Close() // back to gws's pool
}

func (e *gwsClient) OnClose(_ *gws.Conn, err error) {
	e.h.End(err)
	close(e.done)
}

// gwsConn is a client connection of gws.
type gwsConn struct {
	c    *gws.Conn
	op   gws.Opcode
	done chan struct{}
}

func dialGws(ctx context.Context, url string, cfg Config, h Handler) (Conn, error) {
	timeout := handshakeTimeout
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	op := gws.OpcodeBinary
	if cfg.Text {
		op = gws.OpcodeText
	}
	ev := &gwsClient{h: h, op: op, done: make(chan struct{})}
	c, _, err := gws.NewClient(ev, &gws.ClientOption{
		Addr:               url,
		ReadMaxPayloadSize: MaxMessage,
		HandshakeTimeout:   timeout,
		PermessageDeflate:  gwsDeflate(cfg.Deflate),
	})
	if err != nil {
		return nil, err
	}
	go c.ReadLoop()
	return &gwsConn{c: c, op: op, done: ev.done}, nil
}

// gwsSender sends on a gws connection; a value, so that the message handler
// can pass one without allocating.
type gwsSender struct {
	c  *gws.Conn
	op gws.Opcode
}

func (s gwsSender) Send(p []byte) error { return s.c.WriteMessage(s.op, p) }

func (c *gwsConn) Send(p []byte) error { return gwsSender{c.c, c.op}.Send(p) }

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
func serveGws(ln net.Listener, d Deflate) error {
	up := gws.NewUpgrader(gwsEcho{}, &gws.ServerOption{ReadMaxPayloadSize: MaxMessage, PermessageDeflate: gwsDeflate(d)})
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r)
		if err != nil {
			return
		}
		go c.ReadLoop()
	})
}

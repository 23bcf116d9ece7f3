package impl

import (
	"context"
	"net"
	"net/http"

	"github.com/w3ws/w3ws/native"
)

// engineImpl is w3ws's RFC 6455 engine alone (package native), pulled as a
// plain Go connection: what the W3C layer runs on.
var engineImpl = Impl{
	Name:    "w3ws-engine",
	Module:  "github.com/w3ws/w3ws",
	Client:  "package native: Dial; ReadMessage into a reused buffer; WriteMessage (one frame, returns once written)",
	Server:  "native.Accept; ReadMessage into a reused buffer; WriteMessage",
	Deflate: []Deflate{DeflateNoTakeover, DeflateTakeover},
	DeflateSetup: "ConnOptions.Compression CompressionNoContextTakeover or CompressionContextTakeover at both ends (the server " +
		"answers both no_context_takeover in the first), default threshold (128 B); compress/flate at BestSpeed, or level 2 for a writer kept with takeover",
	Pull:  dialEngine,
	Serve: serveEngine,
}

// engineCompression is the engine's mode for d.
func engineCompression(d Deflate) native.CompressionMode {
	switch d {
	case DeflateNoTakeover:
		return native.CompressionNoContextTakeover
	case DeflateTakeover:
		return native.CompressionContextTakeover
	}
	return native.CompressionDisabled
}

// engineConn is a client connection of the engine.
type engineConn struct {
	c   *native.Conn
	typ native.MessageType
	buf []byte
}

func dialEngine(ctx context.Context, url string, cfg Config) (PullConn, error) {
	c, _, err := native.Dial(ctx, url, &native.DialOptions{
		ConnOptions:      native.ConnOptions{MaxMessageSize: MaxMessage, Compression: engineCompression(cfg.Deflate)},
		HandshakeTimeout: handshakeTimeout,
	})
	if err != nil {
		return nil, err
	}
	typ := native.MessageBinary
	if cfg.Text {
		typ = native.MessageText
	}
	return &engineConn{c: c, typ: typ}, nil
}

func (c *engineConn) Send(p []byte) error { return c.c.WriteMessage(c.typ, p) }

func (c *engineConn) Receive() ([]byte, error) {
	_, msg, err := c.c.ReadMessage(c.buf[:0])
	if err != nil {
		return nil, err
	}
	c.buf = msg
	return msg, nil
}

// Close runs the closing handshake; the engine bounds it with its
// DefaultCloseTimeout.
func (c *engineConn) Close() error { return c.c.Close(native.StatusNormalClosure, "") }

func (c *engineConn) Abort() { c.c.CloseNow() }

// serveEngine runs the engine's echo server, one read-write loop per
// connection in its HTTP handler.
func serveEngine(ln net.Listener, d Deflate) error {
	opts := &native.AcceptOptions{ConnOptions: native.ConnOptions{MaxMessageSize: MaxMessage, Compression: engineCompression(d)}}
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, opts)
		if err != nil {
			return
		}
		defer c.CloseNow()
		var buf []byte
		for {
			typ, msg, err := c.ReadMessage(buf[:0])
			if err != nil {
				return // a *CloseError once the client closed: the engine answered it
			}
			buf = msg
			if err := c.WriteMessage(typ, msg); err != nil {
				return
			}
		}
	})
}

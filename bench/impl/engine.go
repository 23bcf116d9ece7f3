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
	Name:   "w3ws-engine",
	Module: "github.com/w3ws/w3ws",
	Client: "package native: Dial; ReadMessage into a reused buffer; WriteMessage (one frame, returns once written)",
	Server: "native.Accept; ReadMessage into a reused buffer; WriteMessage",
	Pull:   dialEngine,
	Serve:  serveEngine,
}

// engineConn is a client connection of the engine.
type engineConn struct {
	c   *native.Conn
	buf []byte
}

func dialEngine(ctx context.Context, url string) (PullConn, error) {
	c, _, err := native.Dial(ctx, url, &native.DialOptions{
		ConnOptions:      native.ConnOptions{MaxMessageSize: MaxMessage},
		HandshakeTimeout: handshakeTimeout,
	})
	if err != nil {
		return nil, err
	}
	return &engineConn{c: c}, nil
}

func (c *engineConn) Send(p []byte) error { return c.c.WriteMessage(native.MessageBinary, p) }

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
func serveEngine(ln net.Listener) error {
	opts := &native.AcceptOptions{ConnOptions: native.ConnOptions{MaxMessageSize: MaxMessage}}
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

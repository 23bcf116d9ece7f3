package impl

import (
	"context"
	"net"
	"net/http"

	"github.com/coder/websocket"
)

// coderImpl is github.com/coder/websocket. Every call gets
// context.Background(): a context that can end costs coder a
// context.AfterFunc per call.
var coderImpl = Impl{
	Name:   "coder",
	Module: "github.com/coder/websocket",
	Peer:   true,
	Client: "Dial; Reader read into a reused buffer; Write (one frame); context.Background() for every call",
	Server: "Accept; Reader read into a reused buffer; Write",
	Pull:   dialCoder,
	Serve:  serveCoder,
}

// coderConn is a client connection of coder/websocket.
type coderConn struct {
	c   *websocket.Conn
	buf []byte
}

func dialCoder(ctx context.Context, url string) (PullConn, error) {
	c, _, err := websocket.Dial(ctx, url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(MaxMessage)
	return &coderConn{c: c}, nil
}

func (c *coderConn) Send(p []byte) error {
	return c.c.Write(context.Background(), websocket.MessageBinary, p)
}

func (c *coderConn) Receive() ([]byte, error) {
	_, r, err := c.c.Reader(context.Background())
	if err != nil {
		return nil, err
	}
	c.buf, err = readInto(r, c.buf)
	return c.buf, err
}

// Close runs the closing handshake, which coder bounds at 5 s.
func (c *coderConn) Close() error { return c.c.Close(websocket.StatusNormalClosure, "") }

func (c *coderConn) Abort() { c.c.CloseNow() }

// serveCoder runs coder's echo server, one loop per connection in its HTTP
// handler.
func serveCoder(ln net.Listener) error {
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(MaxMessage)
		ctx := context.Background()
		var buf []byte
		for {
			typ, rd, err := c.Reader(ctx)
			if err != nil {
				return
			}
			if buf, err = readInto(rd, buf); err != nil {
				return
			}
			if err := c.Write(ctx, typ, buf); err != nil {
				return
			}
		}
	})
}

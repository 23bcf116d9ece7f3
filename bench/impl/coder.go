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
	Name:    "coder",
	Module:  "github.com/coder/websocket",
	Peer:    true,
	Client:  "Dial; Reader read into a reused buffer; Write (one frame); context.Background() for every call",
	Server:  "Accept; Reader read into a reused buffer; Write",
	Deflate: []Deflate{DeflateNoTakeover, DeflateTakeover},
	DeflateSetup: "DialOptions and AcceptOptions CompressionMode CompressionNoContextTakeover or CompressionContextTakeover, " +
		"default thresholds (512 B and 128 B); compress/flate at BestSpeed",
	Pull:  dialCoder,
	Serve: serveCoder,
}

// coderCompression is coder's mode for d.
func coderCompression(d Deflate) websocket.CompressionMode {
	switch d {
	case DeflateNoTakeover:
		return websocket.CompressionNoContextTakeover
	case DeflateTakeover:
		return websocket.CompressionContextTakeover
	}
	return websocket.CompressionDisabled
}

// coderConn is a client connection of coder/websocket.
type coderConn struct {
	c   *websocket.Conn
	typ websocket.MessageType
	buf []byte
}

func dialCoder(ctx context.Context, url string, cfg Config) (PullConn, error) {
	var opts *websocket.DialOptions
	if cfg.Deflate != DeflateOff {
		opts = &websocket.DialOptions{CompressionMode: coderCompression(cfg.Deflate)}
	}
	c, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(MaxMessage)
	typ := websocket.MessageBinary
	if cfg.Text {
		typ = websocket.MessageText
	}
	return &coderConn{c: c, typ: typ}, nil
}

func (c *coderConn) Send(p []byte) error {
	return c.c.Write(context.Background(), c.typ, p)
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
func serveCoder(ln net.Listener, d Deflate) error {
	var opts *websocket.AcceptOptions
	if d != DeflateOff {
		opts = &websocket.AcceptOptions{CompressionMode: coderCompression(d)}
	}
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, opts)
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

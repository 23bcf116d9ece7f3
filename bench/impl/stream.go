package impl

import (
	"context"
	"net"
	"net/http"

	"github.com/w3ws/w3ws/websocket"
)

// streamImpl is w3ws through its WebSocketStream API: pulled, with
// back-pressure, the API the browser's WebSocketStream mirrors.
var streamImpl = Impl{
	Name:   "w3ws-stream",
	Module: "github.com/w3ws/w3ws",
	Client: "WebSocketStream: NewStream, Opened; Readable.ReadInto(context.Background(), a reused buffer); " +
		"Writable.Write(context.Background(), []byte or string) (returns once written)",
	Server:  "UpgradeStream; ReadInto a reused buffer, then Write of its bytes (as a string for text)",
	Deflate: []Deflate{DeflateNoTakeover, DeflateTakeover},
	DeflateSetup: "StreamOptions.Compression, with CompressionContextTakeover for takeover, at both ends, default threshold (128 B); " +
		"compress/flate at BestSpeed, or level 2 for a writer kept with takeover",
	Pull:  dialStream,
	Serve: serveStream,
}

// streamOptions are the stream settings for d.
func streamOptions(d Deflate) *websocket.StreamOptions {
	return &websocket.StreamOptions{
		MaxMessageSize:             MaxMessage,
		HandshakeTimeout:           handshakeTimeout,
		ParallelHandshakes:         true,
		Compression:                d != DeflateOff,
		CompressionContextTakeover: d == DeflateTakeover,
	}
}

// streamConn is a client WebSocketStream.
type streamConn struct {
	s    *websocket.WebSocketStream
	c    *websocket.StreamConnection
	text bool
	buf  []byte
}

func dialStream(ctx context.Context, url string, cfg Config) (PullConn, error) {
	s, err := websocket.NewStream(ctx, url, streamOptions(cfg.Deflate))
	if err != nil {
		return nil, err
	}
	c, err := s.Opened(ctx)
	if err != nil {
		return nil, err
	}
	return &streamConn{s: s, c: c, text: cfg.Text}, nil
}

func (c *streamConn) Send(p []byte) error {
	if c.text {
		return c.c.Writable.Write(context.Background(), string(p))
	}
	return c.c.Writable.Write(context.Background(), p)
}

func (c *streamConn) Receive() ([]byte, error) {
	b, _, err := c.c.Readable.ReadInto(context.Background(), c.buf)
	if err != nil {
		return nil, err
	}
	c.buf = b
	return b, nil
}

// Close runs the closing handshake and waits for it, bounded by the
// engine's close timeout.
func (c *streamConn) Close() error {
	if err := c.s.Close(websocket.CloseInfo{CloseCode: 1000}); err != nil {
		return err
	}
	for { // messages still in flight come first
		if _, err := c.c.Readable.Read(context.Background()); err != nil {
			break
		}
	}
	_, err := c.s.Closed(context.Background())
	return err
}

// Abort is Close without the wait: the stream API has nothing more abrupt,
// and the engine drops TCP when no Close reply comes within its
// native.DefaultCloseTimeout.
func (c *streamConn) Abort() { c.s.Close(websocket.CloseInfo{CloseCode: 1000}) }

// serveStream runs the stream echo server: Read, Write the same value.
func serveStream(ln net.Listener, d Deflate) error {
	opts := streamOptions(d)
	return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
		s, err := websocket.UpgradeStream(w, r, opts)
		if err != nil {
			return
		}
		c, _ := s.Opened(context.Background())
		var buf []byte
		for {
			b, isText, err := c.Readable.ReadInto(context.Background(), buf)
			if err != nil {
				return // io.EOF once the client closed: the engine answered it
			}
			buf = b
			var v any = b
			if isText {
				v = string(b)
			}
			if err := c.Writable.Write(context.Background(), v); err != nil {
				s.Close(websocket.CloseInfo{})
				return
			}
		}
	})
}

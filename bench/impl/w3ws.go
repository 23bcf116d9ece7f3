package impl

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"unsafe"

	"github.com/w3ws/w3ws/websocket"
)

// w3wsImpl is w3ws through its W3C API, the package's purpose, driven as an
// event-driven program drives it: everything happens in OnMessage, which
// hands each message's bytes back with MessageEvent.Release once done with
// them (as gws's handler calls Message.Close).
var w3wsImpl = Impl{
	Name:   "w3ws",
	Module: "github.com/w3ws/w3ws",
	Client: "W3C API: NewWithOptions (BinaryType arraybuffer, OnMessage, ParallelHandshakes), WaitOpen; " +
		"sends with SendContext(context.Background(), ArrayBuffer), from inside OnMessage in ping-pong; OnMessage ends with MessageEvent.Release",
	Server:  "websocket.Upgrade (BinaryType arraybuffer); OnMessage echoes the event's ArrayBuffer (or string) with SendContext(context.Background(), ...), then MessageEvent.Release",
	Deflate: []Deflate{DeflateNoTakeover, DeflateTakeover},
	DeflateSetup: "Options.Compression, with CompressionContextTakeover for takeover, at both ends (the client offers Chrome's " +
		"offer; Upgrade answers both no_context_takeover without CompressionContextTakeover), default threshold (128 B); " +
		"text sent as a string viewing the message's bytes (no copy), received as the event's string; compress/flate at BestSpeed, or level 2 for a writer kept with takeover",
	Events: dialW3WS(true),
	Serve:  serveW3WS(true),
}

// w3wsKeepImpl is w3wsImpl without Release: every message's data is the
// handler's to keep, as in a browser, so each is a new allocation.
var w3wsKeepImpl = Impl{
	Name:   "w3ws-keep",
	Module: "github.com/w3ws/w3ws",
	Client: "as w3ws, without MessageEvent.Release: every message's ArrayBuffer is a new allocation the handler owns",
	Server: "as w3ws, without MessageEvent.Release",
	Events: dialW3WS(false),
	Serve:  serveW3WS(false),
}

// w3wsConn is a client socket of the W3C API. It is a value, so that the
// message handler can hand the event's target on without allocating.
type w3wsConn struct {
	ws   *websocket.WebSocket
	text bool // Send sends text (Config.Text)
}

// dialW3WS returns the dial of a client socket with h's functions as its
// message and close handlers, which waits for it to open; release says
// whether the message handler releases each message's data.
// ParallelHandshakes lets the idle benchmark open thousands at once, as a
// load generator does; a page's sockets would queue one handshake at a
// time.
func dialW3WS(release bool) func(ctx context.Context, url string, cfg Config, h Handler) (Conn, error) {
	return func(ctx context.Context, url string, cfg Config, h Handler) (Conn, error) {
		var failure error // the error event's, read by the close handler: events run one at a time
		ws, err := websocket.NewWithOptions(url, &websocket.Options{
			BinaryType:                 websocket.BinaryTypeArrayBuffer,
			MaxMessageSize:             MaxMessage,
			HandshakeTimeout:           handshakeTimeout,
			ParallelHandshakes:         true,
			Compression:                cfg.Deflate != DeflateOff,
			CompressionContextTakeover: cfg.Deflate == DeflateTakeover,
			OnMessage: func(e *websocket.MessageEvent) {
				var data []byte
				switch d := e.Data.(type) {
				case websocket.ArrayBuffer:
					data = d
				case string:
					// A view, not a copy: the handler only reads it.
					data = unsafe.Slice(unsafe.StringData(d), len(d))
				}
				h.Message(w3wsConn{e.Target(), cfg.Text}, data)
				if release {
					e.Release() // h.Message keeps nothing of data
				}
			},
			OnError: func(e websocket.Event) {
				if ee, ok := e.(*websocket.ErrorEvent); ok {
					failure = ee.Err
				}
			},
			OnClose: func(e *websocket.CloseEvent) {
				h.End(fmt.Errorf("close event %d %q, wasClean %v, error event: %v", e.Code, e.Reason, e.WasClean, failure))
			},
		})
		if err != nil {
			return nil, err
		}
		if err := ws.WaitOpen(ctx); err != nil {
			ws.Close(0, "")
			return nil, err
		}
		return w3wsConn{ws: ws, text: cfg.Text}, nil
	}
}

// Send is SendContext with a context that never ends: it returns once the
// message is written, which is the back-pressure a benchmark (or a producer)
// needs, and the W3C layer's cheapest path. Text goes as a string that views
// p, which no one modifies, rather than a copy of it: a program would have
// its own string.
func (c w3wsConn) Send(p []byte) error {
	if c.text {
		return c.ws.SendContext(context.Background(), unsafe.String(unsafe.SliceData(p), len(p)))
	}
	return c.ws.SendContext(context.Background(), websocket.ArrayBuffer(p))
}

// Close starts the closing handshake and waits for the close event.
func (c w3wsConn) Close() error {
	if err := c.ws.Close(1000, ""); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	_, err := c.ws.WaitClosed(ctx)
	return err
}

// Abort is Close without the wait: the W3C API has nothing more abrupt, and
// the engine drops TCP when no Close reply comes within its
// native.DefaultCloseTimeout.
func (c w3wsConn) Abort() { c.ws.Close(1000, "") }

// serveW3WS returns the W3C API's echo server: each upgraded socket echoes
// from its message handler, and then, if release, releases the message's
// data (SendContext has written it when it returns).
func serveW3WS(release bool) func(ln net.Listener, d Deflate) error {
	return func(ln net.Listener, d Deflate) error {
		opts := &websocket.Options{
			BinaryType:                 websocket.BinaryTypeArrayBuffer,
			MaxMessageSize:             MaxMessage,
			Compression:                d != DeflateOff,
			CompressionContextTakeover: d == DeflateTakeover,
			OnMessage: func(e *websocket.MessageEvent) {
				// An error means the socket is closing; its close event ends it.
				e.Target().SendContext(context.Background(), e.Data)
				if release {
					e.Release()
				}
			},
		}
		return serveHTTP(ln, func(w http.ResponseWriter, r *http.Request) {
			websocket.Upgrade(w, r, opts) // on failure Upgrade has answered the request
		})
	}
}

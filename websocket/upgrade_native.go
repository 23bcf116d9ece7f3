//go:build !js

package websocket

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/w3ws/w3ws/native"
)

// Upgrade accepts a WebSocket handshake on an HTTP request (server side,
// native only) and returns the socket, already OPEN, with the same events
// and methods as a client socket: handlers in opts see an "open" event
// first, then messages, then "close". opts.Protocols lists the subprotocols
// the server supports; the first one the client offered that is in the list
// is chosen. Cross-origin requests are refused (403) unless their host
// matches opts.OriginPatterns. MaxMessageSize applies as for clients.
//
// A server faces peers no browser would be, so its sockets differ from
// client sockets in three ways: Send buffers at most MaxBufferedAmount
// (by default the larger of DefaultMaxBufferedAmount and twice
// MaxMessageSize) before the connection fails; a keepalive Ping goes out
// after IdleTimeout of silence (DefaultIdleTimeout) and a peer silent for
// another IdleTimeout is dropped; and a Close frame with a code RFC 6455
// §7.4 rules out fails the connection with 1002. The handshake itself is
// bounded by the http.Server: set its ReadHeaderTimeout, since Upgrade
// clears the server's deadlines on the connection it takes over.
//
// With opts.Limiter full, the request gets 503 Service Unavailable with
// "Retry-After: 5" (see [Limiter] for why 5 seconds) and the error wraps
// ErrTooManySockets; otherwise the socket holds a slot from before the
// handshake until its close event ran, or until the handshake failed. On
// failure Upgrade has already written an HTTP error response.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*WebSocket, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	u, err := url.Parse(scheme + "://" + r.Host + r.URL.RequestURI())
	if err != nil {
		http.Error(w, "bad request URL", http.StatusBadRequest)
		return nil, fmt.Errorf("websocket: Upgrade: %w", err)
	}
	ws := newSocket(u, o)
	if !ws.takeSlot() {
		h := w.Header()
		h.Set("Retry-After", limiterRetryAfter)
		h.Set("Connection", "close") // keep no idle connection for a client we refused
		http.Error(w, "too many WebSocket connections", http.StatusServiceUnavailable)
		return nil, o.Limiter.fullError("Upgrade answered 503")
	}
	c, err := native.Accept(w, r, &native.AcceptOptions{
		ConnOptions:    ws.connOptions(true),
		Subprotocols:   o.Protocols,
		OriginPatterns: o.OriginPatterns,
	})
	if err != nil {
		ws.releaseSlot()
		return nil, fmt.Errorf("websocket: Upgrade: %w", err)
	}
	ws.t.conn.Store(c)
	ws.state.Store(uint32(OPEN))
	p, e := c.Subprotocol(), c.Extensions()
	ws.protocol.Store(&p)
	ws.extensions.Store(&e)
	go func() {
		ws.d.dispatch(task{kind: taskOpen, protocol: p, ext: e, accepted: true})
		ws.readLoop(c)
	}()
	return ws, nil
}

package websocket

import "net/http"

// Upgrade accepts a WebSocket handshake on an HTTP request (server side)
// and returns the socket, already OPEN, with the same events and methods as
// a client socket: handlers in opts see an "open" event first, then messages, then "close". opts.Protocols lists the subprotocols
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
//
// It is native only: in the browser build, where a page cannot accept
// connections, it answers 501 Not Implemented and returns an error wrapping
// errors.ErrUnsupported, so code shared by both builds still compiles.
func Upgrade(w http.ResponseWriter, r *http.Request, opts *Options) (*WebSocket, error) {
	return upgrade(w, r, opts)
}

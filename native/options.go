package native

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/w3ws/w3ws/internal/defaults"
)

// Defaults applied when the matching option is zero.
const (
	// DefaultMaxMessageSize bounds a reassembled message (32 MiB). Browsers have
	// no fixed limit; a server must have one so a peer cannot exhaust memory.
	DefaultMaxMessageSize = defaults.MaxMessageSize
	// DefaultHandshakeTimeout bounds the opening handshake of Dial, including
	// the TCP connect, the proxy tunnel and TLS (30 s).
	DefaultHandshakeTimeout = defaults.HandshakeTimeout
	// DefaultCloseTimeout bounds the wait for the peer's Close reply after we
	// sent ours (Chrome waits 60 s; a Go program should not stall that long).
	DefaultCloseTimeout = 5 * time.Second
	// DefaultDropTimeout is how long a client waits, after the closing
	// handshake, for the server to drop TCP before dropping it itself (§7.1.1;
	// Chrome's kUnderlyingConnectionCloseTimeoutSeconds).
	DefaultDropTimeout = 2 * time.Second
)

// DefaultCompressionThreshold is the message size, in bytes, under which
// messages go out uncompressed by default (ConnOptions.CompressionThreshold).
const DefaultCompressionThreshold = 128

// CompressionMode selects whether permessage-deflate (RFC 7692) is
// negotiated, and whether the compression context is kept between
// messages. Decompressing is the same in every mode: whatever the peer
// does, we inflate it, keeping a window for the peer only when it keeps
// its context.
//
// Memory per connection, measured by BenchmarkCompressionMemory (heap per
// connection end, idle after a compressed message each way; the README has
// the command): compress/flate's writer costs 0.7 to 1.2 MB whatever it
// compresses, and its reader about 46 KB, so both are pooled and borrowed
// for one message at a time unless a mode says otherwise. For comparison,
// coder/websocket documents a 1.2 MB writer and a 32 KB window per
// connection under context takeover.
type CompressionMode int

const (
	// CompressionDisabled negotiates nothing: RSV1 on a frame is a
	// protocol error, as it is for a browser that did not negotiate.
	CompressionDisabled CompressionMode = iota
	// CompressionNoContextTakeover compresses each message on its own.
	// A server answers with server_no_context_takeover and
	// client_no_context_takeover, so neither side keeps a window: an idle
	// connection holds no compression memory at all, and a busy one
	// borrows a pooled writer and reader for each message (measured: no
	// more heap per idle connection than CompressionDisabled). A client
	// cannot ask that of the server without changing Chrome's offer, so
	// it keeps a 64 KB window when the server keeps its context. Best
	// for many connections and for large or unrelated messages.
	CompressionNoContextTakeover
	// CompressionContextTakeover keeps our compression context between
	// messages, so small messages that repeat earlier ones (JSON with the
	// same keys) shrink further: a 1 KiB JSON message goes out in about
	// half the bytes of CompressionNoContextTakeover. It costs a level-2
	// writer of about 0.8 MB per connection from its first compressed
	// message on (BestSpeed would find no matches in the context of small
	// messages), plus 64 KB of window when the peer keeps its context too:
	// 0.88 MB per connection in all, measured.
	CompressionContextTakeover
)

// ConnOptions are the settings of an established connection, shared by
// [DialOptions] and [AcceptOptions].
type ConnOptions struct {
	// MaxMessageSize is the largest message, in bytes, that ReadMessage
	// reassembles. A larger one fails the connection with Close 1009, and
	// memory never grows past the limit while reading it. Zero means
	// DefaultMaxMessageSize; a negative value means no limit.
	MaxMessageSize int64
	// CloseTimeout bounds the wait for the peer's Close reply once we have sent
	// a Close frame. Zero means DefaultCloseTimeout.
	CloseTimeout time.Duration
	// StrictCloseCodes makes a client fail the connection (Close 1002) when
	// the peer's Close frame carries a code RFC 6455 §7.4 rules out for the
	// wire (0-999, 1004-1006, 1015-2999, 5000 and up). By default a client
	// accepts those, as Chrome does, and only 1005, 1006 and 1015 fail.
	// Servers ([Accept]) are always strict: they have no browser to mirror.
	StrictCloseCodes bool
	// MaxWriteQueue bounds the payload bytes that WriteMessageAsync may
	// hold queued or in flight. A message that would pass it fails with
	// ErrWriteQueueFull and fails the connection: the queue is dropped (its
	// memory released), a Close 1008 goes out if the write in flight ends
	// within a second, and TCP is dropped. Only WriteMessageAsync fails on
	// it: blocking writes (WriteMessage) wait for the writer instead, though
	// those waiting in the queue count toward the bound. Memory for the
	// queue stays within about twice the bound. Zero or negative means no
	// limit, the browser's model: a server facing strangers should set one.
	MaxWriteQueue int64
	// IdleTimeout keeps the connection alive and detects dead peers: when
	// no byte has arrived for IdleTimeout, a Ping is sent; when still none
	// arrives within another IdleTimeout, the connection is dropped and
	// ReadMessage returns ErrIdleTimeout. Silence is noticed within an
	// eighth of IdleTimeout of its end. Bytes count only once read, so a
	// goroutine must be in ReadMessage (one always is under package
	// websocket). Zero or negative means none.
	IdleTimeout time.Duration
	// Compression turns on permessage-deflate (RFC 7692). A client offers
	// exactly what Chrome offers ("permessage-deflate;
	// client_max_window_bits"); a server accepts the first valid offer.
	// The zero value, CompressionDisabled, offers and accepts nothing. See
	// [CompressionMode] for what each mode costs.
	Compression CompressionMode
	// CompressionThreshold is the size under which a message is sent
	// uncompressed even when compression is in force: deflate's framing
	// makes tiny messages bigger. Zero means
	// DefaultCompressionThreshold; a negative value compresses every
	// message.
	CompressionThreshold int
	// OnPeerClose is a low-level hook for layers built on the engine
	// (package websocket uses it for the W3C CLOSING state); a program that
	// uses the engine directly leaves it nil, since ReadMessage's
	// *CloseError tells the same. If set, it is called on the reading
	// goroutine when the peer's Close frame arrives, before our reply is
	// sent and before ReadMessage returns. It must not block.
	OnPeerClose func(code StatusCode, reason string)
	// OnWritten is a low-level hook for layers built on the engine (package
	// websocket uses it for bufferedAmount); a program that uses the engine
	// directly leaves it nil, since WriteMessage returns once written. If
	// set, it is called on the writing goroutine after each write to the
	// connection with the payload bytes of the data messages it carried and
	// the write's error. It must not block.
	OnWritten func(n int, err error)
}

// DialOptions configure [Dial]. The zero value is ready to use.
type DialOptions struct {
	ConnOptions

	// Header holds extra handshake request headers: Origin, Cookie,
	// Authorization, User-Agent... The WebSocket headers themselves
	// (Upgrade, Connection, Sec-WebSocket-*) are set by Dial and may not be
	// overridden here.
	Header http.Header
	// Subprotocols are offered in Sec-WebSocket-Protocol, in order. Each must
	// be a valid token ([ValidSubprotocol]). If any is offered, the server
	// must choose one of them, spelled exactly the same.
	Subprotocols []string
	// TLSConfig is used for wss URLs. Nil means the system roots and the URL's
	// host as ServerName.
	TLSConfig *tls.Config
	// Proxy returns the HTTP proxy for a request, reached with an HTTP CONNECT
	// tunnel (with basic auth from the proxy URL's user info). Nil means
	// http.ProxyFromEnvironment (HTTP_PROXY, HTTPS_PROXY, NO_PROXY); a nil URL
	// means a direct connection.
	Proxy func(*http.Request) (*url.URL, error)
	// HandshakeTimeout bounds the whole opening handshake. Zero means
	// DefaultHandshakeTimeout; a context deadline that comes sooner wins.
	HandshakeTimeout time.Duration
	// NetDial, if set, opens the TCP connection (to the proxy when one is
	// used). Nil means a net.Dialer.
	NetDial func(ctx context.Context, network, addr string) (net.Conn, error)
	// HostGate, if set, makes Dial wait, before connecting, until no other
	// Dial sharing the gate is in its opening handshake to the same host and
	// port (RFC 6455 §4.1 client step 2; see [HostGate]). The wait is bounded
	// by Dial's context only: HandshakeTimeout starts once the wait is over.
	// Nil means no serialisation, the engine's default: a program that wants
	// the RFC's behaviour shares one HostGate among its Dials.
	HostGate *HostGate
}

// AcceptOptions configure [Accept]. The zero value is ready to use.
type AcceptOptions struct {
	ConnOptions

	// Subprotocols the server supports. The first protocol the client offered
	// that is in this list is selected; with no match, none is selected.
	Subprotocols []string
	// OriginPatterns lists the hosts (path.Match patterns on the Origin's
	// host[:port], e.g. "example.com", "*.example.com", "127.0.0.1:*") from
	// which cross-origin requests are accepted. A request with no Origin, or
	// whose Origin host equals the request's Host, is always accepted.
	// Anything else gets 403 Forbidden: the safe default for browsers, which
	// do not apply the same-origin policy to WebSockets. The Origin's scheme
	// is not compared; a malformed pattern makes every cross-origin request
	// fail with 500.
	OriginPatterns []string
	// InsecureSkipOriginCheck accepts every Origin. Only for servers that
	// authenticate each connection some other way.
	InsecureSkipOriginCheck bool
	// ResponseHeader holds extra headers for the 101 response (Set-Cookie...).
	// Headers that would override the handshake's own (Upgrade, Connection,
	// Sec-WebSocket-*, framing headers) or invalid ones make Accept fail with 500.
	ResponseHeader http.Header
}

package websocket

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"time"
)

// BinaryType selects how binary messages are delivered.
type BinaryType string

// The two BinaryType values of the standard.
const (
	BinaryTypeBlob        BinaryType = "blob" // default, as in browsers
	BinaryTypeArrayBuffer BinaryType = "arraybuffer"
)

// DefaultMaxMessageSize is the largest message a native socket accepts when
// Options.MaxMessageSize is zero (32 MiB). A larger one closes the
// connection with 1009.
const DefaultMaxMessageSize = 32 << 20

// DefaultMaxBufferedAmount is the least an Upgrade socket lets Send buffer
// when Options.MaxBufferedAmount is zero (64 MiB): a server cannot let a
// peer that stops reading grow its memory without bound, as a page may.
const DefaultMaxBufferedAmount = 64 << 20

// DefaultIdleTimeout is an Upgrade socket's keepalive when
// Options.IdleTimeout is zero (30 s): a Ping after 30 s of silence keeps
// the connection through load balancers and proxies that drop idle ones
// after 60 s (the usual default), and a peer that answers nothing within
// another 30 s is dropped, so half-open connections do not pile up.
const DefaultIdleTimeout = 30 * time.Second

// Options configure a socket before it starts. Handlers given here are in
// place before the connection starts, so they see every event, including an
// "open" that would race a setter called after New.
type Options struct {
	// Protocols are the subprotocols offered, as the constructor's second
	// argument.
	Protocols []string
	// BinaryType is the initial BinaryType; "" means BinaryTypeBlob.
	BinaryType BinaryType
	OnOpen     func(Event)
	OnMessage  func(*MessageEvent)
	OnError    func(Event)
	OnClose    func(*CloseEvent)

	// Native only; the browser build ignores the fields below (the browser
	// decides these itself).

	// Header holds extra handshake headers: Origin, Cookie, Authorization...
	Header http.Header
	// TLSConfig is used for wss URLs; nil means the system roots.
	TLSConfig *tls.Config
	// Proxy picks an HTTP proxy (reached with CONNECT); nil means
	// http.ProxyFromEnvironment.
	Proxy func(*http.Request) (*url.URL, error)
	// HandshakeTimeout bounds the opening handshake; zero means 30 s.
	HandshakeTimeout time.Duration
	// MaxMessageSize bounds a received message; zero means
	// DefaultMaxMessageSize, negative means no limit. A larger message
	// closes the connection with 1009.
	MaxMessageSize int64
	// MaxBufferedAmount bounds, in bytes of application data, what Send
	// may leave queued and unwritten (what BufferedAmount counts, kept
	// exactly). A Send that would pass it fails the connection, as the
	// standard's "buffer is full" case: the queue is dropped and its memory
	// released, "error" then "close" (1006) are dispatched, and the peer gets
	// Close 1008 if it is still reading. Zero means the side's default:
	// none for client sockets, whose Send buffers without limit as a page's
	// does (use SendContext for back-pressure); for Upgrade sockets the
	// larger of DefaultMaxBufferedAmount and twice MaxMessageSize, so that
	// echoing a message at MaxMessageSize never trips it (just
	// DefaultMaxBufferedAmount when MaxMessageSize is negative, for no
	// limit). Negative means no limit.
	MaxBufferedAmount int64
	// IdleTimeout detects dead peers and keeps idle connections alive
	// through proxies: when nothing arrives for IdleTimeout, a Ping is sent;
	// when still nothing arrives within another IdleTimeout, the connection
	// fails ("error", then "close" 1006). Zero means the side's default:
	// none for client sockets, as browsers; DefaultIdleTimeout for Upgrade
	// sockets. Negative means none.
	IdleTimeout time.Duration
	// Compression offers (client) or accepts (server) permessage-deflate.
	// Not implemented yet: setting it changes nothing.
	Compression bool
	// BaseURL resolves relative URLs. Without it the browser build uses the
	// page's URL (the script's in a worker), and the native build reports a
	// relative URL as a SyntaxError. Unlike the fields above, it applies to
	// both builds.
	BaseURL string
	// OriginPatterns (Upgrade only) lists the hosts, as path.Match patterns
	// on the Origin's host[:port], allowed to connect cross-origin; a
	// same-host Origin or none is always allowed. Others get 403.
	OriginPatterns []string
	// ParallelHandshakes (native only, clients only) lets this socket's
	// opening handshake run while another one to the same host and port is
	// in progress. By default native clients wait for their turn, as RFC
	// 6455 §4.1 asks and browsers do: at most one handshake per host:port
	// (see native.HostGate) across the whole process. The wait does not
	// count against HandshakeTimeout (it lasts as long as the handshakes
	// ahead, each bounded by its own), and Close while waiting fails the
	// socket as usual. Set it for load generators and other clients that
	// open many sockets to one server on purpose.
	ParallelHandshakes bool
	// Limiter, if set, caps the sockets alive at once: see [Limiter]. Both
	// builds and both sides apply it (clients in New and NewWithOptions,
	// servers in Upgrade). Share one Limiter among sockets for a
	// process-wide cap, as browsers have.
	Limiter *Limiter
}

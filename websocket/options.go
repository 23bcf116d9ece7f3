package websocket

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"time"

	"github.com/w3ws/w3ws/internal/defaults"
)

// BinaryType selects how binary messages are delivered.
type BinaryType string

// The two BinaryType values of the standard.
const (
	BinaryTypeBlob        BinaryType = "blob" // default, as in browsers
	BinaryTypeArrayBuffer BinaryType = "arraybuffer"
)

// DefaultMaxMessageSize is the largest message a native socket accepts when
// Options.MaxMessageSize is zero (32 MiB, the engine's
// native.DefaultMaxMessageSize). A larger one closes the connection with
// 1009.
const DefaultMaxMessageSize = defaults.MaxMessageSize

// DefaultHandshakeTimeout bounds a native client's opening handshake when
// Options.HandshakeTimeout is zero (30 s, the engine's
// native.DefaultHandshakeTimeout).
const DefaultHandshakeTimeout = defaults.HandshakeTimeout

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

// Options configure a socket before it starts: a client socket (New,
// NewWithOptions) in either build, or a server socket (Upgrade, native
// only). The zero value is ready to use. Each field says who reads it:
//
//   - both builds, both sides: the handlers, BinaryType, Protocols, Limiter;
//   - native clients only: Header, TLSConfig, Proxy, HandshakeTimeout,
//     ParallelHandshakes, BaseURL (which the browser build reads too);
//   - native sockets, both sides: MaxMessageSize, MaxBufferedAmount,
//     IdleTimeout, Compression, CompressionContextTakeover,
//     CompressionThreshold;
//   - Upgrade only: OriginPatterns.
//
// The browser build ignores the native-only fields: the browser decides
// those itself. Handlers given here are in place before the connection
// starts, so they see every event, including an "open" that would race a
// setter called after New. NewWithOptions and Upgrade copy the struct;
// changing it afterwards changes nothing.
type Options struct {
	// Protocols are, for a client, the subprotocols offered, as the
	// constructor's second argument (each a token, none twice); for
	// Upgrade, the subprotocols the server supports: the first one the
	// client offered that is in this list is chosen. Both builds.
	Protocols []string
	// BinaryType is the initial BinaryType; "" means BinaryTypeBlob, as in
	// browsers. Both builds, both sides.
	BinaryType BinaryType
	// OnOpen, OnMessage, OnError and OnClose are the initial on* handlers
	// (nil: none), in place before any event. Both builds, both sides.
	OnOpen    func(Event)
	OnMessage func(*MessageEvent)
	OnError   func(Event)
	OnClose   func(*CloseEvent)

	// Header holds extra handshake request headers (Origin, Cookie,
	// Authorization...); the WebSocket headers themselves may not be set.
	// Native clients only; nil means none.
	Header http.Header
	// TLSConfig is used for wss URLs. Native clients only; nil means the
	// system roots and the URL's host as ServerName.
	TLSConfig *tls.Config
	// Proxy picks the HTTP proxy of a request, reached with an HTTP CONNECT
	// tunnel. Native clients only; nil means http.ProxyFromEnvironment, and
	// a nil URL means a direct connection.
	Proxy func(*http.Request) (*url.URL, error)
	// HandshakeTimeout bounds the opening handshake (TCP connect, proxy
	// tunnel and TLS included). Native clients only; zero means
	// DefaultHandshakeTimeout.
	HandshakeTimeout time.Duration
	// MaxMessageSize bounds a received message; a larger one closes the
	// connection with 1009, and memory never grows past the limit while
	// reading it. Native sockets, both sides; zero means
	// DefaultMaxMessageSize, negative means no limit.
	MaxMessageSize int64
	// MaxBufferedAmount bounds, in bytes of application data, what Send
	// may leave queued and unwritten (what BufferedAmount counts, kept
	// exactly). A Send that would pass it fails the connection, as the
	// standard's "buffer is full" case: the queue is dropped and its memory
	// released, "error" then "close" (1006) are dispatched, and the peer gets
	// Close 1008 if it is still reading. Native sockets, both sides. Zero
	// means the side's default: none for client sockets, whose Send buffers
	// without limit as a page's does (use SendContext for back-pressure);
	// for Upgrade sockets the larger of DefaultMaxBufferedAmount and twice
	// MaxMessageSize, so that echoing a message at MaxMessageSize never
	// trips it (just DefaultMaxBufferedAmount when MaxMessageSize is
	// negative, for no limit). Negative means no limit.
	MaxBufferedAmount int64
	// IdleTimeout detects dead peers and keeps idle connections alive
	// through proxies: when nothing arrives for IdleTimeout, a Ping is sent;
	// when still nothing arrives within another IdleTimeout, the connection
	// fails ("error", then "close" 1006). Native sockets, both sides. Zero
	// means the side's default: none for client sockets, as browsers;
	// DefaultIdleTimeout for Upgrade sockets. Negative means none.
	IdleTimeout time.Duration
	// Compression turns on permessage-deflate (RFC 7692) in both
	// directions. A server (Upgrade) accepts the client's first valid
	// offer only when it is set, and then answers with
	// server_no_context_takeover and client_no_context_takeover, so that
	// an idle socket holds no compression memory (writers and readers are
	// pooled and borrowed per message; see native.CompressionMode for the
	// figures). A client offers permessage-deflate whatever Compression
	// says, exactly as Chrome offers it on every connection, inflates what
	// the server compresses, and reports the server's answer in
	// Extensions as Chrome does; Compression makes it compress what it
	// sends too, as a browser does. Native sockets; in the browser, the
	// browser negotiates and compresses.
	Compression bool
	// CompressionContextTakeover, with Compression, keeps our compression
	// context from one message to the next (native.CompressionContextTakeover):
	// small messages that repeat earlier ones shrink further, for about
	// 0.9 MB per socket once it has sent a compressed message. Native
	// sockets, both sides.
	CompressionContextTakeover bool
	// CompressionThreshold is the size in bytes under which a message goes
	// out uncompressed even with Compression. Native sockets, both sides;
	// zero means native.DefaultCompressionThreshold (128), negative
	// compresses every message.
	CompressionThreshold int
	// BaseURL resolves relative URLs. Without it the browser build uses the
	// page's URL (the script's in a worker), and the native build reports a
	// relative URL as a SyntaxError. Clients, both builds.
	BaseURL string
	// OriginPatterns lists the hosts, as path.Match patterns on the
	// Origin's host[:port] ("example.com", "*.example.com", "127.0.0.1:*"),
	// allowed to connect cross-origin; a same-host Origin or none is always
	// allowed, others get 403. Upgrade only; nil means same-host only.
	OriginPatterns []string
	// ParallelHandshakes lets this socket's opening handshake run while
	// another one to the same host and port is in progress. By default
	// native clients wait for their turn, as RFC 6455 §4.1 asks and
	// browsers do: at most one handshake per host:port (see
	// native.HostGate) across the whole process. The wait does not count
	// against HandshakeTimeout (it lasts as long as the handshakes ahead,
	// each bounded by its own), and Close while waiting fails the socket as
	// usual. Set it for load generators and other clients that open many
	// sockets to one server on purpose. Native clients only.
	ParallelHandshakes bool
	// Limiter, if set, caps the sockets alive at once: see [Limiter].
	// Both builds and both sides apply it (clients in New and
	// NewWithOptions, servers in Upgrade). Share one Limiter among sockets
	// for a process-wide cap, as browsers have. Nil means no cap.
	Limiter *Limiter
}

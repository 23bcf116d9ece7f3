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
}

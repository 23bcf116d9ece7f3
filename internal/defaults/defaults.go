// Package defaults holds the default limits that both the engine (package
// native) and the W3C interface (package websocket) export, so each is
// defined once. It is a leaf package: the browser build of websocket
// imports it without pulling in the engine.
package defaults

import "time"

const (
	// MaxMessageSize bounds a reassembled message (32 MiB): browsers have
	// no fixed limit, but a server must have one so a peer cannot exhaust
	// its memory.
	MaxMessageSize = 32 << 20
	// HandshakeTimeout bounds an opening handshake, TCP connect, proxy
	// tunnel and TLS included (30 s).
	HandshakeTimeout = 30 * time.Second
)

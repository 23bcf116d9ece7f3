// Package impl holds the implementations the benchmark compares, each behind
// the same small seam: a client that sends binary messages and receives
// their echoes, and an echo server. There is one file per library, and each
// uses only its library's public API, the way its documentation shows, with
// default buffer sizes. Compression is off unless a Config asks for it (the
// deflate part of the benchmark), and then on at both ends.
//
// A client is either pulled (Pull: the caller reads the next message in a
// loop, as with gorilla or the w3ws engine) or event-driven (Events: the
// library calls a handler on its own reading goroutine, as the W3C API and
// gws do). The benchmark drives each kind the way an application of that
// kind would: a pulled client from a read loop, an event-driven one from
// inside its message handler.
package impl

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
)

// MaxMessage is the largest message every client and server accepts (4 MiB):
// above the benchmark's largest size, and set explicitly where a library's
// default is lower (coder's is 32 KiB).
const MaxMessage = 4 << 20

// Deflate is a permessage-deflate (RFC 7692) setting, the same at both ends
// of a connection.
type Deflate int

const (
	// DeflateOff negotiates no compression.
	DeflateOff Deflate = iota
	// DeflateNoTakeover negotiates server_no_context_takeover and
	// client_no_context_takeover: every message is compressed on its own,
	// in both directions.
	DeflateNoTakeover
	// DeflateTakeover keeps the compression context, a 32 KiB window,
	// from one message to the next, in both directions.
	DeflateTakeover
)

// deflateNames are the settings' names, as the -deflate-modes flag and the
// tables spell them.
var deflateNames = [...]string{"off", "no-takeover", "takeover"}

func (d Deflate) String() string {
	if d < 0 || int(d) >= len(deflateNames) {
		return fmt.Sprintf("Deflate(%d)", int(d))
	}
	return deflateNames[d]
}

// ParseDeflate returns the setting called name.
func ParseDeflate(name string) (Deflate, error) {
	i := slices.Index(deflateNames[:], name)
	if i < 0 {
		return 0, fmt.Errorf("impl: unknown compression setting %q", name)
	}
	return Deflate(i), nil
}

// DeflateNames returns the settings' names, in order.
func DeflateNames() []string { return slices.Clone(deflateNames[:]) }

// Config is how a client connects: the zero value, binary messages without
// compression, is what the echo and idle parts use.
type Config struct {
	// Text makes the client send text messages (every echo server answers
	// a message with its own type).
	Text bool
	// Deflate is the compression the client asks for; the server must
	// have been started with the same setting. An implementation is only
	// given DeflateOff or a setting its Impl.Deflate lists.
	Deflate Deflate
}

// Sender sends on a client connection.
type Sender interface {
	// Send writes p as one message, binary or, with Config.Text, text, and
	// returns once it has been written to the connection. It does not keep
	// or modify p. One goroutine sends at a time, concurrently with the one
	// receiving.
	Send(p []byte) error
}

// Conn is a client connection of either kind.
type Conn interface {
	Sender
	// Close closes the connection with a closing handshake bounded by a few
	// seconds, and returns once the library's goroutines for it are done.
	Close() error
	// Abort drops the connection at once, without a closing handshake, so
	// that calls blocked on it return: the benchmark's way out of a
	// measurement that overran its time.
	Abort()
}

// PullConn is a client connection read in a loop.
type PullConn interface {
	Conn
	// Receive returns the next data message. The slice is valid until the
	// next call.
	Receive() ([]byte, error)
}

// Handler receives the events of an event-driven client, on the library's
// reading goroutine, one at a time. Both functions must be set.
type Handler struct {
	// Message is called with each data message, and the connection to
	// reply on (which is valid before the dial returns); p is valid during
	// the call.
	Message func(s Sender, p []byte)
	// End is called once when the connection is over, with the reason.
	End func(err error)
}

// Impl is one implementation: a library, or w3ws through one of its two APIs.
type Impl struct {
	// Name is the row label in the tables, and the -impls flag value.
	Name string
	// Module is the Go module the implementation comes from, whose version
	// the report prints.
	Module string
	// Peer marks the four other libraries, against the best of which every
	// row's ratio is taken.
	Peer bool
	// Client and Server say, in a line each, how the API is used.
	Client, Server string
	// Deflate lists the compression settings, besides DeflateOff, that
	// the implementation supports at both ends; none leaves it out of the
	// deflate part.
	Deflate []Deflate
	// DeflateSetup says in a line how compression is turned on, at which
	// level and with which flate package.
	DeflateSetup string
	// Pull dials a pulled client; nil for an event-driven one.
	Pull func(ctx context.Context, url string, cfg Config) (PullConn, error)
	// Events dials an event-driven client whose events go to h; nil for a
	// pulled one. h is in place before the connection opens.
	Events func(ctx context.Context, url string, cfg Config, h Handler) (Conn, error)
	// Serve runs the implementation's echo server on ln until ln is closed:
	// every data message is sent back, as one message of the same type.
	// With a Deflate setting other than DeflateOff, the server accepts
	// compression as that setting says and compresses its echoes.
	Serve func(ln net.Listener, d Deflate) error
}

// Supports reports whether the implementation can run with d at both ends.
func (im Impl) Supports(d Deflate) bool {
	return d == DeflateOff || slices.Contains(im.Deflate, d)
}

// Ref is the fixed reference server, against which every client is measured
// in the first set of tables: a minimal echo on gobwas/ws primitives, the
// same for every client, so that the client is what differs between rows.
var Ref = Impl{
	Name:   "ref",
	Module: "github.com/gobwas/ws",
	Server: "frame-level echo on gobwas/ws ReadHeader, Cipher and WriteHeader through 8 KiB bufio buffers, flushed when no input is buffered; frames larger than the buffer leave in one writev",
	Serve:  serveRef,
}

// All returns the implementations in table order: w3ws through the W3C API
// (with and without MessageEvent.Release), the w3ws engine, w3ws through
// WebSocketStream, then the four peers.
func All() []Impl {
	return []Impl{w3wsImpl, w3wsKeepImpl, engineImpl, streamImpl, coderImpl, gorillaImpl, gobwasImpl, gwsImpl}
}

// Lookup returns the implementation, or the reference server, called name.
func Lookup(name string) (Impl, error) {
	if name == Ref.Name {
		return Ref, nil
	}
	i := slices.IndexFunc(All(), func(im Impl) bool { return im.Name == name })
	if i < 0 {
		return Impl{}, errors.New("impl: unknown implementation " + name)
	}
	return All()[i], nil
}

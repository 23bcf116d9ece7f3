package websocket

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// StreamOptions are the settings of a WebSocketStream: the Protocols of
// new WebSocketStream(url, {protocols}), and the native-only knobs of
// Options, which mean the same here. A nil *StreamOptions means defaults.
// The browser build ignores the native-only fields, as it does in Options.
type StreamOptions struct {
	// Protocols are the subprotocols a client offers, or those an
	// UpgradeStream server supports (the first one the client offered
	// that is in this list is chosen). Both builds.
	Protocols []string

	// Header, TLSConfig, Proxy, HandshakeTimeout and ParallelHandshakes
	// are as in Options. Native clients.
	Header             http.Header
	TLSConfig          *tls.Config
	Proxy              func(*http.Request) (*url.URL, error)
	HandshakeTimeout   time.Duration
	ParallelHandshakes bool
	// MaxMessageSize bounds a received message as in Options: past it the
	// connection fails with 1009. Native, both sides.
	MaxMessageSize int64
	// IdleTimeout is as in Options: UpgradeStream streams default to
	// DefaultIdleTimeout, clients to none. Native, both sides.
	IdleTimeout time.Duration
	// Compression, CompressionContextTakeover and CompressionThreshold
	// are as in Options. Native, both sides.
	Compression                bool
	CompressionContextTakeover bool
	CompressionThreshold       int
	// BaseURL resolves a relative URL, as in Options. Clients, both builds.
	BaseURL string
	// OriginPatterns lists the cross-origin hosts UpgradeStream accepts,
	// as in Options. UpgradeStream only.
	OriginPatterns []string
}

// options maps StreamOptions onto the Options the shared helpers read.
func (o *StreamOptions) options() Options {
	if o == nil {
		return Options{BinaryType: BinaryTypeArrayBuffer}
	}
	return Options{
		Protocols:                  append([]string(nil), o.Protocols...),
		Header:                     o.Header,
		TLSConfig:                  o.TLSConfig,
		Proxy:                      o.Proxy,
		HandshakeTimeout:           o.HandshakeTimeout,
		ParallelHandshakes:         o.ParallelHandshakes,
		MaxMessageSize:             o.MaxMessageSize,
		IdleTimeout:                o.IdleTimeout,
		Compression:                o.Compression,
		CompressionContextTakeover: o.CompressionContextTakeover,
		CompressionThreshold:       o.CompressionThreshold,
		BaseURL:                    o.BaseURL,
		OriginPatterns:             o.OriginPatterns,
		BinaryType:                 BinaryTypeArrayBuffer,
	}
}

// CloseInfo is WebSocketCloseInfo: the code and reason of a close, given
// to Close and reported by Closed. CloseCode 0 means omitted.
type CloseInfo struct {
	CloseCode int
	Reason    string
}

// WebSocketError is the browser's WebSocketError: how a WebSocketStream
// reports a connection that did not close cleanly (the opening handshake
// failed, the connection dropped, a protocol violation). Opened, Closed,
// Read and Write return it; CloseCode is 1006 unless a Close frame said
// otherwise, and 0 (JavaScript's null) in Opened's error, as Chromium
// gives it. Err, when set, is the Go error behind it (natively: the
// engine's), so errors.Is and errors.As see through it.
type WebSocketError struct {
	CloseCode int
	Reason    string
	Message   string
	Err       error
}

// Error returns the message, with the close code and the cause.
func (e *WebSocketError) Error() string {
	s := "websocket: WebSocketError"
	if e.Message != "" {
		s += ": " + e.Message
	}
	s += fmt.Sprintf(" (close code %d", e.CloseCode)
	if e.Reason != "" {
		s += fmt.Sprintf(", reason %q", e.Reason)
	}
	s += ")"
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *WebSocketError) Unwrap() error { return e.Err }

// errStreamClosed is Write's error once the stream is closing or closed
// (InvalidStateError, as Chromium's writer rejects with), and Read's and
// Write's on a stream that never opened; it also matches net.ErrClosed.
var errStreamClosed = fmt.Errorf("%w: %w",
	domException(ErrInvalidState, "The WebSocketStream is closing or closed."), net.ErrClosed)

// errStreamAborted is wrapped, with the context's cause, when the context
// given to NewStream ends before the stream opened.
var errStreamAborted = errors.New("websocket: WebSocketStream: the opening handshake was aborted")

// WebSocketStream is the browser's WebSocketStream: a WebSocket read and
// written by pulling, with back-pressure both ways, instead of through
// events. Natively it runs on the engine: when the program stops calling
// Read, the stream stops reading the socket (at most 64 KiB, or one larger
// message, are read ahead) and TCP pushes back on the peer; Write returns once the message
// is written to the socket, so it blocks while the peer does not read. In
// the browser it drives the browser's own WebSocketStream where there is
// one, and otherwise emulates it over the browser's WebSocket (see the
// README for how back-pressure is approximated then). All methods are safe for
// concurrent use.
type WebSocketStream struct {
	url string

	opened   chan struct{} // closed once the opened promise settled
	conn     *StreamConnection
	openErr  error
	openOnce sync.Once

	closed    chan struct{} // closed once the closed promise settled
	closeInfo CloseInfo
	closeErr  error
	closeOnce sync.Once

	t streamTransport // the build's transport
}

// StreamConnection is what the opened promise gives: the readable and
// writable halves and what the handshake agreed.
type StreamConnection struct {
	Readable   *StreamReader
	Writable   *StreamWriter
	Extensions string
	Protocol   string
}

// StreamReader is the readable half of a WebSocketStream.
type StreamReader struct{ s *WebSocketStream }

// StreamWriter is the writable half of a WebSocketStream.
type StreamWriter struct{ s *WebSocketStream }

// NewStream is new WebSocketStream(url, {protocols, signal}): it starts
// connecting and returns at once. ctx plays the AbortSignal's part for the
// opening handshake only: when it ends before the stream opened, Opened
// and Closed report an error wrapping the context's cause. A bad URL,
// scheme or subprotocol list returns ErrSyntax, as New does; every later
// failure is reported by Opened and Closed (a *WebSocketError).
func NewStream(ctx context.Context, rawURL string, opts *StreamOptions) (*WebSocketStream, error) {
	o := opts.options()
	u, err := checkConstructor(rawURL, &o)
	if err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		// Chromium returns a stream whose url is "" for a signal aborted
		// before the constructor.
		s := newStream("")
		s.settleClosed(CloseInfo{}, abortError(ctx))
		return s, nil
	}
	s := newStream(u.String())
	s.t.connect(ctx, s, u, o)
	return s, nil
}

// UpgradeStream accepts a WebSocket handshake on an HTTP request and
// returns the server side of the connection as a WebSocketStream, already
// open. Server streams differ from client ones as Upgrade's sockets do
// (IdleTimeout defaults to DefaultIdleTimeout; a Close code RFC 6455 §7.4
// rules out fails the connection). On failure an HTTP error response has
// been written. In the browser build it answers 501 and returns an error
// wrapping errors.ErrUnsupported.
func UpgradeStream(w http.ResponseWriter, r *http.Request, opts *StreamOptions) (*WebSocketStream, error) {
	return upgradeStream(w, r, opts.options())
}

// newStream returns a stream whose promises are pending.
func newStream(u string) *WebSocketStream {
	return &WebSocketStream{url: u, opened: make(chan struct{}), closed: make(chan struct{})}
}

// URL returns the URL, resolved and serialized as the url attribute.
func (s *WebSocketStream) URL() string { return s.url }

// Opened waits for the opening handshake: the connection's halves once it
// succeeded, a *WebSocketError when it failed, an error wrapping the
// NewStream context's cause when that ended first. ctx bounds this wait
// only; when it ends, Opened returns ctx's error and the stream carries on.
func (s *WebSocketStream) Opened(ctx context.Context) (*StreamConnection, error) {
	select {
	case <-s.opened:
		return s.conn, s.openErr
	default:
	}
	select {
	case <-s.opened:
		return s.conn, s.openErr
	case <-ctx.Done():
		return nil, fmt.Errorf("websocket: Opened: %w", ctx.Err())
	}
}

// Closed waits for the connection to end: the peer's close code and
// reason after a clean closing handshake (1005 and "" when its Close frame
// had no code), a *WebSocketError otherwise. ctx bounds this wait only.
func (s *WebSocketStream) Closed(ctx context.Context) (CloseInfo, error) {
	select {
	case <-s.closed:
		return s.closeInfo, s.closeErr
	default:
	}
	select {
	case <-s.closed:
		return s.closeInfo, s.closeErr
	case <-ctx.Done():
		return CloseInfo{}, fmt.Errorf("websocket: Closed: %w", ctx.Err())
	}
}

// Close is close({closeCode, reason}). The code must be 0 (omitted), 1000
// or 3000-4999 (ErrInvalidAccess otherwise) and the reason at most 123
// UTF-8 bytes (ErrSyntax); both are checked first, whatever the state.
// Before the stream opened it abandons the handshake (Opened and Closed
// report a *WebSocketError); once open it starts the closing handshake
// and returns at once: a Close frame with no body for a zero CloseInfo
// (the peer reports 1005), code 1000 for a reason without a code. Messages
// already received can still be read; Closed tells when it is over. After
// the first call it does nothing.
func (s *WebSocketStream) Close(info CloseInfo) error {
	reason, err := checkClose(info.CloseCode, info.Reason)
	if err != nil {
		return err
	}
	code := info.CloseCode
	if code == 0 && reason != "" {
		code = 1000
	}
	s.t.close(s, code, reason)
	return nil
}

// Read returns the next message: a string for text, a []byte (the caller's
// to keep) for binary. After a clean close it returns io.EOF once the
// messages received before it have been read; after an unclean one, the
// *WebSocketError Closed reports. When ctx ends first it returns ctx's
// error and the message, if one arrives, stays for the next Read.
func (r *StreamReader) Read(ctx context.Context) (any, error) {
	text, data, isText, err := r.s.t.read(ctx)
	switch {
	case err != nil:
		return nil, err
	case isText:
		return text, nil
	}
	return data, nil
}

// ReadInto is Read for a caller that reuses its buffer: it appends the
// next message's bytes to dst[:0] (UTF-8 for text, isText true) and
// returns the result, which grows dst when the message does not fit.
// Natively a large binary message is then copied out of a read buffer the
// stream keeps, instead of being handed over in a new one, so that a loop
// reading into the same buffer allocates nothing for large messages.
// Errors are Read's; on error the returned slice is dst[:0].
func (r *StreamReader) ReadInto(ctx context.Context, dst []byte) (data []byte, isText bool, err error) {
	return r.s.t.readInto(ctx, dst)
}

// Write sends one message (a string as text; []byte, ArrayBuffer, *Blob
// or any type whose underlying type is string or []byte as binary, as
// Send takes them) and returns once it was handed to the network: natively,
// written to the socket, so Write blocks while the peer does not read.
// Natively, when ctx ends before the message was written the connection is
// dropped (part of a frame may have gone out, and a frame cannot be taken
// back); the error wraps ctx's. Once the stream is closing or closed it
// returns ErrInvalidState (also matching net.ErrClosed), or the
// *WebSocketError after an unclean close.
func (w *StreamWriter) Write(ctx context.Context, data any) error {
	text, bin, isText, err := sendData(data)
	if err != nil {
		return err
	}
	return w.s.t.write(ctx, text, bin, isText)
}

// settleOpen settles the opened promise, once.
func (s *WebSocketStream) settleOpen(conn *StreamConnection, err error) {
	s.openOnce.Do(func() {
		s.conn, s.openErr = conn, err
		close(s.opened)
	})
}

// settleClosed settles the closed promise, once; an opened promise still
// pending is rejected with the same error (or a *WebSocketError when the
// close was clean, which cannot happen before opening).
func (s *WebSocketStream) settleClosed(info CloseInfo, err error) {
	s.closeOnce.Do(func() {
		s.closeInfo, s.closeErr = info, err
		s.settleOpen(nil, openError(err))
		close(s.closed)
	})
}

// openError is the opened promise's rejection for a stream that closed
// before it opened, given the closed promise's: the same error, but a
// WebSocketError without a close code (0), as Chromium rejects opened with
// one whose closeCode is null.
func openError(closeErr error) error {
	var we *WebSocketError
	switch {
	case closeErr == nil:
		return &WebSocketError{Message: "the connection closed before it opened"}
	case errors.As(closeErr, &we):
		c := *we
		c.CloseCode = 0
		return &c
	}
	return closeErr
}

// abortError is the error of a stream whose NewStream context ended
// before it opened.
func abortError(ctx context.Context) error {
	return fmt.Errorf("%w: %w", errStreamAborted, context.Cause(ctx))
}

// halves returns the StreamConnection of an opened stream.
func (s *WebSocketStream) halves(protocol, extensions string) *StreamConnection {
	return &StreamConnection{
		Readable:   &StreamReader{s: s},
		Writable:   &StreamWriter{s: s},
		Protocol:   protocol,
		Extensions: extensions,
	}
}

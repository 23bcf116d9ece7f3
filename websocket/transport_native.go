//go:build !js

package websocket

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/w3ws/w3ws/native"
)

// transport is the native build's link to the engine. It owns the
// socket's write accounting (accounting_native.go); it reaches back to the
// socket only through the dispatcher, by posting tasks.
type transport struct {
	conn   atomic.Pointer[native.Conn]
	cancel context.CancelFunc // aborts the opening handshake
	d      *dispatcher
	writes writeAccount
}

// init links the transport to the socket's dispatcher.
func (t *transport) init(d *dispatcher) {
	t.d = d
	t.writes.init()
}

// defaultHostGate serialises the opening handshakes of native client
// sockets per host:port across the process, unless
// Options.ParallelHandshakes: RFC 6455 §4.1 asks it of a client as a whole,
// and Chrome serialises handshakes across all its pages. It is the
// package's one piece of process-wide mutable state, accepted because the
// rule is about the whole client, not one socket.
var defaultHostGate native.HostGate

// connect starts the opening handshake on a goroutine of its own, which
// hands an opened connection to a fresh goroutine (serveClient) that reads
// it and dispatches its events. It never fails synchronously.
func (ws *WebSocket) connect() error {
	ctx, cancel := context.WithCancel(context.Background())
	ws.t.cancel = cancel
	opts := &native.DialOptions{
		ConnOptions:      ws.connOptions(false),
		Header:           ws.opts.Header,
		Subprotocols:     ws.opts.Protocols,
		TLSConfig:        ws.opts.TLSConfig,
		Proxy:            ws.opts.Proxy,
		HandshakeTimeout: ws.opts.HandshakeTimeout,
	}
	if !ws.opts.ParallelHandshakes {
		opts.HostGate = &defaultHostGate
	}
	go func() {
		defer cancel()
		c, _, err := native.Dial(ctx, dialURL(ws.url), opts)
		if err != nil {
			if ReadyState(ws.state.Load()) == CLOSING {
				// Close while CONNECTING cancelled the handshake: report
				// that, not the cancellation it caused.
				err = errClosedWhileConnecting
			}
			ws.d.dispatch(task{kind: taskClose, code: 1006, err: err})
			return
		}
		ws.t.conn.Store(c)
		// A fresh goroutine reads the connection: the handshake grew this
		// one's stack (TLS, HTTP parsing), and a goroutine keeps its stack
		// for as long as it lives.
		go ws.serveClient(c)
	}()
	return nil
}

// serveClient runs an opened client connection: the open event, then the
// read loop until the close event.
func (ws *WebSocket) serveClient(c *native.Conn) {
	ws.d.dispatch(task{kind: taskOpen, protocol: c.Subprotocol(), ext: c.Extensions()})
	if !ws.isOpened() {
		// Close was called while CONNECTING and the handshake won the
		// race: leave as Chrome does, with 1001, and fail.
		c.Close(native.StatusGoingAway, "")
		ws.d.dispatch(task{kind: taskClose, code: 1006, err: errClosedWhileConnecting})
		return
	}
	ws.readLoop(c)
}

// dialURL is the URL handed to the engine: without user info, because
// Chrome does not turn URL credentials into an Authorization header (it
// answers a 401 challenge, which the engine does not do); set
// Options.Header instead.
func dialURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	return c.String()
}

// defaultBaseURL is the base for relative URLs without Options.BaseURL:
// none natively, so a relative URL is a SyntaxError.
func defaultBaseURL() string { return "" }

// connOptions returns the engine settings and hooks of this socket; server
// sockets get the server defaults of MaxBufferedAmount and IdleTimeout.
func (ws *WebSocket) connOptions(server bool) native.ConnOptions {
	return native.ConnOptions{
		MaxMessageSize:       ws.opts.MaxMessageSize,
		MaxWriteQueue:        maxBufferedAmount(&ws.opts, server),
		IdleTimeout:          idleTimeout(&ws.opts, server),
		Compression:          compressionMode(&ws.opts, server),
		CompressionThreshold: compressionThreshold(&ws.opts, server),
		OnPeerClose: func(native.StatusCode, string) {
			ws.d.dispatch(task{kind: taskClosing})
		},
		OnWritten: ws.t.wrote,
	}
}

// compressionMode resolves Options.Compression and
// Options.CompressionContextTakeover for one side. A client always offers
// permessage-deflate, as every browser does.
func compressionMode(o *Options, server bool) native.CompressionMode {
	switch {
	case server && !o.Compression:
		return native.CompressionDisabled
	case o.Compression && o.CompressionContextTakeover:
		return native.CompressionContextTakeover
	}
	return native.CompressionNoContextTakeover
}

// compressionThreshold resolves Options.CompressionThreshold: a client
// without Compression offers and inflates, but sends every message
// uncompressed.
func compressionThreshold(o *Options, server bool) int {
	if !server && !o.Compression {
		return math.MaxInt
	}
	return o.CompressionThreshold
}

// maxBufferedAmount resolves Options.MaxBufferedAmount for one side: 0 for
// no limit.
func maxBufferedAmount(o *Options, server bool) int64 {
	switch {
	case o.MaxBufferedAmount < 0:
		return 0
	case o.MaxBufferedAmount > 0:
		return o.MaxBufferedAmount
	case !server:
		return 0
	}
	maxMsg := o.MaxMessageSize
	switch {
	case maxMsg == 0:
		maxMsg = DefaultMaxMessageSize
	case maxMsg < 0: // no message limit: no message size to derive one from
		return DefaultMaxBufferedAmount
	}
	return max(DefaultMaxBufferedAmount, 2*min(maxMsg, math.MaxInt64/2))
}

// idleTimeout resolves Options.IdleTimeout for one side: 0 for none.
func idleTimeout(o *Options, server bool) time.Duration {
	switch {
	case o.IdleTimeout < 0:
		return 0
	case o.IdleTimeout > 0:
		return o.IdleTimeout
	case server:
		return DefaultIdleTimeout
	}
	return 0
}

// handOverSize is the binary message size from which the read buffer itself
// goes to the handler instead of a copy: the allocation is the same (the
// next message reads into a new buffer), and the copy is saved.
const handOverSize = 32 << 10

// maxRetainedReadBuffer is the largest read buffer a socket keeps between
// messages: a text message up to this size, or a binary one under
// handOverSize, is read into it and copied out once, into the string or
// slice the handler owns; a larger one is handed to the handler in the
// buffer it was read into.
const maxRetainedReadBuffer = 1 << 20

// readLoop reads messages and dispatches them on this goroutine until the
// connection ends, then dispatches the close. When the connection is quiet
// (native.Conn.Quiet), or falls quiet while it waits (no message began
// within quietAfter: native.ErrQuiet), it hands over to awaitMessage on a
// fresh goroutine and returns, so that an idle socket keeps no read buffer
// and only the smallest stack: this goroutine's has grown with the
// handlers it ran.
func (ws *WebSocket) readLoop(c *native.Conn) {
	ws.readFrom(c, true)
}

// quietAfter is how long the read loop waits for a message before it hands
// over to awaitMessage: the engine's own quiet time (native.Conn.Quiet).
const quietAfter = time.Second

// readFrom is readLoop; quiet says whether to look at Quiet before the
// first read (not right after WaitReadable: the message it waited for is
// read first, and an ended connection reports its end).
func (ws *WebSocket) readFrom(c *native.Conn, quiet bool) {
	var r readBuffers
	for ; ; quiet = true {
		if quiet && c.Quiet() {
			go ws.awaitMessage(c)
			return
		}
		typ, msg, err := c.ReadMessageOrQuiet(r.buf[:0], quietAfter)
		if errors.Is(err, native.ErrQuiet) {
			go ws.awaitMessage(c)
			return
		}
		if err != nil {
			ws.d.dispatch(closeTask(err))
			return
		}
		t := task{kind: taskMessage}
		t.text, t.data, t.isText = r.take(typ, msg)
		ws.d.dispatch(t)
		r.giveBack(ws.releasedData())
	}
}

// awaitMessage waits, holding nothing, until the connection has bytes to
// read, then reads it.
func (ws *WebSocket) awaitMessage(c *native.Conn) {
	c.WaitReadable() // what ended the wait, ReadMessage reports
	ws.readFrom(c, false)
}

// takeMessage turns a message read into buf into the string or slice its
// receiver owns, and returns the buffer to read the next one into. A text
// message up to maxRetainedReadBuffer, or a binary one under
// handOverSize, is copied out once and buf kept; a larger one is handed
// over in the buffer it was read into (text still needs its string),
// unless that buffer is over twice its size: then it is copied out too.
func takeMessage(typ native.MessageType, msg, buf []byte) (text string, data []byte, isText bool, next []byte) {
	switch {
	case len(msg) > maxRetainedReadBuffer || typ == native.MessageBinary && len(msg) >= handOverSize:
		if sameArray(msg, buf) {
			if typ == native.MessageBinary && cap(buf) > 2*len(msg) {
				// A buffer over twice the message: the receiver gets a
				// copy of its size, so that keeping the message does not
				// keep the rest.
				return "", append(make([]byte, 0, len(msg)), msg...), false, buf
			}
			buf = nil // the receiver owns it now
		}
		if typ == native.MessageText {
			return string(msg), nil, true, buf
		}
		return "", msg, false, buf
	case typ == native.MessageText:
		return string(msg), nil, true, msg
	}
	return "", append(make([]byte, 0, len(msg)), msg...), false, msg
}

// closeTask turns the error that ended reading into the close task: a
// clean close with the peer's code, a failure (error event, 1006) for a
// protocol violation, or an abnormal close (1006, no error event) for a
// dropped connection, as Chrome reports them.
func closeTask(err error) task {
	var ce *native.CloseError
	var pe *native.ProtocolError
	switch {
	case errors.As(err, &ce):
		return task{kind: taskClose, code: int(ce.Code), reason: ce.Reason, clean: true}
	case errors.As(err, &pe), errors.Is(err, native.ErrWriteQueueFull), errors.Is(err, native.ErrIdleTimeout):
		// We failed the connection: a violation, a full send buffer, a
		// dead peer.
		return task{kind: taskClose, code: 1006, err: err}
	}
	return task{kind: taskClose, code: 1006}
}

// send queues one message of n bytes on an OPEN socket and accounts for it
// in bufferedAmount.
func (t *transport) send(text string, bin []byte, isText bool, n uint64) {
	t.writes.buffered.Add(n)
	typ, p := messageBytes(text, bin, isText)
	if t.conn.Load().WriteMessageAsync(typ, p) == nil {
		t.writes.sent.Add(n)
	}
}

// sendWait is SendContext on an OPEN socket. With a context that cannot
// end it writes through the engine's blocking path (written by this
// goroutine when the writer is idle; large messages straight from bin,
// without a copy); otherwise it queues like send and waits for the write,
// so that ctx can end the wait while the message stays queued.
func (t *transport) sendWait(ctx context.Context, text string, bin []byte, isText bool, n uint64) error {
	if ctx.Done() != nil {
		t.send(text, bin, isText, n)
		return t.waitSent(ctx)
	}
	t.writes.buffered.Add(n)
	typ, p := messageBytes(text, bin, isText)
	if err := t.conn.Load().WriteMessage(typ, p); err != nil {
		return fmt.Errorf("%w: %w", ErrNotOpen, err)
	}
	t.writes.sent.Add(n)
	return nil
}

// messageBytes returns the engine's message type and payload for Send's
// data. The engine copies or only reads the bytes and never keeps them, so
// a string's bytes are lent without a copy.
func messageBytes(text string, bin []byte, isText bool) (native.MessageType, []byte) {
	if isText {
		return native.MessageText, unsafe.Slice(unsafe.StringData(text), len(text))
	}
	return native.MessageBinary, bin
}

// readyState is the socket's state as the Go side keeps it: natively the
// engine reports every change through a task.
func (t *transport) readyState(s ReadyState) ReadyState { return s }

// close starts the closing handshake of an OPEN socket; the read loop
// dispatches the close event when it ends.
func (t *transport) close(code int, reason string) {
	if c := t.conn.Load(); c != nil {
		c.StartClose(native.StatusCode(code), reason)
	}
}

// abort abandons the opening handshake.
func (t *transport) abort() { t.cancel() }

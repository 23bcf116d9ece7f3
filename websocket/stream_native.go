//go:build !js

package websocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/w3ws/w3ws/native"
)

// streamTransport runs a WebSocketStream on the engine. Reading is
// described in streamread_native.go; writes go straight to the engine's
// blocking write on the caller's goroutine.
type streamTransport struct {
	mu            sync.Mutex
	conn          *native.Conn       // set once open
	cancel        context.CancelFunc // abandons the opening handshake
	closeCalled   bool               // Close ran
	aborted       bool               // the NewStream context ended before open
	giveUp        *time.Timer        // drops a connection whose closing handshake overran
	closeTimedOut bool               // giveUp fired before the end
	ended         bool               // end ran

	queue   messageQueue // received messages; ends with io.EOF or the *WebSocketError
	reading              // who reads the connection, and how
}

// init prepares the queue and the read token.
func (t *streamTransport) init() {
	t.queue.init(streamReadAhead)
	t.token = make(chan struct{}, 1) // empty until open: see startReading
	t.kick = make(chan struct{}, 1)
}

// connect runs the opening handshake on a goroutine of its own. ctx ending
// before the stream opened abandons it.
func (t *streamTransport) connect(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) {
	t.init()
	hctx, cancel := context.WithCancel(context.Background())
	t.cancel = cancel
	opts := &native.DialOptions{
		ConnOptions:      streamConnOptions(&o, false),
		Header:           o.Header,
		Subprotocols:     o.Protocols,
		TLSConfig:        o.TLSConfig,
		Proxy:            o.Proxy,
		HandshakeTimeout: o.HandshakeTimeout,
	}
	if !o.ParallelHandshakes {
		opts.HostGate = &defaultHostGate
	}
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		if t.conn == nil {
			t.aborted = true
		}
		t.mu.Unlock()
		cancel()
	})
	go func() {
		defer cancel()
		c, _, err := native.Dial(hctx, dialURL(u), opts)
		stop()
		t.mu.Lock()
		aborted, closeCalled := t.aborted, t.closeCalled
		if err == nil && !aborted && !closeCalled {
			t.conn = c
		}
		t.mu.Unlock()
		switch {
		case aborted:
			if c != nil {
				c.CloseNow()
			}
			t.failBeforeOpen(s, abortError(ctx))
		case closeCalled:
			if c != nil {
				c.CloseNow()
			}
			t.failBeforeOpen(s, &WebSocketError{CloseCode: 1006,
				Message: "the WebSocketStream was closed before the connection was established"})
		case err != nil:
			t.failBeforeOpen(s, &WebSocketError{CloseCode: 1006,
				Message: "the opening handshake failed", Err: err})
		default:
			// Opened first: the pump may find the connection over at once.
			s.settleOpen(s.halves(c.Subprotocol(), c.Extensions()), nil)
			t.startReading(s, c)
		}
	}()
}

// failBeforeOpen ends a stream that never opened: Read returns err, and
// both promises reject with it.
func (t *streamTransport) failBeforeOpen(s *WebSocketStream, err error) {
	t.queue.end(err)
	s.settleClosed(CloseInfo{}, err)
}

// upgradeStream is UpgradeStream natively.
func upgradeStream(w http.ResponseWriter, r *http.Request, o Options) (*WebSocketStream, error) {
	scheme := "ws"
	if r.TLS != nil {
		scheme = "wss"
	}
	c, err := native.Accept(w, r, &native.AcceptOptions{
		ConnOptions:    streamConnOptions(&o, true),
		Subprotocols:   o.Protocols,
		OriginPatterns: o.OriginPatterns,
	})
	if err != nil {
		return nil, fmt.Errorf("websocket: UpgradeStream: %w", err)
	}
	s := newStream(scheme + "://" + r.Host + r.URL.RequestURI())
	s.t.init()
	s.t.conn = c
	s.settleOpen(s.halves(c.Subprotocol(), c.Extensions()), nil)
	s.t.startReading(s, c)
	return s, nil
}

// streamConnOptions are the engine settings of a stream: those of a
// socket, without the event hooks, and with no write queue (a stream's
// writes block instead).
func streamConnOptions(o *Options, server bool) native.ConnOptions {
	return native.ConnOptions{
		MaxMessageSize:       o.MaxMessageSize,
		IdleTimeout:          idleTimeout(o, server),
		Compression:          compressionMode(o, server),
		CompressionThreshold: compressionThreshold(o, server),
	}
}

// end records how reading ended and settles the closed promise: clean
// with the peer's code and reason after its Close frame, a
// *WebSocketError otherwise.
func (t *streamTransport) end(s *WebSocketStream, c *native.Conn, err error) {
	t.mu.Lock()
	t.ended = true
	if t.giveUp != nil {
		t.giveUp.Stop()
	}
	if t.closeTimedOut {
		err = native.ErrCloseTimeout // not the dropped connection it caused
	}
	t.mu.Unlock()
	var ce *native.CloseError
	if errors.As(err, &ce) {
		t.queue.end(io.EOF)
		s.settleClosed(CloseInfo{CloseCode: int(ce.Code), Reason: ce.Reason}, nil)
		return
	}
	c.CloseNow()
	if errors.Is(err, io.EOF) {
		// Not the clean end io.EOF means to a Read.
		err = io.ErrUnexpectedEOF
	}
	werr := &WebSocketError{CloseCode: 1006, Message: "the connection ended without a closing handshake", Err: err}
	t.queue.end(werr)
	s.settleClosed(CloseInfo{}, werr)
}

// write sends one message with the engine's blocking write.
func (t *streamTransport) write(ctx context.Context, text string, bin []byte, isText bool) error {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return t.notOpen()
	}
	typ, p := messageBytes(text, bin, isText)
	err := c.WriteMessageContext(ctx, typ, p)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil {
		if ended, rerr := t.queue.result(); ended && rerr != io.EOF {
			return rerr
		}
		if errors.Is(err, native.ErrClosed) {
			return errStreamClosed
		}
	}
	return fmt.Errorf("websocket: Write: %w", err)
}

// notOpen is the error of Read and Write on a stream that never opened.
func (t *streamTransport) notOpen() error { return errStreamClosed }

// close abandons the opening handshake or starts the closing one.
func (t *streamTransport) close(s *WebSocketStream, code int, reason string) {
	t.mu.Lock()
	if t.closeCalled {
		t.mu.Unlock()
		return
	}
	t.closeCalled = true
	c, cancel := t.conn, t.cancel
	t.mu.Unlock()
	if c == nil {
		if cancel != nil {
			cancel() // the handshake goroutine settles the promises
		}
		return
	}
	if c.StartClose(native.StatusCode(code), reason) != nil {
		return // the connection is over, or closing already
	}
	signal(t.kick) // the reply is read even if the program stops reading
	// The reply may sit behind messages the program does not read: give
	// up on it as the engine does, after its close timeout. The messages
	// already queued stay readable.
	t.mu.Lock()
	if !t.ended {
		t.giveUp = time.AfterFunc(native.DefaultCloseTimeout, func() {
			t.mu.Lock()
			t.closeTimedOut = !t.ended
			t.mu.Unlock()
			c.CloseNow() // a no-op once the connection ended
		})
	}
	t.mu.Unlock()
}

// stopReading makes the reader discard messages nobody will read, so
// that a closing handshake completes without the program reading.
func (t *streamTransport) stopReading() {
	t.queue.discard()
	signal(t.kick)
}

// addrs returns the connection's local and remote addresses.
func (t *streamTransport) addrs() (local, remote net.Addr) {
	t.mu.Lock()
	c := t.conn
	t.mu.Unlock()
	if c == nil {
		return nil, nil
	}
	return c.LocalAddr(), c.RemoteAddr()
}

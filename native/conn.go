package native

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unicode/utf8"
)

// Conn is an established WebSocket connection, from [Dial] or [Accept].
//
// It is safe for one goroutine calling ReadMessage and any number of
// goroutines writing and closing concurrently. Pings are answered
// automatically while ReadMessage runs, and the closing handshake runs in both
// directions: see [Conn.Close] and [Conn.ReadMessage].
type Conn struct {
	nc        net.Conn
	br        *bufio.Reader
	raw       syscall.RawConn // set when reads can wait without a buffer (awaitData)
	lastFrame time.Time       // when the last wait for a frame began (readers only); zero before
	readable  bool            // WaitReadable saw bytes: the next awaitData reads at once (readers only)
	activity  *activityReader // under br: counts the bytes the peer sent
	cfg       connConfig

	// Read state.
	readMu  sync.Mutex // held by ReadMessage; TryLock tells Close whether a reader runs
	readErr error      // sticky: the error that ended reading
	utf8    utf8Validator
	ctrl    [maxControlPayload]byte // control frame payloads never allocate
	spill   [][]byte                // chunks of a large message past the caller's buffer (readPayload)
	spilled int                     // bytes in spill
	inflate *inflater               // permessage-deflate in force, or nil
	zbuf    []byte                  // the compressed message being gathered
	zhold   *[]byte                 // zbuf's holder in gatherPool
	// readDeadline is the read deadline the engine itself set (closing
	// handshake), zero for none: ReadMessageContext restores it after a
	// cancellation.
	deadlineMu   sync.Mutex // guards readDeadline and orders its setting
	readDeadline time.Time
	readCanceled atomic.Bool // ReadMessageContext's context ended: a read timeout is its doing
	quietCut     *quietCut   // ReadMessageOrQuiet's timer, made by its first call
	reading      atomic.Bool // a ReadMessage is in progress (the idle watch judges silence only then)
	idle         idleWatch

	// Ping state: PingContext waiters by the payload of their Ping.
	pingMu  sync.Mutex
	pingSeq uint64
	pings   map[uint64]chan struct{}

	// Write state.
	w writer

	// Close handshake state.
	closeMu   sync.Mutex    // guards peerClose and endErr
	peerClose *CloseError   // the peer's Close frame, once received
	endErr    error         // why the connection ended, set before done closes
	ended     atomic.Bool   // endErr is set: ReadMessage stops between messages
	done      chan struct{} // closed once the TCP connection is closed
	doneOnce  sync.Once
}

// connConfig is what a handshake hands to newConn.
type connConfig struct {
	client      bool
	subprotocol string
	extensions  string
	deflate     *deflateParams // negotiated permessage-deflate, or nil
	opts        ConnOptions
	// activity is the reader under br that counts the peer's bytes; nil
	// when br is nil (newConn then builds both) or when the caller cannot
	// count (the idle watch then sees no progress).
	activity *activityReader
}

// newConn wraps a connection whose handshake has completed. br must be the
// reader the handshake used: it may already hold the first frames.
func newConn(nc net.Conn, br *bufio.Reader, cfg connConfig) *Conn {
	if cfg.opts.MaxMessageSize == 0 {
		cfg.opts.MaxMessageSize = DefaultMaxMessageSize
	}
	if cfg.opts.CloseTimeout <= 0 {
		cfg.opts.CloseTimeout = DefaultCloseTimeout
	}
	activity := cfg.activity
	if br == nil {
		activity = &activityReader{r: nc}
		br = bufio.NewReader(activity)
	} else if activity == nil {
		activity = &activityReader{}
	}
	c := &Conn{nc: nc, br: br, activity: activity, cfg: cfg, done: make(chan struct{})}
	c.raw = rawConnOf(nc, activity)
	c.w.init(nc, cfg.client, cfg.opts.OnWritten)
	c.w.maxQueue, c.w.onFull = cfg.opts.MaxWriteQueue, c.writeQueueFull
	if p := cfg.deflate; p != nil {
		c.inflate, c.w.deflate = newDeflateState(*p, cfg.client, cfg.opts)
	}
	c.startIdleWatch()
	return c
}

// setReadDeadline sets the engine's own read deadline (the closing
// handshake's), remembered so a cancelled ReadMessageContext can put it back.
func (c *Conn) setReadDeadline(t time.Time) {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.readDeadline = t
	c.nc.SetReadDeadline(t)
}

// restoreReadDeadline puts back the deadline setReadDeadline last set,
// after a cancelled ReadMessageContext moved it into the past.
func (c *Conn) restoreReadDeadline() {
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.nc.SetReadDeadline(c.readDeadline)
}

// Subprotocol returns the subprotocol chosen in the handshake, or "".
func (c *Conn) Subprotocol() string { return c.cfg.subprotocol }

// Extensions returns the negotiated Sec-WebSocket-Extensions value, or "".
func (c *Conn) Extensions() string { return c.cfg.extensions }

// LocalAddr returns the local network address.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// RemoteAddr returns the peer's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Done returns a channel that is closed once the TCP connection is closed,
// whichever way the connection ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// WriteMessage sends p as one message and returns once it has been written to
// the connection, which gives a fast sender back-pressure: memory stays
// bounded by the messages in flight. p may be reused as soon as it returns.
// It returns ErrClosed once a Close frame has been sent.
func (c *Conn) WriteMessage(typ MessageType, p []byte) error {
	if typ != MessageText && typ != MessageBinary {
		return errInvalidMessageType
	}
	return c.w.write(opcode(typ), p, true)
}

// WriteMessageAsync queues p as one message and returns at once; p is copied
// and may be reused. Messages queued while a write is in flight go out
// together in one syscall. Completion is reported to
// ConnOptions.OnWritten. The queue is bounded only by
// ConnOptions.MaxWriteQueue (past it the connection fails with
// ErrWriteQueueFull): use WriteMessage when back-pressure is wanted.
func (c *Conn) WriteMessageAsync(typ MessageType, p []byte) error {
	if typ != MessageText && typ != MessageBinary {
		return errInvalidMessageType
	}
	return c.w.write(opcode(typ), p, false)
}

// Ping queues a Ping frame with the given payload (at most 125 bytes). The
// peer's Pong is consumed by ReadMessage.
func (c *Conn) Ping(payload []byte) error {
	if len(payload) > maxControlPayload {
		return ErrControlPayload
	}
	return c.w.write(opPing, payload, false)
}

// Close starts the closing handshake (§7.1.2) with code and reason, waits for
// the peer's Close reply and then for the TCP connection to end, and returns.
// Code 0 sends a Close frame with no body (the peer reports 1005), or 1000 when
// reason is not empty. Queued messages go out before the Close frame.
//
// If a goroutine is inside ReadMessage, that goroutine reads the reply (and
// gets a *CloseError); otherwise Close reads, discarding data messages. When no
// reply comes within CloseTimeout the connection is dropped and Close returns
// ErrCloseTimeout. Calling Close again, or after the peer closed, only waits
// for the connection to end.
func (c *Conn) Close(code StatusCode, reason string) error {
	code, err := checkCloseArgs(code, reason)
	if err != nil {
		return err
	}
	var body [maxControlPayload]byte
	timeout := c.cfg.opts.CloseTimeout
	c.nc.SetWriteDeadline(time.Now().Add(timeout))
	err = c.w.write(opClose, appendClosePayload(body[:0], code, reason), true)
	if err != nil && !errors.Is(err, ErrClosed) {
		c.teardown()
		return err
	}
	deadline := time.Now().Add(timeout)
	if c.readMu.TryLock() {
		// No reader: read the reply ourselves, dropping data messages.
		c.setReadDeadline(deadline)
		var scratch []byte
		for c.readErr == nil {
			_, scratch, _ = c.readMessageLocked(scratch[:0])
		}
		c.readMu.Unlock()
	} else {
		c.setReadDeadline(deadline)
		t := time.NewTimer(timeout)
		defer t.Stop()
		select {
		case <-c.done:
		case <-t.C:
			c.finish(ErrCloseTimeout)
		}
	}
	<-c.done
	return c.closeResult()
}

// StartClose queues a Close frame with code and reason after the messages
// already queued, and returns at once. It is for callers that run a
// ReadMessage loop: that loop receives the reply (a *CloseError), or
// ErrCloseTimeout when none comes within CloseTimeout. Codes and reasons are
// checked as by Close.
func (c *Conn) StartClose(code StatusCode, reason string) error {
	code, err := checkCloseArgs(code, reason)
	if err != nil {
		return err
	}
	var body [maxControlPayload]byte
	if err := c.w.write(opClose, appendClosePayload(body[:0], code, reason), false); err != nil {
		return err
	}
	c.setReadDeadline(time.Now().Add(c.cfg.opts.CloseTimeout))
	return nil
}

// checkCloseArgs validates the arguments of Close and StartClose and
// returns the code to send (1000 for a reason without a code).
func checkCloseArgs(code StatusCode, reason string) (StatusCode, error) {
	if code != 0 && !validSendCode(code) {
		return 0, ErrInvalidCloseCode
	}
	if len(reason) > MaxCloseReason {
		return 0, ErrCloseReasonTooLong
	}
	if !utf8.ValidString(reason) {
		return 0, errInvalidCloseReason
	}
	if code == 0 && reason != "" {
		code = StatusNormalClosure
	}
	return code, nil
}

// closeResult turns the way the connection ended into Close's result: nil
// when the peer's Close arrived.
func (c *Conn) closeResult() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	if c.peerClose != nil {
		return nil
	}
	return c.endErr
}

// finish records why the connection ended and drops it. For a local
// reason (a limit ran out, a context ended), ReadMessage, blocked or not,
// then returns err.
func (c *Conn) finish(err error) {
	c.setEndErr(err)
	c.teardown()
}

// setEndErr records why the connection ended, unless a reason is known.
func (c *Conn) setEndErr(err error) {
	c.closeMu.Lock()
	if c.endErr == nil {
		c.endErr = err
		c.ended.Store(true)
	}
	c.closeMu.Unlock()
}

// endError returns why the connection ended, or nil.
func (c *Conn) endError() error {
	c.closeMu.Lock()
	defer c.closeMu.Unlock()
	return c.endErr
}

// writeQueueFull is the writer's hook when an async write would pass
// MaxWriteQueue: the queue is already dropped; ReadMessage returns
// ErrWriteQueueFull from its next message on (a read already blocked
// returns it once TCP is dropped, or, waiting for a quiet connection's
// next frame, once that wait ends), and a Close 1008 goes out if the write
// in flight completes within failWriteTimeout (a peer that reads nothing
// never gets it), then TCP is dropped.
func (c *Conn) writeQueueFull() {
	c.setEndErr(ErrWriteQueueFull)
	c.nc.SetWriteDeadline(time.Now().Add(failWriteTimeout))
	go func() {
		c.w.closeAfterFailure(ErrWriteQueueFull, StatusPolicyViolation, "Send queue full")
		c.teardown()
	}()
}

// CloseNow drops the TCP connection without a closing handshake.
func (c *Conn) CloseNow() error {
	c.teardown()
	return nil
}

// teardown closes the TCP connection once.
func (c *Conn) teardown() {
	c.doneOnce.Do(func() {
		c.stopIdleWatch()
		c.w.releaseDeflater()
		c.nc.Close()
		close(c.done)
	})
}

var (
	errInvalidMessageType = errors.New("native: invalid message type")
	errInvalidCloseReason = errors.New("native: close reason is not valid UTF-8")
)

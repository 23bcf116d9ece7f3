package websocket

import (
	"net/url"
	"sync"
	"sync/atomic"
)

// ReadyState is the state of a socket, as the readyState attribute.
type ReadyState uint16

// The four states of the standard.
const (
	CONNECTING ReadyState = 0
	OPEN       ReadyState = 1
	CLOSING    ReadyState = 2
	CLOSED     ReadyState = 3
)

// String returns the constant's name ("OPEN"...).
func (s ReadyState) String() string {
	switch s {
	case CONNECTING:
		return "CONNECTING"
	case OPEN:
		return "OPEN"
	case CLOSING:
		return "CLOSING"
	case CLOSED:
		return "CLOSED"
	}
	return "ReadyState(?)"
}

// WebSocket is the browser's WebSocket interface in Go. Natively it runs
// w3ws's own RFC 6455 engine; compiled to WebAssembly it drives the browser's
// WebSocket. All methods are safe for concurrent use.
//
// Events are dispatched one at a time, in order, on a goroutine that is never
// the caller of Send or Close. Natively that is the goroutine reading the
// connection, so a handler that blocks stops reading (and the peer's sends
// back up in TCP). A panic in a handler is not recovered: it crashes the
// program, as any panic on a goroutine does.
type WebSocket struct {
	url    *url.URL
	urlStr string
	origin string
	opts   Options // the caller's options, copied

	state      atomic.Uint32 // ReadyState
	protocol   atomic.Pointer[string]
	extensions atomic.Pointer[string]
	binaryType atomic.Uint32 // 0 blob, 1 arraybuffer

	listeners listenerSet
	d         dispatcher
	t         transport // the build's transport

	opened  chan struct{} // closed when readyState leaves CONNECTING
	didOpen atomic.Bool   // the socket opened (its open task ran), whatever came after
	msgEv   MessageEvent  // the message event, reused for every message (dispatcher only)
	// delivered is the binary data of the message being dispatched, and
	// released the same once MessageEvent.Release was called on it: the
	// reading goroutine takes it back after the dispatch (releasedData).
	delivered []byte
	released  []byte
	closed    chan struct{} // closed after the close event ran
	closeEv   atomic.Pointer[CloseEvent]
	failure   atomic.Pointer[error] // the error that failed the connection
	closeOnce sync.Once

	// slot is the Limiter whose slot the socket holds, until its close
	// event has run; refused is set, before the socket is returned, when
	// the Limiter was full and no connection was started.
	slot    atomic.Pointer[Limiter]
	refused bool
}

// New creates a WebSocket and starts connecting, as new WebSocket(url,
// protocols) does. It returns ErrSyntax (a *DOMException) for a bad URL,
// scheme, fragment or subprotocol list, with no side effects; every later
// failure is reported through events. Set handlers with the setters or
// AddEventListener; a handler set after New may miss events that came
// before it: use NewWithOptions to have them in place from the start.
func New(url string, protocols ...string) (*WebSocket, error) {
	return NewWithOptions(url, &Options{Protocols: protocols})
}

// NewWithOptions is New with handlers and settings fixed before the
// connection starts; handlers given in opts see every event. When
// opts.Limiter is full, the socket is returned all the same and fails
// asynchronously ("error" wrapping ErrTooManySockets, then "close" 1006),
// as Chrome does.
//
// Natively, events may be dispatched before NewWithOptions returns (the
// handshake runs on another goroutine): a handler should reach the socket
// through Event.Target rather than through the variable the caller assigns
// the result to.
func NewWithOptions(rawURL string, opts *Options) (*WebSocket, error) {
	var o Options
	if opts != nil {
		o = *opts
		o.Protocols = append([]string(nil), opts.Protocols...)
	}
	u, err := checkConstructor(rawURL, &o)
	if err != nil {
		return nil, err
	}
	ws := newSocket(u, o)
	if !ws.takeSlot() {
		ws.refuse()
		return ws, nil
	}
	if err := ws.connect(); err != nil {
		ws.releaseSlot()
		return nil, err
	}
	return ws, nil
}

// newSocket builds a socket in CONNECTING with the handlers of o installed.
func newSocket(u *url.URL, o Options) *WebSocket {
	ws := &WebSocket{
		url:    u,
		urlStr: u.String(),
		origin: originOf(u),
		opts:   o,
		opened: make(chan struct{}),
		closed: make(chan struct{}),
	}
	empty := ""
	ws.protocol.Store(&empty)
	ws.extensions.Store(&empty)
	if o.BinaryType == BinaryTypeArrayBuffer {
		ws.binaryType.Store(1)
	}
	ws.d.init(ws.runTask)
	ws.t.init(&ws.d)
	ws.SetOnOpen(o.OnOpen)
	ws.SetOnMessage(o.OnMessage)
	ws.SetOnError(o.OnError)
	ws.SetOnClose(o.OnClose)
	return ws
}

// URL returns the URL the socket connects to, serialized as the browser's
// url attribute (http mapped to ws, "ws://h:p" as "ws://h:p/").
func (ws *WebSocket) URL() string { return ws.urlStr }

// Extensions returns the extensions the server accepted, "" before open.
func (ws *WebSocket) Extensions() string { return *ws.extensions.Load() }

// Protocol returns the subprotocol the server chose, "" before open.
func (ws *WebSocket) Protocol() string { return *ws.protocol.Load() }

// BinaryType returns how binary messages are delivered.
func (ws *WebSocket) BinaryType() BinaryType {
	if ws.binaryType.Load() == 1 {
		return BinaryTypeArrayBuffer
	}
	return BinaryTypeBlob
}

// SetBinaryType sets how binary messages are delivered from the next
// dispatched message event on (the type is read at dispatch). An invalid
// value is ignored, as in browsers.
func (ws *WebSocket) SetBinaryType(t BinaryType) {
	switch t {
	case BinaryTypeBlob:
		ws.binaryType.Store(0)
	case BinaryTypeArrayBuffer:
		ws.binaryType.Store(1)
	}
}

// Send queues data as one message: a string as text; []byte, ArrayBuffer or
// *Blob as binary. A value of any other type whose underlying type is string
// (type Msg string) is text, and one whose underlying type is []byte
// (json.RawMessage) is binary. It returns ErrInvalidState while CONNECTING.
// When OPEN it queues and returns at once; BufferedAmount grows by the
// data's length. When CLOSING or CLOSED it sends nothing and returns nil,
// and BufferedAmount still grows, as the standard says. Data of any other
// type is an error (the browser would stringify it; Go code should say
// what it means). Use SendContext for back-pressure.
func (ws *WebSocket) Send(data any) error {
	text, bin, isText, n, err := sendArgs(data)
	if err != nil {
		return err
	}
	// The Go state: in the browser build, where ReadyState would ask the
	// browser whether it is CLOSING, send asks it in the same call that
	// sends.
	switch ReadyState(ws.state.Load()) {
	case CONNECTING:
		return domException(ErrInvalidState, "Still in CONNECTING state.")
	case OPEN:
		ws.t.send(text, bin, isText, n)
	default:
		ws.t.grow(n)
	}
	return nil
}

// Close starts closing the socket, as close(code, reason) does. Code 0
// means none: with an empty reason an empty Close frame is sent (the close
// event then reports 1005), with a reason 1000 is sent. A code other than 0,
// 1000 or 3000-4999 is ErrInvalidAccess; a reason over 123 UTF-8 bytes is
// ErrSyntax; both are checked first, in every state. While CONNECTING the
// connection attempt is abandoned: Close returns with CLOSING, then "error"
// and "close" (1006) follow asynchronously. In CLOSING or CLOSED it does
// nothing.
func (ws *WebSocket) Close(code int, reason string) error {
	reason, err := checkClose(code, reason)
	if err != nil {
		return err
	}
	if code == 0 && reason != "" {
		code = 1000
	}
	for {
		switch s := ws.ReadyState(); s {
		case CONNECTING:
			if ws.state.CompareAndSwap(uint32(CONNECTING), uint32(CLOSING)) {
				if !ws.refused { // a refused socket's failure is on its way
					ws.t.abort()
				}
				return nil
			}
		case OPEN:
			if ws.state.CompareAndSwap(uint32(OPEN), uint32(CLOSING)) {
				ws.t.close(code, reason)
				return nil
			}
		default:
			return nil
		}
	}
}

// runTask runs one dispatcher task: the state change, then the event.
func (ws *WebSocket) runTask(t task) {
	switch t.kind {
	case taskOpen:
		p, e := t.protocol, t.ext
		ws.protocol.Store(&p)
		ws.extensions.Store(&e)
		if !ws.state.CompareAndSwap(uint32(CONNECTING), uint32(OPEN)) && !t.accepted {
			return // closed while connecting: the transport fails the connection
		}
		ws.didOpen.Store(true)
		ws.fire(EventOpen, &baseEvent{typ: EventOpen, target: ws})
		ws.markOpened() // after the handlers: WaitOpen returns once they ran
	case taskMessage:
		// The Go state, not the browser's live one: a message the browser
		// delivered before the peer's Close is still delivered.
		if ReadyState(ws.state.Load()) != OPEN {
			return // data arriving after close() is not delivered
		}
		ws.t.observeWrites() // a reply implies its request was written
		// One event object per socket, reused: see MessageEvent.
		ev := &ws.msgEv
		*ev = MessageEvent{baseEvent: baseEvent{typ: EventMessage, target: ws}, Origin: ws.origin}
		switch {
		case t.isText:
			ev.Data = t.text
		case ws.binaryType.Load() == 1:
			ev.Data = ArrayBuffer(t.data)
		default:
			ev.Data = &Blob{data: t.data}
		}
		ws.delivered = t.data
		ws.fire(EventMessage, ev)
		ws.delivered = nil
	case taskBuffered:
		ws.t.observeWrites()
	case taskClosing:
		ws.state.CompareAndSwap(uint32(OPEN), uint32(CLOSING))
	case taskClose:
		ws.t.observeWrites()
		ws.state.Store(uint32(CLOSED))
		ev := &CloseEvent{baseEvent: baseEvent{typ: EventClose, target: ws}, Code: t.code, Reason: t.reason, WasClean: t.clean}
		if t.err != nil {
			err := t.err
			ws.failure.Store(&err)
		}
		ws.closeEv.Store(ev)
		ws.markOpened()
		ws.t.closed()
		if t.err != nil {
			ws.fire(EventError, &ErrorEvent{baseEvent: baseEvent{typ: EventError, target: ws}, Err: t.err})
		}
		ws.fire(EventClose, ev)
		ws.releaseSlot() // before WaitClosed returns: a waiter sees the slot free
		ws.closeOnce.Do(func() { close(ws.closed) })
	}
}

// isOpened reports whether the opened channel is closed: after the open
// task ran its handlers, or after the close task. Right after dispatching
// taskOpen it tells whether the socket opened or Close came first.
func (ws *WebSocket) isOpened() bool {
	select {
	case <-ws.opened:
		return true
	default:
		return false
	}
}

// markOpened closes the opened channel once.
func (ws *WebSocket) markOpened() {
	if !ws.isOpened() {
		close(ws.opened)
	}
}

// ReadyState returns the current state, as the readyState attribute. It
// changes just before the matching event is dispatched, except for the
// change to CLOSING that Close makes at once; in the browser build it also
// reads CLOSING once the browser has received the server's Close, a step
// the browser fires no event for.
func (ws *WebSocket) ReadyState() ReadyState {
	return ws.t.readyState(ReadyState(ws.state.Load()))
}

// BufferedAmount returns the bytes of application data (UTF-8 text and
// binary) queued by Send and not yet sent, as the bufferedAmount attribute.
// It grows synchronously in Send, also after the socket closed (nothing is
// sent then), and falls only when the dispatcher observes completed writes,
// so it never falls while a handler runs. Natively a write counts when it
// reached the connection; in the browser, when the browser's own
// bufferedAmount fell.
func (ws *WebSocket) BufferedAmount() uint64 { return ws.t.bufferedAmount() }

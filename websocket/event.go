package websocket

// Event is what every handler receives: the "open", "message", "error" and
// "close" events all implement it. Type-switch to *MessageEvent,
// *CloseEvent or *ErrorEvent for their fields.
type Event interface {
	// Type is "open", "message", "error" or "close".
	Type() string
	// Target is the socket that fired the event.
	Target() *WebSocket
}

// baseEvent carries the fields every event has.
type baseEvent struct {
	typ    string
	target *WebSocket
}

func (e *baseEvent) Type() string       { return e.typ }
func (e *baseEvent) Target() *WebSocket { return e.target }

// MessageEvent is the "message" event: one complete message.
//
// A socket reuses one MessageEvent for all its messages, so delivering a
// message allocates only its data: a handler may keep Data (and what
// Text and Bytes return) after it returns, but not the *MessageEvent
// itself, which holds the next message once the handler has returned. Copy
// the fields a later use needs. A handler that keeps nothing of a binary
// message can hand its bytes back with Release, so that the next message
// needs no allocation either.
type MessageEvent struct {
	baseEvent
	// Data is a string for a text message; for a binary message an
	// ArrayBuffer or a *Blob, chosen by BinaryType when the event is
	// dispatched.
	Data any
	// Origin is the serialized origin of the socket's URL (ws://host:port),
	// as browsers set it.
	Origin string
	// LastEventID is always "" for WebSocket messages.
	LastEventID string
}

// CloseEvent is the "close" event, the last event a socket fires.
type CloseEvent struct {
	baseEvent
	// Code is the code of the first Close frame received, 1005 if it had no
	// body, 1006 if none was received.
	Code int
	// Reason is the reason of that Close frame, or "".
	Reason string
	// WasClean reports whether the closing handshake completed.
	WasClean bool
}

// ErrorEvent is the "error" event. In the browser it carries no detail, by
// design of the standard; natively Err holds the Go error that failed the
// connection (a handshake failure, a protocol violation by the peer...).
type ErrorEvent struct {
	baseEvent
	Err error
}

// The event types a socket fires, as Event.Type returns them and
// AddEventListener takes them.
const (
	EventOpen    = "open"
	EventMessage = "message"
	EventError   = "error"
	EventClose   = "close"
)

// IsText reports whether the message is a text message (Data is a string).
func (e *MessageEvent) IsText() bool {
	_, ok := e.Data.(string)
	return ok
}

// Text returns the data of a text message, or "" for a binary one, so a
// handler that expects text needs no type switch.
func (e *MessageEvent) Text() string {
	s, _ := e.Data.(string)
	return s
}

// Release hands the bytes of this binary message (the ArrayBuffer, or the
// Blob's bytes) back to the socket, which may put a later message into
// them once the event's dispatch has ended, that is, once every listener
// has returned: natively the engine reads a large message there or copies
// a small one there; in the browser a message's bytes are copied there out
// of the browser's ArrayBuffer. A later message goes into bytes at most
// twice its size. It is the Go counterpart of a browser's garbage collector
// reclaiming the ArrayBuffer: as in the browser, every message's data is
// otherwise a new allocation, and for large messages that allocation (and
// the garbage collection it causes) costs more than reading the message.
//
// Call it from a listener, on the goroutine that runs it, before it
// returns, and only when no listener keeps the data or any slice of it:
// after the dispatch the bytes change under such a reference. Send and
// SendContext have copied or written the data when they return, so an
// echo may send the data and then release it. Release does nothing for a
// text message (its string is immutable), for an event the socket did not
// dispatch, or after the dispatch.
func (e *MessageEvent) Release() {
	ws := e.target
	if ws == nil || e != &ws.msgEv {
		return
	}
	if d := e.binaryData(); sameArray(d, ws.delivered) {
		ws.released = ws.delivered
	}
}

// binaryData is the bytes of a binary message, or nil.
func (e *MessageEvent) binaryData() []byte {
	switch d := e.Data.(type) {
	case ArrayBuffer:
		return d
	case *Blob:
		return d.data
	}
	return nil
}

// releasedData returns the data of the message just dispatched if a
// listener released it, or nil; the reading goroutine calls it once the
// dispatch has returned.
func (ws *WebSocket) releasedData() []byte {
	r := ws.released
	ws.released = nil
	return r
}

// sameArray reports whether a and b share their first element.
func sameArray(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

// Bytes returns the message's bytes whatever its type and BinaryType: the
// data of a binary message (the ArrayBuffer itself, or the Blob's bytes,
// which are held in Go memory on both builds, so nothing is awaited), or the
// UTF-8 bytes of a text message (a copy). The handler owns the slice; it
// may keep it after returning.
func (e *MessageEvent) Bytes() []byte {
	switch d := e.Data.(type) {
	case ArrayBuffer:
		return d
	case *Blob:
		return d.data
	case string:
		return []byte(d)
	}
	return nil
}

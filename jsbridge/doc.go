// Package jsbridge is a thin, typed binding of the browser's WebSocket for
// Go compiled to WebAssembly (GOOS=js GOARCH=wasm): the constructor, its
// attributes, send and close, one Go Handler called with each event as an
// [Event] value (its listeners are released after the close event), and
// JavaScript exceptions turned into *Exception errors.
//
// It knows nothing of Go event semantics: package
// github.com/w3ws/w3ws/websocket builds the W3C interface's dispatcher on
// top of it. Callbacks it invokes run inside a JavaScript event handler: they
// must copy what they need, hand it off without blocking, and return.
//
// The package never evaluates JavaScript source (no eval, no Function
// constructor): it works only through typed syscall/js calls, so it runs on
// pages whose Content-Security-Policy allows 'wasm-unsafe-eval', which Go's
// WebAssembly needs anyway, but not 'unsafe-eval'.
//
// The package builds natively too (for go doc and go vet) but has no API
// there beyond its types.
package jsbridge

import "strconv"

// Exception is a JavaScript exception thrown by the browser, such as a
// DOMException: Name is its name ("SyntaxError", "InvalidAccessError"...),
// Message its message.
type Exception struct {
	Name    string
	Message string
}

// Error returns "jsbridge: " followed by the Name and the Message.
func (e *Exception) Error() string { return "jsbridge: " + e.Name + ": " + e.Message }

// EventKind says which of a socket's events an [Event] is.
type EventKind int

// Event kinds, in the order a socket fires them.
const (
	EventOpen    EventKind = iota // the open event
	EventMessage                  // a message event
	EventError                    // the error event; it carries nothing
	EventClose                    // the close event, always the last
)

// String returns "open", "message", "error" or "close".
func (k EventKind) String() string {
	switch k {
	case EventOpen:
		return "open"
	case EventMessage:
		return "message"
	case EventError:
		return "error"
	case EventClose:
		return "close"
	}
	return "EventKind(" + strconv.Itoa(int(k)) + ")"
}

// Event is one event of a socket, unpacked from the browser's event object.
// Only the fields of its Kind are set; the others are zero.
type Event struct {
	Kind EventKind

	// Message: IsText tells which of Text and Data holds the message. Data
	// is a fresh Go copy of the ArrayBuffer, owned by the handler; it is
	// non-nil even when empty.
	IsText bool
	Text   string
	Data   []byte

	// Close: the CloseEvent's code, reason and wasClean.
	Code     int
	Reason   string
	WasClean bool
}

// Handler receives a socket's events, one call per event, in the order the
// browser fires them. It runs inside a JavaScript event handler: it must not
// block (no wait on anything the JavaScript event loop would have to run
// first) and should hand the event off and return.
type Handler func(Event)

// Package jsbridge is a thin, typed binding of the browser's WebSocket (and
// of its WebSocketStream, where the browser has one: [Stream]) for
// Go compiled to WebAssembly (GOOS=js GOARCH=wasm): the constructor, its
// attributes, send and close, its events taken in batches as [Event]
// values, and JavaScript exceptions turned into *Exception errors.
//
// It knows nothing of Go event semantics: package
// github.com/w3ws/w3ws/websocket builds the W3C interface's dispatcher on
// top of it. A socket calls a Go wake function, inside a JavaScript event
// handler, when events may be pending; a goroutine then takes them with
// WebSocket.Take. While messages come in bursts, the browser queues them
// in a JavaScript array by itself, so that a burst costs one call into Go,
// not one per message (a call into Go costs about 12 µs in Chromium on a
// 2-vCPU machine, a call from Go into JavaScript 0.1 to 2 µs).
//
// The package never evaluates JavaScript source (no eval, no Function
// constructor): it works only through typed syscall/js calls and functions
// the browser already has (Function.prototype.bind, Array.prototype.push,
// setTimeout...), so it runs on pages whose Content-Security-Policy allows
// 'wasm-unsafe-eval', which Go's WebAssembly needs anyway, but not
// 'unsafe-eval'. It makes three js.Funcs, shared by every socket and
// stream, for the life of the program.
//
// Its one piece of JavaScript, w3ws.js ([ShimJS]), is optional and loaded
// by the page, not evaluated by the package: where the page has it, a
// socket's message listener is w3ws.js's, which unpacks each message in
// JavaScript, so that a binary one, or a text's UTF-8, reaches Go as a
// length and a buffer Go reads in one call, and batched messages are
// drained 64 KiB per call (BenchmarkMessage: two thirds of the cost of a
// message taken directly, a sixteenth of a batched one's). A page that
// also calls w3wsBridge.attach(go) has those lengths passed to the
// program's w3wsMessage WebAssembly export (exports_js.go) instead of a
// js.Func, which cuts a message taken directly to under a third of its cost
// without w3ws.js, and keeps the Go runtime's idle timeout armed across
// messages instead of a setTimeout and a clearTimeout for each.
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
	// is a fresh Go copy of the ArrayBuffer, owned by the caller of Take;
	// it is non-nil even when empty.
	IsText bool
	Text   string
	Data   []byte

	// Close: the CloseEvent's code, reason and wasClean.
	Code     int
	Reason   string
	WasClean bool
}

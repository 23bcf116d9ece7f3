// Package jsbridge is a thin, typed binding of the browser's WebSocket for
// Go compiled to WebAssembly (GOOS=js GOARCH=wasm): the constructor, its
// attributes, send and close, one event callback released after the close
// event, and JavaScript exceptions turned into *Exception errors.
//
// It knows nothing of Go event semantics: package
// github.com/w3ws/w3ws/websocket builds the W3C interface's dispatcher on
// top of it. Callbacks it invokes run inside a JavaScript event handler: they
// must copy what they need, hand it off without blocking, and return.
//
// The package builds natively too (for go doc and go vet) but has no API
// there.
package jsbridge

// Exception is a JavaScript exception thrown by the browser, such as a
// DOMException: Name is its name ("SyntaxError", "InvalidAccessError"...),
// Message its message.
type Exception struct {
	Name    string
	Message string
}

func (e *Exception) Error() string { return "jsbridge: " + e.Name + ": " + e.Message }

// Event kinds passed to Handler, in the order a socket fires them.
const (
	EventOpen    = 0
	EventMessage = 1
	EventError   = 2
	EventClose   = 3
)

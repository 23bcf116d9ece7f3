package websocket

import "errors"

// DOMException is the error the browser's WebSocket throws: a Name such as
// "SyntaxError" and a human-readable Message. Both builds return it for the
// same invalid calls, so code can handle errors once. errors.Is matches two
// DOMExceptions by Name, so errors.Is(err, ErrSyntax) holds for every
// SyntaxError whatever its message.
type DOMException struct {
	Name    string
	Message string
}

// Error returns "websocket: " followed by the Name and the Message.
func (e *DOMException) Error() string {
	if e.Message == "" {
		return "websocket: " + e.Name
	}
	return "websocket: " + e.Name + ": " + e.Message
}

// Is reports whether target is a *DOMException with the same Name.
func (e *DOMException) Is(target error) bool {
	t, ok := target.(*DOMException)
	return ok && t.Name == e.Name
}

// The exceptions of the WebSocket interface, for use with errors.Is.
var (
	// ErrSyntax: a bad URL, scheme, fragment or subprotocol in the
	// constructor, or a close reason over 123 UTF-8 bytes.
	ErrSyntax error = &DOMException{Name: "SyntaxError"}
	// ErrInvalidState: Send while CONNECTING.
	ErrInvalidState error = &DOMException{Name: "InvalidStateError"}
	// ErrInvalidAccess: a close code other than 1000 or 3000-4999.
	ErrInvalidAccess error = &DOMException{Name: "InvalidAccessError"}
)

// domException returns a *DOMException with the Name of the sentinel kind
// (one of the Err variables above) and the given message, so that every
// exception the package returns matches its sentinel with errors.Is.
func domException(kind error, msg string) error {
	return &DOMException{Name: kind.(*DOMException).Name, Message: msg}
}

// syntaxError returns a SyntaxError with the given message.
func syntaxError(msg string) error { return domException(ErrSyntax, msg) }

// ErrClosedWhileConnecting is the "error" event's Err, in both builds and
// whatever the timing, when Close was called while the socket was
// CONNECTING: the attempt was abandoned, as the standard's "fail the
// WebSocket connection" says, even if the handshake had just completed.
var ErrClosedWhileConnecting = errors.New("websocket: closed before the connection was established")

// errClosedWhileConnecting is ErrClosedWhileConnecting, under the name the
// transports use.
var errClosedWhileConnecting = ErrClosedWhileConnecting

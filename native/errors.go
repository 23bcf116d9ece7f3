package native

import (
	"errors"
	"fmt"
)

// ProtocolError is a violation of RFC 6455 by the peer (or a message over the
// size limit). The connection is failed: Code and Reason are what we sent in
// our Close frame before dropping TCP.
//
// The Err variables below are sentinels to compare with errors.Is. The
// engine never returns them, nor reads their fields: it returns a fresh
// *ProtocolError per failure and takes the code and reason it sends from a
// table of its own, so a caller that modifies a sentinel or a returned
// error changes nothing on any connection.
type ProtocolError struct {
	Code   StatusCode
	Reason string
	kind   *violation // the sentinel's identity; nil for values built by callers
}

// violation is the immutable identity of a protocol-error sentinel: what
// goes in the Close frame.
type violation struct {
	code   StatusCode
	reason string
}

// newViolation returns a sentinel for errors.Is.
func newViolation(code StatusCode, reason string) *ProtocolError {
	return &ProtocolError{Code: code, Reason: reason, kind: &violation{code, reason}}
}

// Error tells the code and reason sent in our Close frame.
func (e *ProtocolError) Error() string {
	return fmt.Sprintf("native: protocol error (%d): %s", e.Code, e.Reason)
}

// Is reports whether target is the sentinel of the same violation (or e
// itself).
func (e *ProtocolError) Is(target error) bool {
	t, ok := target.(*ProtocolError)
	return ok && (t == e || (t.kind != nil && t.kind == e.kind))
}

// fresh returns a new *ProtocolError for the violation e stands for, with
// the code and reason from the engine's own table.
func (e *ProtocolError) fresh() *ProtocolError {
	if e.kind == nil {
		return &ProtocolError{Code: e.Code, Reason: e.Reason}
	}
	return &ProtocolError{Code: e.kind.code, Reason: e.kind.reason, kind: e.kind}
}

// Protocol violations, for errors.Is. The reasons follow the wording Chrome
// puts in its Close frame where Chrome has one.
var (
	ErrReservedBits        = newViolation(StatusProtocolError, "Invalid reserved bit")
	ErrUnknownOpcode       = newViolation(StatusProtocolError, "Unknown opcode")
	ErrMaskedFrame         = newViolation(StatusProtocolError, "Masked frame from server")
	ErrUnmaskedFrame       = newViolation(StatusProtocolError, "Unmasked frame from client")
	ErrNonMinimalLength    = newViolation(StatusProtocolError, "Non-minimal payload length")
	ErrLengthMSB           = newViolation(StatusProtocolError, "Payload length has its most significant bit set")
	ErrControlTooLong      = newViolation(StatusProtocolError, "Control frame payload over 125 bytes")
	ErrControlFragmented   = newViolation(StatusProtocolError, "Fragmented control frame")
	ErrUnexpectedCont      = newViolation(StatusProtocolError, "Unexpected continuation")
	ErrDataFrameUnfinished = newViolation(StatusProtocolError, "Previous data frame unfinished")
	ErrDataAfterClose      = newViolation(StatusProtocolError, "Data frame after Close")
	ErrInvalidUTF8         = newViolation(StatusInvalidPayloadData, "Invalid UTF-8 in text frame")
	ErrMessageTooBig       = newViolation(StatusMessageTooBig, "Message too big")
	errCloseOneByte        = newViolation(StatusProtocolError, "Close frame with a 1-byte body")
	errCloseBadCode        = newViolation(StatusProtocolError, "Invalid close code")
	errCloseBadUTF8        = newViolation(StatusInvalidPayloadData, "Invalid UTF-8 in Close frame")
)

// Errors of the local API.
var (
	// ErrClosed is returned by writes after the connection was closed or
	// after our Close frame was queued.
	ErrClosed = errors.New("native: use of closed connection")
	// ErrCloseTimeout is returned by Close when the peer did not answer our
	// Close frame within CloseTimeout; the connection was dropped.
	ErrCloseTimeout = errors.New("native: peer did not answer the Close frame in time")
	// ErrInvalidCloseCode is returned by Close for a code that may not be sent.
	ErrInvalidCloseCode = errors.New("native: invalid close code")
	// ErrCloseReasonTooLong is returned by Close for a reason over MaxCloseReason bytes.
	ErrCloseReasonTooLong = errors.New("native: close reason over 123 bytes")
	// ErrControlPayload is returned when a ping or pong payload is over 125 bytes.
	ErrControlPayload = errors.New("native: control frame payload over 125 bytes")
	// ErrWriteQueueFull is returned by WriteMessageAsync when the message
	// would take the queue past ConnOptions.MaxWriteQueue; the connection
	// is failed, and ReadMessage returns it too.
	ErrWriteQueueFull = errors.New("native: write queue full: the peer is not reading")
	// ErrIdleTimeout is returned by ReadMessage when nothing arrived from
	// the peer for ConnOptions.IdleTimeout, nor within another IdleTimeout
	// after a keepalive Ping; the connection was dropped.
	ErrIdleTimeout = errors.New("native: peer idle: nothing received within the idle timeout, nor after a ping")
	// ErrQuiet is returned by ReadMessageOrQuiet when no message began
	// within its quiet time; the connection is intact.
	ErrQuiet = errors.New("native: no message began within the quiet time")
)

// Errors of reads cancelled by ReadMessageContext's context.
var (
	// errReadCanceled: the context ended between messages; the connection
	// is intact.
	errReadCanceled = errors.New("native: read canceled")
	// errReadCanceledMidMessage: the context ended inside a frame; the
	// connection was dropped.
	errReadCanceledMidMessage = errors.New("native: read canceled in the middle of a message: connection dropped")
)

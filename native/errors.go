package native

import (
	"errors"
	"fmt"
)

// ProtocolError is a violation of RFC 6455 by the peer (or a message over the
// size limit). The connection is failed: Code and Reason are what we sent in
// our Close frame before dropping TCP.
type ProtocolError struct {
	Code   StatusCode
	Reason string
}

func (e *ProtocolError) Error() string {
	return fmt.Sprintf("native: protocol error (%d): %s", e.Code, e.Reason)
}

// Protocol violations. They are comparable with errors.Is; the reasons follow
// the wording Chrome puts in its Close frame where Chrome has one.
var (
	ErrReservedBits        = &ProtocolError{StatusProtocolError, "Invalid reserved bit"}
	ErrUnknownOpcode       = &ProtocolError{StatusProtocolError, "Unknown opcode"}
	ErrMaskedFrame         = &ProtocolError{StatusProtocolError, "Masked frame from server"}
	ErrUnmaskedFrame       = &ProtocolError{StatusProtocolError, "Unmasked frame from client"}
	ErrNonMinimalLength    = &ProtocolError{StatusProtocolError, "Non-minimal payload length"}
	ErrLengthMSB           = &ProtocolError{StatusProtocolError, "Payload length has its most significant bit set"}
	ErrControlTooLong      = &ProtocolError{StatusProtocolError, "Control frame payload over 125 bytes"}
	ErrControlFragmented   = &ProtocolError{StatusProtocolError, "Fragmented control frame"}
	ErrUnexpectedCont      = &ProtocolError{StatusProtocolError, "Unexpected continuation"}
	ErrDataFrameUnfinished = &ProtocolError{StatusProtocolError, "Previous data frame unfinished"}
	ErrDataAfterClose      = &ProtocolError{StatusProtocolError, "Data frame after Close"}
	ErrInvalidUTF8         = &ProtocolError{StatusInvalidPayloadData, "Invalid UTF-8 in text frame"}
	ErrMessageTooBig       = &ProtocolError{StatusMessageTooBig, "Message too big"}
	errCloseOneByte        = &ProtocolError{StatusProtocolError, "Close frame with a 1-byte body"}
	errCloseBadCode        = &ProtocolError{StatusProtocolError, "Invalid close code"}
	errCloseBadUTF8        = &ProtocolError{StatusInvalidPayloadData, "Invalid UTF-8 in Close frame"}
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

package native

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
)

// StatusCode is a WebSocket close status code (RFC 6455 §7.4).
type StatusCode uint16

// Close codes of RFC 6455 §7.4.1 and the IANA registry.
const (
	StatusNormalClosure      StatusCode = 1000
	StatusGoingAway          StatusCode = 1001
	StatusProtocolError      StatusCode = 1002
	StatusUnsupportedData    StatusCode = 1003
	StatusNoStatusRcvd       StatusCode = 1005 // never on the wire: a Close with no body
	StatusAbnormalClosure    StatusCode = 1006 // never on the wire: no Close at all
	StatusInvalidPayloadData StatusCode = 1007
	StatusPolicyViolation    StatusCode = 1008
	StatusMessageTooBig      StatusCode = 1009
	StatusMandatoryExtension StatusCode = 1010
	StatusInternalError      StatusCode = 1011
	StatusServiceRestart     StatusCode = 1012
	StatusTryAgainLater      StatusCode = 1013
	StatusBadGateway         StatusCode = 1014
	StatusTLSHandshake       StatusCode = 1015 // never on the wire
)

// MaxCloseReason is the longest close reason in bytes: a control frame
// carries at most 125 bytes, two of which are the code.
const MaxCloseReason = maxControlPayload - 2

// CloseError is the error ReadMessage returns once the peer has closed the
// connection with a Close frame and the closing handshake is done. Code is
// StatusNoStatusRcvd when the peer's Close had no body.
type CloseError struct {
	Code   StatusCode
	Reason string
}

// Error tells the peer's code and reason.
func (e *CloseError) Error() string {
	return fmt.Sprintf("native: connection closed by peer: %d %q", e.Code, e.Reason)
}

// validWireCode reports whether code may appear in a received Close frame.
// Leniently, as Chrome does on its client sockets, only the three codes
// RFC 6455 says must never be sent are rejected: 999, 2999 and 5000 are
// accepted and reported verbatim. Strictly (servers, and clients with
// ConnOptions.StrictCloseCodes), §7.4 is applied: only the codes a peer may
// send (validSendCode) are accepted.
func validWireCode(code StatusCode, strict bool) bool {
	if strict {
		return validSendCode(code)
	}
	return code != StatusNoStatusRcvd && code != StatusAbnormalClosure && code != StatusTLSHandshake
}

// validSendCode reports whether we may send code: the RFC's defined codes
// that are allowed on the wire, and the 3000-4999 range.
func validSendCode(code StatusCode) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

// parseClosePayload decodes a received Close body (§5.5.1). An empty body
// gives StatusNoStatusRcvd. strict selects the §7.4 check of the code (see
// validWireCode).
func parseClosePayload(p []byte, strict bool) (StatusCode, string, error) {
	switch {
	case len(p) == 0:
		return StatusNoStatusRcvd, "", nil
	case len(p) == 1:
		return 0, "", errCloseOneByte
	}
	code := StatusCode(binary.BigEndian.Uint16(p))
	if !validWireCode(code, strict) {
		return 0, "", errCloseBadCode
	}
	if !utf8.Valid(p[2:]) {
		return 0, "", errCloseBadUTF8
	}
	return code, string(p[2:]), nil
}

// appendClosePayload appends a Close body: nothing for code 0 (an empty
// Close, which the peer reports as 1005), otherwise the code and the reason.
func appendClosePayload(dst []byte, code StatusCode, reason string) []byte {
	if code == 0 {
		return dst
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(code))
	return append(dst, reason...)
}

package native

import (
	"encoding/binary"
	"math"
)

// opcode is a frame opcode (§5.2).
type opcode byte

const (
	opContinuation opcode = 0x0
	opText         opcode = 0x1
	opBinary       opcode = 0x2
	opClose        opcode = 0x8
	opPing         opcode = 0x9
	opPong         opcode = 0xA
)

// isControl reports whether op is a control opcode (§5.5).
func (op opcode) isControl() bool { return op&0x8 != 0 }

// MessageType is the type of a data message.
type MessageType int

// Message types; their values are the frame opcodes.
const (
	MessageText   MessageType = MessageType(opText)
	MessageBinary MessageType = MessageType(opBinary)
)

// String returns "text", "binary" or "invalid".
func (t MessageType) String() string {
	switch t {
	case MessageText:
		return "text"
	case MessageBinary:
		return "binary"
	}
	return "invalid"
}

const (
	maxControlPayload = 125
	// maxHeaderSize is the largest frame header: 2 bytes, an 8-byte length,
	// and a 4-byte masking key.
	maxHeaderSize = 14
)

// header is a decoded frame header (§5.2).
type header struct {
	fin    bool
	rsv    byte // the three RSV bits, in the low bits: RSV1 = 4, RSV2 = 2, RSV3 = 1
	op     opcode
	masked bool
	key    uint32 // masking key, as the 4 wire bytes in little-endian order
	length int64
}

// parseHeader decodes the frame header at the start of b. It returns the
// header and its size in bytes, or n == 0 with a nil error when b does not hold
// the whole header yet (the caller reads more and tries again), or a
// *ProtocolError for a header that breaks §5.2: a non-minimal length, a 64-bit
// length with its MSB set, reserved bits without an extension, a reserved
// opcode, or a control frame that is fragmented or longer than 125 bytes.
// Masking direction is checked by the caller, which knows its role.
func parseHeader(b []byte) (h header, n int, err error) {
	return parseHeaderRSV(b, false)
}

// parseHeaderRSV is parseHeader for a connection that negotiated
// permessage-deflate when compressed is true: RSV1 may then be set on the
// first frame of a data message (RFC 7692 §6), and is still a violation on
// a continuation or a control frame.
func parseHeaderRSV(b []byte, compressed bool) (h header, n int, err error) {
	if len(b) < 2 {
		return h, 0, nil
	}
	b0, b1 := b[0], b[1]
	h.fin = b0&0x80 != 0
	h.rsv = (b0 >> 4) & 0x7
	h.op = opcode(b0 & 0xf)
	h.masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7f; l {
	case 126:
		n += 2
	case 127:
		n += 8
	default:
		h.length = int64(l)
	}
	if h.masked {
		n += 4
	}
	if len(b) < n {
		return h, 0, nil
	}
	switch b1 & 0x7f {
	case 126:
		l := binary.BigEndian.Uint16(b[2:])
		if l < 126 {
			return h, 0, ErrNonMinimalLength
		}
		h.length = int64(l)
	case 127:
		l := binary.BigEndian.Uint64(b[2:])
		if l > math.MaxInt64 {
			return h, 0, ErrLengthMSB
		}
		if l <= math.MaxUint16 {
			return h, 0, ErrNonMinimalLength
		}
		h.length = int64(l)
	}
	if h.masked {
		h.key = binary.LittleEndian.Uint32(b[n-4:])
	}
	if h.rsv != 0 && (!compressed || h.rsv != rsv1 || h.op == opContinuation || h.op.isControl()) {
		return h, 0, ErrReservedBits
	}
	switch h.op {
	case opContinuation, opText, opBinary:
	case opClose, opPing, opPong:
		if !h.fin {
			return h, 0, ErrControlFragmented
		}
		if h.length > maxControlPayload {
			return h, 0, ErrControlTooLong
		}
	default:
		return h, 0, ErrUnknownOpcode
	}
	return h, n, nil
}

// appendHeader appends the wire form of h to dst, with the shortest length
// encoding (§5.2).
func appendHeader(dst []byte, h header) []byte {
	b0 := byte(h.op) | h.rsv<<4
	if h.fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.masked {
		b1 = 0x80
	}
	switch {
	case h.length <= 125:
		dst = append(dst, b0, b1|byte(h.length))
	case h.length <= math.MaxUint16:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.length))
	}
	if h.masked {
		dst = binary.LittleEndian.AppendUint32(dst, h.key)
	}
	return dst
}

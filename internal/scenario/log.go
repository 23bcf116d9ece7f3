package scenario

import (
	"fmt"
	"net/http"
)

// Log is what the server saw of the connections a test tagged with one id
// (the id query parameter), as GET /log?id=... returns it in JSON.
type Log struct {
	// ID is the id the connections were tagged with.
	ID string `json:"id"`
	// Conns counts the requests that came with this id (0: none was made).
	Conns int `json:"conns"`
	// Ended is true once every connection with this id has ended (the
	// server closed it or saw the client drop it).
	Ended bool `json:"ended"`
	// Path, Query and Header are those of the last handshake request.
	Path   string      `json:"path"`
	Query  string      `json:"query"`
	Header http.Header `json:"header,omitempty"`
	// Frames are the frames the client sent, in order. Routes run by the
	// engine (echo, delay, slow, protocol-first, origin, query) record each
	// reassembled message as one final masked frame, and the client's Close
	// frame; raw routes record every frame as it came.
	Frames []Frame `json:"frames"`
	// ClientDropped is true when the client closed (or reset) the TCP
	// connection while the server still had it open: after failing the
	// connection, after giving up on a server that keeps TCP open, or
	// abruptly.
	ClientDropped bool `json:"clientDropped"`
	// Error is the read error that ended the last connection, if any, for
	// diagnosis.
	Error string `json:"error,omitempty"`
}

// Frame is one frame the client sent.
type Frame struct {
	// Op is "text", "binary", "continuation", "close", "ping", "pong", or
	// "opN" for a reserved opcode N.
	Op     string `json:"op"`
	Fin    bool   `json:"fin"`
	RSV    int    `json:"rsv,omitempty"` // the three RSV bits, RSV1 as 4
	Masked bool   `json:"masked"`
	// Key is the masking key in hex, recorded by the raw routes only.
	Key string `json:"key,omitempty"`
	Len int    `json:"len"` // payload length
	// Text is the payload of a text, ping or pong frame of at most 64 bytes.
	Text string `json:"text,omitempty"`
	// Code and Reason are the body of a Close frame; Code is 0 for an empty
	// Close and -1 for a 1-byte body.
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// maxFrameText is the longest payload kept in Frame.Text.
const maxFrameText = 64

// String describes the frame compactly, for comparing sequences in tests:
// `text "hi"`, `binary 3`, `close 4001 "bye"`, `close empty`, `pong "abc"`,
// with " nofin", " rsv=N" or " unmasked" appended when they apply.
func (f Frame) String() string {
	var s string
	switch {
	case f.Op == "close" && f.Len == 0:
		s = "close empty"
	case f.Op == "close" && f.Code < 0:
		s = "close 1-byte"
	case f.Op == "close":
		s = fmt.Sprintf("close %d %q", f.Code, f.Reason)
	case (f.Op == "text" || f.Op == "ping" || f.Op == "pong") && f.Len <= maxFrameText:
		s = fmt.Sprintf("%s %q", f.Op, f.Text)
	default:
		s = fmt.Sprintf("%s %d", f.Op, f.Len)
	}
	if !f.Fin {
		s += " nofin"
	}
	if f.RSV != 0 {
		s += fmt.Sprintf(" rsv=%d", f.RSV)
	}
	if !f.Masked {
		s += " unmasked"
	}
	return s
}

// Wire returns the frames as strings (see Frame.String); never nil.
func (l *Log) Wire() []string {
	out := make([]string, 0, len(l.Frames))
	for _, f := range l.Frames {
		out = append(out, f.String())
	}
	return out
}

// opName names a frame opcode.
func opName(op byte) string {
	switch op {
	case 0:
		return "continuation"
	case 1:
		return "text"
	case 2:
		return "binary"
	case 8:
		return "close"
	case 9:
		return "ping"
	case 10:
		return "pong"
	}
	return fmt.Sprintf("op%d", op)
}

// newFrame describes a frame with opcode op and payload p.
func newFrame(op byte, fin bool, rsv int, masked bool, p []byte) Frame {
	f := Frame{Op: opName(op), Fin: fin, RSV: rsv, Masked: masked, Len: len(p)}
	switch op {
	case 1, 9, 10:
		if len(p) <= maxFrameText {
			f.Text = string(p)
		}
	case 8:
		switch len(p) {
		case 0:
		case 1:
			f.Code = -1
		default:
			f.Code = int(p[0])<<8 | int(p[1])
			f.Reason = string(p[2:])
		}
	}
	return f
}

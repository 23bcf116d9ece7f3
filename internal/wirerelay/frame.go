//go:build !js

package wirerelay

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
)

// Message is a data message (its frames gathered) or a control frame, as
// it went on the wire, so that a test sees what the endpoints' APIs hide:
// RSV bits, masking, fragmentation, the compressed payload.
type Message struct {
	// Op is the opcode of the first frame (1 text, 2 binary, 8 close, 9
	// ping, 10 pong).
	Op byte
	// RSV is the RSV bits of the first frame, RSV1 as 4.
	RSV int
	// LaterRSV is the RSV bits of the continuation frames, or'ed.
	LaterRSV int
	// Masked reports whether every frame was masked.
	Masked bool
	// Frames is the number of frames.
	Frames int
	// Payload is the payload unmasked, as sent (compressed when RSV1 is
	// set).
	Payload []byte
}

// String describes m in one line, for tables in test logs:
// "1024 B in 1 frame(s), rsv=4".
func (m Message) String() string {
	return fmt.Sprintf("%d B in %d frame(s), rsv=%d", len(m.Payload), m.Frames, m.RSV|m.LaterRSV)
}

// CloseString describes a Close frame as `close 1000 "done" rsv=0`, so that
// a test compares code, reason and RSV bits in one string; any other frame
// as `op 9 rsv=0, not a close`.
func (m Message) CloseString() string {
	if m.Op != 8 {
		return fmt.Sprintf("op %d rsv=%d, not a close", m.Op, m.RSV)
	}
	if len(m.Payload) < 2 {
		return fmt.Sprintf("close %x rsv=%d", m.Payload, m.RSV)
	}
	return fmt.Sprintf("close %d %q rsv=%d", binary.BigEndian.Uint16(m.Payload), m.Payload[2:], m.RSV)
}

// maxFrame bounds the payload of a frame the relay parses.
const maxFrame = 64 << 20

// frame is one frame: a message of one frame, and its FIN bit.
type frame struct {
	Message
	fin bool
}

// readFrame reads one frame, unmasking its payload. It returns io.EOF only
// at EOF between frames.
func readFrame(br *bufio.Reader) (frame, error) {
	var h [2]byte
	if _, err := io.ReadFull(br, h[:]); err != nil {
		return frame{}, err // io.EOF only between frames
	}
	f := frame{Message: Message{Op: h[0] & 0x0f, RSV: int(h[0]>>4) & 7, Masked: h[1]&0x80 != 0, Frames: 1}, fin: h[0]&0x80 != 0}
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return f, unexpectedEOF(err)
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxFrame {
		return f, fmt.Errorf("a frame of %d bytes", n)
	}
	var key [4]byte
	if f.Masked {
		if _, err := io.ReadFull(br, key[:]); err != nil {
			return f, unexpectedEOF(err)
		}
	}
	f.Payload = make([]byte, n)
	if _, err := io.ReadFull(br, f.Payload); err != nil {
		return f, unexpectedEOF(err)
	}
	if f.Masked {
		for i := range f.Payload {
			f.Payload[i] ^= key[i&3]
		}
	}
	return f, nil
}

// unexpectedEOF turns io.EOF inside a frame into io.ErrUnexpectedEOF.
func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

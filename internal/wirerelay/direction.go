//go:build !js

package wirerelay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"strings"
)

// Direction is what passed one way on a relayed connection: the HTTP head
// and the messages after it, for a test to compare with what the endpoints
// meant to send.
type Direction struct {
	// Head is the request or status line.
	Head string
	// Header is the head's header fields.
	Header http.Header
	// Messages are the data messages (their frames gathered) and the
	// control frames, in the order they ended on the wire.
	Messages []Message
	// Err is what stopped the parsing before a clean end (EOF between
	// frames); the bytes were forwarded all the same.
	Err error
}

// Split returns the data messages and the control frames of d, apart, as
// tests usually check them apart.
func (d *Direction) Split() (data, control []Message) {
	for _, m := range d.Messages {
		if m.Op >= 8 {
			control = append(control, m)
		} else {
			data = append(data, m)
		}
	}
	return data, control
}

// forward copies src to dst, parsing on the way, then half-closes dst (or
// closes both when the copy failed).
func (d *Direction) forward(dst, src net.Conn) {
	// Every byte the parser reads has been written to dst first: the
	// parser lags behind the copy, never the other way round.
	br := bufio.NewReaderSize(io.TeeReader(src, dst), 64<<10)
	d.Err = d.parse(br)
	if d.Err != nil {
		// Keep relaying what can no longer be parsed.
		if _, err := io.Copy(io.Discard, br); err != nil {
			src.Close()
			dst.Close()
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}

// parse reads the HTTP head, then frames until EOF.
func (d *Direction) parse(br *bufio.Reader) error {
	tp := textproto.NewReader(br)
	line, err := tp.ReadLine()
	if err != nil {
		return fmt.Errorf("reading the HTTP head: %w", err)
	}
	d.Head = line
	h, err := tp.ReadMIMEHeader()
	if err != nil {
		return fmt.Errorf("reading the HTTP head: %w", err)
	}
	d.Header = http.Header(h)
	if strings.HasPrefix(line, "HTTP/") && !strings.HasPrefix(line, "HTTP/1.1 101 ") {
		return errors.New("not upgraded: " + line)
	}
	var cur *Message // the data message being gathered
	for {
		f, err := readFrame(br)
		switch {
		case err == io.EOF && cur == nil:
			return nil
		case err == io.EOF:
			return io.ErrUnexpectedEOF
		case err != nil:
			return err
		}
		switch {
		case f.Op >= 8:
			d.Messages = append(d.Messages, f.Message)
			continue
		case f.Op == 0:
			if cur == nil {
				return errors.New("a continuation frame outside a message")
			}
			cur.LaterRSV |= f.RSV
			cur.Masked = cur.Masked && f.Masked
			cur.Frames++
			cur.Payload = append(cur.Payload, f.Payload...)
		default:
			if cur != nil {
				return fmt.Errorf("a frame of opcode %d inside a fragmented message", f.Op)
			}
			m := f.Message
			cur = &m
		}
		if f.fin {
			d.Messages = append(d.Messages, *cur)
			cur = nil
		}
	}
}

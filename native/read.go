package native

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// failWriteTimeout bounds the write of our Close frame when we fail the
// connection: a peer that broke the protocol gets one short chance to read it.
const failWriteTimeout = time.Second

// ReadMessage reads the next complete message and appends its payload to dst
// (pass a reused buffer for no allocation per message, or nil). Fragments are
// reassembled, text is validated as UTF-8 across fragments, control frames
// between fragments are handled: a Ping is answered with a Pong of the same
// payload, a Pong is dropped.
//
// When the peer sends a Close frame, ReadMessage answers it (echoing the code,
// or an empty Close for an empty one), lets the connection end as RFC 6455
// §7.1.1 says (a client gives the server DefaultDropTimeout to drop TCP
// first), and returns a *CloseError with the peer's code and reason. When the
// peer breaks the protocol, or a message exceeds MaxMessageSize, it sends a
// Close frame with 1002, 1007 or 1009, drops the connection and returns a
// *ProtocolError. When TCP ends without a Close frame it returns an error
// wrapping io.EOF or io.ErrUnexpectedEOF. Every error is final: later calls
// return it again. Concurrent calls are serialised.
func (c *Conn) ReadMessage(dst []byte) (MessageType, []byte, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	return c.readMessageLocked(dst)
}

// readMessageLocked is ReadMessage with readMu held.
func (c *Conn) readMessageLocked(dst []byte) (MessageType, []byte, error) {
	if c.readErr != nil {
		return 0, dst, c.readErr
	}
	var typ opcode // the opcode of the message being reassembled, 0 before its first frame
	start := len(dst)
	for {
		h, err := c.readHeader()
		if err != nil {
			return 0, dst[:start], c.fail(err)
		}
		if h.op.isControl() {
			if err := c.readControl(h); err != nil {
				return 0, dst[:start], err
			}
			continue
		}
		switch {
		case h.op == opContinuation && typ == 0:
			return 0, dst[:start], c.fail(ErrUnexpectedCont)
		case h.op != opContinuation && typ != 0:
			return 0, dst[:start], c.fail(ErrDataFrameUnfinished)
		case h.op != opContinuation:
			typ = h.op
			c.utf8.reset()
		}
		max := c.cfg.opts.MaxMessageSize
		if max >= 0 && h.length > max-int64(len(dst)-start) {
			return 0, dst[:start], c.fail(ErrMessageTooBig)
		}
		off := len(dst)
		if dst, err = c.readPayload(dst, h.length); err != nil {
			return 0, dst[:start], c.fail(err)
		}
		if h.masked {
			mask(dst[off:], h.key)
		}
		if typ == opText && !c.utf8.valid(dst[off:]) {
			return 0, dst[:start], c.fail(ErrInvalidUTF8)
		}
		if h.fin {
			if typ == opText && !c.utf8.complete() {
				return 0, dst[:start], c.fail(ErrInvalidUTF8)
			}
			return MessageType(typ), dst, nil
		}
	}
}

// readHeader reads and checks the next frame header.
func (c *Conn) readHeader() (header, error) {
	b, err := c.br.Peek(2)
	if err != nil {
		if len(b) > 0 && err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return header{}, err
	}
	size := 2
	switch b[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if b[1]&0x80 != 0 {
		size += 4
	}
	if b, err = c.br.Peek(size); err != nil {
		return header{}, noEOF(err)
	}
	h, _, err := parseHeader(b)
	if err != nil {
		return h, err
	}
	c.br.Discard(size)
	if h.masked == c.cfg.client {
		if c.cfg.client {
			return h, ErrMaskedFrame
		}
		return h, ErrUnmaskedFrame
	}
	return h, nil
}

// readPayload appends n payload bytes to dst. It grows dst at most 1 MiB at a
// time beyond what has arrived, so a peer that announces a large frame and
// sends little cannot make us allocate the whole announced size at once.
func (c *Conn) readPayload(dst []byte, n int64) ([]byte, error) {
	const step = 1 << 20
	for n > 0 {
		chunk := min(n, step)
		if free := int64(cap(dst) - len(dst)); free < chunk {
			grown := make([]byte, len(dst), len(dst)+int(max(chunk, min(int64(cap(dst)), n))))
			copy(grown, dst)
			dst = grown
		}
		if free := int64(cap(dst) - len(dst)); chunk < free {
			chunk = min(n, free)
		}
		off := len(dst)
		dst = dst[:off+int(chunk)]
		if _, err := io.ReadFull(c.br, dst[off:]); err != nil {
			return dst[:off], noEOF(err)
		}
		n -= chunk
	}
	return dst, nil
}

// readControl handles a control frame between (or inside) messages.
func (c *Conn) readControl(h header) error {
	p := c.ctrl[:h.length]
	if _, err := io.ReadFull(c.br, p); err != nil {
		return c.fail(noEOF(err))
	}
	if h.masked {
		mask(p, h.key)
	}
	switch h.op {
	case opPing:
		// Answer without blocking the reader: a peer that does not read
		// must not stop us from reading.
		c.w.pong(p)
	case opClose:
		return c.readClose(p)
	}
	return nil
}

// readClose handles the peer's Close frame: it answers it unless we closed
// first, lets TCP end, and returns the *CloseError.
func (c *Conn) readClose(p []byte) error {
	code, reason, err := parseClosePayload(p)
	if err != nil {
		return c.fail(err)
	}
	ce := &CloseError{Code: code, Reason: reason}
	c.closeMu.Lock()
	c.peerClose = ce
	c.closeMu.Unlock()
	if fn := c.cfg.opts.OnPeerClose; fn != nil {
		fn(code, reason)
	}
	if !c.w.isClosed() {
		// Echo the code and reason verbatim, as Chrome does; an empty Close
		// gets an empty Close.
		c.nc.SetWriteDeadline(time.Now().Add(c.cfg.opts.CloseTimeout))
		c.w.write(opClose, p, true)
	}
	if c.cfg.client {
		// §7.1.1: the server closes TCP first. Wait for it, bounded; a data
		// frame meanwhile breaks §5.5.1.
		c.nc.SetReadDeadline(time.Now().Add(DefaultDropTimeout))
		if err := c.drainAfterClose(); err != nil {
			return c.fail(err)
		}
	}
	c.readErr = ce
	c.finish(ce)
	return ce
}

// drainAfterClose reads what the peer sends after its Close frame until TCP
// ends or the read deadline passes. Control frames are dropped; a data frame
// is ErrDataAfterClose.
func (c *Conn) drainAfterClose() error {
	for {
		h, err := c.readHeader()
		if err != nil {
			var pe *ProtocolError
			if errors.As(err, &pe) {
				return err
			}
			return nil // EOF or deadline: the connection is over
		}
		if !h.op.isControl() {
			return ErrDataAfterClose
		}
		if _, err := c.br.Discard(int(h.length)); err != nil {
			return nil
		}
	}
}

// fail ends reading with err. A *ProtocolError is first reported to the peer
// in a Close frame (unless we already sent one); a read deadline that passes
// after we sent our Close becomes ErrCloseTimeout.
func (c *Conn) fail(err error) error {
	var pe *ProtocolError
	switch {
	case errors.As(err, &pe):
		if !c.w.isClosed() {
			var body [maxControlPayload]byte
			c.nc.SetWriteDeadline(time.Now().Add(failWriteTimeout))
			c.w.write(opClose, appendClosePayload(body[:0], pe.Code, pe.Reason), true)
		}
	case isTimeout(err) && c.w.isClosed():
		err = ErrCloseTimeout
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		err = fmt.Errorf("native: connection dropped: %w", err)
	default:
		err = fmt.Errorf("native: read: %w", err)
	}
	c.readErr = err
	c.finish(err)
	return err
}

// noEOF turns io.EOF in the middle of a frame into io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// isTimeout reports whether err is a passed deadline.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

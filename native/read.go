package native

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"time"
	"unicode/utf8"
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
	c.awaitQuiet()
	return c.readMessageLocked(dst)
}

// readMessageLocked is ReadMessage with readMu held.
func (c *Conn) readMessageLocked(dst []byte) (MessageType, []byte, error) {
	c.reading.Store(true) // the idle watch judges silence only while we read
	defer c.reading.Store(false)
	if c.readErr != nil {
		return 0, dst, c.readErr
	}
	if c.ended.Load() {
		// We ended the connection (a full send queue, a dead peer...):
		// read no more, even what is already buffered. Whoever ended it
		// drops TCP.
		c.readErr = c.endError()
		return 0, dst, c.readErr
	}
	var typ opcode // the opcode of the message being reassembled, 0 before its first frame
	var compressed bool
	start := len(dst)
	limit := c.messageLimit(start)
	for {
		if typ == 0 {
			c.quietCut.start()
		}
		h, err := c.readHeader()
		if typ == 0 && c.quietCut.stop() && err != nil && isTimeout(err) {
			// ReadMessageOrQuiet's quiet time passed before a frame began.
			return 0, c.abandon(dst, start), ErrQuiet
		}
		if err != nil {
			if typ == 0 && c.readCanceled.Load() && isTimeout(err) {
				// ReadMessageContext's context ended between messages:
				// nothing of a frame was consumed, the stream is intact.
				return 0, c.abandon(dst, start), errReadCanceled
			}
			return 0, c.abandon(dst, start), c.fail(err)
		}
		if h.op.isControl() {
			if err := c.readControl(h); err != nil {
				return 0, c.abandon(dst, start), err
			}
			continue
		}
		switch {
		case h.op == opContinuation && typ == 0:
			return 0, c.abandon(dst, start), c.fail(ErrUnexpectedCont)
		case h.op != opContinuation && typ != 0:
			return 0, c.abandon(dst, start), c.fail(ErrDataFrameUnfinished)
		case h.op != opContinuation:
			typ = h.op
			c.utf8.reset()
			if compressed = h.rsv&rsv1 != 0; compressed {
				c.zhold = getGather()
				c.zbuf = *c.zhold
			}
		}
		if compressed {
			// The compressed bytes gather in c.zbuf, bounded by
			// compressedLimit; they are inflated once the message is whole.
			zlimit := compressedLimit(limit)
			if h.length > zlimit-c.assembled(c.zbuf, 0) {
				return 0, c.abandon(dst, start), c.fail(ErrMessageTooBig)
			}
			if c.zbuf, err = c.readPayload(c.zbuf, 0, zlimit, h, false); err != nil {
				return 0, c.abandon(dst, start), c.fail(err)
			}
			if h.fin {
				if dst, err = c.inflateMessage(dst, limit, typ == opText); err != nil {
					return 0, c.abandon(dst, start), c.fail(err)
				}
				return MessageType(typ), dst, nil
			}
			continue
		}
		if h.length > limit-c.assembled(dst, start) {
			return 0, c.abandon(dst, start), c.fail(ErrMessageTooBig)
		}
		if dst, err = c.readPayload(dst, start, limit, h, typ == opText); err != nil {
			return 0, c.abandon(dst, start), c.fail(err)
		}
		if h.fin {
			if typ == opText && !c.utf8.complete() {
				return 0, c.abandon(dst, start), c.fail(ErrInvalidUTF8)
			}
			return MessageType(typ), c.join(dst), nil
		}
	}
}

// inflateMessage decompresses the message gathered in c.zbuf (and
// c.spill) and appends it to dst, checking text as UTF-8.
func (c *Conn) inflateMessage(dst []byte, limit int64, text bool) ([]byte, error) {
	z := append(c.join(c.zbuf), inflateTail...)
	start := len(dst)
	dst, err := c.inflate.inflate(dst, z, limit)
	putGather(c.zhold, z)
	c.zbuf, c.zhold = nil, nil
	if err != nil {
		return dst, err
	}
	if text && !utf8.Valid(dst[start:]) {
		return dst[:start], ErrInvalidUTF8
	}
	return dst, nil
}

// compressedLimit bounds the compressed form of a message that may
// inflate to limit bytes: deflate can make incompressible data bigger (by
// an eighth at worst, with fixed Huffman codes), and a message at the
// limit must still be read.
func compressedLimit(limit int64) int64 {
	if limit > int64(maxInt)-limit/8-1024 {
		return int64(maxInt)
	}
	return limit + limit/8 + 1024
}

// maxInt is the largest int: on 32-bit targets (wasm included) it, not
// MaxMessageSize, is what bounds a message held in one slice.
const maxInt = int(^uint(0) >> 1)

// messageLimit is the most payload bytes the next message may have, with
// start bytes of dst already in use: MaxMessageSize, clamped so that the
// whole of dst still fits an int.
func (c *Conn) messageLimit(start int) int64 {
	limit := c.cfg.opts.MaxMessageSize
	if limit < 0 {
		limit = math.MaxInt64
	}
	return min(limit, int64(maxInt-start))
}

// assembled is the size of the message read so far: the bytes appended to
// dst past start, and those spilled past dst.
func (c *Conn) assembled(dst []byte, start int) int64 {
	return int64(len(dst)-start) + int64(c.spilled)
}

// reassemblyStep bounds how far the reassembly buffer runs ahead of the
// bytes that arrived, so a peer that announces a large frame and sends
// little cannot make us allocate the announced size.
const reassemblyStep = 1 << 20

// minReassemblyGrowth is the least a reassembly buffer grows by, so a burst
// of tiny frames does not reallocate for each one.
const minReassemblyGrowth = 512

// readPayload reads the payload of frame h into the message being
// reassembled (dst from start, then c.spill), unmasking it and, for text,
// validating it as UTF-8 piece by piece.
//
// Growth is linear in the message, whatever its fragmentation: while the
// message is under reassemblyStep, dst itself grows geometrically (each
// copy costs no more than the room it adds); past that, further bytes go to
// chunks of reassemblyStep in c.spill that are joined once, when the message
// is complete. So N fragments cost O(message) time, a message allocates
// about 2.25 times its size in all (BenchmarkFragmentedMessage's B/op), and
// no allocation runs more than reassemblyStep ahead of the
// bytes that arrived or past limit.
func (c *Conn) readPayload(dst []byte, start int, limit int64, h header, text bool) ([]byte, error) {
	n, key := h.length, h.key
	for n > 0 {
		var p []byte // where the next piece goes: dst's spare room, or the last spill chunk's
		if len(c.spill) == 0 {
			if len(dst) == cap(dst) && len(dst)-start < reassemblyStep {
				dst = c.growDst(dst, start, limit, n)
			}
			if len(dst) < cap(dst) {
				p = dst[len(dst):cap(dst)]
			}
		}
		if p == nil {
			if k := len(c.spill); k == 0 || len(c.spill[k-1]) == cap(c.spill[k-1]) {
				room := min(reassemblyStep, limit-c.assembled(dst, start))
				c.spill = append(c.spill, make([]byte, 0, max(room, min(n, reassemblyStep))))
			}
			last := c.spill[len(c.spill)-1]
			p = last[len(last):cap(last)]
		}
		p = p[:min(int64(len(p)), n)]
		if _, err := io.ReadFull(c.br, p); err != nil {
			return dst, noEOF(err)
		}
		if h.masked {
			key = mask(p, key)
		}
		if text && !c.utf8.valid(p) {
			return dst, ErrInvalidUTF8
		}
		if len(c.spill) == 0 {
			dst = dst[:len(dst)+len(p)]
		} else {
			k := len(c.spill) - 1
			c.spill[k] = c.spill[k][:len(c.spill[k])+len(p)]
			c.spilled += len(p)
		}
		n -= int64(len(p))
	}
	return dst, nil
}

// growDst returns dst with more room for a message that has n payload bytes
// still to come in this frame: as much as dst holds (geometric growth), at
// least the next piece, and never more than reassemblyStep or what limit
// still allows.
func (c *Conn) growDst(dst []byte, start int, limit, n int64) []byte {
	arrived := int64(len(dst) - start)
	// Geometric in the whole of dst, so a caller that appends many messages
	// to one buffer does not copy it for every one; never more than
	// reassemblyStep ahead.
	room := max(int64(len(dst)), minReassemblyGrowth)
	room = min(room, reassemblyStep, limit-arrived)
	room = max(room, min(n, reassemblyStep))
	grown := make([]byte, len(dst), len(dst)+int(room))
	copy(grown, dst)
	return grown
}

// join returns the completed message: dst itself, or dst and the spilled
// chunks copied once into a slice of exactly their size.
func (c *Conn) join(dst []byte) []byte {
	if len(c.spill) == 0 {
		return dst
	}
	out := make([]byte, len(dst), len(dst)+c.spilled)
	copy(out, dst)
	for _, b := range c.spill {
		out = append(out, b...)
	}
	c.dropSpill()
	return out
}

// abandon drops the message being reassembled and returns dst as it was
// before it.
func (c *Conn) abandon(dst []byte, start int) []byte {
	c.dropSpill()
	return dst[:start]
}

// dropSpill releases the spilled chunks.
func (c *Conn) dropSpill() {
	clear(c.spill)
	c.spill, c.spilled = c.spill[:0], 0
}

// readHeader reads and checks the next frame header.
func (c *Conn) readHeader() (header, error) {
	if err := c.awaitData(); err != nil {
		return header{}, err
	}
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
	h, _, err := parseHeaderRSV(b, c.inflate != nil)
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
	case opPong:
		c.pongReceived(p)
	case opClose:
		return c.readClose(p)
	}
	return nil
}

// readClose handles the peer's Close frame: it answers it unless we closed
// first, lets TCP end, and returns the *CloseError.
func (c *Conn) readClose(p []byte) error {
	code, reason, err := parseClosePayload(p, !c.cfg.client || c.cfg.opts.StrictCloseCodes)
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
	// Echo the code and reason verbatim, as Chrome does (an empty Close
	// gets an empty Close), unless our Close was queued first: a
	// simultaneous close, where it and every message queued before it must
	// reach the peer before TCP ends. Either way, wait for the writer to
	// drain; the write deadline bounds the wait by CloseTimeout.
	c.nc.SetWriteDeadline(time.Now().Add(c.cfg.opts.CloseTimeout))
	c.w.write(opClose, p, true) // ErrClosed when ours went first
	c.w.drain()
	if c.cfg.client {
		// §7.1.1: the server closes TCP first. Wait for it, bounded; a data
		// frame meanwhile breaks §5.5.1.
		c.setReadDeadline(time.Now().Add(DefaultDropTimeout))
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
		pe = pe.fresh() // never a sentinel: its fields are the caller's to change
		err = pe
		if !c.w.isClosed() {
			var body [maxControlPayload]byte
			c.nc.SetWriteDeadline(time.Now().Add(failWriteTimeout))
			c.w.write(opClose, appendClosePayload(body[:0], pe.Code, pe.Reason), true)
		}
	case c.endError() != nil:
		// We ended the connection (a limit, a timeout, a context): that
		// is why the read failed.
		err = c.endError()
	case c.readCanceled.Load() && isTimeout(err):
		err = errReadCanceledMidMessage
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

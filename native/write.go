package native

import (
	"errors"
	"fmt"
	"net"
	"sync"
)

const (
	// maxRetainedWriteBuffer is the largest write buffer kept once the queue
	// is empty; a bigger one (after a burst of large messages) is dropped so
	// an idle connection does not pin it.
	maxRetainedWriteBuffer = 128 << 10
	// directWriteSize is the payload size from which a blocking write that
	// finds the queue empty skips the queue: the header and the payload go
	// out in one writev (server) or in masked chunks through a fixed scratch
	// buffer (client), so large messages are never copied into a buffer
	// that grows with them.
	directWriteSize = 16 << 10
	// maskChunkSize is the client's scratch buffer for masking a directly
	// written payload.
	maskChunkSize = 64 << 10
	// maxQueuedPongs bounds the Pongs queued between two writes.
	maxQueuedPongs = 16
)

// writer serialises frames onto the connection. Frames are encoded (and, on
// the client, masked) into a pending buffer under mu; one goroutine at a time
// flushes it. Frames queued while a flush is in flight go out together in the
// next single Write, so concurrent or pipelined senders share syscalls.
// A blocking writer that finds no flush in flight does the flush itself, so
// the common case needs no goroutine hand-off; an async writer starts a
// flushing goroutine that lives only while frames are queued.
type writer struct {
	nc        net.Conn
	client    bool
	onWritten func(n int, err error)

	mu          sync.Mutex // guards everything below
	flushed     sync.Cond  // broadcast after every flush
	buf         []byte     // frames queued for the next flush
	out         []byte     // the buffer of the flush in flight (kept for reuse)
	bufData     int        // payload bytes of data frames in buf
	seq         uint64     // frames queued so far
	done        uint64     // frames whose flush has finished
	flushing    bool       // a goroutine is flushing
	closed      bool       // a Close frame was queued: nothing may follow it
	pongsQueued int        // Pongs in buf
	// The latest Pong past maxQueuedPongs, not yet queued: a new Ping
	// replaces it.
	pongBuf     [maxControlPayload]byte
	pongLen     int
	pongPending bool
	err         error     // sticky: why writing ended
	writeFailed bool      // a Write to the connection failed (the stream may be torn)
	inFlight    int       // payload bytes of data frames in the flush in flight
	maxQueue    int64     // ConnOptions.MaxWriteQueue: a bound on bufData+inFlight for async writes; 0 for none
	onFull      func()    // called, without mu, once an async write passed maxQueue
	deflate     *deflater // permessage-deflate in force, or nil
	keys        maskKeys
	// Owned by the goroutine flushing (w.flushing), for direct writes.
	scratch []byte              // client: masking buffer, maskChunkSize
	hdr     [maxHeaderSize]byte // server: the frame header
	vecArr  [2][]byte           // server: header and payload for one writev
	vec     net.Buffers         // server: a view of vecArr that WriteTo consumes
}

func (w *writer) init(nc net.Conn, client bool, onWritten func(int, error)) {
	w.nc, w.client, w.onWritten = nc, client, onWritten
	w.flushed.L = &w.mu
	if client {
		w.keys = newMaskKeys()
	}
}

// appendFrameLocked encodes one final frame with payload p into w.buf,
// compressed when permessage-deflate is in force and p is a data message
// of at least the threshold.
func (w *writer) appendFrameLocked(op opcode, p []byte) {
	if w.compresses(op, p) {
		w.appendCompressedLocked(op, p)
		return
	}
	h := header{fin: true, op: op, masked: w.client, length: int64(len(p))}
	if w.client {
		h.key = w.keys.next()
	}
	w.reserveLocked(maxHeaderSize + len(p))
	w.buf = appendHeader(w.buf, h)
	off := len(w.buf)
	w.buf = append(w.buf, p...)
	if w.client {
		mask(w.buf[off:], h.key)
	}
	if !op.isControl() {
		w.bufData += len(p)
	}
}

// compresses reports whether a frame of op with payload p goes out
// compressed.
func (w *writer) compresses(op opcode, p []byte) bool {
	return w.deflate != nil && !op.isControl() && len(p) >= w.deflate.threshold
}

// appendCompressedLocked encodes one final frame with p compressed and
// RSV1 set (RFC 7692 §6). The compressor writes straight into w.buf after
// room for the longest header; the payload is then moved up against the
// real header, a copy that is small beside the compression.
func (w *writer) appendCompressedLocked(op opcode, p []byte) {
	// Deflate grows incompressible data by 5 bytes per 64 KiB stored block,
	// plus a few bytes of flush: reserve that, so compressing never
	// reallocates w.buf.
	w.reserveLocked(maxHeaderSize + len(p) + len(p)>>10 + 64)
	off := len(w.buf)
	w.buf = w.deflate.compress(w.buf[:off+maxHeaderSize], p)
	n := len(w.buf) - off - maxHeaderSize
	h := header{fin: true, rsv: rsv1, op: op, masked: w.client, length: int64(n)}
	if w.client {
		h.key = w.keys.next()
	}
	var hdr [maxHeaderSize]byte
	hb := appendHeader(hdr[:0], h)
	copy(w.buf[off:], hb)
	copy(w.buf[off+len(hb):], w.buf[off+maxHeaderSize:])
	w.buf = w.buf[:off+len(hb)+n]
	if w.client {
		mask(w.buf[off+len(hb):], h.key)
	}
	w.bufData += len(p)
}

// reserveLocked makes room for need more bytes in w.buf.
func (w *writer) reserveLocked(need int) {
	if cap(w.buf)-len(w.buf) >= need {
		return
	}
	// Grow by doubling: append's 1.25x growth for large slices copies a
	// queue of large messages over and over. With a queue bound, doubling
	// stops at the bound, so the queued buffer and the one in flight stay
	// near it each (twice the bound at worst).
	size := 2 * cap(w.buf)
	if w.maxQueue > 0 {
		size = min(size, int(min(w.maxQueue, int64(maxInt/2)))+64*maxHeaderSize)
	}
	grown := make([]byte, len(w.buf), max(size, len(w.buf)+need))
	copy(grown, w.buf)
	w.buf = grown
}

// write queues one frame. With wait it returns once the frame has been
// written (or the write failed); without, it returns at once and a flushing
// goroutine writes it. A Close frame closes the writer to later frames.
func (w *writer) write(op opcode, p []byte, wait bool) error {
	w.mu.Lock()
	if w.err != nil {
		err := w.err
		w.mu.Unlock()
		return err
	}
	if w.closed {
		w.mu.Unlock()
		return ErrClosed
	}
	if !wait && !op.isControl() && w.maxQueue > 0 && int64(w.bufData)+int64(w.inFlight)+int64(len(p)) > w.maxQueue {
		w.failLocked(ErrWriteQueueFull)
		w.mu.Unlock()
		w.onFull()
		return ErrWriteQueueFull
	}
	if op == opClose {
		w.closed = true
		if w.pongPending { // nothing may follow our Close
			w.pongPending = false
			w.appendFrameLocked(opPong, w.pongBuf[:w.pongLen])
			w.seq++
		}
	}
	if wait && !w.flushing && len(p) >= directWriteSize && !w.compresses(op, p) {
		w.flushing = true
		w.seq++
		mine := w.seq
		w.mu.Unlock()
		err := w.writeDirect(op, p)
		if w.onWritten != nil {
			w.onWritten(len(p), err)
		}
		w.mu.Lock()
		w.done = max(w.done, mine) // failLocked may have moved it past mine
		if err != nil {
			w.writeFailed = true
			w.failLocked(err)
		}
		w.flushed.Broadcast()
		w.flushLocked() // whatever was queued meanwhile
		err = w.err
		w.mu.Unlock()
		return err
	}
	w.appendFrameLocked(op, p)
	w.seq++
	mine := w.seq
	if !w.flushing {
		w.flushing = true
		if !wait {
			w.mu.Unlock()
			go w.flush()
			return nil
		}
		w.flushLocked()
	}
	if !wait {
		w.mu.Unlock()
		return nil
	}
	for w.done < mine {
		w.flushed.Wait()
	}
	err := w.err
	w.mu.Unlock()
	return err
}

// failLocked makes err sticky (the first cause stays) and ends every frame
// still queued: they will never be written, and their blocking writers must
// not wait for them.
func (w *writer) failLocked(err error) {
	if w.err == nil {
		w.err = fmt.Errorf("native: write: %w", err)
	}
	defer w.flushed.Broadcast() // blocking writers waiting for those frames
	w.buf, w.bufData = w.buf[:0], 0
	w.pongPending, w.pongsQueued = false, 0
	w.done = w.seq
}

// pong queues a Pong with payload p (at most 125 bytes) without blocking.
// Up to maxQueuedPongs wait in the queue between two writes, one per Ping,
// as browsers answer; past that only the latest is kept, as RFC 6455 §5.5.3
// allows, so a peer flooding us with Pings cannot grow the queue.
func (w *writer) pong(p []byte) error {
	w.mu.Lock()
	if w.err != nil || w.closed {
		w.mu.Unlock()
		return nil
	}
	if w.pongsQueued < maxQueuedPongs {
		w.appendFrameLocked(opPong, p)
		w.pongsQueued++
	} else {
		w.pongLen = copy(w.pongBuf[:], p)
		w.pongPending = true
	}
	if w.flushing {
		w.mu.Unlock()
		return nil
	}
	w.flushing = true
	w.mu.Unlock()
	go w.flush()
	return nil
}

// flush runs flushLocked on its own goroutine.
func (w *writer) flush() {
	w.mu.Lock()
	w.flushLocked()
	w.mu.Unlock()
}

// flushLocked writes w.buf until nothing is queued. Called with mu held and
// w.flushing set by the caller; it releases mu around each Write.
func (w *writer) flushLocked() {
	for (len(w.buf) > 0 || w.pongPending) && w.err == nil {
		if w.pongPending {
			w.pongPending = false
			w.appendFrameLocked(opPong, w.pongBuf[:w.pongLen])
		}
		w.out, w.buf = w.buf, w.out[:0]
		w.pongsQueued = 0
		n, upto := w.bufData, w.seq
		w.bufData, w.inFlight = 0, n
		w.mu.Unlock()
		_, err := w.nc.Write(w.out)
		if w.onWritten != nil {
			w.onWritten(n, err)
		}
		w.mu.Lock()
		w.done, w.inFlight = max(w.done, upto), 0 // failLocked may have moved done past upto
		if err != nil {
			w.writeFailed = true
			w.failLocked(err)
		}
		w.flushed.Broadcast()
	}
	if cap(w.buf) > maxRetainedWriteBuffer {
		w.buf = nil
	}
	if cap(w.out) > maxRetainedWriteBuffer {
		w.out = nil
	}
	w.flushing = false
	w.flushed.Broadcast() // closeAfterFailure waits for the flush to end
}

// closeAfterFailure runs after the writer failed with cause (its queue is
// dropped): it waits for the write in flight to end and, if that write
// completed, so the peer is reading at a frame boundary, sends a Close
// frame with code and reason. The caller bounds the wait with a write
// deadline and drops TCP afterwards.
func (w *writer) closeAfterFailure(cause error, code StatusCode, reason string) {
	w.mu.Lock()
	for w.flushing {
		w.flushed.Wait()
	}
	ok := errors.Is(w.err, cause) && !w.writeFailed && !w.closed // the stream is whole and has no Close yet
	w.closed = true
	var body [maxControlPayload]byte
	w.buf = w.buf[:0] // failLocked dropped the queue; nobody appends after w.err
	w.appendFrameLocked(opClose, appendClosePayload(body[:0], code, reason))
	frame := w.buf
	w.mu.Unlock()
	if ok {
		w.nc.Write(frame)
	}
}

// writeDirect writes one frame without queueing it. The caller owns the
// flush (w.flushing), so nothing interleaves with it.
func (w *writer) writeDirect(op opcode, p []byte) error {
	h := header{fin: true, op: op, masked: w.client, length: int64(len(p))}
	if !w.client {
		// Fields, not locals: a local net.Buffers escapes through WriteTo,
		// which also reslices it as it consumes it.
		w.vecArr = [2][]byte{appendHeader(w.hdr[:0], h), p}
		w.vec = w.vecArr[:]
		_, err := w.vec.WriteTo(w.nc)
		w.vecArr[1] = nil // do not pin the caller's payload
		return err
	}
	w.mu.Lock()
	h.key = w.keys.next()
	w.mu.Unlock()
	if w.scratch == nil {
		// Room for a header too, so a message of up to maskChunkSize goes
		// out in one write.
		w.scratch = make([]byte, maxHeaderSize+maskChunkSize)
	}
	chunk := appendHeader(w.scratch[:0], h)
	key := h.key
	for len(p) > 0 {
		n := min(len(p), cap(chunk)-len(chunk))
		off := len(chunk)
		chunk = append(chunk, p[:n]...)
		key = mask(chunk[off:], key)
		if _, err := w.nc.Write(chunk); err != nil {
			return err
		}
		p, chunk = p[n:], chunk[:0]
	}
	return nil
}

// drain waits until every frame queued so far has been written, or writing
// failed. The caller bounds the wait with a write deadline.
func (w *writer) drain() {
	w.mu.Lock()
	for mark := w.seq; w.done < mark && w.err == nil; {
		w.flushed.Wait()
	}
	w.mu.Unlock()
}

// releaseDeflater gives a compressor the connection kept back to the pool,
// once the connection is over. A write racing with it compresses without
// context, which is always valid, and is never sent anyway.
func (w *writer) releaseDeflater() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.deflate != nil {
		w.deflate.release()
		w.deflate.takeover = false
	}
}

// isClosed reports whether a Close frame has been queued.
func (w *writer) isClosed() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

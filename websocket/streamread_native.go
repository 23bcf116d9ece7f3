//go:build !js

package websocket

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/native"
)

// How a native stream reads. Whoever holds the read token may call the
// engine's ReadMessage: the pump, a goroutine that reads ahead into the
// queue (at most streamReadAhead bytes, or one larger message), or a Read
// with a context that cannot end, which reads the connection itself on
// the caller's goroutine when nothing is queued: no hand-off between
// goroutines, and ReadInto reads straight into the caller's buffer, as the
// engine does. While a program reads that way the pump stays parked; it
// resumes directHold after the last such Read, so that Pings, the peer's
// Close and the reply to ours are still read when the program stops
// reading (until the queue is full: then TCP pushes back on the peer). A
// Read with a context that can end waits on the queue and wakes the pump.

// directHold is how long the pump stays parked after a Read that could
// have read the connection itself.
const directHold = 20 * time.Millisecond

// reading is the read side of a native streamTransport.
type reading struct {
	token      chan struct{} // 1-buffered: holding it is the right to read the connection
	kick       chan struct{} // 1-buffered: wakes a parked pump at once
	lastDirect atomic.Int64  // when a Read last asked to read directly (UnixNano)
	buf        []byte        // the read buffer (the token holder's)
	s          *WebSocketStream
	c          *native.Conn
}

// startReading hands the opened connection to the readers: the token
// (until then a Read waits on the queue) and the pump, on a fresh
// goroutine (the handshake grew the stack of the one that ran it).
func (t *streamTransport) startReading(s *WebSocketStream, c *native.Conn) {
	t.s, t.c = s, c
	t.token <- struct{}{}
	go t.pump(s, c)
}

// pump reads ahead into the queue until the connection ends. When the
// connection is quiet (native.Conn.Quiet), or falls quiet while it waits
// (native.ErrQuiet), it hands over to awaitPump on a fresh goroutine, with
// the token, and returns, so that an idle stream keeps no read buffer and
// only the smallest stack: a wait inside ReadMessage needs more.
func (t *streamTransport) pump(s *WebSocketStream, c *native.Conn) {
	t.pumpFrom(s, c, false)
}

// pumpFrom is pump; awaited says that it holds the token and that
// WaitReadable has just waited, so the message it waited for is read
// first (and an ended connection reports its end).
func (t *streamTransport) pumpFrom(s *WebSocketStream, c *native.Conn, awaited bool) {
	var timer *time.Timer
	for ; ; awaited = false {
		if !awaited {
			t.park(&timer)
			<-t.token
			if ended, _ := t.queue.result(); ended {
				t.token <- struct{}{}
				return
			}
			if c.Quiet() {
				t.buf = nil
				go t.awaitPump(s, c)
				return
			}
		}
		m, err := t.readOne(quietAfter)
		if errors.Is(err, native.ErrQuiet) {
			t.buf = nil
			go t.awaitPump(s, c)
			return
		}
		if err != nil {
			t.end(s, c, err)
			t.token <- struct{}{}
			return
		}
		full := t.queue.push(m)
		t.token <- struct{}{}
		if full {
			t.queue.waitSpace(c.Done())
		}
	}
}

// awaitPump waits, holding the token and nothing else, until the
// connection has bytes to read, then pumps on.
func (t *streamTransport) awaitPump(s *WebSocketStream, c *native.Conn) {
	c.WaitReadable() // what ended the wait, ReadMessage reports
	t.pumpFrom(s, c, true)
}

// park waits while a program reads directly: until directHold after the
// last Read that asked to, or a kick. timer is the pump's, reused.
func (t *streamTransport) park(timer **time.Timer) {
	for {
		last := t.lastDirect.Load()
		wait := directHold - time.Duration(time.Now().UnixNano()-last)
		if last == 0 || wait <= 0 {
			return
		}
		if *timer == nil {
			*timer = time.NewTimer(wait)
		} else {
			(*timer).Reset(wait) // Go 1.23 timers: no stale tick to drain
		}
		select {
		case <-(*timer).C:
		case <-t.kick:
			(*timer).Stop()
			return
		}
	}
}

// readOne reads the next message into the stream's buffer. A message
// under handOverSize (or text) is copied out into one of its size; a
// larger binary one is returned in the buffer it was read into (pooled),
// which ReadInto gives back for the next large message. With quiet > 0 it
// returns native.ErrQuiet when no message began within quiet (see
// native.Conn.ReadMessageOrQuiet). The caller holds the token.
func (t *streamTransport) readOne(quiet time.Duration) (streamMessage, error) {
	dst := t.buf[:0]
	if cap(dst) < handOverSize {
		if spare := t.queue.takeBuffer(); cap(spare) > cap(dst) {
			dst = spare
		}
	}
	typ, msg, err := t.c.ReadMessageOrQuiet(dst, quiet)
	if err != nil {
		return streamMessage{}, err
	}
	var m streamMessage
	if typ == native.MessageBinary && len(msg) >= handOverSize {
		if sameArray(msg, t.buf) {
			t.buf = nil
		}
		return streamMessage{data: msg, pooled: true}, nil
	}
	m.text, m.data, m.isText, t.buf = takeMessage(typ, msg, t.buf)
	return m, nil
}

// tryDirect takes the token if the pump does not hold it, for a Read
// whose context cannot end, and notes that the program reads directly.
func (t *streamTransport) tryDirect() bool {
	t.lastDirect.Store(time.Now().UnixNano())
	select {
	case <-t.token:
		return true
	default:
		return false
	}
}

// read waits for the next message.
func (t *streamTransport) read(ctx context.Context) (string, []byte, bool, error) {
	if t.queue.avail == nil {
		// Never opened: the stream was aborted before it started.
		return "", nil, false, t.notOpen()
	}
	if ctx.Done() == nil && t.tryDirect() {
		m, err := t.readDirect()
		if err != nil {
			return "", nil, false, err
		}
		return m.text, m.data, m.isText, nil
	}
	m, err := t.waitQueued(ctx)
	if err != nil {
		return "", nil, false, err
	}
	return m.text, m.data, m.isText, nil
}

// readDirect returns what is queued, or reads the connection. The caller
// holds the token; readDirect gives it back.
func (t *streamTransport) readDirect() (streamMessage, error) {
	defer func() { t.token <- struct{}{} }()
	if m, ok, err := t.queue.tryPop(); ok || err != nil {
		return m, err
	}
	m, err := t.readOne(0)
	if err != nil {
		return m, t.endDirect(err)
	}
	return m, nil
}

// endDirect ends the stream on a direct read's error and returns what
// Read returns from then on.
func (t *streamTransport) endDirect(err error) error {
	t.end(t.s, t.c, err)
	_, rerr := t.queue.result()
	return rerr
}

// waitQueued waits for the pump to queue a message, waking it.
func (t *streamTransport) waitQueued(ctx context.Context) (streamMessage, error) {
	if ctx.Done() != nil {
		signal(t.kick)
	}
	return t.queue.pop(ctx)
}

// readInto waits for the next message and appends it to dst[:0]; read
// directly, it is read into dst itself.
func (t *streamTransport) readInto(ctx context.Context, dst []byte) ([]byte, bool, error) {
	if t.queue.avail == nil {
		return dst[:0], false, t.notOpen()
	}
	if ctx.Done() == nil && t.tryDirect() {
		defer func() { t.token <- struct{}{} }()
		if m, ok, err := t.queue.tryPop(); ok || err != nil {
			if err != nil {
				return dst[:0], false, err
			}
			data, isText := t.queue.deliverInto(m, dst)
			return data, isText, nil
		}
		typ, msg, err := t.c.ReadMessage(dst[:0])
		if err != nil {
			return dst[:0], false, t.endDirect(err)
		}
		return msg, typ == native.MessageText, nil
	}
	m, err := t.waitQueued(ctx)
	if err != nil {
		return dst[:0], false, err
	}
	data, isText := t.queue.deliverInto(m, dst)
	return data, isText, nil
}

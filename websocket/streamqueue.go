package websocket

import (
	"context"
	"fmt"
	"sync"
)

// streamReadAhead is how many bytes of received messages a native
// WebSocketStream reads ahead of the program (at least one message,
// whatever its size): enough for the closing handshake to complete behind
// a few small messages the program has not read, as Chromium's flow
// control window lets it, and small enough that a program that stops
// reading stops the socket being read.
const streamReadAhead = 64 << 10

// streamMessage is one received message. pooled marks data (binary) as a
// buffer of the queue's pool, handed over by Read and given back by
// ReadInto: a large binary message read into a recycled buffer.
type streamMessage struct {
	text   string
	data   []byte
	isText bool
	pooled bool
}

// size is the message's length in bytes.
func (m streamMessage) size() int { return len(m.text) + len(m.data) }

// messageQueue holds the messages received and not yet read, in order,
// and how reading ended. One goroutine pushes; any number pop.
type messageQueue struct {
	mu     sync.Mutex
	q      []streamMessage
	head   int  // q[head:] are queued
	bytes  int  // their total size
	budget int  // push reports full from this many bytes on; 0: never
	ended  bool // no more messages: err says why
	err    error
	drain  bool // nobody will read again: drop everything

	avail chan struct{} // a token when a message or the end may be there
	space chan struct{} // a token when the pusher may go on

	spare []byte // a read buffer given back by ReadInto, for the pusher
}

// maxSpareBuffer is the largest read buffer the queue keeps for reuse.
const maxSpareBuffer = 1 << 20

// takeBuffer returns the spare read buffer (empty, nil if none).
func (m *messageQueue) takeBuffer() []byte {
	m.mu.Lock()
	b := m.spare
	m.spare = nil
	m.mu.Unlock()
	return b[:0]
}

// recycle keeps b as the spare read buffer unless it is too large.
func (m *messageQueue) recycle(b []byte) {
	if cap(b) > maxSpareBuffer {
		return
	}
	m.mu.Lock()
	if cap(b) > cap(m.spare) {
		m.spare = b[:0]
	}
	m.mu.Unlock()
}

// deliverInto appends a popped message's bytes to dst[:0], as ReadInto
// returns them, and gives a pooled buffer back.
func (m *messageQueue) deliverInto(msg streamMessage, dst []byte) ([]byte, bool) {
	if msg.isText {
		return append(dst[:0], msg.text...), true
	}
	out := append(dst[:0], msg.data...)
	if msg.pooled {
		m.recycle(msg.data)
	}
	return out, msg.isText
}

// init prepares an empty queue with the given budget (0: none).
func (m *messageQueue) init(budget int) {
	m.budget = budget
	m.avail = make(chan struct{}, 1)
	m.space = make(chan struct{}, 1)
}

// signal leaves a token in ch unless one is there.
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// push queues msg and reports whether the queue is now over its budget,
// in which case the pusher calls waitSpace before reading more.
func (m *messageQueue) push(msg streamMessage) (full bool) {
	m.mu.Lock()
	if m.drain {
		m.mu.Unlock()
		return false
	}
	if m.head > 0 && len(m.q) == cap(m.q) {
		// A queue that never empties would otherwise grow for ever.
		n := copy(m.q, m.q[m.head:])
		clear(m.q[n:])
		m.q, m.head = m.q[:n], 0
	}
	m.q = append(m.q, msg)
	m.bytes += msg.size()
	full = m.budget > 0 && m.bytes >= m.budget
	m.mu.Unlock()
	signal(m.avail)
	return full
}

// waitSpace waits until the queue is under its budget or drained, or
// until stop is closed.
func (m *messageQueue) waitSpace(stop <-chan struct{}) {
	for {
		m.mu.Lock()
		full := !m.drain && m.bytes >= m.budget
		m.mu.Unlock()
		if !full {
			return
		}
		select {
		case <-m.space:
		case <-stop:
			return
		}
	}
}

// end records that no message will follow, and why: io.EOF after a clean
// close, else the error reads return.
func (m *messageQueue) end(err error) {
	m.mu.Lock()
	if !m.ended {
		m.ended, m.err = true, err
	}
	m.mu.Unlock()
	signal(m.avail)
}

// pop returns the next message, or the end's error once every message
// before it was taken, or ctx's error when it ends first.
func (m *messageQueue) pop(ctx context.Context) (streamMessage, error) {
	for {
		m.mu.Lock()
		if m.head < len(m.q) {
			msg := m.q[m.head]
			m.q[m.head] = streamMessage{}
			m.head++
			m.bytes -= msg.size()
			more := m.head < len(m.q)
			if !more {
				m.q, m.head = m.q[:0], 0
			}
			m.mu.Unlock()
			signal(m.space)
			if more {
				signal(m.avail) // for another reader
			}
			return msg, nil
		}
		if m.ended {
			err := m.err
			m.mu.Unlock()
			signal(m.avail) // every reader sees the end
			return streamMessage{}, err
		}
		m.mu.Unlock()
		select {
		case <-m.avail:
		case <-ctx.Done():
			return streamMessage{}, fmt.Errorf("websocket: Read: %w", ctx.Err())
		}
	}
}

// tryPop returns the next message if one is queued (ok), or the end's
// error once every message was taken; neither when nothing is queued.
func (m *messageQueue) tryPop() (msg streamMessage, ok bool, err error) {
	m.mu.Lock()
	if m.head < len(m.q) {
		msg = m.q[m.head]
		m.q[m.head] = streamMessage{}
		m.head++
		m.bytes -= msg.size()
		if m.head == len(m.q) {
			m.q, m.head = m.q[:0], 0
		}
		m.mu.Unlock()
		signal(m.space)
		return msg, true, nil
	}
	ended, err := m.ended, m.err
	m.mu.Unlock()
	if ended {
		return streamMessage{}, false, err
	}
	return streamMessage{}, false, nil
}

// result reports whether reading ended, and why.
func (m *messageQueue) result() (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ended, m.err
}

// discard drops what is queued and everything pushed later, and lets a
// pusher waiting for space go on.
func (m *messageQueue) discard() {
	m.mu.Lock()
	m.drain = true
	clear(m.q)
	m.q, m.head, m.bytes = m.q[:0], 0, 0
	m.mu.Unlock()
	signal(m.space)
}

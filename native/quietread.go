package native

import (
	"sync"
	"time"
)

// ReadMessageOrQuiet is ReadMessage that gives up when the peer falls
// silent: when a wait for the next frame, begun with nothing of the
// peer's buffered, lasts quiet before a data frame begins, it returns
// ErrQuiet and consumes nothing (bytes of a header that came meanwhile
// stay buffered for the next read). Control frames are handled as
// ReadMessage handles them and do not count, but each starts the wait
// again: a peer that pings more often than quiet keeps the reader busy.
// The connection is intact: the caller can call WaitReadable, on a
// goroutine with a small stack, and read again when it returns, so that a
// connection that was busy and then fell silent holds neither a read
// buffer nor the stack the busy reader grew. Once a data frame has begun,
// or when a wait begins with bytes of the peer's buffered, it waits as
// ReadMessage does. Where the connection cannot wait without a buffer (see
// Quiet: TLS, or not Unix) it is ReadMessage, and never returns ErrQuiet.
//
// It uses the read deadline, as ReadMessageContext does: do not combine it
// with a deadline set on the underlying connection.
func (c *Conn) ReadMessageOrQuiet(dst []byte, quiet time.Duration) (MessageType, []byte, error) {
	c.readMu.Lock()
	defer c.readMu.Unlock()
	if c.raw == nil || quiet <= 0 {
		return c.readMessageLocked(dst)
	}
	if c.quietCut == nil {
		c.quietCut = &quietCut{c: c}
	}
	c.quietCut.d = quiet
	c.quietCut.armed = true
	defer func() { c.quietCut.armed = false }()
	return c.readMessageLocked(dst)
}

// quietCut is ReadMessageOrQuiet's timer: it moves the read deadline into
// the past when a wait for the first frame of a message, begun with
// nothing buffered, lasts d. Only the reader (under readMu) touches armed
// and d; mu orders the timer's cut against the reader's start and stop.
type quietCut struct {
	c     *Conn
	d     time.Duration
	armed bool // a ReadMessageOrQuiet runs

	mu      sync.Mutex
	timer   *time.Timer
	waiting bool      // a start without its stop
	due     time.Time // when the wait start began is to be cut
	cut     bool      // the timer moved the deadline since the last start
}

// start begins a wait for the first frame of a message, if
// ReadMessageOrQuiet runs and nothing of the peer's is buffered. Under
// readMu.
func (q *quietCut) start() {
	if q == nil || !q.armed || q.c.br.Buffered() > 0 {
		return
	}
	q.mu.Lock()
	q.waiting, q.cut, q.due = true, false, time.Now().Add(q.d)
	if q.timer == nil {
		q.timer = time.AfterFunc(q.d, q.fire)
	} else {
		q.timer.Reset(q.d)
	}
	q.mu.Unlock()
}

// fire is the timer: it cuts the wait, unless it is over, or is a later
// wait than the one the timer was set for (a call that stop could not
// stop, which ran after the next start: it comes before that wait's due
// time, as timers never fire early), or the closing handshake has set a
// read deadline of its own.
func (q *quietCut) fire() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.waiting || time.Now().Before(q.due) {
		return
	}
	c := q.c
	c.deadlineMu.Lock()
	if c.readDeadline.IsZero() {
		q.cut = true
		c.nc.SetReadDeadline(aLongTimeAgo)
	}
	c.deadlineMu.Unlock()
}

// stop ends the wait start began and reports whether a timeout the wait
// returned is the timer's cut: the timer cut it, and the engine's own read
// deadline (the closing handshake may have set one since), which is back
// in place, has not passed. Under readMu.
func (q *quietCut) stop() (cut bool) {
	if q == nil {
		return false
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.waiting {
		return false
	}
	q.waiting = false
	if q.timer != nil {
		q.timer.Stop()
	}
	if !q.cut {
		return false
	}
	q.cut = false
	c := q.c
	c.deadlineMu.Lock()
	defer c.deadlineMu.Unlock()
	c.nc.SetReadDeadline(c.readDeadline)
	return c.readDeadline.IsZero() || time.Now().Before(c.readDeadline)
}

package websocket

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// ErrTooManySockets is wrapped by the error that a full [Limiter] causes:
// the "error" event's Err of a client socket it refused, and the error
// Upgrade returns. Chrome reports the same condition, a client over its
// socket cap, as "Insufficient resources".
var ErrTooManySockets = errors.New("websocket: too many sockets")

// limiterRetryAfter is the Retry-After value, in seconds, of Upgrade's 503
// when its Limiter is full; see Limiter.
const limiterRetryAfter = "5"

// Limiter caps the number of sockets alive at once, as browsers cap theirs
// (Chrome allows 255 WebSockets per profile, whatever the pages). A socket
// takes a slot when it starts and gives it back once its "close" event has
// been dispatched (after the close handlers ran), so a program that handles
// close events sees the slot free. Set it in Options.Limiter; share one
// Limiter among sockets to get a process-wide cap, as browsers have, or
// give groups of sockets their own. Natively there is no cap unless one is
// set. A Limiter is safe for concurrent use; it costs a few atomic
// operations per socket.
//
// A client socket (New, NewWithOptions) that finds its Limiter full is
// still returned, with no error: as in Chrome, it fails asynchronously like
// a connection that could not be made, with an "error" event whose Err
// wraps ErrTooManySockets, then a "close" event with code 1006 and
// wasClean false. Nothing is sent on the network. The browser build does
// the same, before asking the browser for a WebSocket, so the browser's
// own cap applies on top of the Limiter's (a socket the browser refuses
// fails as any browser failure does, without ErrTooManySockets: the
// browser does not say why).
//
// Upgrade, with its Limiter full, refuses the handshake with 503 Service
// Unavailable, "Retry-After: 5" and "Connection: close", and returns an
// error wrapping ErrTooManySockets. Slots free as sockets close, which on
// a busy server happens all the time, so a few seconds are enough for one
// to free, while a client that honours the header does not retry in a
// tight loop against a server at its cap. (Browsers ignore Retry-After on
// a failed WebSocket handshake; it is for other clients and for proxies.)
// The slot is taken before the handshake and given back if it fails.
//
// Create one with NewLimiter: the zero Limiter allows no socket at all.
type Limiter struct {
	max   int64
	inUse atomic.Int64
}

// NewLimiter returns a Limiter that allows max sockets at once. A max of 0
// or less refuses every socket (a server that is draining, say).
func NewLimiter(max int) *Limiter { return &Limiter{max: int64(max)} }

// InUse returns the number of slots taken: sockets started and whose close
// event has not yet been dispatched, plus Upgrade handshakes in progress.
func (l *Limiter) InUse() int { return int(l.inUse.Load()) }

// acquire takes a slot, and reports false if none is free.
func (l *Limiter) acquire() bool {
	for {
		n := l.inUse.Load()
		if n >= l.max {
			return false
		}
		if l.inUse.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// fullError returns the error for a socket l refused; what says what was
// refused.
func (l *Limiter) fullError(what string) error {
	return fmt.Errorf("%w: %s: all %d slots of the Limiter are in use", ErrTooManySockets, what, l.max)
}

// takeSlot takes a slot of the socket's Limiter, if it has one, and keeps
// it in ws.slot until releaseSlot; it reports false when the Limiter is full.
func (ws *WebSocket) takeSlot() bool {
	l := ws.opts.Limiter
	if l == nil {
		return true
	}
	if !l.acquire() {
		return false
	}
	ws.slot.Store(l)
	return true
}

// releaseSlot gives the socket's slot back, once; later calls do nothing.
func (ws *WebSocket) releaseSlot() {
	if l := ws.slot.Swap(nil); l != nil {
		l.inUse.Add(-1)
	}
}

// refuse fails a client socket that its Limiter refused, asynchronously,
// as a failed connection: "error", then "close" 1006. No connection is
// started, so Close while CONNECTING has nothing to abort (ws.refused).
func (ws *WebSocket) refuse() {
	ws.refused = true
	ws.d.post(task{kind: taskClose, code: 1006, err: ws.opts.Limiter.fullError("socket not started")})
}

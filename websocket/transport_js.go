//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/jsbridge"
)

// The pace of SendContext's checks of the browser's bufferedAmount while
// no event comes: an eighth of the time waited so far, within these bounds.
const (
	drainCheckMin = time.Millisecond
	drainCheckMax = 16 * time.Millisecond
)

// transport is the browser build's link to the browser's WebSocket. It owns
// the socket's bufferedAmount; it reaches back to the socket only through
// the dispatcher.
//
// Its reader goroutine, started by connect, is the dispatching goroutine of
// the socket, as the goroutine reading the connection is natively: it takes
// the browser's events in batches (jsbridge.WebSocket.Take), dispatches
// them one by one, then parks until the bridge's wake. It ends after the
// close event. A handler that blocks holds the next events back in the
// browser's queue.
type transport struct {
	d        *dispatcher
	js       *jsbridge.WebSocket
	released func() []byte // the socket's releasedData
	kick     chan struct{} // 1-buffered: wakes the reader
	failed   bool          // an error event came before the close event (reader)
	aborted  atomic.Bool   // Close was called while CONNECTING

	// inBrowser is what this socket's sends have left in the browser's
	// bufferedAmount as of the last look; buffered is what BufferedAmount
	// reports; queued is set while a taskBuffered offered by
	// bufferedAmount waits; over once the close event was dispatched.
	inBrowser atomic.Uint64
	buffered  atomic.Uint64
	queued    atomic.Bool
	over      atomic.Bool
	// watched is set by the first BufferedAmount: until then nobody has
	// seen the value, so the dispatcher does not look at the browser's.
	watched atomic.Bool

	// SendContext waiters: drained is closed when the browser's
	// bufferedAmount is seen at zero, or at the close event; nil while
	// nobody waits. waitStart is when it was made.
	mu        sync.Mutex
	drained   chan struct{}
	waitStart time.Time
}

// init links the transport to the socket's dispatcher.
func (t *transport) init(d *dispatcher) { t.d = d }

// errBrowserFailure is the error event's Err in the browser, which by design
// of the standard tells nothing about the cause.
var errBrowserFailure = errors.New("websocket: the browser failed the connection")

// connect creates the browser's WebSocket and starts the reader. Handlers
// run on the reader, never inside a JavaScript callback, so they may block.
// A message or close that arrives after Close was called while CONNECTING
// is handled by the dispatcher's state checks, as in the native build.
func (ws *WebSocket) connect() error {
	t := &ws.t
	t.kick = make(chan struct{}, 1)
	j, err := jsbridge.New(ws.urlStr, ws.opts.Protocols, t.wake)
	if err != nil {
		var ex *jsbridge.Exception
		if errors.As(err, &ex) {
			return &DOMException{Name: ex.Name, Message: ex.Message}
		}
		return err
	}
	t.js = j
	j.SetTryWake(t.tryWake)
	t.released = ws.releasedData
	go t.read()
	return nil
}

// wake is the bridge's wake: it runs inside a JavaScript event handler,
// so it only signals the reader. The browser ran a task, so its
// bufferedAmount may have fallen: SendContext's waiters, if any, check it
// here.
func (t *transport) wake() {
	select {
	case t.kick <- struct{}{}:
	default:
	}
	t.checkDrained()
}

// tryWake is wake where Go may not park (see jsbridge.WebSocket.SetTryWake):
// it signals the reader, unless a SendContext waits for the browser's
// bufferedAmount to drain, whose check may wait for locks; then it leaves
// all to wake.
func (t *transport) tryWake() bool {
	if !t.mu.TryLock() {
		return false
	}
	waiting := t.drained != nil
	t.mu.Unlock()
	if waiting {
		return false
	}
	select {
	case t.kick <- struct{}{}:
	default:
	}
	return true
}

// read is the reader goroutine: it dispatches the browser's events, in
// order, until the close event.
func (t *transport) read() {
	var evs []jsbridge.Event
	for {
		evs = t.js.Take(evs[:0])
		for i, e := range evs {
			evs[i] = jsbridge.Event{} // drop references to delivered data
			switch e.Kind {
			case jsbridge.EventOpen:
				t.d.dispatch(task{kind: taskOpen, protocol: t.js.Protocol(), ext: t.js.Extensions()})
			case jsbridge.EventMessage:
				t.d.dispatch(task{kind: taskMessage, isText: e.IsText, text: e.Text, data: e.Data})
				if r := t.released(); r != nil {
					t.js.Recycle(r) // MessageEvent.Release
				}
			case jsbridge.EventError:
				t.failed = true
			case jsbridge.EventClose:
				c := task{kind: taskClose, code: e.Code, reason: e.Reason, clean: e.WasClean}
				switch {
				case t.aborted.Load():
					// Close while CONNECTING fails the connection, even when
					// the browser had opened it before the Go open task ran.
					c = task{kind: taskClose, code: 1006, err: errClosedWhileConnecting}
				case t.failed:
					c.err = errBrowserFailure
				}
				t.d.dispatch(c)
				return
			}
		}
		<-t.kick
	}
}

// defaultBaseURL is the base for relative URLs without Options.BaseURL:
// the page's URL (the script's in a worker), as the browser uses.
func defaultBaseURL() string { return jsbridge.LocationHref() }

// send hands one message to the browser if its socket is still OPEN (it
// may be CLOSING, having received the server's Close, while the Go state
// is OPEN). bufferedAmount grows now, and falls when a dispatcher task
// sees the browser's own bufferedAmount fall; a message the browser did
// not take only grows it, as grow.
func (t *transport) send(text string, bin []byte, isText bool, n uint64) {
	var sent bool
	if isText {
		sent, _ = t.js.SendTextIfOpen(text)
	} else {
		sent, _ = t.js.SendBytesIfOpen(bin)
	}
	t.buffered.Add(n)
	if sent {
		t.inBrowser.Add(n)
	}
}

// grow counts n bytes sent while not OPEN: the browser's send is a no-op
// then, and bufferedAmount grows all the same.
func (t *transport) grow(n uint64) { t.buffered.Add(n) }

// observeWrites runs on the dispatcher (before each message and close
// event, and for the taskBuffered that bufferedAmount offers):
// bufferedAmount falls by what the browser has sent since the last look,
// so it never falls during a handler. The look is one call into
// JavaScript, which costs as much as a good part of a small message's
// handling (BenchmarkBrowserThroughput), so it is skipped until the
// program first reads BufferedAmount.
func (t *transport) observeWrites() {
	t.queued.Store(false)
	if t.watched.Load() {
		t.look()
	}
}

// look lowers bufferedAmount by what the browser has sent since the last
// look.
func (t *transport) look() {
	before := t.inBrowser.Load()
	if before == 0 {
		return
	}
	if now := t.js.BufferedAmount(); now < before && t.inBrowser.CompareAndSwap(before, now) {
		t.buffered.Add(^(before - now - 1))
	}
}

// readyState is the socket's state: the Go side's, except that while it is
// OPEN a browser that has received the server's Close reports CLOSING: the
// browser fires no event for that step, so its state is read directly.
func (t *transport) readyState(s ReadyState) ReadyState {
	if s == OPEN && t.js != nil && t.js.ReadyState() == int(CLOSING) {
		return CLOSING
	}
	return s
}

// close calls the browser's close.
func (t *transport) close(code int, reason string) { t.js.Close(code, reason) }

// abort calls the browser's close while CONNECTING: the browser then fires
// error and close.
func (t *transport) abort() {
	t.aborted.Store(true)
	t.js.Close(0, "")
}

// bufferedAmount is what BufferedAmount reports: the bytes queued by Send
// and not yet sent by the browser, as of the dispatcher's last look at the
// browser's own bufferedAmount, plus what Send counted after the socket
// left OPEN. The look is taken on demand: while data is in the browser,
// a call offers the dispatcher a taskBuffered, which runs at once on the
// caller's goroutine when no handler runs, or else after the running
// handler (so the value never falls during one).
func (t *transport) bufferedAmount() uint64 {
	if !t.watched.Load() && t.watched.CompareAndSwap(false, true) {
		// The first read: no earlier value can be seen to fall, so the
		// browser's is looked at now, wherever the caller runs (after the
		// close event too: the browser's value stays readable).
		t.look()
	}
	if t.inBrowser.Load() > 0 && !t.over.Load() && t.queued.CompareAndSwap(false, true) {
		t.d.offer(task{kind: taskBuffered})
	}
	return t.buffered.Load()
}

// closed runs with the close event: bufferedAmount no longer falls, and
// SendContext's waiters return.
func (t *transport) closed() {
	t.over.Store(true)
	t.mu.Lock()
	if t.drained != nil {
		close(t.drained)
		t.drained = nil
	}
	t.mu.Unlock()
}

// sendWait is SendContext on an OPEN socket: send, then waitSent.
func (t *transport) sendWait(ctx context.Context, text string, bin []byte, isText bool, n uint64) error {
	t.send(text, bin, isText, n)
	return t.waitSent(ctx)
}

// waitSent waits until the browser's bufferedAmount is zero. The browser
// has no event for a drained send buffer, so while someone waits it is
// checked each time the browser wakes the socket (an event, or a batch of
// messages), and by timers: the first in the browser's next task (where
// the browser usually has lowered it already), the following ones an
// eighth of the time waited so far apart, at least drainCheckMin and at
// most drainCheckMax. Waiting thus adds at most an eighth of the drain
// time (or drainCheckMax) to it, in about thirty checks for a drain of
// 100 ms where a 1 ms poll made a hundred, and nothing runs while nobody
// waits.
func (t *transport) waitSent(ctx context.Context) error {
	for {
		ch, err := t.watch()
		if ch == nil {
			return err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// watch returns nil and the result when waitSent is done: nil when the
// browser's bufferedAmount is zero, ErrNotOpen after the close event.
// Otherwise it returns the channel to wait on, starting the checks.
func (t *transport) watch() (<-chan struct{}, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.js.BufferedAmount() == 0 {
		return nil, nil
	}
	if t.over.Load() {
		return nil, ErrNotOpen
	}
	if t.drained == nil {
		t.drained = make(chan struct{})
		t.waitStart = time.Now()
		t.js.WakeAfter(0)
	}
	return t.drained, nil
}

// checkDrained releases SendContext's waiters if the browser's
// bufferedAmount is zero, and otherwise schedules the next check. It runs
// in wake, inside a JavaScript event handler.
func (t *transport) checkDrained() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.drained == nil {
		return
	}
	if t.js.BufferedAmount() == 0 {
		close(t.drained)
		t.drained = nil
		return
	}
	t.js.WakeAfter(min(max(time.Since(t.waitStart)/8, drainCheckMin), drainCheckMax))
}

//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/w3ws/w3ws/jsbridge"
)

// sampleInterval is how often bufferedAmount is compared with the
// browser's while sent data is still buffered there.
const sampleInterval = 2 * time.Millisecond

// transport is the browser build's link to the browser's WebSocket. It owns
// the socket's bufferedAmount; it reaches back to the socket only through
// the dispatcher, by posting tasks.
type transport struct {
	d       *dispatcher
	js      *jsbridge.WebSocket
	failed  bool // an error event came before the close event (callback side)
	aborted bool // Close was called while CONNECTING
	// inBrowser is what this socket's sends have left in the browser's
	// bufferedAmount as of the last sample; sampling is set while a sample
	// is scheduled.
	inBrowser atomic.Uint64
	sampling  atomic.Bool
	// buffered is what BufferedAmount reports; over is set once the close
	// event was dispatched.
	buffered atomic.Uint64
	over     atomic.Bool
}

// init links the transport to the socket's dispatcher.
func (t *transport) init(d *dispatcher) { t.d = d }

// errBrowserFailure is the error event's Err in the browser, which by design
// of the standard tells nothing about the cause.
var errBrowserFailure = errors.New("websocket: the browser failed the connection")

// connect creates the browser's WebSocket. Its callbacks only post tasks and
// return: handlers run on the Go dispatcher, where they may block. A message
// or close that arrives after Close was called while CONNECTING is handled
// by the dispatcher's state checks, as in the native build.
func (ws *WebSocket) connect() error {
	j, err := jsbridge.New(ws.urlStr, ws.opts.Protocols, func(e jsbridge.Event) {
		switch e.Kind {
		case jsbridge.EventOpen:
			ws.d.post(task{kind: taskOpen, protocol: ws.t.js.Protocol(), ext: ws.t.js.Extensions()})
		case jsbridge.EventMessage:
			ws.d.post(task{kind: taskMessage, isText: e.IsText, text: e.Text, data: e.Data})
		case jsbridge.EventError:
			ws.t.failed = true
		case jsbridge.EventClose:
			t := task{kind: taskClose, code: e.Code, reason: e.Reason, clean: e.WasClean}
			switch {
			case ws.t.aborted:
				// Close while CONNECTING fails the connection, even when the
				// browser had opened it before the Go open task ran.
				t = task{kind: taskClose, code: 1006, err: errClosedWhileConnecting}
			case ws.t.failed:
				t.err = errBrowserFailure
			}
			ws.d.post(t)
		}
	})
	if err != nil {
		var ex *jsbridge.Exception
		if errors.As(err, &ex) {
			return &DOMException{Name: ex.Name, Message: ex.Message}
		}
		return err
	}
	ws.t.js = j
	return nil
}

// defaultBaseURL is the base for relative URLs without Options.BaseURL:
// the page's URL (the script's in a worker), as the browser uses.
func defaultBaseURL() string { return jsbridge.LocationHref() }

// send hands one message to the browser. bufferedAmount grows now and
// falls when a dispatcher task sees the browser's own bufferedAmount fall.
func (t *transport) send(text string, bin []byte, isText bool, n uint64) {
	t.buffered.Add(n)
	t.inBrowser.Add(n)
	if isText {
		t.js.SendText(text)
	} else {
		t.js.SendBytes(bin)
	}
	t.scheduleSample()
}

// grow counts n bytes sent while not OPEN: the browser's send is a no-op
// then, and bufferedAmount grows all the same.
func (t *transport) grow(n uint64) { t.buffered.Add(n) }

// scheduleSample posts a taskBuffered after sampleInterval unless one is
// scheduled already.
func (t *transport) scheduleSample() {
	if t.sampling.CompareAndSwap(false, true) {
		time.AfterFunc(sampleInterval, func() {
			t.sampling.Store(false)
			t.d.post(task{kind: taskBuffered})
		})
	}
}

// observeWrites runs on the dispatcher (before each message and close
// event, and on the sampling timer): bufferedAmount falls by what the
// browser has sent since the last look, so it never falls during a
// handler, and sampling goes on while data remains buffered.
func (t *transport) observeWrites() {
	before := t.inBrowser.Load()
	if before == 0 {
		return
	}
	if now := t.js.BufferedAmount(); now < before && t.inBrowser.CompareAndSwap(before, now) {
		t.buffered.Add(^(before - now - 1))
	}
	if t.inBrowser.Load() > 0 && !t.over.Load() {
		t.scheduleSample()
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
	t.aborted = true
	t.js.Close(0, "")
}

// bufferedAmount is what BufferedAmount reports: the bytes queued by Send
// and not yet sent by the browser, as of the dispatcher's last look at the
// browser's own bufferedAmount, plus what Send counted after the socket
// left OPEN.
func (t *transport) bufferedAmount() uint64 { return t.buffered.Load() }

// closed runs with the close event.
func (t *transport) closed() { t.over.Store(true) }

// sendWait is SendContext on an OPEN socket: send, then waitSent.
func (t *transport) sendWait(ctx context.Context, text string, bin []byte, isText bool, n uint64) error {
	t.send(text, bin, isText, n)
	return t.waitSent(ctx)
}

// waitSent polls the browser's bufferedAmount until it is zero: the browser
// has no event for a drained send buffer.
func (t *transport) waitSent(ctx context.Context) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for t.js.BufferedAmount() > 0 {
		if t.over.Load() {
			return ErrNotOpen
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

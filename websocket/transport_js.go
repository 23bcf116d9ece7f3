//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"time"

	"github.com/w3ws/w3ws/jsbridge"
)

// transport is the browser build's link to the browser's WebSocket.
type transport struct {
	js       *jsbridge.WebSocket
	failed   bool // an error event came before the close event (callback side)
	openedOK bool // taskOpen moved the socket to OPEN (dispatcher only)
}

// errBrowserFailure is the error event's Err in the browser, which by design
// of the standard tells nothing about the cause.
var errBrowserFailure = errors.New("websocket: the browser failed the connection")

// connect creates the browser's WebSocket. Its callbacks only post tasks and
// return: handlers run on the Go dispatcher, where they may block. A message
// or close that arrives after Close was called while CONNECTING is handled
// by the dispatcher's state checks, as in the native build.
func (ws *WebSocket) connect() error {
	j, err := jsbridge.New(ws.urlStr, ws.opts.Protocols, func(kind int, isText bool, text string, data []byte, code int, reason string, wasClean bool) {
		switch kind {
		case jsbridge.EventOpen:
			ws.d.post(task{kind: taskOpen, protocol: ws.t.js.Protocol(), ext: ws.t.js.Extensions()})
		case jsbridge.EventMessage:
			ws.d.post(task{kind: taskMessage, isText: isText, text: text, data: data})
		case jsbridge.EventError:
			ws.t.failed = true
		case jsbridge.EventClose:
			t := task{kind: taskClose, code: code, reason: reason, clean: wasClean}
			if ws.t.failed {
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

// markOpenedOK records, on the dispatcher, that the socket opened.
func (t *transport) markOpenedOK() { t.openedOK = true }

// send hands one message to the browser, which accounts for it in its own
// bufferedAmount.
func (t *transport) send(ws *WebSocket, text string, bin []byte, isText bool, n uint64) {
	if isText {
		t.js.SendText(text)
		return
	}
	t.js.SendBytes(bin)
}

// close calls the browser's close.
func (t *transport) close(code int, reason string) { t.js.Close(code, reason) }

// abort calls the browser's close while CONNECTING: the browser then fires
// error and close.
func (t *transport) abort() { t.js.Close(0, "") }

// BufferedAmount returns the browser's bufferedAmount plus what Send
// counted itself after the socket left OPEN.
func (ws *WebSocket) BufferedAmount() uint64 {
	n := ws.bufferedAmount.Load()
	if ws.t.js != nil {
		n += ws.t.js.BufferedAmount()
	}
	return n
}

// waitSent polls the browser's bufferedAmount until it is zero: the browser
// has no event for a drained send buffer.
func (t *transport) waitSent(ctx context.Context, ws *WebSocket) error {
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for t.js.BufferedAmount() > 0 {
		if s := ws.ReadyState(); s == CLOSED {
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

//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"
)

// emulatedStream runs a WebSocketStream over this package's WebSocket, for
// browsers without WebSocketStream: messages are queued as the browser
// delivers them and Read takes them in order; Write is SendContext, which
// returns once the browser's bufferedAmount says the message left. The
// browser's WebSocket cannot be told to stop reading, so back-pressure on
// receiving is approximate: a program that stops calling Read lets
// messages pile up in its memory, as a page's onmessage queue would.
type emulatedStream struct {
	mu          sync.Mutex
	ws          *WebSocket
	opened      bool
	ended       bool
	closeCalled bool
	aborted     bool
	stopAbort   func() bool  // unregisters the abort hook from NewStream's context
	queue       messageQueue // received, not yet read; no budget: the browser reads on regardless
}

// connectEmulated opens the browser's WebSocket with handlers that feed
// the stream s. ctx ending before the stream opened closes it. It returns
// nil when the socket could not be created (s is then closed).
func connectEmulated(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) streamImpl {
	t := &emulatedStream{}
	t.queue.init(0)
	o.OnOpen = func(e Event) {
		t.mu.Lock()
		t.opened = true
		stop := t.stopAbort
		t.mu.Unlock()
		if stop != nil {
			stop() // the context aborts the handshake only
		}
		ws := e.Target()
		s.settleOpen(s.halves(ws.Protocol(), ws.Extensions()), nil)
	}
	o.OnMessage = func(e *MessageEvent) {
		m := streamMessage{}
		switch d := e.Data.(type) {
		case string:
			m.text, m.isText = d, true
		case ArrayBuffer:
			m.data = d
		case *Blob:
			m.data = d.data // the BinaryType asked for is arraybuffer; a Blob is never lost
		}
		t.queue.push(m)
	}
	o.OnClose = func(e *CloseEvent) {
		t.mu.Lock()
		var err error
		switch {
		case t.aborted:
			err = abortError(ctx)
		case !t.opened && t.closeCalled:
			err = &WebSocketError{CloseCode: 1006,
				Message: "the WebSocketStream was closed before the connection was established"}
		case !t.opened:
			err = &WebSocketError{CloseCode: 1006, Message: "the opening handshake failed"}
		case !e.WasClean:
			err = &WebSocketError{CloseCode: e.Code, Reason: e.Reason,
				Message: "the connection ended without a closing handshake"}
		}
		t.ended = true
		t.mu.Unlock()
		if err == nil {
			t.queue.end(io.EOF)
		} else {
			t.queue.end(err)
		}
		info := CloseInfo{CloseCode: e.Code, Reason: e.Reason}
		if err != nil {
			info = CloseInfo{} // as natively: an unclean end has no close info
		}
		s.settleClosed(info, err)
	}
	ws, err := NewWithOptions(u.String(), &o)
	if err != nil {
		// u and o.Protocols were checked: this cannot happen.
		s.settleClosed(CloseInfo{}, &WebSocketError{CloseCode: 1006, Message: "the WebSocket could not be created", Err: err})
		return nil
	}
	t.mu.Lock()
	t.ws = ws
	t.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		abort := !t.opened && !t.ended
		if abort {
			t.aborted = true
		}
		t.mu.Unlock()
		if abort {
			ws.Close(0, "")
		}
	})
	t.mu.Lock()
	t.stopAbort = stop
	t.mu.Unlock()
	return t
}

// read waits for the next message.
func (t *emulatedStream) read(ctx context.Context) (string, []byte, bool, error) {
	m, err := t.queue.pop(ctx)
	return m.text, m.data, m.isText, err
}

// write sends one message and waits until the browser sent it.
func (t *emulatedStream) write(ctx context.Context, text string, bin []byte, isText bool) error {
	t.mu.Lock()
	ws, opened := t.ws, t.opened
	t.mu.Unlock()
	if ws == nil || !opened {
		return errStreamClosed
	}
	var data any = ArrayBuffer(bin)
	if isText {
		data = text
	}
	err := ws.SendContext(ctx, data)
	if err == nil {
		return nil
	}
	if errors.Is(err, ErrNotOpen) {
		if ended, readErr := t.queue.result(); ended && readErr != io.EOF {
			return readErr
		}
		return errStreamClosed
	}
	return fmt.Errorf("websocket: Write: %w", err)
}

// close abandons the opening handshake or starts the closing one.
func (t *emulatedStream) close(code int, reason string) {
	t.mu.Lock()
	if t.closeCalled {
		t.mu.Unlock()
		return
	}
	t.closeCalled = true
	ws := t.ws
	t.mu.Unlock()
	if ws != nil {
		ws.Close(code, reason)
	}
}

// stopReading discards what is queued and what still arrives.
func (t *emulatedStream) stopReading() { t.queue.discard() }

// remoteURL is the socket's url attribute.
func (t *emulatedStream) remoteURL() string {
	t.mu.Lock()
	ws := t.ws
	t.mu.Unlock()
	if ws == nil {
		return ""
	}
	return ws.URL()
}

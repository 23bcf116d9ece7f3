//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// streamTransport runs a WebSocketStream in the browser over this
// package's WebSocket, which drives the browser's WebSocket: messages are
// queued as the browser delivers them and Read takes them in order; Write
// is SendContext, which returns once the browser's bufferedAmount says the
// message left. The browser's WebSocket cannot be told to stop reading, so
// back-pressure on receiving is approximate: a program that stops calling
// Read lets messages pile up in its memory, as a page's onmessage queue
// would.
type streamTransport struct {
	mu          sync.Mutex
	ws          *WebSocket
	opened      bool
	ended       bool
	closeCalled bool
	aborted     bool
	queue       messageQueue // received, not yet read; no budget: the browser reads on regardless
}

// connect opens the browser's WebSocket with handlers that feed the
// stream. ctx ending before the stream opened closes it.
func (t *streamTransport) connect(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) {
	t.queue.init(0)
	o.OnOpen = func(e Event) {
		t.mu.Lock()
		t.opened = true
		t.mu.Unlock()
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
		s.settleClosed(CloseInfo{CloseCode: e.Code, Reason: e.Reason}, err)
	}
	ws, err := NewWithOptions(u.String(), &o)
	if err != nil {
		// u and o.Protocols were checked: this cannot happen.
		s.settleClosed(CloseInfo{}, &WebSocketError{CloseCode: 1006, Message: "the WebSocket could not be created", Err: err})
		return
	}
	t.mu.Lock()
	t.ws = ws
	t.mu.Unlock()
	context.AfterFunc(ctx, func() {
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
}

// upgradeStream is UpgradeStream in the browser build: a page cannot
// accept connections.
func upgradeStream(w http.ResponseWriter, _ *http.Request, _ Options) (*WebSocketStream, error) {
	http.Error(w, "WebSocket server not available in the browser build", http.StatusNotImplemented)
	return nil, fmt.Errorf("websocket: UpgradeStream: a browser cannot accept connections: %w", errors.ErrUnsupported)
}

// read waits for the next message.
func (t *streamTransport) read(ctx context.Context) (string, []byte, bool, error) {
	if t.queue.avail == nil {
		// Never started: the stream was aborted before it was created.
		return "", nil, false, errStreamClosed
	}
	m, err := t.queue.pop(ctx)
	return m.text, m.data, m.isText, err
}

// write sends one message and waits until the browser sent it.
func (t *streamTransport) write(ctx context.Context, text string, bin []byte, isText bool) error {
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
func (t *streamTransport) close(_ *WebSocketStream, code int, reason string) {
	t.mu.Lock()
	if t.closeCalled {
		t.mu.Unlock()
		return
	}
	t.closeCalled = true
	ws := t.ws
	t.mu.Unlock()
	if code != 0 && code != 1000 && (code < 3000 || code > 4999) {
		code = 1000 // a code the browser's WebSocket does not let a page send
	}
	if ws != nil {
		ws.Close(code, reason)
	}
}

// stopReading discards what is queued and what still arrives.
func (t *streamTransport) stopReading() { t.queue.discard() }

// addrs names both ends by URL: no TCP address is known in the browser.
func (t *streamTransport) addrs() (local, remote net.Addr) {
	t.mu.Lock()
	ws := t.ws
	t.mu.Unlock()
	if ws == nil {
		return websocketAddr("browser"), websocketAddr("")
	}
	return websocketAddr("browser"), websocketAddr(ws.URL())
}

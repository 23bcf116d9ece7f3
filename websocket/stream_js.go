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
	queue       []streamMessage // received, not yet read
	changed     chan struct{}   // closed and replaced when queue or ended changes
	ended       bool
	readErr     error // io.EOF after a clean close, else the error Closed reports
	opened      bool
	closeCalled bool
	aborted     bool
	drain       bool // nobody will read again: discard
}

// connect opens the browser's WebSocket with handlers that feed the
// stream. ctx ending before the stream opened closes it.
func (t *streamTransport) connect(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) {
	t.changed = make(chan struct{})
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
		t.mu.Lock()
		if !t.drain {
			t.queue = append(t.queue, m)
			t.notifyLocked()
		}
		t.mu.Unlock()
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
		t.readErr = err
		if err == nil {
			t.readErr = io.EOF
		}
		t.notifyLocked()
		t.mu.Unlock()
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

// notifyLocked wakes the readers waiting for a change.
func (t *streamTransport) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// upgradeStream is UpgradeStream in the browser build: a page cannot
// accept connections.
func upgradeStream(w http.ResponseWriter, _ *http.Request, _ Options) (*WebSocketStream, error) {
	http.Error(w, "WebSocket server not available in the browser build", http.StatusNotImplemented)
	return nil, fmt.Errorf("websocket: UpgradeStream: a browser cannot accept connections: %w", errors.ErrUnsupported)
}

// read waits for the next message.
func (t *streamTransport) read(ctx context.Context) (string, []byte, bool, error) {
	for {
		t.mu.Lock()
		if t.changed == nil {
			t.mu.Unlock()
			return "", nil, false, fmt.Errorf("websocket: the WebSocketStream is not open: %w", net.ErrClosed)
		}
		if len(t.queue) > 0 {
			m := t.queue[0]
			t.queue[0] = streamMessage{}
			t.queue = t.queue[1:]
			t.mu.Unlock()
			return m.text, m.data, m.isText, nil
		}
		if t.ended {
			err := t.readErr
			t.mu.Unlock()
			return "", nil, false, err
		}
		changed := t.changed
		t.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return "", nil, false, fmt.Errorf("websocket: Read: %w", ctx.Err())
		}
	}
}

// write sends one message and waits until the browser sent it.
func (t *streamTransport) write(ctx context.Context, text string, bin []byte, isText bool) error {
	t.mu.Lock()
	ws, opened := t.ws, t.opened
	t.mu.Unlock()
	if ws == nil || !opened {
		return fmt.Errorf("websocket: the WebSocketStream is not open: %w", net.ErrClosed)
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
		t.mu.Lock()
		ended, readErr := t.ended, t.readErr
		t.mu.Unlock()
		if ended && readErr != io.EOF {
			return readErr
		}
		return fmt.Errorf("websocket: Write: %w", net.ErrClosed)
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
	if ws != nil {
		ws.Close(code, reason)
	}
}

// stopReading discards what is queued and what still arrives.
func (t *streamTransport) stopReading() {
	t.mu.Lock()
	t.drain = true
	t.queue = nil
	t.mu.Unlock()
}

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

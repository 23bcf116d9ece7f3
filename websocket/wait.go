package websocket

import (
	"context"
	"errors"
)

// ErrNotOpen is returned by WaitOpen when the socket closed before opening
// and no more specific error is known, and by SendContext when the socket is
// not OPEN.
var ErrNotOpen = errors.New("websocket: socket is not open")

// WaitOpen blocks until the socket has opened (nil, also when it has closed
// since), or failed or closed without opening (the error that failed it,
// natively, else ErrNotOpen), or ctx is done. It is the Go way to await the
// "open" event without a handler, and it returns only after the open
// handlers have run. It must not be called from a handler of the same
// socket: the dispatcher would wait for itself until ctx ends.
func (ws *WebSocket) WaitOpen(ctx context.Context) error {
	select {
	case <-ws.opened:
	case <-ctx.Done():
		return ctx.Err()
	}
	if ws.didOpen.Load() {
		return nil
	}
	if ev := ws.closeEv.Load(); ev != nil {
		if p := ws.failure.Load(); p != nil {
			return *p
		}
		return ErrNotOpen
	}
	return nil
}

// WaitClosed blocks until the "close" event has been dispatched and returns
// it, or until ctx is done. Like WaitOpen, it must not be called from a
// handler of the same socket.
func (ws *WebSocket) WaitClosed(ctx context.Context) (*CloseEvent, error) {
	select {
	case <-ws.closed:
		return ws.closeEv.Load(), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// SendContext sends data like Send and then waits until it has been written
// to the connection, so a fast producer on a slow link holds no more than
// one message in memory. It returns ErrInvalidState while CONNECTING,
// ErrNotOpen when the socket is CLOSING or CLOSED (nothing is sent) or closes
// or fails to write before the data is written, and ctx.Err() if ctx ends
// first (the message stays queued). The browser build waits for the
// browser's bufferedAmount to drain to zero.
//
// Natively, with a context that cannot end (context.Background()), the
// message is written by the calling goroutine itself when no other write
// is in flight: no copy into a queue, no goroutine hand-off. Called from a
// message handler, as an echo server does, this also pauses the reading of
// the connection while the peer is slow to read, so TCP pushes back on it.
func (ws *WebSocket) SendContext(ctx context.Context, data any) error {
	text, bin, isText, n, err := sendArgs(data)
	if err != nil {
		return err
	}
	switch ws.ReadyState() {
	case CONNECTING:
		return domException(ErrInvalidState, "Still in CONNECTING state.")
	case CLOSING, CLOSED:
		return ErrNotOpen
	}
	return ws.t.sendWait(ctx, text, bin, isText, n)
}

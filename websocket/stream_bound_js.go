//go:build js && wasm

package websocket

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sync"

	"github.com/w3ws/w3ws/jsbridge"
)

// boundStream runs a WebSocketStream on the browser's own WebSocketStream,
// through jsbridge.Stream: the browser does the back-pressure both ways.
// Read is reader.read() and Write is writer.write(), each awaited through
// a channel the bridge fills when the promise settles (one call into Go).
// A Read whose context ends leaves its read() pending for the next Read,
// so that no message is lost; a Write whose context ends leaves its
// message queued in the browser.
//
// Once Close was called (or NetConn stopped reading), a goroutine reads on
// into a queue until the readable ends: Chromium drops the messages its
// readable has not pulled when the closing handshake completes, where
// Close promises that messages received can still be read.
type boundStream struct {
	js  *jsbridge.Stream
	url string

	mu          sync.Mutex
	opened      bool  // the opened promise fulfilled
	ended       bool  // the closed promise settled
	closeCalled bool  // close ran
	aborted     bool  // the NewStream context ended before open: abort() was called
	abortErr    error // abortError of that context
	// closeLater: close came after abort() while the opened promise was
	// pending; if the stream opened all the same, it is closed then, with
	// closeCode and closeReason.
	closeLater  bool
	closeCode   int
	closeReason string

	turn    chan struct{}              // 1-buffered: held by the reader that owns pending
	pending <-chan jsbridge.ReadResult // a read() a Read stopped waiting for, or nil

	readingOn chan struct{} // closed when readOn starts: Read takes from rest
	readOnce  sync.Once     // starts readOn
	rest      messageQueue  // what readOn read, then how reading ended
}

// connectBound creates the browser's WebSocketStream for s. ctx ending
// before the stream opened aborts it. It returns nil when the browser
// refused to create it (s is then closed).
func connectBound(ctx context.Context, s *WebSocketStream, u *url.URL, o Options) streamImpl {
	js, err := jsbridge.NewStream(u.String(), o.Protocols)
	if err != nil {
		// u and o.Protocols were checked: this cannot happen.
		s.settleClosed(CloseInfo{}, &WebSocketError{CloseCode: 1006, Message: "the WebSocketStream could not be created", Err: err})
		return nil
	}
	b := &boundStream{js: js, url: u.String(), turn: make(chan struct{}, 1), readingOn: make(chan struct{})}
	b.rest.init(0)
	stop := context.AfterFunc(ctx, func() { b.abort(ctx) })
	go b.settle(s, stop)
	return b
}

// abort calls the AbortController's abort() unless the stream opened,
// ended or is being closed (Chromium may hang in a close() after abort()).
func (b *boundStream) abort(ctx context.Context) {
	b.mu.Lock()
	abort := !b.opened && !b.ended && !b.closeCalled
	if abort {
		b.aborted, b.abortErr = true, abortError(ctx)
	}
	b.mu.Unlock()
	if abort {
		b.js.Abort()
	}
}

// settle waits for the browser's opened and closed promises and settles
// s's.
func (b *boundStream) settle(s *WebSocketStream, stop func() bool) {
	r := <-b.js.Opened()
	if r.Err != nil {
		s.settleOpen(nil, b.error("Opened", r.Err))
	} else {
		stop()
		b.mu.Lock()
		b.opened = true
		closeLater, code, reason := b.closeLater, b.closeCode, b.closeReason
		b.mu.Unlock()
		if closeLater {
			b.js.Close(code, reason)
			b.startReadingOn()
		}
		s.settleOpen(s.halves(r.Protocol, r.Extensions), nil)
	}
	c := <-b.js.Closed()
	stop()
	b.mu.Lock()
	b.ended = true
	b.mu.Unlock()
	if c.Err != nil {
		s.settleClosed(CloseInfo{}, b.error("Closed", c.Err))
		return
	}
	s.settleClosed(CloseInfo{CloseCode: c.Code, Reason: c.Reason}, nil)
}

// error converts the rejection of op's promise: a WebSocketError gives a
// *WebSocketError, the AbortError of abort() the error of an aborted
// NewStream, anything else the *jsbridge.Exception, wrapped.
func (b *boundStream) error(op string, err error) error {
	var we *jsbridge.WebSocketError
	var ex *jsbridge.Exception
	switch {
	case errors.As(err, &we):
		return &WebSocketError{CloseCode: we.CloseCode, Reason: we.Reason, Message: we.Message}
	case errors.As(err, &ex) && ex.Name == "AbortError":
		b.mu.Lock()
		aerr := b.abortErr
		b.mu.Unlock()
		if aerr != nil {
			return aerr
		}
		return fmt.Errorf("%w: %w", errStreamAborted, err)
	}
	return fmt.Errorf("websocket: %s: %w", op, err)
}

// read returns the next message: from the browser's reader, or once
// readOn started from what it read.
func (b *boundStream) read(ctx context.Context) (string, []byte, bool, error) {
	select {
	case <-b.readingOn:
	case b.turn <- struct{}{}:
		select {
		case <-b.readingOn:
			<-b.turn
		default:
			defer func() { <-b.turn }()
			return b.readJS(ctx)
		}
	case <-ctx.Done():
		return "", nil, false, fmt.Errorf("websocket: Read: %w", ctx.Err())
	}
	m, err := b.rest.pop(ctx)
	return m.text, m.data, m.isText, err
}

// readJS returns the result of the read() an earlier call left pending,
// or of a new one. The caller holds the turn.
func (b *boundStream) readJS(ctx context.Context) (string, []byte, bool, error) {
	ch := b.pending
	b.pending = nil
	if ch == nil {
		if err := ctx.Err(); err != nil {
			return "", nil, false, fmt.Errorf("websocket: Read: %w", err)
		}
		ch = b.js.Read()
	}
	var r jsbridge.ReadResult
	select {
	case r = <-ch:
	default:
		select {
		case r = <-ch:
		case <-ctx.Done():
			b.pending = ch
			return "", nil, false, fmt.Errorf("websocket: Read: %w", ctx.Err())
		}
	}
	switch {
	case r.Err != nil:
		return "", nil, false, b.error("Read", r.Err)
	case r.Done:
		return "", nil, false, io.EOF
	}
	return r.Text, r.Data, r.IsText, nil
}

// startReadingOn starts readOn, once.
func (b *boundStream) startReadingOn() {
	b.readOnce.Do(func() {
		close(b.readingOn)
		go b.readOn()
	})
}

// readOn reads the browser's reader into rest until it ends. It waits for
// the turn, so that a Read already waiting on the reader gets its message
// first.
func (b *boundStream) readOn() {
	b.turn <- struct{}{}
	defer func() { <-b.turn }()
	for {
		text, data, isText, err := b.readJS(context.Background())
		if err != nil {
			b.rest.end(err)
			return
		}
		b.rest.push(streamMessage{text: text, data: data, isText: isText})
	}
}

// write calls writer.write() and waits for its promise. An
// InvalidStateError (the stream is closing or closed) is errStreamClosed.
// Once close was called and until the closed promise settles it returns
// errStreamClosed without calling the browser: Chromium's writer resolves
// a write then without sending it, and its renderer sometimes crashes.
func (b *boundStream) write(ctx context.Context, text string, bin []byte, isText bool) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("websocket: Write: %w", err)
	}
	b.mu.Lock()
	closing := b.closeCalled && !b.ended
	b.mu.Unlock()
	if closing {
		return errStreamClosed
	}
	var ch <-chan error
	if isText {
		ch = b.js.WriteText(text)
	} else {
		ch = b.js.WriteBytes(bin)
	}
	var err error
	select {
	case err = <-ch:
	case <-ctx.Done():
		return fmt.Errorf("websocket: Write: %w", ctx.Err())
	}
	var ex *jsbridge.Exception
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ex) && ex.Name == "InvalidStateError":
		return errStreamClosed
	}
	return b.error("Write", err)
}

// close calls the browser's close(), the first time, unless the stream
// ended, and starts reading on. After abort() it waits for the opened
// promise: Chromium may hang in a close() on an aborted stream.
func (b *boundStream) close(code int, reason string) {
	b.mu.Lock()
	if b.closeCalled || b.ended {
		b.mu.Unlock()
		return
	}
	b.closeCalled = true
	if b.aborted && !b.opened {
		b.closeLater, b.closeCode, b.closeReason = true, code, reason
		b.mu.Unlock()
		return
	}
	opened := b.opened
	b.mu.Unlock()
	b.js.Close(code, reason)
	if opened {
		b.startReadingOn()
	}
}

// stopReading drops what was read and not taken, and what is still read:
// reading goes on until the end, so that a closing handshake completes.
func (b *boundStream) stopReading() {
	b.rest.discard()
	b.startReadingOn()
}

// remoteURL is the stream's URL.
func (b *boundStream) remoteURL() string { return b.url }

package parity

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/w3ws/w3ws/websocket"
)

// The WebSocketStream scenarios log, in the order the body awaits them:
//
//	stream new -> ok url=ws://...        stream new -> SyntaxError
//	opened protocol="" extensions=""     opened -> WebSocketError closeCode=1006 reason=""
//	write(text "hi") -> ok               read text "hi"     read binary 3 010203     read done
//	close({closeCode:4001,reason:"bye"}) -> ok                close({closeCode:1001}) -> InvalidAccessError
//	closed closeCode=4001 reason="bye"   closed -> WebSocketError closeCode=1006 reason=""
//
// An aborted opening handshake is "AbortError", as the AbortSignal's reason.

// stream creates a WebSocketStream as new WebSocketStream(u, {protocols,
// signal}) and logs the outcome; ctx is the signal. It returns nil when the
// constructor threw.
func (t *T) stream(ctx context.Context, u, id string, protocols ...string) *websocket.WebSocketStream {
	s, err := websocket.NewStream(ctx, u, &websocket.StreamOptions{Protocols: protocols})
	if err != nil {
		t.logf("stream new -> %s", streamErrName(err))
		return nil
	}
	t.mu.Lock()
	if id != "" {
		t.ids = append(t.ids, id)
	}
	t.streams = append(t.streams, s)
	t.mu.Unlock()
	t.logf("stream new -> ok url=%s", s.URL())
	return s
}

// opened awaits s.opened and logs it.
func (t *T) opened(s *websocket.WebSocketStream) *websocket.StreamConnection {
	if s == nil {
		return nil
	}
	var c *websocket.StreamConnection
	var err error
	t.await(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		c, err = s.Opened(ctx)
	})
	if err != nil {
		t.logf("opened -> %s", streamErrName(err))
		return nil
	}
	t.logf("opened protocol=%s extensions=%s", quote(c.Protocol), quote(c.Extensions))
	return c
}

// closedStream awaits s.closed and logs it.
func (t *T) closedStream(s *websocket.WebSocketStream) {
	if s == nil {
		return
	}
	var info websocket.CloseInfo
	var err error
	t.await(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		info, err = s.Closed(ctx)
	})
	if err != nil {
		t.logf("closed -> %s", streamErrName(err))
		return
	}
	t.logf("closed closeCode=%d reason=%s", info.CloseCode, quote(info.Reason))
}

// write awaits writer.write(data) and logs it.
func (t *T) write(c *websocket.StreamConnection, data any) {
	if c == nil {
		return
	}
	var err error
	t.await(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		err = c.Writable.Write(ctx, data)
	})
	if err != nil {
		t.logf("write(%s) -> %s", sendDesc(data), streamErrName(err))
		return
	}
	t.logf("write(%s) -> ok", sendDesc(data))
}

// read awaits reader.read() and logs what it gave.
func (t *T) read(c *websocket.StreamConnection) {
	if c == nil {
		return
	}
	var v any
	var err error
	t.await(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		v, err = c.Readable.Read(ctx)
	})
	switch d := v.(type) {
	case nil:
		if errors.Is(err, io.EOF) {
			t.logf("read done")
			return
		}
		t.logf("read -> %s", streamErrName(err))
	case string:
		t.logf("read text %s", quote(d))
	case []byte:
		t.logf("read binary %s", bytesDesc(d))
	default:
		t.logf("read unknown %T", v)
	}
}

// closeStream calls s.Close(info) and logs the outcome; args describe the
// argument as the JavaScript harness writes it.
func (t *T) closeStream(s *websocket.WebSocketStream, info websocket.CloseInfo) {
	if s == nil {
		return
	}
	args := ""
	switch {
	case info.CloseCode != 0 && info.Reason != "":
		args = fmt.Sprintf("{closeCode:%d,reason:%s}", info.CloseCode, quote(info.Reason))
	case info.CloseCode != 0:
		args = fmt.Sprintf("{closeCode:%d}", info.CloseCode)
	case info.Reason != "":
		args = fmt.Sprintf("{reason:%s}", quote(info.Reason))
	}
	if err := s.Close(info); err != nil {
		t.logf("close(%s) -> %s", args, streamErrName(err))
		return
	}
	t.logf("close(%s) -> ok", args)
}

// streamErrName names a WebSocketStream error as the JavaScript harness
// does: the DOMException's name, with the close code and reason of a
// WebSocketError, and AbortError for an aborted handshake.
func streamErrName(err error) string {
	var we *websocket.WebSocketError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "FAIL: timed out"
	case errors.As(err, &we):
		code := fmt.Sprint(we.CloseCode)
		if we.CloseCode == 0 {
			code = "null"
		}
		return fmt.Sprintf("WebSocketError closeCode=%s reason=%s", code, quote(we.Reason))
	case errors.Is(err, context.Canceled):
		return "AbortError"
	}
	return errName(err)
}

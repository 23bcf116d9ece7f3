//go:build js && wasm

package jsbridge

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recv returns what ch receives, failing the test after waitTimeout.
func recv[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(waitTimeout):
		t.Fatal("no promise settled within", waitTimeout)
		var zero T
		return zero
	}
}

// newStream creates a WebSocketStream to the scenario route path (with
// its query).
func newStream(t *testing.T, path string, protocols ...string) *Stream {
	t.Helper()
	require.True(t, HasStream(), "Chromium has WebSocketStream")
	s, err := NewStream("ws://"+strings.TrimPrefix(scenarioURL, "http://")+path, protocols)
	require.NoError(t, err)
	return s
}

// slotsOf counts the slots of s still reachable by settleFn.
func slotsOf(s *Stream) int {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	n := 0
	for _, sl := range slots {
		if sl.s == s {
			n++
		}
	}
	return n
}

// requireWebSocketError checks that err is a *WebSocketError with code.
func requireWebSocketError(t *testing.T, err error, code int) {
	t.Helper()
	var we *WebSocketError
	require.True(t, errors.As(err, &we), "%v", err)
	assert.Equal(t, code, we.CloseCode)
	assert.True(t, strings.HasPrefix(we.Error(), "jsbridge: WebSocketError: "), we.Error())
}

// TestStreamRoundTrip: text and binary (empty, small, large) come back
// byte-exact; sequential reads and writes reuse one slot; a clean close
// ends reading with done, and write is then an InvalidStateError; once
// everything settled no slot of the stream is left.
func TestStreamRoundTrip(t *testing.T) {
	s := newStream(t, "/echo", "echo")
	assert.True(t, strings.HasPrefix(s.URL(), "ws://127.0.0.1:"), s.URL())
	r := recv(t, s.Opened())
	require.NoError(t, r.Err)
	assert.Equal(t, OpenResult{Protocol: "echo"}, r)

	for _, text := range []string{"hello, 世界 ✓", "", strings.Repeat("é", 40000)} {
		require.NoError(t, recv(t, s.WriteText(text)))
		assert.Equal(t, ReadResult{IsText: true, Text: text}, recv(t, s.Read()), "the echo of a text of %d bytes", len(text))
	}
	for _, size := range []int{0, 3, 100 << 10} {
		b := make([]byte, size)
		for i := range b {
			b[i] = byte(i*7 + size)
		}
		require.NoError(t, recv(t, s.WriteBytes(b)))
		m := recv(t, s.Read())
		require.NoError(t, m.Err)
		assert.False(t, m.Done || m.IsText)
		assert.NotNil(t, m.Data, "binary data is non-nil even when empty")
		assert.True(t, bytes.Equal(b, m.Data), "the echo of %d bytes is byte-exact", size)
	}
	assert.Equal(t, 2, slotsOf(s), "the closed promise's slot and one reused by every read and write")

	require.NoError(t, s.Close(4000, "bye"))
	assert.Equal(t, CloseResult{Code: 4000, Reason: "bye"}, recv(t, s.Closed()))
	assert.Equal(t, ReadResult{Done: true}, recv(t, s.Read()))
	err := recv(t, s.WriteText("late"))
	var ex *Exception
	require.True(t, errors.As(err, &ex), "%v", err)
	assert.Equal(t, "InvalidStateError", ex.Name)
	assert.Zero(t, slotsOf(s), "no slot outlives the stream")
}

// TestStreamConcurrentWrites: writes pending at once each get a slot of
// their own and settle; the messages come back in order. (Reads are made
// one at a time: Chromium serves only the first of several pending.)
func TestStreamConcurrentWrites(t *testing.T) {
	s := newStream(t, "/echo")
	require.NoError(t, recv(t, s.Opened()).Err)
	writes := []<-chan error{s.WriteText("1"), s.WriteBytes([]byte{2}), s.WriteText("3")}
	assert.Equal(t, 4, slotsOf(s), "the closed promise's slot and one per pending write")
	for _, w := range writes {
		require.NoError(t, recv(t, w))
	}
	assert.Equal(t, ReadResult{IsText: true, Text: "1"}, recv(t, s.Read()))
	assert.Equal(t, ReadResult{Data: []byte{2}}, recv(t, s.Read()))
	assert.Equal(t, ReadResult{IsText: true, Text: "3"}, recv(t, s.Read()))
	require.NoError(t, s.Close(0, ""))
	assert.Equal(t, CloseResult{Code: 1005}, recv(t, s.Closed()))
}

// TestStreamFailures: a failed handshake rejects opened with a
// WebSocketError whose closeCode is null (0) and closed with 1006; a
// dropped connection rejects read with 1006; abort() rejects both promises
// with an AbortError; read and write before open are InvalidStateErrors.
func TestStreamFailures(t *testing.T) {
	t.Run("handshake", func(t *testing.T) {
		s := newStream(t, "/hs?status=404")
		for _, err := range []error{recv(t, s.Read()).Err, recv(t, s.WriteText("x"))} {
			var ex *Exception
			require.True(t, errors.As(err, &ex), "%v", err)
			assert.Equal(t, "InvalidStateError", ex.Name)
		}
		requireWebSocketError(t, recv(t, s.Opened()).Err, 0)
		requireWebSocketError(t, recv(t, s.Closed()).Err, 1006)
		assert.Zero(t, slotsOf(s))
	})
	t.Run("drop", func(t *testing.T) {
		s := newStream(t, "/drop")
		require.NoError(t, recv(t, s.Opened()).Err)
		requireWebSocketError(t, recv(t, s.Read()).Err, 1006)
		requireWebSocketError(t, recv(t, s.Closed()).Err, 1006)
	})
	t.Run("abort", func(t *testing.T) {
		s := newStream(t, "/delay?ms=2000")
		require.NoError(t, s.Abort())
		for _, err := range []error{recv(t, s.Opened()).Err, recv(t, s.Closed()).Err} {
			var ex *Exception
			require.True(t, errors.As(err, &ex), "%v", err)
			assert.Equal(t, "AbortError", ex.Name)
		}
	})
}

// TestStreamException: the constructor's SyntaxError is an *Exception.
func TestStreamException(t *testing.T) {
	s, err := NewStream("ws://127.0.0.1/#frag", nil)
	var ex *Exception
	require.True(t, errors.As(err, &ex), "NewStream: %v", err)
	assert.Equal(t, "SyntaxError", ex.Name)
	assert.Nil(t, s)
}

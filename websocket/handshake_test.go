package websocket_test

// The handshake and framing as the server sees them (DESIGN "Handshake"):
// a fresh 16-byte Sec-WebSocket-Key per connection, version 13, and every
// client frame masked with a fresh key.

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestHandshakeRequest: two connections send two different keys, each 16
// random bytes in base64, with Sec-WebSocket-Version 13.
func TestHandshakeRequest(t *testing.T) {
	var keys []string
	for i := 0; i < 2; i++ {
		u, id := route(t, "/echo")
		r := newRecorder(t)
		r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
		r.dial(u, nil)
		r.wait()
		l := wireLog(t, id)
		assert.Equal(t, "13", l.Header.Get("Sec-WebSocket-Version"))
		require.Len(t, l.Header.Values("Sec-WebSocket-Key"), 1)
		key := l.Header.Get("Sec-WebSocket-Key")
		b, err := base64.StdEncoding.DecodeString(key)
		require.NoError(t, err)
		assert.Len(t, b, 16)
		keys = append(keys, key)
	}
	assert.NotEqual(t, keys[0], keys[1])
}

// TestFramesMaskedWithFreshKeys: identical messages go out as masked
// frames, each with its own masking key.
func TestFramesMaskedWithFreshKeys(t *testing.T) {
	u, id := route(t, "/hs")
	r := newRecorder(t)
	const n = 8
	r.onOpen = func(ws *websocket.WebSocket) {
		for i := 0; i < n; i++ {
			ws.Send("same")
		}
	}
	r.onMessage = closeOnMessages(n)
	r.dial(u, nil)
	r.wait()
	l := wireLog(t, id)
	require.Len(t, l.Frames, n+1, "%q", l.Wire())
	seen := map[string]bool{}
	for _, f := range l.Frames {
		assert.True(t, f.Masked)
		assert.Len(t, f.Key, 8)
		seen[f.Key] = true
	}
	assert.Len(t, seen, n+1, "a masking key was reused")
}

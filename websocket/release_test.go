package websocket_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestReleaseEcho, in both builds: a program that releases each binary
// message's data gets every later message intact, and (natively, and
// through the bridge in the browser) into bytes it released before, while
// the bytes of a message it did not release are never written again.
func TestReleaseEcho(t *testing.T) {
	u, _ := route(t, "/echo")
	sizes := []int{3000, 3000, 2000, 70 << 10, 70 << 10, 1000, 3000}
	keep := 5 // the message whose data is kept, not released
	type got struct{ data, copy []byte }
	msgs := make(chan got, len(sizes))
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnMessage: func(e *websocket.MessageEvent) {
			d := e.Bytes()
			msgs <- got{d, bytes.Clone(d)}
			if len(d) != sizes[keep] {
				e.Release()
			}
		},
	})
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	var all []got
	for i, n := range sizes {
		want := bytes.Repeat([]byte{byte('a' + i)}, n)
		require.NoError(t, ws.SendContext(ctx, websocket.ArrayBuffer(want)))
		select {
		case m := <-msgs:
			require.Equal(t, want, m.copy, "message %d as delivered", i)
			all = append(all, m)
		case <-ctx.Done():
			t.Fatalf("no echo of message %d", i)
		}
	}
	assert.True(t, sameArray(all[0].data, all[1].data), "3000 B into the released 3000 B")
	assert.True(t, sameArray(all[3].data, all[4].data), "70 KiB into the released 70 KiB")
	assert.Equal(t, bytes.Repeat([]byte{byte('a' + keep)}, sizes[keep]), all[keep].data, "the kept message is intact")
	for i := keep + 1; i < len(all); i++ {
		assert.False(t, sameArray(all[keep].data, all[i].data), "message %d went into the kept message's bytes", i)
	}
}

// sameArray reports whether a and b start at the same byte.
func sameArray(a, b []byte) bool {
	return cap(a) > 0 && cap(b) > 0 && &a[:1][0] == &b[:1][0]
}

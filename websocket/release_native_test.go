//go:build !js

package websocket_test

// MessageEvent.Release natively: released bytes are read into again, bytes
// not released are never touched, and a program that releases every
// message reads large ones without allocating for them.

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/native"
	"github.com/w3ws/w3ws/websocket"
)

// releaseSizes are the binary message sizes the sender sends, in order:
// small ones copied out of the read buffer, hand-over sizes read straight
// into the buffer the listener gets, and a smaller one after each larger.
var releaseSizes = []int{1000, 1000, 800, 70 << 10, 70 << 10, 64 << 10, 1000, 100 << 10, 500}

// messageBytes is message i's content: n bytes, different for every i.
func messageBytes(i, n int) []byte {
	b := make([]byte, n)
	for j := range b {
		b[j] = byte(i*31 + j*7 + j>>8)
	}
	return b
}

// sendingServer starts a server that sends the given binary messages (each
// sent once the client asked for it with a text message "next") and
// returns its ws:// URL.
func sendingServer(t *testing.T, sizes []int) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for i, n := range sizes {
			if _, _, err := c.ReadMessage(nil); err != nil {
				return
			}
			if err := c.WriteMessage(native.MessageBinary, messageBytes(i, n)); err != nil {
				return
			}
		}
		c.Close(native.StatusNormalClosure, "")
	}))
	t.Cleanup(srv.Close)
	return "ws" + strings.TrimPrefix(srv.URL, "http")
}

// received is one message a listener got: the data slice it was handed,
// and a copy of its content at that time.
type received struct {
	data []byte
	copy []byte
}

// receiveAll opens a client that asks for the server's messages one at a
// time, and returns what its listener got; release says whether the
// listener releases each message.
func receiveAll(t *testing.T, u string, n int, release bool, binaryType websocket.BinaryType) []received {
	t.Helper()
	var got []received
	done := make(chan struct{})
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		BinaryType: binaryType,
		OnOpen:     func(e websocket.Event) { e.Target().Send("next") },
		OnMessage: func(e *websocket.MessageEvent) {
			d := e.Bytes()
			got = append(got, received{data: d, copy: bytes.Clone(d)})
			if release {
				e.Release()
			}
			if len(got) < n {
				e.Target().Send("next")
			}
		},
		OnClose: func(*websocket.CloseEvent) { close(done) },
	})
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		ws.Close(1000, "")
		t.Fatal("no close event")
	}
	require.Len(t, got, n)
	return got
}

func TestReleaseReusesBytes(t *testing.T) {
	for _, bt := range []websocket.BinaryType{websocket.BinaryTypeArrayBuffer, websocket.BinaryTypeBlob} {
		t.Run(string(bt), func(t *testing.T) {
			got := receiveAll(t, sendingServer(t, releaseSizes), len(releaseSizes), true, bt)
			for i, m := range got {
				assert.Equal(t, messageBytes(i, releaseSizes[i]), m.copy, "message %d as delivered", i)
			}
			// A released message's bytes are where a later message of no
			// more than its size lands: the small ones in the spare buffer,
			// the large ones in the read buffer.
			reused := func(i, j int) bool { return sameArray(got[i].data, got[j].data) }
			assert.True(t, reused(0, 1), "1000 B after a released 1000 B")
			assert.True(t, reused(1, 2), "800 B after a released 1000 B")
			assert.True(t, reused(3, 4), "70 KiB after a released 70 KiB")
			assert.True(t, reused(4, 5), "64 KiB after a released 70 KiB")
			assert.True(t, reused(2, 6), "1000 B in the spare kept through the large ones")
			assert.False(t, reused(5, 7), "100 KiB does not fit a 70 KiB buffer")
			assert.Equal(t, messageBytes(8, 500), got[8].data, "the last message, in a reused buffer")
		})
	}
}

// TestReleaseAdaptsToSmallerMessages: after a large released message,
// smaller large ones are read into released bytes of their own size, not
// copied out of the large buffer each time.
func TestReleaseAdaptsToSmallerMessages(t *testing.T) {
	sizes := []int{300 << 10, 40 << 10, 40 << 10, 40 << 10}
	got := receiveAll(t, sendingServer(t, sizes), len(sizes), true, websocket.BinaryTypeArrayBuffer)
	for i, m := range got {
		assert.Equal(t, messageBytes(i, sizes[i]), m.copy, "message %d as delivered", i)
		assert.LessOrEqual(t, cap(m.data), 2*sizes[i], "message %d pins more than twice its size", i)
	}
	assert.True(t, sameArray(got[1].data, got[2].data), "40 KiB into the released 40 KiB")
	assert.True(t, sameArray(got[2].data, got[3].data), "and again")
}

func TestNoReleaseKeepsBytes(t *testing.T) {
	got := receiveAll(t, sendingServer(t, releaseSizes), len(releaseSizes), false, websocket.BinaryTypeArrayBuffer)
	for i, m := range got {
		// Every message's bytes are its own: nothing later wrote over them.
		assert.Equal(t, messageBytes(i, releaseSizes[i]), m.data, "message %d after all were received", i)
		for j := range i {
			assert.False(t, sameArray(m.data, got[j].data), "messages %d and %d share bytes", j, i)
		}
	}
}

// TestReleaseSeenByEveryListener: a listener's Release takes effect once
// the event's dispatch ends, so a later listener of the same event still
// sees the message.
func TestReleaseSeenByEveryListener(t *testing.T) {
	sizes := []int{2000, 40 << 10, 2000, 40 << 10}
	var second [][]byte
	done := make(chan struct{})
	ws, err := websocket.NewWithOptions(sendingServer(t, sizes), &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnMessage:  func(e *websocket.MessageEvent) { e.Release() },
		OnClose:    func(*websocket.CloseEvent) { close(done) },
	})
	require.NoError(t, err)
	ws.AddEventListener(websocket.EventMessage, func(e websocket.Event) {
		m := e.(*websocket.MessageEvent)
		second = append(second, bytes.Clone(m.Bytes()))
		if len(second) < len(sizes) {
			ws.Send("next")
		}
	})
	// The first request goes after the second listener is added: sent
	// from an open handler, its answer could be dispatched before that.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	require.NoError(t, ws.Send("next"))
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no close event")
	}
	require.Len(t, second, len(sizes))
	for i, b := range second {
		assert.Equal(t, messageBytes(i, sizes[i]), b, "message %d in the second listener", i)
	}
}

// TestReleaseIgnored: Release on a text message, on an event the socket
// did not dispatch and after the dispatch changes nothing.
func TestReleaseIgnored(t *testing.T) {
	var zero websocket.MessageEvent
	zero.Release() // no socket: nothing to do, no panic
	(&websocket.MessageEvent{Data: websocket.ArrayBuffer("abc")}).Release()

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := native.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		for i := range 3 {
			if _, _, err := c.ReadMessage(nil); err != nil {
				return
			}
			c.WriteMessage(native.MessageText, []byte(strings.Repeat("t", 1000+i)))
		}
		c.Close(native.StatusNormalClosure, "")
	}))
	defer srv.Close()
	var texts []string
	var last *websocket.MessageEvent
	done := make(chan struct{})
	_, err := websocket.NewWithOptions("ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.Options{
		OnOpen: func(e websocket.Event) { e.Target().Send("next") },
		OnMessage: func(e *websocket.MessageEvent) {
			e.Release()
			texts = append(texts, e.Text())
			last = e
			e.Target().Send("next")
		},
		OnClose: func(*websocket.CloseEvent) { last.Release(); close(done) },
	})
	require.NoError(t, err)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no close event")
	}
	require.Len(t, texts, 3)
	for i, s := range texts {
		assert.Equal(t, strings.Repeat("t", 1000+i), s)
	}
}

// TestReleaseAllocations: an echo in which both ends release every 64 KiB
// message allocates a small fraction of what it moves; without Release
// every message is a new 64 KiB at each end.
func TestReleaseAllocations(t *testing.T) {
	const size, n = 64 << 10, 200
	perMessage := func(release bool) float64 {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			websocket.Upgrade(w, r, &websocket.Options{
				BinaryType: websocket.BinaryTypeArrayBuffer,
				OnMessage: func(e *websocket.MessageEvent) {
					e.Target().SendContext(context.Background(), e.Data)
					if release {
						e.Release()
					}
				},
			})
		}))
		defer srv.Close()
		got := make(chan int, 1)
		ws, err := websocket.NewWithOptions("ws"+strings.TrimPrefix(srv.URL, "http"), &websocket.Options{
			BinaryType: websocket.BinaryTypeArrayBuffer,
			OnMessage: func(e *websocket.MessageEvent) {
				got <- len(e.Bytes())
				if release {
					e.Release()
				}
			},
		})
		require.NoError(t, err)
		defer ws.Close(1000, "")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(t, ws.WaitOpen(ctx))
		msg := websocket.ArrayBuffer(make([]byte, size))
		echo := func() {
			require.NoError(t, ws.SendContext(ctx, msg))
			select {
			case m := <-got:
				require.Equal(t, size, m)
			case <-ctx.Done():
				t.Fatal("no echo")
			}
		}
		for range 10 { // buffers reach their size
			echo()
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			echo()
		}
		runtime.ReadMemStats(&after)
		return float64(after.TotalAlloc-before.TotalAlloc) / n
	}
	kept, released := perMessage(false), perMessage(true)
	t.Logf("bytes allocated per 64 KiB round trip: %.0f without Release, %.0f with", kept, released)
	assert.Greater(t, kept, float64(2*size), "without Release each end allocates every message")
	assert.Less(t, released, float64(size/8), "with Release the buffers are reused")
}

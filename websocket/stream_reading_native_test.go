//go:build !js

package websocket_test

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/w3ws/w3ws/websocket"
)

// TestStreamNativeReadInto: ReadInto appends each message to dst[:0], text
// as its UTF-8 bytes with isText, binary of every size (under and over the
// size from which the stream reads into a buffer it recycles) intact and
// in order, growing dst when it does not fit and reusing it when it does;
// a buffer it returned is not overwritten by a later message while the
// caller holds a different one.
func TestStreamNativeReadInto(t *testing.T) {
	_, cc, _, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	var sent [][]byte
	for i, n := range []int{5, 40 << 10, 100, 1 << 20, 64 << 10, 0, 200 << 10} {
		b := stBytes(n, uint64(i))
		sent = append(sent, b)
		require.NoError(t, sc.Writable.Write(ctx, b))
	}
	require.NoError(t, sc.Writable.Write(ctx, "héllo"))

	var held [][]byte // each message in a buffer of its own, kept
	buf := make([]byte, 0, 16)
	for i, want := range sent {
		got, isText, err := cc.Readable.ReadInto(ctx, buf)
		require.NoError(t, err, "message %d", i)
		assert.False(t, isText)
		require.True(t, bytes.Equal(want, got), "message %d: %d bytes, want %d", i, len(got), len(want))
		if cap(got) <= cap(buf) {
			assert.Same(t, &buf[:1][0], &got[:1][0], "message %d: dst fit but was not reused", i)
		}
		held = append(held, bytes.Clone(got))
		if i%2 == 0 {
			buf = got // reuse what ReadInto grew
		} else {
			buf = make([]byte, 0, 16) // and sometimes a fresh buffer
		}
	}
	got, isText, err := cc.Readable.ReadInto(ctx, buf)
	require.NoError(t, err)
	assert.True(t, isText)
	assert.Equal(t, "héllo", string(got))
	for i := range sent {
		assert.True(t, bytes.Equal(sent[i], held[i]), "message %d changed after it was read", i)
	}
}

// TestStreamNativeDirectThenIdle: a program that reads with a context that
// cannot end (the stream then reads the connection on the caller's
// goroutine) and then stops reading still sees the peer's Close: the
// stream resumes reading on its own, so Closed settles with the peer's
// code, and the messages sent before it are still there to read.
func TestStreamNativeDirectThenIdle(t *testing.T) {
	cs, cc, ss, sc := stPair(t, nil, nil)
	ctx := stCtx(t)
	for i := range 20 {
		require.NoError(t, sc.Writable.Write(ctx, []byte{byte(i)}))
		got, err := cc.Readable.Read(context.Background())
		require.NoError(t, err)
		require.Equal(t, []byte{byte(i)}, got)
	}
	require.NoError(t, sc.Writable.Write(ctx, "unread"))
	require.NoError(t, ss.Close(websocket.CloseInfo{CloseCode: 4000, Reason: "idle"}))
	// The client reads nothing more until its Closed settled.
	info, err := cs.Closed(ctx)
	require.NoError(t, err)
	assert.Equal(t, websocket.CloseInfo{CloseCode: 4000, Reason: "idle"}, info)
	got, err := cc.Readable.Read(context.Background())
	require.NoError(t, err)
	assert.Equal(t, "unread", got)
	_, err = cc.Readable.Read(context.Background())
	assert.ErrorIs(t, err, io.EOF)
}

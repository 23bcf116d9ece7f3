//go:build js && wasm

package jsbridge

import (
	"bytes"
	"runtime"
	"strings"
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// growMemory makes the program's WebAssembly memory grow, which gives it
// a new buffer and detaches the old one: it allocates more than the Go
// heap holds, free or not, which the runtime can only place in new
// memory. It returns the allocation, which the caller keeps alive until
// after its next message, so that the allocation is made and kept; the
// memory itself never shrinks.
func growMemory(t *testing.T) []byte {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b := make([]byte, before.HeapSys+32<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	runtime.ReadMemStats(&after)
	require.GreaterOrEqual(t, after.Sys-before.Sys, uint64(32<<20), "the memory grew")
	return b
}

// TestSendBytesIfOpen checks SendBytesIfOpen every way a message can reach
// the browser (see bridges): in the attached program (the runner's page
// attaches every program) its one call sends the bytes straight out of
// the program's memory, also after the memory grew, from a slice that
// starts past its array's first byte, and with no bytes, and copies out
// messages over 16 KiB first, into a buffer that grows and is reused; and every way it
// sends nothing, and leaves the browser's bufferedAmount alone, once the
// server's Close made the socket CLOSING.
func TestSendBytesIfOpen(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 1000)
	for _, b := range bridges(t) {
		t.Run(b.name, func(t *testing.T) {
			ws, ch := dialWith(t, "/echo", b.v)
			ch.open(t)
			assert.Equal(t, b.name == "shim", !ws.sendFrom.IsUndefined(), "a socket of the attached program sends from its memory")
			// What the attached program's sends hand the browser: the
			// size of the buffer under each view.
			sends := js.Global().Get("Function").New("ws", `const sizes = [], send = WebSocket.prototype.send;
				ws.send = function (x) { sizes.push(x.buffer.byteLength); return send.call(this, x); };
				return sizes;`).Invoke(ws.v)
			var grown []byte
			// Past 16 KiB, w3ws.js copies the bytes out before it
			// sends them, into a buffer it keeps and grows.
			huge := bytes.Repeat([]byte("abcdefghijklmnopqrstuvwxyz"), 3000)
			payloads := [][]byte{[]byte("abc"), {}, big[7:5007], big[:1], nil, huge[1 : 1+20000], huge[3:], huge[5 : 5+17000]}
			for i, p := range payloads {
				if i == 3 && b.name == "shim" {
					grown = growMemory(t)
				}
				sent, err := ws.SendBytesIfOpen(p)
				require.NoError(t, err)
				require.True(t, sent, "send %d while OPEN", i)
				if p == nil {
					p = []byte{}
				}
				assert.Equal(t, Event{Kind: EventMessage, Data: p}, ch.next(t), "echo %d", i)
			}
			runtime.KeepAlive(grown)
			if b.name == "shim" {
				require.Equal(t, len(payloads), sends.Length(), "sends through ws.send")
				for i, p := range payloads {
					// The program's memory is megabytes; the copy's
					// buffer is the largest message's size.
					fromMemory := sends.Index(i).Int() >= 1<<20
					assert.Equal(t, len(p) <= shimLimit, fromMemory, "send %d (%d bytes) from the program's memory", i, len(p))
				}
			}
			closeClean(t, ws, ch)

			ws, ch = dialWith(t, "/raw?frames=880203e8&linger=500", b.v)
			ch.open(t)
			require.Eventually(t, func() bool { return ws.ReadyState() == 2 }, waitTimeout, time.Millisecond, "CLOSING")
			sent, err := ws.SendBytesIfOpen([]byte("late"))
			require.NoError(t, err)
			assert.False(t, sent, "send while CLOSING")
			sent, err = ws.SendTextIfOpen("late")
			require.NoError(t, err)
			assert.False(t, sent, "send text while CLOSING")
			assert.Zero(t, ws.BufferedAmount(), "the browser was not asked to send")
			assert.Equal(t, Event{Kind: EventClose, Code: 1000, WasClean: true}, ch.next(t))
		})
	}
}

// TestAttachedLand checks that in the attached program w3ws.js's listener
// writes a message of up to 16 KiB straight into the socket's land, in
// the program's memory, and a larger binary one where the w3wsLarge
// export says, and never makes its inbox.buffer: binary messages of no
// byte to the limit and over it, texts whose UTF-8 is longer than their
// UTF-16, and messages after the memory grew (a listener that kept its
// view of the old buffer would throw).
func TestAttachedLand(t *testing.T) {
	ws, ch := dial(t, "/echo")
	ch.open(t)
	require.NotNil(t, ws.land, "the attached program's socket has a land")
	full := bytes.Repeat([]byte{0xa5}, shimLimit)
	large := bytes.Repeat([]byte("large"), 20000) // through w3wsLarge
	text := strings.Repeat("é€", shimLimit/3/2)
	var grown []byte
	for i, want := range []Event{
		{Kind: EventMessage, Data: []byte{1, 2, 3}},
		{Kind: EventMessage, Data: large},
		{Kind: EventMessage, Data: []byte{}},
		{Kind: EventMessage, IsText: true, Text: "héllo"},
		{Kind: EventMessage, Data: full},
		{Kind: EventMessage, Data: []byte("after growing")},
		{Kind: EventMessage, IsText: true, Text: text},
		{Kind: EventMessage, Data: large},
	} {
		if i == 5 {
			grown = growMemory(t)
		}
		if want.IsText {
			require.NoError(t, ws.SendText(want.Text))
		} else {
			require.NoError(t, ws.SendBytes(want.Data))
		}
		assert.Equal(t, want, ch.next(t), "message %d", i)
	}
	runtime.KeepAlive(grown)
	assert.True(t, ws.inbox.Get("buffer").IsNull(), "inbox.buffer was never made")
	closeClean(t, ws, ch)
}

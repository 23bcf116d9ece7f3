package websocket_test

// Messages (websocket-api-rules §1.7, §1.9, §4.2; DESIGN "Binary
// messages"): text, Blob and ArrayBuffer delivery, BinaryType read at
// dispatch, empty and large messages, order, MessageEvent fields.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestMessageKinds: text arrives as a string; binary as a *Blob by default
// (size right, type "", Bytes and Text give the data), whatever kind was
// sent ([]byte, ArrayBuffer, *Blob whose type is ignored); empty messages
// of both kinds arrive.
func TestMessageKinds(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		assert.Equal(t, websocket.BinaryTypeBlob, ws.BinaryType())
		ws.Send("hello")
		ws.Send([]byte{1, 2, 3})
		ws.Send(websocket.ArrayBuffer("ab"))
		ws.Send(websocket.NewBlob([][]byte{[]byte("x"), nil, []byte("yz")}, "text/plain"))
		ws.Send("")
		ws.Send([]byte{})
	}
	var blobs [][]byte
	var texts []string
	n := 0
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		if b, ok := e.Data.(*websocket.Blob); ok {
			assert.Equal(t, "", b.Type())
			data, err := b.Bytes()
			assert.NoError(t, err)
			assert.Equal(t, b.Size(), int64(len(data)))
			blobs = append(blobs, append([]byte{}, data...))
			text, err := b.Text()
			assert.NoError(t, err)
			texts = append(texts, text)
		}
		if n++; n == 6 {
			ws.Close(1000, "")
		}
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "hello"`, "message rs=1 blob 3", "message rs=1 blob 2",
		"message rs=1 blob 3", `message rs=1 text ""`, "message rs=1 blob 0", `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, [][]byte{{1, 2, 3}, []byte("ab"), []byte("xyz"), {}}, blobs)
	assert.Equal(t, []string{"\x01\x02\x03", "ab", "xyz", ""}, texts)
	assert.Equal(t, []string{`text "hello"`, "binary 3", "binary 2", "binary 3", `text ""`, "binary 0", `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestBinaryTypeReadAtDispatch: BinaryType is read when each message event
// is dispatched, so a change in a handler applies to the very next message
// (already received); an invalid value is ignored.
func TestBinaryTypeReadAtDispatch(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		for i := byte(1); i <= 4; i++ {
			ws.Send(bytes.Repeat([]byte{i}, int(i)))
		}
	}
	n := 0
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		switch n++; n {
		case 1:
			ws.SetBinaryType(websocket.BinaryTypeArrayBuffer)
			r.log("binaryType %s", ws.BinaryType())
		case 2:
			assert.Equal(t, websocket.ArrayBuffer{2, 2}, e.Data)
			ws.SetBinaryType("bogus")
			r.log("binaryType %s", ws.BinaryType())
		case 3:
			ws.SetBinaryType(websocket.BinaryTypeBlob)
		case 4:
			ws.Close(1000, "")
		}
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", "message rs=1 blob 1", "binaryType arraybuffer",
		"message rs=1 arraybuffer 2", "binaryType arraybuffer", "message rs=1 arraybuffer 3",
		"message rs=1 blob 4", `close rs=3 1000 "" true`}, r.wait())
}

// TestBinaryTypeOption: Options.BinaryType sets the initial type; an empty
// binary message is an ArrayBuffer of length 0.
func TestBinaryTypeOption(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send([]byte{})
		ws.Send([]byte{7})
	}
	r.onMessage = closeOnMessages(2)
	ws := r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	assert.Equal(t, websocket.BinaryTypeArrayBuffer, ws.BinaryType())
	assert.Equal(t, []string{"open rs=1", "message rs=1 arraybuffer 0", "message rs=1 arraybuffer 1", `close rs=3 1000 "" true`}, r.wait())
}

// TestLargeMessage: a 1 MiB binary message and a 1 MiB text message arrive
// intact.
func TestLargeMessage(t *testing.T) {
	u, id := route(t, "/echo")
	bin := make([]byte, 1<<20)
	rand.Read(bin)
	text := string(bytes.Repeat([]byte("0123456789abcdeé"), 1<<16))
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		ws.Send(bin)
		ws.Send(text)
	}
	var gotBin []byte
	var gotText string
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		switch d := e.Data.(type) {
		case websocket.ArrayBuffer:
			gotBin = append([]byte(nil), d...)
		case string:
			gotText = d
			ws.Close(1000, "")
		}
	}
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	assert.Equal(t, []string{"open rs=1", fmt.Sprintf("message rs=1 arraybuffer %d", 1<<20),
		fmt.Sprintf("message rs=1 text %d", len(text)), `close rs=3 1000 "" true`}, r.wait())
	assert.True(t, bytes.Equal(bin, gotBin), "binary message torn")
	assert.True(t, text == gotText, "text message torn")
	assert.Equal(t, []string{fmt.Sprintf("binary %d", 1<<20), fmt.Sprintf("text %d", len(text)), `close 1000 ""`}, wireLog(t, id).Wire())
}

// TestManyMixedMessagesInOrder: 100 text and binary messages, sent back to
// back, come back in order and intact.
func TestManyMixedMessagesInOrder(t *testing.T) {
	u, id := route(t, "/echo")
	const n = 100
	var want, wantWire []string
	want = append(want, "open rs=1")
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			want = append(want, fmt.Sprintf("message rs=1 text %q", fmt.Sprint("m", i)))
			wantWire = append(wantWire, fmt.Sprintf("text %q", fmt.Sprint("m", i)))
		} else {
			want = append(want, fmt.Sprintf("message rs=1 arraybuffer %d", i))
			wantWire = append(wantWire, fmt.Sprintf("binary %d", i))
		}
	}
	want = append(want, `close rs=3 1000 "" true`)
	wantWire = append(wantWire, `close 1000 ""`)
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		for i := 0; i < n; i++ {
			if i%2 == 0 {
				require.NoError(t, ws.Send(fmt.Sprint("m", i)))
			} else {
				require.NoError(t, ws.Send(bytes.Repeat([]byte{byte(i)}, i)))
			}
		}
	}
	i := 0
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		if b, ok := e.Data.(websocket.ArrayBuffer); ok {
			assert.Equal(t, websocket.ArrayBuffer(bytes.Repeat([]byte{byte(i)}, i)), b)
		}
		if i++; i == n {
			ws.Close(1000, "")
		}
	}
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	assert.Equal(t, want, r.wait())
	assert.Equal(t, wantWire, wireLog(t, id).Wire())
}

// TestMessageEventFields: Origin is the serialized origin of the socket's
// URL (ws://127.0.0.1:PORT), LastEventID is "", Type is "message".
func TestMessageEventFields(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Send("x") }
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		r.log("origin %s lastEventID %q type %s same target %v", e.Origin, e.LastEventID, e.Type(), e.Target() == ws)
		ws.Close(1000, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", `message rs=1 text "x"`,
		fmt.Sprintf(`origin ws://%s lastEventID "" type message same target true`, scenarioHost()),
		`close rs=3 1000 "" true`}, r.wait())
}

// TestBlobText: Text replaces invalid UTF-8 with U+FFFD, as blob.text().
func TestBlobText(t *testing.T) {
	b := websocket.NewBlob([][]byte{{'a', 0xff, 'b'}}, "application/octet-stream")
	s, err := b.Text()
	require.NoError(t, err)
	assert.Equal(t, "a\uFFFDb", s)
	assert.Equal(t, int64(3), b.Size())
	assert.Equal(t, "application/octet-stream", b.Type())
	data, err := b.Bytes()
	require.NoError(t, err)
	data[0] = 'z'
	again, _ := b.Bytes()
	assert.Equal(t, byte('a'), again[0], "Bytes returns a copy")

	part := []byte("part")
	b = websocket.NewBlob([][]byte{part}, "")
	copy(part, "XXXX")
	s, _ = b.Text()
	assert.Equal(t, "part", s, "NewBlob copies its parts")
}

// TestMessagesDoNotAlias: the data of a delivered message stays intact
// after later messages arrive, whatever their sizes (the reader reuses or
// hands over its buffer).
func TestMessagesDoNotAlias(t *testing.T) {
	u, _ := route(t, "/echo")
	sizes := []int{1000, 70000, 1000, 100000, 10}
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		for i, n := range sizes {
			ws.Send(bytes.Repeat([]byte{byte(i + 1)}, n))
		}
	}
	var got []websocket.ArrayBuffer
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		got = append(got, e.Data.(websocket.ArrayBuffer))
		if len(got) == len(sizes) {
			ws.Close(1000, "")
		}
	}
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	r.wait()
	require.Len(t, got, len(sizes))
	for i, n := range sizes {
		assert.True(t, bytes.Equal(bytes.Repeat([]byte{byte(i + 1)}, n), got[i]), "message %d changed", i)
	}
}

// TestSendCopiesData: the bytes given to Send may be reused as soon as it
// returns, as a browser copies an ArrayBuffer's bytes.
func TestSendCopiesData(t *testing.T) {
	u, _ := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		b := []byte("abc")
		ws.Send(b)
		copy(b, "xyz")
		ab := websocket.ArrayBuffer("def")
		ws.Send(ab)
		copy(ab, "uvw")
	}
	var got []string
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		got = append(got, string(e.Data.(websocket.ArrayBuffer)))
		if len(got) == 2 {
			ws.Close(1000, "")
		}
	}
	r.dial(u, &websocket.Options{BinaryType: websocket.BinaryTypeArrayBuffer})
	r.wait()
	assert.Equal(t, []string{"abc", "def"}, got)
}

// TestFragmentedLargeMessage: a text message in fragments with 16-bit and
// 64-bit lengths arrives whole.
func TestFragmentedLargeMessage(t *testing.T) {
	a := strings.Repeat("a", 256)
	b := strings.Repeat("b", 65536)
	frames := "017e0100" + hex.EncodeToString([]byte(a)) + "," + "807f0000000000010000" + hex.EncodeToString([]byte(b))
	u, _ := route(t, "/raw", "frames="+frames, "linger=0")
	r := newRecorder(t)
	var got string
	r.onMessage = func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
		got = e.Data.(string)
		ws.Close(1000, "")
	}
	r.dial(u, nil)
	assert.Equal(t, []string{"open rs=1", fmt.Sprintf("message rs=1 text %d", len(a)+len(b)), `close rs=3 1000 "" true`}, r.wait())
	assert.True(t, got == a+b, "message torn")
}

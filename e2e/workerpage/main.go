//go:build js && wasm

package main

import (
	"encoding/hex"
	"fmt"
	"syscall/js"

	"github.com/w3ws/w3ws/websocket"
)

// The messages sent, in order. The echo server sends each one back.
var (
	text      = "hello from a worker, wörld ✓"
	blobBytes = []byte{0x00, 0x01, 0x02, 0xfd, 0xfe, 0xff}
	abBytes   = []byte{0xca, 0xfe, 0x00, 0x42}
)

func main() {
	var log []any
	logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	post := func() { js.Global().Call("postMessage", map[string]any{"log": log}) }

	logf("global window=%s WorkerGlobalScope=%s", js.Global().Get("window").Type(), js.Global().Get("WorkerGlobalScope").Type())
	ws, err := websocket.NewWithOptions("echo", &websocket.Options{
		// Every handler runs on the socket's dispatcher, one at a time, so
		// log needs no lock; main touches it again only after the close
		// event's handler posted it.
		OnOpen: func(e websocket.Event) {
			ws := e.Target()
			logf("open readyState=%d protocol=%q binaryType=%s", ws.ReadyState(), ws.Protocol(), ws.BinaryType())
			logf("send text err=%v", ws.Send(text))
			logf("send binary err=%v bufferedAmount=%d", ws.Send(blobBytes), ws.BufferedAmount())
		},
		OnMessage: func(e *websocket.MessageEvent) {
			ws := e.Target()
			switch d := e.Data.(type) {
			case string:
				logf("message text %q origin=%s readyState=%d", d, e.Origin, ws.ReadyState())
			case *websocket.Blob:
				b, err := d.Bytes()
				logf("message blob size=%d type=%q bytes=%s err=%v readyState=%d", d.Size(), d.Type(), hex.EncodeToString(b), err, ws.ReadyState())
				ws.SetBinaryType(websocket.BinaryTypeArrayBuffer)
				logf("send binary err=%v binaryType=%s", ws.Send(abBytes), ws.BinaryType())
			case websocket.ArrayBuffer:
				logf("message arraybuffer len=%d bytes=%s readyState=%d", len(d), hex.EncodeToString(d), ws.ReadyState())
				err := ws.Close(1000, "bye")
				logf("close() err=%v readyState=%d", err, ws.ReadyState())
			default:
				logf("message of unexpected type %T readyState=%d", d, ws.ReadyState())
			}
		},
		OnError: func(e websocket.Event) {
			logf("error readyState=%d", e.Target().ReadyState())
		},
		OnClose: func(e *websocket.CloseEvent) {
			logf("close code=%d reason=%q wasClean=%v readyState=%d", e.Code, e.Reason, e.WasClean, e.Target().ReadyState())
			post()
		},
	})
	if err != nil {
		logf("new: %v", err)
		post()
	} else {
		// Safe: the open handler cannot run before the event loop turns,
		// which this goroutine does not yield to before it logs.
		logf("new url=%s readyState=%d", ws.URL(), ws.ReadyState())
	}
	select {} // callbacks must find the program running
}

//go:build js && wasm

package main

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"syscall/js"

	"github.com/w3ws/w3ws/websocket"
)

// The messages sent, in order. The echo server sends each one back.
var (
	text = "hello under a strict CSP, wörld ✓"
	bin  = []byte{0x00, 0x01, 0x02, 0xfd, 0xfe, 0xff}
)

func main() {
	var log []any
	logf := func(format string, args ...any) { log = append(log, fmt.Sprintf(format, args...)) }
	report := func() { js.Global().Call("w3wsReport", log) }

	_, err := websocket.NewWithOptions("echo", &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		// Every handler runs on the socket's dispatcher, one at a time, so
		// log needs no lock.
		OnOpen: func(e websocket.Event) {
			ws := e.Target()
			logf("open readyState=%d", ws.ReadyState())
			logf("send text err=%v", ws.Send(text))
			logf("send binary err=%v", ws.Send(bin))
		},
		OnMessage: func(e *websocket.MessageEvent) {
			ws := e.Target()
			switch d := e.Data.(type) {
			case string:
				logf("message text same=%v", d == text)
			case websocket.ArrayBuffer:
				logf("message binary same=%v bytes=%s", bytes.Equal(d, bin), hex.EncodeToString(d))
				logf("close err=%v", ws.Close(1000, "done"))
			default:
				logf("message of unexpected type %T", d)
			}
		},
		OnError: func(e websocket.Event) {
			logf("error readyState=%d", e.Target().ReadyState())
		},
		OnClose: func(e *websocket.CloseEvent) {
			logf("close code=%d reason=%q wasClean=%v", e.Code, e.Reason, e.WasClean)
			report()
		},
	})
	if err != nil {
		logf("new: %v", err)
		report()
	}
	select {} // callbacks must find the program running
}

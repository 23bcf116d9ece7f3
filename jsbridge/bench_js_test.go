//go:build js && wasm

package jsbridge

import (
	"fmt"
	"syscall/js"
	"testing"
)

// BenchmarkMessage measures what a binary message costs from the browser's
// message event to its bytes in Go, without the network: each op calls a
// socket's message listener with a MessageEvent made once, as the browser
// would, and takes the message out and recycles its bytes, as a handler
// that releases them does. shim is through the page's w3ws.js, plain
// without it. It runs in the browser:
//
//	GOOS=js GOARCH=wasm go test -c -o jsbridge.test ./jsbridge
//	W3WS_SCENARIO_URL=http://127.0.0.1:1 go run ./wasm/wasmexec jsbridge.test -test.run '^$' -test.bench Message
func BenchmarkMessage(b *testing.B) {
	bridge := shim()
	if bridge.IsUndefined() {
		b.Fatal("the page has no w3ws.js")
	}
	for _, size := range []int{16, 1 << 10, 64 << 10} {
		ab := jsGlobal.Get("ArrayBuffer").New(size)
		ev := jsGlobal.Get("MessageEvent").New("message", map[string]any{"data": ab})
		for _, way := range []struct {
			name string
			v    js.Value
		}{{"shim", bridge}, {"plain", js.Undefined()}} {
			b.Run(fmt.Sprintf("way=%s/size=%d", way.name, size), func(b *testing.B) {
				ws, err := open("ws://127.0.0.1:1/", nil, func() {}, way.v)
				if err != nil {
					b.Fatal(err)
				}
				defer ws.Close(0, "")
				b.SetBytes(int64(size))
				for b.Loop() {
					ws.direct.Invoke(ev)
					ws.mu.Lock()
					if len(ws.msgs) != 1 || len(ws.msgs[0].Data) != size {
						ws.mu.Unlock()
						b.Fatalf("%d messages taken", len(ws.msgs))
					}
					data := ws.msgs[0].Data
					ws.msgs[0] = Event{}
					ws.msgs = ws.msgs[:0]
					ws.spare.put(data)
					ws.mu.Unlock()
				}
			})
		}
	}
}

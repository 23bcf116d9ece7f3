//go:build js && wasm

package jsbridge

import (
	"fmt"
	"syscall/js"
	"testing"
)

// BenchmarkMessage measures what a binary message costs from the browser's
// message event to its bytes in Go, without the network, through the
// page's w3ws.js, which the runner's page attaches the program to
// (way=shim: a message of up to 16 KiB enters Go through the w3wsMessage
// export), through it as a page that does not attach the program has it
// (way=shimFunc: through a js.Func), and without it (way=plain). Taken
// directly (mode=direct), each op calls the socket's message listener from
// Go with a MessageEvent made once, as the browser would, and takes the
// message out and recycles its bytes, as a handler that releases them
// does. mode=loop is the same with JavaScript calling the listener from
// the event loop, Go idle in between, and a goroutine taking the messages
// (see benchLoop). Batched
// (mode=batched), each op queues the event as the browser's push would,
// and every 16th op takes the 16 queued with Take. It runs in the browser:
//
//	GOOS=js GOARCH=wasm go test -c -o jsbridge.test ./jsbridge
//	W3WS_SCENARIO_URL=http://127.0.0.1:1 go run ./wasm/wasmexec jsbridge.test -test.run '^$' -test.bench Message
func BenchmarkMessage(b *testing.B) {
	bridge := shim()
	if bridge.IsUndefined() {
		b.Fatal("the page has no w3ws.js")
	}
	ways := []struct {
		name string
		v    js.Value
	}{{"shim", bridge}, {"shimFunc", unattached(bridge)}, {"plain", js.Undefined()}}
	for _, mode := range []string{"direct", "loop", "batched"} {
		for _, size := range []int{16, 1 << 10, 64 << 10} {
			ab := jsGlobal.Get("ArrayBuffer").New(size)
			ev := jsGlobal.Get("MessageEvent").New("message", map[string]any{"data": ab})
			for _, way := range ways {
				b.Run(fmt.Sprintf("mode=%s/way=%s/size=%d", mode, way.name, size), func(b *testing.B) {
					ws, err := open("ws://127.0.0.1:1/", nil, func() {}, way.v)
					if err != nil {
						b.Fatal(err)
					}
					defer ws.Close(0, "")
					b.SetBytes(int64(size))
					switch mode {
					case "direct":
						benchDirect(b, ws, ev, size)
					case "loop":
						benchLoop(b, ws, ev, size)
					default:
						benchBatched(b, ws, ev, size)
					}
				})
			}
		}
	}
}

// benchDirect is BenchmarkMessage's mode=direct.
func benchDirect(b *testing.B, ws *WebSocket, ev js.Value, size int) {
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
}

// benchLoop is BenchmarkMessage's mode=loop: JavaScript calls the
// listener b.N times in one task of the event loop, with Go idle between
// calls, as the browser calls it, and the socket's wake kicks a goroutine
// that takes each message and recycles its bytes, as package websocket's
// reader does. So each op also pays for running that goroutine, and, the
// test binary having a timer pending (its -test.timeout), for the Go
// runtime re-arming its timeout when it next goes idle, which it does
// after a call that is not a js.Func's (w3ws.js's _resume).
func benchLoop(b *testing.B, ws *WebSocket, ev js.Value, size int) {
	kick := make(chan struct{}, 1)
	ws.wake = func() {
		select {
		case kick <- struct{}{}:
		default:
		}
	}
	finished := make(chan struct{})
	done := js.FuncOf(func(js.Value, []js.Value) any {
		close(finished)
		return nil
	})
	defer done.Release()
	loop := js.Global().Get("Function").New("listener", "ev", "n", "done",
		"setTimeout(() => { for (let i = 0; i < n; i++) listener(ev); done(); }, 0);")
	taken := 0
	var bad error
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		var evs []Event
		for last := false; !last; {
			select {
			case <-kick:
			case <-finished:
				last = true // take what is left
			}
			evs = ws.Take(evs[:0])
			for i, e := range evs {
				if len(e.Data) != size && bad == nil {
					bad = fmt.Errorf("a message of %d bytes, want %d", len(e.Data), size)
				}
				ws.Recycle(e.Data)
				evs[i] = Event{}
				taken++
			}
		}
	}()
	b.ResetTimer()
	loop.Invoke(ws.direct, ev, b.N, done)
	<-exited
	b.StopTimer()
	if bad != nil || taken != b.N {
		b.Fatalf("%d of %d messages taken (%v)", taken, b.N, bad)
	}
}

// benchBatched is BenchmarkMessage's mode=batched: the socket stays
// batching, as a stream of bursts keeps it.
func benchBatched(b *testing.B, ws *WebSocket, ev js.Value, size int) {
	const burst = 16
	var evs []Event
	ws.mu.Lock()
	ws.startBatching(false)
	ws.mu.Unlock()
	queued := 0
	for b.Loop() {
		ws.push.Invoke(ev)
		if queued++; queued < burst {
			continue
		}
		queued = 0
		evs = ws.Take(evs[:0])
		if len(evs) != burst || len(evs[0].Data) != size {
			b.Fatalf("%d messages taken", len(evs))
		}
		for i, e := range evs {
			ws.Recycle(e.Data)
			evs[i] = Event{}
		}
	}
}

// BenchmarkCallback measures a call from JavaScript into a Go function
// that does nothing, as syscall/js makes one (the js.Func's event, its
// this and arguments read through property names, the result set): the
// floor under a message taken directly in BenchmarkMessage.
func BenchmarkCallback(b *testing.B) {
	f := js.FuncOf(func(js.Value, []js.Value) any { return nil })
	defer f.Release()
	call := only(f.Value, 1) // one argument, as w3ws.js's listener passes two
	for b.Loop() {
		call.Invoke()
	}
}

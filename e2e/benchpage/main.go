//go:build js && wasm

package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall/js"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// stepTimeout bounds opening, draining and closing a run's socket.
const stepTimeout = 10 * time.Second

var (
	jsPromise = js.Global().Get("Promise")
	jsError   = js.Global().Get("Error")
)

func main() {
	js.Global().Set("goBench", js.FuncOf(func(_ js.Value, args []js.Value) any {
		if len(args) != 5 {
			return jsPromise.Call("reject", jsError.New("goBench(url, size, inFlight, warmUpMs, windowMs)"))
		}
		url, size, inFlight := args[0].String(), args[1].Int(), args[2].Int()
		warmUp := time.Duration(args[3].Int()) * time.Millisecond
		window := time.Duration(args[4].Int()) * time.Millisecond
		// The callback must not block: the run goes on in a goroutine and
		// settles the Promise from there.
		shim := js.Global().Get("w3wsBridge").Truthy()
		executor := js.FuncOf(func(_ js.Value, fns []js.Value) any {
			resolve, reject := fns[0], fns[1]
			go func() {
				r, err := run(url, size, inFlight, warmUp, window)
				if err != nil {
					reject.Invoke(jsError.New(err.Error()))
					return
				}
				r["shim"] = shim
				resolve.Invoke(r)
			}()
			return nil
		})
		defer executor.Release() // the Promise constructor calls it at once
		return jsPromise.New(executor)
	}))
	select {} // callbacks must find the program running
}

// run is one benchmark run; see the package doc.
func run(url string, size, inFlight int, warmUp, window time.Duration) (map[string]any, error) {
	payload := make([]byte, size)
	var (
		received, sent, bad atomic.Int64
		sending             atomic.Bool
		drainOnce           sync.Once
	)
	drained := make(chan struct{})
	ws, err := websocket.NewWithOptions(url, &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnMessage: func(e *websocket.MessageEvent) {
			if d, ok := e.Data.(websocket.ArrayBuffer); !ok || len(d) != size {
				bad.Add(1)
			}
			e.Release() // nothing keeps the data: the next message may go there
			n := received.Add(1)
			if sending.Load() {
				e.Target().Send(payload)
				sent.Add(1)
			} else if n == sent.Load() {
				drainOnce.Do(func() { close(drained) })
			}
		},
	})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
	defer cancel()
	if err := ws.WaitOpen(ctx); err != nil {
		return nil, fmt.Errorf("goBench: opening %s: %w", url, err)
	}

	sending.Store(true)
	for range inFlight {
		if err := ws.Send(payload); err != nil {
			return nil, err
		}
		sent.Add(1)
	}
	time.Sleep(warmUp)
	c0, t0 := received.Load(), time.Now()
	time.Sleep(window)
	c1, t1 := received.Load(), time.Now()

	sending.Store(false)
	if received.Load() == sent.Load() {
		drainOnce.Do(func() { close(drained) })
	}
	select {
	case <-drained:
	case <-ctx.Done():
		return nil, fmt.Errorf("goBench: %d of %d echoes missing", sent.Load()-received.Load(), sent.Load())
	}
	if err := ws.Close(1000, ""); err != nil {
		return nil, err
	}
	ev, err := ws.WaitClosed(ctx)
	if err != nil {
		return nil, fmt.Errorf("goBench: closing: %w", err)
	}
	if ev.Code != 1000 {
		return nil, fmt.Errorf("goBench: closed with %d %q", ev.Code, ev.Reason)
	}
	return map[string]any{
		"count":   c1 - c0,
		"seconds": t1.Sub(t0).Seconds(),
		"total":   received.Load(),
		"bad":     bad.Load(),
	}, nil
}

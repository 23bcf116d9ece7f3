//go:build js && wasm

package websocket_test

import (
	"context"
	"syscall/js"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// countJSCalls replaces Reflect.apply (every syscall/js Call and Invoke
// goes through it), Reflect.get (every Get) and TypedArray.prototype.set
// (each copy between Go and JavaScript, and w3ws.js's listener's copy of
// a message) with wrappers that count their calls, until the returned
// object's restore.
func countJSCalls() js.Value {
	return js.Global().Get("Function").New(`const c = {apply: 0, get: 0, set: 0};
		const ta = Object.getPrototypeOf(Uint8Array.prototype);
		const apply = Reflect.apply, get = Reflect.get, set = ta.set;
		Reflect.apply = (f, t, a) => { c.apply++; return apply(f, t, a); };
		Reflect.get = (o, k) => { if (k !== "_pendingEvent") c.get++; return get(o, k); };
		ta.set = function (...a) { c.set++; return apply(set, this, a); };
		c.restore = () => { Reflect.apply = apply; Reflect.get = get; ta.set = set; };
		return c;`).Invoke()
}

// TestAttachedEchoCalls counts what a binary echo answered with Send from
// the handler asks of JavaScript in the attached program (the runner's
// page attaches every program): w3ws.js's listener copies the message
// into the program's memory, the export takes it from there, and Send is
// one call that checks readyState and sends from the program's memory.
// Without that, the listener copied it into a buffer of its own, Go copied
// it out (a second copy) and Send read readyState, copied the bytes into a
// Uint8Array (a third) and called send: two applies and three copies per
// echo. A message now and then is taken through a batch, as the socket
// probes for bursts, which costs a few calls more; the bounds allow that.
func TestAttachedEchoCalls(t *testing.T) {
	u, _ := route(t, "/echo")
	const warm, n = 10, 100
	var c js.Value
	count, done := 0, make(chan struct{})
	ws, err := websocket.NewWithOptions(u, &websocket.Options{
		BinaryType: websocket.BinaryTypeArrayBuffer,
		OnMessage: func(e *websocket.MessageEvent) {
			switch count++; count {
			case warm:
				c = countJSCalls()
			case warm + n:
				c.Call("restore")
				close(done)
				return
			}
			assert.NoError(t, e.Target().Send(e.Data))
		},
	})
	require.NoError(t, err)
	closeAtEnd(t, ws)
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	require.NoError(t, ws.WaitOpen(ctx))
	require.NoError(t, ws.Send(websocket.ArrayBuffer("echo me")))
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("no", warm+n, "echoes within", waitTimeout)
	}
	apply, get, set := c.Get("apply").Int(), c.Get("get").Int(), c.Get("set").Int()
	t.Logf("per echo: %.2f applies, %.2f gets, %.2f copies", float64(apply)/n, float64(get)/n, float64(set)/n)
	assert.Less(t, apply, n*5/4, "applies (calls of functions) for %d echoes", n)
	assert.Less(t, set, n*5/4, "copies for %d echoes", n)
	assert.Less(t, get, n/4, "property reads for %d echoes", n)
}

//go:build js && wasm

package jsbridge

import "syscall/js"

// Cached constructors and constants, looked up once, as net/http's js
// transport does.
var (
	jsWebSocket  = js.Global().Get("WebSocket")
	jsUint8Array = js.Global().Get("Uint8Array")
	jsEmpty      = jsUint8Array.New(0) // what SendBytes sends for no bytes
)

// listenerNames are the socket's event handler attributes that New sets,
// in the order of WebSocket.listeners.
var listenerNames = [...]string{"onopen", "onmessage", "onerror", "onclose"}

// WebSocket is a browser WebSocket object.
type WebSocket struct {
	v js.Value

	// Send state: a reused send buffer (send() copies synchronously) and
	// the last view of it that was sent, reused while the length repeats.
	scratch js.Value
	scap    int
	view    js.Value
	viewLen int

	// listeners are set as onopen, onmessage, onerror and onclose, and
	// released by the close event.
	listeners [len(listenerNames)]js.Func
}

// New calls new WebSocket(url, protocols), sets binaryType to
// "arraybuffer", and sets one listener per event (onopen, onmessage,
// onerror, onclose), each of which calls h once per event. After the close
// event, the last one a socket fires, the listeners are unset and released
// before h is called with it. A thrown exception is returned as an
// *Exception.
func New(url string, protocols []string, h Handler) (ws *WebSocket, err error) {
	defer catch(&err)
	ps := make([]any, len(protocols))
	for i, p := range protocols {
		ps[i] = p
	}
	v := jsWebSocket.New(url, ps)
	v.Set("binaryType", "arraybuffer")
	ws = &WebSocket{v: v}
	ws.listeners = [...]js.Func{
		js.FuncOf(func(js.Value, []js.Value) any {
			h(Event{Kind: EventOpen})
			return nil
		}),
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			h(message(args[0].Get("data")))
			return nil
		}),
		js.FuncOf(func(js.Value, []js.Value) any {
			h(Event{Kind: EventError})
			return nil
		}),
		js.FuncOf(func(_ js.Value, args []js.Value) any {
			e := args[0]
			ev := Event{Kind: EventClose, Code: e.Get("code").Int(), Reason: e.Get("reason").String(), WasClean: e.Get("wasClean").Bool()}
			ws.release()
			h(ev)
			return nil
		}),
	}
	for i, name := range listenerNames {
		v.Set(name, ws.listeners[i])
	}
	return ws, nil
}

// message unpacks a MessageEvent's data: a string, or (binaryType being
// "arraybuffer") an ArrayBuffer, copied once into a Go slice of its size.
func message(d js.Value) Event {
	if d.Type() == js.TypeString { // Type reads only the Go side of d
		return Event{Kind: EventMessage, IsText: true, Text: d.String()}
	}
	u8 := jsUint8Array.New(d)
	data := make([]byte, u8.Length())
	if len(data) > 0 {
		js.CopyBytesToGo(data, u8)
	}
	return Event{Kind: EventMessage, Data: data}
}

// release unsets the listeners, so that nothing can call them any more, and
// releases them. The close listener calls it while it runs, which
// js.Func.Release allows.
func (ws *WebSocket) release() {
	for i, name := range listenerNames {
		ws.v.Set(name, js.Null())
		ws.listeners[i].Release()
	}
}

// ReadyState returns the readyState attribute.
func (ws *WebSocket) ReadyState() int { return ws.v.Get("readyState").Int() }

// BufferedAmount returns the bufferedAmount attribute.
func (ws *WebSocket) BufferedAmount() uint64 { return uint64(ws.v.Get("bufferedAmount").Float()) }

// Protocol returns the protocol attribute.
func (ws *WebSocket) Protocol() string { return ws.v.Get("protocol").String() }

// Extensions returns the extensions attribute.
func (ws *WebSocket) Extensions() string { return ws.v.Get("extensions").String() }

// URL returns the url attribute.
func (ws *WebSocket) URL() string { return ws.v.Get("url").String() }

// SendText calls send(s).
func (ws *WebSocket) SendText(s string) (err error) {
	defer catch(&err)
	ws.v.Call("send", s)
	return nil
}

// SendBytes sends b as a binary message through a reused Uint8Array:
// send() copies the bytes before it returns, so b and the buffer are free
// again when SendBytes returns.
func (ws *WebSocket) SendBytes(b []byte) (err error) {
	defer catch(&err)
	if len(b) == 0 {
		ws.v.Call("send", jsEmpty)
		return nil
	}
	if len(b) > ws.scap {
		n := max(len(b), 2*ws.scap, 4096)
		ws.scratch, ws.scap = jsUint8Array.New(n), n
	}
	js.CopyBytesToJS(ws.scratch, b)
	if len(b) != ws.viewLen { // always true after a new buffer: viewLen <= the old scap < len(b)
		ws.view, ws.viewLen = ws.scratch.Call("subarray", 0, len(b)), len(b)
	}
	ws.v.Call("send", ws.view)
	return nil
}

// Close calls close(), close(code) or close(code, reason): code 0 means
// none.
func (ws *WebSocket) Close(code int, reason string) (err error) {
	defer catch(&err)
	switch {
	case code == 0:
		ws.v.Call("close")
	case reason == "":
		ws.v.Call("close", code)
	default:
		ws.v.Call("close", code, reason)
	}
	return nil
}

// catch, deferred, turns a JavaScript exception (a panicking js.Error) into
// an *Exception in *err. Any other panic is a bug in Go code, and goes on.
func catch(err *error) {
	r := recover()
	if r == nil {
		return
	}
	jsErr, ok := r.(js.Error)
	if !ok {
		panic(r)
	}
	*err = exception(jsErr.Value)
}

// exception converts a thrown value: an Error or DOMException gives its
// name and message; anything else that can be thrown (a string...) gives
// only a message.
func exception(v js.Value) *Exception {
	if t := v.Type(); t != js.TypeObject && t != js.TypeFunction {
		return &Exception{Message: v.String()}
	}
	return &Exception{Name: stringOf(v.Get("name")), Message: stringOf(v.Get("message"))}
}

// stringOf returns v if it is a string, else "" (where String would give
// "<undefined>" and the like).
func stringOf(v js.Value) string {
	if v.Type() != js.TypeString {
		return ""
	}
	return v.String()
}

// LocationHref returns globalThis.location.href: the page's URL in a window,
// the script's URL in a worker, "" where there is none.
func LocationHref() string {
	loc := js.Global().Get("location")
	if loc.Type() != js.TypeObject {
		return ""
	}
	return loc.Get("href").String()
}

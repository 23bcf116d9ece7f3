//go:build js && wasm

package jsbridge

import (
	"fmt"
	"syscall/js"
)

// Cached constructors, looked up once, as net/http's js transport does.
var (
	jsWebSocket  = js.Global().Get("WebSocket")
	jsUint8Array = js.Global().Get("Uint8Array")
	jsFunction   = js.Global().Get("Function")
)

// listenShim installs the four listeners in JavaScript and unpacks each
// event there, so one Go callback gets plain values: one boundary crossing
// per event instead of one per field. Binary data always arrives as an
// ArrayBuffer; it is passed on as a Uint8Array with its length.
var listenShim = jsFunction.New("ws", "cb", `
ws.binaryType = "arraybuffer";
ws.onopen = () => cb(0);
ws.onmessage = (e) => {
  const d = e.data;
  if (typeof d === "string") cb(1, true, d);
  else cb(1, false, new Uint8Array(d), d.byteLength);
};
ws.onerror = () => cb(2);
ws.onclose = (e) => { ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null; cb(3, e.code, e.reason, e.wasClean); };
`)

// WebSocket is a browser WebSocket object.
type WebSocket struct {
	v       js.Value
	scratch js.Value // reused send buffer: ws.send copies synchronously
	scap    int
	cb      js.Func
}

// Handler receives a socket's events. kind is one of the Event constants.
// For EventMessage exactly one of text (isText) or data is set; data is a
// fresh Go copy. For EventClose code, reason and wasClean are set. It runs
// inside a JavaScript event handler and must not block.
type Handler func(kind int, isText bool, text string, data []byte, code int, reason string, wasClean bool)

// New calls new WebSocket(url, protocols) and installs h as the socket's
// only listener. h is released after the close event, the last one a socket
// fires. A thrown exception is returned as an *Exception.
func New(url string, protocols []string, h Handler) (ws *WebSocket, err error) {
	defer catch(&err)
	ps := make([]any, len(protocols))
	for i, p := range protocols {
		ps[i] = p
	}
	ws = &WebSocket{v: jsWebSocket.New(url, ps)}
	ws.cb = js.FuncOf(func(_ js.Value, args []js.Value) any {
		switch kind := args[0].Int(); kind {
		case EventMessage:
			if args[1].Bool() {
				h(kind, true, args[2].String(), nil, 0, "", false)
				return nil
			}
			data := make([]byte, args[3].Int())
			js.CopyBytesToGo(data, args[2])
			h(kind, false, "", data, 0, "", false)
		case EventClose:
			ws.cb.Release()
			h(kind, false, "", nil, args[1].Int(), args[2].String(), args[3].Bool())
		default:
			h(kind, false, "", nil, 0, "", false)
		}
		return nil
	})
	listenShim.Invoke(ws.v, ws.cb)
	return ws, nil
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
// send() copies the bytes before it returns.
func (ws *WebSocket) SendBytes(b []byte) (err error) {
	defer catch(&err)
	if len(b) > ws.scap {
		n := max(len(b), 2*ws.scap, 4096)
		ws.scratch, ws.scap = jsUint8Array.New(n), n
	}
	if len(b) == 0 {
		ws.v.Call("send", jsUint8Array.New(0))
		return nil
	}
	js.CopyBytesToJS(ws.scratch, b)
	ws.v.Call("send", ws.scratch.Call("subarray", 0, len(b)))
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

// catch turns a panicking JavaScript exception into *err.
func catch(err *error) {
	r := recover()
	if r == nil {
		return
	}
	if jsErr, ok := r.(js.Error); ok {
		*err = &Exception{Name: jsErr.Value.Get("name").String(), Message: jsErr.Value.Get("message").String()}
		return
	}
	*err = fmt.Errorf("jsbridge: %v", r)
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

package jsbridge

import _ "embed"

//go:embed w3ws.js
var shimJS string

// ShimJS returns w3ws.js, the optional JavaScript half of this package, for
// a server to serve next to wasm_exec.js. A page that loads it, from its
// own origin and before the Go program starts, gets messages into Go at
// less cost: its listener unpacks each message in JavaScript and copies a
// binary one, or a text's UTF-8, of up to 16 KiB into a buffer Go reads in
// one call, and a burst of messages, which the browser queues by itself,
// is drained into one 64 KiB buffer per call. Alone, Go would read each
// event's data, wrap it in a Uint8Array and take a reference (with a
// finalizer) to each of the event, the data and the array. Sockets work
// the same without it. A page that also calls w3wsBridge.attach(go),
// go being wasm_exec.js's Go instance, before it instantiates the program,
// has such a message written into the program's memory and handed to it
// through its w3wsMessage WebAssembly export instead of a js.Func, a
// binary message sent in one call from the program's memory (see
// WebSocket.SendBytesIfOpen), and the Go runtime's idle
// timeout kept armed across messages instead of cancelled and armed again
// for each (a setTimeout and a clearTimeout per message while a Go timer
// is pending). Being a file, not source the package evaluates, it
// needs nothing of a Content-Security-Policy beyond script-src 'self'.
func ShimJS() string { return shimJS }

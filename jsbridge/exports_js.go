//go:build js && wasm

package jsbridge

import "math/rand/v2"

// programToken is what this program's w3wsProgram export returns: w3ws.js
// calls the w3wsMessage export of the attached program (see
// w3wsBridge.attach) whose token a socket's inbox was made with, so that
// two Go programs on one page never take each other's messages. Drawn
// once, it never changes.
var programToken = rand.Int32()

// exportedProgram is the w3wsProgram export: this program's token.
//
//lint:ignore U1000 called by w3ws.js, as a WebAssembly export
//go:wasmexport w3wsProgram
func exportedProgram() int32 { return programToken }

// exportedMessage is the w3wsMessage export, which w3ws.js's listener
// calls, in a program attached with w3wsBridge.attach, for a message whose
// bytes it left in the socket's inbox.buffer: code is the socket's
// id<<2|EventMessage, and x the message as onEvent's unpacked takes a
// number. Being a WebAssembly export, not a js.Func, the call passes two
// numbers and reads no property; the listener then runs the goroutines it
// woke with wasm_exec.js's _resume. Like a js.Func's, its work must not
// block: it copies the bytes out, queues the message and calls wake.
//
//lint:ignore U1000 called by w3ws.js, as a WebAssembly export
//go:wasmexport w3wsMessage
func exportedMessage(code, x int32) {
	ws := lookup(int(code >> 2))
	if ws == nil || EventKind(code&3) != EventMessage || ws.inbox.IsUndefined() {
		return
	}
	ws.received(ws.buffered(int(x)))
}

//go:build js && wasm

package jsbridge

import "math/rand/v2"

// programToken is what this program's w3wsProgram export returns: w3ws.js
// calls the w3wsMessage export of the attached program (see
// w3wsBridge.attach) whose token a socket's inbox was made with, so that
// two Go programs on one page never take each other's messages. Drawn
// once, it never changes; 53 random bits, so that it is a JavaScript
// number and two programs' tokens do not collide.
var programToken = float64(rand.Int64N(1 << 53))

// exportedProgram is the w3wsProgram export: this program's token.
//
//lint:ignore U1000 called by w3ws.js, as a WebAssembly export
//go:wasmexport w3wsProgram
func exportedProgram() float64 { return programToken }

// exportedMessage is the w3wsMessage export, which w3ws.js's listener
// calls, in a program attached with w3wsBridge.attach, for a message whose
// bytes it left in the socket's land (or inbox.buffer): code is the socket's
// id<<2|EventMessage, and x the message as onEvent's unpacked takes a
// number. Being a WebAssembly export, not a js.Func, the call passes two
// numbers and reads no property; the listener then runs the goroutines it
// woke with wasm_exec.js's _resume.
//
// Unlike a js.Func's goroutine, an export must never park: the runtime,
// finding nothing else to run, would return to JavaScript from the middle
// of it. So it only tries its locks, and returns 0 if one is held (by a
// goroutine that parked while holding it), for the listener to hand the
// message over through the js.Func instead; and it runs wake, which is
// the socket's owner's code, on a goroutine of its own. It returns 1 when
// it took the message, or had nothing to take it for. A socket's tryWake
// (see SetTryWake), when it does the work, spares that goroutine.
//
//lint:ignore U1000 called by w3ws.js, as a WebAssembly export
//go:wasmexport w3wsMessage
func exportedMessage(code, x int32) int32 {
	if !socketsMu.TryLock() {
		return 0
	}
	ws := sockets[int(code>>2)]
	socketsMu.Unlock()
	if ws == nil || EventKind(code&3) != EventMessage || ws.inbox.IsUndefined() {
		return 1
	}
	if !ws.mu.TryLock() {
		return 0
	}
	e, ok := ws.bufferedLocked(int(x))
	if ok {
		ws.msgs = append(ws.msgs, e)
	}
	tryWake := ws.tryWake
	ws.mu.Unlock()
	if ok && (tryWake == nil || !tryWake()) {
		go ws.wake()
	}
	return 1
}

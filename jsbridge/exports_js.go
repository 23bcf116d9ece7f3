//go:build js && wasm

package jsbridge

import (
	"math/rand/v2"
	"unsafe"
)

// programToken is what this program's w3wsProgram export returns: w3ws.js
// calls the w3wsMessage and w3wsLarge exports of the attached program (see
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
	ws, busy := exportTarget(code)
	if ws == nil {
		if busy {
			return 0
		}
		return 1
	}
	e, ok := ws.bufferedLocked(int(x))
	if ok {
		ws.msgs = append(ws.msgs, e)
	}
	ws.unlockAndWake(ok)
	return 1
}

// exportedLarge is the w3wsLarge export, which w3ws.js's listener calls,
// in an attached program, for a binary message of n bytes, more than land
// holds: it queues the message, with a slice of n bytes for its data, as
// exportedMessage does, and returns the slice's address in the program's
// memory. The listener writes the bytes there before it resumes the
// program, which is when Go first sees them. So the message crosses no
// js.Value, whose reference, with its finalizer, would keep the message's
// buffer alive in JavaScript until Go's garbage collector ran. It returns
// 0 where exportedMessage would (the listener then calls go, which may
// wait), and -1 when there is nothing to take the message for. The
// address is a float64 because it may not fit an int32.
//
//lint:ignore U1000 called by w3ws.js, as a WebAssembly export
//go:wasmexport w3wsLarge
func exportedLarge(code, n int32) float64 {
	ws, busy := exportTarget(code)
	if ws == nil {
		if busy {
			return 0
		}
		return -1
	}
	if n <= 0 {
		ws.unlockAndWake(false)
		return -1
	}
	data := ws.dataFor(int(n))
	ws.msgs = append(ws.msgs, Event{Kind: EventMessage, Data: data})
	ws.unlockAndWake(true)
	return float64(uintptr(unsafe.Pointer(&data[0])))
}

// exportTarget returns the socket that an export's code names, with ws.mu
// held, if the export is to take its message. Otherwise it returns nil,
// and busy if that is because a lock is held: an export must not wait.
func exportTarget(code int32) (ws *WebSocket, busy bool) {
	if !socketsMu.TryLock() {
		return nil, true
	}
	ws = sockets[int(code>>2)]
	socketsMu.Unlock()
	if ws == nil || EventKind(code&3) != EventMessage || ws.inbox.IsUndefined() {
		return nil, false
	}
	if !ws.mu.TryLock() {
		return nil, true
	}
	return ws, false
}

// unlockAndWake releases ws.mu, which an export holds, and, if it queued
// a message, wakes the socket's owner: through tryWake if that does the
// work, else by running wake on a goroutine of its own.
func (ws *WebSocket) unlockAndWake(queued bool) {
	tryWake := ws.tryWake
	ws.mu.Unlock()
	if queued && (tryWake == nil || !tryWake()) {
		go ws.wake()
	}
}

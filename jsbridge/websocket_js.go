//go:build js && wasm

package jsbridge

import (
	"encoding/binary"
	"sync"
	"syscall/js"
	"time"
	"unsafe"
)

// Cached constructors, functions and accessors, looked up once, as
// net/http's js transport does. Accessors and methods used per message are
// kept as functions to Invoke (an accessor uncurried with
// Function.prototype.call.bind, or bound to its socket): Get, Set and Call
// pass a property name, which wasm_exec.js decodes with a TextDecoder on
// every call; Invoke passes none.
var (
	jsGlobal     = js.Global()
	jsWebSocket  = jsGlobal.Get("WebSocket")
	jsUint8Array = jsGlobal.Get("Uint8Array")
	jsArray      = jsGlobal.Get("Array")
	jsEmpty      = jsUint8Array.New(0) // what SendBytes sends for no bytes
	jsOnce       = js.ValueOf(map[string]any{"once": true})

	fnCall   = jsGlobal.Get("Function").Get("prototype").Get("call")
	fnApply  = jsGlobal.Get("Function").Get("prototype").Get("apply")
	wsProto  = jsWebSocket.Get("prototype")
	fnPush   = jsArray.Get("prototype").Get("push")
	fnFrom   = jsArray.Get("from")
	fnSet    = jsGlobal.Get("Reflect").Get("set")
	fnListen = jsGlobal.Get("EventTarget").Get("prototype").Get("addEventListener")
	fnTimer  = jsGlobal.Get("setTimeout").Call("bind", jsGlobal)
	// fnPostTask is scheduler.postTask (bound), or undefined.
	fnPostTask = postTask()

	// messageData(ev) is ev.data, byteLength(ab) is ab.byteLength.
	messageData = uncurry(getter(jsGlobal.Get("MessageEvent").Get("prototype"), "data"))
	byteLength  = uncurry(getter(jsGlobal.Get("ArrayBuffer").Get("prototype"), "byteLength"))
)

// postTask returns scheduler.postTask bound to scheduler, or undefined
// where the browser has no scheduler.
func postTask() js.Value {
	s := jsGlobal.Get("scheduler")
	if s.Type() != js.TypeObject || s.Get("postTask").Type() != js.TypeFunction {
		return js.Undefined()
	}
	return s.Get("postTask").Call("bind", s)
}

// getter returns the get function of proto's accessor property name.
func getter(proto js.Value, name string) js.Value {
	return jsGlobal.Get("Object").Call("getOwnPropertyDescriptor", proto, name).Get("get")
}

// uncurry returns Function.prototype.call.bind(f): a function that calls f
// with its first argument as this.
func uncurry(f js.Value) js.Value { return fnCall.Call("bind", f) }

// only returns Function.prototype.apply.bind(f, null, args): a function
// that calls f with args, and this null, whatever it is called with. As a
// listener or a timer callback it keeps the event object and the global
// object from crossing into Go, where each object costs a reference with a
// finalizer (about 2 µs in Chromium, twenty times a call that returns a
// number).
func only(f js.Value, args ...any) js.Value { return fnApply.Call("bind", f, nil, args) }

// The Go functions every socket's listeners and timers call, made once
// and never released (a socket's late timer then finds nothing to do
// instead of a released function), and the sockets they reach by id.
var (
	callbacks sync.Once
	wakeFn    js.Value // wakeFn(id<<2|why): see onWake
	eventFn   js.Value // eventFn(id<<2|kind[, event]): see onEvent

	socketsMu sync.Mutex
	sockets   = map[int]*WebSocket{}
	lastID    int
)

// Why wakeFn is called: a message was queued (the socket's once listener
// fired), or a WakeAfter timer fired.
const (
	wakeMessage = 1
	wakeTimer   = 2
)

// listenerNames are the socket's event handler attributes that New sets.
var listenerNames = [...]string{"onopen", "onmessage", "onerror", "onclose"}

// WebSocket is a browser WebSocket object.
type WebSocket struct {
	v    js.Value
	id   int
	wake func()
	// tryWake, set by SetTryWake, is wake for where no goroutine may
	// park; ws.mu guards it.
	tryWake func() bool

	// Messages reach Go one of two ways (see adapt). Directly, onmessage
	// is direct, eventFn bound to the socket: each message calls Go, which
	// copies its data out at once. In batches, onmessage is push,
	// msgs.push bound: the browser queues each MessageEvent in msgs
	// without calling Go, and armLater() adds a once listener that calls
	// wakeFn in a later task (setTimeout 0). push() with no argument
	// returns msgs.length; takeData() is Array.from(msgs, messageData);
	// clear() sets msgs.length to 0.
	direct, push, takeData, clear, armLater js.Value

	// inbox is w3wsBridge.inbox's inbox when the page loaded w3ws.js (see
	// ShimJS), and then direct is inbox.listener; else undefined. inBuf
	// is inbox.buffer once a message has made it (undefined before):
	// onEvent, which JavaScript calls one at a time, alone uses it.
	inbox, inBuf js.Value

	// With w3ws.js, Take drains batched messages with drain()
	// (inbox.drain), reading inbox.items and inbox.batch (batchBuf, once
	// a drain has made it) into stage, which text messages taken directly
	// use too. ws.mu guards stage.
	drain, items, batchBuf js.Value
	stage                  []byte

	// onTimer calls wakeFn(id<<2|wakeTimer), for WakeAfter.
	onTimer js.Value

	// send, bufferedAmount and readyState bound to v.
	send, bufferedAmount, readyState js.Value

	// sendFrom is inbox.sender(v) in a program attached with
	// w3wsBridge.attach (else undefined): sendFrom(ptr, n) sends the n
	// bytes at ptr in the program's memory if v is OPEN, and says whether
	// it was. See SendBytesIfOpen.
	sendFrom js.Value

	// land, in a program attached with w3wsBridge.attach, is where
	// w3ws.js's listener writes a message it passes as a number
	// (inbox.land), instead of in inBuf, so that taking it needs no call
	// into JavaScript. Listeners run one at a time, and each message is
	// copied out before its listener returns. Never moved (Go's heap is
	// not compacted) and kept with the socket, it outlives the listener,
	// which the close event removes.
	land []byte

	// sending holds SendBytesIfOpen's bytes while JavaScript sends them
	// from the program's memory (see there).
	sending []byte

	mu       sync.Mutex // guards the fields below; Take holds it while it runs
	batching bool       // onmessage is push
	queued   bool       // msgs may hold messages: batching, or was until the last Take
	armed    bool       // armLater was called and its wake has not run yet
	probe    bool       // batching only to see whether messages come in bursts
	singles  int        // batches in a row of a single message
	directs  int        // messages taken directly since batching last ended
	every    int        // directs that start a probe: probeMin to probeMax
	timer    bool       // a WakeAfter timer is pending
	opened   bool       // the open event came and Take has not returned it
	msgs     []Event    // messages copied out directly, not yet returned
	spare    spares     // byte slices given back with Recycle
	tail     []Event    // the error and close events, not yet returned
	finished bool       // Take returned the close event

	// Send state: a reused send buffer (send() copies synchronously) and
	// the last view of it that was sent, reused while the length repeats.
	scratch js.Value
	scap    int
	view    js.Value
	viewLen int
}

// New calls new WebSocket(url, protocols), sets binaryType to
// "arraybuffer" and its four listeners, and returns the socket. A thrown
// exception is returned as an *Exception.
//
// Events are taken with Take. wake is called, inside a JavaScript event
// handler, when events may be pending; see Take. It must not block: it
// should signal the goroutine that calls Take, and return. It may also be
// called when nothing is pending.
func New(url string, protocols []string, wake func()) (*WebSocket, error) {
	return open(url, protocols, wake, shim())
}

// shim returns globalThis.w3wsBridge if the page loaded the w3ws.js of the
// calling convention this package knows (see ShimJS), else undefined.
func shim() js.Value {
	b := jsGlobal.Get("w3wsBridge")
	if b.Type() != js.TypeObject || b.Get("version").Type() != js.TypeNumber || b.Get("version").Float() != shimVersion ||
		b.Get("inbox").Type() != js.TypeFunction {
		return js.Undefined()
	}
	return b
}

// shimVersion is the calling convention of w3ws.js this package knows.
const shimVersion = 2

// makeInbox returns bridge.inbox's inbox for the socket id whose batched
// events go to msgs, or undefined, for a socket that does without w3ws.js,
// when bridge is undefined, throws, or returns something other than an
// inbox.
func makeInbox(bridge js.Value, id int, msgs js.Value) (inbox js.Value) {
	if bridge.IsUndefined() {
		return js.Undefined()
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(js.Error); !ok {
				panic(r)
			}
			inbox = js.Undefined()
		}
	}()
	inbox = bridge.Call("inbox", eventFn, id<<2|int(EventMessage), msgs, programToken)
	if inbox.Type() != js.TypeObject || inbox.Get("listener").Type() != js.TypeFunction ||
		inbox.Get("drain").Type() != js.TypeFunction || inbox.Get("items").Type() != js.TypeObject {
		return js.Undefined()
	}
	return inbox
}

// open is New with the page's w3wsBridge, or undefined for none.
func open(url string, protocols []string, wake func(), bridge js.Value) (ws *WebSocket, err error) {
	defer catch(&err)
	callbacks.Do(func() {
		wakeFn = js.FuncOf(onWake).Value
		eventFn = js.FuncOf(onEvent).Value
	})
	ps := make([]any, len(protocols))
	for i, p := range protocols {
		ps[i] = p
	}
	socketsMu.Lock()
	lastID++
	id := lastID
	socketsMu.Unlock()
	msgs := jsArray.New()
	inbox := makeInbox(bridge, id, msgs)

	v := jsWebSocket.New(url, ps)
	v.Set("binaryType", "arraybuffer")
	ws = &WebSocket{
		v:              v,
		id:             id,
		wake:           wake,
		direct:         eventFn.Call("bind", nil, id<<2|int(EventMessage)),
		push:           fnPush.Call("bind", msgs),
		takeData:       fnFrom.Call("bind", jsArray, msgs, messageData),
		clear:          fnSet.Call("bind", nil, msgs, "length", 0),
		send:           wsProto.Get("send").Call("bind", v),
		bufferedAmount: getter(wsProto, "bufferedAmount").Call("bind", v),
		readyState:     getter(wsProto, "readyState").Call("bind", v),
	}
	if !inbox.IsUndefined() {
		ws.inbox = inbox
		ws.direct = inbox.Get("listener")
		ws.drain = inbox.Get("drain")
		ws.items = inbox.Get("items")
		ws.sendFrom, ws.land = attachedInbox(inbox, v)
	}
	ws.onTimer = only(wakeFn, id<<2|wakeTimer)
	ws.armLater = fnListen.Call("bind", v, "message", only(fnTimer, only(wakeFn, id<<2|wakeMessage), 0), jsOnce)
	v.Set("onopen", only(eventFn, id<<2|int(EventOpen)))
	v.Set("onmessage", ws.direct)
	v.Set("onerror", only(eventFn, id<<2|int(EventError)))
	v.Set("onclose", eventFn.Call("bind", nil, id<<2|int(EventClose)))
	socketsMu.Lock()
	sockets[id] = ws
	socketsMu.Unlock()
	return ws, nil
}

// SetTryWake sets a function that wake's signal can be tried with where
// Go may not park: in a program attached with w3wsBridge.attach, a
// message enters Go through a WebAssembly export, which must return
// without parking, so it cannot run wake, which may wait for a mutex,
// and starts a goroutine to run it. When tryWake is set, the export calls
// it first: it must not park (sync.Mutex.TryLock, a non-blocking channel
// send), and it returns false when it could not do all of wake's work that
// way, and then wake runs on a goroutine as before. That saves a
// goroutine start and a switch per message.
func (ws *WebSocket) SetTryWake(tryWake func() bool) {
	ws.mu.Lock()
	ws.tryWake = tryWake
	ws.mu.Unlock()
}

// attachedInbox returns, for a socket whose program is attached with
// w3wsBridge.attach, inbox.sender(v) and a land the inbox's listener
// writes into (see WebSocket.sendFrom and WebSocket.land); otherwise, or
// with a w3ws.js that has neither, or if one throws (the browser socket
// exists by now, so open must not fail), undefined and nil. Both need the
// program attached, so the land's 16 KiB are only allocated when sender
// says it is.
func attachedInbox(inbox, v js.Value) (sendFrom js.Value, land []byte) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(js.Error); !ok {
				panic(r)
			}
			sendFrom, land = js.Undefined(), nil
		}
	}()
	if inbox.Get("sender").Type() != js.TypeFunction {
		return js.Undefined(), nil
	}
	if sendFrom = inbox.Call("sender", v); sendFrom.Type() != js.TypeFunction {
		return js.Undefined(), nil
	}
	if inbox.Get("land").Type() == js.TypeFunction {
		b := make([]byte, shimLimit)
		if inbox.Call("land", uintptr(unsafe.Pointer(&b[0])), len(b)).Truthy() {
			land = b
		}
	}
	return sendFrom, land
}

// lookup returns the socket with id, or nil once Take has returned its
// close event.
func lookup(id int) *WebSocket {
	socketsMu.Lock()
	defer socketsMu.Unlock()
	return sockets[id]
}

// onWake is wakeFn: wakeFn(id<<2|wakeMessage) runs in the task after a
// message was queued in batches, wakeFn(id<<2|wakeTimer) when a WakeAfter
// timer fires.
func onWake(_ js.Value, args []js.Value) any {
	ws := lookup(args[0].Int() >> 2)
	if ws == nil {
		return nil
	}
	ws.mu.Lock()
	switch args[0].Int() & 3 {
	case wakeMessage:
		ws.armed = false
	case wakeTimer:
		ws.timer = false
	}
	ws.mu.Unlock()
	ws.wake()
	return nil
}

// onEvent is eventFn: eventFn(id<<2|EventOpen), eventFn(id<<2|EventError),
// eventFn(id<<2|EventMessage, event) for a message taken directly, and
// eventFn(id<<2|EventClose, event). The socket and the kind share a number
// because each argument costs a call into JavaScript. It copies out what a
// message or close event carries.
func onEvent(_ js.Value, args []js.Value) any {
	ws := lookup(args[0].Int() >> 2)
	if ws == nil {
		return nil
	}
	var e Event
	switch kind := EventKind(args[0].Int() & 3); kind {
	case EventMessage:
		if ws.inbox.IsUndefined() {
			e = ws.message(messageData.Invoke(args[1]), false)
		} else if m, ok := ws.unpacked(args[1]); ok {
			e = m
		} else {
			return nil
		}
	case EventClose:
		ev := args[1]
		e = Event{Kind: EventClose, Code: ev.Get("code").Int(), Reason: ev.Get("reason").String(), WasClean: ev.Get("wasClean").Bool()}
		for _, name := range listenerNames {
			ws.v.Set(name, js.Null())
		}
	default:
		e = Event{Kind: kind}
	}
	if e.Kind == EventMessage {
		ws.received(e)
		return nil
	}
	ws.mu.Lock()
	if e.Kind == EventOpen {
		ws.opened = true
	} else {
		ws.tail = append(ws.tail, e)
	}
	ws.mu.Unlock()
	ws.wake()
	return nil
}

// received queues a message taken directly for Take and calls wake.
func (ws *WebSocket) received(e Event) {
	ws.mu.Lock()
	ws.msgs = append(ws.msgs, e)
	ws.mu.Unlock()
	ws.wake()
}

// Take appends to dst the events the browser fired since the last call,
// in the order it fired them, and returns it. Any later event calls wake:
// wait for wake, then call Take again (a wake may also find nothing).
//
// Messages come directly or in batches (see adapt). Directly, each message
// calls Go once and has its data copied out at once: without w3ws.js four
// calls into JavaScript for a binary message (its data, byteLength, a
// Uint8Array, CopyBytesToGo), three for a text message; with it, one
// (CopyBytesToGo) for either up to 16 KiB, and none in an attached
// program, whose listener writes it into land. In batches, the browser
// queues message events in a JavaScript array without calling Go, and the
// first one after a Take schedules one wake, in a later task (setTimeout
// 0), that finds them all: without w3ws.js a batch costs three calls more,
// plus the ones of each message; with it, two calls per 64 KiB of
// messages, plus two for each binary message over 16 KiB or text over
// 16384/3 UTF-16 units. The open, error and close events call wake at
// once; the close event is the last Take returns.
func (ws *WebSocket) Take(dst []Event) []Event {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.finished {
		return dst
	}
	if ws.opened { // the open event comes before any message
		ws.opened = false
		dst = append(dst, Event{Kind: EventOpen})
	}
	direct := len(ws.msgs)
	dst = append(dst, ws.msgs...) // before msgs: see adapt
	clear(ws.msgs)
	ws.msgs = ws.msgs[:0]
	batch := 0
	switch {
	case ws.queued && !ws.inbox.IsUndefined():
		dst, batch = ws.drained(dst)
		ws.queued = ws.batching
	case ws.queued:
		if batch = ws.push.Invoke().Int(); batch > 0 {
			data := ws.takeData.Invoke()
			ws.clear.Invoke()
			for i := range batch {
				dst = append(dst, ws.message(data.Index(i), true))
			}
		}
		ws.queued = ws.batching
	}
	for _, e := range ws.tail { // the error and close events come last
		dst = append(dst, e)
		if e.Kind == EventClose {
			ws.finished = true
			socketsMu.Lock()
			delete(sockets, ws.id)
			socketsMu.Unlock()
		}
	}
	clear(ws.tail)
	ws.tail = ws.tail[:0]
	if !ws.finished {
		ws.adapt(direct, batch)
	}
	return dst
}

// How many messages taken directly make adapt try batches: probeMin at
// first, twice as many after each probe that finds no burst, up to
// probeMax.
const (
	probeMin = 16
	probeMax = 1024
)

// adapt chooses, after a Take that found direct messages taken directly
// and a batch of batch messages, how the next messages come. A message
// taken directly costs a call into Go; a batch costs a timer and a task
// more than a single message, but one call into Go for all its messages.
// So messages come directly, except that now and then one is batched as a
// probe: if that batch holds two messages or more, messages come in
// bursts, and they stay batched until four batches in a row hold a single
// message each. Probes come after probeMin messages taken directly, and
// twice as many after each probe that found no burst, up to probeMax: a
// steady ping-pong exchange pays a timer (about 100 µs of latency in
// Chromium) for one message in probeMax, a burst one call into Go per
// batch, and a stream of bursts enters batching within probeMin
// messages.
//
// It runs at the end of a Take, when every message fired so far has been
// taken, so that messages taken directly (ws.msgs) always come before
// those batched (msgs): switching changes onmessage while no message waits.
func (ws *WebSocket) adapt(direct, batch int) {
	if !ws.batching {
		if ws.directs += direct; ws.directs >= max(ws.every, probeMin) {
			ws.startBatching(true)
		}
		return
	}
	switch {
	case batch > 1:
		ws.probe, ws.singles, ws.every = false, 0, probeMin
	case batch == 1:
		ws.singles++
		if ws.probe {
			ws.every = min(2*max(ws.every, probeMin), probeMax)
		}
	}
	if batch > 0 && (ws.probe || ws.singles >= 4) {
		ws.batching, ws.directs = false, 0
		ws.stage = nil // 64 KiB, where a text taken directly needs at most 16 KiB
		ws.v.Set("onmessage", ws.direct)
		return
	}
	if !ws.armed {
		ws.armLater.Invoke()
		ws.armed = true
	}
}

// startBatching makes onmessage push and arms the batch's wake.
func (ws *WebSocket) startBatching(probe bool) {
	ws.batching, ws.queued, ws.probe, ws.singles = true, true, probe, 0
	ws.v.Set("onmessage", ws.push)
	if !ws.armed {
		ws.armLater.Invoke()
		ws.armed = true
	}
}

// message unpacks a MessageEvent's data: a string, or (binaryType being
// "arraybuffer") an ArrayBuffer, copied once into a Go slice of its size.
// locked says whether the caller holds ws.mu.
//
// The copy goes into the slice last given back with Recycle when the
// message fits it and is at least half its size. Its length then comes
// from CopyBytesToGo's count, without asking the browser: a slice is made
// with a byte to spare (below readSlack), so that a message of its size
// leaves a count below its capacity. Each call into JavaScript costs about
// as much as the rest of a small message's handling.
func (ws *WebSocket) message(d js.Value, locked bool) Event {
	if d.Type() == js.TypeString { // Type reads only the Go side of d
		return Event{Kind: EventMessage, IsText: true, Text: d.String()}
	}
	u := jsUint8Array.New(d)
	if !locked {
		ws.mu.Lock()
	}
	b := ws.spare.takeLast()
	if !locked {
		ws.mu.Unlock()
	}
	var data []byte
	n := -1 // the message's length, once known
	if cap(b) > 0 {
		if c := js.CopyBytesToGo(b[:cap(b)], u); c < cap(b) {
			n = c
			if fits(b, n) {
				data, b = b[:n], nil
			} else {
				data = append(newData(n)[:0], b[:n]...)
			}
		}
	}
	if data == nil {
		if n < 0 {
			n = byteLength.Invoke(d).Int()
		}
		if cap(b) > 0 && cap(b) == n {
			data, b = b[:n], nil // the copy above was the whole message
		} else {
			data = newData(n)
			if n > 0 {
				js.CopyBytesToGo(data, u)
			}
		}
	}
	if b != nil {
		if !locked {
			ws.mu.Lock()
		}
		ws.spare.put(b)
		if !locked {
			ws.mu.Unlock()
		}
	}
	return Event{Kind: EventMessage, Data: data}
}

// unpacked returns the message that w3ws.js's listener passed as x (see
// w3wsBridge.inbox): the length of a binary message in inBuf (or land),
// -1 - the length of a text's UTF-8 there, a Uint8Array over a larger
// binary message, or a longer text. Bytes are copied in one call into
// JavaScript, or, from land, in none: a binary message's into the slice
// last given back with Recycle if it fits, else into a new one (see
// dataFor). false means there was no message (see buffered).
func (ws *WebSocket) unpacked(x js.Value) (Event, bool) {
	switch x.Type() { // Type reads only the Go side of x
	case js.TypeString:
		return Event{Kind: EventMessage, IsText: true, Text: x.String()}, true
	case js.TypeNumber:
		return ws.buffered(x.Int())
	default:
		ws.mu.Lock()
		data := ws.dataFor(x.Length())
		ws.mu.Unlock()
		data = data[:js.CopyBytesToGo(data, x)]
		return Event{Kind: EventMessage, Data: data}, true
	}
}

// buffered returns the message whose bytes w3ws.js's listener left in
// inBuf, or in land: n bytes of a binary message, or, for n < 0, -1 - n
// bytes of a text's UTF-8. It copies them out, from inBuf in one call into
// JavaScript; false means the inbox has no buffer, which its listener
// makes before it passes a number. Listeners run one at a time, so inBuf
// and land need no lock.
func (ws *WebSocket) buffered(n int) (Event, bool) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.bufferedLocked(n)
}

// bufferedLocked is buffered with ws.mu held.
func (ws *WebSocket) bufferedLocked(n int) (Event, bool) {
	if ws.land != nil {
		if n < 0 {
			return Event{Kind: EventMessage, IsText: true, Text: string(ws.land[:min(-1-n, shimLimit)])}, true
		}
		data := ws.dataFor(min(n, shimLimit))
		copy(data, ws.land)
		return Event{Kind: EventMessage, Data: data}, true
	}
	if ws.inBuf.Type() != js.TypeObject {
		if ws.inBuf = ws.inbox.Get("buffer"); ws.inBuf.Type() != js.TypeObject {
			return Event{}, false
		}
	}
	if n < 0 { // a text
		n = min(-1-n, shimLimit)
		ws.stage = grow(ws.stage, n)
		n = js.CopyBytesToGo(ws.stage[:n], ws.inBuf)
		return Event{Kind: EventMessage, IsText: true, Text: string(ws.stage[:n])}, true
	}
	data := ws.dataFor(min(n, shimLimit))
	if len(data) > 0 {
		data = data[:js.CopyBytesToGo(data, ws.inBuf)]
	}
	return Event{Kind: EventMessage, Data: data}, true
}

// shimLimit is the size of w3ws.js's inbox.buffer (its limit): no message
// in it is longer, whatever a listener passes.
const shimLimit = 16384

// Record kinds of w3ws.js's batches (see w3wsBridge.inbox).
const (
	kindBytes  = 0 // a binary message, its bytes in the batch
	kindText   = 1 // a text, its UTF-8 in the batch
	kindLarge  = 2 // a binary message, a Uint8Array over it in items
	kindString = 3 // a text, in items
)

// drained takes the messages batched in w3ws.js's msgs, appends them to
// dst and returns it and how many it took: each drain() writes records of
// up to 64 KiB into inbox.batch, copied into stage in one call, from which
// each message's bytes are copied into its own slice (see dataFor). ws.mu
// is held.
func (ws *WebSocket) drained(dst []Event) ([]Event, int) {
	taken := 0
	for {
		r := ws.drain.Invoke().Int()
		fill, more := r>>1, r&1 == 1
		if fill > 0 && ws.batchBuf.IsUndefined() {
			ws.batchBuf = ws.inbox.Get("batch")
		}
		ws.stage = grow(ws.stage, fill)
		b := ws.stage[:fill]
		if fill > 0 {
			b = b[:js.CopyBytesToGo(b, ws.batchBuf)]
		}
		item := 0
		for len(b) >= 4 {
			head := int(binary.LittleEndian.Uint32(b))
			n := min(head>>2, len(b)-4) // w3ws.js's records fit; the bounds hold whatever it wrote
			b = b[4:]
			var e Event
			switch head & 3 {
			case kindBytes:
				e = Event{Kind: EventMessage, Data: ws.dataFor(n)}
				copy(e.Data, b[:n])
			case kindText:
				e = Event{Kind: EventMessage, IsText: true, Text: string(b[:n])}
			case kindLarge:
				u := ws.items.Index(item)
				item++
				e = Event{Kind: EventMessage, Data: ws.dataFor(u.Length())}
				e.Data = e.Data[:js.CopyBytesToGo(e.Data, u)]
			case kindString:
				e = Event{Kind: EventMessage, IsText: true, Text: ws.items.Index(item).String()}
				item++
			}
			b = b[n:]
			dst = append(dst, e)
			taken++
		}
		if !more {
			return dst, taken
		}
	}
}

// grow returns b if it has room for n bytes, else a new slice with room.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b
	}
	return make([]byte, max(n, 2*cap(b), 256))
}

// dataFor returns a slice of length n for a message's bytes: the slice
// last given back with Recycle if the message fits it, else a new one.
// ws.mu is held.
func (ws *WebSocket) dataFor(n int) []byte {
	data := ws.spare.takeLast()
	if fits(data, n) {
		return data[:n]
	}
	ws.spare.put(data)
	return newData(n)
}

// readSlack is the message size below which a message's slice gets a byte
// of capacity to spare (see message); above it the browser is asked for
// the length, which costs little next to the copy.
const readSlack = 32 << 10

// newData returns a slice of length n for a message's bytes.
func newData(n int) []byte {
	if n < readSlack {
		return make([]byte, n, n+1)
	}
	return make([]byte, n)
}

// copyArrayBuffer copies the bytes of the ArrayBuffer d into dst, which
// has its length.
func copyArrayBuffer(dst []byte, d js.Value) {
	if len(dst) > 0 {
		js.CopyBytesToGo(dst, jsUint8Array.New(d))
	}
}

// Recycle gives the bridge a byte slice that nothing uses any more, which
// it may copy a later binary message into instead of allocating one: the
// data of a message whose receiver is done with it. The bridge keeps a
// few (see spares), the rest is left to the garbage collector.
func (ws *WebSocket) Recycle(b []byte) {
	ws.mu.Lock()
	ws.spare.put(b)
	ws.mu.Unlock()
}

// WakeAfter calls wake once after d, unless a call it scheduled is still
// pending; 0 means in a later task. It uses scheduler.postTask where the
// browser has it (Chromium), since setTimeout delays a timer set from a
// timer's callback five deep to at least 4 ms, which a chain of wakes
// reaches at once; elsewhere setTimeout. After Take returned the close
// event it does nothing.
func (ws *WebSocket) WakeAfter(d time.Duration) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if ws.timer || ws.finished {
		return
	}
	ws.timer = true
	ms := d.Milliseconds()
	switch {
	case !fnPostTask.Truthy():
		fnTimer.Invoke(ws.onTimer, ms)
	case ms == 0:
		fnPostTask.Invoke(ws.onTimer)
	default:
		fnPostTask.Invoke(ws.onTimer, map[string]any{"delay": ms})
	}
}

// ReadyState returns the readyState attribute.
func (ws *WebSocket) ReadyState() int { return ws.readyState.Invoke().Int() }

// BufferedAmount returns the bufferedAmount attribute.
func (ws *WebSocket) BufferedAmount() uint64 { return uint64(ws.bufferedAmount.Invoke().Float()) }

// Protocol returns the protocol attribute.
func (ws *WebSocket) Protocol() string { return ws.v.Get("protocol").String() }

// Extensions returns the extensions attribute.
func (ws *WebSocket) Extensions() string { return ws.v.Get("extensions").String() }

// URL returns the url attribute.
func (ws *WebSocket) URL() string { return ws.v.Get("url").String() }

// SendText calls send(s).
func (ws *WebSocket) SendText(s string) (err error) {
	defer catch(&err)
	ws.send.Invoke(s)
	return nil
}

// SendBytes sends b as a binary message through a reused Uint8Array:
// send() copies the bytes before it returns, so b and the buffer are free
// again when SendBytes returns.
func (ws *WebSocket) SendBytes(b []byte) (err error) {
	defer catch(&err)
	if len(b) == 0 {
		ws.send.Invoke(jsEmpty)
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
	ws.send.Invoke(ws.view)
	return nil
}

// The readyState attribute's OPEN.
const readyStateOpen = 1

// SendBytesIfOpen sends b as SendBytes does if the socket's readyState is
// OPEN, and reports whether it was: in CLOSING or CLOSED the browser's
// send would send nothing, only grow its bufferedAmount and log a warning.
// In a program attached with w3wsBridge.attach it is one call into
// JavaScript, whose send copies the bytes straight out of the program's
// memory (send copies before it returns; over 16 KiB w3ws.js copies them
// into a buffer of its own first, which costs Chromium less); otherwise
// it reads readyState, then sends as SendBytes does, which is three or
// four calls.
func (ws *WebSocket) SendBytesIfOpen(b []byte) (sent bool, err error) {
	defer catch(&err)
	if !ws.sendFrom.IsUndefined() {
		var p unsafe.Pointer
		if len(b) > 0 {
			p = unsafe.Pointer(&b[0])
		}
		// JavaScript reads the bytes at p during the call. Storing b in
		// the socket makes it escape to the heap, which never moves its
		// objects: a b the compiler could keep on the caller's stack
		// would move with the stack if the call grew it.
		ws.sending = b
		sent = ws.sendFrom.Invoke(uintptr(p), len(b)).Truthy()
		ws.sending = nil
		return sent, nil
	}
	if ws.ReadyState() != readyStateOpen {
		return false, nil
	}
	return true, ws.SendBytes(b)
}

// SendTextIfOpen calls send(s) if the socket's readyState is OPEN, and
// reports whether it was, as SendBytesIfOpen.
func (ws *WebSocket) SendTextIfOpen(s string) (sent bool, err error) {
	if ws.ReadyState() != readyStateOpen {
		return false, nil
	}
	return true, ws.SendText(s)
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
	loc := jsGlobal.Get("location")
	if loc.Type() != js.TypeObject {
		return ""
	}
	return loc.Get("href").String()
}

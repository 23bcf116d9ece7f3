//go:build js && wasm

package jsbridge

import (
	"strconv"
	"sync"
	"syscall/js"
)

// The binding of the browser's WebSocketStream: the constructor (with an
// AbortController's signal), its opened and closed promises, the reader's
// read and the writer's write, close and abort. Each promise is awaited
// with one shared Go function, settleFn, bound to a slot: settlement costs
// one call into Go, which unpacks the value on the spot and hands the
// result to the caller through a channel.

// Cached constructors, functions and property keys of the stream binding.
// A key passed as a js.Value to Reflect.get costs no decoding, where Get
// decodes the property name on every call.
var (
	jsWebSocketStream = jsGlobal.Get("WebSocketStream")
	jsAbortController = jsGlobal.Get("AbortController")
	jsArrayBuffer     = jsGlobal.Get("ArrayBuffer")

	fnBind = uncurry(jsGlobal.Get("Function").Get("prototype").Get("bind"))
	fnThen = uncurry(jsGlobal.Get("Promise").Get("prototype").Get("then"))
	fnGet  = jsGlobal.Get("Reflect").Get("get")

	keyValue = js.ValueOf("value")
	keyDone  = js.ValueOf("done")
)

// HasStream reports whether the browser has WebSocketStream (typeof
// globalThis.WebSocketStream is "function").
func HasStream() bool { return jsWebSocketStream.Type() == js.TypeFunction }

// WebSocketError is the browser's WebSocketError, as a WebSocketStream's
// promises reject with it: CloseCode is 0 where JavaScript has null.
type WebSocketError struct {
	CloseCode int
	Reason    string
	Message   string
}

// Error returns "jsbridge: WebSocketError: " with the message, close code
// and reason.
func (e *WebSocketError) Error() string {
	return "jsbridge: WebSocketError: " + e.Message + " (close code " + strconv.Itoa(e.CloseCode) +
		", reason " + strconv.Quote(e.Reason) + ")"
}

// OpenResult is how the opened promise settled: the protocol and
// extensions, or Err.
type OpenResult struct {
	Protocol   string
	Extensions string
	Err        error
}

// CloseResult is how the closed promise settled: the closeCode and reason,
// or Err.
type CloseResult struct {
	Code   int
	Reason string
	Err    error
}

// ReadResult is how a reader.read() settled: Done once the readable closed,
// else a message (IsText tells which of Text and Data holds it; Data is a
// fresh Go copy, non-nil even when empty), or Err.
type ReadResult struct {
	Done   bool
	IsText bool
	Text   string
	Data   []byte
	Err    error
}

// The Go function every stream's promises settle through, made once and
// never released, and the slots it reaches by key.
var (
	settleOnce sync.Once
	settleFn   js.Value // settleFn(key<<1|fulfilled, value): see onSettle

	slotsMu  sync.Mutex
	slots    = map[int]*slot{}
	lastSlot int
)

// A slot is settleFn bound to a key, twice (fulfilled, rejected): the
// handlers a promise of its stream is awaited with. A stream reuses its
// slots once their promise settled, so that awaiting costs no bind in the
// steady state; it has as many as it had promises pending at once.
type slot struct {
	key             int
	s               *Stream
	fulfill, reject js.Value
	on              func(fulfilled bool, v js.Value) // while a promise is pending (s.mu)
}

// Stream is a browser WebSocketStream, with the AbortController whose
// signal it was given, and once open its reader and writer. Its methods
// are safe for concurrent use.
type Stream struct {
	v  js.Value
	ac js.Value // the AbortController

	opened chan OpenResult
	closed chan CloseResult

	mu          sync.Mutex
	free        []*slot  // slots whose promise settled
	finished    bool     // closed settled: settled slots are dropped
	open        bool     // read and write are set
	read, write js.Value // reader.read and writer.write, bound
}

// NewStream calls new WebSocketStream(url, {protocols, signal}) with the
// signal of a new AbortController, and starts awaiting its opened and
// closed promises (see Opened and Closed). A thrown exception is returned
// as an *Exception.
func NewStream(url string, protocols []string) (s *Stream, err error) {
	defer catch(&err)
	if !HasStream() {
		return nil, &Exception{Name: "ReferenceError", Message: "WebSocketStream is not defined"}
	}
	settleOnce.Do(func() { settleFn = js.FuncOf(onSettle).Value })
	ac := jsAbortController.New()
	opts := map[string]any{"signal": ac.Get("signal")}
	if len(protocols) > 0 {
		ps := make([]any, len(protocols))
		for i, p := range protocols {
			ps[i] = p
		}
		opts["protocols"] = ps
	}
	v := jsWebSocketStream.New(url, opts)
	s = &Stream{v: v, ac: ac, opened: make(chan OpenResult, 1), closed: make(chan CloseResult, 1)}
	s.await(v.Get("opened"), s.onOpened)
	s.await(v.Get("closed"), s.onClosed)
	return s, nil
}

// URL returns the url attribute.
func (s *Stream) URL() string { return s.v.Get("url").String() }

// Opened returns the channel that receives, once, how the opened promise
// settled. Once it fulfilled, Read and Write work: the readable's reader
// and the writable's writer were taken.
func (s *Stream) Opened() <-chan OpenResult { return s.opened }

// Closed returns the channel that receives, once, how the closed promise
// settled.
func (s *Stream) Closed() <-chan CloseResult { return s.closed }

// Abort calls the AbortController's abort().
func (s *Stream) Abort() (err error) {
	defer catch(&err)
	s.ac.Call("abort")
	return nil
}

// Close calls close() when code is 0, else close({closeCode, reason}).
func (s *Stream) Close(code int, reason string) (err error) {
	defer catch(&err)
	if code == 0 {
		s.v.Call("close")
	} else {
		s.v.Call("close", map[string]any{"closeCode": code, "reason": reason})
	}
	return nil
}

// Read calls reader.read() and returns a channel that receives how it
// settled. Before the stream opened it fails with an InvalidStateError
// *Exception. Call it again once the last one settled: with several reads
// pending, Chromium (156) serves the first and leaves the others pending
// until the stream closes, dropping the messages they would have had.
//
// It costs two calls into JavaScript (read, then), one call into Go when
// the promise settles, and there two more (done, value), plus for binary
// data three (instanceof, byteLength, a Uint8Array view) and the copy.
// The objects that cross into Go: the two promises, the result, the value
// and, for binary data, the view.
func (s *Stream) Read() <-chan ReadResult {
	ch := make(chan ReadResult, 1)
	s.mu.Lock()
	read, open := s.read, s.open
	s.mu.Unlock()
	if !open {
		ch <- ReadResult{Err: errNotOpen}
		return ch
	}
	p, err := invoke(read)
	if err != nil {
		ch <- ReadResult{Err: err}
		return ch
	}
	s.await(p, func(fulfilled bool, v js.Value) { ch <- readResult(fulfilled, v) })
	return ch
}

// WriteText calls writer.write(text) and returns a channel that receives
// how it settled: nil once the browser resolved it.
func (s *Stream) WriteText(text string) <-chan error { return s.writeChunk(text) }

// WriteBytes calls writer.write with a new Uint8Array holding a copy of b
// (the browser may hold the chunk until it is sent, so none is reused),
// and returns a channel that receives how it settled.
func (s *Stream) WriteBytes(b []byte) <-chan error {
	u8 := jsUint8Array.New(len(b))
	if len(b) > 0 {
		js.CopyBytesToJS(u8, b)
	}
	return s.writeChunk(u8)
}

// writeChunk calls writer.write(chunk) and awaits it.
func (s *Stream) writeChunk(chunk any) <-chan error {
	ch := make(chan error, 1)
	s.mu.Lock()
	write, open := s.write, s.open
	s.mu.Unlock()
	if !open {
		ch <- errNotOpen
		return ch
	}
	p, err := invoke(write, chunk)
	if err != nil {
		ch <- err
		return ch
	}
	s.await(p, func(fulfilled bool, v js.Value) {
		if fulfilled {
			ch <- nil
		} else {
			ch <- rejection(v)
		}
	})
	return ch
}

// errNotOpen is Read's and Write's error before the stream opened.
var errNotOpen = &Exception{Name: "InvalidStateError", Message: "the WebSocketStream is not open"}

// invoke calls f(args...), returning a thrown exception as an *Exception.
func invoke(f js.Value, args ...any) (v js.Value, err error) {
	defer catch(&err)
	return f.Invoke(args...), nil
}

// await calls p.then(fulfill, reject) with the handlers of a free slot of
// the stream (a new one when none is free); on is called, inside settleFn,
// with how p settled. It must not block.
func (s *Stream) await(p js.Value, on func(fulfilled bool, v js.Value)) {
	s.mu.Lock()
	var sl *slot
	if n := len(s.free); n > 0 {
		sl = s.free[n-1]
		s.free[n-1] = nil
		s.free = s.free[:n-1]
	}
	if sl == nil {
		slotsMu.Lock()
		lastSlot++
		sl = &slot{key: lastSlot, s: s}
		slots[sl.key] = sl
		slotsMu.Unlock()
		sl.fulfill = fnBind.Invoke(settleFn, nil, sl.key<<1|1)
		sl.reject = fnBind.Invoke(settleFn, nil, sl.key<<1)
	}
	sl.on = on
	s.mu.Unlock()
	fnThen.Invoke(p, sl.fulfill, sl.reject)
}

// onSettle is settleFn: settleFn(key<<1|1, value) when the promise awaited
// with the slot key fulfilled, settleFn(key<<1, reason) when it rejected.
// It frees the slot, then runs its handler.
func onSettle(_ js.Value, args []js.Value) any {
	k := args[0].Int()
	slotsMu.Lock()
	sl := slots[k>>1]
	slotsMu.Unlock()
	if sl == nil {
		return nil
	}
	s := sl.s
	s.mu.Lock()
	on := sl.on
	sl.on = nil
	if s.finished {
		slotsMu.Lock()
		delete(slots, sl.key)
		slotsMu.Unlock()
	} else {
		s.free = append(s.free, sl)
	}
	s.mu.Unlock()
	if on != nil {
		on(k&1 == 1, args[1])
	}
	return nil
}

// onOpened takes the reader and the writer of the opened promise's value
// and reports it.
func (s *Stream) onOpened(fulfilled bool, v js.Value) {
	if !fulfilled {
		s.opened <- OpenResult{Err: rejection(v)}
		return
	}
	r, err := s.takeHalves(v)
	if err != nil {
		// Unreachable for a fresh stream: nothing else holds its halves.
		s.opened <- OpenResult{Err: err}
		s.Close(0, "")
		return
	}
	s.opened <- r
}

// takeHalves takes readable.getReader() and writable.getWriter() from the
// opened promise's value, and its protocol and extensions.
func (s *Stream) takeHalves(v js.Value) (r OpenResult, err error) {
	defer catch(&err)
	reader := v.Get("readable").Call("getReader")
	writer := v.Get("writable").Call("getWriter")
	read := fnBind.Invoke(reader.Get("read"), reader)
	write := fnBind.Invoke(writer.Get("write"), writer)
	r = OpenResult{Protocol: stringOf(v.Get("protocol")), Extensions: stringOf(v.Get("extensions"))}
	s.mu.Lock()
	s.read, s.write, s.open = read, write, true
	s.mu.Unlock()
	return r, nil
}

// onClosed reports the closed promise's outcome. From then on a settled
// slot is dropped rather than kept for reuse, and so are the free ones.
func (s *Stream) onClosed(fulfilled bool, v js.Value) {
	s.mu.Lock()
	s.finished = true
	free := s.free
	s.free = nil
	s.mu.Unlock()
	slotsMu.Lock()
	for _, sl := range free {
		delete(slots, sl.key)
	}
	slotsMu.Unlock()
	if !fulfilled {
		s.closed <- CloseResult{Err: rejection(v)}
		return
	}
	s.closed <- CloseResult{Code: intOf(v.Get("closeCode")), Reason: stringOf(v.Get("reason"))}
}

// readResult unpacks what reader.read() settled with: {value, done}, or
// a rejection.
func readResult(fulfilled bool, v js.Value) ReadResult {
	if !fulfilled {
		return ReadResult{Err: rejection(v)}
	}
	if fnGet.Invoke(v, keyDone).Truthy() {
		return ReadResult{Done: true}
	}
	d := fnGet.Invoke(v, keyValue)
	switch {
	case d.Type() == js.TypeString: // Type reads only the Go side of d
		return ReadResult{IsText: true, Text: d.String()}
	case d.InstanceOf(jsArrayBuffer):
		data := make([]byte, byteLength.Invoke(d).Int())
		copyArrayBuffer(data, d)
		return ReadResult{Data: data}
	case jsArrayBuffer.Call("isView", d).Bool():
		view := jsUint8Array.New(d.Get("buffer"), d.Get("byteOffset"), d.Get("byteLength"))
		data := make([]byte, view.Length())
		js.CopyBytesToGo(data, view)
		return ReadResult{Data: data}
	}
	return ReadResult{Err: &Exception{Name: "TypeError", Message: "a WebSocketStream chunk that is neither a string nor binary data"}}
}

// rejection converts a promise's rejection reason: a WebSocketError gives
// a *WebSocketError, anything else an *Exception.
func rejection(v js.Value) error {
	if t := v.Type(); t != js.TypeObject && t != js.TypeFunction {
		return exception(v)
	}
	if stringOf(v.Get("name")) == "WebSocketError" {
		return &WebSocketError{CloseCode: intOf(v.Get("closeCode")), Reason: stringOf(v.Get("reason")), Message: stringOf(v.Get("message"))}
	}
	return exception(v)
}

// intOf returns v if it is a number, else 0 (for null).
func intOf(v js.Value) int {
	if v.Type() != js.TypeNumber {
		return 0
	}
	return v.Int()
}

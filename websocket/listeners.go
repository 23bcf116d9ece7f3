package websocket

import (
	"sync"
	"sync/atomic"
)

// listener is one registered handler. The on* attribute handler of a type is
// a listener too (attr set), kept at the position where it was first set,
// as in browsers: replacing it swaps fn in place. A listener removed while an
// event is being dispatched is not called for the rest of that dispatch, as
// in the DOM (removed).
type listener struct {
	fn      atomic.Pointer[func(Event)]
	attr    bool
	removed atomic.Bool
}

func newListener(fn func(Event), attr bool) *listener {
	l := &listener{attr: attr}
	l.fn.Store(&fn)
	return l
}

// listenerSet holds a socket's handlers per event type. Readers (the
// dispatcher) load an immutable slice; writers copy it under mu, so setting
// handlers from any goroutine is race-free and never blocks dispatch.
type listenerSet struct {
	mu    sync.Mutex // serialises changes
	lists [4]atomic.Pointer[[]*listener]
}

// typeIndex maps an event type to its list, or -1.
func typeIndex(typ string) int {
	switch typ {
	case EventOpen:
		return 0
	case EventMessage:
		return 1
	case EventError:
		return 2
	case EventClose:
		return 3
	}
	return -1
}

// update replaces list i with the result of f on a copy of it.
func (s *listenerSet) update(i int, f func([]*listener) []*listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var cur []*listener
	if p := s.lists[i].Load(); p != nil {
		cur = *p
	}
	next := f(append([]*listener(nil), cur...))
	s.lists[i].Store(&next)
}

// setAttr sets (fn != nil) or clears the attribute handler of list i.
func (s *listenerSet) setAttr(i int, fn func(Event)) {
	s.update(i, func(l []*listener) []*listener {
		for j, x := range l {
			if x.attr {
				if fn == nil {
					x.removed.Store(true)
					return append(l[:j], l[j+1:]...)
				}
				x.fn.Store(&fn)
				return l
			}
		}
		if fn == nil {
			return l
		}
		return append(l, newListener(fn, true))
	})
}

// fire calls every handler of typ with ev, in registration order, on the
// dispatcher.
func (ws *WebSocket) fire(typ string, ev Event) {
	i := typeIndex(typ)
	p := ws.listeners.lists[i].Load()
	if p == nil {
		return
	}
	for _, l := range *p {
		if !l.removed.Load() {
			(*l.fn.Load())(ev)
		}
	}
}

// SetOnOpen sets the "open" handler, as ws.onopen = fn; nil clears it. It
// affects events dispatched after it returns; a missed event is not replayed.
func (ws *WebSocket) SetOnOpen(fn func(Event)) { ws.listeners.setAttr(0, fn) }

// SetOnMessage sets the "message" handler, as ws.onmessage = fn; nil clears it.
func (ws *WebSocket) SetOnMessage(fn func(*MessageEvent)) {
	var f func(Event)
	if fn != nil {
		f = func(e Event) { fn(e.(*MessageEvent)) }
	}
	ws.listeners.setAttr(1, f)
}

// SetOnError sets the "error" handler, as ws.onerror = fn; nil clears it.
// Natively the event is an *ErrorEvent carrying the Go error.
func (ws *WebSocket) SetOnError(fn func(Event)) { ws.listeners.setAttr(2, fn) }

// SetOnClose sets the "close" handler, as ws.onclose = fn; nil clears it.
func (ws *WebSocket) SetOnClose(fn func(*CloseEvent)) {
	var f func(Event)
	if fn != nil {
		f = func(e Event) { fn(e.(*CloseEvent)) }
	}
	ws.listeners.setAttr(3, f)
}

// AddEventListener adds fn for events of typ ("open", "message", "error",
// "close"), after the handlers already registered, and returns a function
// that removes it. A listener for another type never fires. Each call adds a
// new listener, even for the same fn.
func (ws *WebSocket) AddEventListener(typ string, fn func(Event)) (remove func()) {
	i := typeIndex(typ)
	if i < 0 || fn == nil {
		return func() {}
	}
	l := newListener(fn, false)
	ws.listeners.update(i, func(ls []*listener) []*listener { return append(ls, l) })
	return func() {
		ws.listeners.update(i, func(ls []*listener) []*listener {
			for j, x := range ls {
				if x == l {
					l.removed.Store(true)
					return append(ls[:j], ls[j+1:]...)
				}
			}
			return ls
		})
	}
}

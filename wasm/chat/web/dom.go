//go:build js && wasm

package main

import "syscall/js"

// document is the page's document, looked up once.
var document = js.Global().Get("document")

// byID returns the element with the given id; the page must have it.
func byID(id string) js.Value {
	e := document.Call("getElementById", id)
	if e.IsNull() {
		panic("web: the page has no #" + id)
	}
	return e
}

// newElement returns a new element with a class (if not "") and text,
// which is set as textContent: chat text is never parsed as HTML.
func newElement(tag, class, text string) js.Value {
	e := document.Call("createElement", tag)
	if class != "" {
		e.Set("className", class)
	}
	if text != "" {
		e.Set("textContent", text)
	}
	return e
}

// setEnabled enables or disables form controls.
func setEnabled(on bool, controls ...js.Value) {
	for _, c := range controls {
		c.Set("disabled", !on)
	}
}

// onSubmit calls fn on a new goroutine when form is submitted (a click on
// its button or Enter in one of its inputs), instead of loading a page. The
// JavaScript callback itself only hands off: it must not block, and fn may.
// The callback lives as long as the page, so it is never released.
func onSubmit(form js.Value, fn func()) {
	form.Call("addEventListener", "submit", js.FuncOf(func(_ js.Value, args []js.Value) any {
		args[0].Call("preventDefault")
		go fn()
		return nil
	}))
}

// localTime formats a time given in Unix milliseconds in the browser's time
// zone and locale, as the page's reader expects: Go's time.Local is UTC in
// the browser.
func localTime(ms int64) string {
	return js.Global().Get("Date").New(float64(ms)).Call("toLocaleTimeString").String()
}

//go:build js && wasm

package othermod

import (
	"strings"
	"syscall/js"
	"testing"
)

// TestInChromium passes, and only in a browser page: Node.js, which
// go_js_wasm_exec uses, has neither a document nor Chrome's user agent.
func TestInChromium(t *testing.T) {
	if got := Double(21); got != 42 {
		t.Errorf("Double(21) = %d, want 42", got)
	}
	if doc := js.Global().Get("document"); doc.Type() != js.TypeObject {
		t.Fatalf("document is %s, want an object", doc.Type())
	}
	ua := js.Global().Get("navigator").Get("userAgent").String()
	if !strings.Contains(ua, "Chrome") {
		t.Errorf("navigator.userAgent = %q, want Chrome's", ua)
	}
	t.Log("user agent:", ua)
}

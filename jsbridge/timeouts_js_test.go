//go:build js && wasm

package jsbridge

import (
	"syscall/js"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// countTimeouts replaces the page's setTimeout and clearTimeout with
// wrappers that count their calls, until the returned object's restore.
func countTimeouts() js.Value {
	return js.Global().Get("Function").New(`const c = {set: 0, clear: 0};
		const st = globalThis.setTimeout, ct = globalThis.clearTimeout;
		globalThis.setTimeout = function (...a) { c.set++; return st.apply(this, a); };
		globalThis.clearTimeout = function (...a) { c.clear++; return ct.apply(this, a); };
		c.restore = () => { globalThis.setTimeout = st; globalThis.clearTimeout = ct; };
		return c;`).Invoke()
}

// TestAttachCoalescesTimeouts checks that an attached program (the
// runner's page attaches every program) with a Go timer pending does not
// arm and cancel a browser timeout for each message it takes: the
// runtime cancels its idle timeout whenever the listener resumes it, and
// asks for one due at the same time when it is idle again, which w3ws.js
// answers with the browser's timeout still armed.
func TestAttachCoalescesTimeouts(t *testing.T) {
	pending := time.AfterFunc(time.Hour, func() {})
	defer pending.Stop()
	ws, ch := dial(t, "/echo")
	ch.open(t)
	defer closeClean(t, ws, ch)

	const n = 40
	c := countTimeouts()
	defer c.Call("restore")
	for i := range n {
		require.NoError(t, ws.SendBytes([]byte{byte(i)}))
		require.Equal(t, Event{Kind: EventMessage, Data: []byte{byte(i)}}, ch.next(t))
	}
	set, cleared := c.Get("set").Int(), c.Get("clear").Int()
	assert.Less(t, set, n/4, "setTimeout calls for %d echoes", n)
	assert.Less(t, cleared, n/4, "clearTimeout calls for %d echoes", n)
}

// TestAttachTimeouts checks that Go's timers fire in an attached program
// whatever w3ws.js's browser timeout was armed for: a timer due before
// it (the armed timeout is moved up), and a timer due after it, once the
// earlier one was stopped (the armed timeout fires early and is armed
// again for the rest). A timer that never fired would hang the test.
func TestAttachTimeouts(t *testing.T) {
	ws, ch := dial(t, "/echo")
	ch.open(t)
	defer closeClean(t, ws, ch)
	echo := func() {
		t.Helper()
		require.NoError(t, ws.SendBytes([]byte{1}))
		require.Equal(t, Event{Kind: EventMessage, Data: []byte{1}}, ch.next(t))
	}

	t.Run("earlier", func(t *testing.T) {
		far := time.AfterFunc(time.Hour, func() {})
		defer far.Stop()
		echo() // idle with the hour's timeout armed, resumed by a message
		start := time.Now()
		time.Sleep(20 * time.Millisecond)
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
	})
	t.Run("later", func(t *testing.T) {
		near := time.NewTimer(30 * time.Millisecond)
		echo() // idle with near's timeout armed, resumed by a message
		near.Stop()
		start := time.Now()
		time.Sleep(60 * time.Millisecond)
		assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
	})
	t.Run("manyResumes", func(t *testing.T) {
		// A timer due while messages keep resuming the program.
		due := time.After(50 * time.Millisecond)
		for range 100000 {
			select {
			case <-due:
				return
			default:
				echo()
			}
		}
		t.Fatal("the timer did not fire within 100000 echoes")
	})
}

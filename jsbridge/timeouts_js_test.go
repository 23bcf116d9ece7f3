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

// simulateTimeouts runs w3ws.js's coalesced timeouts (bridge.attach of a
// Go instance) against a model of the Go runtime's idle timeout
// (runtime/lock_js.go: beforeIdle, handleEvent) on a fake clock, with
// the page's setTimeout, clearTimeout and performance.now replaced for
// the length of the call. Each scenario sets the runtime's next timer
// (deadline) and resumes it as a message would, at given times; it
// returns, per scenario, when the runtime's timer ran, when the runtime
// was resumed, and how many browser timeouts were set.
func simulateTimeouts(bridge js.Value) js.Value {
	return js.Global().Get("Function").New("bridge", `
const real = {setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout};
let now = 0, seq = 0, timers = [], sets = 0;
globalThis.setTimeout = (fn, d) => { sets++; timers.push({id: ++seq, at: now + Math.max(0, d), fn}); return seq; };
globalThis.clearTimeout = (id) => { timers = timers.filter((t) => t.id !== id); };
performance.now = () => now;
const scenario = (steps) => {
	now = 0; timers = []; sets = 0;
	const mem = new DataView(new ArrayBuffer(32));
	let deadline = null, idle = null, idleFor = null;
	const fired = [], resumes = [];
	const go = {exited: false, mem, importObject: {gojs: {
		"runtime.scheduleTimeoutEvent": () => { throw new Error("not replaced"); },
		"runtime.clearTimeoutEvent": () => { throw new Error("not replaced"); }}}};
	const imports = go.importObject.gojs;
	const schedule = (delay) => {
		mem.setUint32(8, delay, true);
		mem.setInt32(12, 0, true);
		imports["runtime.scheduleTimeoutEvent"](0);
		return mem.getInt32(16, true);
	};
	const clear = (id) => { mem.setInt32(8, id, true); imports["runtime.clearTimeoutEvent"](0); };
	// beforeIdle: a timeout for the next timer, unless the one asked
	// for is within a millisecond of it.
	const goIdle = () => {
		if (deadline === null) return;
		if (idle !== null && Math.abs(idleFor - deadline) <= 1) return;
		if (idle !== null) clear(idle);
		idle = schedule(Math.ceil(deadline - now));
		idleFor = deadline;
	};
	// handleEvent for a resume that is no js.Func call: the idle
	// timeout is cancelled; a due timer runs; idle again.
	go._resume = () => {
		resumes.push(now);
		if (idle !== null) { clear(idle); idle = null; }
		if (deadline !== null && now >= deadline) { fired.push(now); deadline = null; }
		goIdle();
	};
	bridge.attach(go);
	const run = (until) => {
		for (let n = 0; n < 1000; n++) {
			timers.sort((a, b) => a.at - b.at || a.id - b.id);
			const t = timers[0];
			if (!t || t.at > until) break;
			timers.shift();
			now = Math.max(now, t.at);
			t.fn();
		}
		now = Math.max(now, until);
	};
	for (const s of steps) {
		run(s.at);
		if ("deadline" in s) { deadline = s.deadline; goIdle(); }
		if (s.message) go._resume();
		if (s.exit) go.exited = true;
	}
	run(Infinity);
	go.exited = true;
	return {fired, resumes, sets};
};
try {
	const hour = 3600000;
	const messages = [];
	for (let i = 1; i <= 100; i++) messages.push({at: i / 10, message: true});
	return {
		// The deadline asked for again after a message is due 0.95 ms
		// after the armed timeout: that timeout runs the timer.
		reasked: scenario([{at: 0, deadline: 5}, {at: 0.95, message: true}]),
		// 100 messages with an hour's timer pending: one timeout. The
		// timer is then stopped, and a last message resumes the
		// runtime, which cancels its timeout.
		messages: scenario([{at: 0, deadline: hour}, ...messages, {at: 11, deadline: null}, {at: 12, message: true}]),
		// A timer due before the armed timeout.
		earlier: scenario([{at: 0, deadline: hour}, {at: 1, message: true}, {at: 1, deadline: 20}]),
		// A timer due after it: the armed timeout fires first, the
		// runtime is not resumed until its timer is due.
		later: scenario([{at: 0, deadline: 30}, {at: 1, message: true}, {at: 1, deadline: 60}]),
		// The timer stopped: the armed timeout resumes nothing.
		stopped: scenario([{at: 0, deadline: 30}, {at: 1, message: true}, {at: 1, deadline: null}, {at: 2, message: true}]),
		// The program exited: nothing is resumed.
		exited: scenario([{at: 0, deadline: 5}, {at: 1, exit: true}]),
	};
} finally {
	globalThis.setTimeout = real.setTimeout;
	globalThis.clearTimeout = real.clearTimeout;
	delete performance.now;
}`).Invoke(bridge)
}

// TestAttachTimeoutsSimulated checks w3ws.js's coalesced timeouts against
// a model of the Go runtime on a fake clock (simulateTimeouts): a timer
// runs when it is due, not a timeout later, whether the browser's
// timeout was armed for it, for a later timer or for an earlier one; the
// runtime is resumed only for a timer that is due and a program that
// runs; and messages that resume it do not each set a timeout.
func TestAttachTimeoutsSimulated(t *testing.T) {
	r := simulateTimeouts(shim())
	floats := func(v js.Value) []float64 {
		out := make([]float64, v.Length())
		for i := range out {
			out[i] = v.Index(i).Float()
		}
		return out
	}
	for _, c := range []struct {
		name    string
		fired   []float64
		resumes []float64
		sets    int
	}{
		{"reasked", []float64{5}, []float64{0.95, 5}, 1},
		{"earlier", []float64{20}, []float64{1, 20}, 2},
		{"later", []float64{60}, []float64{1, 60}, 2},
		{"stopped", []float64{}, []float64{1, 2}, 1},
		{"exited", []float64{}, []float64{}, 1},
	} {
		got := r.Get(c.name)
		assert.Equal(t, c.fired, floats(got.Get("fired")), "%s: when the runtime's timer ran", c.name)
		assert.Equal(t, c.resumes, floats(got.Get("resumes")), "%s: when the runtime was resumed", c.name)
		assert.Equal(t, c.sets, got.Get("sets").Int(), "%s: browser timeouts set", c.name)
	}
	m := r.Get("messages")
	assert.Len(t, floats(m.Get("resumes")), 101, "messages: resumes (by the messages only)")
	assert.Empty(t, floats(m.Get("fired")), "messages: the runtime's timer ran")
	assert.Equal(t, 1, m.Get("sets").Int(), "messages: browser timeouts set for 100 messages")
}

// TestAttachTimeouts checks, in the real runtime, that Go's timers fire
// in an attached program whatever w3ws.js's browser timeout was armed
// for: a timer due before it, one due after it once the earlier one was
// stopped (the armed timeout fires early and is armed again for the
// rest), and one due while messages keep resuming the program. A timer
// that never fired would hang the test.
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
		echo() // idle with a later timeout armed, resumed by a message
		start := time.Now()
		time.Sleep(20 * time.Millisecond)
		assert.GreaterOrEqual(t, time.Since(start), 20*time.Millisecond)
	})
	t.Run("later", func(t *testing.T) {
		near := time.AfterFunc(30*time.Millisecond, func() {})
		echo() // idle with near's timeout armed, resumed by a message
		near.Stop()
		start := time.Now()
		time.Sleep(60 * time.Millisecond)
		assert.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)
	})
	t.Run("manyResumes", func(t *testing.T) {
		// A goroutine's timer due while messages keep resuming the
		// program.
		slept := make(chan struct{})
		go func() {
			time.Sleep(50 * time.Millisecond)
			close(slept)
		}()
		for range 100000 {
			select {
			case <-slept:
				return
			default:
				echo()
			}
		}
		t.Fatal("the timer did not fire within 100000 echoes")
	})
}

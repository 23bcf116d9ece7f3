// w3ws.js is the optional JavaScript half of github.com/w3ws/w3ws/jsbridge
// (Go's package jsbridge.ShimJS returns this file). Load it before the Go
// program starts, as a file of the page's own origin, so that a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval') allows it:
//
//	<script src="w3ws.js"></script>
//	<script src="wasm_exec.js"></script>
//
// With it, messages are unpacked in JavaScript and their bytes copied into
// buffers that Go reads in a single call, so that neither a MessageEvent
// nor its ArrayBuffer crosses into Go: each JavaScript object that does
// costs Go a reference with a finalizer, and each property Go reads a
// call. Without it, jsbridge does the same from Go, at a higher cost per
// message. A page that also calls w3wsBridge.attach(go) before it
// instantiates the program saves the most: messages then enter Go through
// a WebAssembly export instead of a syscall/js function, written
// straight into the program's memory (inbox.land), a binary send is one
// call that sends from it (inbox.sender), and the Go runtime's idle
// timeout is kept armed across messages (coalesceTimeouts):
//
//	const go = new Go();
//	w3wsBridge.attach(go);
//	WebAssembly.instantiateStreaming(fetch("main.wasm"), go.importObject)
//		.then((r) => go.run(r.instance));
//
// The file defines globalThis.w3wsBridge and nothing else; it evaluates
// no source.
"use strict";
(() => {
	// limit is the largest binary message copied into a buffer; a larger
	// one reaches Go as a Uint8Array over its own ArrayBuffer, whose copy
	// would cost more than the reference. batchLimit bounds what one drain
	// writes (a message of up to limit bytes always fits an empty batch).
	const limit = 16384;
	const batchLimit = 65536;

	// Record kinds of a batch: a record is a 4-byte little-endian header,
	// length * 4 + kind, followed, for kindBytes and kindText, by the
	// message's bytes (a text's in UTF-8). A Uint8Array over the data of a
	// kindLarge record, and the text of a kindString one (a text that may
	// not fit limit bytes), are the next of inbox.items; their header's
	// length is 0.
	const kindBytes = 0;
	const kindText = 1;
	const kindLarge = 2;
	const kindString = 3;

	const encoder = new TextEncoder();

	// utf8 writes the UTF-8 of s, which has at most limit / 3 UTF-16 code
	// units, into buf from at, which has room for 3 bytes per unit, and
	// returns how many it wrote.
	const utf8 = (s, buf, at) => encoder.encodeInto(s, buf.subarray(at, at + 3 * s.length)).written;

	// record writes the record of a message's data d into inbox.batch at
	// fill (see inbox) and returns its size, or 0 if it does not fit.
	const record = (inbox, d, fill) => {
		const b = (inbox.batch ??= new Uint8Array(batchLimit));
		if (fill + 4 > batchLimit) {
			return 0;
		}
		let kind = kindBytes;
		let n = 0;
		if (typeof d === "string" && 3 * d.length > limit) {
			kind = kindString;
			inbox.items.push(d);
		} else if (typeof d === "string") {
			// The UTF-8's length is known once written: it goes where
			// there is room (an empty batch has 3 bytes a unit), or not.
			const r = encoder.encodeInto(d, b.subarray(fill + 4));
			if (r.read < d.length) {
				return 0;
			}
			kind = kindText;
			n = r.written;
		} else if (d.byteLength > limit) {
			kind = kindLarge;
			inbox.items.push(new Uint8Array(d));
		} else {
			n = d.byteLength;
			if (fill + 4 + n > batchLimit) {
				return 0;
			}
			b.set(new Uint8Array(d), fill + 4);
		}
		const head = n * 4 + kind;
		b[fill] = head & 0xff;
		b[fill + 1] = (head >>> 8) & 0xff;
		b[fill + 2] = (head >>> 16) & 0xff;
		b[fill + 3] = (head >>> 24) & 0xff;
		return 4 + n;
	};

	// coalesceTimeouts gives go's program a cheaper idle timeout. The Go
	// runtime asks wasm_exec.js for a timeout (runtime.scheduleTimeoutEvent,
	// a setTimeout) whenever it goes idle with a Go timer pending, and
	// cancels it (runtime.clearTimeoutEvent, a clearTimeout) whenever it is
	// resumed by anything but a syscall/js function: by the timeout itself,
	// and by the _resume an attached program gets after each message. With
	// a timer pending (a context's deadline, a ticker), that is a
	// setTimeout and a clearTimeout per message, each a task the browser
	// schedules and unschedules, for a timeout that is due at the same time
	// as the one before. Here a cancelled timeout only stops counting: the
	// browser's timeout stays armed for the next one Go asks for unless
	// that one is due over a millisecond earlier (the runtime keeps its own
	// timeout when the new one is due within a millisecond of it, either
	// way); when it fires before the one Go waits for is due, it is armed
	// again for the rest. Go is resumed when, and only when, a timeout it
	// asked for and did not cancel is due, as wasm_exec.js does: due
	// within a millisecond, as the runtime rounds its delays up to whole
	// milliseconds, so a deadline asked for again after each message is
	// due up to a millisecond after the one the browser's timeout was
	// armed for (arming it again for that would cost a 4 ms wait, the
	// browser's least in a chain of timeouts).
	//
	// The two imports are replaced in go.importObject, which the program
	// is instantiated with: attach must come before instantiation. A
	// wasm_exec.js without them keeps its own.
	const coalesceTimeouts = (go) => {
		const imports = go.importObject && go.importObject.gojs;
		const scheduleName = "runtime.scheduleTimeoutEvent";
		const clearName = "runtime.clearTimeoutEvent";
		if (!imports || typeof imports[scheduleName] !== "function" || typeof imports[clearName] !== "function") {
			return;
		}
		const due = new Map(); // timeout ID -> when it is due, performance.now() ms
		let nextID = 1; // an int32 above 0; the runtime has one timeout at a time
		let armed = null; // the browser's timeout: { at, handle }

		const arm = (at) => {
			armed = { at, handle: setTimeout(fire, Math.max(0, Math.ceil(at - performance.now()))) };
		};
		const earliest = () => {
			let first = Infinity;
			for (const at of due.values()) {
				first = Math.min(first, at);
			}
			return first;
		};
		const fire = () => {
			armed = null;
			if (go.exited || due.size === 0) {
				return;
			}
			const until = performance.now() + 1;
			const ids = [...due.keys()].filter((id) => due.get(id) <= until);
			if (ids.length === 0) {
				arm(earliest());
				return;
			}
			// The runtime cancels the timeout it is resumed for; as
			// wasm_exec.js does, resume it again while it has not.
			go._resume();
			while (!go.exited && ids.some((id) => due.has(id))) {
				console.warn("scheduleTimeoutEvent: missed timeout event");
				go._resume();
			}
			if (!go.exited && armed === null && due.size > 0) {
				arm(earliest());
			}
		};

		// func scheduleTimeoutEvent(delay int64) int32
		imports[scheduleName] = (sp) => {
			sp >>>= 0;
			const delay = go.mem.getUint32(sp + 8, true) + go.mem.getInt32(sp + 12, true) * 4294967296;
			const id = nextID;
			nextID = nextID === 0x7fffffff ? 1 : nextID + 1;
			const at = performance.now() + delay;
			due.set(id, at);
			if (armed === null || armed.at > at + 1) {
				if (armed !== null) {
					clearTimeout(armed.handle);
				}
				arm(at);
			}
			go.mem.setInt32(sp + 16, id, true);
		};
		// func clearTimeoutEvent(id int32)
		imports[clearName] = (sp) => {
			sp >>>= 0;
			due.delete(go.mem.getInt32(sp + 8, true));
		};
	};

	// programs are the Go programs given to attach, until they exit.
	const programs = [];

	// programOf returns the one attached Go program, running, whose
	// w3wsProgram export returns token (each program draws its own), with
	// its exports; or null, and messages then come through go.
	const programOf = (token) => {
		if (typeof token !== "number") {
			return null;
		}
		let found = null;
		for (let i = programs.length - 1; i >= 0; i--) {
			const go = programs[i];
			if (go.exited) {
				programs.splice(i, 1);
				continue;
			}
			const ex = go._inst && go._inst.exports;
			if (!ex || typeof ex.w3wsProgram !== "function" || typeof ex.w3wsMessage !== "function") {
				continue;
			}
			let t;
			try {
				t = ex.w3wsProgram();
			} catch {
				continue; // a program that failed: not the caller
			}
			if (t === token) {
				if (found !== null) {
					return null;
				}
				found = { go, ex };
			}
		}
		return found;
	};

	globalThis.w3wsBridge = Object.freeze({
		// version is the calling convention below; jsbridge uses the file
		// only when it finds the version it knows.
		version: 2,

		// attach makes the messages of go's sockets (go being the Go
		// instance of wasm_exec.js that runs the program) cheaper still:
		// call it right after new Go(), before the program is
		// instantiated with go.importObject. The listener then hands the
		// program a message in its memory (inbox.land) through its
		// w3wsMessage export (a larger binary one through w3wsLarge), a
		// plain WebAssembly call, and lets its goroutines run with
		// go._resume(), as wasm_exec.js's timers do; without attach it
		// calls go, a syscall/js function, whose call costs Go a
		// reference with a finalizer for each of its this and arguments
		// and a property name decoded for each of the five it reads.
		// While a Go timer is pending, each _resume would also cost a
		// clearTimeout and a setTimeout, which coalesceTimeouts saves;
		// attached after the program was instantiated, the messages
		// still take the export, but the timeouts stay wasm_exec.js's.
		//
		// A Go instance without _resume (a wasm_exec.js of another
		// shape) is left out: its program's messages come through go.
		attach(go) {
			if (go === null || typeof go !== "object") {
				throw new TypeError("w3wsBridge.attach: not a Go instance of wasm_exec.js");
			}
			if (typeof go._resume !== "function") {
				console.warn("w3wsBridge.attach: this Go instance has no _resume; its messages come through syscall/js");
				return;
			}
			if (!programs.includes(go)) {
				programs.push(go);
				coalesceTimeouts(go);
			}
		},

		// inbox returns a socket's inbox. Its listener, set as the
		// socket's onmessage when messages are taken one by one, calls
		// go(code, x) once per message. For a binary message of at most
		// limit bytes, x is its length, its bytes being at the start of
		// inbox.buffer (a Uint8Array of limit bytes, made for the first
		// such message and kept); for a larger one, a Uint8Array over its
		// data. For a text of at most limit / 3 UTF-16 code units, x is -1
		// - the length of its UTF-8, in inbox.buffer; for a longer one,
		// the text. In an attached program, inbox.land can move what
		// inbox.buffer holds into the program's memory, a larger binary
		// message is written there too, where the program's w3wsLarge
		// export says, and inbox.sender sends from there.
		//
		// When messages are batched, the browser pushes their events to
		// msgs (an Array) by itself, and drain() unpacks them, oldest
		// first, into inbox.batch (a Uint8Array of batchLimit bytes, made
		// for the first drain that writes and kept) and inbox.items
		// (emptied by each drain), as records, as many as batchLimit
		// allows. It returns the bytes it wrote times 2, plus 1 if events
		// remain for the next drain; once none remain it empties msgs (so
		// that a long queue is not moved once per drain).
		//
		// token is the program's w3wsProgram() when it has that export;
		// with the program attached, a message in inbox.buffer (or at
		// land's ptr) calls its w3wsMessage(code, x) export instead of
		// go (and go after all when the export returns 0).
		inbox(go, code, msgs, token) {
			const program = programOf(token);
			// mem is the attached program's memory, which land, sender
			// and large work in; null when there is none.
			const mem = program !== null && program.ex.mem instanceof WebAssembly.Memory ? program.ex.mem : null;
			// resume runs the goroutines an export woke; if the
			// program exited inside the export, it settles go.run's
			// promise instead, as _resume would have.
			const resume = () => {
				if (program.go.exited) {
					program.go._resolveExitPromise?.();
				} else {
					program.go._resume();
				}
			};
			const buffered = program === null ? (x) => go(code, x) : (x) => {
				// 0: the export could not take the message without
				// waiting; go can. A program that exited throws.
				if (program.go.exited || program.ex.w3wsMessage(code, x) === 0) {
					go(code, x);
					return;
				}
				resume();
			};
			// large passes the attached program a binary message d of
			// n bytes, more than limit, through its w3wsLarge export,
			// which returns where in its memory to write it, and says
			// whether it did; if not, the listener calls go. null when
			// the program is not attached or has no such export.
			const large = mem === null || typeof program.ex.w3wsLarge !== "function" ? null : (d, n) => {
				if (program.go.exited || n > 0x7fffffff) {
					return false; // n must fit the export's int32
				}
				const p = program.ex.w3wsLarge(code, n);
				if (program.go.exited) {
					resume();
					return true;
				}
				if (p === 0) {
					return false; // a lock was held: go can wait for it
				}
				if (p < 0) {
					return true; // nothing to take it for
				}
				// The buffer of now: the export may have grown the memory.
				const buf = mem.buffer;
				if (!Number.isInteger(p) || p + n > buf.byteLength) {
					throw new Error("w3ws.js: w3wsLarge returned " + p + " for " + n + " bytes");
				}
				new Uint8Array(buf, p, n).set(new Uint8Array(d));
				resume();
				return true;
			};
			// target returns where the listener writes a message of at
			// most limit bytes: buffer, made for the first, unless land
			// said otherwise.
			let target = () => (inbox.buffer ??= new Uint8Array(limit));
			const inbox = {
				// sender returns, for a program attached, a function
				// that sends the n bytes at ptr in its memory on ws if
				// ws is OPEN, and returns whether it was; send copies
				// them before it returns. Over limit bytes it copies
				// them first into a buffer of its own, which it keeps
				// (grown to the largest message sent), as
				// jsbridge's SendBytes does. Otherwise it returns null.
				sender: (ws) => {
					if (mem === null) {
						return null;
					}
					let scratch = null;
					return (ptr, n) => {
						if (ws.readyState !== 1) {
							return false;
						}
						const bytes = new Uint8Array(mem.buffer, ptr, n);
						if (n <= limit) {
							ws.send(bytes);
							return true;
						}
						// A larger message is copied out first: sent from
						// the program's memory, a 64 KiB ping-pong echo
						// cost Chromium's renderer 552 µs on its main
						// thread and 118 µs on its worker threads, copied
						// first 458 and 30 (one run each of
						// BenchmarkBrowserThroughput with
						// W3WS_BENCH_THREADS=1).
						if (scratch === null || scratch.length < n) {
							scratch = new Uint8Array(Math.max(n, 2 * (scratch === null ? 0 : scratch.length)));
						}
						scratch.set(bytes);
						ws.send(scratch.subarray(0, n));
						return true;
					};
				},
				// land, for a program attached, makes the listener write
				// the messages it passes as a number at ptr in the
				// program's memory, where limit bytes are the socket's,
				// instead of in buffer, and returns true; otherwise it
				// returns false.
				land: (ptr, size) => {
					if (mem === null || size !== limit) {
						return false;
					}
					let view = null;
					target = () => {
						// A grown memory has a new buffer.
						if (view === null || view.buffer !== mem.buffer) {
							view = new Uint8Array(mem.buffer, ptr, limit);
						}
						return view;
					};
					return true;
				},
				buffer: null,
				batch: null,
				items: [],
				listener: (e) => {
					const d = e.data;
					if (typeof d === "string") {
						if (3 * d.length > limit) {
							go(code, d);
							return;
						}
						buffered(-1 - utf8(d, target(), 0));
						return;
					}
					const n = d.byteLength;
					if (n > limit) {
						if (large === null || !large(d, n)) {
							go(code, new Uint8Array(d));
						}
						return;
					}
					const t = target();
					if (n > 0) {
						t.set(new Uint8Array(d));
					}
					buffered(n);
				},
				next: 0, // the first event of msgs that drain has not written
				drain: () => {
					inbox.items.length = 0;
					let fill = 0;
					let i = inbox.next;
					for (; i < msgs.length; i++) {
						const size = record(inbox, msgs[i].data, fill);
						if (size === 0) {
							break;
						}
						fill += size;
					}
					if (i < msgs.length) {
						inbox.next = i;
						return fill * 2 + 1;
					}
					msgs.length = 0;
					inbox.next = 0;
					return fill * 2;
				},
			};
			return inbox;
		},
	});
})();

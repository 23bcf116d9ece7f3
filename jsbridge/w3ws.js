// w3ws.js is the optional JavaScript half of github.com/w3ws/w3ws/jsbridge
// (Go's package jsbridge.ShimJS returns this file). Load it before the Go
// program starts, as a file of the page's own origin, so that a strict
// Content-Security-Policy (script-src 'self' 'wasm-unsafe-eval') allows it:
//
//	<script src="w3ws.js"></script>
//	<script src="wasm_exec.js"></script>
//
// With it, a socket's message listener unpacks each message in JavaScript
// and copies a binary one into a buffer that Go reads in a single call, so
// that neither the MessageEvent nor its ArrayBuffer crosses into Go: each
// JavaScript object that does costs Go a reference with a finalizer, and
// each property Go reads a call. Without it, jsbridge does the same from Go,
// at a higher cost per message. The file defines globalThis.w3wsBridge and
// nothing else; it evaluates no source.
"use strict";
(() => {
	// limit is the largest message copied into a socket's buffer; a larger
	// one reaches Go as a Uint8Array over its own ArrayBuffer, whose copy
	// would cost more than the reference.
	const limit = 16384;

	globalThis.w3wsBridge = Object.freeze({
		// version is the calling convention below; jsbridge uses the file
		// only when it finds the version it knows.
		version: 1,

		// direct returns an inbox whose listener, set as a socket's
		// onmessage, calls go(code, x) once per message: x is the text of a
		// text message; for a binary message of at most limit bytes, its
		// length, its bytes being at the start of inbox.buffer (a
		// Uint8Array that grows, and is replaced when it does); for a
		// larger one, a Uint8Array over its data.
		direct(go, code) {
			const inbox = {
				buffer: new Uint8Array(0),
				listener: (e) => {
					const d = e.data;
					if (typeof d === "string") {
						go(code, d);
						return;
					}
					const n = d.byteLength;
					if (n > limit) {
						go(code, new Uint8Array(d));
						return;
					}
					if (n > inbox.buffer.length) {
						inbox.buffer = new Uint8Array(Math.min(limit, Math.max(n, 2 * inbox.buffer.length, 256)));
					}
					if (n > 0) {
						inbox.buffer.set(new Uint8Array(d));
					}
					go(code, n);
				},
			};
			return inbox;
		},
	});
})();

// wasmexec.js runs one Go wasm program for wasmexec (runner.go), in the page
// that loads it right after wasm_exec.js: index.html, or the page of
// $W3WS_WASMEXEC_PAGE. Everything it needs comes from the runner's server,
// under the page's secret path: config.json ({argv, env, token}) and
// prog.wasm. The runner reads the page's console over DevTools:
//   - console.log lines are the program's stdout, console.error its stderr;
//   - console.debug(`${token} exit ${code}`) is the exit code, always the
//     last message, so every line the program wrote is printed before it.
//
// Its names stay inside one function, out of the way of the page's own
// scripts. A failure before report exists (config.json not loading) is an
// unhandled rejection, which the runner sees as an uncaught exception.
(() => {
	"use strict";

	// streams replaces the fs.writeSync of wasm_exec.js, which is how the
	// Go runtime writes os.Stdout and os.Stderr. The default sends both to
	// console.log, decodes each write on its own (a UTF-8 character split
	// across two writes turns into U+FFFD) and drops an unfinished last line
	// at exit. This one keeps the two streams apart, decodes across writes,
	// and flush() prints what is left when the program exits. Each console
	// call carries whole lines without their last newline; the runner adds
	// it back.
	const streams = {
		1: { log: console.log, dec: new TextDecoder("utf-8"), buf: "" },
		2: { log: console.error, dec: new TextDecoder("utf-8"), buf: "" },
	};
	globalThis.fs.writeSync = (fd, bytes) => {
		const s = streams[fd] || streams[1];
		s.buf += s.dec.decode(bytes, { stream: true });
		const nl = s.buf.lastIndexOf("\n");
		if (nl !== -1) {
			s.log(s.buf.substring(0, nl));
			s.buf = s.buf.substring(nl + 1);
		}
		return bytes.length;
	};
	const flush = () => {
		for (const s of Object.values(streams)) {
			s.buf += s.dec.decode();
			if (s.buf !== "") {
				s.log(s.buf);
				s.buf = "";
			}
		}
	};

	(async () => {
		const cfg = await (await fetch("config.json", { cache: "no-store" })).json();
		let reported = false;
		const report = (code) => {
			if (!reported) {
				reported = true;
				flush();
				console.debug(`${cfg.token} exit ${code}`);
			}
		};
		const fail = (what, err) => {
			console.error(`wasmexec: ${what}: ${(err && err.stack) || err}`);
			report(1);
		};

		const go = new Go();
		go.argv = cfg.argv;
		go.env = cfg.env;
		go.exit = report;
		// A page with w3ws.js hands messages to the program through its
		// WebAssembly exports (see jsbridge.ShimJS).
		if (typeof globalThis.w3wsBridge?.attach === "function") {
			globalThis.w3wsBridge.attach(go);
		}

		let result;
		try {
			result = await WebAssembly.instantiateStreaming(fetch("prog.wasm"), go.importObject);
		} catch (err) {
			fail(`cannot instantiate ${cfg.argv[0]}`, err);
			return;
		}
		try {
			await go.run(result.instance);
		} catch (err) {
			fail("the Go program threw", err);
		}
	})();
})();

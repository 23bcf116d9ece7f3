// Command wasmexec runs a js/wasm Go program or test binary in headless
// Chromium, as go_js_wasm_exec runs one in Node.js. Build it for the host,
// then give it to go test as the -exec program:
//
//	go build -o bin/wasmexec ./wasm/wasmexec
//	GOOS=js GOARCH=wasm go test -exec "$PWD/bin/wasmexec" ./websocket
//
// (-exec "go run ./wasm/wasmexec" does not work: go run would inherit
// GOOS=js and build wasmexec itself for the browser.) go test then runs
// "wasmexec /tmp/go-build.../websocket.test -test.paniconexit0
// -test.timeout=10m0s ...". wasmexec also runs a plain program:
// "wasmexec prog.wasm args...".
//
// wasmexec serves the binary, $(go env GOROOT)/lib/wasm/wasm_exec.js and a
// small page from 127.0.0.1, starts Chromium with the flags of package
// github.com/w3ws/w3ws/wasm/browser, and:
//
//   - passes the arguments and its whole environment to the program
//     (os.Args, os.Getenv), so a test reads W3WS_* settings as it does
//     natively. wasm_exec.js fits arguments and environment into 8 KiB; if
//     they do not fit, the largest variables that are not W3WS_* or GO* are
//     left out, and wasmexec says which on stderr;
//   - copies the program's stdout and stderr to its own, line by line as the
//     program writes them, with nothing added, so go test and test2json parse
//     the output as usual;
//   - exits with the program's exit code.
//
// Exit codes of wasmexec itself: 2 when it cannot start (bad arguments,
// Chromium or wasm_exec.js missing), 1 when the program could not run to its
// end (the wasm did not instantiate, an uncaught JavaScript exception, the
// page crashed, a time-out, or a signal).
//
// The whole run has a time limit: -test.timeout plus 30s when that flag is
// given (0 means no limit, as for go test), so that the test binary's own
// time-out panic and stack dump come first; else $W3WS_WASMEXEC_TIMEOUT, a
// time.Duration, by default 10m.
//
// Environment:
//
//	W3WS_CHROMIUM           the Chromium binary, default /usr/bin/chromium
//	W3WS_WASMEXEC_TIMEOUT   the time limit when -test.timeout is not given
//	W3WS_WASMEXEC_DEBUG     if not empty, also print to stderr the phases of
//	                        the run with their times, and the browser's own
//	                        log (failed loads, WebSocket errors)
//
// wasmexec is native only; on js/wasm this package is empty.
package main

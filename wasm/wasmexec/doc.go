//go:build !js

// Command wasmexec runs a js/wasm Go program or test binary in headless
// Chromium, as go_js_wasm_exec runs one in Node.js. Install it for the host,
// then give it to go test as the -exec program, in any module:
//
//	go install github.com/w3ws/w3ws/wasm/wasmexec@latest
//	GOOS=js GOARCH=wasm go test -exec "$(go env GOPATH)/bin/wasmexec" ./...
//
// (In w3ws itself, make wasmexec builds bin/wasmexec. -exec "go run ..." does
// not work: go run would inherit GOOS=js and build wasmexec itself for the
// browser.) go test then runs "wasmexec /tmp/go-build.../pkg.test
// -test.paniconexit0 -test.timeout=10m0s ..." in the package's directory.
// wasmexec also runs a plain program: "wasmexec prog.wasm args...". It has
// no flags of its own: every argument after the program goes to the program.
//
// wasmexec serves the binary, Go's wasm_exec.js and a small page from
// 127.0.0.1, starts Chromium with the flags of package
// github.com/w3ws/w3ws/wasm/browser, and:
//
//   - passes the arguments and its whole environment to the program
//     (os.Args, os.Getenv), so a test reads its settings as it does
//     natively. wasm_exec.js fits arguments and environment into 8 KiB; if
//     they do not fit, the largest variables that are not W3WS_* or GO* are
//     left out, and wasmexec says which on stderr;
//   - copies the program's stdout and stderr to its own, line by line as the
//     program writes them, with nothing added, so go test and test2json parse
//     the output as usual;
//   - exits with the program's exit code.
//
// The wasm_exec.js is the one of the go command in use, which built the
// program: in $GOROOT if that is set, else in $(go env GOROOT) for the go
// command in $PATH (go test puts its own first there); under lib/wasm, or
// misc/wasm before Go 1.24.
//
// Exit codes of wasmexec itself: 2 when it cannot start (bad arguments or
// settings, Chromium or wasm_exec.js missing), 1 when the program could not
// run to its end (the wasm did not instantiate, an uncaught JavaScript
// exception, the page crashed, a time-out, or a signal).
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
//	W3WS_WASMEXEC_HEADLESS  0 (or false) shows Chromium's window, which
//	                        needs a display; default 1, headless. The
//	                        window closes when the program exits
//	W3WS_WASMEXEC_PAGE      an HTML file to run the program in instead of
//	                        the built-in page (see below)
//	W3WS_WASMEXEC_DEBUG     if not empty, also print to stderr the phases of
//	                        the run with their times, and the browser's own
//	                        log (failed loads, WebSocket errors)
//
// A page of W3WS_WASMEXEC_PAGE gives the program the DOM, styles or
// JavaScript libraries it expects. It must load the runner's two scripts,
// in this order, where the program should start (for example at the end of
// its body):
//
//	<script src="wasm_exec.js"></script>
//	<script src="wasmexec.js"></script>
//
// The other files of its directory are served next to it, so the page can
// load its own with relative URLs; the names wasm_exec.js, wasmexec.js,
// w3ws.js, config.json and prog.wasm are the runner's. The runner's own
// page also loads w3ws.js (jsbridge.ShimJS) first, which w3ws's sockets use
// where a page has it; a page of W3WS_WASMEXEC_PAGE may load it too.
// wasmexec.js attaches the program to it (w3wsBridge.attach) wherever the
// page has it. Give an absolute path: go test
// runs each package's test binary in that package's directory.
//
// wasmexec builds natively only, not for js/wasm.
package main

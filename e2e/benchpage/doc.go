//go:build js && wasm

// Command benchpage is the Go half of BenchmarkBrowserThroughput, compiled
// to WebAssembly and loaded by the benchmark's page next to a plain
// JavaScript benchmark that does the same work:
//
//	GOOS=js GOARCH=wasm go build -o bench.wasm ./e2e/benchpage
//
// It sets globalThis.goBench(url, size, inFlight, warmUpMs, windowMs), which
// returns a Promise of {count, seconds, total, bad, shim}: it opens a socket to an
// echo server with BinaryTypeArrayBuffer, keeps inFlight binary messages of
// size bytes in flight (one new message for each echo), lets warmUpMs pass,
// and counts the echoes that arrive in the next windowMs (count, over
// seconds measured); total is every echo of the run, bad those of the wrong
// type or size; shim says whether the page had w3ws.js (globalThis.w3wsBridge)
// when goBench was called, and so when the socket was made. It builds only
// for js/wasm.
package main

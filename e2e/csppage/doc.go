//go:build js && wasm

// Command csppage is the Go program of TestWebsocketUnderCSP, compiled to
// WebAssembly and run in a page whose Content-Security-Policy allows
// 'wasm-unsafe-eval' but not 'unsafe-eval':
//
//	GOOS=js GOARCH=wasm go build -o csp.wasm ./e2e/csppage
//
// It opens a socket with the relative URL "echo", sends a text and a binary
// message, checks their echoes, closes with 1000 "done", and hands its event
// log to the page's w3wsReport function. It builds only for js/wasm.
package main

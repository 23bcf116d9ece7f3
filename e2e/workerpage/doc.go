//go:build js && wasm

// Command workerpage is the Go program of TestWebsocketInWorker, compiled
// to WebAssembly and run inside a dedicated Web Worker, where there is no
// window:
//
//	GOOS=js GOARCH=wasm go build -o worker.wasm ./e2e/workerpage
//
// It opens a socket with the relative URL "echo", which package websocket
// must resolve against the worker script's location, sends a text and two
// binary messages (read back first as a Blob, then as an ArrayBuffer),
// closes with 1000 "bye", and posts its event log to the page as
// {log: [...]}. It builds only for js/wasm.
package main

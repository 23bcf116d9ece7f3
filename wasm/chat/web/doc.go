//go:build js && wasm

// Command web is the chat page's program, compiled to WebAssembly:
//
//	GOOS=js GOARCH=wasm go build -o chat.wasm ./wasm/chat/web
//
// It joins the room with chat.Client, the same code the native bot runs, and
// uses syscall/js only for the page: the name form, the chat log, the user
// list and the message form of index.html (in package server, which serves
// both). It builds only for js/wasm.
package main

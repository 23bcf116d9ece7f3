//go:build !js

// Command chat runs the demo chat on 127.0.0.1: the server of package
// server, which serves the page and the chat socket, and the native bot of
// package bot in the same room. It builds nothing: build the page's program
// first, then pass its path.
//
//	GOOS=js GOARCH=wasm go build -o bin/chat.wasm ./wasm/chat/web
//	go run ./wasm/chat/cmd/chat -wasm bin/chat.wasm
//
// It prints "chat: open http://127.0.0.1:PORT/" and serves until
// interrupted. Flags:
//
//	-wasm path      the web program (required)
//	-wasmexec path  the wasm_exec.js matching the Go that built it
//	                (default: the one of the go command in use, in
//	                $GOROOT or else $(go env GOROOT), under lib/wasm,
//	                or misc/wasm before Go 1.24)
//	-port n         the port to listen on (default 0: any free port)
//
// Chat builds natively only, not for js/wasm.
package main

// Package server is the chat's server side: an http.Handler ([Server]) that
// serves the page (index.html, the web program compiled to WebAssembly,
// Go's wasm_exec.js and w3ws's w3ws.js) and the chat endpoint /ws, where it keeps the room:
// ids, unique names, the user list, and the broadcast of every line.
//
// It speaks the protocol of package chat with websocket.Upgrade, so it is
// native only; on js/wasm only the room logic is compiled.
package server

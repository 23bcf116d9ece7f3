// Package chat is the chat of MDN's "Writing WebSocket client applications"
// guide, written in Go on top of package websocket: the protocol's message
// types ([Message]) and a portable [Client].
//
// The same Client code runs natively (the bot in package bot) and compiled to
// WebAssembly in the page (package main in web/), where package websocket
// drives the browser's own WebSocket. It imports nothing that is native only.
//
// The protocol is MDN's: JSON text messages told apart by their "type" field.
//
//	server → client  {"type":"id","id":N}                  on connect; answer with "username"
//	client → server  {"type":"username","name":...,"id":N,"date":ms}
//	server → client  {"type":"rejectusername","name":...}  the name was taken; this is yours now
//	server → all     {"type":"userlist","users":[...]}     whenever someone joins, renames or leaves
//	client → server  {"type":"message","text":...,"id":N,"date":ms}
//	server → all     {"type":"message","name":...,"text":...,"date":ms}
//
// The server side is package server; the page is web/, the bot is bot/, and
// cmd/chat runs them together (make demo).
package chat

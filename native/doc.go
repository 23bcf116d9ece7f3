// Package native is w3ws's own RFC 6455 WebSocket engine: the frame codec,
// masking, incremental UTF-8 validation, the client handshake ([Dial]) and the
// server handshake ([Accept]), and a [Conn] that reassembles messages, answers
// pings, and runs the closing handshake in both directions.
//
// It knows nothing of the W3C WebSocket interface; package
// github.com/w3ws/w3ws/websocket builds that on top of it. The engine is usable
// on its own:
//
//	c, _, err := native.Dial(ctx, "ws://127.0.0.1:8080/echo", nil)
//	if err != nil { ... }
//	defer c.Close(native.StatusNormalClosure, "")
//	err = c.WriteMessage(native.MessageText, []byte("hello"))
//	typ, msg, err := c.ReadMessage(nil)
//
// A Conn is safe for one reader and any number of concurrent writers. Every
// failure is an error value; peer input never makes the engine panic.
// Section numbers in comments refer to RFC 6455.
package native

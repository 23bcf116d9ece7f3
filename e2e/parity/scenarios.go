package parity

import (
	"fmt"
	"strings"
	"time"

	"github.com/w3ws/w3ws/websocket"
)

// The scenarios, in run order. e2e/parity_harness.js has the same list,
// with the same names, doing the same steps in JavaScript.
var scenarios = []Scenario{
	// The constructor: its errors, and the URL it serializes.
	{"ctor-scheme-ftp", func(t *T) { t.ctorFails("ftp://" + t.hostPath("/echo")) }},
	{"ctor-fragment", func(t *T) { t.ctorFails(t.wsBase() + "/echo#frag") }},
	{"ctor-empty-fragment", func(t *T) { t.ctorFails(t.wsBase() + "/echo#") }},
	{"ctor-protocol-space", func(t *T) { t.ctorFails(t.wsBase()+"/echo", "a b") }},
	{"ctor-protocol-empty", func(t *T) { t.ctorFails(t.wsBase()+"/echo", "") }},
	{"ctor-protocol-non-ascii", func(t *T) { t.ctorFails(t.wsBase()+"/echo", "é") }},
	{"ctor-protocol-separator", func(t *T) { t.ctorFails(t.wsBase()+"/echo", "a,b") }},
	{"ctor-protocol-duplicate", func(t *T) { t.ctorFails(t.wsBase()+"/echo", "a", "a") }},
	{"ctor-protocol-case-duplicate", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose(u, id, hooks{protocols: []string{"echo", "eCho"}})
	}},
	{"ctor-url-http", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose("http"+strings.TrimPrefix(u, "ws"), id, hooks{})
	}},
	{"ctor-url-serialization", func(t *T) {
		u, id := t.url("/echo", "q=a b&r=é&s=%41")
		t.openAndClose("  WS://"+strings.TrimPrefix(u, "ws://")+" ", id, hooks{})
	}},
	{"ctor-url-no-slashes", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose("ws:"+strings.TrimPrefix(u, "ws://"), id, hooks{})
	}},
	{"ctor-url-dot-segments", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose(strings.Replace(u, "/echo", "/a/./b/../../echo", 1), id, hooks{})
	}},
	{"ctor-url-port-leading-zero", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose(strings.Replace(u, "127.0.0.1:", "127.0.0.1:0", 1), id, hooks{})
	}},
	{"ctor-url-uppercase-localhost", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose(strings.Replace(u, "127.0.0.1", "LocalHost", 1), id, hooks{})
	}},
	{"ctor-url-userinfo", func(t *T) {
		u, id := t.url("/echo", "")
		t.openAndClose(strings.Replace(u, "ws://", "ws://user:pass@", 1), id, hooks{})
	}},
	{"ctor-url-idn-host", func(t *T) {
		// Chrome maps the host to punycode and fails to resolve it (the test's
		// Chromium resolves only 127.0.0.1 and localhost).
		t.wait(t.dial("ws://bücher.invalid/", "", hooks{}))
	}},
	{"ctor-protocol-token-chars", func(t *T) {
		u, id := t.url("/protocol-first", "")
		t.wait(t.dial(u, id, hooks{protocols: []string{"!#$%&'*+-.^_`|~09AZaz"}, message: closeAfter(t, 1)}))
	}},
	{"ctor-url-space-in-host", func(t *T) {
		t.wait(t.dial("ws://foo bar/", "", hooks{}))
	}},
	{"ctor-url-relative", func(t *T) {
		id := t.newID()
		t.openAndClose("/echo?id="+id, id, hooks{})
	}},
	{"ctor-url-relative-base", func(t *T) {
		id := t.newID()
		t.openAndClose("/echo?id="+id, id, hooks{baseURL: t.env.Page})
	}},
	{"ctor-blocked-port", func(t *T) {
		t.wait(t.dial("ws://127.0.0.1:1/", "", hooks{}))
	}},

	// send() while CONNECTING throws; close() validates its arguments first,
	// in every state.
	{"send-connecting", func(t *T) {
		u, id := t.url("/delay", "ms=200")
		ws := t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) { t.close(ws, 1000, "") }})
		t.state(ws)
		t.send(ws, "x")
		t.send(ws, []byte{1, 2, 3})
		t.buffered(ws)
		t.wait(ws)
	}},
	{"close-validation-open", func(t *T) {
		u, id := t.url("/echo", "")
		ws := t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) {
			for _, code := range []int{1001, 999, 1005, 2999, 5000, 65535} {
				t.close(ws, code, "")
			}
			t.close(ws, 1001, strings.Repeat("a", 124))
			t.close(ws, 1000, strings.Repeat("a", 124))
			t.close(ws, 1000, strings.Repeat("é", 62))
			t.close(ws, 4000, strings.Repeat("€", 41))
			t.close(ws, 1000, "")
		}})
		t.wait(ws)
	}},
	{"close-validation-closed", func(t *T) {
		u, id := t.url("/echo", "")
		ws := t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) { t.close(ws, 1000, "") }})
		t.wait(ws)
		t.close(ws, 1001, "")
		t.close(ws, 999, "")
		t.close(ws, 1000, strings.Repeat("a", 124))
		t.close(ws, 1000, "")
		t.close(ws, 0, "")
		t.send(ws, "x")
		t.buffered(ws)
	}},

	// Every way a connection closes.
	{"close-client-code-reason", func(t *T) { t.closeOnOpen("/echo", "", 4001, "bye") }},
	{"close-client-no-args", func(t *T) { t.closeOnOpen("/echo", "", 0, "") }},
	{"close-client-1000", func(t *T) { t.closeOnOpen("/echo", "", 1000, "") }},
	{"close-server-code-reason", func(t *T) { t.serverCloses("/close", "code=4002&reason=server%20bye") }},
	{"close-server-empty", func(t *T) { t.serverCloses("/close", "") }},
	{"close-server-then-drop", func(t *T) { t.serverCloses("/close", "code=1000&reason=drop&drop=1") }},
	{"close-server-code-999", func(t *T) { t.serverCloses("/close", "code=999&reason=x") }},
	{"close-server-code-5000", func(t *T) { t.serverCloses("/close", "code=5000&reason=x") }},
	{"close-server-goodbye", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) { t.send(ws, "Goodbye") }}))
	}},
	{"close-abrupt-drop", func(t *T) { t.serverCloses("/drop", "") }},
	{"close-abrupt-drop-after-ping", func(t *T) { t.serverCloses("/drop", "ping=1") }},
	{"close-passive-abort", func(t *T) { t.closeOnOpen("/passive-close-abort", "", 1000, "") }},
	{"close-keep-open", func(t *T) { t.timedClose("/keep-open", 0, "", 1500*time.Millisecond, 5*time.Second) }},
	{"close-delayed-passive", func(t *T) {
		t.timedClose("/delayed-passive-close", 1000, "x", 900*time.Millisecond, 5*time.Second)
	}},
	{"close-connecting", func(t *T) {
		u, id := t.url("/delay", "ms=3000")
		ws := t.dial(u, id, hooks{})
		t.waitRequest(id)
		t.state(ws)
		t.close(ws, 1000, "bye")
		t.closeAgain(ws, 4000, "again")
		t.send(ws, "x")
		t.buffered(ws)
		t.wait(ws)
	}},
	{"close-connecting-at-once", func(t *T) {
		u, _ := t.url("/delay", "ms=3000")
		ws := t.dial(u, "", hooks{}) // the request may not even be made
		t.state(ws)
		t.close(ws, 0, "")
		t.wait(ws)
	}},
	{"message-after-close-dropped", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) {
			t.send(ws, "a")
			t.close(ws, 1000, "")
		}}))
	}},

	{"close-server-with-message", func(t *T) {
		// A message and the server's Close in one write.
		u, id := t.url("/raw", "linger=0&frames=81026869"+"880203e8")
		t.wait(t.dial(u, id, hooks{}))
	}},
	{"close-server-in-handshake-write", func(t *T) {
		// A message and Close(1001, "PASS") in the write of the 101 (WPT
		// simple_handshake).
		u, id := t.url("/raw", "with101=1&linger=0&frames=81026869"+"880603e950415353")
		t.wait(t.dial(u, id, hooks{}))
	}},
	{"close-in-message-handler", func(t *T) {
		// Three messages in one write; close() in the first one's handler:
		// messages received after close() are not delivered.
		u, id := t.url("/raw", "linger=0&frames=810161"+"810162"+"810163")
		t.wait(t.dial(u, id, hooks{message: closeAfter(t, 1)}))
	}},
	{"send-while-closing", func(t *T) {
		// The server's Close arrives; the server holds TCP 500 ms, so the
		// socket stays CLOSING meanwhile: send() sends nothing and throws
		// nothing, bufferedAmount grows, close() does nothing.
		u, id := t.url("/raw", "linger=500&frames=880203e8")
		ws := t.dial(u, id, hooks{})
		t.waitState(ws, websocket.CLOSING)
		t.send(ws, "x")
		t.buffered(ws)
		t.close(ws, 1000, "")
		t.wait(ws)
	}},

	// Protocol violations by the server, each after a complete message that
	// must still be delivered (sent in its own write: Chrome drops the
	// complete frames that come in the same read as a malformed header).
	{"violation-invalid-utf8", func(t *T) { t.violation("8101ff") }},
	{"violation-invalid-utf8-across-fragments", func(t *T) { t.violation("0101e2" + "800141") }},
	{"violation-reserved-opcode", func(t *T) { t.violation("8300") }},
	{"violation-masked-frame", func(t *T) { t.violation("818200000000" + "6f6b") }},
	{"violation-rsv1", func(t *T) { t.violation("c1026f6b") }},
	{"violation-ping-126-bytes", func(t *T) { t.violation("897e007e" + strings.Repeat("00", 126)) }},
	{"violation-fragmented-ping", func(t *T) { t.violation("0900" + "8900") }},
	{"violation-non-minimal-length", func(t *T) { t.violation("817e0005" + "68656c6c6f") }},
	{"violation-stray-continuation", func(t *T) { t.violation("80026f6b") }},
	{"violation-unfinished-message", func(t *T) { t.violation("010161" + "810162") }},
	{"violation-data-after-close", func(t *T) { t.violation("880203e8" + "81026f6b") }},
	{"violation-close-code-1005", func(t *T) { t.violation("880203ed") }},
	{"violation-close-1-byte-body", func(t *T) { t.violation("880103") }},
	{"violation-close-reason-invalid-utf8", func(t *T) { t.violation("880303e8ff") }},

	// Failed opening handshakes.
	{"handshake-http-200", func(t *T) { t.handshake("status=200") }},
	{"handshake-http-301", func(t *T) { t.handshake("status=301") }},
	{"handshake-http-404", func(t *T) { t.handshake("status=404") }},
	{"handshake-bad-accept", func(t *T) { t.handshake("accept=thisisawrongacceptkey") }},
	{"handshake-unrequested-protocol", func(t *T) { t.handshake("protocol=foobar") }},
	{"handshake-protocol-not-offered", func(t *T) { t.handshake("protocol=foobar", "echo") }},
	{"handshake-missing-protocol", func(t *T) { t.handshake("protocol=", "echo") }},
	{"handshake-protocol-other-case", func(t *T) { t.handshake("protocol=ECHO", "echo") }},
	{"handshake-unrequested-extension", func(t *T) { t.handshake("extensions=x-unknown") }},
	{"handshake-bad-deflate-parameters", func(t *T) { t.handshake("extensions=permessage-deflate%3B%20foo") }},
	{"handshake-not-http", func(t *T) { t.handshake("raw=FOO%20BAR%20BAZ%0D%0A%0D%0A") }},
	{"calls-in-error-handler", func(t *T) {
		// After a failed handshake, in the error handler: CLOSED already,
		// close() does nothing, send() throws nothing and is counted.
		u, id := t.url("/hs", "status=500")
		t.wait(t.dial(u, id, hooks{
			error: func(ws *websocket.WebSocket) {
				t.close(ws, 1000, "")
				t.close(ws, 1001, "")
				t.send(ws, "abc")
				t.buffered(ws)
			},
			close: func(ws *websocket.WebSocket, _ *websocket.CloseEvent) { t.buffered(ws) },
		}))
	}},

	{"handshake-deflate-accepted", func(t *T) {
		// The server accepts permessage-deflate (its frames stay
		// uncompressed): Chrome offers it, and so does a native client,
		// with or without Options.Compression.
		u, id := t.url("/hs", "extensions=permessage-deflate")
		t.openAndClose(u, id, hooks{})
	}},

	// Subprotocols and extensions the server picks.
	{"protocol-first-offered", func(t *T) {
		u, id := t.url("/protocol-first", "")
		t.wait(t.dial(u, id, hooks{protocols: []string{"a", "b"}, message: closeAfter(t, 1)}))
	}},

	// Messages: text, binaryType, empty, large, fragmented, ordering.
	{"echo-text", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) { t.send(ws, "héllo ✓ 世界 🎉") },
			message: func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
				t.logf("origin=%s lastEventId=%s", e.Origin, quote(e.LastEventID))
				t.close(ws, 1000, "")
			},
		}))
	}},
	{"binary-blob", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.logf("binaryType=%s", ws.BinaryType())
				t.send(ws, []byte{1, 2, 3, 4, 5})
			},
			message: closeAfter(t, 1),
		}))
	}},
	{"binary-arraybuffer", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			binaryType: websocket.BinaryTypeArrayBuffer,
			open: func(ws *websocket.WebSocket) {
				t.logf("binaryType=%s", ws.BinaryType())
				t.send(ws, []byte{1, 2, 3, 4, 5})
			},
			message: closeAfter(t, 1),
		}))
	}},
	{"binary-type-switch", func(t *T) {
		u, id := t.url("/echo", "")
		n := 0
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) { t.send(ws, []byte{1, 2, 3}) },
			message: func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
				switch n++; n {
				case 1:
					ws.SetBinaryType(websocket.BinaryTypeArrayBuffer)
					t.send(ws, []byte{1, 2, 3, 4})
				case 2:
					ws.SetBinaryType("bogus")
					t.logf("binaryType=%s", ws.BinaryType())
					ws.SetBinaryType(websocket.BinaryTypeBlob)
					t.send(ws, []byte{1, 2, 3, 4, 5})
				default:
					t.close(ws, 1000, "")
				}
			},
		}))
	}},
	{"binary-type-switch-batch", func(t *T) {
		// Three binary messages in one write: the type is read when each
		// message event is dispatched.
		u, id := t.url("/raw", "linger=0&frames=820101"+"820102"+"820103")
		n := 0
		t.wait(t.dial(u, id, hooks{message: func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
			switch n++; n {
			case 1:
				ws.SetBinaryType(websocket.BinaryTypeArrayBuffer)
			case 2:
				ws.SetBinaryType(websocket.BinaryTypeBlob)
			default:
				t.close(ws, 1000, "")
			}
		}}))
	}},
	{"send-blob", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			binaryType: websocket.BinaryTypeArrayBuffer,
			open: func(ws *websocket.WebSocket) {
				t.send(ws, websocket.NewBlob([][]byte{{1, 2}, {3, 4, 5}}, "x/y"))
				t.buffered(ws)
			},
			message: closeAfter(t, 1),
		}))
	}},
	{"usv-string-conversion", func(t *T) {
		// Strings are USVStrings: what cannot be a Unicode scalar value (a
		// lone surrogate in JavaScript, an invalid byte in Go) becomes U+FFFD,
		// in send() and in close()'s reason.
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.sendAs(ws, "a\xffb", "text with an unpaired surrogate")
				t.buffered(ws)
			},
			message: func(ws *websocket.WebSocket, _ *websocket.MessageEvent) {
				t.closeAs(ws, 1000, "\xff", `1000,unpaired surrogate`)
			},
		}))
	}},
	{"listeners-order", func(t *T) {
		// Listeners run in registration order; one removed during a dispatch
		// is not called for it, one added during a dispatch is not either;
		// the on-handler keeps its position when replaced, and goes last
		// when cleared and set again.
		u, id := t.url("/echo", "")
		n := 0
		var removeX func()
		ws := t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) { t.send(ws, "1") },
			message: func(ws *websocket.WebSocket, _ *websocket.MessageEvent) {
				switch n++; n {
				case 1:
					removeX()
					ws.AddEventListener("message", t.listener("listener Z"))
					t.send(ws, "2")
				case 2:
					ws.SetOnMessage(nil)
					ws.SetOnMessage(func(e *websocket.MessageEvent) {
						defer t.enter()()
						t.logf("onmessage again %s", describe(e.Data))
						t.close(ws, 1000, "")
					})
					t.send(ws, "3")
				}
			},
		})
		removeX = ws.AddEventListener("message", t.listener("listener X"))
		ws.AddEventListener("message", t.listener("listener Y"))
		t.wait(ws)
	}},
	{"empty-messages", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			binaryType: websocket.BinaryTypeArrayBuffer,
			open: func(ws *websocket.WebSocket) {
				t.send(ws, "")
				t.send(ws, []byte{})
			},
			message: closeAfter(t, 2),
		}))
	}},
	{"large-binary-1mib", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			binaryType: websocket.BinaryTypeArrayBuffer,
			open: func(ws *websocket.WebSocket) {
				b := make([]byte, 1<<20)
				for i := range b {
					b[i] = byte(i*7 + 3)
				}
				t.send(ws, b)
				t.buffered(ws)
			},
			message: closeAfter(t, 1),
		}))
	}},
	{"large-text-1mib", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.send(ws, strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789", 1<<20/36+1)[:1<<20])
			},
			message: closeAfter(t, 1),
		}))
	}},
	{"fragmented-with-ping", func(t *T) {
		frames := "01026865" + "8903616263" + "80036c6c6f" + // "he", ping "abc", "llo"
			"020101" + "8a00" + "00020203" + "800104" // binary 1, pong, 2 3, 4
		u, id := t.url("/raw", "linger=0&frames="+frames)
		t.wait(t.dial(u, id, hooks{binaryType: websocket.BinaryTypeArrayBuffer, message: closeAfter(t, 2)}))
	}},
	{"ordering-100-arraybuffer", func(t *T) { t.ordering(websocket.BinaryTypeArrayBuffer) }},
	{"ordering-100-blob", func(t *T) { t.ordering(websocket.BinaryTypeBlob) }},

	// bufferedAmount: it grows synchronously, by UTF-8 bytes, never falls
	// within a task, and keeps growing after close().
	{"buffered-amount-send", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.send(ws, "héllo")
				t.buffered(ws)
				t.send(ws, []byte{1, 2, 3})
				t.buffered(ws)
			},
			message: closeAfter(t, 2),
		}))
	}},
	{"buffered-amount-drained-by-close", func(t *T) {
		// The data went out before the closing handshake: at the close
		// event bufferedAmount is 0. Not read at the echoes: Chromium
		// lowers it in a task of its own (BufferedAmountUpdateTask),
		// which can come after the echo's message event.
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.send(ws, "héllo")
				t.send(ws, []byte{1, 2, 3})
			},
			message: closeAfter(t, 2),
			close:   func(ws *websocket.WebSocket, _ *websocket.CloseEvent) { t.buffered(ws) },
		}))
	}},
	{"buffered-amount-after-close", func(t *T) {
		u, id := t.url("/echo", "")
		t.wait(t.dial(u, id, hooks{
			open: func(ws *websocket.WebSocket) {
				t.close(ws, 1000, "")
				t.buffered(ws)
				t.send(ws, "after")
				t.buffered(ws)
				t.send(ws, make([]byte, 10))
				t.buffered(ws)
			},
			close: func(ws *websocket.WebSocket, _ *websocket.CloseEvent) {
				t.send(ws, "x")
				t.buffered(ws)
			},
		}))
	}},
}

// hostPath returns "127.0.0.1:PORT" + path + "?id=" + a new id.
func (t *T) hostPath(path string) string {
	return strings.TrimPrefix(t.env.Base, "http://") + path + "?id=" + t.newID()
}

// ctorFails runs a constructor that must throw; if it does not, the socket
// is closed and waited for, so that the log shows what happened instead.
func (t *T) ctorFails(u string, protocols ...string) {
	ws := t.dial(u, "", hooks{protocols: protocols, open: func(ws *websocket.WebSocket) { t.close(ws, 1000, "") }})
	t.wait(ws)
}

// openAndClose opens a socket, closes it with 1000 in its open handler and
// waits for the close.
func (t *T) openAndClose(u, id string, h hooks) {
	h.open = func(ws *websocket.WebSocket) { t.close(ws, 1000, "") }
	t.wait(t.dial(u, id, h))
}

// closeOnOpen opens path and calls close(code, reason) in the open handler.
func (t *T) closeOnOpen(path, query string, code int, reason string) {
	u, id := t.url(path, query)
	t.wait(t.dial(u, id, hooks{open: func(ws *websocket.WebSocket) { t.close(ws, code, reason) }}))
}

// serverCloses opens path and lets the server end the connection.
func (t *T) serverCloses(path, query string) {
	u, id := t.url(path, query)
	t.wait(t.dial(u, id, hooks{}))
}

// timedClose is closeOnOpen that also logs whether the close event came
// within [min, max) of close().
func (t *T) timedClose(path string, code int, reason string, min, max time.Duration) {
	u, id := t.url(path, "")
	var start time.Time
	t.wait(t.dial(u, id, hooks{
		open: func(ws *websocket.WebSocket) {
			start = time.Now()
			t.close(ws, code, reason)
		},
		close: func(*websocket.WebSocket, *websocket.CloseEvent) {
			d := time.Since(start)
			t.logf("close event in range after close(): %v", d >= min && d < max)
		},
	}))
}

// violation opens /raw, where the server sends the text "ok" and then, in
// another write, the frames given in hex.
func (t *T) violation(frames string) {
	u, id := t.url("/raw", "gap=50&frames=81026f6b,"+frames)
	t.wait(t.dial(u, id, hooks{}))
}

// handshake opens /hs with the query that makes the server answer the
// handshake badly, offering protocols.
func (t *T) handshake(query string, protocols ...string) {
	u, id := t.url("/hs", query)
	t.wait(t.dial(u, id, hooks{protocols: protocols}))
}

// waitState polls ws.ReadyState() until it is want (the browser fires no
// event when the server's Close arrives).
func (t *T) waitState(ws *websocket.WebSocket, want websocket.ReadyState) {
	if ws == nil {
		return
	}
	t.await(func() {
		deadline := time.Now().Add(waitTimeout)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for ws.ReadyState() != want {
			if time.Now().After(deadline) {
				t.logf("FAIL: readyState did not become %d within %v", want, waitTimeout)
				return
			}
			<-tick.C
		}
	})
	t.logf("readyState=%d seen", ws.ReadyState())
}

// listener returns an event listener that logs line.
func (t *T) listener(line string) func(websocket.Event) {
	return func(websocket.Event) {
		defer t.enter()()
		t.logf("%s", line)
	}
}

// closeAfter returns a message hook that calls close(1000) after n messages.
func closeAfter(t *T, n int) func(*websocket.WebSocket, *websocket.MessageEvent) {
	seen := 0
	return func(ws *websocket.WebSocket, _ *websocket.MessageEvent) {
		if seen++; seen == n {
			t.close(ws, 1000, "")
		}
	}
}

// orderingCount is the number of messages of the ordering scenarios.
const orderingCount = 100

// ordering sends orderingCount messages, text and binary alternately, and
// logs how many came back, a digest of the sequence and whether it is the
// sequence sent.
func (t *T) ordering(bt websocket.BinaryType) {
	u, id := t.url("/echo", "")
	var want, got []string
	t.wait(t.dial(u, id, hooks{
		binaryType: bt,
		quiet:      true,
		open: func(ws *websocket.WebSocket) {
			for i := range orderingCount {
				if i%2 == 0 {
					s := fmt.Sprintf("m%d", i)
					ws.Send(s)
					want = append(want, describe(s))
					continue
				}
				b := make([]byte, i%5+1)
				for j := range b {
					b[j] = byte(i + j)
				}
				ws.Send(b)
				if bt == websocket.BinaryTypeBlob {
					want = append(want, fmt.Sprintf("blob %d type=%s", len(b), quote("")))
				} else {
					want = append(want, "arraybuffer "+bytesDesc(b))
				}
			}
			t.logf("sent %d, digest=%s", len(want), fnvHex([]byte(strings.Join(want, "\n"))))
		},
		message: func(ws *websocket.WebSocket, e *websocket.MessageEvent) {
			got = append(got, describe(e.Data))
			if len(got) == orderingCount {
				t.logf("received %d, digest=%s, in order: %v", len(got), fnvHex([]byte(strings.Join(got, "\n"))),
					strings.Join(got, "\n") == strings.Join(want, "\n"))
				t.close(ws, 1000, "")
			}
		},
	}))
}

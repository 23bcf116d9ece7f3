package websocket_test

// The constructor (websocket-api-rules §1.2; DESIGN "Constructor"): URL
// mapping and serialization, refused schemes, fragments and subprotocol
// lists, all reported as ErrSyntax with no connection made.

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/w3ws/w3ws/websocket"
)

// TestConstructorURLSerialization checks the url attribute: http(s) mapped to
// ws(s), an empty path made "/", scheme and host lowercased, query spaces
// and non-ASCII percent-encoded (as UTF-8), existing escapes kept, the
// slashes of a special scheme optional, default ports dropped. The targets
// refuse connections; the sockets fail later through events.
func TestConstructorURLSerialization(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:1/x", "ws://127.0.0.1:1/x"},
		{"https://127.0.0.1:1/x", "wss://127.0.0.1:1/x"},
		{"HTTP://127.0.0.1:1/x", "ws://127.0.0.1:1/x"},
		{"ws://127.0.0.1:1", "ws://127.0.0.1:1/"},
		{"wss://127.0.0.1:1", "wss://127.0.0.1:1/"},
		{"WS://LOCALHOST:1/Path", "ws://localhost:1/Path"},
		{"ws://127.0.0.1:1/echo?foo%20bar baz", "ws://127.0.0.1:1/echo?foo%20bar%20baz"},
		{"ws://127.0.0.1:1/?€", "ws://127.0.0.1:1/?%E2%82%AC"},
		{"ws://127.0.0.1:1/a b", "ws://127.0.0.1:1/a%20b"},
		{"ws://127.0.0.1:1/?", "ws://127.0.0.1:1/?"},
		{"ws:127.0.0.1:1/path", "ws://127.0.0.1:1/path"},
		{"ws:/127.0.0.1:1/path", "ws://127.0.0.1:1/path"},
		{"  ws://127.0.0.1:1/x \t", "ws://127.0.0.1:1/x"},
		{"ws://127.0.0.1:80/x", "ws://127.0.0.1/x"},
		{"wss://127.0.0.1:443/x", "wss://127.0.0.1/x"},
		{"ws://127.0.0.1:1/a/./b/../../echo", "ws://127.0.0.1:1/echo"},
		{"ws://127.0.0.1:01/x", "ws://127.0.0.1:1/x"},
		{"ws://127.0.0.1:080/x", "ws://127.0.0.1/x"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			ws, err := websocket.New(tc.in)
			require.NoError(t, err)
			closeAtEnd(t, ws)
			assert.Equal(t, tc.want, ws.URL())
			assert.Equal(t, websocket.BinaryTypeBlob, ws.BinaryType())
			assert.Zero(t, ws.BufferedAmount())
			assert.Empty(t, ws.Protocol())
			assert.Empty(t, ws.Extensions())
		})
	}
}

// TestConstructorSyntaxErrors checks that every refused URL or protocol list
// is ErrSyntax (a *DOMException named SyntaxError), and that none of them
// made a connection.
func TestConstructorSyntaxErrors(t *testing.T) {
	id := newID(t)
	host := scenarioHost()
	echo := "ws://" + host + "/echo?id=" + id
	for _, tc := range []struct {
		name      string
		url       string
		protocols []string
	}{
		{"ftp", "ftp://" + host + "/echo?id=" + id, nil},
		{"file", "file:///etc/passwd", nil},
		{"mailto", "mailto:a@b.example", nil},
		{"about", "about:blank", nil},
		{"javascript", "javascript:alert(1)", nil},
		{"data", "data:text/plain,x", nil},
		{"empty fragment", echo + "#", nil},
		{"fragment", echo + "#x", nil},
		{"fragment only", "#test", nil},
		{"no host", "ws://", nil},
		{"bad IPv6", "ws://[::1/", nil},
		{"empty protocol", echo, []string{""}},
		{"protocol with space", echo, []string{"a b"}},
		{"protocol with comma", echo, []string{"a,b"}},
		{"protocol with separator", echo, []string{"a/b"}},
		{"non-ASCII protocol", echo, []string{"é"}},
		{"protocol with DEL", echo, []string{"a\x7f"}},
		{"protocol with control", echo, []string{"a\x01"}},
		{"duplicate protocol", echo, []string{"echo", "echo"}},
		{"duplicate protocol later", echo, []string{"a", "b", "a"}},
		{"one bad protocol among good", echo, []string{"a", "b c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws, err := websocket.New(tc.url, tc.protocols...)
			if ws != nil {
				closeAtEnd(t, ws)
			}
			require.Error(t, err)
			assert.Nil(t, ws)
			assert.ErrorIs(t, err, websocket.ErrSyntax)
			var de *websocket.DOMException
			if assert.True(t, errors.As(err, &de), "%T is not a *DOMException", err) {
				assert.Equal(t, "SyntaxError", de.Name)
				assert.NotEmpty(t, de.Message)
			}
			assert.NotErrorIs(t, err, websocket.ErrInvalidAccess)
			// The same with NewWithOptions.
			_, err = websocket.NewWithOptions(tc.url, &websocket.Options{Protocols: tc.protocols})
			assert.ErrorIs(t, err, websocket.ErrSyntax)
		})
	}
	requireNoConnection(t, id)
}

// TestConstructorProtocolsCaseSensitive checks that subprotocols differing
// only in case are not duplicates (as every browser, against WPT), that
// they are offered in one header in order, and that the server's pick is
// reported.
func TestConstructorProtocolsCaseSensitive(t *testing.T) {
	u, id := route(t, "/echo")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) {
		r.log("protocol %q", ws.Protocol())
		ws.Close(1000, "")
	}
	r.dial(u, &websocket.Options{Protocols: []string{"echo", "eCho"}})
	assert.Equal(t, []string{"open rs=1", `protocol "echo"`, `close rs=3 1000 "" true`}, r.wait())
	l := wireLog(t, id)
	assert.Equal(t, []string{"echo, eCho"}, l.Header.Values("Sec-WebSocket-Protocol"))
	assert.Equal(t, []string{`close 1000 ""`}, l.Wire())
}

// TestConstructorHTTPScheme checks that an http URL connects as ws, with the
// handshake the server expects.
func TestConstructorHTTPScheme(t *testing.T) {
	u, id := route(t, "/echo")
	u = "http" + strings.TrimPrefix(u, "ws")
	r := newRecorder(t)
	r.onOpen = func(ws *websocket.WebSocket) { ws.Close(1000, "") }
	ws := r.dial(u, nil)
	assert.Equal(t, "ws"+strings.TrimPrefix(u, "http"), ws.URL())
	assert.Equal(t, []string{"open rs=1", `close rs=3 1000 "" true`}, r.wait())
	l := wireLog(t, id)
	assert.Equal(t, 1, l.Conns)
	assert.Equal(t, "/echo", l.Path)
	assert.Equal(t, "websocket", strings.ToLower(l.Header.Get("Upgrade")))
	assert.Equal(t, "13", l.Header.Get("Sec-WebSocket-Version"))
	assert.Len(t, l.Header.Values("Sec-WebSocket-Key"), 1)
	assert.Empty(t, l.Header.Values("Sec-WebSocket-Protocol"), "no protocol was offered")
}

// TestConstructorQueryEncoding checks what the server receives for a query
// with spaces, escapes and non-ASCII text (WPT url/resolve, constructor/016).
func TestConstructorQueryEncoding(t *testing.T) {
	u, id := route(t, "/query")
	r := newRecorder(t)
	r.onMessage = closeOnMessages(1)
	r.dial(u+"&q=foo%20bar baz€", nil)
	want := "id=" + id + "&q=foo%20bar%20baz%E2%82%AC"
	assert.Equal(t, []string{"open rs=1", "message rs=1 text " + strconv.Quote(want), `close rs=3 1000 "" true`}, r.wait())
	assert.Equal(t, want, wireLog(t, id).Query)
}

// TestConstructorPortOutOfRange: a port over 65535 is a URL parse failure in
// the URL standard (so SyntaxError in browsers), not a connection failure.
func TestConstructorPortOutOfRange(t *testing.T) {
	for _, u := range []string{"ws://127.0.0.1:65536/", "ws://127.0.0.1:99999/"} {
		ws, err := websocket.New(u)
		if ws != nil {
			closeAtEnd(t, ws)
		}
		assert.ErrorIs(t, err, websocket.ErrSyntax, u)
	}
}

package native

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordConn is a net.Conn that reads nothing and keeps what is written to
// it: the hijacked connection of a hijackRecorder.
type recordConn struct {
	streamConn
	out bytes.Buffer
}

func (c *recordConn) Write(p []byte) (int, error) { return c.out.Write(p) }

// hijackRecorder is an httptest.ResponseRecorder that can be hijacked, so
// that Accept runs to the end without a server.
type hijackRecorder struct {
	*httptest.ResponseRecorder
	conn     *recordConn
	hijacked bool
}

func (h *hijackRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h.hijacked = true
	return h.conn, bufio.NewReadWriter(bufio.NewReader(h.conn), bufio.NewWriter(h.conn)), nil
}

// fuzzAcceptSubprotocols are the subprotocols the server of FuzzAcceptRequest
// supports.
var fuzzAcceptSubprotocols = []string{"chat", "superchat"}

// FuzzAcceptRequest parses arbitrary bytes as an HTTP request (inputs that
// http.ReadRequest refuses are skipped; net/http would answer them itself)
// and runs Accept's checks on it, with OriginPatterns the comma-separated
// patterns. It checks each step against the rules of Accept's doc:
//
//   - checkHandshake gives a status exactly when it gives an error, a status
//     of Accept's list that matches the error's class, and sets the 405 and
//     426 headers; when it passes, the request is an HTTP/1.1 GET with one
//     Sec-WebSocket-Key of 16 bytes in base64 (24 characters), and it set no
//     header.
//   - checkOrigin gives a status exactly when it gives an error: 403 for
//     ErrOriginNotAllowed, 500 for a malformed pattern; when it passes, the
//     request has no Origin, or one whose host is the request's Host or
//     matches a pattern.
//   - Accept succeeds exactly when both checks pass; on failure it answers
//     through the ResponseWriter with the checks' status and error and does
//     not hijack; on success it writes nothing to the ResponseWriter, and the
//     101 it writes to the hijacked connection passes the client's own
//     checks (readHandshakeResponse) with a subprotocol that both sides list.
func FuzzAcceptRequest(f *testing.F) {
	valid := "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: " + rfcKey + "\r\nSec-WebSocket-Version: 13\r\n"
	f.Add(valid+"\r\n", "")
	f.Add(valid+"Origin: http://example.com\r\nSec-WebSocket-Protocol: x, superchat, chat\r\n\r\n", "")
	f.Add(valid+"Origin: https://a.example.org\r\n\r\n", "*.example.org")
	f.Add(valid+"Origin: http://[::1]:8080\r\n\r\n", `\[::1\]:*`)
	f.Add(valid+"Origin: null\r\n\r\n", "*")
	f.Add(valid+"Origin: http://evil.example\r\n\r\n", "[")
	f.Add(valid+"Origin: http://a\r\nOrigin: http://b\r\n\r\n", "*")
	f.Add(valid+"Sec-WebSocket-Key: "+rfcKey+"\r\n\r\n", "")
	f.Add("GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "")
	f.Add("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n", "")
	f.Add("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, UPGRADE\r\nUpgrade: WebSocket\r\n"+
		"Sec-WebSocket-Version: 13, 13\r\nSec-WebSocket-Key:  "+rfcKey+" \r\n\r\n", "")
	f.Add("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA\r\n\r\n", "")
	f.Fuzz(func(t *testing.T, raw, patternList string) {
		r, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil {
			return
		}
		var patterns []string
		if patternList != "" {
			patterns = strings.Split(patternList, ",")
		}

		h := http.Header{}
		key, hsStatus, hsErr := checkHandshake(h, r)
		checkFuzzHandshake(t, r, h, key, hsStatus, hsErr)
		originStatus, originErr := checkOrigin(r, patterns)
		checkFuzzOrigin(t, r, patterns, originStatus, originErr)

		wantStatus, wantErr := hsStatus, hsErr
		if hsErr == nil {
			wantStatus, wantErr = originStatus, originErr
		}
		w := &hijackRecorder{ResponseRecorder: httptest.NewRecorder(), conn: &recordConn{streamConn: streamConn{r: bytes.NewReader(nil)}}}
		c, err := Accept(w, r, &AcceptOptions{OriginPatterns: patterns, Subprotocols: fuzzAcceptSubprotocols})
		if wantErr != nil {
			require.Error(t, err)
			assert.Nil(t, c)
			assert.Equal(t, wantErr.Error(), err.Error())
			assert.Equal(t, wantStatus, w.Code)
			assert.False(t, w.hijacked)
			return
		}
		require.NoError(t, err)
		defer c.CloseNow()
		assert.True(t, w.hijacked)
		assert.False(t, w.Flushed)
		assert.Zero(t, w.Body.Len(), "body written before the hijack")

		sub := c.Subprotocol()
		if sub != "" {
			assert.Contains(t, fuzzAcceptSubprotocols, sub)
			assert.Contains(t, headerTokens(r.Header, "Sec-WebSocket-Protocol"), sub)
		}
		var offered []string
		if sub != "" {
			offered = []string{sub}
		}
		resp, gotSub, _, _, err := readHandshakeResponse(bufio.NewReader(&w.conn.out), nil, key, offered, false)
		require.NoError(t, err, "the 101 fails the client's checks")
		assert.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		assert.Equal(t, sub, gotSub)
	})
}

// checkFuzzHandshake checks the result of checkHandshake(h, r) for
// FuzzAcceptRequest.
func checkFuzzHandshake(t *testing.T, r *http.Request, h http.Header, key string, status int, err error) {
	t.Helper()
	if err != nil {
		assert.True(t, strings.HasPrefix(err.Error(), "native: "), err.Error())
		assert.Empty(t, key)
		switch status {
		case http.StatusHTTPVersionNotSupported:
			assert.ErrorIs(t, err, ErrNotWebSocket)
		case http.StatusMethodNotAllowed:
			assert.ErrorIs(t, err, ErrNotWebSocket)
			assert.Equal(t, []string{http.MethodGet}, h.Values("Allow"))
		case http.StatusUpgradeRequired:
			if !errors.Is(err, ErrNotWebSocket) {
				assert.ErrorIs(t, err, ErrUnsupportedVersion)
			}
			assert.Equal(t, []string{"websocket"}, h.Values("Upgrade"))
			assert.Equal(t, []string{"13"}, h.Values("Sec-WebSocket-Version"))
		case http.StatusBadRequest:
			assert.ErrorIs(t, err, ErrInvalidKey)
		default:
			t.Fatalf("status %d for %v", status, err)
		}
		return
	}
	require.Zero(t, status)
	assert.Empty(t, h, "headers set for a 101")
	assert.Equal(t, 1, r.ProtoMajor)
	assert.GreaterOrEqual(t, r.ProtoMinor, 1)
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Contains(t, strings.ToLower(strings.Join(r.Header.Values("Connection"), ",")), "upgrade")
	assert.Contains(t, strings.ToLower(strings.Join(r.Header.Values("Upgrade"), ",")), "websocket")
	require.Len(t, r.Header.Values("Sec-WebSocket-Key"), 1)
	assert.Equal(t, strings.TrimSpace(r.Header.Get("Sec-WebSocket-Key")), key)
	assert.Len(t, key, 24)
	b, derr := base64.StdEncoding.DecodeString(key)
	assert.NoError(t, derr)
	assert.Len(t, b, 16)
}

// checkFuzzOrigin checks the result of checkOrigin(r, patterns) for
// FuzzAcceptRequest.
func checkFuzzOrigin(t *testing.T, r *http.Request, patterns []string, status int, err error) {
	t.Helper()
	if err != nil {
		assert.True(t, strings.HasPrefix(err.Error(), "native: "), err.Error())
		switch status {
		case http.StatusForbidden:
			assert.ErrorIs(t, err, ErrOriginNotAllowed)
		case http.StatusInternalServerError:
			assert.ErrorIs(t, err, path.ErrBadPattern)
		default:
			t.Fatalf("status %d for %v", status, err)
		}
		return
	}
	require.Zero(t, status)
	origins := r.Header.Values("Origin")
	if len(origins) == 0 {
		return
	}
	require.Len(t, origins, 1)
	u, perr := url.Parse(origins[0])
	require.NoError(t, perr)
	require.NotEmpty(t, u.Host)
	if strings.EqualFold(u.Host, r.Host) {
		return
	}
	assert.True(t, slices.ContainsFunc(patterns, func(p string) bool {
		ok, _ := path.Match(strings.ToLower(p), strings.ToLower(u.Host))
		return ok
	}), "Origin %q allowed for Host %q by none of %q", origins[0], r.Host, patterns)
}

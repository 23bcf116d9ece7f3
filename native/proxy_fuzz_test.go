package native

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fuzzProxyPassword is the password in the proxy URL of FuzzConnectResponse,
// which no error may show.
const fuzzProxyPassword = "pr0xyS3cret"

// fuzzConnectTimeout is the deadline FuzzConnectResponse sets on the
// connection: connectTunnel must return well before it, since the fake proxy
// closes the connection after its answer.
const fuzzConnectTimeout = 5 * time.Second

// FuzzConnectResponse plays an HTTP proxy that reads the CONNECT request and
// answers it with arbitrary bytes, then closes the connection. connectTunnel
// must not panic, must send the same request whatever the answer, must
// return on its own rather than at the connection's deadline, and its errors
// must not show the proxy's password. It may succeed only when the answer
// starts with a 2xx response to CONNECT; an answer that is exactly such a
// response head must succeed.
func FuzzConnectResponse(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 200 OK\r\nProxy-Agent: test\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 299 Odd\r\nTransfer-Encoding: chunked\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"p\"\r\nContent-Length: 4\r\n\r\nnope"))
	f.Add([]byte("HTTP/1.1 502 Bad Gateway\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n\r\n\x81\x05hello"))
	f.Add([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\nX: y\n\n"))
	f.Add([]byte("HTTP/1.1 200 OK\r\n"))
	f.Add([]byte("HTTP/1.1 +200 OK\r\n\r\n"))
	f.Add([]byte("FOO BAR BAZ\r\n\r\n"))
	f.Add([]byte(""))
	proxyURL := &url.URL{Scheme: "http", User: url.UserPassword("user", fuzzProxyPassword), Host: "proxy.example:3128"}
	const addr = "example.com:443"
	wantReq := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\nProxy-Authorization: " +
		basicAuthorization("user", fuzzProxyPassword) + "\r\n\r\n"
	f.Fuzz(func(t *testing.T, answer []byte) {
		nc, proxy := net.Pipe()
		gotReq := make(chan string, 1)
		go func() {
			defer proxy.Close()
			var req strings.Builder
			br := bufio.NewReader(proxy)
			for {
				line, err := br.ReadString('\n')
				req.WriteString(line)
				if err != nil || line == "\r\n" {
					break
				}
			}
			gotReq <- req.String()
			proxy.Write(answer) // fails once connectTunnel has returned and nc is closed
		}()
		require.NoError(t, nc.SetDeadline(time.Now().Add(fuzzConnectTimeout)))
		err := connectTunnel(nc, proxyURL, addr)
		nc.Close()
		assert.Equal(t, wantReq, <-gotReq)

		if err != nil {
			assert.False(t, isTimeout(err), "connectTunnel waited for the deadline: %v", err)
			assert.True(t, strings.HasPrefix(err.Error(), "native: "), err.Error())
			if !bytes.Contains(answer, []byte(fuzzProxyPassword)) {
				assert.NotContains(t, err.Error(), fuzzProxyPassword)
			}
		}

		// What net/http makes of the answer, read from memory.
		br := bufio.NewReader(bytes.NewReader(answer))
		resp, rerr := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
		is2xx := rerr == nil && resp.StatusCode/100 == 2
		if err == nil {
			assert.True(t, is2xx, "success on an answer that is not a 2xx response: %q", answer)
		}
		if is2xx && br.Buffered() == 0 && len(answer) <= maxHandshakeResponseSize {
			assert.NoError(t, err, "a bare 2xx response head refused: %q", answer)
		}
	})
}

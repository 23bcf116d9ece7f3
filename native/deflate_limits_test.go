//go:build !js

package native

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deflatePair is connPair with permessage-deflate negotiated, no context
// takeover either way.
func deflatePair(t *testing.T, opts ConnOptions) (client, server *Conn) {
	t.Helper()
	a, b := tcpPair(t)
	p := deflateParams{serverNoContextTakeover: true, clientNoContextTakeover: true}
	opts.Compression = CompressionNoContextTakeover
	client = newConn(a, nil, connConfig{client: true, deflate: &p, opts: opts})
	server = newConn(b, nil, connConfig{client: false, deflate: &p, opts: opts})
	t.Cleanup(func() { client.CloseNow(); server.CloseNow() })
	return client, server
}

// TestDeflateNoLimit reads compressed messages with MaxMessageSize
// negative (no limit) into nil and into a full buffer: the inflater's
// growth once overflowed there (a makeslice panic on the first message).
func TestDeflateNoLimit(t *testing.T) {
	client, server := deflatePair(t, ConnOptions{MaxMessageSize: -1})
	msg := bytes.Repeat([]byte("no limit "), 1000)
	for _, dst := range [][]byte{nil, make([]byte, 3)} {
		require.NoError(t, client.WriteMessage(MessageBinary, msg))
		_, got, err := server.ReadMessage(dst)
		require.NoError(t, err)
		assert.Equal(t, append(dst, msg...), got)
	}
}

// TestDeflateExactBufferNoRegrow reads compressed messages into a buffer
// of exactly their size: it is filled in place, not regrown per message.
func TestDeflateExactBufferNoRegrow(t *testing.T) {
	client, server := deflatePair(t, ConnOptions{})
	msg := bytes.Repeat([]byte("exact fit "), 400)
	buf := make([]byte, 0, len(msg))
	for range 3 {
		require.NoError(t, client.WriteMessage(MessageText, msg))
		_, got, err := server.ReadMessage(buf[:0])
		require.NoError(t, err)
		require.Equal(t, msg, got)
		assert.Equal(t, &buf[:1][0], &got[0], "the buffer was regrown")
	}
}

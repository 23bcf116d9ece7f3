package native

import (
	"bufio"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadMessageOrQuietWithoutRawConn: on a connection that cannot wait
// without a buffer (a net.Pipe here, TLS in use), ReadMessageOrQuiet is
// ReadMessage: it waits past the quiet time for the message.
func TestReadMessageOrQuietWithoutRawConn(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	c := newConn(a, nil, connConfig{client: true})
	defer c.CloseNow()
	p := &rawPeer{t: t, nc: b, br: bufio.NewReader(b)}
	go func() {
		time.Sleep(100 * time.Millisecond)
		p.nc.Write(p.frame(true, opText, []byte("late")))
	}()
	_, msg, err := c.ReadMessageOrQuiet(nil, 10*time.Millisecond)
	require.NoError(t, err)
	assert.Equal(t, "late", string(msg))
}

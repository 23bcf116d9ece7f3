//go:build unix

package native

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testQuiet is the quiet time of the ReadMessageOrQuiet tests.
const testQuiet = 50 * time.Millisecond

// TestReadMessageOrQuiet: with nothing coming, ReadMessageOrQuiet returns
// ErrQuiet and reads nothing; a Ping meanwhile does not count; a message
// whose first frame came in time is read whole however slowly the rest
// comes, fragmented or not; after ErrQuiet the connection reads on.
func TestReadMessageOrQuiet(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{})
	defer c.CloseNow()
	go io.Copy(io.Discard, p.nc) // our Pongs

	_, msg, err := c.ReadMessageOrQuiet([]byte("kept"), testQuiet)
	require.ErrorIs(t, err, ErrQuiet)
	assert.Equal(t, "kept", string(msg), "dst as it was")

	p.write(p.frame(true, opPing, []byte("are you there")))
	_, _, err = c.ReadMessageOrQuiet(nil, testQuiet)
	require.ErrorIs(t, err, ErrQuiet, "a Ping is not a message")

	// slow writes the first part now, the second after the quiet time.
	slow := func(first, second []byte) {
		p.write(first)
		go func() {
			time.Sleep(3 * testQuiet)
			p.nc.Write(second)
		}()
	}
	whole := p.frame(true, opText, []byte("hello"))
	slow(whole[:4], whole[4:])
	typ, msg, err := c.ReadMessageOrQuiet(nil, testQuiet)
	require.NoError(t, err, "a frame begun in time")
	assert.Equal(t, MessageText, typ)
	assert.Equal(t, "hello", string(msg))

	slow(p.frame(false, opBinary, []byte{1, 2}), p.frame(true, opContinuation, []byte{3}))
	typ, msg, err = c.ReadMessageOrQuiet(nil, testQuiet)
	require.NoError(t, err, "a message begun in time")
	assert.Equal(t, MessageBinary, typ)
	assert.Equal(t, []byte{1, 2, 3}, msg)

	_, _, err = c.ReadMessageOrQuiet(nil, testQuiet)
	require.ErrorIs(t, err, ErrQuiet)
	p.write(p.frame(true, opText, []byte("later")))
	_, msg, err = c.ReadMessage(nil)
	require.NoError(t, err, "the connection is intact after ErrQuiet")
	assert.Equal(t, "later", string(msg))
}

// TestReadMessageOrQuietWhileClosing: once our Close went out, the quiet
// time no longer cuts the wait for the peer's reply: CloseTimeout ends it.
func TestReadMessageOrQuietWhileClosing(t *testing.T) {
	c, p := newRawPeer(t, true, ConnOptions{CloseTimeout: 6 * testQuiet})
	go io.Copy(io.Discard, p.nc)
	require.NoError(t, c.StartClose(StatusNormalClosure, ""))
	_, _, err := c.ReadMessageOrQuiet(nil, testQuiet)
	require.ErrorIs(t, err, ErrCloseTimeout)
}

// TestQuietCutIgnoresStaleFire: a timer call that stop could not stop,
// and that runs after the next wait began, does not cut that wait.
func TestQuietCutIgnoresStaleFire(t *testing.T) {
	c, _ := newRawPeer(t, true, ConnOptions{})
	defer c.CloseNow()
	q := &quietCut{c: c, d: time.Hour, armed: true}
	c.readMu.Lock()
	defer c.readMu.Unlock()
	q.start()
	q.fire() // the last wait's call, late
	assert.False(t, q.cut, "a stale call cut the wait")
	assert.False(t, q.stop())
	q.d = time.Nanosecond
	q.start()
	time.Sleep(time.Millisecond)
	q.fire()
	assert.True(t, q.cut, "a due call cuts the wait")
	assert.True(t, q.stop())
}
